"""Command line: validate exit codes, the export column contract, round trip, pooling CSV."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from celltx import cli, load, stats
from tests.conftest import VALID

CONTRACT = [
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
STUDY_CONTRACT = [
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


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_passes_on_curated_data(capsys):
    code, out, _ = run(capsys, "validate")
    assert code == 0 and "valid" in out


def test_validate_prints_every_problem_and_exits_1(write, capsys):
    text = VALID.replace("value_pct: 90}", "value_pct: 140}").replace("events: 11", "events: 16")
    code, _, err = run(capsys, "validate", str(write(text)))
    assert code == 1
    assert "record 'cart-maude-2014', field 'outcomes[0].value_pct'" in err
    assert "record 'cart-cd22-ref16'" in err and "events (16) larger than n (15)" in err
    assert "2 problem(s)" in err


def test_validate_missing_path(capsys):
    code, _, err = run(capsys, "validate", "/no/such/folder")
    assert code == 1 and "no such file or folder" in err


def test_export_outcomes_has_exactly_the_contract_columns_and_round_trips(capsys):
    code, out, _ = run(capsys, "export", "outcomes")
    assert code == 0
    back = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert list(back.columns) == CONTRACT
    frame = load.load_dataset().outcomes()
    assert len(back) == len(frame)
    for col in ["record_id", "endpoint", "arm", "location", "quote", "source_file"]:
        assert list(back[col].astype(str).str.removeprefix("'")) == list(frame[col].astype(str)), col
    for col in ["value_pct", "value_low_pct", "value_high_pct", "time_months", "median_months"]:
        pd.testing.assert_series_equal(back[col].astype(float), frame[col].astype(float), check_names=False)
    assert list(back["events"].astype("Int64")) == list(frame["events"])
    assert (
        back["arm"].str.startswith(("HID", "ISD"))
        | (back["modality"] != "allo-HSCT")
        | back["value_pct"].isna()
    ).all()
    assert back["p_value"].dropna().astype(str).str.match(r"^[<>]?\d").all()


def test_export_studies_contract(capsys):
    code, out, _ = run(capsys, "export", "studies")
    back = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(back.columns) == STUDY_CONTRACT
    assert back["record_id"].is_unique


def test_pool_never_mixes_modalities(capsys):
    _, out, _ = run(capsys, "pool", "--endpoint", "CR", "--by", "target")
    groups = pd.read_csv(io.StringIO(out))["group"]
    assert groups.str.match(r"^(CAR-T|NK|CAR-NK) \| ").all()


def test_pool_csv_columns_and_values(capsys):
    code, out, _ = run(capsys, "pool", "--endpoint", "CR", "--by", "target")
    assert code == 0
    table = pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])
    assert list(table.columns) == stats.POOL_COLUMNS
    cd22 = table.set_index("group").loc["CAR-T | CD22"]
    assert cd22["k"] == 2 and cd22["n_total"] == 55
    assert "cart-cd22-ref16" in cd22["excluded"]


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["pool", "--endpoint", "XYZ"], "no values for endpoint 'XYZ'"),
        (["pool", "--endpoint", "CR", "--by", "colour"], "cannot group by 'colour'"),
    ],
)
def test_pool_errors_are_clear(capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    assert code != 0 and fragment in err
