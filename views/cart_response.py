"""CAR-T response: response rate per study with exact 95% CI, pooled per target, measures apart."""

import streamlit as st

from celltx import ui

st.title("CAR-T response by target antigen")
built = ui.figure("cart_response_by_target", key="cart_response_chart")
if built.figure is not None:
    ui.pooling_tables(built, key="cart_response")
