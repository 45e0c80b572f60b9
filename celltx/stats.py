"""Exact confidence intervals and random-effects pooled proportions (statsmodels/scipy).

Pooling follows DerSimonian & Laird (1986) on the logit scale. A study at 0% or 100% gets a
continuity correction of 0.5 (logit((x + 0.5) / (n + 1)), variance 1/(x + 0.5) + 1/(n - x + 0.5));
no other study is corrected. statsmodels 0.15 does not truncate a negative DL tau^2 at zero, which
gives a random-effects variance that is too small (or undefined); the standard truncation is
applied here: tau^2 = max(0, tau^2), and with tau^2 = 0 the random-effects estimate is the
fixed-effect one. I^2 = max(0, (Q - df) / Q).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import betaincinv, expit, logit, ndtri

CONTINUITY = 0.5
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
]


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
    """Logit of the proportion and its variance; corrected by 0.5 only at 0% or 100%."""
    if events in (0, n):
        x, m = events + CONTINUITY, n + 2 * CONTINUITY
        return float(logit(x / m)), 1 / x + 1 / (m - x), True
    return float(logit(events / n)), 1 / events + 1 / (n - events), False


@dataclass(frozen=True)
class Pooled:
    k: int
    pooled_pct: float
    ci_low_pct: float
    ci_high_pct: float
    tau2: float
    i2_pct: float
    q: float


def pool_logit(events: Sequence[int], ns: Sequence[int], alpha: float = 0.05) -> Pooled:
    """DerSimonian-Laird random-effects pooled proportion (percent) on the logit scale."""
    if len(events) != len(ns) or len(events) < 2:
        raise ValueError("pooling needs at least two studies with events and n")
    eff, var = zip(*(logit_effect(int(e), int(n))[:2] for e, n in zip(events, ns, strict=True)), strict=True)
    eff, var = np.asarray(eff), np.asarray(var)
    from statsmodels.stats.meta_analysis import combine_effects  # heavy: only pooling needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = combine_effects(eff, var, method_re="dl", use_t=False, alpha=alpha)
    q, df = float(res.q), len(eff) - 1
    if res.tau2 > 0:
        tau2, mean, se = float(res.tau2), float(res.mean_effect_re), float(res.sd_eff_w_re)
    else:  # truncation at zero: random effects reduce to fixed effect
        tau2, mean, se = 0.0, float(res.mean_effect_fe), float(res.sd_eff_w_fe)
    z = float(ndtri(1 - alpha / 2))
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return Pooled(
        len(eff),
        float(expit(mean) * 100),
        float(expit(mean - z * se) * 100),
        float(expit(mean + z * se) * 100),
        tau2,
        i2,
        q,
    )


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


def pool(
    outcomes: pd.DataFrame,
    endpoint: str,
    by: str = "target_group",
    scope: str | None = None,
    pool_broader: bool = False,
) -> pd.DataFrame:
    """Pooled proportion per subgroup for one endpoint, with every exclusion listed.

    Only whole-cohort results (arm 'all') with a known n and a count (printed or derived) are
    pooled. Subgroups are split further by scope and landmark when those differ, so unlike measures
    (CRS any grade vs grade >= 3; 6-month vs 3-year OS) are never pooled together. Two linked
    records of one study (``cluster``) are never both pooled: the table row wins, then a printed
    count, then the larger n. Rows that a disease filter marks as broader or mixed cohorts
    (``broader_cohort``, celltx.filters) are left out, with that reason, unless ``pool_broader``.
    Returns POOL_COLUMNS plus ``excluded_reasons`` and ``broader_included``.
    """
    if by not in outcomes.columns:
        raise ValueError(f"cannot group by {by!r}; columns: {', '.join(outcomes.columns)}")
    df = outcomes[outcomes["endpoint"] == endpoint].copy()
    if scope is not None:
        df = df[df["scope"] == scope]
    if df.empty:
        return pd.DataFrame(columns=[*POOL_COLUMNS, "excluded_reasons", "broader_included"])
    keys = [by]
    if by != "modality" and df["modality"].nunique() > 1:
        keys.insert(0, "modality")  # NK and CAR-T results are never pooled together
    if df["scope"].notna().any() and by != "scope":
        keys.append("scope")
    # landmarks split time-to-event estimates (6-month EFS is not 3-year EFS); response rates are
    # pooled across assessment times, which the rows still show
    if df["family"].isin(["survival", "incidence"]).any() and df["time_months"].notna().any():
        keys.append("time_months")
    df[keys] = df[keys].astype(object).where(df[keys].notna(), "")
    rows = []
    for _, g in df.groupby(keys, sort=True, dropna=False):
        label = _group_label(g.iloc[0], keys)
        reasons: dict[str, str] = {}
        usable = []
        for _, r in g.iterrows():
            if bool(r.get("user_data", False)):
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
            if best is None or _rank(r) < _rank(best):
                if best is not None:
                    reasons[best["record_id"]] = f"same study as {r['record_id']}"
                chosen[r["cluster"]] = r
            else:
                reasons[r["record_id"]] = f"same study as {best['record_id']}"
        included = sorted(chosen.values(), key=lambda r: r["record_id"])
        events = [int(r["events"]) for r in included]
        ns = [int(r["n"]) for r in included]
        nan = math.nan
        pooled = pool_logit(events, ns) if len(included) >= 2 else None
        rows.append(
            {
                "group": label,
                "k": len(included),
                "included": ";".join(r["record_id"] for r in included),
                "excluded": ";".join(sorted(reasons)),
                "events_total": sum(events),
                "n_total": sum(ns),
                "pooled_pct": pooled.pooled_pct if pooled else nan,
                "ci_low_pct": pooled.ci_low_pct if pooled else nan,
                "ci_high_pct": pooled.ci_high_pct if pooled else nan,
                "tau2": pooled.tau2 if pooled else nan,
                "i2_pct": pooled.i2_pct if pooled else nan,
                "excluded_reasons": "; ".join(f"{k}: {v}" for k, v in sorted(reasons.items())),
                "broader_included": ";".join(
                    r["record_id"] for r in included if bool(r.get("broader_cohort", False))
                ),
            }
        )
    return pd.DataFrame(rows, columns=[*POOL_COLUMNS, "excluded_reasons", "broader_included"])


def _rank(r: pd.Series) -> tuple:
    return (
        not str(r["location_kind"]).startswith("Table"),
        bool(r["events_derived"]),
        -int(r["n"]),
        r["record_id"],
    )
