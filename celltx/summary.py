"""A text alternative for every figure, written from the same rows the figure draws.

A colleague who cannot see the chart (a screen reader, a slide's alt text, the SVG's ``<desc>``)
gets the same numbers in the words a clinician would say: what is shown, how many studies, each
measure with its range or pooled estimate, and what is missing ("3 studies have no n"). Nothing
here chooses rows: every function takes the rows (and pooled table) its recipe chose, so the text
and the chart cannot disagree. Values read as on the chart (one decimal at most), doses exactly as
printed, pooled estimates (computed by celltx) in whole percent.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from celltx import stats, vocab
from celltx.charts import text as words

# ---------------------------------------------------------------------------------------------
# Wording helpers


def num(x: float) -> str:
    """A value as the chart shows it ('90', '66.7'; one decimal at most)."""
    return words.fmt(float(x))


def pct(x: float) -> str:
    return num(x) + "%"


def plural(k: int, word: str, many: str | None = None) -> str:
    return f"{k} {word if k == 1 else (many or word + 's')}"


def study_count(rows: pd.DataFrame) -> int:
    """Studies behind rows: linked records of one study (a table row and its text passage) count
    once, as on every chart (``cluster``)."""
    if rows.empty:
        return 0
    col = "cluster" if "cluster" in rows else "record_id"
    return int(rows[col].nunique())


def no_n_count(rows: pd.DataFrame) -> int:
    """Studies none of whose rows has a printed n."""
    if rows.empty or "n" not in rows:
        return 0
    col = "cluster" if "cluster" in rows else "record_id"
    has_n = rows.groupby(col)["n"].apply(lambda s: s.notna().any())
    return int((~has_n).sum())


def measure(endpoint: str, scope: object = None) -> str:
    """'CRS, severe', 'CR': the measure with its scope, as the chart's panel names it."""
    if isinstance(scope, str) and scope:
        return f"{endpoint}, {vocab.CRS_SCOPES.get(scope, scope)}"
    return endpoint


def value_range(values: Iterable[float]) -> str:
    vals = sorted(float(v) for v in values if pd.notna(v))
    if not vals:
        return "no single value"
    if vals[0] == vals[-1]:
        return pct(vals[0])
    return f"{num(vals[0])}–{pct(vals[-1])}"


def _missing_n(rows: pd.DataFrame) -> str:
    k = no_n_count(rows)
    if not k:
        return ""
    return f" {plural(k, 'study', 'studies')} {'has' if k == 1 else 'have'} no n."


def _head(title: str, rows: pd.DataFrame) -> str:
    return f"{title}, {plural(study_count(rows), 'study', 'studies')}:"


def _panels(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rows split by measure (endpoint and scope), in the order the rows come."""
    key = [
        measure(e, s) for e, s in zip(rows["endpoint"], rows.get("scope", [None] * len(rows)), strict=True)
    ]
    keyed = rows.assign(_measure=key)
    return [(m, g.drop(columns="_measure")) for m, g in keyed.groupby("_measure", sort=False)]


def values_text(g: pd.DataFrame) -> str:
    """The range of the point values, then each value printed only as a range or bound."""
    vals = g["value_pct"].dropna() if "value_pct" in g else pd.Series(dtype=float)
    text = value_range(vals) if len(vals) else ""
    bounds = g[g["value_pct"].isna()] if "value_pct" in g else g.iloc[0:0]
    for _, r in bounds.iterrows():
        lo, hi = r.get("value_low_pct"), r.get("value_high_pct")
        if pd.notna(lo) and pd.notna(hi):
            text += f"; {r['study']} {num(lo)}–{pct(hi)} (range)"
        elif pd.notna(hi):
            text += f"; {r['study']} up to {pct(hi)}"
        elif pd.notna(lo):
            text += f"; {r['study']} more than {pct(lo)}"
    return text.lstrip("; ")


def _panel_text(m: str, g: pd.DataFrame) -> str:
    return f"{m}: {plural(study_count(g), 'study', 'studies')}, {values_text(g)}"


# ---------------------------------------------------------------------------------------------
# One function per chart family


def empty(title: str, what: str) -> str:
    return f"{title}: no {what} match the current filters."


def forest(title: str, rows: pd.DataFrame) -> str:
    """Per-study proportions in panels by measure: each measure's study count and range."""
    if rows.empty:
        return f"{title}: no rows."
    parts = [_panel_text(m, g) for m, g in _panels(rows)]
    return f"{_head(title, rows)} " + "; ".join(parts) + "." + _missing_n(rows)


def response(title: str, rows: pd.DataFrame, pooled: pd.DataFrame) -> str:
    """Response per target: pooled estimate where >= 2 studies with n pool, else each target's
    study count and range, measure by measure."""
    if rows.empty:
        return f"{title}: no rows."
    parts = []
    for m, g in _panels(rows):
        bits = []
        p = pooled[pooled["endpoint"] == m] if len(pooled) else pooled
        pooled_groups = set()
        for _, r in p.iterrows():
            if r["k"] >= stats.MIN_POOL and pd.notna(r["pooled_pct"]):
                pooled_groups.add(r["group"])
                bits.append(
                    f"{_target(r['group'])} pooled {pct(round(r['pooled_pct']))} "
                    f"(95% CI {num(round(r['ci_low_pct']))}–{pct(round(r['ci_high_pct']))}, "
                    f"{int(r['k'])} studies, {int(r['n_total'])} patients)"
                )
        for group, gg in g.groupby("target_group", sort=True):
            if group in pooled_groups:
                continue
            k = study_count(gg)
            bits.append(f"{_target(group)} {plural(k, 'study', 'studies')}, {values_text(gg)}")
        parts.append(f"{m}: " + "; ".join(bits))
    return f"{_head(title, rows)} " + ". ".join(parts) + "." + _missing_n(rows)


def _target(group: object) -> str:
    return str(group).replace(";", " + ") if group else "no target"


def dose(title: str, rows: pd.DataFrame) -> str:
    """Response and CRS against dose: per dose unit, each study's measure, value and dose."""
    if rows.empty:
        return f"{title}: no rows."
    parts = []
    for unit, g in rows.groupby("dose_unit", sort=True):
        bits = []
        for _, r in g.iterrows():
            d = words.dose_text(r["dose_low"], r["dose_high"])
            bits.append(f"{r['study']} {measure(r['endpoint'], r.get('scope'))} {pct(r['value_pct'])} at {d}")
        unit_text = vocab.DOSE_UNITS.get(unit, unit)
        parts.append(f"dose {unit_text} ({plural(study_count(g), 'study', 'studies')}): " + "; ".join(bits))
    return f"{_head(title, rows)} " + ". ".join(parts) + "." + _missing_n(rows)


def landmarks(title: str, rows: pd.DataFrame) -> str:
    """Survival at landmarks: per endpoint, study count, landmark span and value range."""
    if rows.empty:
        return f"{title}: no rows."
    parts = []
    for ep, g in rows.groupby("endpoint", sort=False):
        t = g["time_months"].dropna()
        span = (
            f" at {num(t.min())}–{num(t.max())} months" if t.nunique() > 1 else f" at {num(t.iloc[0])} months"
        )
        parts.append(
            f"{ep}: {plural(study_count(g), 'study', 'studies')}{span if len(t) else ''}, "
            f"{value_range(g['value_pct'])}"
        )
    return f"{_head(title, rows)} " + "; ".join(parts) + "." + _missing_n(rows)


def medians(title: str, rows: pd.DataFrame) -> str:
    """Medians and durations: each study's measure and months."""
    if rows.empty:
        return f"{title}: no rows."
    bits = []
    for _, r in rows.iterrows():
        if pd.notna(r.get("median_months")):
            v = f"median {num(r['median_months'])} months"
        elif pd.notna(r.get("median_low_months")):
            v = f"median {num(r['median_low_months'])}–{num(r['median_high_months'])} months"
        else:
            v = f"{num(r['duration_low_months'])}–{num(r['duration_high_months'])} months"
        bits.append(f"{r['study']} {r['endpoint']} {v}")
    return f"{_head(title, rows)} " + "; ".join(bits) + "." + _missing_n(rows)


def donor(title: str, rows: pd.DataFrame) -> str:
    """HID vs ISD: per endpoint, how many comparisons, which donor did better, how many P < 0.05."""
    if rows.empty:
        return f"{title}: no rows."
    parts = []
    for ep, g in rows.groupby("endpoint", sort=False):
        hid_better = isd_better = equal = significant = 0
        comparisons = 0
        for _, c in g.groupby(["cluster", "time_months"], dropna=False, sort=False):
            hid = c[c["donor_type"] == "HID"]["value_pct"]
            isd = c[c["donor_type"] == "ISD"]["value_pct"]
            if hid.empty or isd.empty:
                continue
            comparisons += 1
            sign = int(c["direction"].iloc[0]) if pd.notna(c["direction"].iloc[0]) else 1
            diff = (hid.mean() - isd.mean()) * sign
            hid_better += diff > 0
            isd_better += diff < 0
            equal += diff == 0
            p = c["p_num"].dropna()
            significant += bool(len(p)) and float(p.iloc[0]) < 0.05 and not _p_is_lower_bound(c)
        better = "higher" if (g["direction"].fillna(1) > 0).all() else "lower"
        parts.append(
            f"{ep} ({better} is better): {plural(comparisons, 'comparison')}, HID better in {hid_better}, "
            f"ISD better in {isd_better}, equal in {equal}; P < 0.05 in {significant}"
        )
    return f"{_head(title, rows)} " + "; ".join(parts) + "." + _missing_n(rows)


def _p_is_lower_bound(c: pd.DataFrame) -> bool:
    """'P > 0.05' printed as a bound is not a significant result."""
    ops = c["p_operator"].dropna() if "p_operator" in c else pd.Series(dtype=object)
    return bool(len(ops)) and str(ops.iloc[0]) == ">"


def overview(title: str, studies: pd.DataFrame) -> str:
    """Patients and studies per disease (a study of two diseases counts under each)."""
    if studies.empty:
        return f"{title}: no studies."
    rows = studies.assign(disease=studies["disease"].str.split(";")).explode("disease")
    agg = rows.groupby("disease").agg(
        patients=("n", "sum"), studies=("record_id", "nunique"), with_n=("n", "count")
    )
    agg = agg.sort_values(["patients", "studies"], ascending=False)
    bits = [
        f"{d} {plural(int(r['studies']), 'study', 'studies')} ("
        + (plural(int(r["patients"]), "patient") if r["with_n"] else "no printed n")
        + ")"
        for d, r in agg.iterrows()
    ]
    total = int(studies["n"].sum())
    return (
        f"{title}, {plural(len(studies), 'study', 'studies')} with {plural(total, 'patient')} "
        f"(sum of printed n): " + "; ".join(bits) + "." + _missing_n(studies)
    )


def targets(title: str, named: pd.DataFrame, with_results: pd.DataFrame) -> str:
    """Disease x target: how many pairs are named, which have clinical results in the data."""
    pairs = named[["disease", "target"]].drop_duplicates() if len(named) else named
    res = with_results.sort_values(["disease", "target"]) if len(with_results) else with_results
    bits = [
        f"{r['disease']} {r['target']} ({plural(int(r['n_values']), 'value')})" for _, r in res.iterrows()
    ]
    diseases = set(pairs["disease"]) | set(res["disease"]) if len(pairs) or len(res) else set()
    text = (
        f"{title}: {plural(len(pairs), 'disease–target pair')} named as candidates or under "
        f"investigation across {plural(len(diseases), 'disease')}; "
        f"{plural(len(res), 'pair')} with clinical results in the data"
    )
    return text + (": " + "; ".join(bits) if bits else "") + "."


def short(text: str, limit: int = 240) -> str:
    """The first words of a summary (an SVG <title> or a tooltip), never cut mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
