"""Arms say their role and donor type: curated from the source, carried to the frames and the CSV."""

from __future__ import annotations

import pytest

from celltx import load, upload, vocab
from tests.conftest import VALID


@pytest.fixture(scope="module")
def curated():
    return load.load_dataset(load.DATA_DIR, seeds=None)


def test_every_curated_arm_has_a_role_and_donor_arms_are_the_allo_hsct_comparisons(curated):
    arms = [(s, a) for s in curated.parsed.studies for a in s.arms]
    assert arms and all(a.role in vocab.ARM_ROLES for _, a in arms)
    donor = [(s, a) for s, a in arms if a.donor_type]
    assert {s.modality for s, _ in donor} == {"allo-HSCT"}
    for s, a in donor:
        # the arm's printed name starts with its donor type (HID, HID 3/6, ISD): the field agrees
        assert a.name.split()[0] == a.donor_type, (s.id, a.name)
        assert a.role == ("treatment" if a.donor_type == "HID" else "comparator"), (s.id, a.name)
    # every NK comparison with a P value has a treatment arm and a comparator arm
    for s in curated.parsed.studies:
        if s.modality == "NK" and any(o.p_value is not None and o.arm != "all" for o in s.outcomes):
            assert {a.role for a in s.arms} == set(vocab.ARM_ROLES), s.id


def test_role_and_donor_type_are_frame_columns(curated):
    out = curated.outcomes()
    allo = out[out.modality == "allo-HSCT"]
    assert set(allo["donor_type"].dropna()) == {"HID", "ISD"}
    assert (allo.loc[allo.donor_type == "ISD", "arm_role"] == "comparator").all()
    nk = out[(out.modality == "NK") & out.arm.isin(["control", "chemotherapy alone"])]
    assert len(nk) and (nk.arm_role == "comparator").all()
    assert out.loc[out.arm == "all", "arm_role"].isna().sum() > 0  # single-arm values have no arm


def test_an_arm_without_a_role_is_an_error_naming_record_and_field(write):
    arms = '    arms:\n      - {name: ">= 1e6/kg", n: 15}\n'
    assert VALID.count("    target: [CD22]\n") == 1
    text = VALID.replace("    target: [CD22]\n", "    target: [CD22]\n" + arms)
    ds = load.load_dataset(write(text), seeds=None)
    assert [(p.record, p.field) for p in ds.errors] == [("cart-cd22-ref16", "arms[0].role")]
    bad = text.replace("n: 15}\n", "n: 15, role: treatment, donor_type: MUD}\n", 1)
    ds = load.load_dataset(write(bad), seeds=None)
    assert [(p.record, p.field) for p in ds.errors] == [("cart-cd22-ref16", "arms[0].donor_type")]


def test_csv_upload_carries_role_and_donor_type_and_any_declared_location():
    allo = next(s for s in load.load_dataset(seeds=None).parsed.studies if s.id == "allo-wang-2015-table4")
    csv_text = upload.records_to_csv([allo])
    assert "treatment,HID" in csv_text and "comparator,ISD" in csv_text
    back = upload.parse_csv(csv_text, "up.csv")
    assert back.problems == ()
    assert [(a.name, a.role, a.donor_type) for a in back.studies[0].arms] == [
        (a.name, a.role, a.donor_type) for a in allo.arms
    ]
    # a user's own source may print a Table 5 or a Figure 2: the CSV pattern does not limit them
    moved = csv_text.replace(",Table 4,", ',"Figure 2, ref 3",')
    study = upload.parse_csv(moved, "up.csv").studies[0]
    assert (study.source.location, study.source.ref) == ("Figure 2", 3)
    # without a role the arm is reported, with the row and field
    missing = csv_text.replace("treatment,HID", ",HID")
    problems = upload.parse_csv(missing, "up.csv").problems
    assert problems and problems[0].field == "arms[0].role" and problems[0].record == allo.id


NAMES_AGAINST_ROLES = """\
kind: studies
title: Arms whose names say the opposite of their roles
records:
  - id: test-nk-names
    study: NK naming test
    modality: NK
    disease: [AML]
    disease_text: AML
    setting: consolidation
    arms:
      - {name: control, n: 10, role: treatment}
      - {name: NK, n: 10, role: comparator}
    source: {file: f.txt, location: text}
    quote: q
    outcomes:
      - {endpoint: LFS, arm: control, time_months: 36, value_pct: 60, p_value: 0.04}
      - {endpoint: LFS, arm: NK, time_months: 36, value_pct: 40}
  - id: test-donor-names
    study: Donor naming test
    modality: allo-HSCT
    disease: [AML]
    disease_text: AML
    arms:
      - {name: ISD-like group, n: 10, role: treatment, donor_type: HID}
      - {name: HID-like group, n: 12, role: comparator, donor_type: ISD}
    source: {file: f.txt, location: text}
    quote: q
    outcomes:
      - {endpoint: OS, arm: ISD-like group, time_months: 36, value_pct: 70, p_value: 0.2}
      - {endpoint: OS, arm: HID-like group, time_months: 36, value_pct: 65}
"""


def _points(fig):
    return [
        (t.customdata[0][0], t.x[0], t.marker.color)
        for t in fig.data
        if t.mode == "markers" and t.customdata is not None and len(t.x) == 1
    ]


def test_charts_read_role_and_donor_type_from_the_record_not_the_arm_name(write):
    from celltx import figures, filters

    ds = load.load_dataset(write(NAMES_AGAINST_ROLES), seeds=None)
    assert ds.problems == ()
    ctx = figures.context(ds, filters.Filters())
    nk = figures.nk_results(ctx)
    assert dict(zip(nk.rows["arm"], nk.rows["role"], strict=True)) == {
        "control": "treatment",
        "NK": "comparator",
    }
    colours = {x: c for _, x, c in _points(nk.figure)}
    assert colours == {60: vocab.ROLE_COLORS["treatment"], 40: vocab.ROLE_COLORS["comparator"]}
    donor = figures.donor(ctx)
    assert set(donor.rows["arm"]) == {"ISD-like group", "HID-like group"}  # no name prefix needed
    colours = {x: c for _, x, c in _points(donor.figure)}
    assert colours == {70: vocab.DONOR_COLORS["HID"], 65: vocab.DONOR_COLORS["ISD"]}
