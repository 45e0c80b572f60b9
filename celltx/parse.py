"""Parsing and cross-record checks: YAML documents -> validated records, then the checks that need
more than one record (unique ids, links, quotes found in the source documents).

Records are validated one by one, so a bad record is reported (file, line, record id, field, what
was wrong) and left out while every valid record is kept. YAML is read only by celltx.safe_yaml
(safe constructor, nesting limit, no aliases in uploads).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from celltx import diseases, safe_yaml, schema
from celltx.problems import DataError, Problem, _line_of, _pydantic_problems

STUDY_FILE_KEYS = {"kind", "title", "description"}


@dataclass(frozen=True)
class Parsed:
    """The valid records of one or more files and every problem found on the way."""

    studies: tuple[schema.Study, ...] = ()
    targets: tuple[schema.TargetEntry, ...] = ()
    context: tuple[schema.ContextFact, ...] = ()
    sources: tuple[schema.Origin, ...] = ()
    problems: tuple[Problem, ...] = ()
    record_files: dict[str, str] = field(default_factory=dict)


def read_yaml(text: str, name: str, trusted: bool = True) -> tuple[Any, yaml.Node | None]:
    """Data and node tree of a YAML text via celltx.safe_yaml; every refusal becomes a DataError.

    ``trusted=False`` (uploads) refuses anchors and aliases altogether."""
    try:
        return safe_yaml.load(text, trusted=trusted)
    except yaml.constructor.ConstructorError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        tag = re.search(r"tag '([^']+)'", str(e))
        what = f"the tag {safe_yaml.clip(tag.group(1))!r}" if tag else "a tag"
        raise DataError(
            [Problem(name, f"{what} is not allowed: only plain YAML data is read (safe loader)", line)]
        ) from None
    except safe_yaml.LimitError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise DataError([Problem(name, str(e.problem), line)]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(e, "problem", None) or str(e)
        raise DataError([Problem(name, f"malformed YAML: {problem}", line)]) from None


# ---------------------------------------------------------------------------------------------
# Parsing one document

_RECORD_MODELS: dict[str, type[BaseModel]] = {
    "studies": schema.Study,
    "targets": schema.TargetEntry,
    "context": schema.ContextFact,
}


def parse_document(text: str, name: str, default_kind: str | None = None, trusted: bool = True) -> Parsed:
    """Validate one YAML document record by record (see parse_data)."""
    data, root = read_yaml(text, name, trusted)
    return parse_data(data, root, name, default_kind)


def parse_data(data: Any, root: yaml.Node | None, name: str, default_kind: str | None = None) -> Parsed:
    """Validate one document's data record by record; ``root`` is its node tree, for lines.

    A document is a mapping with ``kind`` and ``records`` (as in ``data/``) or, for uploads, a
    bare list of study records (``default_kind='studies'``). Raises DataError only when nothing in
    the document can be used (malformed YAML, wrong top-level shape).
    """
    if data is None:
        raise DataError([Problem(name, "the file is empty")])
    prefix: list[Any] = []
    kind: Any  # from the document: checked against the known kinds below
    items: Any
    header: dict[str, Any] | None
    if isinstance(data, list) and default_kind:
        kind, header, items = default_kind, None, data
    elif isinstance(data, dict):
        kind = data.get("kind", default_kind)
        if kind == "diseases":  # the hierarchy: checked here so 'validate' reports it like any file
            try:
                diseases.check(data, root, name)
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
                        f"unknown or missing 'kind' {safe_yaml.short(kind)}; expected one of "
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
        if rid is not None and not isinstance(rid, str):
            rid = safe_yaml.short(rid)  # bounded: an id may be any YAML value
        rid = rid if rid is not None else f"#{i + 1}"
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


def _source_refs(
    record: schema.Study | schema.TargetEntry | schema.ContextFact,
) -> Iterable[tuple[str, schema.SourceRef]]:
    yield "source", record.source
    if isinstance(record, schema.Study):
        for i, o in enumerate(record.outcomes):
            if o.source:
                yield f"outcomes[{i}].source", o.source


def check_locations(parsed: Parsed) -> list[Problem]:
    """Each source reference names a source with an origin block, and a location that source declares.

    Skipped when no origin blocks are loaded (one file on its own, an upload of a user's own source):
    there is then no declaration to check against."""
    origins = {o.file: o for o in parsed.sources}
    if not origins:
        return []
    problems: list[Problem] = []
    records: list[schema.Study | schema.TargetEntry | schema.ContextFact] = [
        *parsed.studies,
        *parsed.targets,
        *parsed.context,
    ]
    for r in records:
        fname = parsed.record_files.get(r.id, "?")
        for fld, ref in _source_refs(r):
            origin = origins.get(ref.file)
            if origin is None:
                problems.append(
                    Problem(
                        fname,
                        f"source file {ref.file!r} has no origin block in sources.yaml",
                        record=r.id,
                        field=f"{fld}.file",
                    )
                )
            elif ref.location not in origin.locations:
                problems.append(
                    Problem(
                        fname,
                        f"location {ref.location!r} is not declared by its source {ref.file} "
                        f"(its origin block declares: {', '.join(origin.locations)})",
                        record=r.id,
                        field=f"{fld}.location",
                    )
                )
    return problems


def check_dataset(parsed: Parsed, seeds: Path | None) -> list[Problem]:
    """Checks that need more than one record: unique ids, links, locations declared by their source,
    quotes found in sources."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    all_records: list[schema.Study | schema.TargetEntry | schema.ContextFact] = [
        *parsed.studies,
        *parsed.targets,
        *parsed.context,
    ]
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
    problems.extend(check_locations(parsed))
    if seeds is None:
        return problems
    for r in all_records:
        fname = parsed.record_files.get(r.id, "?")
        quotes = _quotes(r) if isinstance(r, schema.Study) else [("quote", r.source.file, r.quote)]
        for fld, src, quote in quotes:
            path = seeds / src
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
