"""Pure figure builders: frame (+ options) -> plotly Figure.

Every figure states its subject in the title, carries the active filters and the measure in a
subtitle, a source footnote inside the image, units on its axes, sample sizes, exact CIs where a
proportion is shown, and hover text with study, year, n, value with CI, the measure's definition,
the location in the source and the verbatim quote. Unlike measures are put in separate panels or
labelled rows, never silently on one axis. Colours are fixed per target and per donor type.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import vocab
from celltx.vocab import OKABE_ITO as OI
from celltx.vocab import axis_title

# ---------------------------------------------------------------------------------------------
# Fixed colours (Okabe-Ito) and the theme

TARGET_COLORS: dict[str, str] = {
    "CD19": OI["blue"],
    "CD22": OI["orange"],
    "CD19;CD22": OI["reddish purple"],
    "BCMA": OI["bluish green"],
    "CD30": OI["vermillion"],
    "CD7": OI["sky blue"],
    "CD33": OI["yellow"],
    "no target": OI["grey"],
}
DONOR_COLORS: dict[str, str] = {"HID": OI["vermillion"], "ISD": OI["blue"]}
ARM_SYMBOLS = {"HID 3/6": "diamond", "HID 4-5/6": "square", "HID 4–5/6": "square"}
ROLE_COLORS = {"treatment": OI["bluish green"], "comparator": OI["black"]}
USER_SYMBOL = "star"
SIGNIFICANCE = 0.05


def legend_name(group: object) -> str:
    """'CD19;CD22' (a dual-target CAR) reads 'CD19 + CD22' in legends."""
    return str(group).replace(";", " + ")


def target_color(target: str) -> str:
    return TARGET_COLORS.get(target, OI["black"])


def donor_color(arm: str) -> str:
    return DONOR_COLORS["HID"] if arm.startswith("HID") else DONOR_COLORS.get("ISD", OI["black"])


@dataclass(frozen=True)
class Theme:
    """Screen or slide. Presentation mode changes the look, never the data."""

    presentation: bool = False
    dark: bool = False

    @property
    def font(self) -> int:
        return 20 if self.presentation else 13

    @property
    def marker_scale(self) -> float:
        return 1.6 if self.presentation else 1.0

    @property
    def template(self) -> str:
        return "plotly_dark" if self.dark else "plotly_white"

    @property
    def background(self) -> str:
        return "#1b1b1f" if self.dark else "#ffffff"

    @property
    def ink(self) -> str:
        return "#f2f2f2" if self.dark else "#222222"

    @property
    def muted(self) -> str:
        return "#b0b0b0" if self.dark else "#555555"

    def size(self, height: int) -> tuple[int | None, int]:
        """(width, height). On screen: the page's width. In presentation mode: a 16:9 slide
        canvas, at least 1600 x 900 and taller (still 16:9) when rows need the room."""
        if not self.presentation:
            return None, height
        h = max(900, int(height * self.font / 13))
        return round(h * 16 / 9), h


SCREEN = Theme()
SLIDE_WIDTH, SLIDE_HEIGHT, SLIDE_SCALE = 1920, 1080, 2


def export_size(fig: go.Figure) -> tuple[int, int]:
    """16:9 image size for slides: at least 1920 x 1080, taller when the figure has many rows so
    every row keeps its label (a crushed forest would drop labels and mislead)."""
    height = max(SLIDE_HEIGHT, int(fig.layout.height or SLIDE_HEIGHT))
    return round(height * 16 / 9), height


@dataclass(frozen=True)
class Labels:
    """What a figure says about itself: title, filters and measure, source footnote."""

    title: str
    subtitle: str = ""
    footnote: str = ""


def _category_margin(fig: go.Figure, theme: Theme) -> int | None:
    """Left margin (px) that fits the longest categorical y label, or None for numeric y axes."""
    cats = [
        v
        for t in fig.data
        if getattr(t, "orientation", None) != "v" and t.y is not None
        for v in t.y
        if isinstance(v, str)
    ]
    if not cats:
        return None
    longest = max(len(c) for c in cats)
    return int(min(760, 24 + longest * (theme.font - 2) * 0.56))


def finish(
    fig: go.Figure,
    labels: Labels,
    theme: Theme = SCREEN,
    height: int = 520,
    legend_title: str | None = None,
    extra_bottom: int = 0,
) -> go.Figure:
    """Title, subtitle, footnote inside the figure (from its left edge), theme and size."""
    width, height = theme.size(height)
    foot_lines = textwrap.wrap(labels.footnote, 120 if theme.presentation else 150) or [""]
    bottom = 70 + extra_bottom + 16 * len(foot_lines) * (1.4 if theme.presentation else 1)
    left = _category_margin(fig, theme)
    fig.update_layout(
        template=theme.template,
        paper_bgcolor=theme.background,
        plot_bgcolor=theme.background,
        font={"size": theme.font, "color": theme.ink, "family": "Arial, Helvetica, sans-serif"},
        title={
            "text": f"<b>{html.escape(labels.title)}</b>"
            + (
                f"<br><span style='font-size:0.75em;color:{theme.muted}'>"
                f"{html.escape(labels.subtitle)}</span>"
                if labels.subtitle
                else ""
            ),
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14, "l": 4},
        },
        margin={"t": 110 if labels.subtitle else 80, "b": int(bottom), "l": left or 70, "r": 20},
        height=height,
        width=width,
        legend={
            "title": {"text": legend_title or ""},
            "orientation": "v",
            "x": 1.01,
            "y": 1,
            "font": {"size": theme.font - 1},
        },
        hoverlabel={"align": "left", "font": {"size": 12}},
    )
    fig.add_annotation(
        text="<br>".join(html.escape(t) for t in foot_lines),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xshift=-(left or 70) + 8,
        yshift=-bottom + 8,
        xanchor="left",
        yanchor="bottom",
        align="left",
        font={"size": max(theme.font - 3, 10), "color": theme.muted},
    )
    fig.update_xaxes(automargin=True, showticklabels=True)  # every panel keeps its own scale
    fig.update_yaxes(automargin=left is None)
    return fig


def mark_user_data(fig: go.Figure, rows: pd.DataFrame, theme: Theme = SCREEN) -> go.Figure:
    """A legend entry for the star that marks a user's own (uploaded, session-only) studies."""
    if "user_data" in rows and rows["user_data"].astype(bool).any():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="★ your uploaded data",
                marker={"symbol": USER_SYMBOL, "size": 14, "color": theme.ink},
                hoverinfo="skip",
                showlegend=True,
            )
        )
    return fig


def empty_figure(labels: Labels, message: str, theme: Theme = SCREEN) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=html.escape(message),
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": theme.font + 2},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, labels, theme, height=300)


# ---------------------------------------------------------------------------------------------
# Hover text


def _present(x: object) -> bool:
    """True for a real value (not None, NaN or NA, not an empty string)."""
    if x is None or (isinstance(x, str) and not x):
        return False
    try:
        return not bool(pd.isna(x))
    except (TypeError, ValueError):
        return True


def _fmt(x: float | None, suffix: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    return f"{x:.1f}".rstrip("0").rstrip(".") + suffix


def value_text(r: pd.Series) -> str:
    """The value as a reader should see it: '73% (11/15)', '20–64%', 'median 6.1 months'."""
    parts = []
    if pd.notna(r.get("value_pct")):
        v = _fmt(r["value_pct"], "%")
        if pd.notna(r.get("events")) and pd.notna(r.get("n")):
            tag = "derived count" if r.get("events_derived") else ""
            v += f" ({int(r['events'])}/{int(r['n'])}{', ' + tag if tag else ''})"
        if r.get("value_derived"):
            v += " (computed from the printed count)"
        parts.append(v)
    elif pd.notna(r.get("events")):
        parts.append(f"{int(r['events'])} patients" + (f" of {int(r['n'])}" if pd.notna(r.get("n")) else ""))
    lo, hi = r.get("value_low_pct"), r.get("value_high_pct")
    if pd.notna(lo) and pd.notna(hi):
        parts.append(f"{_fmt(lo)}–{_fmt(hi)}% (range)")
    elif pd.notna(hi):
        parts.append(f"up to {_fmt(hi)}%")
    elif pd.notna(lo):
        parts.append(f"more than {_fmt(lo)}%")
    if pd.notna(r.get("median_months")):
        parts.append(f"median {_fmt(r['median_months'])} months")
    if pd.notna(r.get("median_low_months")):
        parts.append(f"median {_fmt(r['median_low_months'])}–{_fmt(r['median_high_months'])} months")
    if pd.notna(r.get("duration_low_months")):
        parts.append(f"{_fmt(r['duration_low_months'])}–{_fmt(r['duration_high_months'])} months")
    if pd.notna(r.get("time_months")):
        parts.append(
            f"at {_fmt(r['time_months'])} months"
            + (f" (day {_fmt(r['time_days'])})" if pd.notna(r.get("time_days")) else "")
        )
    if _present(r.get("p_value")):
        parts.append(
            f"P {'' if str(r['p_value'])[0] in '<>' else '= '}{r['p_value']}"
            + (f" ({r['p_scope']})" if _present(r.get("p_scope")) else "")
        )
    return "; ".join(parts) or "no value"


def measure_text(r: pd.Series) -> str:
    scope = r.get("scope")
    return r["endpoint"] + (f" ({vocab.CRS_SCOPES.get(scope, scope)})" if _present(scope) else "")


def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(html.escape(line) for line in textwrap.wrap(str(text), width))


def hover_text(r: pd.Series) -> str:
    """Study, year, n, value with CI, definition, location and quote."""
    year = ""
    if pd.notna(r.get("year")) and str(int(r["year"])) not in str(r["study"]):
        year = f", {int(r['year'])}"
    n = f"n = {int(r['n'])}" if pd.notna(r.get("n")) else "n not reported"
    ci = ""
    if pd.notna(r.get("ci_low_pct")):
        ci = f"<br>exact 95% CI {_fmt(r['ci_low_pct'])}–{_fmt(r['ci_high_pct'])}%"
    arm = f" · arm: {html.escape(str(r['arm']))}" if _present(r.get("arm")) and r["arm"] != "all" else ""
    user = "<br><b>USER DATA (this session only)</b>" if r.get("user_data") else ""
    disc = "<br><i>source discrepancy recorded, see Data and sources</i>" if r.get("has_discrepancy") else ""
    if _present(r.get("also_at")):
        disc += f"<br>also reported, same value: {html.escape(str(r['also_at']))}"
    note = f"<br>note: {_wrap(r['events_note'])}" if _present(r.get("events_note")) else ""
    return (
        f"<b>{html.escape(str(r['study']))}{year}</b>{user}<br>{n}{arm}<br>"
        f"<b>{html.escape(measure_text(r))}: {html.escape(value_text(r))}</b>{ci}<br>"
        f"{html.escape(str(r.get('definition') or ''))}<br>"
        f"Source: {html.escape(str(r['location']))} ({html.escape(str(r['source_file']))})<br>"
        f"“{_wrap(r['quote'])}”{note}{disc}"
    )


def _custom(df: pd.DataFrame) -> np.ndarray:
    return np.array(
        [[r["record_id"], int(r["outcome_index"])] for _, r in df.iterrows()], dtype=object
    ).reshape(-1, 2)


def _n_size(n: pd.Series, theme: Theme) -> list[float]:
    """Marker area grows with n; studies without n get a small fixed marker."""
    return [(7 + 2.2 * math.sqrt(v) if pd.notna(v) else 7) * theme.marker_scale for v in n]


def _row_label(r: pd.Series, with_measure: bool = False) -> str:
    label = str(r["study"])
    if pd.notna(r.get("year")) and str(int(r["year"])) not in label:
        label += f" {int(r['year'])}"
    if _present(r.get("arm")) and r["arm"] != "all":
        label += f" [{r['arm']}]"
    if with_measure:
        label += f" · {measure_text(r)}"
        if pd.notna(r.get("time_days")):
            label += f" @day {_fmt(r['time_days'])}"
        elif pd.notna(r.get("time_months")):
            label += f" @{_fmt(r['time_months'])} mo"
    n = f"n={int(r['n'])}" if pd.notna(r.get("n")) else "n not reported"
    label += f" ({n})"
    return label


def _dedupe_labels(labels: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} #{seen[lab]}")
    return out


# ---------------------------------------------------------------------------------------------
# Forest plots of proportions


def _forest_traces(
    fig: go.Figure,
    df: pd.DataFrame,
    y: list[str],
    color_of,
    group_col: str,
    theme: Theme,
    row: int = 1,
    col: int = 1,
    legend_seen: set | None = None,
) -> None:
    """Points with exact CIs; ranges and bounds as bars; user data as stars."""
    legend_seen = legend_seen if legend_seen is not None else set()
    df = df.assign(_y=y)
    for group, g in df.groupby(group_col, sort=False):
        color = color_of(group)
        show = group not in legend_seen
        legend_seen.add(group)
        for with_ci in (True, False):
            point = g[g["value_pct"].notna() & (g["ci_low_pct"].notna() == with_ci)]
            if point.empty:
                continue
            symbols = [
                USER_SYMBOL if u else ("circle" if with_ci else "circle-open") for u in point["user_data"]
            ]
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
                    name=legend_name(group),
                    legendgroup=str(group),
                    showlegend=show,
                    marker={
                        "color": color,
                        "size": _n_size(point["n"], theme),
                        "symbol": symbols,
                        "line": {"width": 1.5, "color": color},
                    },
                    error_x=error,
                    cliponaxis=False,
                    customdata=_custom(point),
                    hovertext=[hover_text(r) for _, r in point.iterrows()],
                    hoverinfo="text",
                ),
                row=row,
                col=col,
            )
            show = False
        bound = g[g["value_pct"].isna() & (g["value_low_pct"].isna() != g["value_high_pct"].isna())]
        if len(bound):
            upper = bound["value_high_pct"].notna()
            fig.add_trace(
                go.Scatter(
                    x=bound["value_high_pct"].fillna(bound["value_low_pct"]),
                    y=bound["_y"],
                    mode="markers+text",
                    name=legend_name(group),
                    legendgroup=str(group),
                    showlegend=show,
                    text=["up to" if u else "more than" for u in upper],
                    textposition=["middle left" if u else "middle right" for u in upper],
                    textfont={"size": theme.font - 3, "color": color},
                    marker={
                        "color": color,
                        "size": 12 * theme.marker_scale,
                        "symbol": ["triangle-left-open" if u else "triangle-right-open" for u in upper],
                        "line": {"width": 2, "color": color},
                    },
                    customdata=_custom(bound),
                    hovertext=[hover_text(r) for _, r in bound.iterrows()],
                    hoverinfo="text",
                ),
                row=row,
                col=col,
            )
            show = False
        rng = g[g["value_pct"].isna() & g["value_low_pct"].notna() & g["value_high_pct"].notna()]
        if len(rng):
            lo, hi = rng["value_low_pct"], rng["value_high_pct"]
            fig.add_trace(
                go.Bar(
                    x=hi - lo,
                    base=lo,
                    y=rng["_y"],
                    orientation="h",
                    name=legend_name(group),
                    legendgroup=str(group),
                    showlegend=show,
                    width=0.35,
                    marker={"color": color, "opacity": 0.45, "pattern": {"shape": "/"}},
                    customdata=_custom(rng),
                    hovertext=[hover_text(r) for _, r in rng.iterrows()],
                    hoverinfo="text",
                ),
                row=row,
                col=col,
            )


def response_forest(
    df: pd.DataFrame, pooled: pd.DataFrame | None, labels: Labels, theme: Theme = SCREEN
) -> go.Figure:
    """Response rate per study with exact 95% CI, one panel per response measure.

    ``df``: outcome rows of the response family. ``pooled``: rows from stats.pool per measure with
    an ``endpoint`` column; a diamond per target where k >= 2.
    """
    measures = [m for m in vocab.ENDPOINTS if m in set(df["endpoint"])]
    if not measures:
        return empty_figure(labels, "No response results for these filters.", theme)
    counts = []
    blocks = []
    for m in measures:
        g = df[df["endpoint"] == m].sort_values(["target_group", "value_pct"], na_position="last")
        p = (
            pooled[(pooled["endpoint"] == m) & (pooled["k"] >= 2)]
            if pooled is not None and len(pooled)
            else None
        )
        blocks.append((m, g, p))
        counts.append(len(g) + (len(p) if p is not None else 0))
    fig = make_subplots(
        rows=len(measures),
        cols=1,
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=0.1 / max(len(measures), 1) + 0.03,
        subplot_titles=[f"{m}: {vocab.ENDPOINTS[m][1]}" for m in measures],
    )
    seen: set = set()
    for i, (m, g, p) in enumerate(blocks, start=1):
        y = _dedupe_labels([_row_label(r) for _, r in g.iterrows()])
        _forest_traces(fig, g, y, target_color, "target_group", theme, row=i, legend_seen=seen)
        if p is not None and len(p):
            for _, pr in p.iterrows():
                tgt = pr["group"].split(" | ")[0]
                label = f"Pooled {legend_name(pr['group'])} (k={pr['k']}, n={pr['n_total']})"
                hover = (
                    f"<b>Random-effects pooled {html.escape(m)}, {html.escape(pr['group'])}</b><br>"
                    f"{_fmt(pr['pooled_pct'])}% (95% CI {_fmt(pr['ci_low_pct'])}–"
                    f"{_fmt(pr['ci_high_pct'])}%)<br>k = {pr['k']} studies, n = {pr['n_total']}<br>"
                    f"tau² = {pr['tau2']:.3f}, I² = {_fmt(pr['i2_pct'])}%<br>"
                    f"DerSimonian-Laird on the logit scale<br>included: {html.escape(pr['included'])}"
                    + (f"<br>excluded: {_wrap(pr['excluded_reasons'])}" if pr["excluded"] else "")
                )
                fig.add_trace(
                    go.Scatter(
                        x=[pr["pooled_pct"]],
                        y=[label],
                        mode="markers",
                        name=f"pooled {tgt}",
                        showlegend=False,
                        marker={
                            "symbol": "diamond-wide",
                            "size": 18 * theme.marker_scale,
                            "color": target_color(tgt),
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
                        customdata=np.array([[f"pooled:{m}:{pr['group']}", -1]], dtype=object),
                    ),
                    row=i,
                    col=1,
                )
        fig.update_yaxes(autorange="reversed", row=i, col=1, tickfont={"size": theme.font - 2})
    fig.update_xaxes(range=[-3, 106], title_text=axis_title("value_pct"), row=len(measures), col=1)
    fig.update_xaxes(showticklabels=True)
    height = 140 + 26 * sum(counts) + 60 * len(measures)
    return finish(fig, labels, theme, height=max(380, height), legend_title="Target antigen")


def crs_by_target(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """CRS incidence per study, one panel per grade scope (any / severe / grade >= 3 / unstated)."""
    scopes = [s for s in vocab.CRS_SCOPES if s in set(df["scope"].dropna())]
    if not scopes:
        return empty_figure(labels, "No CRS results for these filters.", theme)
    counts = [int((df["scope"] == s).sum()) for s in scopes]
    fig = make_subplots(
        rows=len(scopes),
        cols=1,
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=0.12 / len(scopes) + 0.03,
        subplot_titles=[f"CRS, {vocab.CRS_SCOPES[s]}" for s in scopes],
    )
    seen: set = set()
    for i, s in enumerate(scopes, start=1):
        g = df[df["scope"] == s].sort_values(["target_group", "value_pct"])
        y = _dedupe_labels([_row_label(r) for _, r in g.iterrows()])
        _forest_traces(fig, g, y, target_color, "target_group", theme, row=i, legend_seen=seen)
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    fig.update_xaxes(range=[-3, 106], title_text=axis_title("value_pct"), row=len(scopes), col=1)
    return finish(
        fig,
        labels,
        theme,
        height=max(360, 150 + 30 * sum(counts) + 50 * len(scopes)),
        legend_title="Target antigen",
    )


def bounds_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Values reported as ranges or 'up to' bounds (e.g. neurotoxicity), one row each."""
    if df.empty:
        return empty_figure(labels, "No results for these filters.", theme)
    g = df.sort_values(["endpoint", "study"])
    y = _dedupe_labels([_row_label(r, with_measure=True) for _, r in g.iterrows()])
    fig = make_subplots(rows=1, cols=1)
    _forest_traces(fig, g, y, target_color, "target_group", theme)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[-3, 106], title_text=axis_title("value_pct"))
    return finish(fig, labels, theme, height=max(300, 170 + 34 * len(g)), legend_title="Target antigen")


# ---------------------------------------------------------------------------------------------
# Dose


def dose_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Response and CRS against CAR dose on a log axis; a panel per dose unit, ranges as ranges.

    Rows: response measures, then CRS. Symbols distinguish measures (CR, CR/CRi, OR) and CRS
    scopes; colour is the target.
    """
    df = df[df["dose_unit"].notna() & (df["value_pct"].notna())]
    if df.empty:
        return empty_figure(labels, "No dose-linked results for these filters.", theme)
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
            for _, r in g.iterrows():
                lo = r["dose_low"] if pd.notna(r["dose_low"]) else r["dose_high"]
                hi = r["dose_high"] if pd.notna(r["dose_high"]) else r["dose_low"]
                key = r["scope"] if kind == "toxicity" else r["endpoint"]
                color = target_color(r["target_group"])
                hover = (
                    hover_text(r)
                    + f"<br>Dose: {_fmt(lo)}–{_fmt(hi)} {vocab.DOSE_UNITS[unit]} ({r['dose_stat']})"
                )
                name = f"{r['target_group']}"
                fig.add_trace(
                    go.Scatter(
                        x=[lo, hi],
                        y=[r["value_pct"]] * 2,
                        mode="lines+markers",
                        line={"color": color, "width": 3 * theme.marker_scale},
                        marker={
                            "symbol": USER_SYMBOL if r["user_data"] else symbols.get(key, "circle"),
                            "size": 11 * theme.marker_scale,
                            "color": color,
                        },
                        name=name,
                        legendgroup=name,
                        showlegend=name not in seen,
                        hovertext=[hover] * 2,
                        hoverinfo="text",
                        customdata=_custom(pd.DataFrame([r] * 2)),
                    ),
                    row=i,
                    col=j,
                )
                seen.add(name)
                n = f"n={int(r['n'])}" if pd.notna(r["n"]) else "n not reported"
                fig.add_annotation(
                    x=math.log10(hi),
                    y=r["value_pct"],
                    text=f"{html.escape(measure_text(r))}, {n}",
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
                fig.add_annotation(
                    x=0.5,
                    y=0.5,
                    xref=f"x{(i - 1) * len(units) + j} domain".replace("x1 ", "x "),
                    yref=f"y{(i - 1) * len(units) + j} domain".replace("y1 ", "y "),
                    text="not reported",
                    showarrow=False,
                    font={"color": theme.muted},
                )
        fig.update_yaxes(range=[-3, 105], title_text=axis_title("value_pct"), row=i, col=1)
    return finish(fig, labels, theme, height=380 * len(kinds) + 120, legend_title="Target antigen")


# ---------------------------------------------------------------------------------------------
# Survival and durability

SURVIVAL_ORDER = ["EFS", "OS", "PFS", "LFS", "DFS", "RFS"]


def survival_landmarks(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Landmark survival estimates: one panel per endpoint, x = landmark (months), colour = target."""
    df = df[df["value_pct"].notna() & df["time_months"].notna()]
    endpoints = [e for e in SURVIVAL_ORDER if e in set(df["endpoint"])]
    if not endpoints:
        return empty_figure(labels, "No landmark survival estimates for these filters.", theme)
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
                    text=[f"n={int(v)}" if pd.notna(v) else "n not reported" for v in gg["n"]],
                    textposition="middle right",
                    cliponaxis=False,
                    textfont={"size": theme.font - 3},
                    marker={
                        "color": target_color(tgt),
                        "size": _n_size(gg["n"], theme),
                        "symbol": [USER_SYMBOL if u else "circle" for u in gg["user_data"]],
                        "line": {"width": 1, "color": theme.ink},
                    },
                    name=str(tgt),
                    legendgroup=str(tgt),
                    showlegend=tgt not in seen,
                    customdata=_custom(gg),
                    hovertext=[hover_text(r) for _, r in gg.iterrows()],
                    hoverinfo="text",
                ),
                row=1,
                col=j,
            )
            seen.add(tgt)
        fig.update_xaxes(
            title_text=axis_title("time_months"), range=[0, g["time_months"].max() * 1.3 + 1], row=1, col=j
        )
    fig.update_yaxes(range=[0, 105], title_text="Estimated survival (%)", row=1, col=1)
    return finish(fig, labels, theme, height=480, legend_title="Target antigen")


def medians_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Median times (and printed duration ranges) per study; one row per study and measure."""
    has = df["median_months"].notna() | df["median_low_months"].notna() | df["duration_low_months"].notna()
    g = df[has].sort_values(["endpoint", "target_group"])
    if g.empty:
        return empty_figure(labels, "No median or duration results for these filters.", theme)
    y = _dedupe_labels([_row_label(r, with_measure=True) for _, r in g.iterrows()])
    fig = go.Figure()
    seen: set = set()
    for (_, r), label in zip(g.iterrows(), y, strict=True):
        color = target_color(r["target_group"])
        name = str(r["target_group"])
        common = {
            "name": name,
            "legendgroup": name,
            "showlegend": name not in seen,
            "hovertext": [hover_text(r)],
            "hoverinfo": "text",
            "customdata": _custom(pd.DataFrame([r])),
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
                        "symbol": USER_SYMBOL if r["user_data"] else "circle",
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
    fig.update_xaxes(title_text="Months (median, or printed range)", rangemode="tozero")
    return finish(fig, labels, theme, height=max(320, 170 + 34 * len(g)), legend_title="Target antigen")


def labelled_forest(
    df: pd.DataFrame,
    labels: Labels,
    theme: Theme = SCREEN,
    group_col: str = "target_group",
    color_of=target_color,
    legend_title: str = "Target antigen",
    facet_col: str | None = None,
) -> go.Figure:
    """A forest whose every row names its measure, arm and landmark (for mixed result types).

    Used for relapse and bridge-to-transplant cohorts and for NK results, where each row is a
    different measure: the measure is part of the row label, never implied by the axis.
    """
    df = df[df["value_pct"].notna() | df["value_low_pct"].notna() | df["value_high_pct"].notna()]
    if df.empty:
        return empty_figure(labels, "No results for these filters.", theme)
    facets = list(dict.fromkeys(df[facet_col])) if facet_col else [None]
    counts = [int((df[facet_col] == f).sum()) if facet_col else len(df) for f in facets]
    fig = make_subplots(
        rows=len(facets),
        cols=1,
        shared_xaxes=True,
        row_heights=counts,
        vertical_spacing=0.1 / len(facets) + 0.03,
        subplot_titles=[str(f) for f in facets] if facet_col else None,
    )
    seen: set = set()
    for i, f in enumerate(facets, start=1):
        g = df[df[facet_col] == f] if facet_col else df
        y = _dedupe_labels([_row_label(r, with_measure=True) for _, r in g.iterrows()])
        _forest_traces(fig, g, y, color_of, group_col, theme, row=i, legend_seen=seen)
        for (_, r), label in zip(g.iterrows(), y, strict=True):
            if _present(r.get("p_value")) and r.get("arm") != "all" and pd.notna(r["value_pct"]):
                fig.add_annotation(
                    x=101,
                    y=label,
                    text=f"P {'' if str(r['p_value'])[0] in '<>' else '= '}{r['p_value']}",
                    showarrow=False,
                    xanchor="left",
                    font={"size": theme.font - 3},
                    row=i,
                    col=1,
                )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    fig.update_xaxes(range=[-3, 118], title_text=axis_title("value_pct"), row=len(facets), col=1)
    return finish(
        fig,
        labels,
        theme,
        height=max(340, 150 + 30 * sum(counts) + 50 * len(facets)),
        legend_title=legend_title,
    )


def arm_role(arm: str) -> str:
    """NK comparison arms: the NK-treated arm vs its comparator."""
    a = str(arm).lower()
    if any(w in a for w in ("control", "historic", "chemotherapy alone", "hsct only", "without", "no ")):
        return "comparator"
    return "treatment"


# ---------------------------------------------------------------------------------------------
# Donor type


def donor_dumbbell(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """HID vs ISD per study and endpoint, joined by a line, with the reported P value.

    Two panels so direction is explicit: survival (higher is better) and relapse/NRM-type
    incidence (lower is better). A P below 0.05 is marked with a filled star and bold text. Three
    arms (MDS: HID 3/6, HID 4-5/6, ISD) stay three markers on one row with the overall P.
    """
    df = df[df["arm"].str.startswith(("HID", "ISD")) & df["value_pct"].notna()]
    if df.empty:
        return empty_figure(labels, "No donor-type comparisons for these filters.", theme)
    df = df.assign(
        _time=df["time_months"].map(lambda t: f"{_fmt(t)} mo" if pd.notna(t) else "no landmark printed")
    )
    df = df.assign(_scope=df["scope"].fillna(""))
    keys = ["record_id", "endpoint", "_time", "_scope"]
    panels = [
        ("survival", "Survival: higher is better →"),
        ("incidence", "Relapse, NRM, MRD: lower is better ←"),
    ]
    panels = [p for p in panels if p[0] in set(df["family"])]
    rows_per = [df[df["family"] == p[0]].groupby(keys, sort=False).ngroups for p in panels]
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        row_heights=rows_per,
        vertical_spacing=0.1,
        subplot_titles=[p[1] for p in panels],
    )
    seen: set = set()
    for i, (family, _) in enumerate(panels, start=1):
        fam = df[df["family"] == family]
        for _key, g in fam.groupby(keys, sort=False):
            r0 = g.iloc[0]
            label = (
                f"{r0['study']} · {r0['endpoint']}"
                + (f" ({r0['_scope']})" if r0["_scope"] else "")
                + f" @{r0['_time']}"
            )
            label = label if len(label) < 110 else label[:107] + "…"
            fig.add_trace(
                go.Scatter(
                    x=g["value_pct"],
                    y=[label] * len(g),
                    mode="lines",
                    line={"color": theme.muted, "width": 2},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=i,
                col=1,
            )
            p = r0["p_num"]
            sig = pd.notna(p) and (p < SIGNIFICANCE or (r0["p_operator"] == "<" and p <= SIGNIFICANCE))
            for _, r in g.iterrows():
                arm = str(r["arm"])
                kind = "HID" if arm.startswith("HID") else "ISD"
                legend_name = arm if arm in ARM_SYMBOLS else kind
                fig.add_trace(
                    go.Scatter(
                        x=[r["value_pct"]],
                        y=[label],
                        mode="markers",
                        name=legend_name,
                        legendgroup=legend_name,
                        showlegend=legend_name not in seen,
                        marker={
                            "color": donor_color(arm),
                            "size": (10 if kind == "HID" else 15) * theme.marker_scale,
                            "symbol": USER_SYMBOL if r["user_data"] else ARM_SYMBOLS.get(arm, "circle"),
                            "line": {"width": 1, "color": theme.ink},
                        },
                        hovertext=[hover_text(r) + f"<br>protocol: {html.escape(str(r['protocol']))}"],
                        hoverinfo="text",
                        customdata=_custom(pd.DataFrame([r])),
                    ),
                    row=i,
                    col=1,
                )
                seen.add(legend_name)
            if pd.notna(p):
                ptxt = f"P {r0['p_value'] if str(r0['p_value'])[0] in '<>' else '= ' + str(r0['p_value'])}"
                ptxt += f" {r0['p_scope']}" if _present(r0.get("p_scope")) else ""
                fig.add_annotation(
                    x=1.0,
                    xref="x domain" if i == 1 else f"x{i} domain",
                    y=label,
                    text=f"<b>{ptxt} ★</b>" if sig else ptxt,
                    showarrow=False,
                    xanchor="left",
                    xshift=6,
                    font={"size": theme.font - 2},
                    row=i,
                    col=1,
                )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    fig.update_xaxes(range=[0, 100], title_text=axis_title("value_pct"), row=len(panels), col=1)
    height = max(380, 160 + 30 * sum(rows_per) + 60 * len(panels))
    fig = finish(fig, labels, theme, height=height, legend_title="Donor (★ P < 0.05)")
    # legend in a row under the subtitle, so the P values on the right keep their space
    fig.update_layout(
        margin={"r": 130, "t": 160},
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "yref": "container",
            "y": 1 - 105 / fig.layout.height,
            "yanchor": "top",
        },
    )
    return fig


# ---------------------------------------------------------------------------------------------
# Overview and targets


def overview_chart(studies: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Patients and studies by disease, stacked by modality. Linked records count once."""
    if studies.empty:
        return empty_figure(labels, "No studies for these filters.", theme)
    rows = studies.assign(disease=studies["disease"].str.split(";")).explode("disease")
    agg = rows.groupby(["disease", "modality"]).agg(
        patients=("n", "sum"), studies=("record_id", "nunique"), unknown=("n", lambda s: int(s.isna().sum()))
    )
    agg = agg.reset_index()
    order = list(agg.groupby("disease")["patients"].sum().sort_values(ascending=False).index)
    colors = dict(
        zip(
            vocab.MODALITIES,
            [OI["blue"], OI["reddish purple"], OI["bluish green"], OI["orange"], OI["sky blue"]],
            strict=True,
        )
    )
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
                marker_color=colors[mod],
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
    fig.update_xaxes(title_text="Disease (controlled vocabulary)", categoryorder="array", categoryarray=order)
    fig.update_yaxes(title_text="Patients (sum of printed n)")
    return finish(fig, labels, theme, height=460, legend_title="Modality")


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
    if targets.empty and with_results.empty:
        return empty_figure(labels, "No targets for these filters.", theme)
    cells: dict[tuple[str, str], tuple[int, str]] = {}
    for _, r in targets.iterrows():
        lvl = STATUS_LEVEL[r["status"]]
        key = (r["disease"], r["target"])
        if cells.get(key, (0, ""))[0] < lvl:
            cells[key] = (lvl, f"{r['status']} ({r['location']})")
    for _, r in with_results.iterrows():
        cells[(r["disease"], r["target"])] = (3, f"clinical results in data: {r['n_values']} values")
    diseases = sorted({d for d, _ in cells})
    tgts = [t for t in vocab.TARGETS if any(t == tt for _, tt in cells)]
    z = [[cells.get((d, t), (0, ""))[0] for t in tgts] for d in diseases]
    txt = [[html.escape(cells.get((d, t), (0, "not named"))[1]) for t in tgts] for d in diseases]
    levels = ["#f4f4f4" if not theme.dark else "#2a2a2e", OI["sky blue"], OI["orange"], OI["blue"]]
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
                "title": {"text": "Status"},
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
    fig.update_xaxes(title_text="Target antigen", tickangle=-40, title_standoff=8)
    fig.update_yaxes(title_text="Disease")
    return finish(fig, labels, theme, height=max(380, 160 + 40 * len(diseases)), extra_bottom=60)


def source_footnote(df: pd.DataFrame, citations: dict[str, str], version: str) -> str:
    """'Source: <citation> — Table 1; text refs 13, 16. celltx data version abc.' from the rows shown."""
    parts = []
    for file, g in df.groupby("source_file", sort=True) if len(df) else []:
        tables = sorted({str(x) for x in g["location_kind"] if str(x).startswith("Table")})
        refs = sorted({int(x) for x in g["ref"].dropna()})
        where = "; ".join(
            tables
            + ([f"text refs {', '.join(map(str, refs))}"] if refs else [])
            + (["text"] if not refs and (g["location_kind"] == "text").any() else [])
        )
        cite = citations.get(file, file)
        parts.append(f"{cite} — {where}" if where else cite)
    src = "Source: " + " | ".join(parts) if parts else "Source: celltx curated evidence tables"
    return f"{src}. celltx data version {version}."
