"""The shared sidebar filters as plain data: apply them to frames, encode them in a URL.

Kept free of Streamlit so the same rules serve the app, the figure bundle and the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

LIST_PARAMS = ("disease", "modality", "target")


@dataclass(frozen=True)
class Filters:
    """Empty lists mean 'all'. ``years`` is inclusive; records without a printed year are kept
    only while the range spans every year in the data (they cannot be placed in a narrower one)."""

    disease: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    full_years: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def narrowed_years(self) -> bool:
        return self.years is not None and self.full_years is not None and self.years != self.full_years

    def describe(self) -> str:
        """Human wording for subtitles: 'B-ALL, AML · CAR-T · 2014–2019'."""
        parts = [", ".join(v) for v in (self.disease, self.modality, self.target) if v]
        if self.narrowed_years:
            parts.append(f"{self.years[0]}–{self.years[1]}")
        return " · ".join(parts) if parts else "all studies"

    def slug(self) -> str:
        """File-name part for the active filters: 'B-ALL_AML' or 'all'."""
        parts = [*self.disease, *self.modality, *self.target]
        if self.narrowed_years:
            parts.append(f"{self.years[0]}-{self.years[1]}")
        text = "_".join(parts) if parts else "all"
        return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:80]

    def to_params(self) -> dict[str, str]:
        params = {k: ",".join(getattr(self, k)) for k in LIST_PARAMS if getattr(self, k)}
        if self.narrowed_years:
            params["years"] = f"{self.years[0]}-{self.years[1]}"
        return params


def view_params(f: Filters, presentation: bool = False, dark: bool = False) -> dict[str, str]:
    """The query string of a view: its filters and, when on, presentation mode (the one place
    the app's URL, a slide's "reopen this view" link and "Copy link" are written)."""
    params = f.to_params()
    if presentation:
        params["presentation"] = "dark" if dark else "1"
    return params


def view_link(base: str, path: str, f: Filters, presentation: bool = False, dark: bool = False) -> str:
    """'http://host:8501/cart-response?disease=B-ALL': the page at ``path`` with these filters."""
    query = urlencode(view_params(f, presentation, dark), safe=",")
    return (
        base.rstrip("/")
        + ("/" + path.lstrip("/") if path.strip("/") else "/")
        + (f"?{query}" if query else "")
    )


def _split(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [p.strip() for item in items for p in item.split(",") if p.strip()]


def from_params(
    params: Mapping[str, str | list[str]],
    options: Mapping[str, Iterable[str]],
    full_years: tuple[int, int] | None = None,
) -> Filters:
    """Filters from URL query parameters; unknown values are dropped, never trusted. Repeated
    values count once and a list holds at most every known value ('disease=B-ALL,' x 20,000 was
    20,000 chips)."""
    values = {}
    for key in LIST_PARAMS:
        allowed = set(options.get(key, ()))
        kept = dict.fromkeys(v for v in _split(params.get(key)) if v in allowed)
        values[key] = tuple(kept)  # each known value at most once: never more than are known
    years = full_years
    raw = params.get("years")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if raw and full_years:
        try:
            lo, hi = (int(x) for x in raw.split("-", 1))
            lo, hi = max(lo, full_years[0]), min(hi, full_years[1])
            if lo <= hi:
                years = (lo, hi)
        except ValueError:
            pass
    return Filters(values["disease"], values["modality"], values["target"], years, full_years)


def _any_in(column: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    """Cells of ';'-joined values that contain any wanted value as a whole item (vectorised)."""
    pattern = r"(?:^|;)(?:" + "|".join(re.escape(w) for w in wanted) + r")(?:;|$)"
    return column.fillna("").astype(str).str.contains(pattern, regex=True)


def apply(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Rows of an outcomes or studies frame that pass the filters."""
    keep = pd.Series(True, index=frame.index)
    if f.disease:
        keep &= _any_in(frame["disease"], f.disease)
    if f.modality:
        keep &= frame["modality"].isin(f.modality)
    if f.target:
        keep &= _any_in(frame["target"], f.target)
    if f.narrowed_years:
        year = frame["year"]
        keep &= year.notna() & (year >= f.years[0]) & (year <= f.years[1])
    return frame[keep.astype(bool)]


def options(studies: pd.DataFrame) -> dict[str, list[str]]:
    """Every value a filter can take, from all modalities in the data."""

    def values(col: str) -> list[str]:
        return sorted({v for cell in studies[col].dropna() for v in str(cell).split(";") if v})

    return {"disease": values("disease"), "modality": values("modality"), "target": values("target")}


def year_bounds(studies: pd.DataFrame) -> tuple[int, int] | None:
    years = studies["year"].dropna()
    return (int(years.min()), int(years.max())) if len(years) else None
