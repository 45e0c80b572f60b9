"""YAML -> validated records -> tidy pandas frames: the entry point (load_dataset, Dataset).

The work is done by ``problems`` (what went wrong and where), ``parse`` (records and cross-record
checks) and ``frames`` (tidy tables); their public names are re-exported here so callers import
one module. Parsing is cached by file contents: the same bytes are never parsed twice in a process.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from celltx import schema
from celltx.frames import (
    COUNTABLE_FAMILIES,
    OUTCOME_EXPORT_COLUMNS,
    STUDY_EXPORT_COLUMNS,
    derive_events,
    location_text,
    one_per_study,
    outcomes_frame,
    studies_frame,
    targets_frame,
)
from celltx.parse import (
    STUDY_FILE_KEYS,
    Parsed,
    _merge,
    check_dataset,
    collapse,
    data_files,
    parse_document,
)
from celltx.paths import DATA_DIR, ROOT, SEEDS_ENV, seeds_dir
from celltx.problems import DataError, Problem

__all__ = [
    "COUNTABLE_FAMILIES",
    "DATA_DIR",
    "OUTCOME_EXPORT_COLUMNS",
    "ROOT",
    "SEEDS_ENV",
    "STUDY_EXPORT_COLUMNS",
    "STUDY_FILE_KEYS",
    "DataError",
    "Dataset",
    "Parsed",
    "Problem",
    "check_dataset",
    "collapse",
    "data_files",
    "derive_events",
    "load_dataset",
    "location_text",
    "one_per_study",
    "outcomes_frame",
    "parse_document",
    "seeds_dir",
    "studies_frame",
    "targets_frame",
]


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


def load_dataset(
    path: Path | str = DATA_DIR, seeds: Path | None | str = "auto", cached: bool = True
) -> Dataset:
    """Load a data folder (or one file): valid records, problems, a content-based version.

    ``cached`` keeps the parsed result per file contents in this process (the CLI and tests);
    the app passes False because it caches the frames itself and need not keep the models."""
    path = Path(path)
    if not path.exists():
        raise DataError([Problem(str(path), "no such file or folder")])
    files = tuple((_display(p), _read(p)) for p in data_files(path))
    if not files:
        raise DataError([Problem(str(path), "no .yaml files to read")])
    seeds_path = seeds_dir() if seeds == "auto" else (Path(seeds) if seeds else None)
    loader = _load_cached if cached else _load_cached.__wrapped__
    return loader(files, str(seeds_path) if seeds_path else None)


def _read(p: Path) -> bytes | str:
    """A data file's bytes, or why it cannot be read (a problem for that file, not a crash)."""
    if p.exists() and not p.is_file() and not p.is_dir():
        return "is not a regular file (a pipe or device would block the reader)"
    try:
        return p.read_bytes()
    except IsADirectoryError:
        return "is a folder, not a YAML file"
    except OSError as e:
        if p.is_symlink() and not p.exists():
            # a dangling link or a loop of links; resolve() names where it points
            return f"is a link that leads to no file ({e.strerror or type(e).__name__})"
        return f"cannot be read: {e.strerror or type(e).__name__}"


def _display(p: Path) -> str:
    try:
        # absolute(), not resolve(): a link is named as it is, and a loop of links cannot raise
        return str(p.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@functools.lru_cache(maxsize=8)
def _load_cached(files: tuple[tuple[str, bytes | str], ...], seeds: str | None) -> Dataset:
    parts: list[Parsed] = []
    for name, raw in files:
        if isinstance(raw, str):  # the file could not be read; raw says why
            parts.append(Parsed(problems=(Problem(name, raw),)))
            continue
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
    version = hashlib.sha256(
        b"".join(n.encode() + b"\0" + (r.encode() if isinstance(r, str) else r) for n, r in files)
    ).hexdigest()[:10]
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
