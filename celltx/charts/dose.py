"""Response and CRS against CAR dose: one measure and one dose unit per panel, a log dose axis,
ranges as ranges, the study named on each range."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import vocab
from celltx.charts import marks, text
from celltx.charts.layout import SCREEN, Labels, Theme, finish
from celltx.charts.notes import Notes

PANEL_HEIGHT = 300  # px per row of panels (on screen; a slide scales it with the font)
Y_RANGE = (-3, 105)  # percent


def _label_shifts(values: list[float], theme: Theme) -> list[float]:
    """Downward pixel shifts that keep the panel's labels (one per range, at its value) a line
    apart: two studies often report close values. Labels are placed from the highest value down."""
    line = (theme.font - 3) * 1.3
    # the panel's plot area in pixels per percentage point (rows share the canvas height)
    per_point = (PANEL_HEIGHT - 90) * theme.font / 13 / (Y_RANGE[1] - Y_RANGE[0])
    shifts = [0.0] * len(values)
    placed: list[float] = []  # label centres, px below the top of the axis
    for i in sorted(range(len(values)), key=lambda k: -values[k]):
        want = (Y_RANGE[1] - values[i]) * per_point
        at = want
        # a tolerance: a label placed exactly a line below another is clear of it (without one,
        # float rounding can find it 'near' again for ever)
        while any(abs(at - p) < line - 1e-6 for p in placed):
            at = max(p for p in placed if abs(at - p) < line - 1e-6) + line
        placed.append(at)
        shifts[i] = at - want
    return shifts


def _measure_order(df: pd.DataFrame) -> list[str]:
    """The measures drawn, response before CRS, each in vocab order (endpoints, then CRS grade
    scopes): a panel's place never depends on which rows the filters left."""
    rank = {e: i for i, e in enumerate(vocab.ENDPOINTS)}
    scopes = {s: i for i, s in enumerate(vocab.CRS_SCOPES)}

    def key(r: dict) -> tuple:
        return (
            r["family"] != "response",
            rank.get(r["endpoint"], len(rank)),
            scopes.get(r["scope"], len(scopes)),
        )

    order: dict[str, tuple] = {}
    for r in marks.records(df):
        order.setdefault(text.measure_text(r), key(r))
    return sorted(order, key=order.__getitem__)


def dose_chart(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """Each measure (CR, CR/CRi, OR, CRS at each grade scope) against CAR dose, a panel per
    measure and dose unit that has rows: measures are never mixed in a panel and doses per kg,
    per m² and in total never share an axis. Colour is the target; a line spans a printed dose
    range and is labelled with its study and n."""
    df = df.assign(_measure=[text.measure_text(r) for r in marks.records(df)])
    units = [u for u in vocab.DOSE_UNITS if u in set(df["dose_unit"])]
    panels = [
        (m, u)
        for m in _measure_order(df)
        for u in units
        if ((df["_measure"] == m) & (df["dose_unit"] == u)).any()
    ]
    cols = min(len(panels), 3 if theme.presentation and len(panels) > 4 else 2)
    n_rows = math.ceil(len(panels) / cols)
    # the last row's unused cells get no axes (an empty frame would read as 'no data')
    specs: list[list[dict | None]] = [
        [{} if r * cols + c < len(panels) else None for c in range(cols)] for r in range(n_rows)
    ]
    fig = make_subplots(
        rows=n_rows,
        cols=cols,
        specs=specs,
        shared_yaxes=True,
        horizontal_spacing=0.12,
        vertical_spacing=0.3 / max(n_rows, 1),
        subplot_titles=[f"{m} · dose {vocab.DOSE_UNITS[u]}" for m, u in panels],
    )
    notes = Notes(fig)
    # one x range per unit, so panels of one unit read on the same scale
    span = {}
    for unit in units:
        doses = df[df["dose_unit"] == unit][["dose_low", "dose_high"]].stack().astype(float)
        doses = doses[doses > 0]
        span[unit] = (math.log10(doses.min()) - 0.3, math.log10(doses.max()) + 1.0) if len(doses) else (0, 1)
    seen: set = set()
    for k, (measure, unit) in enumerate(panels):
        i, j = k // cols + 1, k % cols + 1
        g = df[(df["_measure"] == measure) & (df["dose_unit"] == unit)]
        shifts = _label_shifts(list(g["value_pct"].astype(float)), theme)
        for r, shift in zip(marks.records(g), shifts, strict=True):
            lo = r["dose_low"] if pd.notna(r["dose_low"]) else r["dose_high"]
            hi = r["dose_high"] if pd.notna(r["dose_high"]) else r["dose_low"]
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
                        "symbol": marks.symbol(r, marks.target_symbol(r["target_group"])),
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
            notes.add(
                x=math.log10(hi),
                y=r["value_pct"],
                yshift=-shift,
                # the study on each range: two studies' ranges often overlap
                text=f"{html.escape(str(r['study']))}, {text.n_text(r['n'])}",
                showarrow=False,
                xanchor="left",
                xshift=8,
                font={"size": theme.font - 3},
                row=i,
                col=j,
            )
        fig.update_xaxes(
            type="log",
            range=list(span[unit]),
            row=i,
            col=j,
            title_text=vocab.axis_title("dose", f"{vocab.DOSE_UNITS[unit]}, log scale"),
            # close to its ticks, so the panel title below keeps clear of it
            title_standoff=4,
        )
    notes.draw()
    fig.update_yaxes(range=list(Y_RANGE), title_text=vocab.axis_title("value_pct"), col=1)
    return finish(
        fig, labels, theme, height=PANEL_HEIGHT * n_rows + 160, legend_title=vocab.axis_title("target")
    )
