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
