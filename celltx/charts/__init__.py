"""Pure drawing: rows (+ options) in, plotly Figure out; one engine per chart family.

The recipes in ``celltx.figures`` choose the rows, labels and order; these modules only draw
what they are given. ``layout`` frames every figure (theme, title, footnote, slide size),
``text`` writes every word on it, ``marks`` decides how a point looks, ``forest`` is the one
forest engine (response, CRS, NK, bounds), ``rows`` draws its kinds of row (value with CI, bound,
range, pooled diamond, subgroup test), and ``dose``, ``timeline``, ``donor`` and ``matrix``
draw the other families.
"""

from celltx.charts.donor import donor_dumbbell
from celltx.charts.dose import dose_chart
from celltx.charts.forest import (
    bounds_chart,
    crs_by_target,
    labelled_forest,
    pooled_forest,
    response_forest,
)
from celltx.charts.layout import (
    DECK_PICTURE,
    SCREEN,
    SLIDE_HEIGHT,
    SLIDE_SCALE,
    SLIDE_WIDTH,
    Labels,
    Theme,
    export_size,
    finish,
    for_slide,
    source_footnote,
)
from celltx.charts.marks import MARKS, Mark, mark_legend, target_color
from celltx.charts.matrix import overview_chart, targets_matrix
from celltx.charts.text import hover_text, n_text, p_text, value_text
from celltx.charts.timeline import medians_chart, survival_landmarks

__all__ = [
    "MARKS",
    "SCREEN",
    "SLIDE_HEIGHT",
    "DECK_PICTURE",
    "SLIDE_SCALE",
    "SLIDE_WIDTH",
    "Labels",
    "Mark",
    "Theme",
    "bounds_chart",
    "crs_by_target",
    "donor_dumbbell",
    "dose_chart",
    "export_size",
    "finish",
    "for_slide",
    "hover_text",
    "labelled_forest",
    "mark_legend",
    "medians_chart",
    "n_text",
    "overview_chart",
    "p_text",
    "pooled_forest",
    "response_forest",
    "source_footnote",
    "survival_landmarks",
    "target_color",
    "targets_matrix",
    "value_text",
]
