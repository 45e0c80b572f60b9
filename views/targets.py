"""Targets: disease x target antigen, marking which targets have clinical results in the data."""

import streamlit as st

from celltx import filters, ui

st.title("Target antigens by disease")
built = ui.figure("targets_matrix", key="targets_chart")
if built.figure is not None:
    st.subheader("Targets with clinical results in the data")
    summary = built.targets_summary
    for t in sorted(summary["target"].unique()):
        n_values = int(summary.loc[summary["target"] == t, "n_values"].sum())
        st.page_link(
            "views/cart_response.py",
            label=f"{t}: {n_values} values → CAR-T response",
            query_params=filters.Filters(target=(t,)).to_params(),
        )
