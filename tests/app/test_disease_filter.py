"""Issue 9 in the app: the disease widget shows the tree with counts, B-ALL shows the ALL cohorts
marked and does not pool them, the switch hides them, the Overview rolls the hierarchy up."""

from __future__ import annotations

from celltx import figures as recipes
from celltx import filters, load
from tests.app.conftest import figures, markdown_table, open_page, record_ids, table_with

STUDIES = load.load_dataset(seeds=None).studies()
COUNTS = filters.disease_counts(STUDIES)


def test_widget_lists_the_tree_with_counts_before_choosing():
    at = open_page("overview")
    widget = at.multiselect(key="f_disease")
    labels = list(widget.options)  # as the browser shows them (format_func applied)
    b_all = COUNTS["B-ALL"]
    assert f"\u2003\u2003B-ALL ({b_all[0]} + {b_all[1]} broader)" in labels
    assert f"\u2003ALL ({COUNTS['ALL'][0]} + {COUNTS['ALL'][1]} broader)" in labels
    assert labels.index(f"\u2003ALL ({COUNTS['ALL'][0]} + {COUNTS['ALL'][1]} broader)") < labels.index(
        f"\u2003\u2003B-ALL ({b_all[0]} + {b_all[1]} broader)"
    )


def test_b_all_shows_lee_2014_marked_as_a_broader_cohort_and_not_pooled():
    at = open_page("cart_response", params={"disease": "B-ALL"})
    assert at.multiselect(key="f_disease").value == ["B-ALL"]
    [fig] = figures(at)
    assert "cart-lee-2014" in record_ids(fig)
    # marked: its own marker style, a legend entry naming why, the reason in the hover
    lee = [
        (t, i)
        for t in fig["data"]
        for i, cd in enumerate(t.get("customdata") or [])
        if cd and cd[0] == "cart-lee-2014"
    ]
    assert lee
    for t, i in lee:
        symbol = t["marker"]["symbol"]
        assert (symbol[i] if isinstance(symbol, list) else symbol) == "circle-x-open"
        assert "broader cohort: ALL, lineage not stated" in t["hovertext"][i]
        assert "broader than B-ALL" in t["hovertext"][i]
    legend = [t["name"] for t in fig["data"] if t.get("showlegend") and t.get("hoverinfo") == "skip"]
    assert "broader cohort: ALL, lineage not stated" in legend
    pooled = table_with(at, "included", "i2_pct")
    assert not pooled["included"].str.contains("cart-lee-2014").any()
    excluded = table_with(at, "excluded_reasons")
    lee = excluded[
        excluded["excluded_reasons"].str.contains("cart-lee-2014: broader cohort: ALL, lineage not stated")
    ]
    assert len(lee) and lee["excluded_reasons"].str.contains("not pooled for the chosen disease").all()
    assert any("are not pooled" in c.value for c in at.caption)
    # the switch hides the broader cohorts and goes into the URL
    at.toggle(key="f_broader").set_value(False).run()
    assert "cart-lee-2014" not in record_ids(figures(at)[0])
    assert at.query_params["broader"] == ["hide"] or at.query_params["broader"] == "hide"


def test_pooling_broader_cohorts_is_stated_when_switched_on():
    at = open_page("cart_response", params={"disease": "B-ALL", "pool_broader": "1"})
    assert at.toggle(key="f_pool_broader").value is True
    excluded = table_with(at, "excluded_reasons")
    assert not excluded["excluded_reasons"].str.contains("cart-lee-2014: broader cohort").any()
    assert any("are included in these estimates" in c.value for c in at.caption)


def test_overview_rolls_counts_up_the_hierarchy():
    at = open_page("overview")
    table = markdown_table(at, recipes.ROLLUP_COLUMNS)  # the label is "term: name", indented
    table = table.assign(term=table["label"].str.strip().str.split(":").str[0]).set_index("term")
    assert table.loc["ALL", "studies"] > table.loc["B-ALL", "studies"] + table.loc["T-ALL", "studies"]
    # cart-lee-2014 (ALL/NHL) counts under ALL and under lymphoma, but once under lymphoid
    assert table.loc["lymphoid", "studies"] < sum(table.loc[t, "studies"] for t in ("ALL", "lymphoma", "MM"))
    assert table.loc["ALL", "coded_here"] < table.loc["ALL", "studies"]
