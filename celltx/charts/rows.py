"""How one row of a forest is drawn: a value with its exact CI, a bound, a printed range, a
pooled estimate (diamond, prediction interval, heterogeneity) or a test for subgroup
differences. The forest engine (``forest.py``) lays the rows out; these draw them, so a new kind
of row is a change here only.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from celltx.charts import marks, text
from celltx.charts.layout import Theme

X_RANGE = [-3, 106]
X_RANGE_WITH_P = [-3, 118]  # room right of 100% for the printed P values


def points(fig, g: pd.DataFrame, name: str, group: str, color: str, show: bool, theme, row: int) -> bool:
    """Values with exact CIs (filled) and without (hollow); returns whether the legend entry is
    still to be shown."""
    for with_ci in (True, False):
        point = g[g["value_pct"].notna() & (g["ci_low_pct"].notna() == with_ci)]
        if point.empty:
            continue
        flagged = marks.marked(point)
        point = point.iloc[np.argsort(flagged, kind="stable")]  # the legend shows the usual symbol
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
                showlegend=bool(show and not flagged.all()),
                marker={
                    "color": color,
                    "size": marks.n_size(point["n"], theme),
                    "symbol": marks.symbols(point, "circle" if with_ci else "circle-open"),
                    "line": {"width": 1.5, "color": color},
                },
                error_x=error,
                cliponaxis=False,
                customdata=marks.record_data(point),
                hovertext=[text.hover_text(r) for r in marks.records(point)],
                hoverinfo="text",
            ),
            row=row,
            col=1,
        )
        show = bool(show and flagged.all())  # a trace of marked points only leaves the entry to the next
    return show


def bounds(fig, g: pd.DataFrame, name: str, group: str, color: str, show: bool, theme, row: int) -> bool:
    """'Up to' and 'more than' values as open triangles pointing the open way."""
    bound = g[g["value_pct"].isna() & (g["value_low_pct"].isna() != g["value_high_pct"].isna())]
    if bound.empty:
        return show
    flagged = marks.marked(bound)
    bound = bound.iloc[np.argsort(flagged, kind="stable")]
    upper = bound["value_high_pct"].notna()
    fig.add_trace(
        go.Scatter(
            x=bound["value_high_pct"].fillna(bound["value_low_pct"]),
            y=bound["_y"],
            mode="markers+text",
            name=name,
            legendgroup=group,
            showlegend=bool(show and not flagged.all()),
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
            hovertext=[text.hover_text(r) for r in marks.records(bound)],
            hoverinfo="text",
        ),
        row=row,
        col=1,
    )
    return show and bool(flagged.all())


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
            hovertext=[text.hover_text(r) for r in marks.records(rng)],
            hoverinfo="text",
        ),
        row=row,
        col=1,
    )
    return False


def pooled(fig: go.Figure, pr: pd.Series, measure: str, y: str, theme: Theme, row: int) -> None:
    """A random-effects pooled estimate as a diamond with its 95% CI, the 95% prediction interval
    as a thin line through it, and 'I² = 41%, P = 0.12' on its row (or, below three studies,
    that there are too few for a prediction interval)."""
    tgt = pr["group"].split(" | ")[0]
    color = marks.target_color(tgt)
    has_q = text.present(pr.get("q_p"))
    hover = (
        f"<b>Random-effects pooled {html.escape(measure)}, {html.escape(pr['group'])}</b><br>"
        f"{text.fmt(pr['pooled_pct'])}% (95% CI {text.fmt(pr['ci_low_pct'])}–"
        f"{text.fmt(pr['ci_high_pct'])}%)<br>k = {pr['k']} studies, n = {pr['n_total']}<br>"
        f"tau² = {pr['tau2']:.3f}, I² = {text.fmt(pr['i2_pct'])}%<br>"
        + (
            f"Cochran's Q = {pr['q']:.2f}, df = {int(pr['q_df'])}, {text.computed_p(pr['q_p'])}<br>"
            f"{text.prediction_text(pr)}<br>"
            if has_q
            else ""
        )
        + f"DerSimonian-Laird on the logit scale<br>included: {html.escape(pr['included'])}"
        + (f"<br>excluded: {text.wrap(pr['excluded_reasons'])}" if pr["excluded"] else "")
    )
    has_pi = text.present(pr.get("pi_low_pct"))
    if has_pi:
        fig.add_trace(
            go.Scatter(
                x=[pr["pi_low_pct"], pr["pi_high_pct"]],
                y=[y, y],
                mode="lines",
                name=f"prediction interval {tgt}",
                showlegend=False,
                line={"color": color, "width": 1},
                hoverinfo="skip",
            ),
            row=row,
            col=1,
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
                "color": color,
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


def subgroup_row(fig: go.Figure, t: pd.Series, y: str, theme: Theme, row: int) -> None:
    """The test for subgroup differences on its own row under the panel's pooled estimates."""
    fig.add_trace(
        go.Scatter(
            x=[X_RANGE[0] + 1],
            y=[y],
            mode="text",
            text=[html.escape(text.subgroup_text(t))],
            textposition="middle right",
            textfont={"size": theme.font - 3, "color": theme.ink},
            name="test for subgroup differences",
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        ),
        row=row,
        col=1,
    )


def subgroup_label(t: pd.Series) -> str:
    stratum = str(t.get("stratum") or "")
    return "Test for subgroup differences" + (f" ({stratum})" if stratum else "")


def pooled_label(pr: pd.Series) -> str:
    """'Pooled CD22 (k=2, n=55)' and, on a second line, 'I² = 3%, P = 0.31' (with the reason when
    there is no prediction interval). In the row label, not beside the diamond: a note beside it
    ran over the row labels on one side and off a slide-sized canvas on the other."""
    label = f"Pooled {marks.legend_name(pr['group'])} (k={pr['k']}, n={pr['n_total']})"
    if not text.present(pr.get("q_p")):
        return label
    note = text.heterogeneity_text(pr)
    if not text.present(pr.get("pi_low_pct")):
        note += f"; {text.NO_PREDICTION}"
    return f"{label}<br>{html.escape(note)}"
