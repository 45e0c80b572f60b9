"""Every dashboard figure as one named, pure recipe: filtered frames in, figure out.

Pages show these figures; ``python -m celltx figures`` writes the same figures to files, so a
slide made from the command line matches the screen. Each recipe selects its rows, builds
labels (title, filters and measure, source footnote) and calls a chart builder.

One module per page group (``evidence``, ``pooled``, ``cart``, ``arms``), each ending in its
``RECIPES``; ``base`` holds what they share. A recipe names its page (``Recipe.page``), and that is
the only place that says so: ``RECIPES`` is in navigation order, and a page's figures, its slides,
the bundle's index and every "link to this view" are read from it (``on_page``, ``page_of``).
"""

from __future__ import annotations

from celltx import pages
from celltx.figures import arms, cart, evidence, pooled
from celltx.figures.arms import COMPARISON, comparisons, donor, nk_results
from celltx.figures.base import Context, Recipe, Result, cited, context, make_result, one_point_per_value
from celltx.figures.cart import (
    RELAPSE_ENDPOINTS,
    cart_crs,
    cart_dose,
    medians,
    neurotoxicity,
    relapse_bridge,
    survival,
)
from celltx.figures.evidence import (
    MODALITY_COLUMNS,
    ROLLUP_COLUMNS,
    disease_rollup,
    modality_counts,
    overview,
    targets,
)
from celltx.figures.pooled import (
    Pooling,
    cart_response,
    cart_response_rows,
    own_studies,
    pool_by_endpoint,
    with_broader_included,
)

_ORDER = {p.key: i for i, p in enumerate(pages.PAGES)}
# every recipe, in the order the navigation lists their pages (then as each module lists them)
RECIPES: list[Recipe] = sorted(
    [*evidence.RECIPES, *pooled.RECIPES, *cart.RECIPES, *arms.RECIPES], key=lambda r: _ORDER[r.page]
)
BY_NAME = {r.name: r for r in RECIPES}


def on_page(key: str) -> list[Recipe]:
    """The recipes a page shows, in order (pages.Page.key)."""
    return [r for r in RECIPES if r.page == key]


def page_of(recipe: str) -> pages.Page:
    """The page that shows a recipe's figure."""
    if recipe not in BY_NAME:
        raise ValueError(f"no recipe {recipe!r}; recipes are: {', '.join(BY_NAME)}")
    return pages.BY_KEY[BY_NAME[recipe].page]


__all__ = [
    "BY_NAME",
    "COMPARISON",
    "RECIPES",
    "RELAPSE_ENDPOINTS",
    "Context",
    "Pooling",
    "Recipe",
    "Result",
    "cart_crs",
    "cart_dose",
    "cart_response",
    "cart_response_rows",
    "cited",
    "comparisons",
    "context",
    "disease_rollup",
    "modality_counts",
    "MODALITY_COLUMNS",
    "ROLLUP_COLUMNS",
    "donor",
    "make_result",
    "medians",
    "neurotoxicity",
    "nk_results",
    "on_page",
    "one_point_per_value",
    "overview",
    "own_studies",
    "page_of",
    "pool_by_endpoint",
    "relapse_bridge",
    "survival",
    "targets",
    "with_broader_included",
]
