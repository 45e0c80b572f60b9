"""Command line: validate exit codes, the export column contract, round trip, pooling CSV."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.special import expit

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


# the pool contract, restated here on purpose (a test that imported it could not fail)
POOL_CONTRACT = [
    "group",
    "k",
    "included",
    "excluded",
    "events_total",
    "n_total",
    "pooled_pct",
    "ci_low_pct",
    "ci_high_pct",
    "tau2",
    "i2_pct",
    "q",
    "q_df",
    "q_p",
    "pi_low_pct",
    "pi_high_pct",
]
LEAVE_ONE_OUT_CONTRACT = [
    "group",
    "omitted",
    "k",
    "pooled_pct",
    "ci_low_pct",
    "ci_high_pct",
    "tau2",
    "i2_pct",
]
SUBGROUP_CONTRACT = ["endpoint", "groups", "k_groups", "q_between", "df", "p"]
MY_STUDIES = Path(__file__).parents[1] / "data" / "my_studies.csv"
METAFOR = json.loads((Path(__file__).parents[1] / "fixtures" / "metafor" / "reference.json").read_text())


def metafor_set(source: str, name: str) -> dict:
    return next(s for s in METAFOR[source]["sets"] if s["set"] == name)


def read(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out), keep_default_na=False, na_values=[""])


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
    assert list(table.columns) == POOL_CONTRACT
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


def test_pool_heterogeneity_columns_match_metafor_and_prediction_needs_three(capsys):
    code, out, _ = run(capsys, "pool", "--endpoint", "CR", "--by", "target")
    table = read(out).set_index("group")
    ref = metafor_set("curated", "CR :: CAR-T | CD19")
    cd19 = table.loc["CAR-T | CD19"]
    assert code == 0 and cd19["k"] == 2
    assert cd19["q"] == pytest.approx(ref["QE"], abs=1e-6) and cd19["q_df"] == 1
    assert cd19["q_p"] == pytest.approx(ref["QEp"], abs=1e-6)
    assert math.isnan(cd19["pi_low_pct"]) and math.isnan(cd19["pi_high_pct"])  # k = 2
    single = table.loc["CAR-T | BCMA"]  # one study: nothing pooled, every statistic empty
    assert single[["pooled_pct", "q", "q_df", "q_p", "pi_low_pct", "pi_high_pct"]].isna().all()


def test_pool_own_file_with_three_studies_has_a_prediction_interval(capsys):
    code, out, err = run(capsys, "pool", "--endpoint", "CR", "--data", str(MY_STUDIES))
    assert code == 0 and err == ""
    table = read(out)
    assert list(table.columns) == POOL_CONTRACT
    cd19 = table.set_index("group").loc["CD19"]
    ref = metafor_set("synthetic", "k3")  # the same counts as the CD19 studies of my_studies.csv
    assert cd19["included"] == "mine-cd19-a;mine-cd19-b;mine-cd19-c" and cd19["k"] == 3
    assert cd19["pooled_pct"] == pytest.approx(expit(ref["estimate"]) * 100, abs=1e-6)
    assert cd19["ci_low_pct"] == pytest.approx(expit(ref["ci_lb"]) * 100, abs=1e-6)
    assert cd19["ci_high_pct"] == pytest.approx(expit(ref["ci_ub"]) * 100, abs=1e-6)
    assert cd19["tau2"] == pytest.approx(ref["tau2"], abs=1e-6)
    assert cd19["i2_pct"] == pytest.approx(ref["I2"], abs=1e-6)
    assert cd19["q"] == pytest.approx(ref["QE"], abs=1e-6) and cd19["q_df"] == 2
    assert cd19["q_p"] == pytest.approx(ref["QEp"], abs=1e-6)
    assert cd19["pi_low_pct"] == pytest.approx(expit(ref["pi_lb"]) * 100, abs=1e-6)
    assert cd19["pi_high_pct"] == pytest.approx(expit(ref["pi_ub"]) * 100, abs=1e-6)
    # the user's own studies only: no curated record is pooled with them
    assert not table["included"].str.contains("cart-").any()


def test_pool_leave_one_out_contract(capsys):
    code, out, _ = run(
        capsys, "pool", "--endpoint", "CR", "--by", "target", "--data", str(MY_STUDIES), "--leave-one-out"
    )
    table = read(out)
    assert code == 0 and list(table.columns) == LEAVE_ONE_OUT_CONTRACT
    # only CD19 has 3 studies; one row per omitted study, k = the studies left
    assert list(table["group"]) == ["CD19"] * 3
    assert list(table["omitted"]) == ["mine-cd19-a", "mine-cd19-b", "mine-cd19-c"]
    assert list(table["k"]) == [2, 2, 2]
    for row, ref in zip(table.itertuples(), metafor_set("synthetic", "k3")["leave1out"], strict=True):
        assert row.pooled_pct == pytest.approx(expit(ref["estimate"]) * 100, abs=1e-6)
        assert row.ci_low_pct == pytest.approx(expit(ref["ci_lb"]) * 100, abs=1e-6)
        assert row.ci_high_pct == pytest.approx(expit(ref["ci_ub"]) * 100, abs=1e-6)
        assert row.tau2 == pytest.approx(ref["tau2"], abs=1e-6)
        assert row.i2_pct == pytest.approx(ref["I2"], abs=1e-6)


def test_pool_leave_one_out_without_a_group_of_three_is_empty_with_a_note(capsys):
    code, out, err = run(capsys, "pool", "--endpoint", "CR", "--leave-one-out")
    assert code == 0 and list(read(out).columns) == LEAVE_ONE_OUT_CONTRACT and read(out).empty
    assert "3 or more studies" in err


def test_pool_subgroup_test_contract(capsys):
    code, out, _ = run(capsys, "pool", "--endpoint", "CR", "--by", "target", "--subgroup-test")
    table = read(out)
    assert code == 0 and list(table.columns) == SUBGROUP_CONTRACT
    ref = next(t for t in METAFOR["curated"]["subgroup_tests"] if t["panel"] == "CR :: CAR-T")
    cart = table[table["groups"].str.startswith("CAR-T")].iloc[0]
    assert cart["endpoint"] == "CR" and cart["groups"] == "CAR-T | CD19;CAR-T | CD22"
    assert cart["k_groups"] == 2 and cart["df"] == 1
    assert cart["q_between"] == pytest.approx(ref["q_between"], abs=1e-6)
    assert cart["p"] == pytest.approx(ref["p"], abs=1e-6)
    # NK is never compared with CAR-T: its one pooled group has nothing to be compared with
    nk = table[table["groups"] == "NK | no target"].iloc[0]
    assert nk["k_groups"] == 1 and pd.isna(nk["q_between"]) and pd.isna(nk["df"]) and pd.isna(nk["p"])


def test_pool_subgroup_test_on_own_file(capsys):
    code, out, _ = run(capsys, "pool", "--endpoint", "CR", "--data", str(MY_STUDIES), "--subgroup-test")
    row = read(out).iloc[0]
    assert code == 0 and row["groups"] == "CD19;CD22" and row["k_groups"] == 2 and row["df"] == 1
    assert row["q_between"] > 0 and 0 < row["p"] < 1


def test_pool_own_file_uses_the_upload_messages(capsys, tmp_path):
    from celltx import upload

    bad = Path(__file__).parents[1] / "data" / "bad" / "events_gt_n.yaml"
    code, out, err = run(capsys, "pool", "--endpoint", "CR", "--data", str(bad))
    assert code == 1 and out == ""
    expected = [str(p) for p in upload.parse_upload(bad.read_bytes(), bad.name).problems]
    assert expected and all(line in err for line in expected)
    assert "events (12) larger than n (10)" in err and "nothing pooled" in err
    code, _, err = run(capsys, "pool", "--endpoint", "CR", "--data", str(tmp_path))
    assert code == 1 and "a folder" in err
    code, _, err = run(capsys, "pool", "--endpoint", "CR", "--data", str(tmp_path / "none.csv"))
    assert code == 1 and "no such file" in err
    (tmp_path / "x.txt").write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "pool", "--endpoint", "CR", "--data", str(tmp_path / "x.txt"))
    assert code == 1 and "unsupported file type .txt" in err


def test_pool_leave_one_out_and_subgroup_test_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        cli.main(["pool", "--endpoint", "CR", "--leave-one-out", "--subgroup-test"])
    assert "not allowed with" in capsys.readouterr().err


def test_the_library_writes_the_contract_columns():
    assert stats.POOL_COLUMNS == POOL_CONTRACT
    assert stats.LEAVE_ONE_OUT_COLUMNS == LEAVE_ONE_OUT_CONTRACT
    assert stats.SUBGROUP_COLUMNS == SUBGROUP_CONTRACT
