"""Issue 9 in a real browser: choosing B-ALL draws the ALL cohorts with the broader-cohort marker
and its legend entry, and the copied URL reopens the same view (marker, legend, switch)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import (
    TIMEOUT,
    choose_disease,
    disease_option,
    disease_tags,
    drawn,
    open_page,
    signature,
    wait_for_redraw,
    wait_for_same,
)

KEY = "cart_response_chart"
LEGEND = "broader cohort: ALL, lineage not stated"

# (trace name, record id, marker symbol) of every point Plotly holds
POINTS_JS = """
el => {
  const out = [];
  for (const t of el.data || []) {
    const cd = Array.isArray(t.customdata) ? t.customdata : [];
    const sym = t.marker ? t.marker.symbol : null;
    cd.forEach((c, i) => out.push([t.name, Array.isArray(c) ? c[0] : c, Array.isArray(sym) ? sym[i] : sym]));
  }
  return out;
}
"""


def lee_symbol(chart) -> str | None:
    return next((sym for _, rid, sym in chart.evaluate(POINTS_JS) if rid == "cart-lee-2014"), None)


def check_marked(page: Page) -> None:
    chart = drawn(page, KEY)
    assert lee_symbol(chart) == "circle-x-open", "Lee et al. 2014 is not drawn with the broader marker"
    expect(chart.locator(".legendtext", has_text=LEGEND)).to_be_visible(timeout=TIMEOUT)
    maude = next(sym for _, rid, sym in chart.evaluate(POINTS_JS) if rid == "cart-maude-2014")
    assert maude == "circle", "a B-ALL study must keep the usual marker"


def test_b_all_marks_broader_cohorts_and_the_copied_url_reopens_the_view(page: Page, app_url, screenshots):
    open_page(page, app_url + "/cart-response")
    before = signature(drawn(page, KEY))
    choose_disease(page, "B-ALL")
    after = wait_for_redraw(page, KEY, before)
    check_marked(page)
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "cart-response-B-ALL.png")

    # a copied link reopens the same view: same points, same marker, same legend, same choice
    shared = page.context.new_page()
    open_page(shared, page.url)
    drawn(shared, KEY)
    wait_for_same(shared, KEY, after)
    check_marked(shared)
    expect(disease_tags(shared)).to_have_text([disease_option("B-ALL")])
    shared.close()

    # the switch hides the broader cohorts; the URL says so and reopens without them
    switch = page.get_by_test_id("stSidebar").get_by_role("switch", name="Show broader cohorts (marked)")
    expect(switch).to_be_checked(timeout=TIMEOUT)
    switch.focus()
    page.keyboard.press("Space")
    expect(switch).not_to_be_checked(timeout=TIMEOUT)
    narrow = wait_for_redraw(page, KEY, after)
    assert not any("cart-lee-2014" in k for k in narrow)
    expect(page).to_have_url(re.compile(r"[?&]broader=hide(&|$)"), timeout=TIMEOUT)
    again = page.context.new_page()
    open_page(again, page.url)
    drawn(again, KEY)
    wait_for_same(again, KEY, narrow)
    again.close()
