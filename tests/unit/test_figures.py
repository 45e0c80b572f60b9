"""Every recipe, without a browser: a title, a 'Source:' footnote inside the figure, axis titles
from vocab, one measure per panel (or every row naming its measure) and the record behind every
point."""

from __future__ import annotations

import ast
import html
from pathlib import Path

import pytest

from celltx import charts, figures, filters, load, pages, vocab

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [(), ("B-ALL",), ("MM",), ("AML",)]
# figures of counts, not of reported values: their bars and cells stand for many records
AGGREGATES = {"overview_patients_by_disease", "targets_matrix"}


@pytest.fixture(scope="module")
def ds():
    return load.load_dataset()


@pytest.fixture(scope="module")
def results(ds):
    bounds = filters.year_bounds(ds.studies())
    out = {}
    for disease in SETTINGS:
        ctx = figures.context(ds, filters.Filters(disease=disease, full_years=bounds))
        for r in figures.RECIPES:
            out[(disease, r.name)] = r.build(ctx)
    return out


def _plain(html_text: str) -> str:
    return html_text.replace("<b>", "").replace("</b>", "")


def _drawn(results):
    return [(k, res) for k, res in results.items() if res.figure is not None]


# drawn only from a user's uploaded studies (tests/app/test_pooling.py uploads some)
USER_ONLY = {"own_studies_pooled"}


def test_every_recipe_has_a_figure_with_all_the_data(results):
    for r in figures.RECIPES:
        if r.name not in USER_ONLY:
            assert results[((), r.name)].figure is not None, r.name


def test_no_rows_means_no_figure_and_the_page_names_what_is_missing(results):
    for (_, name), res in results.items():
        if res.rows.empty:
            assert res.figure is None, name
            assert figures.BY_NAME[name].empty


def test_title_and_labels_come_from_the_result(results):
    for (_, name), res in _drawn(results):
        assert res.labels.title and res.labels.subtitle, name
        assert _plain(res.figure.layout.title.text).startswith(res.labels.title.replace("&", "&amp;")), name


def test_source_footnote_is_inside_the_figure(ds, results):
    for (_, name), res in _drawn(results):
        notes = [a for a in res.figure.layout.annotations if (a.text or "").startswith("Source:")]
        assert len(notes) == 1, name
        note = notes[0]
        assert note.xref == "paper" and note.yref == "paper", name
        assert f"data version {ds.version}" in note.text.replace("<br>", " "), name
        assert res.labels.footnote.startswith("Source:"), name


def _field_titles() -> set[str]:
    return {title for title, _ in vocab.FIELDS.values()}


def test_axis_and_legend_titles_come_from_vocab_fields(results):
    titles = _field_titles()
    for (_, name), res in _drawn(results):
        lay = res.figure.layout
        named = [
            ax.title.text
            for key in lay.to_plotly_json()
            if key.startswith(("xaxis", "yaxis"))
            for ax in [lay[key]]
            if ax.title and ax.title.text
        ]
        assert named, f"{name}: no axis title"
        for text in named + [lay.legend.title.text or ""]:
            if text:
                assert any(text.startswith(t) for t in titles), (
                    f"{name}: axis title {text!r} not in vocab.FIELDS"
                )


def _rows_by_point(res):
    rows = res.rows
    return {(r.record_id, int(r.outcome_index)): r for r in rows.itertuples()}


def _points(fig):
    """(trace, point index, customdata) of every hoverable point."""
    for t in fig.data:
        if t.hoverinfo == "skip" or t.type == "heatmap":
            continue
        xs = t.x if t.x is not None else []
        for i in range(len(xs)):
            cd = t.customdata[i] if t.customdata is not None else None
            yield t, i, cd


def test_every_point_carries_its_record(results):
    for (_, name), res in _drawn(results):
        if name in AGGREGATES:
            continue
        known = _rows_by_point(res)
        for t, _i, cd in _points(res.figure):
            assert cd is not None, f"{name}: trace {t.name!r} has a point without record data"
            if str(cd[0]).startswith("pooled:"):
                continue  # a pooled estimate: its included records are in its hover and the table
            assert (cd[0], int(cd[1])) in known, f"{name}: {cd[0]} is not a row of the result"


def test_every_row_a_recipe_gives_is_drawn(results):
    # charts draw what the recipe gives, all of it: a rule that drops rows belongs in the recipe,
    # where the rows, the footnote and the text summary follow it too
    for (_, name), res in _drawn(results):
        if name in AGGREGATES:
            continue
        drawn = {
            (str(cd[0]), int(cd[1]))
            for _t, _i, cd in _points(res.figure)
            if not str(cd[0]).startswith("pooled:")
        }
        assert set(_rows_by_point(res)) == drawn, (
            f"{name}: rows not drawn {sorted(set(_rows_by_point(res)) - drawn)[:5]}"
        )


def _panel(t) -> tuple[str, str]:
    return (t.xaxis or "x", t.yaxis or "y")


def test_one_measure_per_panel(results):
    # a panel holds one measure; only a forest, where every row is its own category on the axis,
    # may list rows of several measures, each row's own label naming its measure. A label placed
    # beside a point does not count: points of two measures on one value axis read as one scale.
    for (_, name), res in _drawn(results):
        if name in AGGREGATES:
            continue
        known = _rows_by_point(res)
        measures: dict[tuple[str, str], set[str]] = {}
        named: dict[tuple[str, str], bool] = {}
        for t, i, cd in _points(res.figure):
            if str(cd[0]).startswith("pooled:"):
                continue
            row = known[(cd[0], int(cd[1]))]
            m = charts.text.measure_text(row._asdict())
            measures.setdefault(_panel(t), set()).add(m)
            y = t.y[i]
            shown = html.unescape(y.replace("<br>", " ")) if isinstance(y, str) else ""  # wrapped labels
            named[_panel(t)] = named.get(_panel(t), True) and m in shown
        for panel, ms in measures.items():
            assert len(ms) == 1 or named[panel], f"{name}: panel {panel} mixes {sorted(ms)}"


def test_the_dose_chart_titles_each_panel_with_its_measure_and_dose_unit(results):
    for (_, name), res in _drawn(results):
        if name != "cart_dose_response_crs":
            continue
        known = _rows_by_point(res)
        layout = res.figure.layout
        titles = {
            (a.x, a.y): html.unescape(a.text)
            for a in layout.annotations
            if a.xref == "paper" and a.yanchor == "bottom"
        }
        for t, _i, cd in _points(res.figure):
            row = known[(cd[0], int(cd[1]))]
            x_axis = layout["xaxis" + (t.xaxis or "x")[1:]]
            y_axis = layout["yaxis" + (t.yaxis or "y")[1:]]
            # the panel's title sits centred over its x domain, at the top of its y domain
            centre = (x_axis.domain[0] + x_axis.domain[1]) / 2
            title = next(
                txt
                for (ax, ay), txt in titles.items()
                if abs(ax - centre) < 1e-6 and abs(ay - y_axis.domain[1]) < 1e-6
            )
            unit = vocab.DOSE_UNITS[row.dose_unit]
            assert title == f"{charts.text.measure_text(row._asdict())} · dose {unit}", (name, title)
            assert unit in x_axis.title.text, (name, x_axis.title.text)


def _view_figures() -> dict[str, list[str]]:
    """Each view's ``ui.figure("recipe", ...)`` calls, in order, read from views/*.py."""
    out = {}
    for p in pages.PAGES:
        tree = ast.parse((ROOT / p.file).read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "figure"
            and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "ui"
            and n.args
            and isinstance(n.args[0], ast.Constant)
        ]
        out[p.key] = [n.args[0].value for n in sorted(calls, key=lambda n: (n.lineno, n.col_offset))]
    return out


def test_each_recipe_says_its_page_and_that_page_shows_it():
    # the recipe is the one place that names its page: its page's view draws it, in the recipes'
    # order, and no view draws a figure that is not a recipe of its page
    shown = _view_figures()
    for p in pages.PAGES:
        assert shown[p.key] == [r.name for r in figures.on_page(p.key)], p.key
        for name in shown[p.key]:
            assert figures.page_of(name) is p
    assert sorted(n for names in shown.values() for n in names) == sorted(r.name for r in figures.RECIPES)


def test_a_recipe_naming_no_page_is_refused():
    recipe = figures.RECIPES[0]
    with pytest.raises(ValueError, match=r"page 'nowhere' is not a page key in celltx/pages.py"):
        figures.Recipe(recipe.name, "nowhere", recipe.caption, recipe.empty, recipe.build)


def test_an_nk_arm_without_a_declared_role_is_drawn_as_not_stated_never_guessed(ds):
    ctx = figures.context(ds, filters.Filters(full_years=filters.year_bounds(ds.studies())))
    o = ctx.outcomes.copy()
    drawn = figures.nk_results(ctx).rows
    comparator = drawn.index[drawn["role"] == "comparator"][0]
    o.loc[comparator, "arm_role"] = None
    res = figures.nk_results(figures.Context(**{**ctx.__dict__, "outcomes": o}))
    assert res.rows.loc[comparator, "role"] == vocab.ROLE_NOT_STATED
    assert vocab.ROLE_NOT_STATED in {t.name for t in res.figure.data}
