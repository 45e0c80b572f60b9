"""celltx.charts.marks: a point's look is chosen from its row in one place."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from celltx import vocab
from celltx.charts import marks


def test_a_flagged_row_gets_the_marks_symbol_and_others_keep_theirs():
    rows = pd.DataFrame({"user_data": [True, False]})
    assert marks.symbols(rows, "circle") == ["star", "circle"]
    assert marks.symbols(rows, ["square", "diamond"]) == ["star", "diamond"]


def test_a_new_kind_of_point_is_one_entry_in_marks(monkeypatch):
    extra = marks.Mark("preprint", "hexagon-open", "⬡ preprint")  # a kind of point not yet in MARKS
    monkeypatch.setattr(marks, "MARKS", (*marks.MARKS, extra))
    rows = pd.DataFrame({"user_data": [False, False], "preprint": [True, None]})
    assert marks.symbols(rows, "circle") == ["hexagon-open", "circle"]
    fig = marks.mark_legend(go.Figure(), rows)
    assert [t.name for t in fig.data] == ["⬡ preprint"]


def test_targets_keep_their_colour_and_shape_hollow_without_a_ci():
    assert marks.target_color("CD19") == vocab.OKABE_ITO["blue"]
    assert (
        marks.target_symbol("CD20") == "square" and marks.target_symbol("CD20", filled=False) == "square-open"
    )
    assert marks.target_symbol("treatment") == "circle"


def test_record_data_is_the_record_id_and_value_index():
    rows = pd.DataFrame({"record_id": ["a", "b"], "outcome_index": [0, 3]})
    assert marks.record_data(rows).tolist() == [["a", 0], ["b", 3]]
