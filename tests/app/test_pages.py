"""Every page runs in AppTest, and changing the disease filter changes what its chart shows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from celltx import figures as recipes
from celltx import filters, linked, load
from tests.app.conftest import figures, markdown_table, n_points, open_page, record_ids

DISEASES = {r.id: set(r.disease) for r in load.load_dataset().parsed.studies}
TARGETS = {r.id: set(r.target) for r in load.load_dataset().parsed.studies}

# page -> a disease that keeps some but not all of the page's points
CASES = {
    "overview": "AML",
    "cart_response": "MM",
    "crs_dose": "MM",
    "survival": "B-ALL",
    "nk": "AML",
    "donor": "MDS",
    "targets": "MM",
}


@pytest.mark.parametrize("page,disease", CASES.items())
def test_page_runs_and_disease_filter_changes_the_chart(page, disease):
    at = open_page(page)
    before = figures(at)
    assert before, f"{page} shows no chart"
    at.multiselect(key="f_disease").set_value([disease]).run()
    assert not at.exception, [e.value for e in at.exception]
    after = figures(at)
    assert n_points(after[0]) < n_points(before[0]), "the filter did not change the first chart"
    for fig in after:
        ids = record_ids(fig)
        # a record of the disease, or a broader or mixed cohort that may include it (issue 9)
        shown = {i for i in ids if filters.disease_match(DISEASES[i], [disease]).kind != "out"}
        assert shown == ids, f"{page}: a record of another disease is shown: {ids - shown}"
    assert at.query_params["disease"] == disease


def test_data_page_filters_table_and_offers_csv():
    at = open_page("data")
    rows_all = len(at.dataframe[0].value)
    at.multiselect(key="f_disease").set_value(["CLL"]).run()
    rows_cll = len(at.dataframe[0].value)
    assert 0 < rows_cll < rows_all
    at.multiselect(key="f_disease").set_value([]).run()
    at.text_input(key="data_search").set_value("bachanova").run()
    found = at.dataframe[0].value
    assert 0 < len(found) < rows_all and found["record_id"].str.contains("bachanova").all()
    disc = at.dataframe[1].value
    assert len(disc) > 0 and disc["discrepancies"].str.len().min() > 0
    assert any(b.label.startswith("Download these values") for b in at.get("download_button"))


def test_cart_response_lists_pooled_and_excluded_studies():
    at = open_page("cart_response")
    pooled = at.dataframe[0].value
    assert {"CD19", "CD22"} <= set(pooled["group"])
    assert (pooled["k"] >= 2).all()
    excluded = at.dataframe[1].value
    assert excluded["excluded_reasons"].str.contains("no n").any()


def test_empty_filter_combination_shows_a_message_not_an_error():
    at = open_page("cart_response")
    at.multiselect(key="f_disease").set_value(["MDS"]).run()
    assert not at.exception
    assert not figures(at)
    assert any("No CAR-T response results match" in i.value for i in at.info)


def test_filters_persist_across_pages_and_come_from_the_url():
    at = open_page("cart_response", params={"disease": "MM,nonsense"})
    assert at.multiselect(key="f_disease").value == ["MM"]
    assert record_ids(figures(at)[0]) <= {i for i, d in DISEASES.items() if "MM" in d}
    at.switch_page("views/crs_dose.py").run()
    assert at.multiselect(key="f_disease").value == ["MM"]
    assert at.query_params["disease"] == "MM"


def test_donor_protocol_filter_changes_the_chart():
    at = open_page("donor")
    before = n_points(figures(at)[0])
    at.button_group(key="donor_protocol").set_value("PT-Cy").run()
    after = figures(at)[0]
    assert n_points(after) < before
    pt_cy = {r.id for r in load.load_dataset().parsed.studies if r.protocol == "PT-Cy"}
    assert record_ids(after) and record_ids(after) <= pt_cy


def test_presentation_mode_changes_the_figure_not_the_data():
    at = open_page("cart_response")
    fig = figures(at)[0]
    at.toggle(key="f_presentation").set_value(True).run()
    big = figures(at)[0]
    assert big["layout"]["font"]["size"] > fig["layout"]["font"]["size"]
    assert big["layout"]["height"] > fig["layout"]["height"]
    assert big["layout"]["width"] / big["layout"]["height"] == pytest.approx(16 / 9, abs=0.01)
    assert record_ids(big) == record_ids(fig)
    assert at.query_params["presentation"] == "1"


@pytest.mark.parametrize("page", [*CASES, "data"])
def test_every_chart_sets_slide_sized_download_options(page):
    at = open_page(page)
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        cfg = json.loads(chart.proto.config)
        opts = cfg["toImageButtonOptions"]
        assert opts["width"] >= 1920 and opts["height"] >= 1080 and opts["scale"] == 2
        assert opts["width"] / opts["height"] == pytest.approx(16 / 9, abs=0.01)
        # a tall forest gets a taller canvas instead of being crushed (which drops row labels)
        assert opts["height"] >= fig["layout"]["height"]
        assert opts["format"] == "png" and opts["filename"].endswith("_all")


def test_target_links_open_the_response_page_with_that_target():
    at = open_page("targets")
    links = [p for p in at.get("page_link")]
    assert links, "no links to clinical results"
    at = open_page("cart_response", params={"target": "CD22"})
    assert at.multiselect(key="f_target").value == ["CD22"]
    assert {r for r in record_ids(figures(at)[0])} <= {i for i, s in TARGETS.items() if "CD22" in s}


def test_pages_never_mutate_the_shared_cached_frames():

    from celltx import ui

    def digest():
        f = ui.frames()
        return [
            int(pd.util.hash_pandas_object(df.astype(str), index=True).sum())
            for df in (f.outcomes, f.studies, f.targets)
        ]

    before = digest()
    for page, disease in CASES.items():
        at = open_page(page)
        at.multiselect(key="f_disease").set_value([disease]).run()
        at.toggle(key="f_presentation").set_value(True).run()
    assert digest() == before


def test_the_overview_tables_are_plain_tables_of_the_recipes_rows():
    # Markdown tables, not st.dataframe grids (the grids slowed the first chart); same numbers
    at = open_page("overview")
    studies = load.load_dataset(seeds=None).studies()
    shown = markdown_table(at, recipes.MODALITY_COLUMNS)
    expected = recipes.modality_counts(studies)
    assert shown.to_dict("list") == expected[list(recipes.MODALITY_COLUMNS)].to_dict("list")
    assert shown["studies"].sum() == len(linked.one_per_study(studies))
    rollup = markdown_table(at, recipes.ROLLUP_COLUMNS)
    assert len(rollup) == len(recipes.disease_rollup(studies)) > 10
    assert rollup["label"].str.startswith("\u2003").sum() > 5  # narrower terms stay indented
    assert not at.dataframe  # no grid on the Overview
