"""The dashboard's pages, each described once: the frame (app.py), the tests and the benchmark
all read this list, so a page is added or renamed here and nowhere else.

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
    recipes: tuple[str, ...] = ()  # figures.RECIPES shown on the page, in order
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
        ("overview_patients_by_disease",),
        "overview_chart",
        default=True,
    ),
    Page(
        "targets",
        "Targets",
        ":material/grid_on:",
        "target-antigens",
        "Evidence base",
        ("targets_matrix",),
        "targets_chart",
    ),
    Page(
        "data",
        "Data and sources",
        ":material/table:",
        "data-sources",
        "Evidence base",
        ("own_studies_pooled",),  # only with uploaded studies, so no chart_key to wait for
    ),
    Page(
        "cart_response",
        "CAR-T response",
        ":material/target:",
        "cart-response",
        "CAR-T cells",
        ("cart_response_by_target",),
        "cart_response_chart",
    ),
    Page(
        "crs_dose",
        "CRS and dose",
        ":material/local_fire_department:",
        "crs-dose",
        "CAR-T cells",
        ("cart_crs_by_target", "cart_dose_response_crs", "neurotoxicity"),
        "crs_chart",
    ),
    Page(
        "survival",
        "Survival and durability",
        ":material/timeline:",
        "survival-durability",
        "CAR-T cells",
        ("cart_survival_landmarks", "cart_medians", "cart_relapse_bridge"),
        "survival_chart",
    ),
    Page(
        "nk",
        "NK-cell therapy",
        ":material/bubble_chart:",
        "nk-cells",
        "NK cells",
        ("nk_results_by_setting",),
        "nk_chart",
    ),
    Page(
        "donor",
        "Donor type",
        ":material/compare_arrows:",
        "donor-type",
        "Transplant",
        ("donor_hid_vs_isd",),
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


def page_of(recipe: str) -> Page:
    """The page that shows a recipe's figure."""
    for p in PAGES:
        if recipe in p.recipes:
            return p
    raise ValueError(f"recipe {recipe!r} is on no page; add it to a page's recipes in celltx/pages.py")
