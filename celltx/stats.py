"""Exact confidence intervals, random-effects pooled proportions and their heterogeneity, checked
against R metafor.

Pooling is DerSimonian & Laird (1986) on the logit scale, exactly as metafor 3.8's
``rma(measure="PLO", method="DL")`` computes it; ``tests/fixtures/metafor/`` holds metafor's own
numbers and the R script that made them, and the unit tests compare to them to 1e-6 on the logit
scale. What comes from where:

* per-study logit and variance, continuity correction: metafor's ``escalc(measure="PLO")`` default
  (``add=1/2, to="only0"``): a study at 0% or 100% (one empty cell) gets 1/2 added to both cells,
  logit((x + 0.5) / (n + 1)) with variance 1/(x + 0.5) + 1/(n - x + 0.5); no other study is touched.
* fixed- and random-effects means, Cochran's Q with its df and P: statsmodels' ``combine_effects``
  and ``test_homogeneity`` (chi-squared on k - 1 df). statsmodels 0.15 does not truncate a negative
  DL tau^2 at zero, which gives a random-effects variance that is too small (or undefined); the
  standard truncation (DerSimonian & Laird 1986; metafor) is applied here: tau^2 = max(0, tau^2),
  and with tau^2 = 0 the random-effects estimate is the fixed-effect one.
* I^2 = max(0, (Q - df) / Q) (Higgins & Thompson 2002), which for DL equals metafor's
  tau^2 / (tau^2 + s^2).
* the 95% prediction interval, the test for subgroup differences and leave-one-out are not in
  statsmodels or scipy; they are written out below, each with its reference.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import betaincinv, expit, logit, ndtri

from celltx import linked

CONTINUITY = 0.5
MIN_POOL = 2  # a pooled estimate needs at least two studies (stats, the recipe and its page read it)
MIN_PREDICTION = 3  # a prediction interval needs at least three (see Pooled.pi_low_pct)
MIN_SUBGROUPS = 2  # a test for subgroup differences compares at least two pooled groups
MIN_LEAVE_ONE_OUT = 3  # leaving one out of two would leave a single study, not a pooled estimate

POOL_COLUMNS = [
    "group",
    "k",
    "included",
    "excluded",
    "events_total",
    "n_total",
    "pooled_pct",
    "ci_low_pct",
    "ci_high_pct",
    "tau2",
    "i2_pct",
    "q",
    "q_df",
    "q_p",
    "pi_low_pct",
    "pi_high_pct",
]
# The methods in two sentences, for every page that pools (docs/methods.md has them in full).
METHODS_SUMMARY = (
    "Pooled estimates are DerSimonian-Laird random effects on the logit scale (1/2 added to both "
    "cells of a study at 0% or 100%), with Cochran's Q and its P, I², τ² and, from 3 studies on, a "
    "95% prediction interval for a new study, all checked against R metafor. With few studies τ², "
    "I² and the tests are very uncertain and the prediction interval is optimistic, so read a "
    "pooled value as a summary of these studies (details: docs/methods.md)."
)
# columns pool() adds for callers in the library (not part of the CSV contract)
POOL_EXTRA = ["excluded_reasons", "stratum", "estimate_logit", "se_logit"]
LEAVE_ONE_OUT_COLUMNS = ["group", "omitted", "k", "pooled_pct", "ci_low_pct", "ci_high_pct", "tau2", "i2_pct"]
SUBGROUP_COLUMNS = ["endpoint", "groups", "k_groups", "q_between", "df", "p"]


def clopper_pearson(events: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided CI for events/n, in percent."""
    if n is None or n <= 0 or events is None or not 0 <= events <= n:
        raise ValueError(f"need 0 <= events <= n and n > 0, got events={events}, n={n}")
    low, high = clopper_pearson_arrays(np.array([events]), np.array([n]), alpha)
    return float(low[0]), float(high[0])


def clopper_pearson_arrays(
    events: np.ndarray, n: np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson bounds (percent) for arrays of counts: the beta quantiles
    B(alpha/2; x, n-x+1) and B(1-alpha/2; x+1, n-x), via scipy's inverse regularised incomplete
    beta (what statsmodels' proportion_confint(method='beta') evaluates), 0 and 100 at the edges.
    One vectorised call, and no statsmodels import, for every value at load time."""
    x = np.asarray(events, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, betaincinv(x, m - x + 1, alpha / 2), 0.0)
        high = np.where(x < m, betaincinv(x + 1, m - x, 1 - alpha / 2), 1.0)
    return low * 100, high * 100


def logit_effect(events: int, n: int) -> tuple[float, float, bool]:
    """Logit of the proportion, its variance, and whether it was corrected.

    As metafor's ``escalc(measure="PLO")`` with its defaults ``add=1/2, to="only0"``: only a study
    with an empty cell (0% or 100%) gets 1/2 added to both cells (events and non-events)."""
    if events in (0, n):
        x, m = events + CONTINUITY, n + 2 * CONTINUITY
        return float(logit(x / m)), 1 / x + 1 / (m - x), True
    return float(logit(events / n)), 1 / events + 1 / (n - events), False


def _percent(t: float) -> float:
    return float(expit(t) * 100) if math.isfinite(t) else math.nan


@dataclass(frozen=True)
class Pooled:
    """A DerSimonian-Laird random-effects estimate on the logit scale and its heterogeneity.

    ``estimate`` and ``se`` are on the logit scale (what the metafor fixture is compared on); the
    ``*_pct`` properties back-transform to percent."""

    k: int
    estimate: float
    se: float
    tau2: float
    q: float
    q_df: int
    q_p: float
    i2_pct: float
    alpha: float = 0.05
    z: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "z", float(ndtri(1 - self.alpha / 2)))

    @property
    def ci_low(self) -> float:
        return self.estimate - self.z * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + self.z * self.se

    @property
    def pi_low(self) -> float:
        """Lower bound of the prediction interval on the logit scale, for any k (see pi_low_pct)."""
        return self.estimate - self.z * math.sqrt(self.se**2 + self.tau2)

    @property
    def pi_high(self) -> float:
        return self.estimate + self.z * math.sqrt(self.se**2 + self.tau2)

    @property
    def pooled_pct(self) -> float:
        return _percent(self.estimate)

    @property
    def ci_low_pct(self) -> float:
        return _percent(self.ci_low)

    @property
    def ci_high_pct(self) -> float:
        return _percent(self.ci_high)

    @property
    def has_prediction(self) -> bool:
        return self.k >= MIN_PREDICTION

    @property
    def pi_low_pct(self) -> float:
        """95% prediction interval (percent): where the true proportion of a new, similar study
        would lie. mu +/- z_(1-alpha/2) * sqrt(SE(mu)^2 + tau^2), the interval of Higgins, Thompson
        & Spiegelhalter (2009, J R Stat Soc A 172:137) with the normal quantile, which is what
        metafor 3.8's ``predict()`` returns for an ``rma`` fit with its default ``test="z"``
        (Higgins et al. and metafor's ``pi.type="Riley"`` use t on k - 2 df, which is wider with
        few studies). NaN below MIN_PREDICTION studies: with two, tau^2 rests on one degree of
        freedom and the interval says nothing (t on k - 2 df is not even defined)."""
        return _percent(self.pi_low) if self.has_prediction else math.nan

    @property
    def pi_high_pct(self) -> float:
        return _percent(self.pi_high) if self.has_prediction else math.nan


def pool_logit(
    events: Sequence[int] | np.ndarray, ns: Sequence[int] | np.ndarray, alpha: float = 0.05
) -> Pooled:
    """DerSimonian-Laird random-effects pooled proportion on the logit scale, with Cochran's Q
    (df, P), I^2 and tau^2, from statsmodels' ``combine_effects`` (tau^2 truncated at zero).

    DerSimonian R, Laird N (1986) Control Clin Trials 7:177; Cochran WG (1954) Biometrics 10:101;
    Higgins JPT, Thompson SG (2002) Stat Med 21:1539."""
    if len(events) != len(ns) or len(events) < MIN_POOL:
        raise ValueError(f"pooling needs at least {MIN_POOL} studies with events and n")
    eff, var = zip(*(logit_effect(int(e), int(n))[:2] for e, n in zip(events, ns, strict=True)), strict=True)
    return _combine(np.asarray(eff), np.asarray(var), alpha)


def _combine(eff: np.ndarray, var: np.ndarray, alpha: float = 0.05) -> Pooled:
    from statsmodels.stats.meta_analysis import combine_effects  # heavy: only pooling needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = combine_effects(eff, var, method_re="dl", use_t=False, alpha=alpha)
    hom = res.test_homogeneity()
    q, df = float(hom.statistic), int(hom.df)
    if res.tau2 > 0:
        tau2, mean, se = float(res.tau2), float(res.mean_effect_re), float(res.sd_eff_w_re)
    else:  # truncation at zero: random effects reduce to fixed effect
        tau2, mean, se = 0.0, float(res.mean_effect_fe), float(res.sd_eff_w_fe)
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return Pooled(len(eff), mean, se, tau2, q, df, float(hom.pvalue), i2, alpha)


def subgroup_q(estimates: Sequence[float], ses: Sequence[float]) -> tuple[float, int, float]:
    """Test for subgroup differences, random-effects model, as R ``meta`` reports it
    (``test.subgroup``, separate tau^2 per subgroup): Cochran's Q between the subgroups' pooled
    logits, each weighted by 1 / SE^2, on (groups - 1) df; returns (Q, df, P).

    This is the heterogeneity Q of a fixed-effect meta-analysis of the subgroup estimates
    (Borenstein, Hedges, Higgins & Rothstein 2009, Introduction to Meta-Analysis, ch. 19;
    Schwarzer, Carpenter & Ruecker 2015, Meta-Analysis with R, sec. 3.3), so statsmodels'
    ``combine_effects`` computes it."""
    if len(estimates) != len(ses) or len(estimates) < MIN_SUBGROUPS:
        raise ValueError("a subgroup test needs at least two subgroups with a pooled estimate")
    res = _combine(np.asarray(estimates, dtype=float), np.asarray(ses, dtype=float) ** 2)
    return res.q, res.q_df, res.q_p


def leave_one_out(events: Sequence[int], ns: Sequence[int], alpha: float = 0.05) -> list[Pooled]:
    """The pooled estimate without each study in turn (position i omits study i), as metafor's
    ``leave1out()``: each is a full DL refit on the k - 1 others (Viechtbauer & Cheung 2010,
    Res Synth Methods 1:112). Needs MIN_LEAVE_ONE_OUT studies so each refit still pools."""
    if len(events) != len(ns) or len(events) < MIN_LEAVE_ONE_OUT:
        raise ValueError(f"leave-one-out needs at least {MIN_LEAVE_ONE_OUT} studies")
    keep = np.ones(len(events), dtype=bool)
    out = []
    for i in range(len(events)):
        keep[:] = True
        keep[i] = False
        out.append(pool_logit(np.asarray(events)[keep], np.asarray(ns)[keep], alpha))
    return out


# ---------------------------------------------------------------------------------------------
# Pooling a frame of outcome rows: which rows form which group (one place decides), then the
# statistics above per group


def _group_label(row: pd.Series, keys: Sequence[str]) -> str:
    parts = []
    for k in keys:
        v = row[k]
        if k == "time_months":
            parts.append(f"{v:g} months" if v != "" else "no landmark")
        elif k == "scope":
            parts.append(f"scope {v}" if v != "" else "scope not stated")
        else:
            parts.append(str(v) if v not in (None, "") else "unspecified")
    return " | ".join(parts)


@dataclass(frozen=True)
class Group:
    """One subgroup of an endpoint: the studies it pools and why every other record is left out.

    ``stratum`` is the label without the grouping column: groups of one stratum measure the same
    thing (modality, scope, landmark) and may be compared by the subgroup test; others may not."""

    label: str
    stratum: str
    record_ids: tuple[str, ...]
    events: tuple[int, ...]
    ns: tuple[int, ...]
    reasons: dict[str, str]

    @property
    def k(self) -> int:
        return len(self.record_ids)


def is_user(outcomes: pd.DataFrame) -> pd.Series:
    """Which rows are a user's uploaded studies (False for every row of a frame without the flag)."""
    if "user_data" not in outcomes:
        return pd.Series(False, index=outcomes.index)
    return outcomes["user_data"].fillna(False).astype(bool)


def groups(
    outcomes: pd.DataFrame,
    endpoint: str,
    by: str = "target_group",
    scope: str | None = None,
    user: bool = False,
    pool_broader: bool = False,
) -> list[Group]:
    """The subgroups of one endpoint and the studies each may pool.

    Only whole-cohort results (arm 'all') with a known n and a count (printed or derived) are
    pooled. Subgroups are split further by modality, scope and landmark when those differ, so unlike
    measures (CRS any grade vs grade >= 3; 6-month vs 3-year OS) are never pooled together. Two
    linked records of one study (``cluster``) are never both pooled: the table row wins, then a
    printed count, then the larger n. Curated and uploaded studies are never pooled together:
    ``user=False`` pools the curated evidence and lists uploaded rows as excluded; ``user=True``
    pools only the uploaded rows (the user's own meta-analysis). Rows a disease filter marks as
    broader or mixed cohorts (``broader_cohort``, celltx.filters) are left out with that reason
    unless ``pool_broader``."""
    if by not in outcomes.columns:
        raise ValueError(f"cannot group by {by!r}; columns: {', '.join(outcomes.columns)}")
    df = outcomes[outcomes["endpoint"] == endpoint]
    if user:
        df = df[is_user(df)]
    df = df.copy()
    if scope is not None:
        df = df[df["scope"] == scope]
    if df.empty:
        return []
    keys = [by]
    if by != "modality" and df["modality"].nunique() > 1:
        keys.insert(0, "modality")  # NK and CAR-T results are never pooled together
    if df["scope"].notna().any() and by != "scope":
        keys.append("scope")
    # landmarks split time-to-event estimates (6-month EFS is not 3-year EFS); response rates are
    # pooled across assessment times, which the rows still show
    if df["family"].isin(["survival", "incidence"]).any() and df["time_months"].notna().any():
        keys.append("time_months")
    strata = [k for k in keys if k != by]
    df[keys] = df[keys].astype(object).where(df[keys].notna(), "")
    user_rows = is_user(df)
    out = []
    for _, g in df.groupby(keys, sort=True, dropna=False):
        first = g.iloc[0]
        reasons: dict[str, str] = {}
        usable = []
        for idx, r in g.iterrows():
            if user_rows[idx] and not user:
                reasons[r["record_id"]] = "user data (never pooled with the curated evidence)"
            elif bool(r.get("broader_cohort", False)) and not pool_broader:
                reasons[r["record_id"]] = (
                    f"{r['broader_label']}, not pooled for the chosen disease (switch on "
                    "'pool broader cohorts' to include it)"
                )
            elif r["arm"] != "all":
                reasons[r["record_id"]] = f"subgroup or comparison arm ({r['arm']})"
            elif pd.isna(r["n"]):
                reasons[r["record_id"]] = "no n"
            elif pd.isna(r["events"]):
                reasons[r["record_id"]] = r["events_note"] or "no single value (range or bound)"
            else:
                usable.append(r)
        chosen: dict[str, pd.Series] = {}
        for r in usable:
            best = chosen.get(r["cluster"])
            if best is None or linked.rank(r) < linked.rank(best):
                if best is not None:
                    reasons[best["record_id"]] = f"same study as {r['record_id']}"
                chosen[r["cluster"]] = r
            else:
                reasons[r["record_id"]] = f"same study as {best['record_id']}"
        included = sorted(chosen.values(), key=lambda r: r["record_id"])
        out.append(
            Group(
                _group_label(first, keys),
                _group_label(first, strata) if strata else "",
                tuple(str(r["record_id"]) for r in included),
                tuple(int(r["events"]) for r in included),
                tuple(int(r["n"]) for r in included),
                reasons,
            )
        )
    return out


def pool(
    outcomes: pd.DataFrame,
    endpoint: str,
    by: str = "target_group",
    scope: str | None = None,
    user: bool = False,
    pool_broader: bool = False,
) -> pd.DataFrame:
    """Pooled proportion per subgroup for one endpoint (see ``groups`` for which rows), with Q,
    I^2, tau^2 and the prediction interval, and every exclusion listed. Groups with fewer than
    MIN_POOL studies get a row without estimates; the prediction interval is empty below
    MIN_PREDICTION. Returns POOL_COLUMNS plus POOL_EXTRA."""
    rows = []
    nan = math.nan
    for g in groups(outcomes, endpoint, by, scope, user, pool_broader):
        p = pool_logit(g.events, g.ns) if g.k >= MIN_POOL else None
        rows.append(
            {
                "group": g.label,
                "k": g.k,
                "included": ";".join(g.record_ids),
                "excluded": ";".join(sorted(g.reasons)),
                "events_total": sum(g.events),
                "n_total": sum(g.ns),
                "pooled_pct": p.pooled_pct if p else nan,
                "ci_low_pct": p.ci_low_pct if p else nan,
                "ci_high_pct": p.ci_high_pct if p else nan,
                "tau2": p.tau2 if p else nan,
                "i2_pct": p.i2_pct if p else nan,
                "q": p.q if p else nan,
                "q_df": p.q_df if p else pd.NA,
                "q_p": p.q_p if p else nan,
                "pi_low_pct": p.pi_low_pct if p else nan,
                "pi_high_pct": p.pi_high_pct if p else nan,
                "excluded_reasons": "; ".join(f"{k}: {v}" for k, v in sorted(g.reasons.items())),
                "stratum": g.stratum,
                "estimate_logit": p.estimate if p else nan,
                "se_logit": p.se if p else nan,
            }
        )
    out = pd.DataFrame(rows, columns=[*POOL_COLUMNS, *POOL_EXTRA])
    out["q_df"] = out["q_df"].astype("Int64")
    return out


def pool_inputs(
    outcomes: pd.DataFrame,
    endpoint: str,
    by: str = "target_group",
    scope: str | None = None,
    user: bool = False,
) -> pd.DataFrame:
    """The exact counts ``pool`` pools: one row per group and study (group, stratum, record_id,
    events, n). The metafor fixture is computed from these."""
    rows = [
        {"group": g.label, "stratum": g.stratum, "record_id": r, "events": e, "n": n}
        for g in groups(outcomes, endpoint, by, scope, user)
        for r, e, n in zip(g.record_ids, g.events, g.ns, strict=True)
    ]
    return pd.DataFrame(rows, columns=["group", "stratum", "record_id", "events", "n"])


def leave_one_out_table(
    outcomes: pd.DataFrame,
    endpoint: str,
    by: str = "target_group",
    scope: str | None = None,
    user: bool = False,
    pool_broader: bool = False,
) -> pd.DataFrame:
    """One row per group with at least MIN_LEAVE_ONE_OUT studies and per omitted study: the
    pooled estimate, CI, tau^2 and I^2 of the others. ``k`` counts the studies in that estimate
    (the group's k minus one). Returns LEAVE_ONE_OUT_COLUMNS."""
    rows = []
    for g in groups(outcomes, endpoint, by, scope, user, pool_broader):
        if g.k < MIN_LEAVE_ONE_OUT:
            continue
        for omitted, p in zip(g.record_ids, leave_one_out(g.events, g.ns), strict=True):
            rows.append(
                {
                    "group": g.label,
                    "omitted": omitted,
                    "k": p.k,
                    "pooled_pct": p.pooled_pct,
                    "ci_low_pct": p.ci_low_pct,
                    "ci_high_pct": p.ci_high_pct,
                    "tau2": p.tau2,
                    "i2_pct": p.i2_pct,
                }
            )
    return pd.DataFrame(rows, columns=LEAVE_ONE_OUT_COLUMNS)


def subgroup_tests(pooled: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """The test for subgroup differences (``subgroup_q``) within each stratum of a ``pool`` table:
    only groups with a pooled estimate take part, and groups of different modality, scope or
    landmark are never compared. One row per stratum with at least one pooled group; the test
    columns are empty when fewer than two groups take part. Returns SUBGROUP_COLUMNS + stratum."""
    rows = []
    ok = pooled[pooled["k"] >= MIN_POOL] if len(pooled) else pooled
    for stratum, part in ok.groupby("stratum", sort=False):
        test = (
            subgroup_q(part["estimate_logit"].tolist(), part["se_logit"].tolist())
            if len(part) >= MIN_SUBGROUPS
            else (math.nan, pd.NA, math.nan)
        )
        rows.append(
            {
                "endpoint": endpoint,
                "groups": ";".join(part["group"]),
                "k_groups": len(part),
                "q_between": test[0],
                "df": test[1],
                "p": test[2],
                "stratum": stratum,
            }
        )
    out = pd.DataFrame(rows, columns=[*SUBGROUP_COLUMNS, "stratum"])
    out["df"] = out["df"].astype("Int64")
    return out


def tested(subgroups: pd.DataFrame) -> pd.DataFrame:
    """The rows of a ``subgroup_tests`` table where a test ran (at least MIN_SUBGROUPS groups):
    the one rule the CLI, the chart and the page read."""
    return subgroups[subgroups["k_groups"] >= MIN_SUBGROUPS]


def poolable(pooled: pd.DataFrame) -> pd.Series:
    """Which rows of ``pool`` are pooled estimates (at least MIN_POOL studies), as a mask: the
    response recipe draws these as diamonds and its page lists them."""
    return pooled["k"] >= MIN_POOL


SIGNIFICANCE = 0.05  # the level at which a printed P value is marked significant


def significant(p: float | None, operator: object = "=") -> bool:
    """A printed P value below SIGNIFICANCE: 'P = 0.03' and 'P < 0.05' are, 'P = 0.05' and
    'P > 0.01' are not (a lower bound is never significant). The donor chart's star and the text
    summary both read this."""
    if p is None or pd.isna(p) or operator == ">":
        return False
    return float(p) < SIGNIFICANCE or (operator == "<" and float(p) <= SIGNIFICANCE)
