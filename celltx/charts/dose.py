"""Response and CRS against CAR dose: a log dose axis, a panel per dose unit, ranges as ranges."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import vocab
from celltx.charts import marks, text
from celltx.charts.layout import SCREEN, Labels, Theme, finish

LABEL_CLEARANCE = 5  # percentage points: closer labels in one panel are stepped down a line


def dose_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Response and CRS against CAR dose on a log axis; a panel per dose unit, ranges as ranges.

    Rows: response measures, then CRS. Symbols distinguish measures (CR, CR/CRi, OR) and CRS
    scopes; colour is the target.
    """
    units = [u for u in vocab.DOSE_UNITS if u in set(df["dose_unit"])]
    kinds = [k for k in ("response", "toxicity") if k in set(df["family"])]
    fig = make_subplots(
        rows=len(kinds),
        cols=len(units),
        shared_yaxes=True,
        horizontal_spacing=0.07,
        vertical_spacing=0.16,
        subplot_titles=[
            f"{'Response' if k == 'response' else 'CRS'} · dose {vocab.DOSE_UNITS[u]}"
            for k in kinds
            for u in units
        ],
    )
    symbols = {
        "CR": "circle",
        "CR/CRi": "square",
        "OR": "diamond",
        "MRD-negative CR": "triangle-up",
        "any": "circle",
        "severe": "x",
        "grade>=3": "triangle-down",
        "unspecified": "cross",
    }
    seen: set = set()
    for i, kind in enumerate(kinds, start=1):
        for j, unit in enumerate(units, start=1):
            g = df[(df["family"] == kind) & (df["dose_unit"] == unit)]
            placed: list[float] = []  # label heights in this panel, to step apart labels that meet
            for r in marks.records(g):
                lo = r["dose_low"] if pd.notna(r["dose_low"]) else r["dose_high"]
                hi = r["dose_high"] if pd.notna(r["dose_high"]) else r["dose_low"]
                key = r["scope"] if kind == "toxicity" else r["endpoint"]
                color = marks.target_color(r["target_group"])
                hover = (
                    text.hover_text(r)
                    + f"<br>Dose: {text.dose_text(lo, hi)} {vocab.DOSE_UNITS[unit]} ({r['dose_stat']})"
                )
                name = f"{r['target_group']}"
                fig.add_trace(
                    go.Scatter(
                        x=[lo, hi],
                        y=[r["value_pct"]] * 2,
                        mode="lines+markers",
                        line={"color": color, "width": 3 * theme.marker_scale},
                        marker={
                            "symbol": marks.symbol(r, symbols.get(key, "circle")),
                            "size": 11 * theme.marker_scale,
                            "color": color,
                        },
                        name=name,
                        legendgroup=name,
                        showlegend=name not in seen,
                        hovertext=[hover] * 2,
                        hoverinfo="text",
                        customdata=marks.record_data_of(r, 2),
                    ),
                    row=i,
                    col=j,
                )
                seen.add(name)
                near = sum(abs(r["value_pct"] - y) < LABEL_CLEARANCE for y in placed)
                placed.append(r["value_pct"])
                fig.add_annotation(
                    x=math.log10(hi),
                    y=r["value_pct"],
                    yshift=-near * (theme.font - 1),
                    # the study on each range: two studies' ranges often overlap
                    text=f"{html.escape(str(r['study']))} · {html.escape(text.measure_text(r))}, "
                    f"{text.n_text(r['n'])}",
                    showarrow=False,
                    xanchor="left",
                    xshift=8,
                    font={"size": theme.font - 3},
                    row=i,
                    col=j,
                )
            doses = df[df["dose_unit"] == unit][["dose_low", "dose_high"]].stack().astype(float)
            doses = doses[doses > 0]
            lo_x, hi_x = (
                (math.log10(doses.min()) - 0.3, math.log10(doses.max()) + 1.0) if len(doses) else (0, 1)
            )
            fig.update_xaxes(
                type="log",
                range=[lo_x, hi_x],
                row=i,
                col=j,
                title_text=f"CAR dose ({vocab.DOSE_UNITS[unit]}, log scale)",
            )
            if g.empty:
                # an axis without a trace is not drawn, and text placed on it would land on the
                # first panel: an empty trace keeps the panel, which says "not reported"
                fig.add_trace(
                    go.Scatter(x=[None], y=[None], showlegend=False, hoverinfo="skip"), row=i, col=j
                )
                fig.add_annotation(
                    x=0.5,
                    y=0.5,
                    xref=f"x{(i - 1) * len(units) + j} domain".replace("x1 ", "x "),
                    yref=f"y{(i - 1) * len(units) + j} domain".replace("y1 ", "y "),
                    text="not reported",
                    showarrow=False,
                    font={"color": theme.muted},
                )
        fig.update_yaxes(range=[-3, 105], title_text=vocab.axis_title("value_pct"), row=i, col=1)
    return finish(fig, labels, theme, height=380 * len(kinds) + 120, legend_title="Target antigen")
