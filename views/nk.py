"""NK-cell therapy: results by setting and CAR-NK, comparisons against controls with P values."""

import streamlit as st

from celltx import ui

st.title("NK-cell and CAR-NK therapy")
built = ui.figure("nk_results_by_setting", key="nk_chart")
if built.figure is not None:
    st.subheader("Comparisons with P values")
    cols = ["study", "setting", "endpoint", "arm", "n", "value_pct", "time_months", "p_value", "location"]
    st.dataframe(built.rows[built.rows["p_value"].notna()][cols], hide_index=True, width="stretch")
