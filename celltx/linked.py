"""Which of a study's linked records stands for it, decided once.

One study can appear as two records (a table row and the text passage that reports it,
``same_study_as``; both share a ``cluster``). Counting studies, drawing one point per value and
pooling all need one of them; each uses ``preference`` so the choice is the same everywhere: a
table row before a text passage, a printed count before a derived one, the larger n, then the
record id (so the choice never depends on row order).
"""

from __future__ import annotations

import pandas as pd

PREFERENCE = ["_not_table", "_derived", "_minus_n", "record_id"]


def _location(df: pd.DataFrame) -> pd.Series:
    col = "location_kind" if "location_kind" in df else "location"
    return df[col].astype(str)


def preference(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the sort columns of PREFERENCE added (drop them with ``drop_preference``)."""
    derived = df["events_derived"].astype(bool) if "events_derived" in df else False
    return df.assign(
        _not_table=~_location(df).str.startswith("Table"),
        _derived=derived,
        _minus_n=-df["n"].astype("Float64").fillna(0).astype(float),
    )


def drop_preference(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in PREFERENCE if c != "record_id"])


def rank(r: pd.Series) -> tuple:
    """The preference of one record as a sort key (lower stands for the study)."""
    n = r.get("n")
    return (
        not str(r.get("location_kind", r.get("location"))).startswith("Table"),
        bool(r.get("events_derived", False)),
        -float(n) if pd.notna(n) else 0.0,
        str(r["record_id"]),
    )


def one_per_study(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study: linked records count once."""
    if studies.empty:
        return studies
    ranked = preference(studies).sort_values(["cluster", *PREFERENCE])
    return drop_preference(ranked.drop_duplicates("cluster"))


SAME_VALUE = [
    "cluster",
    "endpoint",
    "arm",
    "scope",
    "time_months",
    "value_pct",
    "value_low_pct",
    "value_high_pct",
    "median_months",
    "median_low_months",
    "duration_low_months",
]


def one_point_per_value(rows: pd.DataFrame) -> pd.DataFrame:
    """Linked records of one study that report the same value are drawn once (the preferred
    record), with the other places listed in ``also_at``. Differing values are all kept: they are
    discrepancies to see. Rows keep their order."""
    if rows.empty or "cluster" not in rows:
        return rows.assign(also_at=None)
    key = pd.Series("", index=rows.index)
    for col in SAME_VALUE:
        key = key + "|" + rows[col].astype(object).where(rows[col].notna(), "-").map(str)
    ranked = preference(rows).assign(_key=key).sort_values(["_key", *PREFERENCE])
    where = ranked["study"].astype(str) + " (" + ranked["location"].astype(str) + ")"
    others = where.groupby(ranked["_key"], sort=False).agg(lambda w: "; ".join(w.iloc[1:]))
    kept = ranked.drop_duplicates("_key")
    kept = kept.assign(also_at=kept["_key"].map(others).replace("", None))
    kept = drop_preference(kept).drop(columns="_key")
    return kept.loc[[i for i in rows.index if i in kept.index]]
