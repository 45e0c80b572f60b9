"""The shared sidebar filters as plain data: apply them to frames, encode them in a URL.

Kept free of Streamlit so the same rules serve the app, the figure bundle, the command line and
the tests. The disease rule is here once (``disease_match``, applied by ``apply``): choosing a
term of data/diseases.yaml shows every record coded with it or a narrower term; a record coded
with a broader term (``ALL`` when B-ALL is chosen) or a cohort of several diseases that includes
the chosen one is shown too, marked (``broader_cohort``, ``broader_label`` for the legend,
``shown_because`` for hover and record panel), unless ``broader`` is switched off. Pooling leaves
marked rows out unless ``pool_broader`` is on (celltx.stats.pool).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

from celltx import diseases, vocab

LIST_PARAMS = ("disease", "modality", "target")
# Columns apply() adds to every frame it returns (False/None where no disease is chosen)
MARK_COLUMNS = ("broader_cohort", "broader_label", "shown_because")


@dataclass(frozen=True)
class Filters:
    """Empty lists mean 'all'. ``years`` is inclusive; records without a printed year are kept
    only while the range spans every year in the data (they cannot be placed in a narrower one)."""

    disease: tuple[str, ...] = ()
    modality: tuple[str, ...] = ()
    target: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    full_years: tuple[int, int] | None = field(default=None, compare=False)
    broader: bool = True  # show broader and mixed cohorts (marked) while a disease is chosen
    pool_broader: bool = False  # let pooled estimates include them (default: excluded, with reason)

    @property
    def narrowed_years(self) -> bool:
        return self.years is not None and self.full_years is not None and self.years != self.full_years

    def describe(self) -> str:
        """Human wording for subtitles: 'B-ALL, AML · CAR-T · 2014–2019'."""
        parts = [", ".join(v) for v in (self.disease, self.modality, self.target) if v]
        if self.disease and diseases.UNSTATED not in self.disease:
            parts[0] += " (+ broader cohorts, marked)" if self.broader else " (broader cohorts hidden)"
        if self.narrowed_years and self.years:
            parts.append(f"{self.years[0]}–{self.years[1]}")
        return " · ".join(parts) if parts else "all studies"

    def slug(self) -> str:
        """File-name part for the active filters: 'B-ALL_AML' or 'all'."""
        parts = [*self.disease, *self.modality, *self.target]
        if self.disease and not self.broader:
            parts.append("narrow")
        if self.narrowed_years and self.years:
            parts.append(f"{self.years[0]}-{self.years[1]}")
        text = "_".join(parts) if parts else "all"
        return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:80]

    def to_params(self) -> dict[str, str]:
        params = {k: ",".join(getattr(self, k)) for k in LIST_PARAMS if getattr(self, k)}
        if self.narrowed_years and self.years:
            params["years"] = f"{self.years[0]}-{self.years[1]}"
        if not self.broader:
            params["broader"] = "hide"
        if self.pool_broader:
            params["pool_broader"] = "1"
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

    def first(key: str) -> str | None:
        raw = params.get(key)
        return (raw[0] if raw else None) if isinstance(raw, list) else raw

    # both switches default to what a URL written before they existed meant: broader cohorts
    # shown (marked), not pooled
    return Filters(
        values["disease"],
        values["modality"],
        values["target"],
        years,
        full_years,
        broader=first("broader") != "hide",
        pool_broader=first("pool_broader") == "1",
    )


def _any_in(column: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    """Cells of ';'-joined values that contain any wanted value as a whole item (vectorised)."""
    pattern = r"(?:^|;)(?:" + "|".join(re.escape(w) for w in wanted) + r")(?:;|$)"
    return column.fillna("").astype(str).str.contains(pattern, regex=True)


@dataclass(frozen=True)
class Match:
    """How a record's disease codes relate to the chosen terms."""

    kind: str  # 'direct' (within the chosen terms), 'broader' (shown marked) or 'out'
    label: str | None = None  # legend entry, e.g. 'broader cohort: ALL, lineage not stated'
    because: str | None = None  # why it is shown, for hover text and the record panel


def disease_match(codes: Iterable[str], chosen: Iterable[str], tree: diseases.Tree | None = None) -> Match:
    """The disease rule, for one record's codes (its ``disease`` list) and the chosen terms.

    direct: every code is a chosen term or narrower than one. broader: some code is broader than a
    chosen term (ALL for B-ALL), or the cohort held a chosen disease and others (HL/ALCL for HL).
    out: otherwise. 'mixed' (diseases not stated) is direct for 'mixed' itself and out otherwise.
    """
    tree = tree or vocab.DISEASE_TREE
    codes = [c for c in codes if c in tree]
    chosen = [c for c in chosen if c in tree]
    if not codes or not chosen:
        return Match("out")
    within = [d for d in codes if any(d in tree.descendants(c) for c in chosen)]
    above = [d for d in codes if d not in within and any(d in tree.ancestors(c) for c in chosen)]
    others = [d for d in codes if d not in within and d not in above]
    if within and not above and not others:
        return Match("direct")
    if not within and not above:
        return Match("out")
    cohort = "/".join(codes)
    narrower = [c for c in chosen if any(c in tree.descendants(d) for d in above)] or [
        c for c in chosen if any(d in tree.descendants(c) for d in within)
    ]
    reasons = [
        f"{d} is {tree.label(d)[0].lower()}{tree.label(d)[1:]} (broader than {', '.join(narrower)})"
        for d in above
    ]
    if others:
        reasons.append(f"the cohort also held {', '.join(others)}")
    if above:
        label = "broader cohort: " + "; ".join(f"{d}, {tree.unstated(d)}" for d in above)
    else:
        label = f"mixed cohort: {cohort}"
    because = (
        f"Shown as a {label.split(':')[0]}: coded {cohort}; {'; '.join(reasons)}. Not every patient "
        f"in it need have {' or '.join(narrower)}."
    )
    return Match("broader", label, because)


def _disease_marks(column: pd.Series, f: Filters, tree: diseases.Tree) -> pd.DataFrame:
    """Per row: match kind, legend label, reason; computed once per distinct code list."""
    codes = column.fillna("").astype(str)
    table = {c: disease_match([x for x in c.split(";") if x], f.disease, tree) for c in codes.unique()}
    return pd.DataFrame(
        {
            "kind": codes.map(lambda c: table[c].kind),
            "label": codes.map(lambda c: table[c].label),
            "because": codes.map(lambda c: table[c].because),
        },
        index=column.index,
    )


def apply(frame: pd.DataFrame, f: Filters, tree: diseases.Tree | None = None) -> pd.DataFrame:
    """Rows of an outcomes or studies frame that pass the filters, with MARK_COLUMNS added.

    The one filter every page, the figure bundle and the command line use."""
    tree = tree or vocab.DISEASE_TREE
    keep = pd.Series(True, index=frame.index)
    marks = None
    if f.disease:
        marks = _disease_marks(frame["disease"], f, tree)
        keep &= (marks["kind"] == "direct") | ((marks["kind"] == "broader") & f.broader)
    if f.modality:
        keep &= frame["modality"].isin(f.modality)
    if f.target:
        keep &= _any_in(frame["target"], f.target)
    if f.narrowed_years and f.years:
        year = frame["year"]
        keep &= year.notna() & (year >= f.years[0]) & (year <= f.years[1])
    keep = keep.astype(bool)
    if marks is None:
        return frame[keep].assign(broader_cohort=False, broader_label=None, shown_because=None)
    marks = marks[keep]
    return frame[keep].assign(
        broader_cohort=(marks["kind"] == "broader").to_numpy(),
        broader_label=marks["label"].to_numpy(),
        shown_because=marks["because"].to_numpy(),
    )


def disease_counts(studies: pd.DataFrame, tree: diseases.Tree | None = None) -> dict[str, tuple[int, int]]:
    """For every term: (records it reaches directly, broader or mixed records it also shows), by
    the same rule as ``apply``. A record counts once per term, however many of its codes match."""
    tree = tree or vocab.DISEASE_TREE
    per_code = studies["disease"].fillna("").astype(str).value_counts()
    out = {}
    for term in tree.ordered():
        direct = broader = 0
        for code, n in per_code.items():
            kind = disease_match([x for x in code.split(";") if x], [term], tree).kind
            direct += n if kind == "direct" else 0
            broader += n if kind == "broader" else 0
        out[term] = (int(direct), int(broader))
    return out


def roll_up(studies: pd.DataFrame, tree: diseases.Tree | None = None) -> pd.DataFrame:
    """One row per (study record, term) for every term its codes fall under, themselves and every
    broader term: a B-ALL study counts under B-ALL, ALL and lymphoid, and a study coded ALL/NHL
    counts once under lymphoid. Column ``term`` holds the term; the Overview counts by it."""
    tree = tree or vocab.DISEASE_TREE
    if studies.empty:
        return studies.assign(term=pd.Series(dtype=object))
    codes = studies["disease"].fillna("").astype(str)
    terms_of = {
        c: [
            t
            for t in tree.ordered()
            if any(t == d or t in tree.ancestors(d) for d in c.split(";") if d in tree)
        ]
        for c in codes.unique()
    }
    rows = studies.assign(term=codes.map(terms_of)).explode("term")
    return rows[rows["term"].notna()]


def options(studies: pd.DataFrame, tree: diseases.Tree | None = None) -> dict[str, list[str]]:
    """Every value a filter can take, from all modalities in the data. Diseases are the terms of
    the hierarchy that reach at least one record (directly or as a broader cohort), in tree order."""

    def values(col: str) -> list[str]:
        return sorted({v for cell in studies[col].dropna() for v in str(cell).split(";") if v})

    counts = disease_counts(studies, tree)
    return {
        "disease": [t for t, (direct, broader) in counts.items() if direct or broader],
        "modality": values("modality"),
        "target": values("target"),
    }


def disease_option_label(
    term: str, counts: Mapping[str, tuple[int, int]], tree: diseases.Tree | None = None
) -> str:
    """'ALL (18 + 4 broader)', indented by depth: the tree and what each choice reaches, before
    choosing. Em spaces, because a browser collapses ordinary ones."""
    tree = tree or vocab.DISEASE_TREE
    direct, broader = counts.get(term, (0, 0))
    extra = f" + {broader} broader" if broader else ""
    indent = "\u2003" * tree.depth(term) if term in tree else ""
    return f"{indent}{term} ({direct}{extra})"


def year_bounds(studies: pd.DataFrame) -> tuple[int, int] | None:
    years = studies["year"].dropna()
    return (int(years.min()), int(years.max())) if len(years) else None
