"""The disease filter rule (celltx.filters): narrower terms included, broader and mixed cohorts
shown marked, the switch that hides them, pooling that leaves them out, and old URLs."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from celltx import cli, figures, filters, load, stats, vocab

TREE = vocab.DISEASE_TREE


@pytest.fixture(scope="module")
def ds():
    return load.load_dataset(seeds=None)


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["record_id"])


def marked(frame: pd.DataFrame) -> set[str]:
    return set(frame.loc[frame["broader_cohort"], "record_id"])


# ---------------------------------------------------------------------------------------------
# The rule on one record's codes


@pytest.mark.parametrize(
    "codes,chosen,kind",
    [
        (["B-ALL"], ["B-ALL"], "direct"),
        (["B-ALL"], ["ALL"], "direct"),  # descendants included
        (["CLL"], ["lymphoma"], "direct"),
        (["ALCL"], ["NHL"], "direct"),
        (["HL", "ALCL"], ["lymphoma"], "direct"),  # a mixed cohort wholly inside the choice
        (["ALL"], ["B-ALL"], "broader"),  # an ancestor: marked
        (["lymphoid"], ["MM"], "broader"),
        (["ALL", "NHL"], ["B-ALL"], "broader"),
        (["HL", "ALCL"], ["HL"], "broader"),  # a mixed cohort that includes the choice
        (["AML", "ALL"], ["AML"], "broader"),
        (["AML"], ["B-ALL"], "out"),
        (["T-ALL"], ["B-ALL"], "out"),  # a sibling is not broader
        (["MM"], ["lymphoma"], "out"),
        (["mixed"], ["B-ALL"], "out"),  # diseases not stated: never guessed to include B-ALL
        (["mixed"], ["mixed"], "direct"),
    ],
)
def test_disease_match(codes, chosen, kind):
    assert filters.disease_match(codes, chosen).kind == kind


def test_marks_say_why_in_the_legend_and_the_hover():
    m = filters.disease_match(["ALL"], ["B-ALL"])
    assert m.label == "broader cohort: ALL, lineage not stated"
    assert "broader than B-ALL" in m.because and "Not every patient" in m.because
    m = filters.disease_match(["ALL", "NHL"], ["B-ALL"])
    assert m.label == "broader cohort: ALL, lineage not stated" and "also held NHL" in m.because
    m = filters.disease_match(["HL", "ALCL"], ["HL"])
    assert m.label == "mixed cohort: HL/ALCL" and "also held ALCL" in m.because
    assert filters.disease_match(["B-ALL"], ["B-ALL"]).label is None


# ---------------------------------------------------------------------------------------------
# On the curated data


def test_b_all_shows_its_records_and_marks_the_all_cohorts(ds):
    studies = ds.studies()
    rows = filters.apply(studies, filters.Filters(disease=("B-ALL",)))
    coded = studies[studies["disease"] == "B-ALL"]
    assert ids(coded) <= ids(rows) and not (marked(rows) & ids(coded))
    assert {
        "cart-lee-2014",
        "cart-humanized-cd19-ref31",
        "allo-wang-2016-all-table4",
        "allo-chang-2020-table4",
        "allo-all-cr1-ref71",
        "allo-all-mrd-ref77",
    } <= marked(rows)
    assert rows.loc[rows["record_id"] == "cart-lee-2014", "broader_label"].item() == (
        "broader cohort: ALL, lineage not stated"
    )
    assert not set(rows["disease"]) & {"AML", "T-ALL", "mixed", "MM"}


def test_all_includes_b_all_and_t_all_and_lymphoma_includes_nhl_hl_alcl_cll(ds):
    studies = ds.studies()
    rows = filters.apply(studies, filters.Filters(disease=("ALL",)))
    direct = rows[~rows["broader_cohort"]]
    assert set(direct["disease"]) == {"ALL", "B-ALL", "T-ALL"}
    rows = filters.apply(studies, filters.Filters(disease=("lymphoma",)))
    codes = {c for cell in rows.loc[~rows["broader_cohort"], "disease"] for c in cell.split(";")}
    assert {"NHL", "HL", "ALCL", "CLL", "B-NHL", "lymphoma"} <= codes
    assert "cart-lee-2014" in marked(rows)  # ALL/NHL: a mixed cohort that includes NHL


def test_mixed_cohorts_with_and_without_listed_diseases(ds):
    studies = ds.studies()
    aml = filters.apply(studies, filters.Filters(disease=("AML",)))
    # the source names AML and ALL patients in the Choi subsequent study: shown, marked
    assert {"nk-choi-subsequent-ref56-57", "nk-choi2016-table3"} <= marked(aml)
    # 'myeloid malignancy' is coded myeloid: broader than AML
    assert {"nk-phase1-ref58", "nk-lee-table3", "nk-phase1-ref59", "nk-ciurea-table3"} <= marked(aml)
    # no disease named: never shown under a disease, only under 'mixed' itself
    unstated = ids(studies[studies["disease"] == "mixed"])
    assert unstated and not unstated & ids(aml)
    assert ids(filters.apply(studies, filters.Filters(disease=("mixed",)))) == unstated


def test_the_switch_hides_broader_cohorts(ds):
    studies = ds.studies()
    shown = filters.apply(studies, filters.Filters(disease=("B-ALL",)))
    hidden = filters.apply(studies, filters.Filters(disease=("B-ALL",), broader=False))
    assert ids(hidden) == ids(shown) - marked(shown) and not hidden["broader_cohort"].any()
    assert set(hidden["disease"]) == {"B-ALL"}


def test_no_disease_chosen_marks_nothing(ds):
    rows = filters.apply(ds.outcomes(), filters.Filters())
    assert len(rows) == len(ds.outcomes()) and not rows["broader_cohort"].any()
    assert set(filters.MARK_COLUMNS) <= set(rows.columns)


def test_widget_counts_follow_the_same_rule(ds):
    studies = ds.studies()
    counts = filters.disease_counts(studies)
    for term in ("B-ALL", "ALL", "lymphoma", "AML", "mixed", "lymphoid"):
        rows = filters.apply(studies, filters.Filters(disease=(term,)))
        assert counts[term] == (int((~rows["broader_cohort"]).sum()), int(rows["broader_cohort"].sum()))
    assert counts["ALL"][0] == counts["B-ALL"][0] + counts["T-ALL"][0] + int(
        (studies["disease"] == "ALL").sum()
    )
    label = filters.disease_option_label("B-ALL", counts)
    assert label == f"\u2003\u2003B-ALL ({counts['B-ALL'][0]} + {counts['B-ALL'][1]} broader)"
    assert filters.options(studies)["disease"][:4] == ["lymphoid", "ALL", "B-ALL", "T-ALL"]


def test_rolled_up_counts_never_count_a_study_twice(ds):
    from celltx import figures

    table = figures.disease_rollup(ds.studies()).set_index("term")
    one = load.one_per_study(ds.studies())
    assert table.loc["ALL", "studies"] >= table.loc["B-ALL", "studies"] + table.loc["T-ALL", "studies"]
    # lymphoid counts each study once, though cart-lee-2014 is coded ALL and NHL
    lymphoid = one[[any(c in TREE.descendants("lymphoid") for c in d.split(";")) for d in one["disease"]]]
    assert table.loc["lymphoid", "studies"] == len(lymphoid)
    assert table.loc["mixed", "studies"] == int((one["disease"] == "mixed").sum())


# ---------------------------------------------------------------------------------------------
# Pooling and the URL


def test_pooling_leaves_broader_cohorts_out_with_the_reason_unless_asked(ds):
    rows = filters.apply(ds.outcomes(), filters.Filters(disease=("B-ALL",)))
    rows = rows[rows["modality"] == "CAR-T"]
    table = figures.with_broader_included(stats.pool(rows, "CR/CRi", by="target_group"), rows)
    cd19 = table[table["group"] == "CD19"].iloc[0]
    assert "cart-lee-2014" not in cd19["included"].split(";")
    assert "cart-lee-2014: broader cohort: ALL, lineage not stated, not pooled" in cd19["excluded_reasons"]
    assert cd19["broader_included"] == ""
    both = figures.with_broader_included(
        stats.pool(rows, "CR/CRi", by="target_group", pool_broader=True), rows
    )
    cd19 = both[both["group"] == "CD19"].iloc[0]
    assert "cart-lee-2014" in cd19["included"].split(";") and cd19["broader_included"] == "cart-lee-2014"


def test_urls_written_before_the_hierarchy_still_open_the_same_choice():
    opts = {"disease": list(TREE.ids), "modality": ["CAR-T"], "target": ["CD19"]}
    f = filters.from_params({"disease": "B-ALL", "modality": "CAR-T"}, opts, (2010, 2020))
    assert f.disease == ("B-ALL",) and f.modality == ("CAR-T",) and f.broader and not f.pool_broader
    f2 = filters.Filters(
        disease=("B-ALL", "AML"),
        years=(2010, 2020),
        full_years=(2010, 2020),
        broader=False,
        pool_broader=True,
    )
    params = f2.to_params()
    assert params == {"disease": "B-ALL,AML", "broader": "hide", "pool_broader": "1"}
    assert filters.from_params(params, opts, (2010, 2020)) == f2
    assert filters.Filters(disease=("B-ALL",)).to_params() == {"disease": "B-ALL"}


def test_describe_and_slug_say_whether_broader_cohorts_are_in():
    assert filters.Filters(disease=("B-ALL",)).describe() == "B-ALL (+ broader cohorts, marked)"
    assert filters.Filters(disease=("B-ALL",), broader=False).describe() == "B-ALL (broader cohorts hidden)"
    assert filters.Filters(disease=("B-ALL",), broader=False).slug() == "B-ALL_narrow"


# ---------------------------------------------------------------------------------------------
# The command line uses the same rule


def test_cli_export_and_pool_take_disease_with_the_same_semantics(ds, capsys):
    assert cli.main(["export", "studies", "--disease", "B-ALL"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(out.columns[-2:]) == ["broader_cohort", "shown_because"]
    expected = filters.apply(ds.studies(), filters.Filters(disease=("B-ALL",)))
    assert set(out["record_id"]) == ids(expected)
    assert set(out.loc[out["broader_cohort"], "record_id"]) == marked(expected)
    assert cli.main(["export", "outcomes", "--disease", "B-ALL", "--hide-broader"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert not out["broader_cohort"].any() and set(out["disease"]) == {"B-ALL"}
    assert cli.main(["pool", "--endpoint", "CR/CRi", "--disease", "B-ALL", "--reasons"]) == 0
    assert "cart-lee-2014: broader cohort: ALL, lineage not stated" in capsys.readouterr().out


def test_cli_unknown_disease_is_a_clear_error(capsys):
    assert cli.main(["export", "outcomes", "--disease", "B-AL"]) == 2
    err = capsys.readouterr().err
    assert "unknown disease B-AL; known: lymphoid, ALL, B-ALL" in err
