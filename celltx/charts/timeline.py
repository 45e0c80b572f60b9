"""Time: survival at printed landmarks, and median survival and response durations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import vocab
from celltx.charts import marks, text
from celltx.charts.layout import SCREEN, Labels, Theme, finish

# vocab's order; an endpoint of the rows that vocab does not list as survival is drawn after them,
# never dropped (the recipe chose it)
SURVIVAL_ORDER = [e for e, (family, _, _) in vocab.ENDPOINTS.items() if family == "survival"]


def survival_landmarks(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Landmark survival estimates: one panel per endpoint, x = landmark (months), colour = target."""
    present = list(dict.fromkeys(df["endpoint"]))
    endpoints = [e for e in SURVIVAL_ORDER if e in present] + [e for e in present if e not in SURVIVAL_ORDER]
    fig = make_subplots(
        rows=1,
        cols=len(endpoints),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[f"{e}: {vocab.ENDPOINTS[e][1]}" for e in endpoints],
    )
    seen: set = set()
    for j, e in enumerate(endpoints, start=1):
        g = df[df["endpoint"] == e]
        for tgt, gg in g.groupby("target_group", sort=False):
            fig.add_trace(
                go.Scatter(
                    x=gg["time_months"],
                    y=gg["value_pct"],
                    mode="markers+text",
                    text=[text.n_text(v) for v in gg["n"]],
                    textposition="middle right",
                    cliponaxis=False,
                    textfont={"size": theme.font - 3},
                    marker={
                        "color": marks.target_color(tgt),
                        "size": marks.n_size(gg["n"], theme),
                        "symbol": marks.symbols(gg, marks.target_symbol(tgt)),
                        "line": {"width": 1, "color": theme.ink},
                    },
                    name=str(tgt),
                    legendgroup=str(tgt),
                    showlegend=tgt not in seen,
                    customdata=marks.record_data(gg),
                    hovertext=[text.hover_text(r) for r in marks.records(gg)],
                    hoverinfo="text",
                ),
                row=1,
                col=j,
            )
            seen.add(tgt)
        fig.update_xaxes(
            title_text=vocab.axis_title("time_months"),
            range=[0, g["time_months"].max() * 1.3 + 1],
            row=1,
            col=j,
        )
    fig.update_yaxes(range=[0, 105], title_text=vocab.axis_title("survival_pct"), row=1, col=1)
    return finish(fig, labels, theme, height=480, legend_title=vocab.axis_title("target"))


def medians_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Median times (and printed duration ranges) per study; one row per study and measure."""
    g = df
    y = text.dedupe_labels([text.row_label(r, with_measure=True) for r in marks.records(g)])
    fig = go.Figure()
    seen: set = set()
    for r, label in zip(marks.records(g), y, strict=True):
        color = marks.target_color(r["target_group"])
        name = str(r["target_group"])
        common: dict[str, Any] = {
            "name": name,
            "legendgroup": name,
            "showlegend": name not in seen,
            "hovertext": [text.hover_text(r)],
            "hoverinfo": "text",
            "customdata": marks.record_data(pd.DataFrame([r])),
        }
        seen.add(name)
        if pd.notna(r["median_months"]):
            fig.add_trace(
                go.Scatter(
                    x=[r["median_months"]],
                    y=[label],
                    mode="markers",
                    marker={
                        "color": color,
                        "size": 13 * theme.marker_scale,
                        "symbol": marks.symbol(r, marks.target_symbol(r["target_group"])),
                    },
                    **common,
                )
            )
        else:
            lo = r["median_low_months"] if pd.notna(r["median_low_months"]) else r["duration_low_months"]
            hi = r["median_high_months"] if pd.notna(r["median_high_months"]) else r["duration_high_months"]
            common["hovertext"] = common["hovertext"] * 2
            common["customdata"] = np.vstack([common["customdata"]] * 2)
            fig.add_trace(
                go.Scatter(
                    x=[lo, hi],
                    y=[label, label],
                    mode="lines+markers",
                    line={"color": color, "width": 5 * theme.marker_scale},
                    marker={"symbol": "line-ns", "size": 14, "line": {"width": 2, "color": color}},
                    **common,
                )
            )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=vocab.axis_title("median_months"), rangemode="tozero")
    return finish(
        fig, labels, theme, height=max(320, 170 + 34 * len(g)), legend_title=vocab.axis_title("target")
    )
