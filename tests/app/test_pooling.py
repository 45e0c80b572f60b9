"""Pooling on the pages: heterogeneity and the prediction interval in the table and on the chart,
the subgroup test under its panel, leave-one-out, and a user's own meta-analysis kept apart from
the curated evidence. Expected numbers come from the metafor fixture, not from celltx."""

from __future__ import annotations

import json
from pathlib import Path

from scipy.special import expit

from tests.app.conftest import figures, open_page, table_with

TESTS = Path(__file__).resolve().parents[1]
METAFOR = json.loads((TESTS / "fixtures" / "metafor" / "reference.json").read_text())
MY_STUDIES = TESTS / "data" / "my_studies.csv"


def metafor(source: str, name: str) -> dict:
    return next(s for s in METAFOR[source]["sets"] if s["set"] == name)


def pooled_row(fig: dict, target: str) -> str:
    """The row label of a pooled diamond (its second line carries I² and the P of Q)."""
    return next(t for t in fig["data"] if t.get("name") == f"pooled {target}")["y"][0]


def test_cart_response_shows_heterogeneity_subgroup_test_and_leave_one_out():
    at = open_page("cart_response")
    fig = figures(at)[0]
    cd19 = metafor("curated", "CR :: CAR-T | CD19")
    # 'I² = 90%, P = 0.002' at the pooled row; two studies: no prediction interval drawn
    expected = f"I² = {cd19['I2']:.0f}%, P = {cd19['QEp']:.3f}; too few studies for a prediction interval"
    assert pooled_row(fig, "CD19").endswith(f"<br>{expected}")
    assert not [t for t in fig["data"] if str(t.get("name", "")).startswith("prediction interval")]
    # the subgroup test on its own row under the CR panel, naming the groups compared
    test = next(t for t in METAFOR["curated"]["subgroup_tests"] if t["panel"] == "CR :: CAR-T")
    row = next(t for t in fig["data"] if t.get("name") == "test for subgroup differences")
    assert row["y"] == ["Test for subgroup differences"]
    assert row["text"] == [f"CD19 vs CD22: Q = {test['q_between']:.2f}, df = 1, P = {test['p']:.2f}"]
    pooled = table_with(at, "group", "q", "q_df", "q_p", "i2_pct", "tau2", "pi_low_pct", "pi_high_pct")
    row19 = pooled.set_index("group").loc["CD19"]
    assert abs(row19["q"] - cd19["QE"]) < 1e-6 and abs(row19["q_p"] - cd19["QEp"]) < 1e-6
    assert row19["prediction_interval"] == "too few studies for a prediction interval"
    assert any("CD19 vs CD22: Q = 0.21" in m.value.replace("\\", "") for m in at.markdown)
    assert any("leave-one-out needs at least that many" in i.value for i in at.info)
    assert any("DerSimonian-Laird random effects on the logit scale" in c.value for c in at.caption)


def test_own_studies_are_pooled_among_themselves_and_never_with_the_curated():
    at = open_page("data")
    at.file_uploader[0].set_value(("my_studies.csv", MY_STUDIES.read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Your meta-analysis" in h.value for h in at.header)
    fig = figures(at)[-1]
    assert fig["layout"]["title"]["text"].startswith("<b>YOUR uploaded studies")
    # three CD19 studies: a prediction interval, drawn as a thin line through the diamond
    k3 = metafor("synthetic", "k3")  # the counts of my_studies.csv's CD19 studies
    line = next(t for t in fig["data"] if t.get("name") == "prediction interval CD19")
    assert line["mode"] == "lines" and line["line"]["width"] == 1
    assert abs(line["x"][0] - expit(k3["pi_lb"]) * 100) < 1e-6
    assert abs(line["x"][1] - expit(k3["pi_ub"]) * 100) < 1e-6
    assert pooled_row(fig, "CD19").endswith(f"<br>I² = {k3['I2']:.0f}%, P = {k3['QEp']:.3f}")
    mine = table_with(at, "group", "q", "pi_low_pct", "included")
    assert set(mine["group"]) == {"CD19", "CD22"}
    assert mine["included"].str.split(";").explode().str.startswith("mine-").all()
    loo = table_with(at, "omitted", "tau2", "i2_pct")
    assert list(loo["omitted"]) == ["mine-cd19-a", "mine-cd19-b", "mine-cd19-c"]
    for got, ref in zip(loo["pooled_pct"], k3["leave1out"], strict=True):
        assert abs(got - expit(ref["estimate"]) * 100) < 1e-6
    # the curated pooling on the response page does not take them in
    at.switch_page("views/cart_response.py").run()
    curated = table_with(at, "group", "q", "included")
    assert not curated["included"].str.contains("mine-").any()
    assert curated.set_index("group").loc["CD19", "included"] == ";".join(
        metafor("curated", "CR :: CAR-T | CD19")["record_ids"]
    )
    excluded = table_with(at, "excluded_reasons")
    assert excluded["excluded_reasons"].str.contains("mine-cd19-a: user data").any()
