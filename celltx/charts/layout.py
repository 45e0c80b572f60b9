"""The frame every figure shares: theme, labels, title, source footnote, size for slides.

Every figure states its subject in the title, carries the active filters and the measure in a
subtitle and a source footnote inside the image (so a screenshot keeps its source), and is sized
16:9 for slides in presentation mode and on export.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go


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


def source_footnote(df: pd.DataFrame, citations: dict[str, str], version: str) -> str:
    """'Source: <citation> — Table 1; text refs 13, 16. celltx data version abc.' from the rows shown."""
    parts = []
    for file, g in df.groupby("source_file", sort=True) if len(df) else []:
        tables = sorted({str(x) for x in g["location_kind"] if str(x).startswith("Table")})
        if "refs" in g:  # every printed number ('8,9' cites both)
            refs = sorted({int(x) for cell in g["refs"].dropna() for x in str(cell).split(",")})
        else:
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
