"""CSV exports with the column contract and spreadsheet-formula neutralisation."""

from __future__ import annotations

import io

import pandas as pd

from celltx.load import OUTCOME_EXPORT_COLUMNS, STUDY_EXPORT_COLUMNS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame, columns: list[str] | None = None) -> str:
    """CSV text of a frame, text cells neutralised; numbers are written as they are."""
    out = frame[columns] if columns else frame
    out = out.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


# Added after the contract columns when a disease filter is active: which rows are broader or
# mixed cohorts shown marked, and why (celltx.filters.apply)
MARK_EXPORT_COLUMNS = ["broader_cohort", "shown_because"]


def outcomes_csv(outcomes: pd.DataFrame, all_columns: bool = False, marks: bool = False) -> str:
    return to_csv(
        outcomes, None if all_columns else OUTCOME_EXPORT_COLUMNS + (MARK_EXPORT_COLUMNS if marks else [])
    )


def studies_csv(studies: pd.DataFrame, all_columns: bool = False, marks: bool = False) -> str:
    return to_csv(
        studies, None if all_columns else STUDY_EXPORT_COLUMNS + (MARK_EXPORT_COLUMNS if marks else [])
    )
