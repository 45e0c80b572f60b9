"""The disease hierarchy (data/diseases.yaml): sound as a tree, used by every record, and a bad
file is an error naming the file, the line and the term."""

from __future__ import annotations

import json

import pytest

from celltx import cli, diseases, load, upload, vocab

TREE = vocab.DISEASE_TREE


def test_hierarchy_is_acyclic_and_every_term_reaches_a_root():
    for term in TREE.ids:
        chain = TREE.ancestors(term)
        assert len(chain) == len(set(chain)) and term not in chain
        assert (chain[-1] if chain else term) in TREE.roots


def test_display_order_lists_every_term_once_with_parents_first():
    order = TREE.ordered()
    assert sorted(order) == sorted(TREE.ids)
    for t in TREE:
        if t.parent:
            assert order.index(t.parent) < order.index(t.id)


def test_every_coded_disease_is_a_term():
    ds = load.load_dataset(seeds=None)
    used = {d for s in ds.parsed.studies for d in s.disease} | {
        d for t in ds.parsed.targets for d in t.disease
    }
    assert used <= set(TREE.ids), used - set(TREE.ids)


@pytest.mark.parametrize(
    "child,ancestor",
    [
        ("B-ALL", "ALL"),
        ("T-ALL", "ALL"),
        ("ALL", "lymphoid"),
        ("ALCL", "T-NHL"),
        ("CLL", "B-NHL"),
        ("B-NHL", "NHL"),
        ("NHL", "lymphoma"),
        ("HL", "lymphoma"),
        ("AML", "myeloid"),
        ("MDS", "myeloid"),
    ],
)
def test_who_placements_the_issue_names(child, ancestor):
    assert ancestor in TREE.ancestors(child)
    assert child in TREE.descendants(ancestor)


def test_myeloma_is_lymphoid_but_not_a_lymphoma_and_mixed_stands_alone():
    assert "lymphoid" in TREE.ancestors("MM") and "lymphoma" not in TREE.ancestors("MM")
    assert TREE.ancestors("mixed") == () and TREE.descendants("mixed") == ("mixed",)


def test_debatable_placements_are_explained_in_the_file():
    for term in ("ALL", "lymphoma", "CLL", "HL", "MM", "mixed"):
        assert TREE.by_id[term].placement, term
    for t in TREE:
        assert t.definition and t.label


def test_broader_terms_say_what_they_leave_open():
    assert TREE.unstated("ALL") == "lineage not stated"
    for t in TREE:
        if TREE.children[t.id]:
            assert t.unstated, f"{t.id} has children, so records coded with it need an 'unstated'"


def test_vocab_has_no_disease_list_of_its_own():
    assert list(vocab.DISEASES) == list(TREE.ids)
    source = (load.ROOT / "celltx" / "vocab.py").read_text()
    assert '"B-ALL"' not in source and '"AML"' not in source


# ---------------------------------------------------------------------------------------------
# Bad input

HEAD = "kind: diseases\ntitle: t\nterms:\n"
MIXED = "  - {id: mixed, label: Mixed, definition: not stated}\n"


def _error(text: str) -> str:
    with pytest.raises(diseases.DiseaseFileError) as e:
        diseases.parse(text, "diseases.yaml")
    return str(e.value)


def test_a_cycle_names_file_line_and_term():
    text = (
        HEAD
        + "  - {id: lymphoid, label: L, definition: d}\n"
        + "  - id: ALL\n    label: A\n    definition: d\n    parent: B-ALL\n"
        + "  - id: B-ALL\n    label: B\n    definition: d\n    parent: ALL\n"
        + MIXED
    )
    msg = _error(text)
    assert msg.startswith("diseases.yaml:8, term 'ALL': cycle in parents: ALL -> B-ALL -> ALL")
    assert text.splitlines()[7] == "    parent: B-ALL"


def test_unknown_parent_names_file_line_and_term():
    text = HEAD + "  - {id: AML, label: A, definition: d, parent: myeloidd}\n" + MIXED
    assert _error(text) == "diseases.yaml:4, term 'AML': unknown parent 'myeloidd'"


def test_duplicate_id_and_missing_field_are_named():
    text = HEAD + "  - {id: AML, label: A, definition: d}\n  - {id: AML, label: B}\n" + MIXED
    msg = _error(text)
    assert "diseases.yaml:5, term 'AML': definition: Field required" in msg


def test_a_file_without_the_unstated_term_is_rejected():
    assert "'mixed'" in _error(HEAD + "  - {id: AML, label: A, definition: d}\n")


def test_validate_reports_a_bad_disease_file_in_a_data_folder(write, capsys):
    folder = write(HEAD + "  - {id: AML, label: A, definition: d, parent: AML}\n" + MIXED, "diseases.yaml")
    assert cli.main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "diseases.yaml:4, record 'AML', field 'terms': is its own parent" in err


def test_unknown_disease_in_a_record_names_file_line_record_and_term(write):
    from tests.conftest import VALID

    folder = write(VALID.replace("disease: [B-ALL]", "disease: [B-AL]", 1))
    ds = load.load_dataset(folder, seeds=None)
    [p] = ds.problems
    assert (p.line, p.record, p.field) == (8, "cart-maude-2014", "disease")
    assert "unknown disease 'B-AL' (not a term of diseases.yaml)" in p.message


def test_mixed_with_other_diseases_is_rejected(write):
    from tests.conftest import VALID

    folder = write(VALID.replace("disease: [B-ALL]", "disease: [mixed, B-ALL]", 1))
    [p] = load.load_dataset(folder, seeds=None).problems
    assert "'mixed' means the source does not say" in p.message


def test_disease_quote_is_checked_against_the_source(write, seeds_dir):
    from tests.conftest import VALID

    text = VALID.replace(
        "disease_text: R/R B-ALL\n",
        'disease_text: R/R B-ALL\n    disease_quote: "patients with B-ALL who never existed"\n',
    )
    [p] = load.load_dataset(write(text), seeds=seeds_dir).problems
    assert (p.record, p.field) == ("cart-maude-2014", "disease_quote") and "quote not found" in p.message


def test_published_disease_json_schema_matches_the_model_and_the_file():
    import jsonschema
    import yaml

    published = json.loads((load.DATA_DIR / "schema" / "disease-file.schema.json").read_text())
    assert published == upload.disease_json_schema(), "run: python -m celltx schema"
    jsonschema.validate(yaml.safe_load(vocab.DISEASE_FILE.read_text()), published)
    study_schema = upload.json_schema()
    assert study_schema["$defs"]["Study"]["properties"]["disease"]["items"]["enum"] == list(vocab.DISEASES)
