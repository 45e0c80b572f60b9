"""celltx.charts.text: each wording written once (P values, n, row labels, comparisons)."""

from __future__ import annotations

import math

import pandas as pd

from celltx.charts import text


def test_p_text_keeps_the_printed_operator_and_names_the_scope():
    assert text.p_text("0.03") == "P = 0.03"
    assert text.p_text("<0.001") == "P <0.001"
    assert text.p_text("0.14", "overall") == "P = 0.14 (overall)"
    assert text.p_text("0.14", math.nan) == "P = 0.14"


def test_n_text_never_reads_as_zero():
    assert text.n_text(30) == "n = 30"
    assert text.n_text(30.0) == "n = 30"
    for missing in (None, math.nan, pd.NA):
        assert text.n_text(missing) == "n not reported"


def _row(**kw):
    base = {
        "study": "Maude et al.",
        "year": 2014,
        "arm": "all",
        "n": 30,
        "endpoint": "CR",
        "scope": None,
        "time_months": None,
        "time_days": None,
    }
    return pd.Series({**base, **kw})


def test_row_label_names_study_arm_measure_landmark_and_n():
    assert text.row_label(_row()) == "Maude et al. 2014 (n = 30)"
    label = text.row_label(_row(arm="NK", n=None, endpoint="EFS", time_months=6.0), with_measure=True)
    assert label == "Maude et al. 2014 [NK] · EFS @6 mo (n not reported)"
    assert "@day 28" in text.row_label(_row(time_months=0.92, time_days=28), with_measure=True)


def test_comparison_label_puts_both_arms_on_one_row():
    arms = pd.DataFrame([_row(arm="NK", n=41), _row(arm="control", n=31)])
    assert text.comparison_label(arms) == "Maude et al. 2014 · CR: NK vs control (n = 41 vs n = 31)"
    arms = pd.DataFrame([_row(arm="NK", n=None), _row(arm="control", n=None)])
    assert text.comparison_label(arms).endswith("NK vs control (n not reported)")


def test_value_text_reads_like_the_source():
    r = _row(value_pct=73.33, events=11, n=15, events_derived=False, p_value="0.04", p_scope=None)
    assert text.value_text(r) == "73.3% (11/15); P = 0.04"
    assert text.value_text(_row(value_high_pct=20.0)) == "up to 20%"
    assert text.value_text(_row()) == "no value"


def test_dedupe_labels_keeps_two_rows_apart():
    assert text.dedupe_labels(["a", "b", "a"]) == ["a", "b", "a #2"]
