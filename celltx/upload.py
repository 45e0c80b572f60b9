"""User uploads: a YAML or CSV file of studies in the schema of ``data/``, validated record by record.

Uploads go through the same models as the curated files. Invalid records are reported with the
line (YAML) or row (CSV), field and reason; valid ones are returned for the caller to show in
that browser session only. Nothing here writes a file. Limits keep a large or hostile file from
taking the server down, and every failure is a ``DataError``, never another exception.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from celltx import load, parse, pvalue, safe_yaml, schema
from celltx.problems import field_path

MAX_BYTES = 1_000_000
MAX_RECORDS = 500
MAX_CSV_ROWS = 5_000
MAX_OUTCOMES = MAX_CSV_ROWS  # values per upload, YAML or CSV alike (a CSV row is one value)
TEMPLATE_DIR = load.DATA_DIR / "schema"

RECORD_COLUMNS = [
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
    "dose_low",
    "dose_high",
    "dose_unit",
    "source_file",
    "location",
]
OUTCOME_COLUMNS = [
    "arm",
    "arm_n",
    "arm_role",
    "arm_donor_type",
    "endpoint",
    "scope",
    "time_months",
    "value_pct",
    "value_low_pct",
    "value_high_pct",
    "median_months",
    "events",
    "p_value",
    "outcome_n",
    "quote",
    "note",
]
CSV_COLUMNS = [*RECORD_COLUMNS, *OUTCOME_COLUMNS]
REQUIRED_CSV = {"record_id", "modality", "study", "disease", "endpoint", "source_file", "location", "quote"}


def parse_upload(data: bytes, name: str) -> load.Parsed:
    """Validate an uploaded file; raises DataError when the file as a whole cannot be read."""
    name = Path(name).name or "upload"
    if len(data) > MAX_BYTES:
        raise load.DataError(
            [
                load.Problem(
                    name,
                    f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,} bytes ({MAX_BYTES // 1000} kB)",
                )
            ]
        )
    if not data.strip():
        raise load.DataError([load.Problem(name, "the file is empty")])
    utf16 = _utf16(data)
    if utf16:
        raise load.DataError(
            [load.Problem(name, f"the file is {utf16} text; save the table as UTF-8 YAML or CSV")]
        )
    if b"\x00" in data:
        raise load.DataError([load.Problem(name, "this is a binary file, not a YAML or CSV table")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise load.DataError(
            [load.Problem(name, f"not UTF-8 text (byte {e.start}); save the table as UTF-8 YAML or CSV")]
        ) from None
    suffix = Path(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        parsed = _parse_yaml(text, name)
        if parsed.targets or parsed.context or parsed.sources:
            raise load.DataError(
                [load.Problem(name, "only study records can be uploaded (kind: studies)", 1, field="kind")]
            )
    elif suffix == ".csv":
        parsed = parse_csv(text, name)
    else:
        raise load.DataError(
            [load.Problem(name, f"unsupported file type {suffix or '(none)'}; upload .yaml, .yml or .csv")]
        )
    total = len(parsed.studies) + len({p.record for p in parsed.problems if p.severity == "error"})
    if total > MAX_RECORDS:
        raise load.DataError([load.Problem(name, f"{total} records; the limit is {MAX_RECORDS} per upload")])
    return _without_duplicate_ids(parsed, name)


def _utf16(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are such text (with or without a byte-order mark)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:200]
    # ASCII text in UTF-16 without a mark: every other byte is zero
    if len(head) >= 4 and (
        head[1::2].count(0) > 0.9 * len(head[1::2]) or head[::2].count(0) > 0.9 * len(head[::2])
    ):
        return "UTF-16"
    return None


def _parse_yaml(text: str, name: str) -> load.Parsed:
    """A YAML upload: no anchors or aliases, and the record and value counts are checked on the
    plain data, before any record is validated."""
    data, root = parse.read_yaml(text, name, trusted=False)
    items = data.get("records") if isinstance(data, dict) else data
    if isinstance(items, list):
        if len(items) > MAX_RECORDS:
            raise load.DataError(
                [load.Problem(name, f"{len(items)} records; the limit is {MAX_RECORDS} per upload")]
            )
        values = sum(
            len(r["outcomes"]) for r in items if isinstance(r, dict) and isinstance(r.get("outcomes"), list)
        )
        if values > MAX_OUTCOMES:
            raise load.DataError(
                [
                    load.Problem(
                        name, f"{values:,} values (outcomes); the limit is {MAX_OUTCOMES:,} per upload"
                    )
                ]
            )
    return parse.parse_data(data, root, name, default_kind="studies")


def _without_duplicate_ids(parsed: load.Parsed, name: str) -> load.Parsed:
    """Records of one upload that share an id are all left out and reported, as in data/."""
    counts: dict[str, int] = {}
    for s in parsed.studies:
        counts[s.id] = counts.get(s.id, 0) + 1
    dup = {rid for rid, c in counts.items() if c > 1}
    if not dup:
        return parsed
    problems = [
        load.Problem(
            name, f"{counts[rid]} records share this id; none of them was added", record=rid, field="id"
        )
        for rid in sorted(dup)
    ]
    studies = tuple(s for s in parsed.studies if s.id not in dup)
    return load.Parsed(
        studies=studies,
        problems=parsed.problems + tuple(problems),
        record_files={s.id: name for s in studies},
    )


# ---------------------------------------------------------------------------------------------
# CSV: one row per outcome, record fields repeated on each row of a record


def _num(value: str, kind: type) -> Any:
    value = value.strip()
    if value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        if kind is int:
            try:
                f = float(value)
            except ValueError:
                return value  # let the model report the type error with the value
            return int(f) if f.is_integer() else value
        return value


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


# 'Table 5, ref 12' -> location and reference ('text, ref 8,9' -> refs 8 and 9); which locations a
# source has is its origin block's business (checked in celltx.parse), not this pattern's
_LOCATION = re.compile(r"^(?P<loc>[^,]+?)(?:,\s*ref\s*(?P<ref>\d+(?:\s*,\s*\d+)*))?$")


def _location(value: str) -> dict[str, Any]:
    m = _LOCATION.match(value.strip())
    if not m:
        return {"location": value.strip()}
    out: dict[str, Any] = {"location": m["loc"]}
    if m["ref"]:
        refs = [int(x) for x in m["ref"].split(",")]
        out["ref"] = refs[0] if len(refs) == 1 else refs
    return out


def _p_value(value: str) -> dict[str, Any]:
    if not value.strip():
        return {}
    op, v = pvalue.split(value)
    return {"p_value": _num(v, float), "p_operator": op}


def _record_from_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[dict, list[int]]:
    first = rows[0][1]
    rec: dict[str, Any] = {
        "id": first["record_id"].strip(),
        "study": first.get("study", ""),
        "modality": first.get("modality", ""),
        "disease": _list(first.get("disease", "")),
        "disease_text": first.get("disease_text") or first.get("disease", ""),
        "target": _list(first.get("target", "")),
        "source": {"file": first.get("source_file", ""), **_location(first.get("location", ""))},
        "quote": rows[0][1].get("quote", ""),
    }
    for key, kind in (("year", int), ("n", int)):
        if first.get(key, "").strip():
            rec[key] = _num(first[key], kind)
    for key in ("setting", "protocol"):
        if first.get(key, "").strip():
            rec[key] = first[key].strip()
    if first.get("dose_unit", "").strip() or first.get("dose_low", "").strip():
        rec["dose"] = {
            "low": _num(first.get("dose_low", ""), float),
            "high": _num(first.get("dose_high", ""), float),
            "unit": first.get("dose_unit", "").strip(),
        }
    arms: dict[str, Any] = {}
    outcomes = []
    lines = []
    for line, row in rows:
        o: dict[str, Any] = {"endpoint": row.get("endpoint", "").strip(), "quote": row.get("quote") or None}
        arm = (row.get("arm") or "all").strip() or "all"
        o["arm"] = arm
        if arm != "all" and arm not in arms:
            arms[arm] = {
                "name": arm,
                "n": _num(row.get("arm_n", ""), int),
                "role": row.get("arm_role", "").strip(),
                "donor_type": row.get("arm_donor_type", "").strip() or None,
            }
        numeric: tuple[tuple[str, type], ...] = (
            ("time_months", float),
            ("value_pct", float),
            ("value_low_pct", float),
            ("value_high_pct", float),
            ("median_months", float),
            ("events", int),
        )
        for key, num_type in numeric:
            if row.get(key, "").strip():
                o[key] = _num(row[key], num_type)
        if row.get("outcome_n", "").strip():
            o["n"] = _num(row["outcome_n"], int)
        for key in ("scope", "note"):
            if row.get(key, "").strip():
                o[key] = row[key].strip()
        o.update(_p_value(row.get("p_value", "")))
        outcomes.append({k: v for k, v in o.items() if v is not None})
        lines.append(line)
    rec["arms"] = list(arms.values())
    rec["outcomes"] = outcomes
    return rec, lines


def parse_csv(text: str, name: str) -> load.Parsed:
    """Validate a CSV of outcome rows (the ``export outcomes`` layout plus dose and arm columns)."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = sorted(REQUIRED_CSV - set(header))
        if missing:
            raise load.DataError(
                [
                    load.Problem(
                        name,
                        f"not a celltx table: missing column(s) {', '.join(missing)}; "
                        "download the CSV template",
                        1,
                    )
                ]
            )
        groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        for i, row in enumerate(reader, start=2):
            if i - 1 > MAX_CSV_ROWS:
                raise load.DataError(
                    [
                        load.Problem(
                            name,
                            f"more than {MAX_CSV_ROWS} rows; the limit is {MAX_CSV_ROWS} rows per upload",
                        )
                    ]
                )
            if None in row:
                raise load.DataError([load.Problem(name, "row has more cells than the header", i)])
            row = {k: (v or "") for k, v in row.items()}
            rid = row.get("record_id", "").strip() or f"row-{i}"
            groups.setdefault(rid, []).append((i, row))
    except csv.Error as e:
        raise load.DataError([load.Problem(name, f"malformed CSV: {e}")]) from None
    if not groups:
        raise load.DataError(
            [load.Problem(name, "the CSV has a header but no rows: add one row per value below it", 1)]
        )
    problems: list[load.Problem] = []
    valid: list[schema.Study] = []
    for rid, rows in groups.items():
        rec, lines = _record_from_rows(rows)
        for field in ("study", "modality", "disease", "source_file", "location"):
            values = {r.get(field, "").strip() for _, r in rows}
            if len(values) > 1:
                problems.append(
                    load.Problem(
                        name,
                        f"rows of one record disagree on {field}: {', '.join(sorted(values))}",
                        lines[0],
                        rid,
                        field,
                    )
                )
        try:
            valid.append(schema.Study.model_validate(rec))
        except ValidationError as e:
            for err in e.errors():
                loc = list(err["loc"])
                line = (
                    lines[loc[1]]
                    if len(loc) > 1
                    and loc[0] == "outcomes"
                    and isinstance(loc[1], int)
                    and loc[1] < len(lines)
                    else lines[0]
                )
                msg = err["msg"].removeprefix("Value error, ")
                if (
                    err["type"] not in ("missing",)
                    and "input" in err
                    and not isinstance(err["input"], dict | list)
                ):
                    msg += f" (got {safe_yaml.short(err['input'])})"
                problems.append(load.Problem(name, msg, line, rid, field_path(loc) or None))
    bad = {p.record for p in problems}
    valid = [s for s in valid if s.id not in bad]
    return load.Parsed(
        studies=tuple(valid), problems=tuple(problems), record_files={s.id: name for s in valid}
    )


# ---------------------------------------------------------------------------------------------
# Templates and schema


def template_yaml() -> str:
    return (TEMPLATE_DIR / "template.yaml").read_text(encoding="utf-8")


def template_csv() -> str:
    """The YAML template's example record as CSV rows (one per outcome)."""
    parsed = load.parse_document(template_yaml(), "template.yaml")
    return records_to_csv(parsed.studies)


def records_to_csv(studies: tuple[schema.Study, ...] | list[schema.Study]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for s in studies:
        arms = {a.name: a for a in s.arms}
        for o in s.outcomes:
            arm = arms.get(o.arm)
            src = o.source or s.source
            w.writerow(
                {
                    "record_id": s.id,
                    "modality": s.modality,
                    "study": s.study,
                    "year": s.year or "",
                    "disease": ";".join(s.disease),
                    "disease_text": s.disease_text,
                    "target": ";".join(s.target),
                    "setting": s.setting or "",
                    "protocol": s.protocol or "",
                    "n": s.n or "",
                    "dose_low": s.dose.low if s.dose and s.dose.low is not None else "",
                    "dose_high": s.dose.high if s.dose and s.dose.high is not None else "",
                    "dose_unit": s.dose.unit if s.dose else "",
                    "source_file": src.file,
                    "location": load.location_text(src),
                    "arm": o.arm,
                    "arm_n": (arm.n if arm else None) or "",
                    "arm_role": arm.role if arm else "",
                    "arm_donor_type": (arm.donor_type if arm else None) or "",
                    "endpoint": o.endpoint,
                    "scope": o.scope or "",
                    "time_months": o.landmark_months or "",
                    "value_pct": _blank(o.value_pct),
                    "value_low_pct": _blank(o.value_low_pct),
                    "value_high_pct": _blank(o.value_high_pct),
                    "median_months": _blank(o.median_months),
                    "events": _blank(o.events),
                    "p_value": pvalue.printed(o.p_value, o.p_operator) or "",
                    "outcome_n": o.n or "",
                    "quote": load.collapse(o.quote or s.quote),
                    "note": o.note or "",
                }
            )
    return buf.getvalue()


def _blank(v: Any) -> Any:
    return "" if v is None else v


def json_schema() -> dict:
    """JSON Schema of a study file, from the same models that validate data/ and uploads."""
    out = schema.StudyFile.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "celltx study file"
    return out


def disease_json_schema() -> dict:
    """JSON Schema of data/diseases.yaml (the graph checks, parents and cycles, are in celltx.diseases)."""
    out = schema.DiseaseFile.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "celltx disease hierarchy"
    return out
