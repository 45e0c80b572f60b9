"""CAR-T response: response rate per study with exact 95% CI, pooled per target, measures apart."""

import streamlit as st

from celltx import stats, ui

st.title("CAR-T response by target antigen")
built = ui.figure("cart_response_by_target", key="cart_response_chart")
if built.figure is not None:
    pooled = built.pooled
    st.subheader(f"Pooled estimates (random effects, where ≥ {stats.MIN_POOL} studies have n)")
    f = ui.current_filters()
    if f.disease and f.broader:
        st.caption(
            "Broader cohorts (marked on the chart) are included in these estimates where listed under "
            "'broader included'."
            if f.pool_broader
            else "Broader cohorts (marked on the chart) are not pooled: they are listed under "
            "'Excluded from pooling' with the reason. Switch on 'Pool broader cohorts too' to include them."
        )
    shown = pooled[stats.poolable(pooled)]
    if shown.empty:
        st.info(f"No target has {stats.MIN_POOL} or more studies with n for one measure under these filters.")
    else:
        cols = [
            "endpoint",
            "group",
            "k",
            "n_total",
            "pooled_pct",
            "ci_low_pct",
            "ci_high_pct",
            "tau2",
            "i2_pct",
            "included",
            *(["broader_included"] if f.pool_broader else []),
        ]
        st.dataframe(shown[cols], hide_index=True, width="stretch")
    st.subheader("Excluded from pooling")
    excl = pooled[pooled["excluded"] != ""][["endpoint", "group", "excluded_reasons"]]
    st.dataframe(excl, hide_index=True, width="stretch")
