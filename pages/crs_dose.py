"""CRS and dose: CRS by target with grade scopes apart; response and CRS against dose; neurotoxicity."""

import streamlit as st

from celltx import charts, ui

st.title("Cytokine release syndrome and CAR dose")
df = ui.filtered_outcomes()
cart = df[df["modality"] == "CAR-T"]
crs = cart[cart["endpoint"] == "CRS"]
if ui.has_data(crs, "CAR-T CRS results"):
    fig = charts.crs_by_target(
        crs,
        ui.labels("CRS incidence after CAR-T by target antigen", "one panel per grade scope", crs),
        ui.theme(),
    )
    ui.show(fig, key="crs_chart", name="cart_crs_by_target")

st.subheader("Response and CRS against dose")
dose = cart[
    cart["dose_unit"].notna() & cart["family"].isin(["response", "toxicity"]) & (cart["arm"] == "all")
]
if ui.has_data(dose, "dose-linked CAR-T results"):
    fig = charts.dose_chart(
        dose,
        ui.labels(
            "Response and CRS against CAR-T dose",
            "log dose axis; a panel per dose unit; lines span printed dose ranges",
            dose,
        ),
        ui.theme(),
    )
    ui.show(fig, key="dose_chart", name="cart_dose_response_crs")

st.subheader("Neurotoxicity")
neuro = df[df["endpoint"] == "neurotoxicity"]
if ui.has_data(neuro, "neurotoxicity results"):
    fig = charts.bounds_chart(
        neuro,
        ui.labels("Neurotoxicity where reported", "incidence; bounds printed as 'up to'", neuro),
        ui.theme(),
    )
    ui.show(fig, key="neuro_chart", name="neurotoxicity")
