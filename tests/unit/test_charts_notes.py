"""charts.notes: labels added in one go land exactly where Plotly's add_annotation puts them."""

import pytest
from plotly.subplots import make_subplots

from celltx.charts.notes import Notes


def _grid():
    return make_subplots(rows=2, cols=2, subplot_titles=["a", "b", "c", "d"])


LABELS = [
    ({"row": 1, "col": 1}, {"x": 1, "y": 2, "text": "first"}),
    ({"row": 2, "col": 2}, {"x": 0.5, "y": "CD19", "text": "P = 0.03", "showarrow": False}),
    ({"row": 2, "col": 1}, {"x": 1.0, "xref": "x domain", "y": "arm", "text": "right edge"}),
    ({"row": 1, "col": 2}, {"x": 0, "y": 0.5, "yref": "y domain", "text": "both", "xanchor": "left"}),
    ({"row": 2, "col": 2}, {"x": 3, "y": 4, "text": "last"}),
]


def test_notes_equal_plotly_add_annotation_in_order_and_axes():
    one_by_one = _grid()
    for where, note in LABELS:
        one_by_one.add_annotation(**note, **where)
    batched = _grid()
    notes = Notes(batched)
    for where, note in LABELS:
        notes.add(**where, **note)
    assert len(batched.layout.annotations) == 4  # nothing is drawn before draw()
    notes.draw()
    notes.draw()  # a second draw adds nothing twice
    got = [a.to_plotly_json() for a in batched.layout.annotations]
    assert got == [a.to_plotly_json() for a in one_by_one.layout.annotations]
    assert [a["xref"] for a in got[4:]] == ["x", "x4", "x3 domain", "x2", "x4"]
    assert [a["yref"] for a in got[4:]] == ["y", "y4", "y3", "y2 domain", "y4"]


def test_a_note_cannot_point_at_another_panels_axes():
    notes = Notes(_grid())
    with pytest.raises(ValueError, match="own panel"):
        notes.add(row=1, col=1, x=0, y=0, xref="x3", text="elsewhere")
