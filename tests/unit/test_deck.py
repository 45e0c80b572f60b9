"""The slide deck as python-pptx reads it back: slide count, 16:9, alt text, notes, dark background."""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from celltx import charts, deck


def png(width: int, height: int) -> bytes:
    """A minimal valid PNG of the given size (one grey colour)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def slide(title: str, w: int = 192, h: int = 108) -> deck.FigureSlide:
    return deck.FigureSlide(
        title=title,
        png=png(w, h),
        footnote="Source: Xu Z, Huang X. Cancer Biol Med 2021 — Table 1. celltx data version abc.",
        caption=f"{title}: caption",
        summary=f"{title}, 2 studies: CR 50–90%.",
        studies=("Maude et al. 2014: Table 1 (004.txt)", "Lee et al. 2014: Table 1 (004.txt)"),
        link="http://localhost:8501/cart-response?disease=B-ALL",
    )


INFO = deck.DeckInfo(
    filters="B-ALL",
    version="abc",
    date="2026-12-02",
    citations=("Zhengli Xu and Xiaojun Huang. Cellular immunotherapy … Cancer Biology & Medicine 2021.",),
    discrepancies=("Pan et al. 2019: CR/CRi 70.5% in Table 1, 72% in the text",),
    link="http://localhost:8501/?disease=B-ALL",
)


def read(data: bytes) -> Presentation:
    return Presentation(io.BytesIO(data))


def pictures(prs: Presentation) -> list:
    return [sh for s in prs.slides for sh in s.shapes if sh.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE


def test_deck_has_title_one_slide_per_figure_and_sources_in_16_9():
    figs = [slide("CAR-T response"), slide("CRS", 240, 135), slide("Donor", 200, 300)]
    prs = read(deck.build(INFO, figs))
    assert len(prs.slides) == len(figs) + 2
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[1:-1] == [f.title for f in figs]
    assert titles[-1] == "Sources"
    first = " ".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert "B-ALL" in first and "abc" in first and "2026-12-02" in first and "Cancer Biology" in first
    last = " ".join(sh.text_frame.text for sh in prs.slides[-1].shapes if sh.has_text_frame)
    assert "Cancer Biology & Medicine" in last and "Pan et al. 2019" in last


def test_every_picture_has_alt_text_and_fits_the_slide():
    figs = [slide("A"), slide("B", 200, 300)]
    prs = read(deck.build(INFO, figs))
    pics = pictures(prs)
    assert len(pics) == len(figs)
    for pic, fig in zip(pics, figs, strict=True):
        assert pic._element.nvPicPr.cNvPr.get("descr") == fig.summary
        assert pic.left >= 0 and pic.left + pic.width <= prs.slide_width
        assert pic.top >= 0 and pic.top + pic.height <= prs.slide_height
        w, h = deck.png_size(fig.png)
        assert abs(pic.width / pic.height - w / h) < 0.01  # never stretched


def test_notes_hold_caption_summary_studies_link_and_citation():
    fig = slide("CAR-T response")
    prs = read(deck.build(INFO, [fig]))
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    for part in (fig.caption, fig.summary, fig.link, fig.footnote, *fig.studies):
        assert part in notes
    body = " ".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    assert fig.footnote in body  # the source footnote is on the slide as text


def test_dark_background_carries_over():
    dark = deck.DeckInfo(**{**INFO.__dict__, "dark": True, "background": "#1b1b1f", "ink": "#f2f2f2"})
    prs = read(deck.build(dark, [slide("A")]))
    for s in prs.slides:
        assert str(s.background.fill.fore_color.rgb) == "1B1B1F"
    title_run = prs.slides[1].shapes.title.text_frame.paragraphs[0].runs[0]
    assert str(title_run.font.color.rgb) == "F2F2F2"


def test_png_size_rejects_other_images():
    assert deck.png_size(png(30, 20)) == (30, 20)
    with pytest.raises(ValueError, match="not a PNG"):
        deck.png_size(b"<svg/>")


# ---------------------------------------------------------------------------------------------
# The deck from the real figures, as `celltx figures --format pptx` writes it


@pytest.fixture(scope="module")
def written_deck(tmp_path_factory):
    from celltx import cli, export_image

    if export_image.chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    out = tmp_path_factory.mktemp("deck")
    code = cli.main(["figures", "--format", "pptx", "--disease", "B-ALL", "--out", str(out), "--dark"])
    assert code == 0
    (path,) = out.glob("*.pptx")
    return read(path.read_bytes())


def test_cli_deck_has_a_slide_per_figure_with_alt_text_link_and_citation(written_deck):
    from celltx import figures, filters, load

    ds = load.load_dataset()
    ctx = figures.context(ds, filters.Filters(("B-ALL",), full_years=filters.year_bounds(ds.studies())))
    results = [r.build(ctx) for r in figures.RECIPES]
    shown = [r for r in results if r.figure is not None]
    prs = written_deck
    assert len(prs.slides) == len(shown) + 2
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001
    pics = pictures(prs)
    assert len(pics) == len(shown)
    for slide, pic, result in zip(list(prs.slides)[1:-1], pics, shown, strict=True):
        assert slide.shapes.title.text == result.labels.title
        assert pic._element.nvPicPr.cNvPr.get("descr") == result.summary
        notes = slide.notes_slide.notes_text_frame.text
        assert "http://localhost:8501/" in notes and "disease=B-ALL" in notes
        assert "Cancer Biol Med" in notes or "Cancer Biology" in notes  # the footnote's citation
        assert result.summary in notes
        w, h = deck.png_size(pic.image.blob)
        room_w, room_h = charts.DECK_PICTURE
        assert w == deck.PNG_WIDTH and abs(w / h - room_w / room_h) < 0.01  # shaped like its room
    sources = " ".join(sh.text_frame.text for sh in prs.slides[-1].shapes if sh.has_text_frame)
    assert "Cancer Biology & Medicine" in sources


def test_deck_written_with_dark_look_has_dark_slides(written_deck):
    for s in written_deck.slides:
        assert str(s.background.fill.fore_color.rgb) == "1B1B1F"
    for pic in pictures(written_deck):  # the pictures are drawn dark too, not pasted white
        img = Image.open(io.BytesIO(pic.image.blob)).convert("RGB")
        assert img.getpixel((2, 2)) == (0x1B, 0x1B, 0x1F)
        assert (
            img.convert("L").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)) < 128
        )  # mostly dark (white: over 200)


def test_the_deck_picture_is_shaped_like_its_room_on_the_slide():
    """charts.DECK_PICTURE (the canvas the deck's figures are drawn on) describes the room a
    figure slide with a subtitle leaves for its picture, so the picture fills it."""
    fig = dataclasses.replace(slide("A", *charts.DECK_PICTURE), subtitle="CR · filters: all studies")
    prs = read(deck.build(INFO, [fig]))
    (pic,) = pictures(prs)
    room_w = prs.slide_width - 2 * deck.MARGIN
    room_h = prs.slide_height - pic.top - deck.FOOT_H - Inches(0.1)
    assert abs(pic.width - room_w) < Inches(0.05) and abs(pic.height - room_h) < Inches(0.05)


def test_sources_slide_keeps_long_discrepancies_on_the_slide_by_kind_and_in_full_in_the_notes():
    """26 discrepancies of ~350 characters (the curated data's, all figures) ran off the slide's
    bottom edge at 9 pt: the slide then lists each study with the kinds of its discrepancies, and
    the notes hold every word."""
    long = tuple(
        f"Study {i}, 2016: Arm order: the text lists the arm sizes first {'and more words ' * 12}| "
        f"Measure name: the text says 3-year DFS from CR {'again ' * 10}"
        for i in range(26)
    )
    info = deck.DeckInfo(**{**INFO.__dict__, "discrepancies": long})
    prs = read(deck.build(info, [slide("A")]))
    last = prs.slides[-1]
    body = next(sh for sh in last.shapes if sh.has_text_frame and sh != last.shapes.title)
    text = body.text_frame.text
    assert "speaker notes" in text
    for i in range(26):
        assert f"Study {i}, 2016: Arm order; Measure name" in text
    assert "and more words" not in text
    sizes = {r.font.size.pt for p in body.text_frame.paragraphs for r in p.runs}
    assert sizes == {deck._fitting_size(text.split("\n"), body.width - Inches(0.5), body.height)}
    notes = last.notes_slide.notes_text_frame.text
    assert all(d in notes for d in long)
    # a few short ones stay on the slide word for word
    prs = read(deck.build(INFO, [slide("A")]))
    short = " ".join(sh.text_frame.text for sh in prs.slides[-1].shapes if sh.has_text_frame)
    assert INFO.discrepancies[0] in short and "speaker notes" not in short
