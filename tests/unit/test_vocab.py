"""Every colour and every plotted field in vocab is defined once and used; every target in the
data has its own look (PUDL's metadata tests are the model)."""

from __future__ import annotations

import pytest

from celltx import figures, filters, load, vocab


@pytest.fixture(scope="module")
def ds():
    return load.load_dataset()


@pytest.fixture(scope="module")
def shown(ds):
    """Every title an axis, legend or colour bar shows, over every recipe and a few filters."""
    bounds = filters.year_bounds(ds.studies())
    titles: set[str] = set()
    for disease in [(), ("B-ALL",), ("AML",)]:
        ctx = figures.context(ds, filters.Filters(disease=disease, full_years=bounds))
        for r in figures.RECIPES:
            fig = r.build(ctx).figure
            if fig is None:
                continue
            lay = fig.layout.to_plotly_json()
            for key, ax in lay.items():
                if key.startswith(("xaxis", "yaxis")):
                    titles.add((ax.get("title") or {}).get("text") or "")
            titles.add(((lay.get("legend") or {}).get("title") or {}).get("text") or "")
            for t in fig.data:
                cb = getattr(t, "colorbar", None)
                if cb is not None and cb.title and cb.title.text:
                    titles.add(cb.title.text)
    return titles - {""}


def test_every_field_is_shown_on_some_figure(shown):
    unused = [k for k, (title, _) in vocab.FIELDS.items() if not any(s.startswith(title) for s in shown)]
    assert unused == [], f"vocab.FIELDS entries no figure uses: {unused}"


def test_every_target_in_the_data_and_the_vocabulary_has_its_own_colour_and_shape(ds):
    groups = set(ds.outcomes()["target_group"].dropna())
    missing = sorted((groups | set(vocab.TARGETS)) - set(vocab.TARGET_STYLE))
    assert missing == [], f"targets without a colour: {missing}"
    looks = list(vocab.TARGET_STYLE.values())
    assert len(looks) == len(set(looks)), "two targets share a colour and a shape"


def test_no_colour_is_defined_for_something_that_does_not_exist(ds):
    groups = set(ds.outcomes()["target_group"].dropna())
    assert set(vocab.TARGET_STYLE) <= groups | set(vocab.TARGETS)
    assert set(vocab.MODALITY_COLORS) == set(vocab.MODALITIES)
    o = ds.outcomes()
    assert set(vocab.DONOR_COLORS) == set(o["donor_type"].dropna())
    assert set(vocab.ROLE_COLORS) - {vocab.ROLE_NOT_STATED} == set(o["arm_role"].dropna())


def test_every_colour_is_okabe_ito(ds):
    palette = set(vocab.OKABE_ITO.values())
    for name, colours in [
        ("TARGET_COLORS", vocab.TARGET_COLORS),
        ("DONOR_COLORS", vocab.DONOR_COLORS),
        ("ROLE_COLORS", vocab.ROLE_COLORS),
        ("MODALITY_COLORS", vocab.MODALITY_COLORS),
    ]:
        assert set(colours.values()) <= palette, name


def test_okabe_ito_colours_are_all_used():
    used = {c for _, (c, _) in vocab.TARGET_STYLE.items()}
    used |= {
        k
        for k, v in vocab.OKABE_ITO.items()
        if v in {*vocab.DONOR_COLORS.values(), *vocab.ROLE_COLORS.values()}
    }
    assert set(vocab.OKABE_ITO) <= used
