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


def test_duplicate_ids_in_an_upload_are_reported():
    parsed = upload.parse_upload(read("duplicate_ids.yaml"), "duplicate_ids.yaml")
    cross = load.check_dataset(parsed, None)
    assert any(p.record == "user-a" and "duplicate id" in p.message for p in cross)


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
