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
