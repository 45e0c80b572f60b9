"""What every recipe shares: the filtered frames it reads (Context), what it returns (Result),
how it is registered (Recipe) and the one place a figure's labels and 'nothing to show' are made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from celltx import charts, filters, linked, load, pages, summary


@dataclass(frozen=True)
class Context:
    """Filtered frames and display options shared by every figure."""

    outcomes: pd.DataFrame
    studies: pd.DataFrame
    targets: pd.DataFrame
    filters: filters.Filters
    citations: dict[str, str]
    version: str
    theme: charts.Theme = charts.SCREEN
    options: dict[str, str] = field(default_factory=dict)
    full_citations: dict[str, str] = field(default_factory=dict)  # source file -> full citation

    def cited(self, rows: pd.DataFrame) -> list[str]:
        return cited(rows, self.full_citations)

    def labels(self, title: str, measure: str, df: pd.DataFrame) -> charts.Labels:
        sub = f"{measure} · filters: {self.filters.describe()}"
        return charts.Labels(title, sub, charts.source_footnote(df, self.citations, self.version))


def cited(rows: pd.DataFrame, full_citations: dict[str, str]) -> list[str]:
    """The full citations of the source documents behind rows (for slides and 'Cite this figure')."""
    files = sorted(set(rows["source_file"].dropna().astype(str))) if "source_file" in rows else []
    found = [full_citations[f] for f in files if f in full_citations]
    return found or list(full_citations.values())[:1]


@dataclass(frozen=True)
class Result:
    """What a recipe made. ``figure`` is None when the filters leave no rows (the page then says
    what is missing); ``rows`` are the rows drawn, ``labels`` what the figure says about itself.
    Extras are named fields, each meaning one thing on every page."""

    rows: pd.DataFrame
    figure: go.Figure | None
    labels: charts.Labels
    # the text alternative, written from ``rows`` (celltx.summary): accessible description, SVG
    # <desc>, slide alt text and notes, bundle index
    summary: str = ""
    # CAR-T response and a user's own studies: stats.pool per measure and target, every group
    # (diamonds only where pooled), with an endpoint column
    pooled: pd.DataFrame | None = None
    # the same: stats.subgroup_tests per measure (one row per stratum compared)
    subgroups: pd.DataFrame | None = None
    # the same: stats.leave_one_out_table per measure (groups of 3 or more studies)
    leave_one_out: pd.DataFrame | None = None
    # targets: disease x target with the number of values in the data (n_values)
    targets_summary: pd.DataFrame | None = None


@dataclass(frozen=True)
class Recipe:
    """One figure. ``page`` is the key of the page that shows it (celltx.pages): the one place
    that says so; the page's list of figures, its slides, the bundle and the links all read it."""

    name: str  # file-name stem, e.g. cart_response_by_target
    page: str  # pages.Page.key, e.g. crs_dose
    caption: str
    empty: str  # what is missing, for the 'no data' message
    build: Callable[[Context], Result]
    selectable: bool = True  # points open a study record (not bars or matrix cells)
    # drawn only from a user's upload (the Data page shows it then): nothing to build ahead
    needs_upload: bool = False

    def __post_init__(self) -> None:
        if self.page not in pages.BY_KEY:
            raise ValueError(
                f"recipe {self.name!r}: page {self.page!r} is not a page key in celltx/pages.py "
                f"(one of {', '.join(pages.BY_KEY)})"
            )


def context(
    ds: load.Dataset,
    f: filters.Filters,
    theme: charts.Theme = charts.SCREEN,
) -> Context:
    """A Context from a loaded dataset and filters (the command line's entry point)."""
    citations = {o.file: o.short_citation or o.citation for o in ds.parsed.sources}
    return Context(
        filters.apply(ds.outcomes(), f),
        filters.apply(ds.studies(), f),
        ds.targets(),
        f,
        citations,
        ds.version,
        theme,
        full_citations={o.file: o.citation for o in ds.parsed.sources},
    )


one_point_per_value = linked.one_point_per_value  # the figures' name for the shared rule


def make_result(
    ctx: Context,
    rows: pd.DataFrame,
    title: str,
    measure: str,
    draw: Callable[[pd.DataFrame, charts.Labels], go.Figure],
    describe: Callable[[str, pd.DataFrame], str] = summary.forest,
    footnote_rows: pd.DataFrame | None = None,
    **extras: pd.DataFrame,
) -> Result:
    """The one 'nothing to show' rule and the one place labels are made: linked records that
    report the same value become one point, the footnote cites the rows drawn (or
    ``footnote_rows``), the text summary describes the same rows, and no rows means no figure."""
    if len(rows) and "endpoint" in rows:
        rows = one_point_per_value(rows)
    labels = ctx.labels(title, measure, rows if footnote_rows is None else footnote_rows)
    fig = charts.mark_legend(draw(rows, labels), rows, ctx.theme) if len(rows) else None
    text = describe(title, rows) if len(rows) else ""
    return Result(rows, fig, labels, text, **extras)
