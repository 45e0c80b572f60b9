"""celltx's pooling against R metafor 3.8 (tests/fixtures/metafor/reference.json, made by
make_reference.R from the committed inputs), to 1e-6 on the logit scale: estimate, SE, CI, tau^2,
I^2, Q with df and P, the prediction interval, leave-one-out and the subgroup test."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from celltx import load, stats
from tests.fixtures.metafor import export_inputs

HERE = Path(__file__).parents[1] / "fixtures" / "metafor"
REF = json.loads((HERE / "reference.json").read_text(encoding="utf-8"))
TOL = 1e-6
SETS = [(source, s) for source in ("curated", "synthetic") for s in REF[source]["sets"]]


def ids(params):
    return [f"{source}:{s['set']}" for source, s in params]


def values(p: stats.Pooled) -> dict[str, float]:
    """Our numbers under metafor's names (rma object and predict())."""
    return {
        "estimate": p.estimate,
        "se": p.se,
        "ci_lb": p.ci_low,
        "ci_ub": p.ci_high,
        "tau2": p.tau2,
        "I2": p.i2_pct,
        "QE": p.q,
        "QEp": p.q_p,
        "df": p.q_df,
        "pi_lb": p.pi_low,
        "pi_ub": p.pi_high,
    }


def mismatches(ours: dict[str, float], ref: dict, tol: float = TOL) -> list[str]:
    """Every value that differs from metafor's by more than tol (NaN on both sides agrees)."""
    bad = []
    for key, got in ours.items():
        want = float(ref[key])
        if not (math.isnan(got) and math.isnan(want)) and not abs(got - want) <= tol:
            bad.append(f"{key}: celltx {got!r}, metafor {want!r}")
    return bad


def test_the_comparison_catches_a_wrong_value():
    _, ref = next((src, s) for src, s in SETS if s["set"] == "k10")
    ours = values(stats.pool_logit(ref["events"], ref["n"]))
    assert mismatches(ours, ref) == []
    for key in ours:
        assert mismatches({**ours, key: ours[key] + 2 * TOL}, ref) == [
            f"{key}: celltx {ours[key] + 2 * TOL!r}, metafor {float(ref[key])!r}"
        ]
    assert mismatches({**ours, "tau2": math.nan}, ref)


def test_the_fixture_covers_what_the_issue_asks():
    synthetic = {s["set"]: s for s in REF["synthetic"]["sets"]}
    assert {s["k"] for s in synthetic.values()} >= {1, 2, 3, 10}
    assert any(0 in s["events"] for s in synthetic.values())
    assert any(e == n for s in synthetic.values() for e, n in zip(s["events"], s["n"], strict=True))
    assert synthetic["tau2-zero"]["tau2"] == 0 and synthetic["tau2-zero"]["QE"] < synthetic["tau2-zero"]["df"]
    assert synthetic["k3"]["tau2"] > 0 and "leave1out" in synthetic["k10"]
    assert REF["curated"]["subgroup_tests"] and REF["synthetic"]["subgroup_tests"]
    assert REF["metafor_version"].startswith("3.")


@pytest.mark.parametrize("source,ref", SETS, ids=ids(SETS))
def test_study_logits_and_continuity_correction_match_escalc(source, ref):
    for x, n, yi, vi in zip(ref["events"], ref["n"], ref["yi"], ref["vi"], strict=True):
        y, v, corrected = stats.logit_effect(x, n)
        assert abs(y - yi) <= TOL and abs(v - vi) <= TOL, (x, n)
        assert corrected == (x in (0, n))


POOLED = [(src, s) for src, s in SETS if s["k"] >= stats.MIN_POOL]


@pytest.mark.parametrize("source,ref", POOLED, ids=ids(POOLED))
def test_pooled_estimate_heterogeneity_and_prediction_match_metafor(source, ref):
    p = stats.pool_logit(ref["events"], ref["n"])
    assert mismatches(values(p), ref) == []
    assert p.k == ref["k"]
    if ref["k"] >= stats.MIN_PREDICTION:
        assert p.pi_low_pct == pytest.approx(expit(ref["pi_lb"]) * 100, abs=1e-9)
        assert p.pi_high_pct == pytest.approx(expit(ref["pi_ub"]) * 100, abs=1e-9)
    else:  # metafor gives one; celltx says there are too few studies
        assert math.isnan(p.pi_low_pct) and math.isnan(p.pi_high_pct)


SINGLE = [(src, s) for src, s in SETS if s["k"] == 1]


@pytest.mark.parametrize("source,ref", SINGLE, ids=ids(SINGLE))
def test_a_single_study_is_shown_as_itself_not_pooled(source, ref):
    """metafor fits k = 1 as the study itself (tau^2 = 0, Q = 0 on 0 df); celltx does not call
    that a pooled estimate, and the study's own logit and SE are metafor's estimate and SE."""
    with pytest.raises(ValueError, match="at least 2 studies"):
        stats.pool_logit(ref["events"], ref["n"])
    y, v, _ = stats.logit_effect(ref["events"][0], ref["n"][0])
    assert abs(y - ref["estimate"]) <= TOL and abs(math.sqrt(v) - ref["se"]) <= TOL
    assert ref["tau2"] == 0 and ref["QE"] == 0 and ref["df"] == 0


LOO = [(src, s) for src, s in SETS if s["k"] >= stats.MIN_LEAVE_ONE_OUT]


@pytest.mark.parametrize("source,ref", LOO, ids=ids(LOO))
def test_leave_one_out_matches_leave1out(source, ref):
    ours = stats.leave_one_out(ref["events"], ref["n"])
    loo = ref["leave1out"]
    assert len(ours) == len(loo) == ref["k"]
    for p, row in zip(ours, loo, strict=True):
        got = {k: v for k, v in values(p).items() if k not in ("df", "pi_lb", "pi_ub")}
        assert mismatches(got, row) == [], row["omitted"]
        assert p.k == ref["k"] - 1


def test_leave_one_out_needs_three_studies():
    with pytest.raises(ValueError, match="at least 3"):
        stats.leave_one_out([3, 4], [10, 10])


TESTS = [(source, t) for source in ("curated", "synthetic") for t in REF[source]["subgroup_tests"]]


@pytest.mark.parametrize("source,ref", TESTS, ids=[f"{s}:{t['panel']}" for s, t in TESTS])
def test_subgroup_test_matches_metafor(source, ref):
    by_set = {s["set"]: s for s in REF[source]["sets"]}
    fits = [stats.pool_logit(by_set[name]["events"], by_set[name]["n"]) for name in ref["sets"]]
    q, df, p = stats.subgroup_q([f.estimate for f in fits], [f.se for f in fits])
    assert mismatches({"q_between": q, "df": df, "p": p}, ref) == []


# ---------------------------------------------------------------------------------------------
# The curated groups: the committed inputs are what celltx pools today, and pool() (what the CLI
# and the pages show) gives metafor's numbers for them


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    return load.load_dataset().outcomes()


def test_curated_inputs_are_what_celltx_pools_now():
    committed = pd.read_csv(HERE / "curated_inputs.csv", keep_default_na=False)
    now = export_inputs.curated_inputs()
    assert committed.to_dict("records") == now.to_dict("records"), (
        "the curated data changed: run `.venv/bin/python -m tests.fixtures.metafor.export_inputs` and "
        "`Rscript tests/fixtures/metafor/make_reference.R`, and commit both outputs"
    )


CURATED_POOLED = [s for src, s in POOLED if src == "curated"]


@pytest.mark.parametrize("ref", CURATED_POOLED, ids=[s["set"] for s in CURATED_POOLED])
def test_pool_table_matches_metafor_on_curated_groups(outcomes, ref):
    endpoint, group = ref["set"].split(" :: ")
    table = stats.pool(outcomes, endpoint, by=export_inputs.BY).set_index("group")
    row = table.loc[group]
    assert row["included"].split(";") == ref["record_ids"]
    assert abs(row["estimate_logit"] - ref["estimate"]) <= TOL
    assert abs(row["se_logit"] - ref["se"]) <= TOL
    for col, key in (("pooled_pct", "estimate"), ("ci_low_pct", "ci_lb"), ("ci_high_pct", "ci_ub")):
        assert abs(float(logit(row[col] / 100)) - ref[key]) <= TOL, col
    assert abs(row["tau2"] - ref["tau2"]) <= TOL and abs(row["i2_pct"] - ref["I2"]) <= TOL
    assert abs(row["q"] - ref["QE"]) <= TOL and abs(row["q_p"] - ref["QEp"]) <= TOL
    assert row["q_df"] == ref["df"]
    assert np.isnan(row["pi_low_pct"]) == (ref["k"] < stats.MIN_PREDICTION)


@pytest.mark.parametrize("ref", REF["curated"]["subgroup_tests"], ids=lambda t: t["panel"])
def test_subgroup_tests_table_matches_metafor_on_curated_panels(outcomes, ref):
    endpoint = ref["panel"].split(" :: ")[0]
    table = stats.subgroup_tests(stats.pool(outcomes, endpoint, by=export_inputs.BY), endpoint)
    groups = [s.split(" :: ")[1] for s in ref["sets"]]
    row = table[table["groups"] == ";".join(groups)].iloc[0]
    assert row["k_groups"] == len(groups) and row["df"] == ref["df"]
    assert mismatches({"q_between": row["q_between"], "p": row["p"]}, ref) == []
