"""What only a browser shows: charts drawn by Plotly, filters carried in the URL and across pages,
a click on a point opening its record, the hover tooltip, the CSV download, and screenshots.

One scenario per feature. Streamlit reruns asynchronously, so every check waits on a condition
(the drawn chart's data, the URL, a locator) instead of sleeping.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from celltx import load, pages

TIMEOUT = 60_000

# a disease that keeps some but not all of each charted page's points
DISEASE = {
    "overview": "AML",
    "cart_response": "MM",
    "crs_dose": "MM",
    "survival": "B-ALL",
    "nk": "AML",
    "donor": "MDS",
    "targets": "MM",
}
# url path -> (screenshot name, key of the page's first chart, that disease), from the page registry
PAGES = {
    p.url: ("overview" if p.default else p.url_path, p.chart_key, DISEASE[p.key])
    for p in pages.PAGES
    if p.chart_key
}

# What a chart draws, as sorted "trace|point" keys read from the figure Plotly holds (gd.data):
# the record id behind each point where there is one (customdata[0]), else the point's category
# (bars, matrix cells). Numeric arrays may arrive base64-encoded, so they are never read.
SIGNATURE_JS = """
el => {
  const keys = [];
  for (const t of el.data || []) {
    const name = t.name ?? t.type;
    if (t.type === 'heatmap') {
      for (const y of t.y || []) for (const x of t.x || []) keys.push(`${name}|${y}/${x}`);
      continue;
    }
    const cd = Array.isArray(t.customdata) ? t.customdata : null;
    const cat = [t.x, t.y].find(v => Array.isArray(v) && v.some(s => typeof s === 'string'));
    const n = Math.max(cd ? cd.length : 0, cat ? cat.length : 0);
    for (let i = 0; i < n; i++) {
      const id = cd ? (Array.isArray(cd[i]) ? cd[i][0] : cd[i]) : cat[i];
      keys.push(`${name}|${id}`);
    }
  }
  return keys.sort();
}
"""


def chart_selector(key: str) -> str:
    """The chart with this widget key; during a rerun its previous element may linger as stale."""
    return f'.st-key-{key}:not([data-stale="true"]) .js-plotly-plot'


def finished(page: Page) -> None:
    """Wait until the script run is over. The app root carries the run state; the 'Running…'
    status widget only shows after a delay, so its absence proves nothing."""
    app = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(app).to_have_count(1, timeout=TIMEOUT)


def open_page(page: Page, url: str) -> None:
    page.goto(url, timeout=TIMEOUT)  # the first load after a server start imports and loads under CI load
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=TIMEOUT)
    finished(page)
    expect(page.get_by_role("dialog")).to_have_count(0)  # e.g. "Page not found"


def drawn(page: Page, key: str) -> Locator:
    """The chart with this key once Plotly has drawn it and holds its data."""
    chart = page.locator(chart_selector(key))
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function(
        "sel => { const el = document.querySelector(sel); return !!(el && el.data && el.data.length); }",
        arg=chart_selector(key),
        timeout=TIMEOUT,
    )
    return chart


def signature(chart: Locator) -> list[str]:
    return chart.evaluate(SIGNATURE_JS)


def _poll_signature(page: Page, key: str, want: list[str], same: bool) -> None:
    page.wait_for_function(
        f"""([sel, want, same]) => {{
              const el = document.querySelector(sel);
              if (!el || !el.data) return false;
              const got = JSON.stringify(({SIGNATURE_JS})(el));
              return (got === JSON.stringify(want)) === same;
            }}""",
        arg=[chart_selector(key), want, same],
        timeout=TIMEOUT,
    )
    finished(page)


def wait_for_redraw(page: Page, key: str, before: list[str]) -> list[str]:
    """Wait until the chart draws something other than ``before``; return what it draws then."""
    try:
        _poll_signature(page, key, before, same=False)
    except PlaywrightTimeoutError:
        raise AssertionError(f"{page.url}: the chart did not redraw after the filter changed") from None
    return signature(drawn(page, key))


def wait_for_same(page: Page, key: str, expected: list[str]) -> None:
    """Wait until the chart draws exactly ``expected``; on time-out, show the difference."""
    try:
        _poll_signature(page, key, expected, same=True)
    except PlaywrightTimeoutError:
        assert signature(page.locator(chart_selector(key))) == expected, f"{page.url} draws another chart"


def disease_box(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name="Disease", exact=True)


def disease_tags(page: Page) -> Locator:
    """The values shown as selected in the sidebar's Disease multiselect."""
    box = page.get_by_role("combobox", name="Disease", exact=True)
    widget = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has=box)
    return widget.locator("[data-tag]")


def disease_option(disease: str) -> re.Pattern:
    """The disease's entry as the widget shows it: the term, indented by its depth in the
    hierarchy, with the records it reaches, e.g. 'B-ALL (11 + 8 broader)'."""
    return re.compile(rf"^\s*{re.escape(disease)} \(\d+( \+ \d+ broader)?\)$")


def choose_disease(page: Page, disease: str) -> None:
    """Pick one disease as a user would: open the box, type, choose the option, close the list.

    The option is clicked rather than taken with Enter: Streamlit's multiselect puts a focused
    "Select N matches" entry first, so typing "MM" + Enter would also pick "lymphoma".
    """
    box = disease_box(page)
    box.click()
    box.press_sequentially(disease)
    page.get_by_role("listbox", name="Disease").get_by_role("option", name=disease_option(disease)).click()
    page.keyboard.press("Escape")
    expect(disease_tags(page)).to_have_text([disease_option(disease)], timeout=TIMEOUT)


def screenshot_whole(page: Page, element: Locator, path) -> None:
    """Screenshot an element taller than the window. Streamlit scrolls inside a full-height
    container, so what lies outside the viewport is not painted: grow the window, then restore."""
    size = page.viewport_size
    height = element.bounding_box()["height"]
    if height + 200 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": int(height) + 200})
    try:
        element.scroll_into_view_if_needed()
        element.screenshot(path=path)
    finally:
        page.set_viewport_size(size)


def url_disease(disease: str) -> re.Pattern:
    return re.compile(rf"[?&]disease={re.escape(disease)}(&|$)")


@pytest.mark.parametrize("path", PAGES)
def test_disease_filter_redraws_chart_and_link_reopens_it(page: Page, app_url, screenshots, path):
    name, key, disease = PAGES[path]
    open_page(page, app_url + path)
    chart = drawn(page, key)
    before = signature(chart)
    assert before, f"{path}: the chart draws nothing"
    page.mouse.move(0, 0)  # no hover label or toolbar in the screenshots
    page.screenshot(path=screenshots / f"{name}.png")
    screenshot_whole(page, chart, screenshots / f"{name}-chart.png")

    choose_disease(page, disease)
    after = wait_for_redraw(page, key, before)
    assert 0 < len(after) < len(before), f"{path}: {disease} should keep some but not all points"
    expect(page).to_have_url(url_disease(disease))

    shared = page.context.new_page()
    open_page(shared, page.url)
    drawn(shared, key)
    wait_for_same(shared, key, after)
    expect(disease_tags(shared)).to_have_text([disease_option(disease)])
    shared.close()


def test_data_page_shows_table_and_downloads_csv(page: Page, app_url, screenshots):
    open_page(page, app_url + "/data-sources")
    n_values = len(load.load_dataset().outcomes())
    table = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first  # every value
    expect(table).to_be_visible(timeout=TIMEOUT)
    expect(table.locator("[aria-rowcount]")).to_have_attribute("aria-rowcount", str(n_values + 1))  # + header
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "data-sources.png")

    with page.expect_download(timeout=TIMEOUT) as dl:
        page.get_by_role("button", name="Download these values (CSV)").click()
    assert dl.value.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(dl.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == n_values
    assert {"record_id", "study", "quote"} <= set(rows[0])


def test_filters_persist_across_pages(page: Page, app_url):
    open_page(page, app_url + "/cart-response")
    drawn(page, "cart_response_chart")
    choose_disease(page, "MM")
    expect(page).to_have_url(url_disease("MM"))
    finished(page)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="CRS and dose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cytokine release syndrome and CAR dose")
    expect(page).to_have_url(re.compile(r"/crs-dose\?"), timeout=TIMEOUT)
    expect(page).to_have_url(url_disease("MM"), timeout=TIMEOUT)
    expect(disease_tags(page)).to_have_text([disease_option("MM")])


# Centre of the first marker on the chart that stands for one study's value (not a pooled
# diamond), with the record id behind it.
FIRST_MARKER_JS = """
el => {
  for (const p of el.querySelectorAll('.scatterlayer .trace .points path')) {
    const trace = p.closest('.trace').__data__?.[0]?.trace;
    const cd = trace?.customdata?.[p.__data__?.i];
    const r = p.getBoundingClientRect();
    if (cd && !String(cd[0]).startsWith('pooled:') && r.width > 0) {
      return {id: cd[0], x: r.x + r.width / 2, y: r.y + r.height / 2};
    }
  }
  return null;
}
"""


def first_marker(page: Page) -> dict:
    chart = drawn(page, "cart_response_chart")
    chart.scroll_into_view_if_needed()
    marker = chart.evaluate(FIRST_MARKER_JS)
    assert marker, "no study marker on the CAR-T response chart"
    return marker


def study_of(record_id: str) -> str:
    studies = load.load_dataset().studies()
    return str(studies.loc[studies["record_id"] == record_id, "study"].iloc[0])


def test_hover_shows_study_and_source(page: Page, app_url):
    open_page(page, app_url + "/cart-response")
    marker = first_marker(page)
    page.mouse.move(marker["x"] - 40, marker["y"] - 40)
    page.mouse.move(marker["x"], marker["y"], steps=5)
    tip = page.locator(".hoverlayer .hovertext").first
    expect(tip).to_contain_text(study_of(marker["id"]), timeout=TIMEOUT)
    expect(tip).to_contain_text("Source:")


def test_clicking_a_point_opens_the_study_record(page: Page, app_url):
    open_page(page, app_url + "/cart-response")
    marker = first_marker(page)
    page.mouse.click(marker["x"], marker["y"])
    record_code = page.locator("code", has_text=re.compile(rf"^{re.escape(marker['id'])}$"))
    expect(record_code).to_be_visible(timeout=TIMEOUT)
    panel = page.get_by_test_id("stVerticalBlock").filter(has=record_code).last
    expect(panel).to_contain_text(study_of(marker["id"]))
    expect(panel.get_by_test_id("stDataFrame")).to_be_visible()


def test_the_overview_axis_title_keeps_clear_of_the_source_footnote(page: Page, app_url):
    # at a laptop's width Plotly turned the disease labels by itself and the axis title ("Disease")
    # sat on the footnote's first line; the labels are turned by the chart now, with room kept
    page.set_viewport_size({"width": 1280, "height": 900})
    open_page(page, app_url)
    chart = drawn(page, "overview_chart")
    title = chart.locator(".xtitle").bounding_box()
    foot = chart.locator(".annotation").filter(has_text="Source:").bounding_box()
    assert title and foot
    assert title["y"] + title["height"] <= foot["y"], (title, foot)
