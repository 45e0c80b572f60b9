"""Survival and durability: landmark estimates and medians by endpoint; relapse and bridging."""

import streamlit as st

from celltx import ui

st.title("Survival and durability")
if ui.figure("cart_survival_landmarks", key="survival_chart").figure is not None:
    st.caption(
        "Landmark estimates as printed (usually Kaplan-Meier); no CI is drawn because the number "
        "at risk is not reported."
    )
st.subheader("Medians and durations")
ui.figure("cart_medians", key="medians_chart")
st.subheader("Relapse after CAR-T and bridge to transplant")
ui.figure("cart_relapse_bridge", key="relapse_chart")
