"""A source document declares its own tables and figures; adding one needs no code change.

tests/data/second_source/ is a second, made-up source (seeds/trial-report.txt) with a Figure 2 and
a Table 5, which the review in shared/seeds does not have, and an origin block declaring them. It is
loaded through the loader's arguments and through CELLTX_SEEDS, quotes checked, with no problems;
a location its source does not declare is an error naming file, record and field.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from celltx import cli, load

SECOND = Path(__file__).resolve().parents[1] / "data" / "second_source"


@pytest.fixture
def second(tmp_path) -> Path:
    """A copy of the second source's data folder that a test may edit."""
    folder = tmp_path / "data"
    shutil.copytree(SECOND / "data", folder)
    return folder


def edit(folder: Path, old: str, new: str, name: str = "studies.yaml") -> Path:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_a_second_source_with_a_figure_and_a_table_5_loads_without_problems():
    ds = load.load_dataset(SECOND / "data", seeds=SECOND / "seeds")
    assert ds.quotes_checked
    assert [str(p) for p in ds.problems] == []
    out = ds.outcomes()
    assert set(out["location_kind"]) == {"Figure 2", "Table 5", "text"}
    cr = out[out.record_id == "test-cd7-figure2"].iloc[0]
    assert cr.events == 10 and cr.n == 12 and cr.source_file == "trial-report.txt"
    assert ds.origin("trial-report.txt").locations == ["Figure 2", "Table 5", "text"]


def test_the_second_source_validates_through_celltx_seeds(monkeypatch, capsys):
    monkeypatch.setenv(load.SEEDS_ENV, str(SECOND / "seeds"))
    assert load.seeds_dir() == SECOND / "seeds"
    assert cli.main(["validate", str(SECOND / "data")]) == 0
    assert "valid" in capsys.readouterr().out


def test_its_quotes_are_checked_against_its_own_text(second):
    edit(second, "10 achieved complete remission (83%).", "11 achieved complete remission (92%).")
    ds = load.load_dataset(second, seeds=SECOND / "seeds")
    assert [(p.record, p.field) for p in ds.errors] == [("test-cd7-figure2", "quote")]
    assert "quote not found in trial-report.txt" in str(ds.errors[0])


@pytest.mark.parametrize(
    "old,new,record,field",
    [
        ("location: Table 5}", "location: Table 6}", "test-nk-table5", "source.location"),
        ("location: Figure 2}", "location: Table 1}", "test-cd7-figure2", "source.location"),
        ("location: text}", "location: Figure 3}", "test-nk-table5", "outcomes[2].source.location"),
    ],
)
def test_a_location_its_source_does_not_declare_is_an_error_naming_file_record_and_field(
    second, capsys, old, new, record, field
):
    edit(second, old, new)
    ds = load.load_dataset(second, seeds=SECOND / "seeds")
    assert [(p.record, p.field, p.severity) for p in ds.problems] == [(record, field, "error")]
    shown = str(ds.problems[0])
    bad = new.removeprefix("location: ").rstrip("}")
    assert "studies.yaml" in shown and f"record {record!r}" in shown and f"field {field!r}" in shown
    assert f"location {bad!r} is not declared by its source trial-report.txt" in shown
    assert "Figure 2, Table 5, text" in shown  # what the origin block does declare
    assert cli.main(["validate", str(second)]) == 1
    assert f"field {field!r}" in capsys.readouterr().err


def test_declaring_the_location_in_the_origin_block_is_all_a_new_table_needs(second):
    edit(second, "location: Table 5}", "location: Table 6}")
    edit(
        second, "locations: [Figure 2, Table 5, text]", "locations: [Figure 2, Table 6, text]", "sources.yaml"
    )
    ds = load.load_dataset(second, seeds=None)
    assert ds.problems == ()


def test_a_source_without_an_origin_block_is_an_error(second):
    edit(
        second,
        "source: {file: trial-report.txt, location: text}",
        "source: {file: other.txt, location: text}",
    )
    ds = load.load_dataset(second, seeds=None)
    assert [(p.record, p.field) for p in ds.errors] == [("test-nk-table5", "outcomes[2].source.file")]
    assert "source file 'other.txt' has no origin block in sources.yaml" in str(ds.errors[0])


def test_an_origin_block_must_declare_its_locations_once(second):
    edit(
        second,
        "locations: [Figure 2, Table 5, text]",
        "locations: [Figure 2, Figure 2, text]",
        "sources.yaml",
    )
    ds = load.load_dataset(second, seeds=None)
    assert any(
        p.field == "sources[0].locations" and "declared twice: Figure 2" in p.message for p in ds.errors
    ), [str(p) for p in ds.problems]
    edit(second, "    locations: [Figure 2, Figure 2, text]\n", "", "sources.yaml")
    ds = load.load_dataset(second, seeds=None)
    assert any(p.field == "sources[0].locations" and "required" in p.message for p in ds.errors)


def test_the_curated_review_declares_only_the_tables_its_extract_prints():
    origin = load.load_dataset().origin("004_446006b2dc687136.txt")
    # Table 5 is cited in the text but missing from the extract: nothing can stand there
    assert origin.locations == ["Table 1", "Table 2", "Table 3", "Table 4", "text"]
