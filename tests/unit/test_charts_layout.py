"""celltx.charts.layout: every figure framed alike, 16:9 for slides."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from celltx.charts import layout


def test_export_size_is_16_to_9_and_grows_with_rows():
    fig = go.Figure(layout={"height": 500})
    assert layout.export_size(fig) == (1920, 1080)
    w, h = layout.export_size(go.Figure(layout={"height": 2000}))
    assert h == 2000 and w / h == pytest.approx(16 / 9, abs=0.001)


def test_presentation_canvas_is_16_to_9_and_screen_takes_the_page_width():
    assert layout.SCREEN.size(400) == (None, 400)
    w, h = layout.Theme(presentation=True).size(400)
    assert h >= 900 and w / h == pytest.approx(16 / 9, abs=0.002)


def test_slide_pictures_keep_dark_and_draw_fonts_that_read_on_a_slide():
    """The deck's theme: presentation fonts and markers whatever the page showed, the page's
    background, and a canvas shaped like the slide's picture room. On it a figure of usual height
    (up to the room's 5.6 in, 403 pt) puts its 20 px labels on the slide at 10 pt or more."""
    for theme in (layout.SCREEN, layout.Theme(presentation=True), layout.Theme(True, dark=True)):
        slides = theme.for_slides()
        assert slides.dark == theme.dark and slides.background == theme.background
        assert slides.font == layout.Theme(presentation=True).font
        assert slides.marker_scale == layout.Theme(presentation=True).marker_scale
    theme = layout.SCREEN.for_slides()
    room_pt = 5.6 * 72
    for screen_height in (320, 460, 520):  # the recipes' heights for figures of a few rows
        w, h = theme.size(screen_height)
        assert w / h == pytest.approx(layout.DECK_PICTURE[0] / layout.DECK_PICTURE[1], abs=0.002)
        assert theme.font * room_pt / h >= 10
    assert theme.size(2000)[1] > 2000  # many rows: taller, every row keeps its label


def test_for_slide_drops_title_and_footnote_and_leaves_the_figure_alone():
    fig = go.Figure(go.Scatter(x=[1], y=["a row"]))
    layout.finish(fig, layout.Labels("T", "sub", "Source: X."), layout.SCREEN.for_slides(), height=300)
    picture = layout.for_slide(fig)
    assert picture["layout"]["title"]["text"] == "" and picture["layout"]["title"]["subtitle"]["text"] == ""
    assert not [a for a in picture["layout"]["annotations"] if a.get("name") == layout.FOOTNOTE]
    assert picture["layout"]["margin"]["t"] == 40
    assert fig.layout.title.text == "<b>T</b>" and fig.layout.annotations  # the figure is unchanged


def test_finish_writes_title_subtitle_and_a_footnote_inside_the_figure():
    fig = go.Figure(go.Scatter(x=[1], y=["a row"]))
    labels = layout.Labels(
        "A & B", "CR · filters: all studies", "Source: X — Table 1. celltx data version v1."
    )
    layout.finish(fig, labels, height=300, legend_title="Target antigen")
    assert fig.layout.title.text.startswith("<b>A &amp; B</b>")
    subtitle = fig.layout.title.subtitle.text or "" if fig.layout.title.subtitle else ""
    assert "CR · filters: all studies" in fig.layout.title.text + subtitle
    (note,) = [a for a in fig.layout.annotations if a.text.startswith("Source:")]
    assert note.xref == "paper" and note.yref == "paper" and note.yshift < 0
    assert fig.layout.margin.b >= -note.yshift  # the footnote sits in the bottom margin, not off it
    assert fig.layout.legend.title.text == "Target antigen"
