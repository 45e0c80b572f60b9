"""celltx.linked: which linked record stands for a study, one rule for every caller."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from celltx import linked, stats


def _records():
    return pd.DataFrame(
        {
            "record_id": ["s-text", "s-table", "t-a", "t-b", "u-big", "u-small"],
            "cluster": ["s", "s", "t", "t", "u", "u"],
            "location_kind": ["text", "Table 1", "Table 3", "Table 3", "text", "text"],
            "location": ["text, ref 1", "Table 1", "Table 3", "Table 3", "text", "text"],
            "events_derived": [False, True, True, False, False, False],
            "n": [30, 10, 20, 20, 50, 40],
        }
    )


def test_table_row_then_printed_count_then_larger_n_then_id():
    kept = linked.one_per_study(_records())
    assert sorted(kept["record_id"]) == ["s-table", "t-b", "u-big"]


def test_the_choice_does_not_depend_on_row_order():
    df = _records()
    for seed in range(5):
        shuffled = df.sample(frac=1, random_state=seed)
        assert sorted(linked.one_per_study(shuffled)["record_id"]) == ["s-table", "t-b", "u-big"]


def test_rank_agrees_with_the_frame_rule():
    df = _records()
    for _, g in df.groupby("cluster"):
        best = min((r for _, r in g.iterrows()), key=linked.rank)
        assert best["record_id"] in set(linked.one_per_study(df)["record_id"])


def test_pooling_uses_the_same_rule():
    assert "linked.rank" in Path(stats.__file__).read_text(encoding="utf-8")
    assert not hasattr(stats, "_rank")
