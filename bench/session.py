"""One browser session driven like a user: pick a disease, clear it, switch pages; every redraw timed
inside the page."""

from __future__ import annotations

import re

from servers import AppSpec

from celltx.warmup import LOADING_KEY

VIEWPORT = {"width": 1500, "height": 1000}

# Injected into every page before Streamlit's own scripts. The signature is cheap on purpose
# (trace type, name, length and end values of x and y): a full JSON of 10,000 hover texts on
# every animation frame would slow the very thing being measured.
INIT_JS = """
window.__benchSig = () => {
  const plots = document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot');
  for (const el of plots) {
    if (el.closest('[data-stale="true"]')) continue;
    if (!el.querySelector('.main-svg') || !Array.isArray(el.data) || !el.data.length) return null;
    const part = v => {
      if (v == null) return '-';
      if (Array.isArray(v) || ArrayBuffer.isView(v))
        return v.length + ':' + String(v[0]).slice(0, 40) + ':' + String(v[v.length - 1]).slice(0, 40);
      if (typeof v === 'object' && v.bdata)
        return 'b' + v.bdata.length + ':' + v.bdata.slice(0, 24) + ':' + v.bdata.slice(-24);
      return String(v).slice(0, 40);
    };
    const traces = el.data.map(d => [d.type, d.name, part(d.x), part(d.y)].join('/'));
    return el.data.length + '|' + traces.join('|');
  }
  return null;
};
document.addEventListener('keydown', e => {
  if (e.key === 'Enter' || e.key === 'Backspace') window.__benchT0 = performance.now();
}, true);
document.addEventListener('click', () => { window.__benchT0 = performance.now(); }, true);
// First load: when the page's first element and its chart's element appear in the main area.
// Not the page's: celltx's loading chart and the empty place it leaves (celltx.warmup).
window.__benchMarks = {};
const __benchObserver = new MutationObserver(() => {
  const m = window.__benchMarks, main = '[data-testid="stMain"] ';
  const has = (id, show) => Array.from(document.querySelectorAll(main + '[data-testid="' + id + '"]'))
    .some(e => !e.closest('.st-key-LOADING_KEY') && (!show || e.offsetParent !== null));
  if (!m.element && has('stElementContainer', true)) m.element = performance.now();
  if (!m.chart && has('stPlotlyChart')) m.chart = performance.now();
  if (m.element && m.chart) __benchObserver.disconnect();
});
__benchObserver.observe(document, { childList: true, subtree: true });
""".replace("LOADING_KEY", LOADING_KEY)
FOCUSED_JS = "document.querySelector('[role=option][data-focused]')?.textContent ?? null"
TAGS_JS = (
    "Array.from(document.querySelectorAll('.st-key-f_disease [data-tag]'))"
    ".map(e => e.getAttribute('aria-label'))"
)


def option_name(disease: str) -> re.Pattern:
    """The disease's entry as the widget shows it: celltx indents the term and adds the records it
    reaches ('  B-ALL (11 + 8 broader)'); the minimal app shows the bare term."""
    return re.compile(rf"^\s*{re.escape(disease)}( \(\d+( \+ \d+ broader)?\))?$")


WAIT_JS = """(old) => {
  const s = window.__benchSig();
  if (s && s !== old) { window.__benchT1 = performance.now(); return true; }
  return false;
}"""


class Session:
    """A page driven like a user: pick a disease, clear it, switch pages; every redraw timed."""

    def __init__(self, page, spec: AppSpec, timeout_s: float):
        self.page, self.spec, self.timeout_ms = page, spec, timeout_s * 1000
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {str(e)[:160]}"))
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.url[:100]}") if r.status >= 500 else None,
        )

    async def signature(self) -> str | None:
        return await self.page.evaluate("window.__benchSig()")

    async def _redrawn(self, old: str | None, timeout_ms: float | None = None, timed: bool = True) -> float:
        """Wait until a chart with data other than ``old`` is drawn; ms since the last input."""
        await self.page.wait_for_function(
            WAIT_JS, arg=old, polling="raf", timeout=timeout_ms or self.timeout_ms
        )
        if not timed:
            return float("nan")
        t0, t1 = await self.page.evaluate("[window.__benchT0, window.__benchT1]")
        if t0 is None:
            raise RuntimeError("the input event was not seen by the page")
        return t1 - t0

    async def open(self, url: str, timeout_s: float) -> dict[str, float]:
        """Load the app; ms from navigation start to the first element, the chart's element and
        the chart drawn."""
        await self.page.goto(url, timeout=timeout_s * 1000)
        await self._redrawn(None, timeout_s * 1000, timed=False)
        marks = await self.page.evaluate("({...window.__benchMarks, drawn: window.__benchT1})")
        await self.settle()
        await self.check()
        return marks

    async def check(self) -> None:
        """A Streamlit exception box or a data-problems banner on the page counts as an error."""
        if await self.page.locator('[data-testid="stException"]').count():
            self.errors.append("Streamlit exception shown on the page")
        if await self.page.get_by_text(re.compile(r"data problem\(s\)")).count():
            self.errors.append("data problems banner shown (records failed validation)")

    def _input(self):
        return self.page.locator(".st-key-f_disease input[role=combobox]")

    async def settle(self) -> None:
        """Wait until the script run has finished (not timed): typing into a widget that the
        rest of the run is still re-rendering can lose keystrokes."""
        await self.page.wait_for_function(
            "() => document.querySelector('[data-test-script-state]')"
            "?.getAttribute('data-test-script-state') === 'notRunning'",
            timeout=self.timeout_ms,
        )

    async def select(self, disease: str) -> float:
        """Type a disease into the multiselect and press Enter; ms until the chart is redrawn."""
        await self.settle()
        old = await self.signature()
        box = self._input()
        name = option_name(disease)
        option = self.page.get_by_role("option", name=name)
        for attempt in range(3):
            await box.click()
            await box.fill("")
            await box.press_sequentially(disease)
            try:
                await option.wait_for(timeout=min(self.timeout_ms, 10_000))
                break
            except Exception:
                if attempt == 2:
                    raise
                await box.press("Escape")
        # Streamlit matches fuzzily and offers 'Select N matches' first when several options
        # match ('MM' also matches 'lymphoma'): move the focus to the exact option before Enter.
        for _ in range(15):
            if name.match(await self.page.evaluate(FOCUSED_JS) or ""):
                break
            await box.press("ArrowDown")
        else:
            raise RuntimeError(f"could not focus the option {disease!r}")
        await self.page.evaluate("window.__benchT0 = null")
        await box.press("Enter")
        ms = await self._redrawn(old)
        await box.press("Escape")
        await self.settle()
        tags = await self.page.evaluate(TAGS_JS)
        if len(tags) != 1 or not name.match(tags[0] or ""):
            raise RuntimeError(f"selected {tags} instead of {disease!r}")
        return ms

    async def clear(self) -> float:
        """Backspace removes the selected disease (back to all diseases)."""
        await self.settle()
        old = await self.signature()
        box = self._input()
        await box.click()
        await self.page.evaluate("window.__benchT0 = null")
        await box.press("Backspace")
        ms = await self._redrawn(old)
        await box.press("Escape")
        await self.settle()
        return ms

    async def switch(self, label: str) -> float:
        """Click a sidebar page link; ms until that page's chart is drawn."""
        await self.settle()
        old = await self.signature()
        link = self.page.locator('[data-testid="stSidebarNavLink"]', has_text=label)
        await self.page.evaluate("window.__benchT0 = null")
        await link.click(timeout=self.timeout_ms)
        ms = await self._redrawn(old)
        await self.settle()
        return ms


async def new_session(browser, spec: AppSpec, timeout_s: float) -> tuple[object, Session]:
    ctx = await browser.new_context(viewport=VIEWPORT)
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    return ctx, Session(page, spec, timeout_s)
