"""Loader: valid data becomes tidy frames; each kind of bad input gives a clear, located error."""

from __future__ import annotations

import pandas as pd
import pytest

from celltx import load
from tests.conftest import VALID


def problems_for(write, text, **kw):
    ds = load.load_dataset(write(text), seeds=kw.get("seeds"))
    return ds, [str(p) for p in ds.problems]


def test_valid_file_loads_into_tidy_frames(write, seeds_dir):
    ds = load.load_dataset(write(VALID), seeds=seeds_dir)
    assert ds.problems == ()
    out = ds.outcomes()
    assert len(out) == 4
    cr = out[(out.record_id == "cart-maude-2014") & (out.endpoint == "CR")].iloc[0]
    assert cr.events == 27 and cr.events_derived and cr.n == 30
    assert cr.ci_low_pct == pytest.approx(73.47, abs=0.01)
    sub = out[out.record_id == "cart-cd22-ref16"].iloc[0]
    assert sub.events == 11 and not sub.events_derived and sub.location == "text, ref 16"
    assert sub.n == 15 and sub.arm == ">= 1e6/kg"


def test_frames_are_copies_so_callers_cannot_corrupt_the_cache(write):
    folder = write(VALID)
    frame = load.load_dataset(folder, seeds=None).outcomes()
    frame.loc[0, "value_pct"] = -1
    assert load.load_dataset(folder, seeds=None).outcomes().loc[0, "value_pct"] == 90


def test_loading_is_cached_by_contents(write):
    folder = write(VALID)
    a = load.load_dataset(folder, seeds=None)
    assert load.load_dataset(folder, seeds=None) is a
    (folder / "studies.yaml").write_text(VALID.replace("value_pct: 67", "value_pct: 68"))
    b = load.load_dataset(folder, seeds=None)
    assert b is not a and b.version != a.version


@pytest.mark.parametrize(
    "old,new,field,fragment,record",
    [
        (
            "value_pct: 90}",
            "value_pct: 140}",
            "outcomes[0].value_pct",
            "less than or equal to 100",
            "cart-maude-2014",
        ),
        ("events: 11", "events: 16", "outcomes[0]", "events (16) larger than n (15)", "cart-cd22-ref16"),
        (
            "low: 0.76, high: 20.6",
            "low: 30, high: 20.6",
            "dose",
            "low (30) is greater than high",
            "cart-maude-2014",
        ),
        (
            "disease: [B-ALL]\n    disease_text: R/R",
            "disease: [B-CLL]\n    disease_text: R/R",
            "disease",
            "unknown disease 'B-CLL'",
            "cart-maude-2014",
        ),
        (
            "modality: CAR-T\n    disease: [B-ALL]\n    disease_text: R/R",
            "modality: CAR-X\n    disease: [B-ALL]\n    disease_text: R/R",
            "modality",
            "CAR-X",
            "cart-maude-2014",
        ),
        (
            "unit: 1e6/kg",
            "unit: cells/kg",
            "dose.unit",
            "'1e6/kg', '1e6 total' or '1e6/m2'",
            "cart-maude-2014",
        ),
        (
            "{endpoint: CR, value_pct: 90}",
            "{endpoint: CR rate, value_pct: 90}",
            "outcomes[0].endpoint",
            "unknown endpoint 'CR rate'",
            "cart-maude-2014",
        ),
        (
            '\n    quote: "Maude et al. 2014 R/R B-ALL CD19 0.76–20.6 30 CR 90%"',
            "",
            "quote",
            "Field required",
            "cart-maude-2014",
        ),
        ("scope: severe", "scope: mild", "outcomes[2]", "CRS needs a grade scope", "cart-maude-2014"),
        (
            "value_pct: 67}",
            "value_pct: 67, value_pc: 3}",
            "outcomes[1].value_pc",
            "unknown field",
            "cart-maude-2014",
        ),
    ],
)
def test_each_invalid_value_names_file_line_record_and_field(write, old, new, field, fragment, record):
    assert old in VALID
    ds, msgs = problems_for(write, VALID.replace(old, new, 1))
    assert len(ds.errors) == 1, msgs
    p = ds.errors[0]
    assert p.file.endswith("studies.yaml") and p.record == record
    assert p.field == field and fragment in p.message, str(p)
    assert p.line is not None and 4 <= p.line <= 30  # the record, or the value itself
    # the other, valid record is kept
    other = ({"cart-maude-2014", "cart-cd22-ref16"} - {record}).pop()
    assert set(ds.outcomes().record_id) == {other}


def test_line_number_points_at_the_bad_value(write):
    text = VALID.replace("value_pct: 90}", "value_pct: 140}")
    ds = load.load_dataset(write(text), seeds=None)
    line = text.splitlines()[ds.errors[0].line - 1]
    assert "140" in line


def test_duplicate_ids_are_reported_across_files(write):
    folder = write(VALID)
    (folder / "more.yaml").write_text(VALID)
    ds = load.load_dataset(folder, seeds=None)
    dup = [p for p in ds.errors if "duplicate id" in p.message]
    assert {p.record for p in dup} == {"cart-maude-2014", "cart-cd22-ref16"}
    assert all(p.field == "id" for p in dup)


def test_malformed_yaml_names_file_and_line(write):
    ds, msgs = problems_for(
        write, VALID.replace("outcomes:\n      - {endpoint: CR", "outcomes:\n  - {endpoint: CR", 1)
    )
    assert len(msgs) == 1 and "malformed YAML" in msgs[0] and "studies.yaml:" in msgs[0]


def test_malformed_file_does_not_hide_the_valid_ones(write):
    folder = write(VALID)
    (folder / "broken.yaml").write_text("kind: studies\nrecords: [ {id: x\n")
    ds = load.load_dataset(folder, seeds=None)
    assert len(ds.errors) == 1 and ds.errors[0].file.endswith("broken.yaml")
    assert len(ds.parsed.studies) == 2


def test_python_object_tag_is_rejected_by_the_safe_loader(write):
    evil = "kind: studies\ntitle: t\nrecords:\n  - !!python/object/apply:os.system ['echo hi']\n"
    ds, msgs = problems_for(write, evil)
    assert "python/object/apply:os.system" in msgs[0] and "not allowed" in msgs[0]


def test_unknown_kind_and_wrong_shape(write):
    _, msgs = problems_for(write, "kind: stuff\ntitle: t\nrecords: []\n")
    assert "unknown or missing 'kind'" in msgs[0]
    _, msgs = problems_for(write, "- 1\n- 2\n")
    assert "expected a mapping" in msgs[0]
    _, msgs = problems_for(write, "")
    assert "empty" in msgs[0]


def test_quote_must_be_found_in_its_source(write, seeds_dir):
    text = VALID.replace("CR rates of 73% (11/15)", "CR rates of 74% (11/15)")
    ds = load.load_dataset(write(text), seeds=seeds_dir)
    assert [p.record for p in ds.errors] == ["cart-cd22-ref16"]
    assert "quote not found" in ds.errors[0].message and ds.errors[0].field == "quote"


def test_same_study_links_must_exist(write):
    text = VALID.replace(
        "    outcomes:\n      - {endpoint: CR, arm",
        "    same_study_as: [nope]\n    outcomes:\n      - {endpoint: CR, arm",
    )
    ds = load.load_dataset(write(text), seeds=None)
    assert any("unknown record 'nope'" in p.message for p in ds.errors)


@pytest.mark.parametrize(
    "pct,n,expected",
    [
        (90, 30, 27),
        (54, 101, 55),
        (66.7, 21, 14),
        (26, 19, 5),
        (92.9, 14, 13),
        (70.5, 34, None),
        (85.7, 34, None),
        (70.4, 45, None),
    ],
)
def test_events_are_derived_only_when_a_whole_count_fits(pct, n, expected):
    events, note = load.derive_events(pct, n)
    assert events == expected
    assert (note is None) == (expected is not None)


def test_no_count_or_ci_is_derived_for_survival_estimates(write):
    ds = load.load_dataset(write(VALID), seeds=None)
    efs = ds.outcomes().query("endpoint == 'EFS'").iloc[0]
    assert efs.value_pct == 67 and efs.n == 30
    assert efs.events is pd.NA and not efs.events_derived and pd.isna(efs.ci_low_pct)
