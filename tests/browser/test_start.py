"""A fresh server's first page (celltx.warmup): while the start-up warm-up finishes, the first run
shows a loading chart, so the browser loads Streamlit's Plotly component before the page's own
chart arrives; then the page replaces it in full and works as usual."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from celltx import serve, warmup
from tests.browser.conftest import ROOT
from tests.browser.test_dashboard import TIMEOUT, choose_disease, drawn, finished, signature, wait_for_redraw

# Recorded from the first DOM change on: when the loading chart and the page's title appear.
MARKS_JS = """
window.__marks = {};
new MutationObserver(() => {
  const m = window.__marks, now = performance.now();
  if (!m.loading && document.querySelector('.st-key-LOADING_KEY')) m.loading = now;
  if (!m.title && document.querySelector('[data-testid="stMain"] h1')) m.title = now;
}).observe(document, { childList: true, subtree: true });
""".replace("LOADING_KEY", warmup.LOADING_KEY)
# When the browser asked for Streamlit's Plotly component, on the same clock.
PLOTLY_REQUESTED_JS = (
    "performance.getEntriesByType('resource').find(e => e.name.includes('/PlotlyChart.'))?.startTime ?? null"
)


def test_a_first_run_shows_a_loading_chart_and_loads_plotly_before_the_page(browser: Browser):
    srv = serve.Server(launcher=ROOT / "tests" / "browser" / "slow_start.py", timeout=90).start()
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    try:
        page = context.new_page()
        page.add_init_script(MARKS_JS)
        page.goto(srv.url, timeout=TIMEOUT)
        chart = drawn(page, "overview_chart")
        finished(page)
        marks = page.evaluate("window.__marks")
        requested = page.evaluate(PLOTLY_REQUESTED_JS)
        assert "loading" in marks, "the first run did not show the loading chart"
        assert requested is not None and requested < marks["title"], (requested, marks)
        # the page replaced it in full: no loading chart, no empty space where it was
        expect(page.locator(f".st-key-{warmup.LOADING_KEY}")).to_have_count(0)
        title = page.get_by_role("heading", level=1)
        expect(title).to_be_visible()
        reserved = page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').first
        expect(reserved).to_be_hidden()  # the emptied first place takes no room (display: none)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        # and it works as usual afterwards
        before = signature(chart)
        choose_disease(page, "AML")
        wait_for_redraw(page, "overview_chart", before)
    finally:
        context.close()
        srv.stop()
    assert srv.tracebacks() == 0, srv.output()
