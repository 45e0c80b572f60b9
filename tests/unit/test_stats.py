"""Statistics checked against reference values and the published formulas, not only statsmodels."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from celltx import stats


def dl_reference(events, ns):
    """DerSimonian & Laird (1986) on the logit scale, written out from the published formulas."""
    y, v = [], []
    for x, n in zip(events, ns, strict=True):
        if x in (0, n):
            x, n = x + 0.5, n + 1
        y.append(math.log(x / (n - x)))
        v.append(1 / x + 1 / (n - x))
    y, v = np.array(y), np.array(v)
    w = 1 / v
    fe = (w * y).sum() / w.sum()
    q = (w * (y - fe) ** 2).sum()
    df = len(y) - 1
    tau2 = max(0.0, (q - df) / (w.sum() - (w**2).sum() / w.sum()))
    wr = 1 / (v + tau2)
    mu = (wr * y).sum() / wr.sum()
    se = math.sqrt(1 / wr.sum())
    expit = lambda t: 100 / (1 + math.exp(-t))  # noqa: E731
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return expit(mu), expit(mu - 1.959964 * se), expit(mu + 1.959964 * se), tau2, i2


@pytest.mark.parametrize("x,n", [(11, 15), (0, 10), (10, 10), (1, 3), (27, 30)])
def test_clopper_pearson_matches_beta_quantiles(x, n):
    low, high = stats.clopper_pearson(x, n)
    ref_low = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1) * 100
    ref_high = 100.0 if x == n else beta.ppf(0.975, x + 1, n - x) * 100
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)


def test_clopper_pearson_known_value():
    # 11/15: published exact interval 44.9% to 92.2%
    low, high = stats.clopper_pearson(11, 15)
    assert (round(low, 1), round(high, 1)) == (44.9, 92.2)


@pytest.mark.parametrize("x,n", [(-1, 5), (6, 5), (0, 0)])
def test_clopper_pearson_rejects_impossible_counts(x, n):
    with pytest.raises(ValueError):
        stats.clopper_pearson(x, n)


def test_homogeneous_studies_truncate_tau2_at_zero():
    # 11/15 and 24/34: Q < df, so DL's tau^2 is negative before truncation.
    res = stats.pool_logit([11, 24], [15, 34])
    assert res.tau2 == 0.0
    assert res.i2_pct == 0.0
    # hand-computed: fixed-effect logit mean 0.9155, SE 0.3164
    assert round(res.pooled_pct, 1) == 71.4
    assert round(res.ci_low_pct, 1) == 57.3
    assert round(res.ci_high_pct, 1) == 82.3


@pytest.mark.parametrize(
    "events,ns",
    [
        ([27, 14, 12, 3], [30, 21, 21, 9]),  # heterogeneous
        ([11, 24], [15, 34]),  # homogeneous
        ([7, 7, 4], [7, 7, 5]),  # two 100% studies: continuity correction
        ([0, 5, 2], [10, 19, 6]),  # one 0% study
    ],
)
def test_pool_matches_published_formulas(events, ns):
    res = stats.pool_logit(events, ns)
    ref = dl_reference(events, ns)
    got = (res.pooled_pct, res.ci_low_pct, res.ci_high_pct, res.tau2, res.i2_pct)
    assert got == pytest.approx(ref, rel=1e-5, abs=1e-7)


def test_heterogeneous_studies_have_positive_tau2():
    res = stats.pool_logit([27, 3, 14], [30, 30, 21])
    assert res.tau2 > 0 and res.i2_pct > 50
    # a random-effects CI is wider than the fixed-effect one
    fe = stats.pool_logit([27, 27, 27], [30, 30, 30])
    assert (res.ci_high_pct - res.ci_low_pct) > (fe.ci_high_pct - fe.ci_low_pct)


def test_continuity_correction_only_at_zero_and_hundred_percent():
    assert stats.logit_effect(7, 7) == pytest.approx((math.log(7.5 / 0.5), 1 / 7.5 + 1 / 0.5, True))
    assert stats.logit_effect(0, 10)[2] is True
    y, v, corrected = stats.logit_effect(3, 10)
    assert not corrected and y == pytest.approx(math.log(3 / 7)) and v == pytest.approx(1 / 3 + 1 / 7)


def test_all_hundred_percent_studies_pool_below_hundred_with_finite_ci():
    res = stats.pool_logit([7, 7], [7, 7])
    assert 80 < res.pooled_pct < 100 and math.isfinite(res.ci_low_pct)


def test_pool_needs_two_studies():
    with pytest.raises(ValueError):
        stats.pool_logit([3], [10])


def _frame(rows):
    base = {
        "arm": "all",
        "modality": "CAR-T",
        "family": "response",
        "scope": None,
        "time_months": None,
        "events_note": None,
        "events_derived": False,
        "location_kind": "Table 1",
        "target_group": "CD19",
    }
    out = pd.DataFrame([{**base, **r} for r in rows])
    out["cluster"] = out.get("cluster", out["record_id"])
    return out


def test_pool_by_group_lists_exclusions_and_never_counts_a_study_twice():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CR", "n": 30, "events": 27},
            {"record_id": "b", "endpoint": "CR", "n": 21, "events": 12},
            {
                "record_id": "b-text",
                "endpoint": "CR",
                "n": 21,
                "events": 12,
                "cluster": "b",
                "location_kind": "text",
            },
            {"record_id": "c", "endpoint": "CR", "n": None, "events": None},
            {"record_id": "d", "endpoint": "CR", "n": 15, "events": 11, "arm": "dose >= 1e6/kg"},
            {"record_id": "e", "endpoint": "CR", "n": 5, "events": 4, "target_group": "CD7"},
        ]
    )
    df.loc[df.record_id == "b", "cluster"] = "b"
    table = stats.pool(df, "CR", by="target_group")
    cd19 = table.set_index("group").loc["CD19"]
    assert cd19["k"] == 2 and cd19["included"] == "a;b"
    assert set(cd19["excluded"].split(";")) == {"b-text", "c", "d"}
    assert "same study as b" in cd19["excluded_reasons"]
    assert "no n" in cd19["excluded_reasons"]
    assert cd19["n_total"] == 51 and cd19["events_total"] == 39
    ref = dl_reference([27, 12], [30, 21])
    assert cd19["pooled_pct"] == pytest.approx(ref[0])
    cd7 = table.set_index("group").loc["CD7"]
    assert cd7["k"] == 1 and math.isnan(cd7["pooled_pct"])


def test_pool_keeps_scopes_apart():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CRS", "n": 30, "events": 8, "scope": "severe"},
            {"record_id": "b", "endpoint": "CRS", "n": 21, "events": 16, "scope": "any"},
            {"record_id": "c", "endpoint": "CRS", "n": 34, "events": 31, "scope": "any"},
        ]
    )
    table = stats.pool(df, "CRS", by="target_group")
    assert list(table["group"]) == ["CD19 | scope any", "CD19 | scope severe"]
    assert list(table["k"]) == [2, 1]


@pytest.mark.parametrize("x,n", [(11, 15), (0, 10), (10, 10), (1, 3), (27, 30), (55, 101)])
def test_clopper_pearson_agrees_with_statsmodels(x, n):
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(x, n, method="beta")
    ours = stats.clopper_pearson(x, n)
    assert ours == pytest.approx((0.0 if x == 0 else low * 100, 100.0 if x == n else high * 100), abs=1e-9)


def test_pool_table_adds_heterogeneity_and_prediction_columns():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CR", "n": 30, "events": 27},
            {"record_id": "b", "endpoint": "CR", "n": 21, "events": 14},
            {"record_id": "c", "endpoint": "CR", "n": 9, "events": 3},
            {"record_id": "d", "endpoint": "CR", "n": 5, "events": 4, "target_group": "CD7"},
            {"record_id": "e", "endpoint": "CR", "n": 7, "events": 2, "target_group": "CD7"},
        ]
    )
    table = stats.pool(df, "CR", by="target_group").set_index("group")
    ref = stats.pool_logit([27, 14, 3], [30, 21, 9])
    cd19 = table.loc["CD19"]
    assert cd19["q"] == pytest.approx(ref.q) and cd19["q_df"] == 2 and cd19["q_p"] == pytest.approx(ref.q_p)
    assert cd19["pi_low_pct"] < cd19["ci_low_pct"] < cd19["ci_high_pct"] < cd19["pi_high_pct"]
    cd7 = table.loc["CD7"]  # two studies: Q is defined, a prediction interval is not
    assert cd7["q_df"] == 1 and math.isnan(cd7["pi_low_pct"]) and math.isnan(cd7["pi_high_pct"])


def test_curated_and_uploaded_studies_are_never_pooled_together():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CR", "n": 30, "events": 27},
            {"record_id": "b", "endpoint": "CR", "n": 21, "events": 12},
            {"record_id": "mine-1", "endpoint": "CR", "n": 20, "events": 5, "user_data": True},
            {"record_id": "mine-2", "endpoint": "CR", "n": 25, "events": 9, "user_data": True},
        ]
    )
    df["user_data"] = df["user_data"].fillna(False).astype(bool)
    curated = stats.pool(df, "CR", by="target_group").set_index("group").loc["CD19"]
    assert curated["included"] == "a;b" and "mine-1: user data" in curated["excluded_reasons"]
    mine = stats.pool(df, "CR", by="target_group", user=True).set_index("group").loc["CD19"]
    assert mine["included"] == "mine-1;mine-2" and mine["excluded"] == ""
    assert mine["pooled_pct"] == pytest.approx(stats.pool_logit([5, 9], [20, 25]).pooled_pct)
    # no uploaded rows: nothing of the user's to pool
    assert stats.pool(df[~df["user_data"]], "CR", user=True).empty


def test_subgroup_tests_compare_groups_of_one_scope_only():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CRS", "n": 30, "events": 20, "scope": "any"},
            {"record_id": "b", "endpoint": "CRS", "n": 21, "events": 16, "scope": "any"},
            {
                "record_id": "c",
                "endpoint": "CRS",
                "n": 34,
                "events": 10,
                "scope": "any",
                "target_group": "CD22",
            },
            {
                "record_id": "d",
                "endpoint": "CRS",
                "n": 20,
                "events": 4,
                "scope": "any",
                "target_group": "CD22",
            },
            {"record_id": "e", "endpoint": "CRS", "n": 30, "events": 3, "scope": "severe"},
            {"record_id": "f", "endpoint": "CRS", "n": 30, "events": 5, "scope": "severe"},
        ]
    )
    pooled = stats.pool(df, "CRS", by="target_group")
    tests = stats.subgroup_tests(pooled, "CRS").set_index("stratum")
    anyg = tests.loc["scope any"]
    assert anyg["groups"] == "CD19 | scope any;CD22 | scope any" and anyg["k_groups"] == 2
    rows = pooled.set_index("group")
    q, df_, p = stats.subgroup_q(
        rows.loc[["CD19 | scope any", "CD22 | scope any"], "estimate_logit"],
        rows.loc[["CD19 | scope any", "CD22 | scope any"], "se_logit"],
    )
    assert anyg["q_between"] == pytest.approx(q) and anyg["df"] == df_ == 1 and anyg["p"] == pytest.approx(p)
    severe = tests.loc["scope severe"]  # one pooled group: nothing to compare it with
    assert severe["k_groups"] == 1 and math.isnan(severe["q_between"]) and pd.isna(severe["df"])


def test_subgroup_q_by_hand():
    # two estimates 0 and 1 with SE 0.5: weights 4 and 4, mean 0.5, Q = 4 * 0.25 * 2 = 2
    q, df_, p = stats.subgroup_q([0.0, 1.0], [0.5, 0.5])
    assert q == pytest.approx(2.0) and df_ == 1 and p == pytest.approx(0.1572992, abs=1e-7)
    with pytest.raises(ValueError):
        stats.subgroup_q([0.0], [0.5])


def test_leave_one_out_table_rows_per_omitted_study():
    df = _frame(
        [
            {"record_id": "a", "endpoint": "CR", "n": 30, "events": 27},
            {"record_id": "b", "endpoint": "CR", "n": 21, "events": 14},
            {"record_id": "c", "endpoint": "CR", "n": 9, "events": 3},
            {"record_id": "d", "endpoint": "CR", "n": 5, "events": 4, "target_group": "CD7"},
            {"record_id": "e", "endpoint": "CR", "n": 7, "events": 2, "target_group": "CD7"},
        ]
    )
    loo = stats.leave_one_out_table(df, "CR", by="target_group")
    assert list(loo.columns) == stats.LEAVE_ONE_OUT_COLUMNS
    assert list(loo["group"]) == ["CD19"] * 3 and list(loo["omitted"]) == ["a", "b", "c"]
    without_a = stats.pool_logit([14, 3], [21, 9])
    row = loo.iloc[0]
    assert row["k"] == 2 and row["pooled_pct"] == pytest.approx(without_a.pooled_pct)
    assert row["i2_pct"] == pytest.approx(without_a.i2_pct) and row["tau2"] == pytest.approx(without_a.tau2)
