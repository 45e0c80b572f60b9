"""Frames: validated records -> tidy pandas frames (one row per value, per study, per target entry),
with derived counts, exact CIs and provenance; the column contract of the CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from celltx import pvalue, schema, vocab
from celltx.linked import one_per_study  # noqa: F401  (re-exported by load)
from celltx.parse import collapse
from celltx.stats import clopper_pearson_arrays

OUTCOME_EXPORT_COLUMNS = [
    "record_id",
    "modality",
    "study",
    "year",
    "disease",
    "target",
    "setting",
    "arm",
    "n",
    "endpoint",
    "scope",
    "time_months",
    "value_pct",
    "value_low_pct",
    "value_high_pct",
    "median_months",
    "events",
    "events_derived",
    "p_value",
    "source_file",
    "location",
    "quote",
]
STUDY_EXPORT_COLUMNS = [
    "record_id",
    "modality",
    "study",
    "year",
    "disease",
    "target",
    "setting",
    "n",
    "dose_low",
    "dose_high",
    "dose_unit",
    "source_file",
    "location",
]


def _decimals(x: float) -> int:
    if not x % 1:
        return 0
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0  # 'n'/'F': not a finite number


# A printed percentage of n is a count only for simple proportions. Survival and cumulative-
# incidence figures are time-to-event estimates (Kaplan-Meier, competing risks): 74% DFS of 231
# patients is not 171 events, so no count and no binomial CI are derived for them.
COUNTABLE_FAMILIES = frozenset({"response", "toxicity", "other"})


def derive_events(pct: float, n: int) -> tuple[int | None, str | None]:
    """Events from a printed percentage and n, or None with the reason when no count fits."""
    count = round(pct * n / 100)
    tol = 0.5 * 10 ** -_decimals(pct) + 1e-9
    if abs(count / n * 100 - pct) > tol:
        return None, (
            f"{pct:g}% of {n} is not a whole count (nearest {count}/{n} = "
            f"{count / n * 100:.1f}%); count not derived"
        )
    return count, None


def _clusters(studies: Sequence[schema.Study]) -> dict[str, str]:
    """Connected components of same_study_as links: record id -> cluster id (smallest id)."""
    parent = {s.id: s.id for s in studies}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in studies:
        for o in s.same_study_as:
            if o in parent:
                a, b = find(s.id), find(o)
                parent[max(a, b)] = min(a, b)
    return {k: find(k) for k in parent}


def location_text(src: schema.SourceRef) -> str:
    return f"{src.location}, ref {','.join(map(str, src.refs))}" if src.refs else src.location


def _push(cols: dict[str, list], row: dict) -> None:
    """Append one value's fields column-wise: no list of 50-key dicts at 10,000 studies."""
    for k, v in row.items():
        cols[k].append(v)


def outcomes_frame(studies: Sequence[schema.Study], user_data: bool = False) -> pd.DataFrame:
    """One row per reported value, with derived counts, exact CIs and provenance."""
    clusters = _clusters(studies)
    cols: dict[str, list] = {c: [] for c in _OUTCOME_COLUMNS}
    for s in studies:
        arms = {a.name: a for a in s.arms}
        arm_n = {a.name: a.n for a in s.arms}
        for i, o in enumerate(s.outcomes):
            arm = arms.get(o.arm)
            n = o.n or arm_n.get(o.arm) or (s.n if o.arm == "all" else None)
            events, derived, value, value_derived, note = o.events, False, o.value_pct, False, None
            family = vocab.ENDPOINTS[o.endpoint][0]
            if events is None and value is not None and n and family in COUNTABLE_FAMILIES:
                events, note = derive_events(value, n)
                derived = events is not None
            elif events is not None and value is None and n:
                value, value_derived = events / n * 100, True
            elif events is not None and value is not None and n:
                _, clash = derive_events(value, n)
                if clash or round(value * n / 100) != events:
                    note = f"printed {events}/{n} = {events / n * 100:.1f}% differs from {value:g}%"
            src = o.source or s.source
            _, definition, direction = vocab.ENDPOINTS[o.endpoint]
            _push(
                cols,
                {
                    "record_id": s.id,
                    "outcome_index": i,
                    "modality": s.modality,
                    "study": s.study,
                    "year": s.year,
                    "disease": ";".join(s.disease),
                    "target": ";".join(s.target),
                    "target_group": ";".join(s.target) or "no target",
                    "setting": s.setting,
                    "protocol": s.protocol,
                    "arm": o.arm,
                    "arm_role": arm.role if arm else None,
                    "donor_type": arm.donor_type if arm else None,
                    "n": n,
                    "endpoint": o.endpoint,
                    "family": family,
                    "definition": definition,
                    "direction": direction,
                    "scope": o.scope,
                    "time_months": o.landmark_months,
                    "time_days": o.time_days,
                    "value_pct": value,
                    "value_derived": value_derived,
                    "value_low_pct": o.value_low_pct,
                    "value_high_pct": o.value_high_pct,
                    "median_months": o.median_months,
                    "median_low_months": o.median_low_months,
                    "median_high_months": o.median_high_months,
                    "duration_low_months": o.duration_low_months,
                    "duration_high_months": o.duration_high_months,
                    "events": events,
                    "events_derived": derived,
                    "events_note": note,
                    "ci_low_pct": None,
                    "ci_high_pct": None,
                    "p_value": pvalue.printed(o.p_value, o.p_operator),
                    "p_num": o.p_value,
                    "p_operator": o.p_operator,
                    "p_scope": o.p_scope,
                    "dose_low": s.dose.low if s.dose else None,
                    "dose_high": s.dose.high if s.dose else None,
                    "dose_unit": s.dose.unit if s.dose else None,
                    "dose_stat": s.dose.stat if s.dose else None,
                    "source_file": src.file,
                    "location": location_text(src),
                    "location_kind": src.location,
                    "ref": src.refs[0] if src.refs else None,  # the first; 'refs' has all
                    "refs": ",".join(map(str, src.refs)) or None,
                    "quote": collapse(o.quote or s.quote),
                    "note": o.note,
                    "same_study_as": ";".join(s.same_study_as),
                    "cluster": clusters[s.id],
                    "has_discrepancy": bool(s.discrepancies),
                    "discrepancies": " | ".join(s.discrepancies),
                    "user_data": user_data,
                },
            )
    frame = pd.DataFrame(cols, columns=_OUTCOME_COLUMNS)
    for col in ("year", "n", "events", "ref"):
        frame[col] = frame[col].astype("Int64")
    has = frame["events"].notna() & frame["n"].notna()
    low, high = clopper_pearson_arrays(
        frame.loc[has, "events"].to_numpy(float), frame.loc[has, "n"].to_numpy(float)
    )
    frame["ci_low_pct"] = pd.Series(low, index=frame.index[has]).reindex(frame.index).astype(float)
    frame["ci_high_pct"] = pd.Series(high, index=frame.index[has]).reindex(frame.index).astype(float)
    return frame


_OUTCOME_COLUMNS = [
    "record_id",
    "outcome_index",
    "modality",
    "study",
    "year",
    "disease",
    "target",
    "target_group",
    "setting",
    "protocol",
    "arm",
    "arm_role",
    "donor_type",
    "n",
    "endpoint",
    "family",
    "definition",
    "direction",
    "scope",
    "time_months",
    "time_days",
    "value_pct",
    "value_derived",
    "value_low_pct",
    "value_high_pct",
    "median_months",
    "median_low_months",
    "median_high_months",
    "duration_low_months",
    "duration_high_months",
    "events",
    "events_derived",
    "events_note",
    "ci_low_pct",
    "ci_high_pct",
    "p_value",
    "p_num",
    "p_operator",
    "p_scope",
    "dose_low",
    "dose_high",
    "dose_unit",
    "dose_stat",
    "source_file",
    "location",
    "location_kind",
    "ref",
    "refs",
    "quote",
    "note",
    "same_study_as",
    "cluster",
    "has_discrepancy",
    "discrepancies",
    "user_data",
]


def studies_frame(studies: Sequence[schema.Study], user_data: bool = False) -> pd.DataFrame:
    """One row per study record."""
    clusters = _clusters(studies)
    rows = [
        {
            "cluster": clusters[s.id],
            "record_id": s.id,
            "modality": s.modality,
            "study": s.study,
            "year": s.year,
            "disease": ";".join(s.disease),
            "disease_text": s.disease_text,
            "target": ";".join(s.target),
            "setting": s.setting,
            "protocol": s.protocol,
            "n": s.n
            if s.n is not None
            else (sum(a.n or 0 for a in s.arms) if s.arms and all(a.n for a in s.arms) else None),
            "n_printed": s.n is not None,
            "dose_low": s.dose.low if s.dose else None,
            "dose_high": s.dose.high if s.dose else None,
            "dose_unit": s.dose.unit if s.dose else None,
            "source_file": s.source.file,
            "location": location_text(s.source),
            "quote": s.quote,
            "same_study_as": ";".join(s.same_study_as),
            "discrepancies": " | ".join(s.discrepancies),
            "notes": s.notes,
            "outcomes": len(s.outcomes),
            "user_data": user_data,
        }
        for s in studies
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "cluster",
            "record_id",
            "modality",
            "study",
            "year",
            "disease",
            "disease_text",
            "target",
            "setting",
            "protocol",
            "n",
            "n_printed",
            "dose_low",
            "dose_high",
            "dose_unit",
            "source_file",
            "location",
            "quote",
            "same_study_as",
            "discrepancies",
            "notes",
            "outcomes",
            "user_data",
        ],
    )
    for col in ("year", "n"):
        frame[col] = frame[col].astype("Int64")
    return frame


def targets_frame(entries: Sequence[schema.TargetEntry]) -> pd.DataFrame:
    """One row per (entry, disease, target)."""
    rows = [
        {
            "record_id": t.id,
            "modality": t.modality,
            "disease_text": t.disease_text,
            "disease": d,
            "target": g,
            "status": t.status,
            "location": location_text(t.source),
            "location_kind": t.source.location,
            "ref": t.source.refs[0] if t.source.refs else None,
            "source_file": t.source.file,
            "quote": t.quote,
        }
        for t in entries
        for d in t.disease
        for g in t.targets
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "record_id",
            "modality",
            "disease_text",
            "disease",
            "target",
            "status",
            "location",
            "location_kind",
            "ref",
            "source_file",
            "quote",
        ],
    )
