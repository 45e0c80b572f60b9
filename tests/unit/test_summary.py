"""The text alternative of every figure says the numbers of the rows behind that figure.

For each recipe, under several filters, the numbers a reader would check (studies, patients,
ranges, pooled estimates, comparisons) are computed here again from the recipe's own rows with
plain pandas, and must appear in the summary the recipe returned with its figure.
"""

from __future__ import annotations

import pandas as pd
import pytest

from celltx import figures, filters, load, summary, vocab

FILTERS = [(), ("B-ALL",), ("AML",), ("MM",)]


def g(x: float) -> str:
    """A percentage as the chart shows it: one decimal at most."""
    return f"{float(x):.1f}".rstrip("0").rstrip(".")


def exact(x: float) -> str:
    """A dose as printed."""
    return f"{float(x):g}"


@pytest.fixture(scope="module")
def dataset():
    return load.load_dataset()


@pytest.fixture(scope="module", params=FILTERS, ids=lambda d: "-".join(d) or "all")
def ctx(request, dataset):
    f = filters.Filters(disease=request.param, full_years=filters.year_bounds(dataset.studies()))
    return figures.context(dataset, f)


def studies(rows: pd.DataFrame) -> str:
    k = rows["cluster"].nunique()
    return f"{k} study" if k == 1 else f"{k} studies"


def no_n(rows: pd.DataFrame) -> str | None:
    k = int((~rows.groupby("cluster")["n"].apply(lambda s: s.notna().any())).sum())
    if not k:
        return None
    return f"{k} study has no n" if k == 1 else f"{k} studies have no n"


def built(ctx, name: str):
    result = figures.BY_NAME[name].build(ctx)
    if result.figure is None:
        pytest.skip(f"{name}: no rows under these filters")
    assert result.summary, f"{name}: no text summary"
    return result


def check_common(result) -> None:
    text, rows = result.summary, result.rows
    assert text.startswith(result.labels.title)
    if "cluster" in rows:
        assert studies(rows) in text
        missing = no_n(rows)
        assert (missing in text) if missing else ("no n" not in text)


def ranges(rows: pd.DataFrame, text: str) -> None:
    """Each measure's lowest and highest point value is in the summary."""
    for _, grp in rows.groupby(["endpoint", rows["scope"].fillna("")]):
        vals = grp["value_pct"].dropna()
        if len(vals):
            want = f"{g(vals.min())}%" if vals.min() == vals.max() else f"{g(vals.min())}–{g(vals.max())}%"
            assert want in text, f"{grp['endpoint'].iloc[0]}: {want} not in {text!r}"


@pytest.mark.parametrize(
    "name", ["cart_crs_by_target", "neurotoxicity", "cart_relapse_bridge", "nk_results_by_setting"]
)
def test_forest_summaries_give_each_measures_studies_and_range(ctx, name):
    result = built(ctx, name)
    check_common(result)
    ranges(result.rows, result.summary)
    for _, r in result.rows[result.rows["value_pct"].isna()].iterrows():
        if pd.notna(r["value_high_pct"]):
            assert f"{g(r['value_high_pct'])}%" in result.summary


def test_response_summary_gives_pooled_estimates_and_single_studies(ctx):
    result = built(ctx, "cart_response_by_target")
    check_common(result)
    pooled = result.pooled
    for _, p in pooled[(pooled["k"] >= 2) & pooled["pooled_pct"].notna()].iterrows():
        want = (
            f"pooled {round(p['pooled_pct'])}% (95% CI {round(p['ci_low_pct'])}–{round(p['ci_high_pct'])}%, "
            f"{int(p['k'])} studies, {int(p['n_total'])} patients)"
        )
        assert want in result.summary
    for ep in result.rows["endpoint"].unique():
        assert f"{ep}:" in result.summary


def test_dose_summary_names_study_value_and_dose_of_every_point(ctx):
    result = built(ctx, "cart_dose_response_crs")
    check_common(result)
    for _, r in result.rows.iterrows():
        dose = (
            exact(r["dose_low"])
            if r["dose_low"] == r["dose_high"]
            else f"{exact(r['dose_low'])}–{exact(r['dose_high'])}"
        )
        assert f"{r['study']} " in result.summary
        assert f"{g(r['value_pct'])}% at {dose}" in result.summary
    for unit in result.rows["dose_unit"].unique():
        assert f"dose {vocab.DOSE_UNITS[unit]}" in result.summary


def test_survival_summary_gives_each_endpoints_range(ctx):
    result = built(ctx, "cart_survival_landmarks")
    check_common(result)
    for ep, grp in result.rows.groupby("endpoint"):
        vals = grp["value_pct"]
        want = f"{g(vals.min())}%" if vals.min() == vals.max() else f"{g(vals.min())}–{g(vals.max())}%"
        assert f"{ep}: {studies(grp)}" in result.summary and want in result.summary


def test_medians_summary_gives_every_median_or_duration(ctx):
    result = built(ctx, "cart_medians")
    check_common(result)
    for _, r in result.rows.iterrows():
        months = r["median_months"] if pd.notna(r["median_months"]) else r["median_low_months"]
        if pd.isna(months):
            months = r["duration_low_months"]
        assert f"{g(months)}" in result.summary and str(r["study"]) in result.summary


def test_donor_summary_counts_comparisons_per_endpoint(ctx):
    result = built(ctx, "donor_hid_vs_isd")
    check_common(result)
    rows = result.rows
    for ep, grp in rows.groupby("endpoint"):
        pairs = 0
        for _, c in grp.groupby(["cluster", grp["time_months"].fillna(-1)]):
            pairs += c["arm"].str.startswith("HID").any() and c["arm"].str.startswith("ISD").any()
        word = "comparison" if pairs == 1 else "comparisons"
        assert f"{ep} (" in result.summary and f"{pairs} {word}" in result.summary


def test_overview_summary_gives_studies_and_patients(ctx):
    result = built(ctx, "overview_patients_by_disease")
    rows = result.rows
    assert f"{len(rows)} stud" in result.summary
    assert f"{int(rows['n'].sum())} patient" in result.summary


def test_targets_summary_counts_named_pairs_and_pairs_with_results(ctx):
    result = built(ctx, "targets_matrix")
    named = result.rows[result.rows["kind"] == "named"][["disease", "target"]].drop_duplicates()
    with_results = result.targets_summary
    assert f"{len(named)} disease–target pair" in result.summary
    assert f"{len(with_results)} pair" in result.summary
    for _, r in with_results.iterrows():
        assert f"{r['disease']} {r['target']} ({int(r['n_values'])} value" in result.summary


def test_short_cuts_at_a_word():
    text = "CAR-T response rate by target antigen, 12 studies: " + "CD19 pooled 74% " * 30
    cut = summary.short(text, 80)
    assert len(cut) <= 80 and cut.endswith("…") and " ".join(cut[:-1].split()) == cut[:-1].strip()
    assert summary.short("short", 80) == "short"
