"""How one row of a forest is drawn: a value with its exact CI, a bound, a printed range, or a
pooled estimate. The forest engine (``forest.py``) lays the rows out; these draw them, so a new
kind of row (say, a prediction interval through a pooled diamond) is a change here only.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from celltx.charts import marks, text
from celltx.charts.layout import Theme


def points(fig, g: pd.DataFrame, name: str, group: str, color: str, show: bool, theme, row: int) -> bool:
    """Values with exact CIs (filled) and without (hollow); returns whether the legend entry is
    still to be shown."""
    for with_ci in (True, False):
        point = g[g["value_pct"].notna() & (g["ci_low_pct"].notna() == with_ci)]
        if point.empty:
            continue
        error = None
        if with_ci:
            error = {
                "type": "data",
                "array": (point["ci_high_pct"] - point["value_pct"]).clip(lower=0),
                "arrayminus": (point["value_pct"] - point["ci_low_pct"]).clip(lower=0),
                "visible": True,
                "thickness": 1.5 * theme.marker_scale,
                "width": 4,
            }
        fig.add_trace(
            go.Scatter(
                x=point["value_pct"],
                y=point["_y"],
                mode="markers",
                name=name,
                legendgroup=group,
                showlegend=show,
                marker={
                    "color": color,
                    "size": marks.n_size(point["n"], theme),
                    "symbol": marks.symbols(point, marks.target_symbol(group, filled=with_ci)),
                    "line": {"width": 1.5, "color": color},
                },
                error_x=error,
                cliponaxis=False,
                customdata=marks.record_data(point),
                hovertext=[text.hover_text(r) for _, r in point.iterrows()],
                hoverinfo="text",
            ),
            row=row,
            col=1,
        )
        show = False
    return show


def bounds(fig, g: pd.DataFrame, name: str, group: str, color: str, show: bool, theme, row: int) -> bool:
    """'Up to' and 'more than' values as open triangles pointing the open way."""
    bound = g[g["value_pct"].isna() & (g["value_low_pct"].isna() != g["value_high_pct"].isna())]
    if bound.empty:
        return show
    upper = bound["value_high_pct"].notna()
    fig.add_trace(
        go.Scatter(
            x=bound["value_high_pct"].fillna(bound["value_low_pct"]),
            y=bound["_y"],
            mode="markers+text",
            name=name,
            legendgroup=group,
            showlegend=show,
            text=["up to" if u else "more than" for u in upper],
            textposition=["middle left" if u else "middle right" for u in upper],
            textfont={"size": theme.font - 3, "color": color},
            marker={
                "color": color,
                "size": 12 * theme.marker_scale,
                "symbol": marks.symbols(
                    bound, ["triangle-left-open" if u else "triangle-right-open" for u in upper]
                ),
                "line": {"width": 2, "color": color},
            },
            customdata=marks.record_data(bound),
            hovertext=[text.hover_text(r) for _, r in bound.iterrows()],
            hoverinfo="text",
        ),
        row=row,
        col=1,
    )
    return False


def ranges(fig, g: pd.DataFrame, name: str, group: str, color: str, show: bool, row: int) -> bool:
    """Ranges printed across studies ('20–64%') as hatched bars, never as a point."""
    rng = g[g["value_pct"].isna() & g["value_low_pct"].notna() & g["value_high_pct"].notna()]
    if rng.empty:
        return show
    lo, hi = rng["value_low_pct"], rng["value_high_pct"]
    fig.add_trace(
        go.Bar(
            x=hi - lo,
            base=lo,
            y=rng["_y"],
            orientation="h",
            name=name,
            legendgroup=group,
            showlegend=show,
            width=0.35,
            marker={"color": color, "opacity": 0.45, "pattern": {"shape": "/"}},
            customdata=marks.record_data(rng),
            hovertext=[text.hover_text(r) for _, r in rng.iterrows()],
            hoverinfo="text",
        ),
        row=row,
        col=1,
    )
    return False


def pooled(fig: go.Figure, pr: pd.Series, measure: str, y: str, theme: Theme, row: int) -> None:
    """A random-effects pooled estimate as a diamond with its 95% CI."""
    tgt = pr["group"].split(" | ")[0]
    hover = (
        f"<b>Random-effects pooled {html.escape(measure)}, {html.escape(pr['group'])}</b><br>"
        f"{text.fmt(pr['pooled_pct'])}% (95% CI {text.fmt(pr['ci_low_pct'])}–"
        f"{text.fmt(pr['ci_high_pct'])}%)<br>k = {pr['k']} studies, n = {pr['n_total']}<br>"
        f"tau² = {pr['tau2']:.3f}, I² = {text.fmt(pr['i2_pct'])}%<br>"
        f"DerSimonian-Laird on the logit scale<br>included: {html.escape(pr['included'])}"
        + (f"<br>excluded: {text.wrap(pr['excluded_reasons'])}" if pr["excluded"] else "")
    )
    fig.add_trace(
        go.Scatter(
            x=[pr["pooled_pct"]],
            y=[y],
            mode="markers",
            name=f"pooled {tgt}",
            showlegend=False,
            marker={
                "symbol": "diamond-wide",
                "size": 18 * theme.marker_scale,
                "color": marks.target_color(tgt),
                "line": {"color": theme.ink, "width": 1},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [pr["ci_high_pct"] - pr["pooled_pct"]],
                "arrayminus": [pr["pooled_pct"] - pr["ci_low_pct"]],
                "thickness": 2.5,
            },
            hovertext=[hover],
            hoverinfo="text",
            customdata=np.array([[f"pooled:{measure}:{pr['group']}", -1]], dtype=object),
        ),
        row=row,
        col=1,
    )


def pooled_label(pr: pd.Series) -> str:
    return f"Pooled {marks.legend_name(pr['group'])} (k={pr['k']}, n={pr['n_total']})"
