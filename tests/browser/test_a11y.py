"""Accessibility in a real browser: axe-core (WCAG 2.1 A/AA rules) on every page, and the sidebar
filters driven by the keyboard alone.

axe-core is the npm package pinned in package.json (``make test`` installs it into node_modules/);
it is injected into each page with Playwright's ``add_script_tag``. What the project controls
(theme colours, captions, tables, charts and their text alternatives) must have no serious or
critical violation. Violations inside Streamlit's own navigation markup are listed below, each
with the upstream reason, and only those rules on only that markup are set aside.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import (
    TIMEOUT,
    disease_option,
    disease_tags,
    drawn,
    finished,
    open_page,
    signature,
    wait_for_redraw,
)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = [
    "/",
    "/target-antigens",
    "/data-sources",
    "/cart-response",
    "/crs-dose",
    "/survival-durability",
    "/nk-cells",
    "/donor-type",
]

# Streamlit's sidebar navigation (st.navigation with sections) renders each section as a <div>
# header inside the <ul> and its links as <li> inside <div>s, not inside the <ul> itself. That
# markup is Streamlit's (SidebarNav in streamlit/frontend), not ours: we cannot change it short of
# hiding Streamlit's navigation. Rule id -> (markup it may occur in, upstream reason).
UPSTREAM = {
    "list": (
        '[data-testid="stSidebarNav"]',
        "Streamlit's SidebarNav puts section headers (<div>) directly inside the <ul>",
    ),
    "listitem": (
        '[data-testid="stSidebarNav"]',
        "Streamlit's SidebarNav wraps each section's <li> links in a <div>, not in a <ul>",
    ),
}

RUN_AXE = """
async ([tags, upstream]) => {
  const res = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  const out = [];
  for (const v of res.violations) {
    if (!['serious', 'critical'].includes(v.impact)) continue;
    for (const n of v.nodes) {
      const el = document.querySelector(n.target[0]);
      const allowed = upstream[v.id];
      const theirs = !!(allowed && el && el.closest(allowed));
      out.push({rule: v.id, impact: v.impact, help: v.help, target: n.target.join(' '),
                html: n.html.slice(0, 160), summary: (n.failureSummary || '').slice(0, 300), theirs});
    }
  }
  return out;
}
"""


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does) to install the pinned axe-core")
    return AXE


def axe_violations(page: Page, axe_source: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_source))
    upstream = {rule: where for rule, (where, _reason) in UPSTREAM.items()}
    return page.evaluate(RUN_AXE, [WCAG_TAGS, upstream])


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violations_in_what_we_control(page: Page, app_url, axe_source, path):
    open_page(page, app_url + path)
    charts = page.locator(".js-plotly-plot")
    for i in range(charts.count()):  # every chart drawn, so axe sees its final markup
        expect(charts.nth(i).locator(".main-svg").first).to_be_visible(timeout=TIMEOUT)
    found = axe_violations(page, axe_source)
    ours = [v for v in found if not v["theirs"]]
    assert not ours, f"{path}: serious/critical axe violations:\n" + "\n".join(
        f"- {v['impact']} {v['rule']} ({v['help']}) at {v['target']}: {v['summary']}\n  {v['html']}"
        for v in ours
    )


@pytest.mark.parametrize("path", ["/cart-response", "/donor-type"])
def test_every_chart_has_an_accessible_name_and_text_summary(page: Page, app_url, path):
    open_page(page, app_url + path)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts.first).to_be_visible(timeout=TIMEOUT)
    for i in range(charts.count()):
        chart = charts.nth(i)
        # Streamlit names the chart itself: role "figure", its text summary as the accessible name
        expect(chart).to_have_attribute("role", "figure")
        expect(chart).to_have_attribute("aria-label", re.compile(r".{20,}\d+ stud"), timeout=TIMEOUT)
    summaries = page.get_by_test_id("stExpander").filter(has_text="Text summary")
    assert summaries.count() == charts.count(), "each chart has its text summary below it"
    expect(page.get_by_role("button", name="Copy link to this view")).to_have_count(charts.count())
    expect(page.get_by_role("button", name="Cite this figure")).to_have_count(charts.count())
    expect(page.get_by_role("button", name="Download slides of this page (PPTX)")).to_have_count(1)


def test_sidebar_filter_works_with_the_keyboard_alone(page: Page, app_url):
    """Tab to the disease filter, type a disease, take it with the arrow keys and Enter, close the
    list with Escape: the chart redraws with fewer points."""
    open_page(page, app_url + "/cart-response")
    before = signature(drawn(page, "cart_response_chart"))
    page.locator("body").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement?.getAttribute('aria-label') || ''")
        if label == "Disease":
            break
    else:
        raise AssertionError("Tab never reached the Disease filter")
    page.keyboard.type("MM")
    listbox = page.get_by_role("listbox", name="Disease")
    expect(listbox.get_by_role("option", name=disease_option("MM"))).to_be_visible(timeout=TIMEOUT)
    # the first entry may be "Select N matches": walk down to the exact option with the arrows
    for _ in range(10):
        active = page.evaluate(
            "() => { const id = document.activeElement?.getAttribute('aria-activedescendant');"
            " const el = id && document.getElementById(id); return el ? el.textContent.trim() : ''; }"
        )
        if disease_option("MM").match(active):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(disease_tags(page)).to_have_text([disease_option("MM")], timeout=TIMEOUT)
    finished(page)
    after = wait_for_redraw(page, "cart_response_chart", before)
    assert 0 < len(after) < len(before)
