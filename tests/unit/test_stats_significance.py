"""stats.significant: one rule for a printed P value, read by the donor chart and the summary."""

from __future__ import annotations

import math

from celltx import stats


def test_printed_p_values():
    assert stats.significant(0.03, "=")
    assert stats.significant(0.05, "<")  # 'P < 0.05'
    assert not stats.significant(0.05, "=")
    assert not stats.significant(0.01, ">")  # a lower bound is never significant
    assert not stats.significant(math.nan, "=") and not stats.significant(None)
