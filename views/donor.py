"""Donor type: haploidentical (HID) vs identical-sibling (ISD) donors per study and endpoint."""

import streamlit as st

from celltx import ui

st.title("Haploidentical vs identical-sibling donors")
allo = ui.filtered_outcomes()
protocols = sorted(allo.loc[allo["modality"] == "allo-HSCT", "protocol"].dropna().unique())
choice = st.segmented_control(
    "Conditioning protocol of the HID arm", ["All", *protocols], default="All", key="donor_protocol"
)
# 'All' is no choice: the recipe's default, and the figure the warm-up builds ahead (no options)
chosen = {"protocol": choice} if choice and choice != "All" else {}
if ui.figure("donor_hid_vs_isd", key="donor_chart", **chosen).figure is not None:
    st.caption(
        "★ marks P < 0.05 as printed. The MDS study compares three arms (HID 3/6, HID 4-5/6, ISD) "
        "with one overall P value: no pairwise test is implied. Records without a printed "
        "protocol (most text passages) appear only under 'All'."
    )
