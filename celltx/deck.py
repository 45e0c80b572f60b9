"""A slide deck (PPTX) of dashboard figures, ready for a talk.

One title slide (filters, data version, date, the source citation), one slide per figure (its
title in the title placeholder, the figure as a full-resolution PNG with the text summary as the
picture's alt text, the source footnote as text; speaker notes with the caption, the text
summary, the studies behind the figure with their locations, and the link that reopens the view),
and a closing Sources slide (full citations and the source discrepancies of the values shown).

``build`` only assembles slides from plain inputs (no plotly, no kaleido), so it is tested without
a browser; ``render`` exports the figures through one persistent kaleido process.
"""

from __future__ import annotations

import concurrent.futures
import io
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from celltx import charts, export_image, figures

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)  # 16:9, PowerPoint's default widescreen
MARGIN = Inches(0.35)
TITLE_H = Inches(0.8)
FOOT_H = Inches(0.45)
SUB_H = Inches(0.4)
MIME = export_image.MIME["pptx"]

# layouts of python-pptx's default template
LAYOUT_TITLE, LAYOUT_TITLE_CONTENT, LAYOUT_TITLE_ONLY = 0, 1, 5


@dataclass(frozen=True)
class FigureSlide:
    """One figure as a slide: everything the slide and its notes say."""

    title: str
    png: bytes
    footnote: str
    caption: str
    summary: str  # the text alternative: picture alt text and speaker notes
    studies: tuple[str, ...]  # "Maude et al. 2014: Table 1 (004_….txt)"
    link: str
    subtitle: str = ""  # the figure's measure and filters, under the title


@dataclass(frozen=True)
class DeckInfo:
    """What the title and Sources slides say, and the look the figures were drawn in."""

    filters: str
    version: str
    date: str
    citations: tuple[str, ...]
    discrepancies: tuple[str, ...] = ()
    link: str = ""
    dark: bool = False
    background: str = "#ffffff"
    ink: str = "#222222"
    muted: str = "#555555"
    title: str = "celltx: cellular immunotherapy evidence"
    extra: dict[str, str] = field(default_factory=dict)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header (no image library needed)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("figure image is not a PNG")
    return struct.unpack(">II", data[16:24])


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _paint(slide, info: DeckInfo) -> None:
    """Dark background carries over from presentation mode to the slides."""
    fill = slide.background.fill
    fill.solid()
    fill.fore_color.rgb = _rgb(info.background)


def _style(text_frame, info: DeckInfo, size: int, colour: str | None = None, bold: bool = False) -> None:
    for p in text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(size)
            r.font.bold = bold
            r.font.color.rgb = _rgb(colour or info.ink)


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _title_slide(prs, info: DeckInfo) -> None:
    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    _paint(s, info)
    # the default template's placeholders are placed for a 4:3 slide: place them for 16:9
    title = s.shapes.title
    title.left, title.top, title.width, title.height = (
        MARGIN * 2,
        Inches(1.6),
        SLIDE_W - MARGIN * 4,
        Inches(1.5),
    )
    title.text = info.title
    _style(title.text_frame, info, 36, bold=True)
    body = s.placeholders[1]
    body.left, body.top, body.width, body.height = MARGIN * 2, Inches(3.3), SLIDE_W - MARGIN * 4, Inches(3.4)
    tf = body.text_frame
    tf.word_wrap = True
    lines = [
        f"Filters: {info.filters}",
        f"Data version {info.version} · {info.date}",
        *(f"Source: {c}" for c in info.citations[:1]),
    ]
    tf.text = lines[0]
    for line in lines[1:]:
        tf.add_paragraph().text = line
    _style(tf, info, 16, info.muted)
    _notes(s, "\n".join([*lines, *(f"Reopen this view: {info.link}" for _ in [0] if info.link)]))


def _figure_slide(prs, info: DeckInfo, fig: FigureSlide) -> None:
    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _paint(s, info)
    title = s.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.15), SLIDE_W - 2 * MARGIN, TITLE_H
    title.text = fig.title
    title.text_frame.word_wrap = True
    title.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    _style(title.text_frame, info, 28, bold=True)
    top = Inches(0.15) + TITLE_H
    if fig.subtitle:
        sub = s.shapes.add_textbox(MARGIN, top - Inches(0.05), SLIDE_W - 2 * MARGIN, SUB_H)
        sub.text_frame.word_wrap = True
        sub.text_frame.text = fig.subtitle
        _style(sub.text_frame, info, 14, info.muted)
        top += SUB_H

    # the picture fills the room between title and footnote, keeping its 16:9 (or taller) shape
    room_w, room_h = SLIDE_W - 2 * MARGIN, SLIDE_H - top - FOOT_H - Inches(0.1)
    w_px, h_px = png_size(fig.png)
    scale = min(room_w / w_px, room_h / h_px)
    pic_w, pic_h = Emu(int(w_px * scale)), Emu(int(h_px * scale))
    left = Emu(int((SLIDE_W - pic_w) / 2))
    pic = s.shapes.add_picture(io.BytesIO(fig.png), left, top, pic_w, pic_h)
    pic.name = fig.title[:120]
    # alt text: PowerPoint and screen readers read cNvPr's descr
    pic._element.nvPicPr.cNvPr.set("descr", fig.summary)

    foot = s.shapes.add_textbox(MARGIN, SLIDE_H - FOOT_H - Inches(0.05), SLIDE_W - 2 * MARGIN, FOOT_H)
    tf = foot.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.BOTTOM
    tf.text = fig.footnote
    _style(tf, info, 9, info.muted)

    _notes(
        s,
        "\n\n".join(
            [
                fig.caption,
                f"Text summary: {fig.summary}",
                "Studies behind this figure:\n" + "\n".join(f"- {x}" for x in fig.studies),
                f"Reopen this view: {fig.link}",
                fig.footnote,
            ]
        ),
    )


# The Sources slide's text box, and how much text fits in it at a font size: an average glyph
# is about half the font size wide, a wrapped line with its paragraph spacing 1.35 times as tall.
SOURCES_TOP = Inches(1.3)
GLYPH_EM, LINE_EM = 0.5, 1.35
SOURCES_SIZES = (14, 12, 11, 10, 9)


def _fitting_size(lines: Sequence[str], width: int, height: int) -> int | None:
    """The largest of SOURCES_SIZES at which these paragraphs fit the box (EMU), or None."""
    for size in SOURCES_SIZES:
        per_line = max(1, int(width / Pt(size) / GLYPH_EM))
        rows = sum(-(-max(len(line), 1) // per_line) for line in lines)
        if rows * size * LINE_EM <= height / Pt(1):
            return size
    return None


def _kinds(discrepancy: str) -> str:
    """'Wang, 2016: Arm order: the text … | Measure name: …' -> 'Wang, 2016: Arm order; Measure
    name' (what kind of discrepancy, for the slide; the notes keep the wording)."""
    study, _, rest = discrepancy.partition(": ")
    kinds = dict.fromkeys(_clip(part.split(":", 1)[0].strip(), 60) for part in rest.split(" | "))
    return f"{study}: {'; '.join(kinds)}" if rest else discrepancy


def _clip(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _sources_slide(prs, info: DeckInfo) -> None:
    s = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_CONTENT])
    _paint(s, info)
    title = s.shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Inches(0.2), SLIDE_W - 2 * MARGIN, Inches(1.0)
    title.text = "Sources"
    _style(title.text_frame, info, 32, bold=True)
    body = s.placeholders[1]
    body.left, body.top = MARGIN, SOURCES_TOP
    body.width, body.height = SLIDE_W - 2 * MARGIN, SLIDE_H - SOURCES_TOP - MARGIN
    head = [*info.citations, f"celltx data version {info.version}, accessed {info.date}."]
    if not info.discrepancies:
        full = [*head, "No source discrepancy is recorded for the values shown."]
    else:
        full = [*head, "Source discrepancies in the values shown:", *(f"    {d}" for d in info.discrepancies)]
    shown = full
    # the full wording did not fit (it was cut at the slide's bottom edge): the slide names each
    # discrepancy's kind, the speaker notes keep every word
    if info.discrepancies and _fitting_size(full, body.width - Inches(0.5), body.height) is None:
        shown = [
            *head,
            "Source discrepancies in the values shown (the full wording is in the speaker notes):",
            *(f"    {_kinds(d)}" for d in info.discrepancies),
        ]
    tf = body.text_frame
    tf.word_wrap = True
    tf.text = shown[0]
    for line in shown[1:]:
        para = tf.add_paragraph()
        para.text = line.strip()
        para.level = 1 if line.startswith("    ") else 0
    _style(tf, info, _fitting_size(shown, body.width - Inches(0.5), body.height) or SOURCES_SIZES[-1])
    _notes(s, "\n".join(full))


def build(info: DeckInfo, slides: Sequence[FigureSlide]) -> bytes:
    """The deck as PPTX bytes: title slide, one slide per figure, Sources slide."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    _title_slide(prs, info)
    for fig in slides:
        _figure_slide(prs, info, fig)
    _sources_slide(prs, info)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# From recipes to slides


def studies_behind(rows: pd.DataFrame) -> tuple[str, ...]:
    """Each study behind a figure with where its values are in the source, once each."""
    if rows.empty:
        return ()
    name = (rows["study"] if "study" in rows else rows["record_id"]).fillna("").astype(str)
    where = rows["location"].fillna("").astype(str) + " (" + rows["source_file"].fillna("").astype(str) + ")"
    pairs = dict.fromkeys(zip(name, where, strict=True))
    return tuple(f"{n}: {w}" for n, w in pairs)


def discrepancies_in(rows: pd.DataFrame) -> tuple[str, ...]:
    """The source discrepancies recorded for the values a figure shows."""
    if rows.empty or "discrepancies" not in rows:
        return ()
    name = (rows["study"] if "study" in rows else rows["record_id"]).fillna("")
    found = [
        f"{n}: {d}"
        for n, d in zip(name.astype(str), rows["discrepancies"], strict=True)
        if isinstance(d, str) and d
    ]
    return tuple(dict.fromkeys(found))


# Each picture is PNG_WIDTH pixels wide: about 240 dpi across the slide's 12.6 inches, twice what
# a 1920-pixel projector shows there and plenty for print, without drawing more than a slide uses.
PNG_WIDTH = 3000


def render(
    ctx: figures.Context,
    recipes: Sequence[figures.Recipe],
    link_of: Callable[[figures.Recipe], str],
    home_link: str = "",
    on_figure: Callable[[str], None] | None = None,
) -> tuple[bytes, int]:
    """The deck of every given recipe that has data under the context's filters, exported through
    one persistent kaleido browser; returns the PPTX bytes and the number of figure slides.

    The figures are drawn in the context's theme made for slides (``Theme.for_slides``: dark
    carries over; fonts that read on a slide). Chromium starts while the first figures are built,
    and each figure is drawn while the next one is built (``export_image.submit_png``)."""
    ctx = replace(ctx, theme=ctx.theme.for_slides())
    made: list[tuple[figures.Recipe, figures.Result]] = []
    pending: list[export_image.Pending] = []
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="celltx-deck") as pool:
        starting = pool.submit(export_image.start_server)
        try:
            for recipe in recipes:
                result = recipe.build(ctx)
                if result.figure is None:
                    continue
                made.append((recipe, result))
                if starting.done():  # re-raises a failed start
                    starting.result()
                    pending += [_submit(r.figure) for _, r in made[len(pending) :]]
            starting.result()
            pending += [_submit(r.figure) for _, r in made[len(pending) :]]
            pngs = []
            for (recipe, _), image in zip(made, pending, strict=True):
                pngs.append(image.result())
                if on_figure:
                    on_figure(recipe.name)
        except BaseException:
            for image in pending:
                image.cancel()
            raise

    slides: list[FigureSlide] = []
    discrepancies: list[str] = []
    shown: list[pd.DataFrame] = []
    for (recipe, result), picture in zip(made, pngs, strict=True):
        slides.append(
            FigureSlide(
                title=result.labels.title,
                png=picture,
                footnote=result.labels.footnote,
                caption=recipe.caption,
                summary=result.summary,
                studies=studies_behind(result.rows),
                link=link_of(recipe),
                subtitle=result.labels.subtitle,
            )
        )
        discrepancies += discrepancies_in(result.rows)
        shown.append(result.rows[["source_file"]] if "source_file" in result.rows else result.rows.iloc[0:0])
    rows = pd.concat(shown, ignore_index=True) if shown else pd.DataFrame(columns=["source_file"])
    info = DeckInfo(
        filters=ctx.filters.describe(),
        version=ctx.version,
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        citations=tuple(ctx.cited(rows)),
        discrepancies=tuple(dict.fromkeys(discrepancies)),
        link=home_link,
        dark=ctx.theme.dark,
        background=ctx.theme.background,
        ink=ctx.theme.ink,
        muted=ctx.theme.muted,
    )
    return build(info, slides), len(slides)


def _submit(fig) -> export_image.Pending:
    """Queue a figure's slide picture at the canvas it was laid out for (labels wrapped and
    margins set for that size), PNG_WIDTH pixels wide."""
    width, height = int(fig.layout.width), int(fig.layout.height)
    return export_image.submit_png(charts.for_slide(fig), width, height, PNG_WIDTH / width)
