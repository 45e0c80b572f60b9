"""CRS and dose: CRS by target with grade scopes apart; response and CRS against dose; neurotoxicity."""

import streamlit as st

from celltx import ui

st.title("Cytokine release syndrome and CAR dose")
ui.figure("cart_crs_by_target", key="crs_chart")
st.subheader("Response and CRS against dose")
ui.figure("cart_dose_response_crs", key="dose_chart")
st.subheader("Neurotoxicity")
ui.figure("neurotoxicity", key="neuro_chart")
