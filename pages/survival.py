"""Survival and durability: landmark estimates and medians by endpoint; relapse and bridging."""

import streamlit as st

from celltx import charts, ui

st.title("Survival and durability")
df = ui.filtered_outcomes()
surv = df[(df["family"] == "survival") & (df["modality"].isin(["CAR-T", "CAR-NK"]))]
if ui.has_data(surv, "CAR-T survival results"):
    fig = charts.survival_landmarks(
        surv,
        ui.labels(
            "Survival after CAR-T at printed landmarks", "a panel per endpoint; x = landmark in months", surv
        ),
        ui.theme(),
    )
    ui.show(fig, key="survival_chart", name="cart_survival_landmarks")
    st.caption(
        "Landmark estimates are as printed (usually Kaplan-Meier); no CI is drawn because the "
        "number at risk is not reported."
    )

st.subheader("Medians and durations")
med = df[(df["modality"] == "CAR-T")]
med = med[
    med["median_months"].notna() | med["median_low_months"].notna() | med["duration_low_months"].notna()
]
if ui.has_data(med, "median or duration results"):
    fig = charts.medians_chart(
        med,
        ui.labels("Median survival and response duration after CAR-T", "each row names its measure", med),
        ui.theme(),
    )
    ui.show(fig, key="medians_chart", name="cart_medians")

st.subheader("Relapse after CAR-T and bridge to transplant")
rel = df[
    (df["modality"] == "CAR-T")
    & df["endpoint"].isin(
        ["relapse", "relapse or death", "proceeded to HSCT", "remained MRD-negative", "MRD conversion"]
    )
]
if ui.has_data(rel, "relapse or bridging results"):
    fig = charts.labelled_forest(
        rel,
        ui.labels(
            "Relapse after CAR-T and bridging to transplant",
            "each row names its measure, arm and landmark",
            rel,
        ),
        ui.theme(),
    )
    ui.show(fig, key="relapse_chart", name="cart_relapse_bridge")
