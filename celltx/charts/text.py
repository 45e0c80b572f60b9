"""Words on a figure, each written once: values, P values, sample sizes, row labels, hover text.

A P value reads the same in a hover, beside a forest row and beside a donor comparison; "n = 30"
and "n not reported" likewise. Hover text carries study, year, n, the value with its CI, the
measure's definition, where it is in the source and the verbatim quote.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from celltx import pvalue, vocab


def present(x: object) -> bool:
    """True for a real value (not None, NaN or NA, not an empty string)."""
    if x is None or (isinstance(x, str) and not x):
        return False
    try:
        return not bool(pd.isna(x))
    except (TypeError, ValueError):
        return True


def fmt(x: float | None, suffix: str = "") -> str:
    """A number as printed: one decimal at most, no trailing zeros ('12.5', '90')."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return ""
    return f"{x:.1f}".rstrip("0").rstrip(".") + suffix


def number(x: float) -> str:
    """A number exactly as printed, never rounded ('0.76', '20.6', '800'): doses."""
    return f"{float(x):f}".rstrip("0").rstrip(".")


def dose_text(low: float, high: float) -> str:
    """'0.76–20.6' for a printed range, '2' for a single dose."""
    if pd.isna(high) or low == high:
        return number(low)
    if pd.isna(low):
        return number(high)
    return f"{number(low)}–{number(high)}"


# 'P = 0.03', 'P <0.001 (overall)': the printed P value's one wording, shared with the frames
# and the upload (celltx.pvalue)
p_text = pvalue.label


def n_text(n: Any) -> str:
    """'n = 30', or 'n not reported' (never a blank that reads as zero)."""
    return f"n = {int(n)}" if present(n) else "n not reported"


def value_text(r: pd.Series) -> str:
    """The value as a reader should see it: '73% (11/15)', '20–64%', 'median 6.1 months'."""
    parts = []
    if pd.notna(r.get("value_pct")):
        v = fmt(r["value_pct"], "%")
        if pd.notna(r.get("events")) and pd.notna(r.get("n")):
            tag = "derived count" if r.get("events_derived") else ""
            v += f" ({int(r['events'])}/{int(r['n'])}{', ' + tag if tag else ''})"
        if r.get("value_derived"):
            v += " (computed from the printed count)"
        parts.append(v)
    elif pd.notna(r.get("events")):
        parts.append(f"{int(r['events'])} patients" + (f" of {int(r['n'])}" if pd.notna(r.get("n")) else ""))
    lo, hi = r.get("value_low_pct"), r.get("value_high_pct")
    if pd.notna(lo) and pd.notna(hi):
        parts.append(f"{fmt(lo)}–{fmt(hi)}% (range)")
    elif pd.notna(hi):
        parts.append(f"up to {fmt(hi)}%")
    elif pd.notna(lo):
        parts.append(f"more than {fmt(lo)}%")
    if pd.notna(r.get("median_months")):
        parts.append(f"median {fmt(r['median_months'])} months")
    if pd.notna(r.get("median_low_months")):
        parts.append(f"median {fmt(r['median_low_months'])}–{fmt(r['median_high_months'])} months")
    if pd.notna(r.get("duration_low_months")):
        parts.append(f"{fmt(r['duration_low_months'])}–{fmt(r['duration_high_months'])} months")
    if pd.notna(r.get("time_months")):
        parts.append(
            f"at {fmt(r['time_months'])} months"
            + (f" (day {fmt(r['time_days'])})" if pd.notna(r.get("time_days")) else "")
        )
    if present(r.get("p_value")):
        parts.append(p_text(r["p_value"], r.get("p_scope")))
    return "; ".join(parts) or "no value"


def measure_text(r: pd.Series) -> str:
    """'CRS (grade ≥ 3)': the endpoint with its scope in words."""
    scope = r.get("scope")
    return r["endpoint"] + (f" ({vocab.CRS_SCOPES.get(scope, scope)})" if present(scope) else "")


def wrap(text: str, width: int = 70) -> str:
    return "<br>".join(html.escape(line) for line in textwrap.wrap(str(text), width))


def hover_text(r: pd.Series) -> str:
    """Study, year, n, value with CI, definition, location and quote."""
    year = ""
    if pd.notna(r.get("year")) and str(int(r["year"])) not in str(r["study"]):
        year = f", {int(r['year'])}"
    ci = ""
    if pd.notna(r.get("ci_low_pct")):
        ci = f"<br>exact 95% CI {fmt(r['ci_low_pct'])}–{fmt(r['ci_high_pct'])}%"
    arm = f" · arm: {html.escape(str(r['arm']))}" if present(r.get("arm")) and r["arm"] != "all" else ""
    user = "<br><b>USER DATA (this session only)</b>" if r.get("user_data") else ""
    disc = "<br><i>source discrepancy recorded, see Data and sources</i>" if r.get("has_discrepancy") else ""
    if present(r.get("also_at")):
        disc += f"<br>also reported, same value: {html.escape(str(r['also_at']))}"
    note = f"<br>note: {wrap(r['events_note'])}" if present(r.get("events_note")) else ""
    if present(r.get("shown_because")):
        # why a disease filter shows this record although it is not (only) the chosen disease
        user += f"<br><b>{html.escape(str(r['broader_label']))}</b><br>{wrap(r['shown_because'])}"
    return (
        f"<b>{html.escape(str(r['study']))}{year}</b>{user}<br>{n_text(r.get('n'))}{arm}<br>"
        f"<b>{html.escape(measure_text(r))}: {html.escape(value_text(r))}</b>{ci}<br>"
        f"{html.escape(str(r.get('definition') or ''))}<br>"
        f"Source: {html.escape(str(r['location']))} ({html.escape(str(r['source_file']))})<br>"
        f"“{wrap(r['quote'])}”{note}{disc}"
    )


def landmark_text(r: pd.Series) -> str:
    """'@day 28' where the source printed days, else '@6 mo'; '' without a landmark."""
    if pd.notna(r.get("time_days")):
        return f" @day {fmt(r['time_days'])}"
    if pd.notna(r.get("time_months")):
        return f" @{fmt(r['time_months'])} mo"
    return ""


def plain(text: object) -> str:
    """Text from data, drawn by Plotly exactly as written. Plotly reads a subset of HTML in every
    label (axis ticks, legends, annotations): an uploaded study named '<a href=...>' became a link
    and '<b>' bold. '&' and '<' are escaped; Plotly turns the entities back into the characters
    when it draws, so 'grade>=3' and 'A & B' still read as written."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def row_label(r: pd.Series, with_measure: bool = False, with_arm: bool = True) -> str:
    """'Maude 2014 [arm] · CR @6 mo (n = 30)': a forest row names what it shows (as plain text)."""
    return plain(_row_label(r, with_measure, with_arm))


def _row_label(r: pd.Series, with_measure: bool, with_arm: bool) -> str:
    label = str(r["study"])
    if pd.notna(r.get("year")) and str(int(r["year"])) not in label:
        label += f" {int(r['year'])}"
    if with_arm and present(r.get("arm")) and r["arm"] != "all":
        label += f" [{r['arm']}]"
    if with_measure:
        label += f" · {measure_text(r)}{landmark_text(r)}"
    return label + f" ({n_text(r.get('n'))})"


def dedupe_labels(labels: Sequence[str]) -> list[str]:
    """Two rows with one label would be drawn on one line: the second gets ' #2'."""
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} #{seen[lab]}")
    return out


def comparison_label(arms: pd.DataFrame) -> str:
    """'Jiang 2019 · LFS @36 mo: NK vs control (n not reported)': one row for the arms of one
    comparison, each arm's n in the same order."""
    r = arms.iloc[0]
    label = _row_label(r, with_measure=True, with_arm=False).rsplit(" (", 1)[0]
    ns = [n_text(n) for n in arms["n"]]
    n = ns[0] if len(set(ns)) == 1 and not present(arms["n"].iloc[0]) else " vs ".join(ns)
    return plain(f"{label}: {' vs '.join(str(a) for a in arms['arm'])} ({n})")


# ---------------------------------------------------------------------------------------------
# Pooled estimates: heterogeneity, prediction interval and subgroup test, worded once for the
# chart, its hover, the page's tables and the bundle

NO_PREDICTION = "too few studies for a prediction interval"


def computed_p(p: float) -> str:
    """A P value celltx computed (not a printed one): 'P = 0.12', 'P = 0.004', 'P < 0.001'."""
    if p < 0.001:
        return "P < 0.001"
    return f"P = {p:.3f}" if p < 0.1 else f"P = {p:.2f}"


def heterogeneity_text(pr: pd.Series) -> str:
    """'I² = 41%, P = 0.12': I² and the P of Cochran's Q, as printed at a pooled row."""
    return f"I² = {pr['i2_pct']:.0f}%, {computed_p(pr['q_p'])}"


def prediction_text(pr: pd.Series) -> str:
    """'95% prediction interval 12.6–97%', or that there are too few studies for one."""
    if not present(pr.get("pi_low_pct")):
        return NO_PREDICTION
    return f"95% prediction interval {fmt(pr['pi_low_pct'])}–{fmt(pr['pi_high_pct'])}%"


def group_names(groups: str, stratum: str = "") -> str:
    """'CD19 vs CD22' from a subgroup test's ';'-joined group labels, without the stratum they
    share ('CAR-T | scope any'), which the row's own label says once."""
    shared = set(stratum.split(" | ")) if stratum else set()
    return " vs ".join(" | ".join(p for p in g.split(" | ") if p not in shared) for g in groups.split(";"))


def subgroup_text(t: pd.Series) -> str:
    """'CD19 vs CD22: Q = 0.21, df = 1, P = 0.65' (the random-effects test for subgroup
    differences)."""
    names = group_names(t["groups"], str(t.get("stratum") or ""))
    return f"{names}: Q = {t['q_between']:.2f}, df = {int(t['df'])}, {computed_p(t['p'])}"
