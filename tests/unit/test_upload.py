"""Uploads: a corpus of bad files, each with its expected error; CSV round trip; safety."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from celltx import charts, export, load, upload

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

# file -> (raises for the whole file?, record, field, fragment of the reason)
EXPECTED = {
    "malformed.yaml": (True, None, None, "malformed YAML"),
    "wrong_types.yaml": (False, "user-a", "n", "valid integer"),
    "out_of_range.yaml": (False, "user-a", "outcomes[0].value_pct", "less than or equal to 100"),
    "events_gt_n.yaml": (False, "user-a", "outcomes[0].events", "events (12) larger than n (10)"),
    "unknown_unit.yaml": (False, "user-a", "dose.unit", "'1e6/kg', '1e6 total' or '1e6/m2'"),
    "python_object.yaml": (True, None, None, "python/object/apply:os.system"),
    "empty.yaml": (True, None, None, "empty"),
    "unknown_disease.yaml": (False, "user-a", "disease", "unknown disease 'Leukaemia X'"),
    "binary.csv": (True, None, None, "binary file"),
    "not_a_table.csv": (True, None, None, "not a celltx table"),
    # issue 12: hostile or careless files, each refused with its own message
    "deep_notes.yaml": (True, None, None, "nesting deeper than 20 levels"),
    "alias_bomb_notes.yaml": (True, None, None, "anchors (&a0) are not allowed in an upload"),
    "alias_bomb_id.yaml": (True, None, None, "anchors (&a0) are not allowed in an upload"),
    "utf16.yaml": (True, None, None, "the file is UTF-16 text; save the table as UTF-8"),
    "header_only.csv": (True, None, None, "the CSV has a header but no rows"),
    "overflow_n.csv": (False, "user-big", "n", "less than or equal to 10000000"),
}


def read(name: str) -> bytes:
    return (BAD / name).read_bytes()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_gives_its_error(name):
    whole, record, field, fragment = EXPECTED[name]
    if whole:
        with pytest.raises(load.DataError) as e:
            upload.parse_upload(read(name), name)
        assert fragment in str(e.value) and name in str(e.value)
        return
    parsed = upload.parse_upload(read(name), name)
    assert not parsed.studies
    errors = [p for p in parsed.problems if p.severity == "error"]
    assert any(p.record == record and p.field == field and fragment in p.message for p in errors), [
        str(p) for p in errors
    ]
    assert all(p.line for p in errors), "every error names a line"


def test_duplicate_ids_in_an_upload_are_reported_and_left_out():
    # behaviour change (issue 12): both records were kept silently; now neither is, as in data/
    parsed = upload.parse_upload(read("duplicate_ids.yaml"), "duplicate_ids.yaml")
    assert not parsed.studies
    (p,) = parsed.problems
    assert (p.record, p.field) == ("user-a", "id") and "2 records share this id" in p.message


RECORD = (
    "- {id: r%d, study: s, modality: NK, disease: [AML], disease_text: AML, "
    "source: {file: f, location: other}, quote: q, outcomes: [%s]}\n"
)
OUTCOME = "{endpoint: CR, value_pct: 50}"


def test_60_kb_of_nested_brackets_is_refused_not_a_crash():
    # libyaml's composer recursed once per level: 30,000 levels overflowed the C stack (SIGSEGV)
    data = b"[" * 30_000 + b"]" * 30_000
    with pytest.raises(load.DataError, match="deep.yaml:1: nesting deeper than 20 levels"):
        upload.parse_upload(data, "deep.yaml")


def test_block_nesting_counts_like_brackets():
    data = ("".join("  " * i + "- \n" for i in range(25)) + "  " * 25 + "- x\n").encode()
    with pytest.raises(load.DataError, match="nesting deeper than 20 levels"):
        upload.parse_upload(data, "block.yaml")


def test_17_kb_of_anchored_outcomes_is_refused_before_anything_grows():
    # one outcome, a list of 2,000 aliases to it, 500 records merging a record with that list:
    # accepted before as 500 valid records with 1,000,000 values (1.9 GB)
    text = "o: &o " + OUTCOME + "\nL: &L [" + ", ".join(["*o"] * 2000) + "]\n"
    text += "R: &R {study: s, modality: NK, disease: [AML], disease_text: AML, "
    text += "source: {file: f, location: other}, quote: q, outcomes: *L}\nrecords:\n"
    text += "".join(f"  - {{<<: *R, id: r{i}}}\n" for i in range(500))
    assert 15_000 < len(text) < 20_000
    with pytest.raises(load.DataError, match="anchors \\(&o\\) are not allowed in an upload"):
        upload.parse_upload(text.encode(), "anchors.yaml")


def test_values_per_upload_are_capped_like_csv_rows():
    per_record = 20
    n_records = upload.MAX_OUTCOMES // per_record + 1
    text = "".join(RECORD % (i, ", ".join([OUTCOME] * per_record)) for i in range(n_records))
    assert len(text) < upload.MAX_BYTES
    with pytest.raises(load.DataError, match="5,020 values \\(outcomes\\); the limit is 5,000 per upload"):
        upload.parse_upload(text.encode(), "values.yaml")


def test_values_per_record_are_capped():
    from celltx import schema

    text = RECORD % (1, ", ".join([OUTCOME] * (schema.MAX_OUTCOMES + 1)))
    parsed = upload.parse_upload(text.encode(), "one.yaml")
    (p,) = parsed.problems
    assert p.field == "outcomes" and f"at most {schema.MAX_OUTCOMES} items" in p.message


def test_a_huge_value_is_quoted_in_a_short_message():
    big = "x" * 300_000
    text = f"- {{id: '{big}', study: '{big}', modality: '{big}'}}\n"
    parsed = upload.parse_upload(text.encode(), "big.yaml")
    assert parsed.problems and all(len(str(p)) < 800 for p in parsed.problems)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("n", "1e308", "less than or equal to 10000000"),
        ("n", "9" * 400, "less than or equal to 10000000"),
        ("events", "1e12", "less than or equal to 10000000"),
        ("dose_low", "1e300", "less than or equal to 1000000000"),
        ("time_months", "inf", "finite number"),
        ("value_pct", "nan", "finite number"),
    ],
)
def test_numbers_are_range_checked_before_any_arithmetic(field, value, fragment):
    header = "record_id,modality,study,disease,n,endpoint,value_pct,source_file,location,quote"
    row = {"record_id": "r", "modality": "NK", "study": "s", "disease": "AML", "n": "10"}
    row |= {"endpoint": "OS", "value_pct": "50", "source_file": "f", "location": "other", "quote": "q"}
    cols = header.split(",") + [c for c in (field, "dose_unit") if c not in header.split(",")]
    row[field] = value
    row.setdefault("dose_unit", "1e6/kg" if field.startswith("dose") else "")
    text = ",".join(cols) + "\n" + ",".join(row.get(c, "") for c in cols) + "\n"
    parsed = upload.parse_upload(text.encode(), "n.csv")
    assert not parsed.studies
    assert any(fragment in p.message for p in parsed.problems), [str(p) for p in parsed.problems]
    load.outcomes_frame(parsed.studies, user_data=True)  # nothing left to overflow


def test_huge_file_is_refused_before_parsing(tmp_path):
    data = b"# " + b"x" * (upload.MAX_BYTES + 10)
    with pytest.raises(load.DataError, match="limit is 1,000,000 bytes"):
        upload.parse_upload(data, "huge.yaml")


def test_too_many_records_is_refused():
    rec = (
        "- {id: r%d, study: s, modality: NK, disease: [AML], disease_text: AML, "
        "source: {file: f, location: other}, quote: q}\n"
    )
    data = "".join(rec % i for i in range(upload.MAX_RECORDS + 1)).encode()
    with pytest.raises(load.DataError, match=f"the limit is {upload.MAX_RECORDS}"):
        upload.parse_upload(data, "many.yaml")


def test_unsupported_type_is_refused():
    with pytest.raises(load.DataError, match="unsupported file type .xlsx"):
        upload.parse_upload(b"PK\x03\x04", "table.xlsx")


def test_half_valid_csv_keeps_valid_records_and_names_the_row_of_the_bad_one():
    parsed = upload.parse_upload(read("half_valid.csv"), "half_valid.csv")
    assert [s.id for s in parsed.studies] == ["user-ok"]
    (p,) = [p for p in parsed.problems if p.severity == "error"]
    assert p.record == "user-bad" and p.line == 3 and "events (12) larger than n (10)" in p.message


def test_formula_cells_are_kept_as_text_and_neutralised_on_export():
    parsed = upload.parse_upload(read("formula.csv"), "formula.csv")
    (s,) = parsed.studies
    assert s.study.startswith("=HYPERLINK")
    csv_text = export.outcomes_csv(load.outcomes_frame(parsed.studies, user_data=True))
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    for line in csv_text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell


def test_html_in_a_study_name_is_escaped_in_hover_text():
    parsed = upload.parse_upload(read("html_name.yaml"), "html_name.yaml")
    row = load.outcomes_frame(parsed.studies, user_data=True).iloc[0]
    hover = charts.hover_text(row)
    assert "<script>" not in hover and "&lt;script&gt;" in hover
    assert "USER DATA" in hover


def test_template_round_trips_between_yaml_and_csv():
    from_yaml = upload.parse_upload(upload.template_yaml().encode(), "t.yaml")
    from_csv = upload.parse_upload(upload.template_csv().encode(), "t.csv")
    assert from_yaml.problems == () and from_csv.problems == ()
    a = load.outcomes_frame(from_yaml.studies)[["record_id", "endpoint", "scope", "value_pct", "events", "n"]]
    b = load.outcomes_frame(from_csv.studies)[["record_id", "endpoint", "scope", "value_pct", "events", "n"]]
    assert a.equals(b)


def test_published_json_schema_matches_the_models():
    published = json.loads((load.DATA_DIR / "schema" / "study-file.schema.json").read_text())
    assert published == upload.json_schema(), "run: python -m celltx schema"


def test_curated_files_validate_against_the_published_json_schema():
    import jsonschema
    import yaml

    schema = upload.json_schema()
    for path in ["cart.yaml", "nk.yaml", "allo_hsct.yaml", "cmv.yaml"]:
        jsonschema.validate(yaml.safe_load((load.DATA_DIR / path).read_text()), schema)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["x.yaml", "x.csv", "x.yml"]))
def test_loader_raises_only_its_own_error_on_arbitrary_bytes(data, name):
    with contextlib.suppress(load.DataError):
        upload.parse_upload(data, name)


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=10), c, max_size=4)),
    max_leaves=20,
)
study_like = st.fixed_dictionaries(
    {
        "id": yaml_scalars,
        "study": yaml_scalars,
        "modality": st.sampled_from(["CAR-T", "NK", "x"]),
        "disease": yaml_values,
        "outcomes": st.lists(
            st.dictionaries(
                st.sampled_from(["endpoint", "value_pct", "events", "n", "scope", "arm"]), yaml_values
            ),
            max_size=3,
        ),
    },
    optional={"n": yaml_values, "source": yaml_values, "quote": yaml_values, "dose": yaml_values},
)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 400), st.sampled_from(["[", "{a: ", "- "]), st.booleans())
def test_deep_yaml_is_refused_or_read_never_crashes(depth, opener, close):
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    if opener == "- ":
        text = "".join("  " * i + "- \n" for i in range(depth)) + "  " * depth + "- x\n"
    else:
        text = opener * depth + "1" + (closer * depth if close else "")
    try:
        upload.parse_upload(text.encode(), "deep.yaml")
    except load.DataError as e:
        if depth > 20 and (close or opener == "- "):
            assert "nesting deeper than 20 levels" in str(e)


def _aliasing_dump(data) -> str:
    """YAML in which every object that appears twice is written once (&anchor) and aliased (*)."""
    import yaml

    class Aliasing(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return data is None or isinstance(data, bool)

    return yaml.dump(data, Dumper=Aliasing, allow_unicode=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(study_like, min_size=1, max_size=3), yaml_values.filter(lambda v: v is not None))
def test_aliased_yaml_is_refused_in_uploads_and_in_data_repeats_only_single_values(records, shared):
    import yaml

    from celltx import safe_yaml

    records = [dict(r) for r in records]
    records[0]["notes"], records[-1]["discrepancies"] = shared, shared  # one object, twice
    text = _aliasing_dump(records)
    if "&" not in text:  # booleans are never anchored
        return
    with pytest.raises(load.DataError, match="not allowed in an upload"):
        upload.parse_upload(text.encode(), "x.yaml")
    curated = _aliasing_dump({"kind": "studies", "title": "t", "records": records})
    if isinstance(shared, dict | list):
        with pytest.raises(load.DataError, match="only a single value may be anchored"):
            load.parse_document(curated, "data.yaml")
    else:  # a repeated quote: read exactly as PyYAML reads it, and validated as usual
        assert repr(safe_yaml.load(curated, trusted=True)[0]) == repr(yaml.safe_load(curated))
        with contextlib.suppress(load.DataError):
            load.parse_document(curated, "data.yaml")


@settings(max_examples=300, deadline=None)
@given(st.lists(study_like, max_size=4))
def test_loader_raises_only_its_own_error_on_arbitrary_records(records):
    import yaml

    text = yaml.safe_dump(records, allow_unicode=True)
    try:
        parsed = upload.parse_upload(text.encode(), "x.yaml")
    except load.DataError:
        return
    load.outcomes_frame(parsed.studies, user_data=True)


@pytest.mark.parametrize("rows", [upload.MAX_CSV_ROWS, upload.MAX_CSV_ROWS + 1])
def test_csv_rows_are_capped_at_5000(rows):
    header = "record_id,modality,study,disease,n,endpoint,value_pct,source_file,location,quote\n"
    # ten values per record keeps the records under their own limit (500)
    body = "".join(f"r{i // 10},NK,s,AML,10,CR,50,f,other,q{i}\n" for i in range(rows))
    data = (header + body).encode()
    assert len(data) < upload.MAX_BYTES
    if rows > upload.MAX_CSV_ROWS:
        with pytest.raises(load.DataError, match="more than 5000 rows; the limit is 5000 rows per upload"):
            upload.parse_upload(data, "rows.csv")
    else:
        parsed = upload.parse_upload(data, "rows.csv")
        assert not any("rows" in p.message for p in parsed.problems)
