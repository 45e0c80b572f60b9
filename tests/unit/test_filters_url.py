"""URL parameters are untrusted (issue 12): repeated values count once, unknown ones are dropped."""

from __future__ import annotations

from celltx import filters

OPTIONS = {"disease": ["AML", "B-ALL", "MM"], "modality": ["CAR-T", "NK"], "target": ["CD19"]}


def test_repeated_values_count_once_and_never_exceed_the_known_values():
    f = filters.from_params({"disease": "B-ALL," * 20_000 + "AML,B-ALL"}, OPTIONS)
    assert f.disease == ("B-ALL", "AML")


def test_repeated_parameters_and_unknown_values_are_dropped():
    f = filters.from_params({"modality": ["NK", "NK", "<script>", "CAR-T"], "target": "CD19,CD19,x"}, OPTIONS)
    assert f.modality == ("NK", "CAR-T") and f.target == ("CD19",)


def test_a_huge_year_is_ignored_not_an_error():
    f = filters.from_params({"years": "9" * 5000 + "-1"}, OPTIONS, (2010, 2020))
    assert f.years == (2010, 2020)
