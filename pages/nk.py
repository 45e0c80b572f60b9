"""NK-cell therapy: results by setting and CAR-NK, comparisons against controls with P values."""

import streamlit as st

from celltx import charts, ui

st.title("NK-cell and CAR-NK therapy")
df = ui.filtered_outcomes()
nk = df[
    df["modality"].isin(["NK", "CAR-NK"])
    & df["family"].isin(["response", "survival", "incidence", "toxicity"])
]
nk = nk.assign(role=nk["arm"].map(charts.arm_role), setting=nk["setting"].fillna("setting not stated"))
if ui.has_data(nk, "NK or CAR-NK results"):
    fig = charts.labelled_forest(
        nk,
        ui.labels(
            "NK-cell therapy results by setting",
            "each row names its measure and arm; green = NK-treated, grey = comparator",
            nk,
        ),
        ui.theme(),
        group_col="role",
        color_of=lambda r: charts.ROLE_COLORS.get(r, "#000000"),
        legend_title="Arm",
        facet_col="setting",
    )
    ui.show(fig, key="nk_chart", name="nk_results_by_setting")
    comps = nk[nk["p_value"].notna()][
        ["study", "setting", "endpoint", "arm", "n", "value_pct", "time_months", "p_value", "location"]
    ]
    st.subheader("Comparisons with P values")
    st.dataframe(comps, hide_index=True, width="stretch")
