"""Targets: disease x target antigen, marking which targets have clinical results in the data."""

import pandas as pd
import streamlit as st

from celltx import charts, filters, ui

st.title("Target antigens by disease")
f = ui.frames()
cur = ui.current_filters()
tg = f.targets
if cur.disease:
    tg = tg[tg["disease"].isin(cur.disease)]
if cur.target:
    tg = tg[tg["target"].isin(cur.target)]
if cur.modality:
    tg = tg[tg["modality"].isin(cur.modality)]
res = ui.filtered_outcomes()
res = res[res["target"] != ""]
rows = [
    {"disease": d, "target": t, "record_id": r.record_id}
    for r in res.itertuples()
    for d in r.disease.split(";")
    for t in r.target.split(";")
]
hits = pd.DataFrame(rows, columns=["disease", "target", "record_id"])
if cur.disease:
    hits = hits[hits["disease"].isin(cur.disease)]
summary = hits.groupby(["disease", "target"]).agg(n_values=("record_id", "size")).reset_index()
if ui.has_data(pd.concat([tg[["disease"]], summary[["disease"]]]), "targets"):
    fig = charts.targets_matrix(
        tg,
        summary,
        ui.labels(
            "Candidate CAR targets by disease", "Table 2 and text; ● = clinical results in the data", tg
        ),
        ui.theme(),
    )
    ui.show(fig, key="targets_chart", name="targets_matrix")
    st.subheader("Targets with clinical results in the data")
    for t in sorted(summary["target"].unique()):
        params = filters.Filters(target=(t,)).to_params()
        st.page_link(
            "pages/cart_response.py",
            label=f"{t}: {int(summary[summary.target == t].n_values.sum())} values → CAR-T response",
            query_params=params,
        )
