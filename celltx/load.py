"""YAML -> validated records -> tidy pandas frames.

Records are validated one by one, so a bad record is reported (file, line, record id, field, what
was wrong) and left out while every valid record is kept. YAML is read with PyYAML's SafeLoader
only. Parsing is cached by file contents: the same bytes are never parsed twice in a process.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from celltx import diseases, schema, vocab
from celltx.stats import clopper_pearson_arrays

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SEEDS_ENV = "CELLTX_SEEDS"

STUDY_FILE_KEYS = {"kind", "title", "description"}

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


def seeds_dir() -> Path | None:
    """The folder of source documents: $CELLTX_SEEDS, else ../shared/seeds beside the repo."""
    env = os.environ.get(SEEDS_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "seeds")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@dataclass(frozen=True)
class Problem:
    """One validation problem, phrased so a curator can find and fix it."""

    file: str
    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None
    severity: str = "error"  # 'error' drops the record; 'warning' keeps it

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.record:
            parts.append(f"record {self.record!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{', '.join(parts)}: {prefix}{self.message}"


class DataError(ValueError):
    """Raised when input cannot be used at all; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Parsed:
    """The valid records of one or more files and every problem found on the way."""

    studies: tuple[schema.Study, ...] = ()
    targets: tuple[schema.TargetEntry, ...] = ()
    context: tuple[schema.ContextFact, ...] = ()
    sources: tuple[schema.Origin, ...] = ()
    problems: tuple[Problem, ...] = ()
    record_files: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# YAML reading with line numbers


# libyaml's safe loader when PyYAML was built with it (about five times faster), else the pure one
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    """The node tree, for line numbers; only built when a record has a problem."""
    return yaml.compose(text, Loader=SAFE_LOADER)


def _safe_load(text: str, name: str) -> Any:
    """Parse with a safe loader; malformed YAML and python tags become DataError."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.constructor.ConstructorError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        tag = re.search(r"tag '([^']+)'", str(e))
        what = f"the tag {tag.group(1)!r}" if tag else "a tag"
        raise DataError(
            [Problem(name, f"{what} is not allowed: only plain YAML data is read (safe loader)", line)]
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(e, "problem", None) or str(e)
        raise DataError([Problem(name, f"malformed YAML: {problem}", line)]) from None


class _Nodes:
    """The document's node tree, composed on first use: valid files never pay for it."""

    def __init__(self, text: str):
        self._text = text
        self._root: yaml.Node | None = None
        self._done = False

    @property
    def root(self) -> yaml.Node | None:
        if not self._done:
            self._root, self._done = _compose(self._text), True
        return self._root


def _line_of(nodes: _Nodes | yaml.Node | None, path: Iterable[Any]) -> int | None:
    """Line (1-based) of the deepest node reachable along a path of keys and indexes."""
    node = nodes.root if isinstance(nodes, _Nodes) else nodes
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _loc_text(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(
    err: ValidationError,
    name: str,
    node: _Nodes | yaml.Node | None,
    record: str | None,
    prefix: Sequence[Any] = (),
) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-after"))]
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] not in ("missing", "extra_forbidden") and "input" in e:
            shown = repr(e["input"])
            if len(shown) <= 60 and not isinstance(e["input"], dict | list):
                msg += f" (got {shown})"
        if e["type"] == "extra_forbidden":
            msg = "unknown field (misspelt?)"
        # record-level checks about one outcome name it as 'outcomes[i] (endpoint): ...'
        m = re.match(r"^outcomes\[(\d+)\] \([^)]*\): (events .*)$", msg)
        if m and not loc:
            loc, msg = ["outcomes", int(m.group(1)), "events"], m.group(2)
        problems.append(Problem(name, msg, _line_of(node, [*prefix, *loc]), record, _loc_text(loc) or None))
    return problems


# ---------------------------------------------------------------------------------------------
# Parsing one document

_RECORD_MODELS: dict[str, type[BaseModel]] = {
    "studies": schema.Study,
    "targets": schema.TargetEntry,
    "context": schema.ContextFact,
}


def parse_document(text: str, name: str, default_kind: str | None = None) -> Parsed:
    """Validate one YAML document record by record.

    A document is a mapping with ``kind`` and ``records`` (as in ``data/``) or, for uploads, a
    bare list of study records (``default_kind='studies'``). Raises DataError only when nothing in
    the document can be used (malformed YAML, wrong top-level shape).
    """
    data = _safe_load(text, name)
    root = _Nodes(text)
    if data is None:
        raise DataError([Problem(name, "the file is empty")])
    prefix: list[Any] = []
    if isinstance(data, list) and default_kind:
        kind, header, items = default_kind, None, data
    elif isinstance(data, dict):
        kind = data.get("kind", default_kind)
        if kind == "diseases":  # the hierarchy: checked here so 'validate' reports it like any file
            try:
                diseases.parse(text, name)
            except diseases.DiseaseFileError as e:
                return Parsed(
                    problems=tuple(Problem(i.file, i.message, i.line, i.term, "terms") for i in e.issues)
                )
            return Parsed()
        if kind == "sources":
            try:
                sf = schema.SourcesFile.model_validate(data)
            except ValidationError as e:
                return Parsed(problems=tuple(_pydantic_problems(e, name, root, None)))
            return Parsed(sources=tuple(sf.sources))
        if kind not in _RECORD_MODELS:
            raise DataError(
                [
                    Problem(
                        name,
                        f"unknown or missing 'kind' {kind!r}; expected one of "
                        f"{', '.join([*_RECORD_MODELS, 'sources', 'diseases'])}",
                        1,
                        field="kind",
                    )
                ]
            )
        items = data.get("records")
        header = {k: v for k, v in data.items() if k != "records"}
        prefix = ["records"]
        if not isinstance(items, list):
            raise DataError(
                [
                    Problem(
                        name,
                        "'records' must be a list of records",
                        _line_of(root, ["records"]),
                        field="records",
                    )
                ]
            )
    else:
        raise DataError(
            [
                Problem(
                    name,
                    "expected a mapping with 'kind' and 'records' (or a list "
                    f"of records), got {type(data).__name__}",
                    1,
                )
            ]
        )
    problems: list[Problem] = []
    if header is not None:
        unknown = set(header) - STUDY_FILE_KEYS
        for key in sorted(unknown):
            problems.append(
                Problem(name, "unknown top-level field", _line_of(root, [key]), field=key, severity="warning")
            )
    model = _RECORD_MODELS[kind]
    valid: list[Any] = []
    for i, item in enumerate(items):
        rid = item.get("id") if isinstance(item, dict) else None
        rid = str(rid) if rid is not None else f"#{i + 1}"
        if not isinstance(item, dict):
            problems.append(
                Problem(
                    name,
                    f"record must be a mapping, got {type(item).__name__}",
                    _line_of(root, [*prefix, i]),
                    rid,
                )
            )
            continue
        try:
            valid.append(model.model_validate(item))
        except ValidationError as e:
            problems.extend(_pydantic_problems(e, name, root, rid, [*prefix, i]))
    files = {r.id: name for r in valid}
    return Parsed(
        studies=tuple(valid) if kind == "studies" else (),
        targets=tuple(valid) if kind == "targets" else (),
        context=tuple(valid) if kind == "context" else (),
        problems=tuple(problems),
        record_files=files,
    )


# ---------------------------------------------------------------------------------------------
# Cross-record checks


def collapse(text: str) -> str:
    """Collapse runs of whitespace to one space (how quotes are matched against sources)."""
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=16)
def _source_text(path: str, mtime: float) -> str:
    return collapse(Path(path).read_text(encoding="utf-8"))


def _quotes(study: schema.Study) -> Iterable[tuple[str, str, str]]:
    yield "quote", study.source.file, study.quote
    if study.disease_quote:
        yield "disease_quote", (study.disease_source or study.source).file, study.disease_quote
    for i, o in enumerate(study.outcomes):
        if o.quote:
            yield f"outcomes[{i}].quote", (o.source or study.source).file, o.quote


def check_dataset(parsed: Parsed, seeds: Path | None) -> list[Problem]:
    """Checks that need more than one record: unique ids, links, quotes found in sources."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    all_records = [*parsed.studies, *parsed.targets, *parsed.context]
    for r in all_records:
        fname = parsed.record_files.get(r.id, "?")
        if r.id in seen:
            problems.append(Problem(fname, f"duplicate id (also in {seen[r.id]})", record=r.id, field="id"))
        else:
            seen[r.id] = fname
    ids = {s.id: s for s in parsed.studies}
    for s in parsed.studies:
        fname = parsed.record_files.get(s.id, "?")
        for other in s.same_study_as:
            if other not in ids:
                problems.append(
                    Problem(
                        fname,
                        f"same_study_as names unknown record {other!r}",
                        record=s.id,
                        field="same_study_as",
                    )
                )
            elif s.id not in ids[other].same_study_as:
                problems.append(
                    Problem(
                        fname,
                        f"link to {other!r} is not returned by it (list each other)",
                        record=s.id,
                        field="same_study_as",
                        severity="warning",
                    )
                )
    known_files = {o.file for o in parsed.sources}
    if seeds is None:
        return problems
    for r in all_records:
        fname = parsed.record_files.get(r.id, "?")
        quotes = _quotes(r) if isinstance(r, schema.Study) else [("quote", r.source.file, r.quote)]
        for fld, src, quote in quotes:
            path = seeds / src
            if known_files and src not in known_files:
                problems.append(
                    Problem(
                        fname,
                        f"source file {src!r} has no origin block in sources.yaml",
                        record=r.id,
                        field=fld,
                    )
                )
            if not path.is_file():
                problems.append(
                    Problem(fname, f"source file {src!r} not found in {seeds}", record=r.id, field=fld)
                )
                continue
            if collapse(quote) not in _source_text(str(path), path.stat().st_mtime):
                problems.append(
                    Problem(fname, f"quote not found in {src}: {quote[:80]!r}", record=r.id, field=fld)
                )
    return problems


# ---------------------------------------------------------------------------------------------
# The dataset


@dataclass(frozen=True)
class Dataset:
    """Everything loaded from a data folder. Frames are fresh copies: callers may not share them."""

    parsed: Parsed
    problems: tuple[Problem, ...]
    version: str
    quotes_checked: bool
    outcomes_: pd.DataFrame = field(repr=False, compare=False, default=None)
    studies_: pd.DataFrame = field(repr=False, compare=False, default=None)
    targets_: pd.DataFrame = field(repr=False, compare=False, default=None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def outcomes(self) -> pd.DataFrame:
        return self.outcomes_.copy()

    def studies(self) -> pd.DataFrame:
        return self.studies_.copy()

    def targets(self) -> pd.DataFrame:
        return self.targets_.copy()

    def origin(self, file: str) -> schema.Origin | None:
        return next((o for o in self.parsed.sources if o.file == file), None)


def _merge(parts: Sequence[Parsed], extra: Sequence[Problem] = ()) -> Parsed:
    return Parsed(
        studies=tuple(s for p in parts for s in p.studies),
        targets=tuple(t for p in parts for t in p.targets),
        context=tuple(c for p in parts for c in p.context),
        sources=tuple(o for p in parts for o in p.sources),
        problems=tuple(x for p in parts for x in p.problems) + tuple(extra),
        record_files={k: v for p in parts for k, v in p.record_files.items()},
    )


def data_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_dataset(
    path: Path | str = DATA_DIR, seeds: Path | None | str = "auto", cached: bool = True
) -> Dataset:
    """Load a data folder (or one file): valid records, problems, a content-based version.

    ``cached`` keeps the parsed result per file contents in this process (the CLI and tests);
    the app passes False because it caches the frames itself and need not keep the models."""
    path = Path(path)
    if not path.exists():
        raise DataError([Problem(str(path), "no such file or folder")])
    files = tuple((_display(p), p.read_bytes()) for p in data_files(path))
    if not files:
        raise DataError([Problem(str(path), "no .yaml files to read")])
    seeds_path = seeds_dir() if seeds == "auto" else (Path(seeds) if seeds else None)
    loader = _load_cached if cached else _load_cached.__wrapped__
    return loader(files, str(seeds_path) if seeds_path else None)


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@functools.lru_cache(maxsize=8)
def _load_cached(files: tuple[tuple[str, bytes], ...], seeds: str | None) -> Dataset:
    parts: list[Parsed] = []
    for name, raw in files:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            parts.append(Parsed(problems=(Problem(name, "not UTF-8 text"),)))
            continue
        try:
            parts.append(parse_document(text, name))
        except DataError as e:
            parts.append(Parsed(problems=tuple(e.problems)))
    merged = _merge(parts)
    seeds_path = Path(seeds) if seeds else None
    cross = check_dataset(merged, seeds_path)
    bad_ids = {p.record for p in cross if p.severity == "error" and p.field == "id"}
    studies = tuple(s for s in merged.studies if s.id not in bad_ids) if bad_ids else merged.studies
    version = hashlib.sha256(b"".join(n.encode() + b"\0" + r for n, r in files)).hexdigest()[:10]
    merged = Parsed(
        studies,
        merged.targets,
        merged.context,
        merged.sources,
        merged.problems + tuple(cross),
        merged.record_files,
    )
    return Dataset(
        merged,
        merged.problems,
        version,
        seeds_path is not None,
        outcomes_frame(merged.studies),
        studies_frame(merged.studies),
        targets_frame(merged.targets),
    )


# ---------------------------------------------------------------------------------------------
# Frames


def _decimals(x: float) -> int:
    return max(0, -Decimal(repr(float(x))).normalize().as_tuple().exponent) if x % 1 else 0


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
    return f"{src.location}, ref {src.ref}" if src.ref else src.location


def p_text(o: schema.Outcome) -> str | None:
    if o.p_value is None:
        return None
    op = "" if o.p_operator == "=" else o.p_operator
    return f"{op}{o.p_value:g}"


def _push(cols: dict[str, list], row: dict) -> None:
    """Append one value's fields column-wise: no list of 50-key dicts at 10,000 studies."""
    for k, v in row.items():
        cols[k].append(v)


def outcomes_frame(studies: Sequence[schema.Study], user_data: bool = False) -> pd.DataFrame:
    """One row per reported value, with derived counts, exact CIs and provenance."""
    clusters = _clusters(studies)
    cols: dict[str, list] = {c: [] for c in _OUTCOME_COLUMNS}
    for s in studies:
        arm_n = {a.name: a.n for a in s.arms}
        for i, o in enumerate(s.outcomes):
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
                    "p_value": p_text(o),
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
                    "ref": src.ref,
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
            else (sum(a.n for a in s.arms) if s.arms and all(a.n for a in s.arms) else None),
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


def one_per_study(studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study: linked records (a table row and its text passage) count once, keeping the
    table row, else the record with the largest n."""
    if studies.empty:
        return studies
    ranked = studies.assign(
        _table=~studies["location"].str.startswith("Table"), _n=-studies["n"].fillna(0).astype(float)
    )
    ranked = ranked.sort_values(["cluster", "_table", "_n", "record_id"])
    return ranked.drop_duplicates("cluster").drop(columns=["_table", "_n"])


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
            "ref": t.source.ref,
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
