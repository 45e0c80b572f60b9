"""CAR-T response: response rate per study with exact 95% CI, pooled per target, measures apart."""

import pandas as pd
import streamlit as st

from celltx import charts, stats, ui

st.title("CAR-T response by target antigen")
df = ui.filtered_outcomes()
df = df[(df["modality"] == "CAR-T") & (df["family"] == "response")]
if ui.has_data(df, "CAR-T response results"):
    pooled = pd.concat(
        [stats.pool(df, m, by="target_group").assign(endpoint=m) for m in df["endpoint"].unique()],
        ignore_index=True,
    )
    fig = charts.response_forest(
        df,
        pooled,
        ui.labels(
            "CAR-T response rate by target antigen", "CR, CR/CRi and overall response in separate panels", df
        ),
        ui.theme(),
    )
    ui.show(fig, key="cart_response_chart", name="cart_response_by_target")
    st.subheader("Pooled estimates (random effects, where ≥ 2 studies have n)")
    shown = pooled[pooled["k"] >= 2]
    if shown.empty:
        st.info("No target has two or more studies with n for one measure under these filters.")
    else:
        st.dataframe(
            shown[
                [
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
                ]
            ],
            hide_index=True,
            width="stretch",
        )
    st.subheader("Excluded from pooling")
    excl = pooled[pooled["excluded"] != ""][["endpoint", "group", "excluded_reasons"]]
    st.dataframe(excl, hide_index=True, width="stretch")
