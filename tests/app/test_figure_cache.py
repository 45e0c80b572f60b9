"""A page's figure is built once per inputs: switching back to a page reuses it, and any input
(filters, options, theme, data, upload) that changes builds it again."""

from __future__ import annotations

import dataclasses

from celltx import figures, pages
from tests.app.conftest import figures as shown
from tests.app.conftest import open_page


def test_switching_back_reuses_the_figure_and_a_filter_change_rebuilds_it(monkeypatch):
    name = "cart_response_by_target"
    calls = []
    recipe = figures.BY_NAME[name]

    def counted(ctx):
        calls.append(ctx.filters)
        return recipe.build(ctx)

    monkeypatch.setitem(figures.BY_NAME, name, dataclasses.replace(recipe, build=counted))
    at = open_page("cart_response")
    first = shown(at)
    assert len(calls) == 1
    at.switch_page(pages.BY_KEY["overview"].file).run()
    at.switch_page(pages.BY_KEY["cart_response"].file).run()
    assert not at.exception
    assert len(calls) == 1  # the same inputs: the kept figure
    assert shown(at)[0] == first[0]
    at.multiselect(key="f_disease").set_value(["B-ALL"]).run()
    assert len(calls) == 2 and calls[-1].disease == ("B-ALL",)
    assert shown(at)[0] != first[0]


def test_the_start_up_warm_up_builds_what_a_new_visitor_sees(monkeypatch):
    # celltx.warmup loads the data and builds the default page's figures before anyone connects;
    # the first visitor's page must find them in the caches (same key), not build them again
    from celltx import load, warmup

    warmup._first_page()
    default = next(p for p in pages.PAGES if p.default)
    recipes = [r.name for r in figures.on_page(default.key)]
    assert recipes

    def fail(*_args, **_kwargs):
        raise AssertionError("built again: the warm-up's cache key differs from the page's")

    for name in recipes:
        monkeypatch.setitem(figures.BY_NAME, name, dataclasses.replace(figures.BY_NAME[name], build=fail))
    monkeypatch.setattr(load, "load_dataset", fail)
    at = open_page(default.key)
    assert len(shown(at)) == len(recipes)


def test_the_warm_up_leaves_a_visitor_with_other_filters_to_build_their_own(monkeypatch):
    from celltx import warmup

    warmup._first_page()
    default = next(p for p in pages.PAGES if p.default)
    recipes = [r.name for r in figures.on_page(default.key)]
    calls = []
    for name in recipes:
        recipe = figures.BY_NAME[name]

        def counted(ctx, r=recipe):
            calls.append(ctx.filters)
            return r.build(ctx)

        monkeypatch.setitem(figures.BY_NAME, name, dataclasses.replace(recipe, build=counted))
    at = open_page(default.key, {"disease": "AML"})
    assert [c.disease for c in calls] == [("AML",)] * len(recipes)
    assert len(shown(at)) == len(recipes)


def test_the_later_warm_up_builds_what_a_new_visitor_sees_on_every_other_page(monkeypatch):
    # celltx.warmup's later steps build the other pages' figures; a new session's first visit to
    # each page must find them (same cache key: no options, no upload), not build them again
    from celltx import warmup

    warmup._first_page()
    for step in warmup._page_steps():
        step()
    built_ahead = 0
    for page in pages.PAGES:
        if page.default:
            continue
        drawn = [r for r in figures.on_page(page.key) if not r.needs_upload]
        built_ahead += len(drawn)

        def fail(*_args, _page=page.key, **_kwargs):
            raise AssertionError(f"{_page}: built again, the warm-up's cache key differs from the page's")

        for r in drawn:
            monkeypatch.setitem(figures.BY_NAME, r.name, dataclasses.replace(r, build=fail))
        at = open_page(page.key)  # fails on a build
        assert not at.exception, [e.value for e in at.exception]
    assert built_ahead >= 8  # every page's figures but the upload-only one
