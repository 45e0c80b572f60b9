"""The dashboard's pages, each described once: the frame (app.py), the tests and the benchmark
all read this list, so a page is added or renamed here and nowhere else. Which figures a page
shows is said by each figure's recipe (``figures.Recipe.page``; ``figures.on_page`` lists them).

Plain data, no Streamlit: ``app.py`` turns each entry into an ``st.Page``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str  # the view's file stem, e.g. cart_response (views/cart_response.py)
    title: str  # navigation label and the page's name in the figure bundle
    icon: str
    url_path: str
    group: str  # navigation section
    chart_key: str | None = None  # widget key of the page's first chart
    default: bool = False

    @property
    def file(self) -> str:
        return f"views/{self.key}.py"

    @property
    def url(self) -> str:
        """The page's address below the server root ('/' for the default page)."""
        return "/" if self.default else f"/{self.url_path}"


PAGES: tuple[Page, ...] = (
    Page(
        "overview",
        "Overview",
        ":material/dashboard:",
        "evidence-overview",
        "Evidence base",
        "overview_chart",
        default=True,
    ),
    Page(
        "targets",
        "Targets",
        ":material/grid_on:",
        "target-antigens",
        "Evidence base",
        "targets_chart",
    ),
    Page(
        "data",
        "Data and sources",
        ":material/table:",
        "data-sources",
        "Evidence base",
        # only with uploaded studies, so no chart_key to wait for
    ),
    Page(
        "cart_response",
        "CAR-T response",
        ":material/target:",
        "cart-response",
        "CAR-T cells",
        "cart_response_chart",
    ),
    Page(
        "crs_dose",
        "CRS and dose",
        ":material/local_fire_department:",
        "crs-dose",
        "CAR-T cells",
        "crs_chart",
    ),
    Page(
        "survival",
        "Survival and durability",
        ":material/timeline:",
        "survival-durability",
        "CAR-T cells",
        "survival_chart",
    ),
    Page(
        "nk",
        "NK-cell therapy",
        ":material/bubble_chart:",
        "nk-cells",
        "NK cells",
        "nk_chart",
    ),
    Page(
        "donor",
        "Donor type",
        ":material/compare_arrows:",
        "donor-type",
        "Transplant",
        "donor_chart",
    ),
)
BY_KEY = {p.key: p for p in PAGES}


def groups() -> dict[str, list[Page]]:
    """Pages by navigation section, in order."""
    out: dict[str, list[Page]] = {}
    for p in PAGES:
        out.setdefault(p.group, []).append(p)
    return out
