"""celltx.charts.forest: one engine; it draws the rows it is given, a panel per facet value."""

from __future__ import annotations

import pandas as pd
import pytest

from celltx import charts, figures, filters, load, vocab
from celltx.charts import forest

LABELS = charts.Labels("t", "s", "Source: test.")


@pytest.fixture(scope="module")
def ctx():
    ds = load.load_dataset()
    return figures.context(ds, filters.Filters(full_years=filters.year_bounds(ds.studies())))


def _drawn_ids(fig) -> list[str]:
    return [cd[0] for t in fig.data if t.customdata is not None for cd in t.customdata]


def test_every_row_given_is_drawn_once_and_nothing_else(ctx):
    rows = figures.cart_crs(ctx).rows
    fig = forest.forest(rows, LABELS, facet="scope")
    assert sorted(_drawn_ids(fig)) == sorted(rows["record_id"])


def test_a_panel_per_facet_value_in_the_given_order(ctx):
    rows = figures.cart_crs(ctx).rows
    order = ["grade>=3", "any", "severe", "unspecified"]
    fig = forest.forest(rows, LABELS, facet="scope", facets=order, facet_title=lambda s: f"panel {s}")
    titles = [a.text for a in fig.layout.annotations if a.text.startswith("panel ")]
    assert titles == [f"panel {s}" for s in order if s in set(rows["scope"])]


def test_arms_of_one_comparison_share_a_row_with_one_p_value(ctx):
    rows = figures.nk_results(ctx).rows
    fig = charts.labelled_forest(
        rows,
        LABELS,
        group_col="role",
        color_of=vocab.ROLE_COLORS.__getitem__,
        facet_col="setting",
        compare="comparison",
    )
    jiang = rows[rows["record_id"] == "nk-jiang-table3"]
    ys = {
        y
        for t in fig.data
        if t.customdata is not None
        for cd, y in zip(t.customdata, t.y, strict=True)
        if cd[0] == "nk-jiang-table3"
    }
    assert len(jiang) == 2 and len(ys) == 1, "the NK and control arms sit on one row"
    (y,) = ys
    assert "NK vs control" in y
    joins = [t for t in fig.data if t.mode == "lines" and list(t.y) == [y, y]]
    assert len(joins) == 1 and sorted(joins[0].x) == sorted(jiang["value_pct"])
    assert sum(1 for a in fig.layout.annotations if a.y == y and a.text.startswith("P ")) == 1


def test_rows_without_a_comparison_keep_one_row_each(ctx):
    rows = figures.relapse_bridge(ctx).rows
    fig = charts.labelled_forest(rows, LABELS)
    ys = [y for t in fig.data if t.customdata is not None for y in t.y]
    assert len(ys) == len(set(ys)) == len(rows)


def test_pooled_rows_become_diamonds_under_their_panel(ctx):
    res = figures.cart_response(ctx)
    diamonds = res.pooled[res.pooled["k"] >= 2]
    fig = charts.response_forest(res.rows, diamonds, LABELS)
    drawn = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "diamond-wide"]
    assert len(drawn) == len(diamonds) > 0
    assert all(str(t.customdata[0][0]).startswith("pooled:") for t in drawn)
    # and none when none are given: the engine does not decide what is pooled
    fig = charts.response_forest(res.rows, diamonds.iloc[0:0], LABELS)
    assert not [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "diamond-wide"]


def test_user_rows_are_stars_with_a_legend_entry(ctx):
    rows = figures.cart_crs(ctx).rows.copy()
    rows["user_data"] = [True] + [False] * (len(rows) - 1)
    fig = forest.forest(rows, LABELS, facet="scope")
    symbols = [s for t in fig.data if t.customdata is not None for s in t.marker.symbol]
    assert symbols.count("star") == 1
    assert pd.Series(symbols).ne("star").sum() == len(rows) - 1
