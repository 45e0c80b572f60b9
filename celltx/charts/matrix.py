"""Overviews as matrices: patients by disease and modality; target antigens by disease."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from celltx import vocab
from celltx.charts import marks
from celltx.charts.layout import SCREEN, Labels, Theme, finish


def overview_chart(studies: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Patients and studies by disease, stacked by modality. Linked records count once."""
    rows = studies.assign(disease=studies["disease"].str.split(";")).explode("disease")
    agg = rows.groupby(["disease", "modality"]).agg(
        patients=("n", "sum"), studies=("record_id", "nunique"), unknown=("n", lambda s: int(s.isna().sum()))
    )
    agg = agg.reset_index()
    order = list(agg.groupby("disease")["patients"].sum().sort_values(ascending=False).index)
    fig = go.Figure()
    for mod in vocab.MODALITIES:
        g = agg[agg["modality"] == mod].set_index("disease").reindex(order).dropna(subset=["studies"])
        if g.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=g.index,
                y=g["patients"],
                name=mod,
                marker_color=vocab.MODALITY_COLORS[mod],
                text=[f"{int(s)} st." for s in g["studies"]],
                textposition="inside",
                hovertext=[
                    f"<b>{html.escape(mod)} · {html.escape(d)}</b><br>{int(p)} patients with printed n"
                    f"<br>{int(s)} studies ({int(u)} without a printed n)"
                    for d, p, s, u in zip(g.index, g["patients"], g["studies"], g["unknown"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(barmode="stack")
    # labels turned as in the targets matrix, with room kept for them: Plotly turned them by
    # itself on a narrow page, and the axis title then sat on the source footnote
    fig.update_xaxes(
        title_text=vocab.axis_title("disease"),
        categoryorder="array",
        categoryarray=order,
        tickangle=-40,
        title_standoff=8,
    )
    fig.update_yaxes(title_text=vocab.axis_title("patients"))
    return finish(fig, labels, theme, height=460, legend_title=vocab.axis_title("modality"), extra_bottom=60)


STATUS_LEVEL = {
    "candidate": 1,
    "preclinical": 1,
    "under investigation": 2,
    "clinical": 2,
    "results in data": 3,
}


def targets_matrix(
    targets: pd.DataFrame, with_results: pd.DataFrame, labels: Labels, theme: Theme = SCREEN
) -> go.Figure:
    """Disease x target antigen: named as a candidate, under clinical investigation, or with
    clinical results in the curated data (``with_results``: columns disease, target, n_values)."""
    cells: dict[tuple[str, str], tuple[int, str]] = {}
    for r in marks.records(targets):
        lvl = STATUS_LEVEL[r["status"]]
        key = (r["disease"], r["target"])
        if cells.get(key, (0, ""))[0] < lvl:
            cells[key] = (lvl, f"{r['status']} ({r['location']})")
    for r in marks.records(with_results):
        cells[(r["disease"], r["target"])] = (3, f"clinical results in data: {r['n_values']} values")
    diseases = sorted({d for d, _ in cells})
    tgts = [t for t in vocab.TARGETS if any(t == tt for _, tt in cells)]
    z = [[cells.get((d, t), (0, ""))[0] for t in tgts] for d in diseases]
    txt = [[html.escape(cells.get((d, t), (0, "not named"))[1]) for t in tgts] for d in diseases]
    levels = [
        "#f4f4f4" if not theme.dark else "#2a2a2e",
        vocab.OKABE_ITO["sky blue"],
        vocab.OKABE_ITO["orange"],
        vocab.OKABE_ITO["blue"],
    ]
    scale = []  # four flat bands: level k occupies [k/4, (k+1)/4) with zmin -0.5, zmax 3.5
    for k, c in enumerate(levels):
        scale += [[k / 4, c], [(k + 1) / 4, c]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=tgts,
            y=diseases,
            text=txt,
            zmin=-0.5,
            zmax=3.5,
            colorscale=scale,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} · %{x}<br>%{text}<extra></extra>",
            colorbar={
                "tickvals": [0, 1, 2, 3],
                "ticktext": [
                    "not named",
                    "candidate / preclinical",
                    "under clinical investigation",
                    "clinical results in data",
                ],
                "title": {"text": vocab.axis_title("status")},
            },
        )
    )
    mark = [(t, d) for d in diseases for t in tgts if cells.get((d, t), (0,))[0] == 3]
    if mark:
        fig.add_trace(
            go.Scatter(
                x=[m[0] for m in mark],
                y=[m[1] for m in mark],
                mode="text",
                text=["●"] * len(mark),
                textfont={"color": "white", "size": theme.font + 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.update_xaxes(title_text=vocab.axis_title("target"), tickangle=-40, title_standoff=8)
    fig.update_yaxes(title_text=vocab.axis_title("disease"))
    return finish(fig, labels, theme, height=max(380, 160 + 40 * len(diseases)), extra_bottom=60)
