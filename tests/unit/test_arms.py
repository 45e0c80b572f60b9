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
