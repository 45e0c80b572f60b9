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


# Reference numbers (docs/curation.md rule 3). In the extract a superscript is glued to the word or
# punctuation before it ("lymphoma13", "al.50", "effects56,57", "B-ALL42"); lists and ranges
# ("8,9", "12-14") cite every number in them.
_GLUED = r"(?<=[A-Za-z%)\].])(\d{1,2}(?:[,–-]\d{1,2})*)(?!\d)"
_GLUED_LOWER = r"(?:(?<=[a-z%)\]])|(?<=[a-z]\.))(\d{1,2}(?:,\d{1,2})*)(?=[\s.,;:)]|$)"
PASSAGE_BEFORE, PASSAGE_AFTER, NEXT_SENTENCES = 800, 1500, 400


def _numbers(group: str) -> set[int]:
    out: set[int] = set()
    for part in group.split(","):
        lo, _, hi = part.replace("–", "-").partition("-")
        out |= set(range(int(lo), int(hi or lo) + 1))
    return out


def _text_sources(dataset):
    """(record id, where, SourceRef, quote) for every quote that stands in the body text."""
    for s in dataset.parsed.studies:
        items = [("quote", s.source, s.quote)]
        items += [
            (f"outcomes[{i}]", o.source or s.source, o.quote or s.quote) for i, o in enumerate(s.outcomes)
        ]
        if s.disease_quote:
            items.append(("disease_quote", s.disease_source or s.source, s.disease_quote))
        for where, src, quote in items:
            if src.location == "text":
                yield s.id, where, src, quote


def test_reference_numbers_follow_one_rule(dataset, seeds_dir_module):
    import re

    texts: dict[str, str] = {}
    checked = 0
    for rid, where, src, quote in _text_sources(dataset):
        text = texts.setdefault(src.file, load.collapse((seeds_dir_module / src.file).read_text("utf-8")))
        start = text.find(load.collapse(quote))
        assert start >= 0, (rid, where)
        end = start + len(load.collapse(quote))
        if src.refs:
            window = text[max(0, start - PASSAGE_BEFORE) : end + PASSAGE_AFTER]
            groups = [_numbers(m.group(1)) for m in re.finditer(_GLUED, window)]
            assert any(set(src.refs) <= g for g in groups), (
                f"{rid} {where}: ref {src.ref} is not printed (together) as a superscript near its quote"
            )
            # a superscript printed on the value's own sentence (in the quote or right after it) is
            # the value's own reference; a list there is cited whole
            own = re.search(_GLUED, text[start : end + 6])
            if own and set(src.refs) & _numbers(own.group(1)):
                assert set(src.refs) >= _numbers(own.group(1)), (
                    f"{rid} {where}: ref {src.ref} but the passage prints {own.group(1)}"
                )
        else:
            after = text[end : end + NEXT_SENTENCES]
            found = re.search(_GLUED_LOWER, after)
            assert found is None, (
                f"{rid} {where}: no ref, but {after[: found.end()][-30:]!r} follows the quote"
            )
        checked += 1
    assert checked > 100


def test_reference_rule_cases_named_in_the_issue(dataset):
    by_id = {s.id: s for s in dataset.parsed.studies}
    assert by_id["nk-choi-subsequent-ref56-57"].source.refs == (56, 57)
    assert by_id["cart-cd19-ball-cr-bound"].source.refs == (8, 9)
    for rid, ref in (
        ("cart-cd19-nhl-ref13", 13),
        ("cart-china-bridge-ref42", 42),
        ("allo-lymphoma-ref73", 73),
    ):
        assert by_id[rid].source.refs == (ref,)
