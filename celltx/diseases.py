"""The disease hierarchy: ``data/diseases.yaml`` read, checked and queried.

The terms and their parents are curated data (the WHO classification of haematolymphoid tumours,
with each debatable placement explained in the file), so no disease list lives in code. This
module imports nothing else from celltx but the YAML reader: ``vocab`` reads the file through it
at import time, and ``schema``, ``filters`` and the pages ask the resulting ``Tree`` for
descendants and ancestors.

A bad file (unknown parent, a cycle, a duplicate id, a missing field) is a ``DiseaseFileError``
whose every line names the file, the line and the term.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from celltx import safe_yaml

TermId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

# 'mixed' is the one term with a fixed meaning in code: the source does not say which diseases
# the cohort held. Its label and definition are in the file like every other term's.
UNSTATED = "mixed"


class DiseaseTerm(BaseModel):
    """One term of the hierarchy. ``parent`` is omitted for a root."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: TermId = Field(description="Code used in the records' 'disease' lists, e.g. 'B-ALL'")
    label: Text = Field(description="Name shown to users")
    definition: Text = Field(description="What a record coded with this term holds")
    parent: TermId | None = Field(default=None, description="The broader term; omitted for a root")
    unstated: Text | None = Field(
        default=None,
        description="What a record coded at this broader level leaves open, e.g. 'lineage not "
        "stated'; shown when such a record appears under a narrower term",
    )
    placement: Text | None = Field(
        default=None, description="Why the term sits here where the WHO placement is debatable"
    )


class DiseaseFile(BaseModel):
    """``data/diseases.yaml``: the terms in display order (a parent before its children)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["diseases"]
    title: Text
    description: Text | None = None
    terms: list[DiseaseTerm] = Field(min_length=1)


@dataclass(frozen=True)
class Issue:
    """One problem in a disease file, located for a curator."""

    file: str
    line: int | None
    term: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}" + (f", term {self.term!r}" if self.term else "") + f": {self.message}"


class DiseaseFileError(ValueError):
    """The disease file cannot be used; carries every issue found."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass(frozen=True)
class Tree:
    """The checked hierarchy. Terms keep the file's order, which is the order shown to users."""

    terms: tuple[DiseaseTerm, ...]

    @cached_property
    def by_id(self) -> dict[str, DiseaseTerm]:
        return {t.id: t for t in self.terms}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        kids: dict[str, list[str]] = {t.id: [] for t in self.terms}
        for t in self.terms:
            if t.parent:
                kids[t.parent].append(t.id)
        return {k: tuple(v) for k, v in kids.items()}

    def __contains__(self, term: object) -> bool:
        return term in self.by_id

    def __iter__(self) -> Iterator[DiseaseTerm]:
        return iter(self.terms)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.terms)

    @property
    def roots(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.terms if t.parent is None)

    def ancestors(self, term: str) -> tuple[str, ...]:
        """Broader terms, nearest first (the term itself not included)."""
        out, parent = [], self.by_id[term].parent
        while parent is not None:
            out.append(parent)
            parent = self.by_id[parent].parent
        return tuple(out)

    def descendants(self, term: str) -> tuple[str, ...]:
        """The term and every narrower term, in display order."""
        out = [term]
        for child in self.children[term]:
            out.extend(self.descendants(child))
        return tuple(out)

    def depth(self, term: str) -> int:
        return len(self.ancestors(term))

    def ordered(self) -> tuple[str, ...]:
        """Every term depth-first from the roots: a parent directly above its children."""
        return tuple(t for r in self.roots for t in self.descendants(r))

    def label(self, term: str) -> str:
        return self.by_id[term].label

    def unstated(self, term: str) -> str:
        """What a record coded with this broader term leaves open ('lineage not stated')."""
        t = self.by_id[term]
        return t.unstated or f"{t.label.lower()}, narrower type not stated"


def _line(root: yaml.Node | None, path: Iterable[Any]) -> int | None:
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def parse(text: str, name: str) -> Tree:
    """Read and check a disease file's text; raises DiseaseFileError naming file, line and term."""
    try:
        data, root = safe_yaml.load(text, trusted=True)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise DiseaseFileError(
            [Issue(name, mark.line + 1 if mark else None, None, f"malformed YAML: {problem}")]
        ) from None
    return check(data, root, name)


def check(data: Any, root: yaml.Node | None, name: str) -> Tree:
    """Check a parsed disease file (``root``, its node tree, gives the lines)."""
    raw = data.get("terms") if isinstance(data, dict) else None
    term_of = {}  # index -> id as written, for messages about a term that failed validation
    if isinstance(raw, list):
        term_of = {i: str(t.get("id")) for i, t in enumerate(raw) if isinstance(t, dict) and t.get("id")}
    try:
        parsed = DiseaseFile.model_validate(data)
    except ValidationError as e:
        issues = []
        for err in e.errors():
            loc = list(err["loc"])
            at = loc[1] if len(loc) > 1 and loc[0] == "terms" else None
            term = term_of.get(at) if isinstance(at, int) else None
            msg = "unknown field (misspelt?)" if err["type"] == "extra_forbidden" else err["msg"]
            field = ".".join(str(p) for p in loc[2:]) if term else ".".join(str(p) for p in loc)
            issues.append(Issue(name, _line(root, loc), term, f"{field}: {msg}" if field else msg))
        raise DiseaseFileError(issues) from None
    issues = []
    seen: dict[str, int] = {}
    for i, t in enumerate(parsed.terms):
        if t.id in seen:
            issues.append(
                Issue(
                    name,
                    _line(root, ["terms", i, "id"]),
                    t.id,
                    f"duplicate id (first at term #{seen[t.id] + 1})",
                )
            )
        seen.setdefault(t.id, i)
    ids = set(seen)
    for i, t in enumerate(parsed.terms):
        if t.parent is not None and t.parent not in ids:
            issues.append(
                Issue(name, _line(root, ["terms", i, "parent"]), t.id, f"unknown parent {t.parent!r}")
            )
        if t.parent == t.id:
            issues.append(Issue(name, _line(root, ["terms", i, "parent"]), t.id, "is its own parent"))
    if issues:
        raise DiseaseFileError(issues)
    parent = {t.id: t.parent for t in parsed.terms}
    index = {t.id: i for i, t in enumerate(parsed.terms)}
    reported: set[str] = set()
    for t in parsed.terms:
        path, node = [t.id], t.parent
        while node is not None and node not in path:
            path.append(node)
            node = parent[node]
        if node is not None and node not in reported:  # came back to a term already on the path
            cycle = path[path.index(node) :] + [node]
            reported.update(cycle)
            issues.append(
                Issue(
                    name,
                    _line(root, ["terms", index[node], "parent"]),
                    node,
                    f"cycle in parents: {' -> '.join(cycle)} (every term must lead up to a root)",
                )
            )
    if UNSTATED not in ids:
        issues.append(
            Issue(name, _line(root, ["terms"]), UNSTATED, "the term for unstated/mixed cohorts is missing")
        )
    elif parent[UNSTATED] is not None or any(p == UNSTATED for p in parent.values()):
        issues.append(
            Issue(name, _line(root, ["terms", index[UNSTATED]]), UNSTATED, "must be a root without children")
        )
    if issues:
        raise DiseaseFileError(issues)
    return Tree(tuple(parsed.terms))


def read(path: Path) -> Tree:
    return parse(path.read_text(encoding="utf-8"), _display(path))


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
