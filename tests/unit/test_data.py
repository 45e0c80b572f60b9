"""The curated data, tested like code: valid, every quote found in its source, links sound."""

from __future__ import annotations

import pytest

from celltx import load


@pytest.fixture(scope="module")
def dataset(seeds_dir_module):
    return load.load_dataset(load.DATA_DIR, seeds=seeds_dir_module)


@pytest.fixture(scope="module")
def seeds_dir_module():
    found = load.seeds_dir()
    if found is None:
        pytest.skip("source documents not found: set CELLTX_SEEDS or place shared/seeds beside the repo")
    return found


def test_curated_data_has_no_problems_and_every_quote_is_found(dataset):
    assert dataset.quotes_checked
    assert [str(p) for p in dataset.problems] == []


def test_every_source_file_has_an_origin_block(dataset):
    used = {s.source.file for s in dataset.parsed.studies}
    used |= {o.source.file for s in dataset.parsed.studies for o in s.outcomes if o.source}
    assert used <= {o.file for o in dataset.parsed.sources}
    assert sum(o.primary for o in dataset.parsed.sources) == 1


def test_links_are_symmetric_and_linked_records_share_modality(dataset):
    by_id = {s.id: s for s in dataset.parsed.studies}
    for s in dataset.parsed.studies:
        for other in s.same_study_as:
            assert s.id in by_id[other].same_study_as, (s.id, other)
            assert by_id[other].modality == s.modality
            assert s.link_note, f"{s.id}: a link needs a link_note saying why"


def test_all_ten_table1_rows_and_all_table_rows_are_curated(dataset):
    locs = [s.source.location for s in dataset.parsed.studies]
    assert locs.count("Table 1") == 10
    assert locs.count("Table 3") == 10
    assert locs.count("Table 4") == 7
    assert sum(1 for t in dataset.parsed.targets if t.source.location == "Table 2") == 5


def test_table_rows_carry_no_guessed_reference_number(dataset):
    for s in dataset.parsed.studies:
        if s.source.location.startswith("Table"):
            assert s.source.ref is None, s.id


@pytest.mark.parametrize(
    "record,endpoint,arm,value",
    [
        ("cart-maude-2014", "CR", "all", 90),
        ("cart-neelapu-2017", "CRS", "all", 13),
        ("cart-cd22-ref16", "CR", "≥ 1 × 10^6 cells/kg", 73),
        ("allo-all-mrd-ref77", "relapse", "ISD", 47),
        ("allo-all-mrd-ref77", "relapse", "HID", 23),
        ("allo-chang-2020-table4", "LFS", "HID", 65),
    ],
)
def test_spot_values_against_the_source(dataset, record, endpoint, arm, value):
    out = dataset.outcomes()
    rows = out[(out.record_id == record) & (out.endpoint == endpoint) & (out.arm == arm)]
    assert list(rows.value_pct) == [value]


def test_donor_comparisons_name_hid_and_isd_arms(dataset):
    out = dataset.outcomes()
    allo = out[(out.modality == "allo-HSCT") & out.value_pct.notna()]
    assert allo.arm.str.match(r"^(HID|ISD)").all()


def test_landmarks_are_months(dataset):
    out = dataset.outcomes()
    three_year = out[
        out.quote.str.contains("3-year") & out.time_months.notna() & (out.modality == "allo-HSCT")
    ]
    assert set(three_year.time_months) <= {36.0}
