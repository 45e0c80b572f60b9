"""One forest engine: proportions per study with exact CIs, one panel per value of a facet.

Response (a panel per measure, pooled diamonds), CRS (a panel per grade scope), NK results (a
panel per setting, every row naming its measure) and reported bounds are the same chart with
different arguments; the public functions below only name them (as plotly express names its
arguments for one ``make_figure``). The engine draws the rows it is given in the given order; the
recipe chose and ordered them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import vocab
from celltx.charts import marks, rows, text
from celltx.charts.layout import SCREEN, Labels, Theme, finish
from celltx.charts.notes import Notes

X_RANGE, X_RANGE_WITH_P = rows.X_RANGE, rows.X_RANGE_WITH_P


def _row_labels(g: pd.DataFrame, with_measure: bool, compare: str | None) -> list[str]:
    """One label per drawn row; the arms of one comparison share theirs."""
    items: dict[object, str] = {}
    keys = []
    for i, r in zip(g.index, marks.records(g), strict=True):
        key = r[compare] if compare and text.present(r.get(compare)) else ("row", i)
        keys.append(key)
        if key not in items:
            arms = g[g[compare] == key] if compare and key == r.get(compare) else None
            items[key] = text.row_label(r, with_measure) if arms is None else text.comparison_label(arms)
    unique = dict(zip(items, text.dedupe_labels(list(items.values())), strict=True))
    return [unique[k] for k in keys]


def _join(fig: go.Figure, arms: pd.DataFrame, theme: Theme, row: int) -> None:
    """The line between the arms of one comparison (drawn under their markers)."""
    x = arms["value_pct"].dropna().sort_values()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[arms["_y"].iloc[0]] * len(x),
            mode="lines",
            line={"color": theme.muted, "width": 2},
            showlegend=False,
            hoverinfo="skip",
        ),
        row=row,
        col=1,
    )


def forest(
    df: pd.DataFrame,
    labels: Labels,
    theme: Theme = SCREEN,
    *,
    facet: str | None = None,
    facets: Sequence | None = None,
    facet_title: Callable[[object], str] = str,
    with_measure: bool = False,
    group: str = "target_group",
    color_of: Callable[[str], str] = marks.target_color,
    legend_title: str = "Target antigen",
    pooled: pd.DataFrame | None = None,
    subgroups: pd.DataFrame | None = None,
    p_values: bool = False,
    compare: str | None = None,
) -> go.Figure:
    """Rows of proportions (points with exact CIs, bounds, ranges), a panel per ``facet`` value.

    ``facets`` orders the panels (default: order of appearance). ``with_measure``: every row
    label names its measure and landmark (panels of mixed measures). ``pooled``: rows of
    stats.pool to draw as diamonds under their panel (a ``facet`` column says which).
    ``subgroups``: the rows of stats.subgroup_tests to print (with the ``facet`` column; the
    recipe picks them, e.g. stats.tested), each on a row under its panel's diamonds.
    ``p_values``: the printed P value beside each comparison arm. ``compare``: a column; rows
    sharing a value are the arms of one comparison, drawn side by side on one row joined by a
    line, with the P value once (as in the donor chart).
    """
    if facet is None:
        panels: list = [None]
    else:
        present = list(dict.fromkeys(df[facet]))
        panels = [f for f in facets if f in set(present)] if facets is not None else present
    blocks = []
    for f in panels:
        g = df if f is None else df[df[facet] == f]
        p = pooled[pooled[facet] == f] if pooled is not None and f is not None else pooled
        blocks.append((f, g, p if p is not None and len(p) else None))
    blocks = [(f, g.assign(_y=_row_labels(g, with_measure, compare)), p) for f, g, p in blocks]
    tests = {
        f: subgroups[subgroups[facet] == f] if subgroups is not None and f is not None else pd.DataFrame()
        for f in panels
    }
    counts = [g["_y"].nunique() + (len(p) if p is not None else 0) + len(tests[f]) for f, g, p in blocks]
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=0.1 / len(panels) + 0.03,
        subplot_titles=[facet_title(f) for f in panels] if facet is not None else None,
    )
    notes = Notes(fig)
    seen: set = set()
    for i, (f, g, p) in enumerate(blocks, start=1):
        for _, arms in g[g["_y"].duplicated(keep=False)].groupby("_y", sort=False):
            _join(fig, arms, theme, i)
        for key, gg in g.groupby(group, sort=False):
            name, color, show = marks.legend_name(key), color_of(key), key not in seen
            show = rows.points(fig, gg, name, str(key), color, show, theme, i)
            show = rows.bounds(fig, gg, name, str(key), color, show, theme, i)
            if not rows.ranges(fig, gg, name, str(key), color, show, i):
                seen.add(key)
        if p_values:
            for r in marks.records(g.drop_duplicates("_y")):
                if text.present(r.get("p_value")) and r.get("arm") != "all" and pd.notna(r["value_pct"]):
                    notes.add(
                        x=101,
                        y=r["_y"],
                        text=text.p_text(r["p_value"], r.get("p_scope")),
                        showarrow=False,
                        xanchor="left",
                        font={"size": theme.font - 3},
                        row=i,
                        col=1,
                    )
        for pr in marks.records(p if p is not None else pd.DataFrame()):
            rows.pooled(fig, pr, str(f), rows.pooled_label(pr), theme, i)
        for _, t in tests[f].iterrows():
            rows.subgroup_row(fig, t, rows.subgroup_label(t), theme, i)
        fig.update_yaxes(autorange="reversed", row=i, col=1, tickfont={"size": theme.font - 2})
    for key in dict.fromkeys(df[group]):  # a group drawn only with marked points: its colour's entry
        if key not in seen:
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=marks.legend_name(key),
                    legendgroup=str(key),
                    marker={"color": color_of(key), "size": 12 * theme.marker_scale, "symbol": "circle"},
                    hoverinfo="skip",
                )
            )
    notes.draw()
    x_range = X_RANGE_WITH_P if p_values else X_RANGE
    fig.update_xaxes(range=x_range, title_text=vocab.axis_title("value_pct"), row=len(panels), col=1)
    height = max(340, 150 + 30 * sum(counts) + 50 * len(panels))
    return finish(fig, labels, theme, height=height, legend_title=legend_title)


# ---------------------------------------------------------------------------------------------
# The forests of the dashboard: each only names its arguments


def response_forest(
    df: pd.DataFrame,
    pooled: pd.DataFrame | None,
    labels: Labels,
    theme: Theme = SCREEN,
    subgroups: pd.DataFrame | None = None,
) -> go.Figure:
    """Response rate per study with exact 95% CI, one panel per response measure; ``pooled``:
    the diamonds to draw (stats.pool rows with an ``endpoint`` column); ``subgroups``: the
    tests for subgroup differences to print per measure (stats.subgroup_tests rows that ran)."""
    return forest(
        df,
        labels,
        theme,
        facet="endpoint",
        facets=list(vocab.ENDPOINTS),
        facet_title=lambda m: f"{m}: {vocab.ENDPOINTS[str(m)][1]}",
        pooled=pooled,
        subgroups=subgroups,
    )


def pooled_forest(
    df: pd.DataFrame,
    pooled: pd.DataFrame | None,
    labels: Labels,
    theme: Theme = SCREEN,
    subgroups: pd.DataFrame | None = None,
) -> go.Figure:
    """Any proportions with their pooled estimates, one panel per endpoint in the given order,
    every row naming its measure (a user's own studies: any endpoint, scope or landmark)."""
    return forest(
        df,
        labels,
        theme,
        facet="endpoint",
        facet_title=lambda m: f"{m}: {vocab.ENDPOINTS[m][1]}" if m in vocab.ENDPOINTS else str(m),
        with_measure=True,
        pooled=pooled,
        subgroups=subgroups,
    )


def crs_by_target(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """CRS incidence per study, one panel per grade scope (any / severe / grade >= 3 / unstated)."""
    return forest(
        df,
        labels,
        theme,
        facet="scope",
        facets=list(vocab.CRS_SCOPES),
        facet_title=lambda s: f"CRS, {vocab.CRS_SCOPES[str(s)]}",
    )


def bounds_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Values reported as ranges or 'up to' bounds (e.g. neurotoxicity), one row each."""
    return forest(df, labels, theme, with_measure=True)


def labelled_forest(
    df: pd.DataFrame,
    labels: Labels,
    theme: Theme = SCREEN,
    group_col: str = "target_group",
    color_of: Callable[[str], str] = marks.target_color,
    legend_title: str = "Target antigen",
    facet_col: str | None = None,
    compare: str | None = None,
) -> go.Figure:
    """A forest whose every row names its measure, arm and landmark (mixed result types: relapse
    and bridging cohorts, NK results), with the printed P value beside each comparison; arms
    sharing a ``compare`` value sit side by side on one row."""
    return forest(
        df,
        labels,
        theme,
        facet=facet_col,
        with_measure=True,
        group=group_col,
        color_of=color_of,
        legend_title=legend_title,
        p_values=True,
        compare=compare,
    )
