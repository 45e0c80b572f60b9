"""Problems and their wording: what went wrong, where (file, line, record, field), in words a curator
can act on. Line numbers come from the node tree celltx.safe_yaml builds while parsing. Every piece
of user text in a problem is bounded (reprlib), so a huge or deeply nested value never becomes a
huge message or a slow ``repr``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from celltx.safe_yaml import clip, short


@dataclass(frozen=True)
class Problem:
    """One validation problem, phrased so a curator can find and fix it."""

    file: str
    message: str
    line: int | None = None
    record: str | None = None
    field: str | None = None
    severity: str = "error"  # 'error' drops the record; 'warning' keeps it

    def __post_init__(self) -> None:
        # the one place every problem passes: user text in it is cut to a readable size
        object.__setattr__(self, "message", clip(self.message, 600))
        if self.record is not None:
            object.__setattr__(self, "record", clip(self.record, 80))
        if self.field is not None:
            object.__setattr__(self, "field", clip(self.field, 80))

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


def _line_of(node: yaml.Node | None, path: Iterable[Any]) -> int | None:
    """Line (1-based) of the deepest node reachable along a path of keys and indexes."""
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


def field_path(loc: Sequence[Any]) -> str:
    """Where in a record a problem is, as a reader writes it: ``outcomes[2].events`` from a
    validator's location ``("outcomes", 2, "events")``; keys are clipped (a key can be any text).
    Validation of data files and of uploads both word locations with this."""
    out = ""
    for part in loc:
        part = part if isinstance(part, int) else clip(part, 40)  # a key can be any text
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _pydantic_problems(
    err: ValidationError,
    name: str,
    node: yaml.Node | None,
    record: str | None,
    prefix: Sequence[Any] = (),
) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-after"))]
        msg = e["msg"].removeprefix("Value error, ")
        if (
            e["type"] not in ("missing", "extra_forbidden")
            and "input" in e
            and not isinstance(e["input"], dict | list)
        ):
            msg += f" (got {short(e['input'])})"
        if e["type"] == "extra_forbidden":
            msg = "unknown field (misspelt?)"
        # record-level checks about one outcome name it as 'outcomes[i] (endpoint): ...'
        m = re.match(r"^outcomes\[(\d+)\] \([^)]*\): (events .*)$", msg)
        if m and not loc:
            loc, msg = ["outcomes", int(m.group(1)), "events"], m.group(2)
        problems.append(Problem(name, msg, _line_of(node, [*prefix, *loc]), record, field_path(loc) or None))
    return problems
