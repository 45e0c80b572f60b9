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
    # drawn as a deck's picture (celltx.deck): presentation fonts on a canvas shaped like the
    # room under a slide's title, small enough that those fonts read on the slide
    slide: bool = False

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
        if self.slide:  # taller when rows need the room (then the fonts read smaller)
            h = max(DECK_PICTURE[1], int(height * self.font / 13))
            return round(h * DECK_PICTURE[0] / DECK_PICTURE[1]), h
        if not self.presentation:
            return None, height
        h = max(900, int(height * self.font / 13))
        return round(h * 16 / 9), h

    def for_slides(self) -> Theme:
        """The theme of a deck's pictures: this theme's background (dark carries over), the
        presentation fonts and markers, the slide's picture canvas. A screen figure exported at
        1920 x 1080 put its 13 px labels on a slide at about 5 pt, too small to read when
        projected; on this canvas the labels of a figure of usual height read at 10-12 pt."""
        return Theme(presentation=True, dark=self.dark, slide=True)


SCREEN = Theme()
SLIDE_WIDTH, SLIDE_HEIGHT, SLIDE_SCALE = 1920, 1080, 2
# The room for the picture under a slide's title and subtitle (celltx.deck: 12.63 x 5.6 in) at
# 120 CSS px per inch, so presentation fonts (20 px) come out at 12 pt on the slide.
DECK_PICTURE = (1516, 672)


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


# Row labels take at most this share of the canvas width; longer ones wrap onto the lines a row
# has room for, and what still does not fit ends in "…" (the full text stays in the hover and the
# slide notes). GLYPH: Arial's average glyph width as a share of the font size, with room for
# capitals.
LABEL_SHARE = 0.42
GLYPH = 0.6
LINE = 1.25  # line height as a share of the font size
SCREEN_WIDTH = 1400  # a figure drawn at the page's width is about this wide on a laptop
FOOTNOTE = "footnote"  # the footnote annotation's name: slides show the footnote as text instead


def fit_label(label: str, width: int, lines: int) -> str:
    """A row label in at most ``lines`` lines of ``width`` characters ('<br>' between lines),
    shortened with '…' when it needs more."""
    if len(label) <= width or "<br>" in label:
        return label
    wrapped = textwrap.wrap(label, width, break_on_hyphens=False)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        last = wrapped[-1][: width - 1]
        if last.rfind("&") > last.rfind(";"):  # never cut an entity ('&amp;') in two
            last = last[: last.rfind("&")]
        wrapped[-1] = last.rstrip() + "…"
    return "<br>".join(wrapped)


def _wrap_categories(fig: go.Figure, width: int, plot_height: float, font: int) -> list[str]:
    """Fit long categorical y labels of horizontal traces, and every annotation placed on one of
    those rows, alike (an annotation's y names its row); returns the labels as drawn."""
    cats = list(
        dict.fromkeys(
            v
            for t in fig.data
            if getattr(t, "orientation", None) != "v" and t.y is not None
            for v in t.y
            if isinstance(v, str)
        )
    )
    if not cats:
        return []
    chars = max(20, int((width * LABEL_SHARE - 24) / (font * GLYPH)))
    lines = max(1, int(plot_height / len(cats) / (font * LINE)))
    fitted: dict[str, str] = {}
    taken: set[str] = set()
    for c in cats:
        f = fit_label(c, chars, lines)
        k = 2
        while f in taken:  # two labels shortened alike stay two rows
            f = fit_label(c, chars, lines).removesuffix("…") + f" #{k}"
            k += 1
        taken.add(f)
        fitted[c] = f
    if any(k != v for k, v in fitted.items()):
        for t in fig.data:
            if (
                getattr(t, "orientation", None) != "v"
                and t.y is not None
                and any(isinstance(v, str) for v in t.y)
            ):
                t.y = [fitted.get(v, v) if isinstance(v, str) else v for v in t.y]
        for a in fig.layout.annotations:
            if isinstance(a.y, str) and a.y in fitted:
                a.y = fitted[a.y]
    return list(fitted.values())


def _category_margin(labels: list[str], font: int, axis_title: bool) -> int | None:
    """Left margin (px) that fits the longest line of the categorical y labels (and the axis
    title beside them), or None for numeric y axes."""
    if not labels:
        return None
    longest = max(len(line) for lab in labels for line in lab.split("<br>"))
    return int(24 + longest * font * GLYPH + (font * 2.2 if axis_title else 0))


def _right_margin(fig: go.Figure, font: int) -> int:
    """Right margin (px) for text placed beyond the plot's right edge (P values, notes)."""
    widths = [
        len(html.unescape(str(a.text)).replace("<b>", "").replace("</b>", "").replace(" ★", "  "))
        * (a.font.size or font)
        * GLYPH
        for a in fig.layout.annotations
        if a.text and a.xanchor == "left" and a.name != FOOTNOTE and _beyond_right(fig, a)
    ]
    return int(24 + max(widths, default=0))


def _beyond_right(fig: go.Figure, a) -> bool:
    """True for an annotation anchored at or beyond the right edge of its x axis."""
    ref = str(a.xref or "")
    if ref.endswith("domain"):
        return a.x is not None and a.x >= 1
    if ref.startswith("x"):
        axis = fig.layout["xaxis" + ref[1:]]
        rng = axis.range if axis is not None else None
        if not rng:
            return False
        return a.x is not None and not isinstance(a.x, str) and a.x >= rng[1] - 5
    return ref == "paper" and a.x is not None and a.x >= 1


def _space_panels(fig: go.Figure, theme: Theme, plot_height: float) -> None:
    """Stacked panels get a fixed gap in pixels: the tick labels (and axis title, if any) of the
    panel above, then the title of the panel below, never drawn over each other."""
    axes = [(k, fig.layout[k]) for k in fig.layout if k.startswith("yaxis") and fig.layout[k].domain]
    rows = sorted({tuple(ax.domain) for _, ax in axes}, key=lambda d: -d[1])
    if len(rows) < 2 or plot_height <= 0:
        return
    titled_x = any(fig.layout[k].title.text for k in fig.layout if k.startswith("xaxis"))
    tick = theme.font * 1.5 + 8
    title = theme.font * 1.5 + 6
    gap_px = tick + title + (theme.font * 1.5 if titled_x else 0)
    gap = min(gap_px / plot_height, 0.5 / (len(rows) - 1))
    sizes = [top - bottom for bottom, top in rows]
    room = 1 - gap * (len(rows) - 1)
    scale = room / sum(sizes)
    new, top = {}, 1.0
    for old, size in zip(rows, sizes, strict=True):
        bottom = max(0.0, top - size * scale)
        new[old] = (bottom, top)
        top = bottom - gap
    for key, ax in axes:
        fig.layout[key].domain = new[tuple(ax.domain)]
    for a in fig.layout.annotations:  # make_subplots' panel titles sit on their panel's top
        if a.yref == "paper" and a.yanchor == "bottom" and a.name != FOOTNOTE:
            for (_, old_top), (_, new_top) in ((o, n) for o, n in new.items()):
                if a.y is not None and abs(a.y - old_top) < 1e-9:
                    a.y = new_top
                    break


def finish(
    fig: go.Figure,
    labels: Labels,
    theme: Theme = SCREEN,
    height: int = 520,
    legend_title: str | None = None,
    extra_bottom: int = 0,
) -> go.Figure:
    """Title, subtitle, footnote inside the figure (from its left edge), theme and size; every
    word keeps a margin from the canvas edge (tests/unit/test_export_fit.py)."""
    width, height = theme.size(height)
    foot_lines = textwrap.wrap(labels.footnote, 120 if theme.presentation else 150) or [""]
    bottom = 70 + extra_bottom + 16 * len(foot_lines) * (1.4 if theme.presentation else 1)
    y_axes = [fig.layout[k] for k in fig.layout if k.startswith("yaxis")]
    tick_font = max((ax.tickfont.size or theme.font for ax in y_axes), default=theme.font)
    y_titled = any(fig.layout[k].title.text for k in fig.layout if k.startswith("yaxis"))
    top = 110 if labels.subtitle else 80
    canvas = width or SCREEN_WIDTH
    drawn = _wrap_categories(fig, canvas, height - top - bottom, tick_font)
    left = _category_margin(drawn, tick_font, y_titled)
    fig.update_layout(
        template=theme.template,
        paper_bgcolor=theme.background,
        plot_bgcolor=theme.background,
        font={"size": theme.font, "color": theme.ink, "family": "Arial, Helvetica, sans-serif"},
        # plotly's own subtitle: a two-line title anchored at the top was pushed above the canvas
        title={
            "text": f"<b>{html.escape(labels.title)}</b>",
            "subtitle": {
                "text": html.escape(labels.subtitle),
                "font": {"size": round(theme.font * 0.8), "color": theme.muted},
            },
            "x": 0.01,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14, "l": 4},
        },
        margin={"t": top, "b": int(bottom), "l": left or 70, "r": max(20, _right_margin(fig, theme.font))},
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
        name=FOOTNOTE,
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
    _space_panels(fig, theme, height - top - bottom)
    fig.update_xaxes(automargin=True, showticklabels=True)  # every panel keeps its own scale
    fig.update_yaxes(automargin=left is None)
    return fig


def for_slide(fig: go.Figure) -> dict:
    """The figure as a slide's picture, as the plotly JSON dict the image export takes: the slide
    carries the title, subtitle and source footnote as text, so the picture drops them and gives
    their room to the chart. Edits a fresh dict (no second validated Figure: that copy cost
    about as much as building the figure)."""
    out = fig.to_dict()
    layout = out.setdefault("layout", {})
    layout["annotations"] = [a for a in layout.get("annotations", ()) if a.get("name") != FOOTNOTE]
    layout["title"] = {**layout.get("title", {}), "text": "", "subtitle": {"text": ""}}
    margin = layout.setdefault("margin", {})
    # the donor chart keeps its legend row under the (now empty) title
    if layout.get("legend", {}).get("yref") != "container":
        margin["t"] = 40
    margin["b"] = 70
    return out


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
