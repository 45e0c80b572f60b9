"""How a point looks, decided in one place: colour per target, size per n, symbol per kind.

A row's own columns choose its marker: ``MARKS`` lists the row flags that replace the usual
symbol (a user's uploaded study is a star), each with its legend entry. A new kind of point (say,
one from a broader cohort than the filter) is one more entry here, and every chart that draws
points shows it with its legend entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from celltx import vocab
from celltx.charts.layout import SCREEN, Theme


def crossed(usual: str) -> str:
    """The usual shape drawn open with an x in it (circle, square, diamond; other shapes open with
    a dot): the point keeps its shape (a CR/CRi square stays a square, a bound keeps its triangle)
    and its CI bar, and cannot be taken for a plain hollow point (no CI)."""
    base = usual.removesuffix("-dot").removesuffix("-open")
    if base in ("circle", "square", "diamond"):
        return f"{base}-x-open"
    return f"{base}-open-dot"


@dataclass(frozen=True)
class Mark:
    """A boolean row column that, when true, draws the point with ``symbol`` (a symbol, or a
    function of the chart's usual symbol). The legend has one entry ``legend`` or, with
    ``legend_column``, one entry per distinct value of that column among the marked rows."""

    column: str
    symbol: str | Callable[[str], str]
    legend: str
    legend_column: str | None = None
    legend_symbol: str | None = None

    def symbol_for(self, usual: str) -> str:
        return self.symbol(usual) if callable(self.symbol) else self.symbol


MARKS: tuple[Mark, ...] = (
    Mark("user_data", "star", "★ your uploaded data"),
    # a disease filter's broader or mixed cohorts (celltx.filters): the legend says which and why,
    # e.g. "broader cohort: ALL, lineage not stated"; the hover adds the full reason
    Mark("broader_cohort", crossed, "broader cohort", "broader_label", "circle-x-open"),
)
USER_SYMBOL = "star"


def _flag(r: pd.Series | dict, column: str) -> bool:
    v = r.get(column)
    return bool(v) if v is not None and not (isinstance(v, float) and math.isnan(v)) else False


def symbol(r: pd.Series | dict, usual: str) -> str:
    """The row's marker symbol: the first flagged mark's, else the chart's usual one."""
    for m in MARKS:
        if _flag(r, m.column):
            return m.symbol_for(usual)
    return usual


def records(df: pd.DataFrame) -> list[dict]:
    """The rows as dicts, for drawing point by point: how every chart walks rows. ``iterrows``
    builds a Series per row and ``to_dict('records')`` takes each column apart, both several times
    slower on these wide frames; the values are those ``iterrows`` gives (missing is pd.NA/NaN)."""
    columns = list(df.columns)
    return [dict(zip(columns, row, strict=True)) for row in df.to_numpy(dtype=object)]


def marked(df: pd.DataFrame) -> np.ndarray:
    """True for rows drawn with a mark's symbol. A trace puts them last, so its legend entry (which
    shows the trace's first symbol) keeps the usual one."""
    out = np.zeros(len(df), dtype=bool)
    for m in MARKS:
        if m.column in df:
            out |= df[m.column].fillna(False).astype(bool).to_numpy()
    return out


def symbols(df: pd.DataFrame, usual: str | list[str]) -> list[str]:
    """``symbol`` for every row; ``usual`` may differ per row."""
    base = usual if isinstance(usual, list) else [usual] * len(df)
    flags = [m for m in MARKS if m.column in df]
    if not flags:
        return list(base)
    return [symbol(r, u) for r, u in zip(records(df[[m.column for m in flags]]), base, strict=True)]


def mark_legend(fig: go.Figure, rows: pd.DataFrame, theme: Theme = SCREEN) -> go.Figure:
    """A legend entry for every mark that some drawn row carries."""
    for m in MARKS:
        if m.column not in rows:
            continue
        flagged = rows[rows[m.column].fillna(False).astype(bool)]
        if flagged.empty:
            continue
        names = [m.legend]
        if m.legend_column and m.legend_column in flagged:
            names = sorted({str(v) for v in flagged[m.legend_column].dropna()}) or names
        for name in names:
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=name,
                    marker={
                        "symbol": m.legend_symbol or m.symbol_for("circle"),
                        "size": 14,
                        "color": theme.ink,
                        "line": {"width": 2, "color": theme.ink},
                    },
                    hoverinfo="skip",
                    showlegend=True,
                )
            )
    return fig


def legend_name(group: object) -> str:
    """'CD19;CD22' (a dual-target CAR) reads 'CD19 + CD22' in legends."""
    return str(group).replace(";", " + ")


def target_color(target: str) -> str:
    return vocab.TARGET_COLORS.get(target, vocab.OKABE_ITO["black"])


def donor_color(donor_type: str) -> str:
    """Colour of an arm's donor type (the record's ``donor_type``, never read from the arm's name)."""
    return vocab.DONOR_COLORS[donor_type]


def n_size(n: pd.Series, theme: Theme) -> list[float]:
    """Marker area grows with n; studies without n get a small fixed marker."""
    return [(7 + 2.2 * math.sqrt(v) if pd.notna(v) else 7) * theme.marker_scale for v in n]


def record_data_of(r: dict, points: int = 1) -> np.ndarray:
    """``record_data`` of one row drawn as its own trace of ``points`` points."""
    return np.array([[r["record_id"], int(r["outcome_index"])]] * points, dtype=object)


def record_data(df: pd.DataFrame) -> np.ndarray:
    """customdata for every point: [record id, outcome index], so a click opens the record."""
    return np.array(
        [[rid, int(i)] for rid, i in zip(df["record_id"], df["outcome_index"], strict=True)], dtype=object
    ).reshape(-1, 2)
