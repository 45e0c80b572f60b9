"""Donor type: haploidentical (HID) vs identical-sibling (ISD) donors per study and endpoint."""

import streamlit as st

from celltx import charts, ui

st.title("Haploidentical vs identical-sibling donors")
df = ui.filtered_outcomes()
allo = df[df["modality"] == "allo-HSCT"]
protocols = sorted(p for p in allo["protocol"].dropna().unique())
choice = st.segmented_control(
    "Conditioning protocol of the HID arm", ["All", *protocols], default="All", key="donor_protocol"
)
if choice and choice != "All":
    allo = allo[allo["protocol"] == choice]
if ui.has_data(allo, "donor-type comparisons"):
    fig = charts.donor_dumbbell(
        allo,
        ui.labels(
            "Transplant outcomes by donor type: HID vs ISD",
            f"protocol: {choice or 'All'}; survival (higher better) and incidence (lower better) apart",
            allo,
        ),
        ui.theme(),
    )
    ui.show(fig, key="donor_chart", name="donor_hid_vs_isd")
    st.caption(
        "★ marks P < 0.05 as printed. The MDS study compares three arms (HID 3/6, HID 4-5/6, ISD) "
        "with one overall P value: no pairwise test is implied. Records without a printed "
        "protocol (most text passages) appear only under 'All'."
    )
