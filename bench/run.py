"""celltx benchmark: real servers, headless Chromium, the figures a user feels.

    python bench/run.py                  # full run (about 15-20 minutes on 2 cores)
    python bench/run.py --tiny --out /tmp/bench.md   # end-to-end smoke setting (about a minute)

For each app (celltx on the curated data, and ``bench/minimal_app.py``, the floor of the stack:
one multiselect and one Plotly chart) it starts a fresh ``streamlit run`` server per run, drives
Debian's Chromium through Playwright and measures

* server start -> first chart drawn (from spawning the server until ``.js-plotly-plot .main-svg``
  exists and the plot's data is set),
* filter change -> chart redrawn (from the multiselect's Enter keypress until the chart's data
  signature changes; both timestamps are taken inside the page),
* page switch -> chart drawn (from the click on the sidebar link until a chart with new data),
* peak RSS of the server's process tree (psutil, sampled every 50 ms during the run),

then repeats the celltx figures on SYNTHETIC data sets (``bench/synth.py``, written to a work
folder, loaded through the same ``CELLTX_DATA`` path as any data folder), and runs a load test:
one Chromium with N browser contexts changing filters and pages at once against one server.
It writes a markdown report (tables with median and spread, ratios, targets, machine, command).
Timings are never asserted anywhere; ``tests/test_bench.py`` only runs ``--tiny`` end to end.

Chromium is Debian's (``/usr/bin/chromium`` or ``$CELLTX_CHROMIUM``); nothing is downloaded and
every server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]
import synth  # noqa: E402 - the generator sits beside this script

CHROMIUM = os.environ.get("CELLTX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1500, "height": 1000}
DISEASES = ("B-ALL", "AML", "NHL", "MM", "CLL")  # in the curated data, the synthetic data and minimal app
FINDINGS = BENCH / "findings.md"
PACKAGES = (
    "streamlit",
    "plotly",
    "pandas",
    "numpy",
    "pydantic",
    "PyYAML",
    "playwright",
    "psutil",
    "pyinstrument",
)

TARGETS = {
    "first_chart": 1.3,  # celltx / minimal
    "filter": 1.5,  # celltx / minimal
    "scale_filter": 2.0,  # 10,000 synthetic studies / curated
    "scale_memory_mb": 400.0,  # at 10,000 studies
}

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
// First load: when the first element and the chart's element appear in the main area.
window.__benchMarks = {};
const __benchObserver = new MutationObserver(() => {
  const m = window.__benchMarks, main = '[data-testid="stMain"] ';
  const has = id => document.querySelector(main + '[data-testid="' + id + '"]');
  if (!m.element && has('stElementContainer')) m.element = performance.now();
  if (!m.chart && has('stPlotlyChart')) m.chart = performance.now();
  if (m.element && m.chart) __benchObserver.disconnect();
});
__benchObserver.observe(document, { childList: true, subtree: true });
"""
FOCUSED_JS = "document.querySelector('[role=option][data-focused]')?.textContent ?? null"
TAGS_JS = (
    "Array.from(document.querySelectorAll('.st-key-f_disease [data-tag]'))"
    ".map(e => e.getAttribute('aria-label'))"
)
WAIT_JS = """(old) => {
  const s = window.__benchSig();
  if (s && s !== old) { window.__benchT1 = performance.now(); return true; }
  return false;
}"""


# ---------------------------------------------------------------------------------------------
# Apps and servers


@dataclass(frozen=True)
class AppSpec:
    name: str
    script: Path
    env: dict[str, str]
    pages: tuple[str, str]  # sidebar link labels: the default page and the one switched to


def celltx_app(data: Path | None = None, seeds: Path | None = None) -> AppSpec:
    env = {"CELLTX_DATA": str(data or ROOT / "data")}
    if seeds:
        env["CELLTX_SEEDS"] = str(seeds)
    from celltx import pages  # the page registry names the two pages switched between

    return AppSpec(
        "celltx", ROOT / "app.py", env, (pages.BY_KEY["overview"].title, pages.BY_KEY["cart_response"].title)
    )


def minimal_app() -> AppSpec:
    return AppSpec("minimal", BENCH / "minimal_app.py", {}, ("Bars", "Scatter"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MemorySampler(threading.Thread):
    """Peak RSS of a process and all its children, sampled until stopped."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.proc, self.interval, self.peak = psutil.Process(pid), interval, 0
        self._stop_event = threading.Event()

    def sample(self) -> int:
        total = 0
        with contextlib.suppress(psutil.Error):
            for p in [self.proc, *self.proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop_event.wait(self.interval)

    def stop(self) -> float:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak / 2**20


LIVE: set[Server] = set()


def _stop_all() -> None:
    for server in list(LIVE):
        server.stop()


atexit.register(_stop_all)


class Server:
    """One ``streamlit run`` on a free loopback port; output goes to a log file.

    The log is a file, not a pipe: a pipe nobody reads fills up under load and stalls the server.
    """

    def __init__(
        self, spec: AppSpec, log: Path, profile_dir: Path | None = None, options: tuple[str, ...] = ()
    ):
        self.spec, self.log, self.profile_dir, self.options = spec, log, profile_dir, options
        self.proc: subprocess.Popen | None = None
        self.sampler: MemorySampler | None = None
        self.url = ""
        self._log_start = 0

    def start(self, timeout: float = 120) -> None:
        port = free_port()
        flags = [
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
        ]  # fmt: skip
        for opt in self.options:  # --st-opt runner.postScriptGC=false, for trying a fix on both apps
            key, _, value = opt.partition("=")
            flags += [f"--{key}", value]
        env = {**os.environ, **self.spec.env, "PYTHONUNBUFFERED": "1"}
        if self.profile_dir:
            cmd = [sys.executable, str(BENCH / "profile_server.py"), str(self.spec.script), *flags]
            env["CELLTX_PROFILE_DIR"] = str(self.profile_dir)
        else:
            cmd = [sys.executable, "-m", "streamlit", "run", str(self.spec.script), *flags]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        LIVE.add(self)
        self.sampler = MemorySampler(self.proc.pid)
        self.sampler.start()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout} s; see {self.log}")

    def tracebacks(self) -> int:
        """Server-side exceptions logged since this server started."""
        if not self.log.exists():
            return 0
        with self.log.open("rb") as fh:
            fh.seek(self._log_start)
            return fh.read().decode(errors="replace").count("Traceback (most recent call last)")

    def stop(self) -> float:
        """Stop the server; return its peak RSS in MB."""
        LIVE.discard(self)
        if CPU:
            CPU.sample()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.sampler.stop() if self.sampler else 0.0


# ---------------------------------------------------------------------------------------------
# One browser session


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
        option = self.page.get_by_role("option", name=disease, exact=True)
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
            if await self.page.evaluate(FOCUSED_JS) == disease:
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
        if tags != [disease]:
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


# ---------------------------------------------------------------------------------------------
# Scenarios


@dataclass
class RunResult:
    app: str
    dataset: str
    health_s: float = float("nan")
    first_chart_s: float = float("nan")
    filter_ms: list[float] = field(default_factory=list)
    switch_ms: list[float] = field(default_factory=list)
    peak_rss_mb: float = float("nan")
    errors: list[str] = field(default_factory=list)
    first_marks: dict[str, float] = field(default_factory=dict)  # ms from navigation start


async def one_run(
    browser, spec: AppSpec, dataset: str, args: argparse.Namespace, log: Path, switches: int,
    profile_dir: Path | None = None,
) -> RunResult:  # fmt: skip
    """A fresh server: time to first chart, then filter changes and page switches."""
    res = RunResult(spec.name, dataset)
    ctx, s = await new_session(browser, spec, args.action_timeout)
    server = Server(spec, log, profile_dir, tuple(args.st_opt))
    try:
        t0 = time.perf_counter()
        await asyncio.to_thread(server.start, args.start_timeout)
        res.health_s = time.perf_counter() - t0
        res.first_marks = await s.open(server.url, args.start_timeout)
        res.first_chart_s = time.perf_counter() - t0
        for d in DISEASES[: args.filter_changes]:
            res.filter_ms.append(await s.select(d))
            await s.clear()
        for _ in range(switches):
            res.switch_ms.append(await s.switch(spec.pages[1]))
            res.switch_ms.append(await s.switch(spec.pages[0]))
        await s.check()
    except Exception as e:  # noqa: BLE001 - a failed step is a result to report, not a crash
        res.errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        await ctx.close()
        res.peak_rss_mb = server.stop()
        res.errors += s.errors
        if server.tracebacks():
            res.errors.append(f"{server.tracebacks()} server traceback(s) in {log}")
    return res


@dataclass
class LoadResult:
    sessions: int
    seconds: float
    first_chart_ms: list[float] = field(default_factory=list)
    filter_ms: list[float] = field(default_factory=list)
    switch_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float = float("nan")
    server_cpu_share: float = float("nan")  # of the machine's CPU while the sessions interact
    machine_busy_share: float = float("nan")


def _tree_cpu(proc: subprocess.Popen | None) -> float:
    total = 0.0
    with contextlib.suppress(psutil.Error, TypeError):
        root = psutil.Process(proc.pid)
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += sum(p.cpu_times()[:2])
    return total


def _busy() -> float:
    t = psutil.cpu_times()
    return sum(
        getattr(t, f) for f in t._fields if f not in ("idle", "iowait", "steal", "guest", "guest_nice")
    )


async def load_phase(
    browser, spec: AppSpec, server: Server, n: int, seconds: float, timeout_s: float
) -> LoadResult:
    """N sessions at once, each changing filters and pages until the time is up."""
    out = LoadResult(n, seconds)
    pairs = [await new_session(browser, spec, timeout_s) for _ in range(n)]
    start_peak = server.sampler.peak if server.sampler else 0
    if server.sampler:
        server.sampler.peak = 0

    opened: list[bool] = []
    all_open = asyncio.Event()
    window: dict[str, float] = {}

    async def loop(i: int, s: Session) -> None:
        t0 = time.perf_counter()
        try:
            await s.open(server.url, timeout_s)
            out.first_chart_ms.append((time.perf_counter() - t0) * 1000)
        except Exception as e:  # noqa: BLE001
            out.errors.append(f"session {i} open: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
            return
        finally:
            opened.append(True)
            if len(opened) == n:  # every session has opened: the timed window starts for all
                window.update(t=time.perf_counter(), server=_tree_cpu(server.proc), busy=_busy())
                all_open.set()
        await all_open.wait()
        deadline = time.monotonic() + seconds
        k = i
        while time.monotonic() < deadline:
            try:
                out.filter_ms.append(await s.select(DISEASES[k % len(DISEASES)]))
                await s.clear()
                out.switch_ms.append(await s.switch(spec.pages[1]))
                out.switch_ms.append(await s.switch(spec.pages[0]))
                k += 1
            except Exception as e:  # noqa: BLE001 - count it, reload, carry on
                out.errors.append(f"session {i}: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
                with contextlib.suppress(Exception):
                    await s.open(server.url, timeout_s)
        await s.check()

    await asyncio.gather(*(loop(i, s) for i, (_, s) in enumerate(pairs)))
    if window:
        wall = (time.perf_counter() - window["t"]) * (psutil.cpu_count() or 1)
        out.server_cpu_share = (_tree_cpu(server.proc) - window["server"]) / wall
        out.machine_busy_share = (_busy() - window["busy"]) / wall
    for ctx, s in pairs:
        out.errors += s.errors
        await ctx.close()
    if server.sampler:
        out.peak_rss_mb = server.sampler.peak / 2**20
        server.sampler.peak = max(server.sampler.peak, start_peak)
    return out


async def load_test(browser, spec: AppSpec, args: argparse.Namespace, log: Path) -> list[LoadResult]:
    """One warm server: a single session first (the baseline), then N sessions at once."""
    server = Server(spec, log, options=tuple(args.st_opt))
    results = []
    try:
        await asyncio.to_thread(server.start, args.start_timeout)
        ctx, warm = await new_session(browser, spec, args.action_timeout)
        await warm.open(server.url, args.start_timeout)  # data loaded and cached before timing
        await ctx.close()
        for n in (1, args.sessions):
            print(f"  load: {n} session(s) for {args.load_seconds:g} s", flush=True)
            results.append(
                await load_phase(browser, spec, server, n, args.load_seconds, args.action_timeout * 2)
            )
    finally:
        server.stop()
    tb = server.tracebacks()
    if tb and results:
        results[-1].errors.append(f"{tb} server traceback(s) in {log}")
    return results


# ---------------------------------------------------------------------------------------------
# Statistics and the report


def stats(xs: list[float]) -> dict:
    xs = [x for x in xs if x == x]
    if not xs:
        return {"n": 0}
    a = np.asarray(xs, dtype=float)
    return {
        "n": len(xs),
        "median": float(np.median(a)),
        "q1": float(np.percentile(a, 25)),
        "q3": float(np.percentile(a, 75)),
        "min": float(a.min()),
        "max": float(a.max()),
        "p95": float(np.percentile(a, 95)),
    }


def fmt(st: dict, unit: str, digits: int = 0) -> tuple[str, str]:
    """(median, spread): the IQR from 5 samples on, else min-max."""
    if not st.get("n"):
        return "—", "no sample"
    f = f"{{:.{digits}f}}"
    med = f"{f.format(st['median'])} {unit}"
    if st["n"] >= 5:
        spread = f"IQR {f.format(st['q1'])}–{f.format(st['q3'])}"
    else:
        spread = f"range {f.format(st['min'])}–{f.format(st['max'])}"
    return med, f"{spread}, n={st['n']}"


def ratio(a: dict, b: dict) -> float:
    return a["median"] / b["median"] if a.get("n") and b.get("n") and b["median"] else float("nan")


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(browser_version: str) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        rel = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        os_name = f"{rel.get('PRETTY_NAME', '').strip(chr(34))} ({platform.system()} {platform.release()})"
    versions = []
    for p in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{p} {importlib.metadata.version(p)}")
    rev = _run(["git", "rev-parse", "--short", "HEAD"])
    dirty = bool(_run(["git", "status", "--porcelain", "--untracked-files=no"]))
    return {
        "CPU": f"{cpu}, {psutil.cpu_count(logical=False) or '?'} cores / {psutil.cpu_count()} threads",
        "Memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": os_name,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Browser": f"Chromium {browser_version} (headless, Debian package, one browser for all sessions)",
        "Packages": ", ".join(versions),
        "celltx revision": f"{rev}{' with uncommitted changes' if dirty else ''}" if rev else "unknown",
        "Checkout benchmarked": str(ROOT)
        + (f" (CELLTX_SEEDS={os.environ['CELLTX_SEEDS']})" if os.environ.get("CELLTX_SEEDS") else ""),
    }


class CpuAccount(threading.Thread):
    """CPU time of this process and every descendant (servers, Playwright's driver, Chromium).

    Sampled twice a second and right before each server stops, keeping the last value seen per
    process: Chromium is not reaped into ``os.times()``'s children, so that alone would miss it.
    Machine busy time minus this is what other processes took, which slows and blurs timings.
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.me, self.seen, self.lock = psutil.Process(), {}, threading.Lock()
        self.cpu0, self.load0, self.t0 = psutil.cpu_times(), os.getloadavg()[0], time.perf_counter()
        self.own0 = sum(self.me.cpu_times()[:2])
        self._stop_event = threading.Event()

    def sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            for p in self.me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    with self.lock:
                        self.seen[(p.pid, p.create_time())] = t.user + t.system

    def run(self) -> None:
        while not self._stop_event.wait(0.5):
            self.sample()

    def summary(self) -> str:
        self._stop_event.set()
        cpu1, wall = psutil.cpu_times(), time.perf_counter() - self.t0
        skip = ("idle", "iowait", "steal", "guest", "guest_nice")  # guest time is already in user
        busy = sum(getattr(cpu1, f) - getattr(self.cpu0, f) for f in cpu1._fields if f not in skip)
        steal = getattr(cpu1, "steal", 0.0) - getattr(self.cpu0, "steal", 0.0)
        own = sum(self.me.cpu_times()[:2]) - self.own0 + sum(self.seen.values())
        other = max(0.0, busy - own)
        cores = psutil.cpu_count() or 1
        return (
            f"1-minute load average {self.load0:.1f} before the run; other processes used about "
            f"{other / wall / cores:.0%} of the machine's CPU during it ({other:.0f} of "
            f"{wall * cores:.0f} CPU-seconds; the benchmark's own servers and browser used {own:.0f}); "
            f"hypervisor steal {steal / wall / cores:.0%}"
        )


CPU: CpuAccount | None = None


def _target(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def _profile_summary(folder: Path, lines: int = 28) -> str:
    """Per-run durations from a profile folder and the slowest widget-change run, trimmed."""
    runs = sorted(folder.glob("run_*.txt"))
    if not runs:
        return "_no profile was recorded_\n"
    heads = [r.read_text(encoding="utf-8").splitlines()[0] for r in runs]
    first, rest = runs[0], runs[1:]
    slowest = max(rest, key=lambda r: float(r.stem.split("_")[2].rstrip("s"))) if rest else first
    out = [f"Script runs profiled in `{folder}`:", "", *[f"- {h}" for h in heads], ""]
    for label, f in (("First run", first), ("Slowest later run", slowest)):
        body = [ln for ln in f.read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]
        out += [f"{label} (`{f.name}`), top of the call tree:", "", "```text", *body[:lines], "```", ""]
    return "\n".join(out) + "\n"


def report(res: dict, args: argparse.Namespace, argv: list[str]) -> str:

    nan = float("nan")

    def agg(runs: list[RunResult]) -> dict[str, dict]:
        return {
            "health": stats([r.health_s for r in runs]),
            "first": stats([r.first_chart_s for r in runs]),
            "to_element": stats([r.first_marks.get("element", nan) / 1000 for r in runs]),
            "to_chart_el": stats(
                [(r.first_marks.get("chart", nan) - r.first_marks.get("element", nan)) / 1000 for r in runs]
            ),
            "to_drawn": stats(
                [(r.first_marks.get("drawn", nan) - r.first_marks.get("chart", nan)) / 1000 for r in runs]
            ),
            "filter": stats([x for r in runs for x in r.filter_ms]),
            "switch": stats([x for r in runs for x in r.switch_ms]),
            "rss": stats([r.peak_rss_mb for r in runs]),
            "errors": sum(len(r.errors) for r in runs),
        }

    A = {k: agg(v) for k, v in res["runs"].items()}
    c, m = A["celltx curated"], A["minimal"]
    lines = [
        "# Benchmarks",
        "",
        "How fast celltx draws its charts in a real browser, compared with the floor of the stack "
        "(`bench/minimal_app.py`: one sidebar multiselect and one Plotly chart of a dozen rows), how it "
        "scales with SYNTHETIC data, and how it holds up with many sessions at once. Generated by "
        "`bench/run.py`; do not edit by hand (rerun it).",
        "",
        "```sh",
        f"{Path(sys.executable).relative_to(ROOT) if ROOT in Path(sys.executable).parents else 'python'} "
        f"bench/run.py {shlex.join(argv)}".rstrip(),
        "```",
        "",
        f"Run on {res['date']}, total {res['total_s'] / 60:.1f} minutes"
        + (" — **tiny smoke setting: the figures below are not meaningful**" if args.tiny else "")
        + ".",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in res["machine"].items()],
        f"| Background load | {res['background']} |",
        "",
        "Server and browser share the same cores, so every latency includes Chromium's own work "
        "(parsing the figure, drawing the SVG) as a user's machine would.",
        "",
        "## celltx against the minimal app",
        "",
        f"Each run starts a fresh server (cold caches) and a fresh browser context. {args.runs} run(s) per "
        f"app; per run {args.filter_changes} filter change(s) ({', '.join(DISEASES[: args.filter_changes])}, "
        f"each cleared again before the next) and {args.switches} round trip(s) between "
        f"'{celltx_app().pages[0]}' and '{celltx_app().pages[1]}' (minimal app: two one-chart pages). "
        "Spread is the interquartile range from 5 samples on, else min–max.",
        "",
        "| Measure | celltx median | celltx spread | minimal median | minimal spread | celltx / minimal |",
        "|---|---|---|---|---|---|",
    ]
    rows = [
        ("Server start → first chart drawn", "first", "s", 2),
        ("  of which: server start → health endpoint up", "health", "s", 2),
        ("  of which: page navigation → first element in the main area", "to_element", "s", 2),
        ("  then: → the chart's element inserted", "to_chart_el", "s", 2),
        ("  then: → the chart drawn (Plotly.js)", "to_drawn", "s", 2),
        ("Filter change (Enter) → chart redrawn", "filter", "ms", 0),
        ("Page switch (click) → chart drawn", "switch", "ms", 0),
        ("Peak server memory (RSS, process tree)", "rss", "MB", 0),
    ]
    for label, key, unit, d in rows:
        cm, cs = fmt(c[key], unit, d)
        mm, ms = fmt(m[key], unit, d)
        r = ratio(c[key], m[key])
        lines.append(f"| {label} | {cm} | {cs} | {mm} | {ms} | {r:.2f}× |")
    lines += ["", f"Errors: celltx {c['errors']}, minimal {m['errors']}.", ""]

    # Scale
    sizes = res["sizes"]
    lines += [
        "## Scale: SYNTHETIC studies",
        "",
        "`bench/synth.py` writes SYNTHETIC records (ids `synthetic-…`, labels 'SYNTHETIC study N', titles "
        "and source texts marked SYNTHETIC) into the benchmark's work folder, never into `data/`, with a "
        "synthetic source text holding every quote (`CELLTX_SEEDS`) so the loader validates them exactly "
        "as it validates curated records. The server reads them through `CELLTX_DATA`, the path any data "
        f"folder takes. {args.scale_runs} run(s) per size; the filter-change protocol is the same as above "
        "(page switches are not timed at scale, so peak memory here covers loading and filter "
        "changes on the Overview page; the curated row also includes its page switches).",
        "",
        "| Data set | Studies | Values | Server start → first chart | Filter change → redraw | "
        "vs curated | Peak memory |",
        "|---|---|---|---|---|---|---|",
    ]
    sets = [("curated (`data/`)", "celltx curated", res["curated_counts"])] + [
        (f"SYNTHETIC {n:,}", f"celltx synthetic {n}", res["synth_counts"][str(n)]) for n in sizes
    ]
    for label, key, counts in sets:
        a = A[key]
        fm, fs = fmt(a["first"], "s", 1)
        lm, ls = fmt(a["filter"], "ms", 0)
        rm, rs = fmt(a["rss"], "MB", 0)
        lines.append(
            f"| {label} | {counts[0]:,} | {counts[1]:,} | {fm} ({fs}) | {lm} ({ls}) | "
            f"{ratio(a['filter'], c['filter']):.2f}× | {rm} ({rs}) |"
        )
    scale_err = sum(A[f"celltx synthetic {n}"]["errors"] for n in sizes)
    lines += ["", f"Errors at scale: {scale_err}.", ""]

    # Load
    lines += [
        f"## Load: {args.sessions} sessions at once",
        "",
        f"One warm celltx server (curated data), one Chromium, one browser context per session. All "
        "sessions open the app at once (first chart under load); once every session has its chart, "
        f"each loops for {args.load_seconds:g} s: pick a disease (Enter, timed), clear it, switch to "
        f"'{celltx_app().pages[1]}' and back (timed). The single-session row is the same loop alone "
        "on the same server, just before. Errors count timeouts, uncaught page errors, HTTP 5xx, "
        "Streamlit exception boxes and server tracebacks. The CPU column is the share of the whole "
        "machine used by the server and by everything during the loop window; the difference is "
        "almost all Chromium rendering the sessions on the same two cores.",
        "",
        "| Sessions | First chart median / p95 | Filter redraw median | Filter redraw p95 | "
        "Page switch median | Page switch p95 | Redraws timed | Errors | Peak memory | "
        "CPU: server / whole machine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lr in res["load"]:
        f, s_, fc = stats(lr.filter_ms), stats(lr.switch_ms), stats(lr.first_chart_ms)

        def v(st: dict, k: str) -> str:
            return f"{st[k]:.0f} ms" if st.get("n") else "—"

        lines.append(
            f"| {lr.sessions} | {v(fc, 'median')} / {v(fc, 'p95')} | {v(f, 'median')} | {v(f, 'p95')} | "
            f"{v(s_, 'median')} | {v(s_, 'p95')} | {f.get('n', 0) + s_.get('n', 0)} | {len(lr.errors)} | "
            f"{lr.peak_rss_mb:.0f} MB | {lr.server_cpu_share:.0%} / {lr.machine_busy_share:.0%} |"
        )
    if len(res["load"]) == 2:
        one, many = (stats(x.filter_ms) for x in res["load"])
        if one.get("n") and many.get("n"):
            lines += [
                "",
                f"Under {args.sessions} sessions the filter redraw median is "
                f"{many['median'] / one['median']:.1f}× and its p95 {many['p95'] / one['p95']:.1f}× "
                "the single session's.",
            ]
    errs = [e for lr in res["load"] for e in lr.errors]
    if errs:
        lines += ["", "First errors:", "", *[f"- `{e}`" for e in errs[:8]]]
    lines.append("")

    # Targets
    big = max(sizes) if sizes else None
    t_first = ratio(c["first"], m["first"])
    t_filter = ratio(c["filter"], m["filter"])
    big_a = A.get(f"celltx synthetic {big}") if big else None
    t_scale = ratio(big_a["filter"], c["filter"]) if big_a else float("nan")
    t_mem = big_a["rss"].get("median", float("nan")) if big_a else float("nan")
    load_err = sum(len(lr.errors) for lr in res["load"])
    at = f"{big:,}" if big else "—"
    note_size = "" if big == 10000 else f" (measured at {at} studies, not 10,000)"
    extra_first = c["first"].get("median", 0) - c["health"].get("median", 0)
    extra_first_m = m["first"].get("median", 0) - m["health"].get("median", 0)
    targets = [
        (
            "First chart within 1.3× of the minimal app",
            f"{t_first:.2f}×",
            t_first <= TARGETS["first_chart"] if t_first == t_first else None,
            f"health endpoint up after {c['health'].get('median', 0):.1f} s vs "
            f"{m['health'].get('median', 0):.1f} s; then {extra_first:.1f} s vs {extra_first_m:.1f} s until "
            "the chart is drawn (celltx's first script run imports its stack and loads and validates the "
            "data folder).",
        ),
        (
            "Filter change within 1.5× of the minimal app",
            f"{t_filter:.2f}×",
            t_filter <= TARGETS["filter"] if t_filter == t_filter else None,
            f"{c['filter'].get('median', 0):.0f} ms vs {m['filter'].get('median', 0):.0f} ms.",
        ),
        (
            f"At 10,000 studies a filter change within 2× of the curated set{note_size}",
            f"{t_scale:.2f}×",
            t_scale <= TARGETS["scale_filter"] if t_scale == t_scale else None,
            f"{big_a['filter'].get('median', 0):.0f} ms vs {c['filter'].get('median', 0):.0f} ms."
            if big_a
            else "not measured",
        ),
        (
            f"Server memory under 400 MB at 10,000 studies{note_size}",
            f"{t_mem:.0f} MB",
            t_mem < TARGETS["scale_memory_mb"] if t_mem == t_mem else None,
            "peak RSS of the server process tree, median over runs.",
        ),
        (
            f"No errors with {args.sessions} sessions at once",
            f"{load_err} errors" if res["load"] else "not run",
            load_err == 0 if res["load"] else None,
            "see the load table.",
        ),
    ]
    lines += ["## Targets", "", "| Target | Measured | Status | Detail |", "|---|---|---|---|"]
    lines += [f"| {t} | {v} | {_target(ok)} | {d} |" for t, v, ok, d in targets]
    lines.append("")
    if args.tiny:
        lines += ["_Tiny setting: targets are evaluated for the format only._", ""]

    if res.get("profiles"):
        lines += ["## Profiles (pyinstrument, one profiled run each)", ""]
        for name, folder in res["profiles"].items():
            lines += [f"### {name}", "", _profile_summary(Path(folder))]
    if FINDINGS.exists() and not args.tiny:
        lines += ["## Findings and proposed fixes", "", FINDINGS.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="celltx browser benchmark (see docs/benchmarks.md)")
    ap.add_argument("--runs", type=int, default=5, help="fresh-server runs per app on the curated data")
    ap.add_argument("--scale-runs", type=int, default=3, help="fresh-server runs per synthetic size")
    ap.add_argument("--sizes", default="1000,10000", help="synthetic study counts, comma separated")
    ap.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions in the load test")
    ap.add_argument("--load-seconds", type=float, default=45, help="how long each load phase runs")
    ap.add_argument("--filter-changes", type=int, default=4, help=f"per run, at most {len(DISEASES)}")
    ap.add_argument("--switches", type=int, default=2, help="page-switch round trips per run")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--workdir", type=Path, help="synthetic data, logs, profiles (default: a temp folder)")
    ap.add_argument("--seed", type=int, default=1, help="synthetic data seed")
    ap.add_argument("--profile", action="store_true", help="also profile one celltx run per data set")
    ap.add_argument("--start-timeout", type=float, default=600, help="seconds to the first chart")
    ap.add_argument("--action-timeout", type=float, default=120, help="seconds per redraw")
    ap.add_argument(
        "--st-opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Streamlit option for every server, e.g. runner.postScriptGC=false (repeatable)",
    )
    ap.add_argument(
        "--tiny", action="store_true", help="quick end-to-end smoke setting (no meaningful timing)"
    )
    args = ap.parse_args(argv)
    if args.tiny:
        args.runs, args.scale_runs, args.sizes = 1, 1, "40"
        args.sessions, args.load_seconds, args.filter_changes, args.switches = 2, 3, 1, 1
        args.start_timeout, args.action_timeout = 120, 60
    args.size_list = [int(x) for x in str(args.sizes).split(",") if x.strip()]
    args.filter_changes = max(1, min(args.filter_changes, len(DISEASES)))
    return args


async def main_async(args: argparse.Namespace, argv: list[str]) -> int:
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        print(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    global CPU
    CPU = CpuAccount()
    CPU.start()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="celltx-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    print(f"work folder: {work}", flush=True)
    res: dict = {"runs": {}, "load": [], "profiles": {}, "synth_counts": {}}

    from celltx import load  # only for the curated counts; the servers load on their own

    ds = load.load_dataset(ROOT / "data", seeds=None)
    res["curated_counts"] = (len(ds.parsed.studies), sum(len(s.outcomes) for s in ds.parsed.studies))

    synth_specs = {}
    for n in args.size_list:
        w = synth.write(work / f"synthetic_{n}", n, args.seed)
        res["synth_counts"][str(n)] = (w.studies, w.values)
        synth_specs[n] = celltx_app(w.data, w.seeds)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        res["machine"] = machine(browser.version)
        plan = [
            ("minimal", minimal_app(), args.runs, args.switches),
            ("celltx curated", celltx_app(), args.runs, args.switches),
        ] + [(f"celltx synthetic {n}", synth_specs[n], args.scale_runs, 0) for n in args.size_list]
        for key, spec, runs, switches in plan:
            res["runs"][key] = []
            for i in range(runs):
                r = await one_run(browser, spec, key, args, logs / f"{key.replace(' ', '_')}.log", switches)
                res["runs"][key].append(r)
                print(
                    f"{key} run {i + 1}/{runs}: first chart {r.first_chart_s:.2f} s, filter "
                    f"{[round(x) for x in r.filter_ms]} ms, switch {[round(x) for x in r.switch_ms]} ms, "
                    f"peak {r.peak_rss_mb:.0f} MB, errors {r.errors}",
                    flush=True,
                )
        if args.sessions > 0:
            print(f"load test: {args.sessions} sessions", flush=True)
            res["load"] = await load_test(browser, celltx_app(), args, logs / "load.log")
        for lr in res["load"]:
            print(f"  {lr.sessions} session(s): {len(lr.filter_ms)} filter redraws, errors {lr.errors[:3]}")
        if args.profile:
            targets = [("celltx curated", celltx_app())]
            if args.size_list:
                n = max(args.size_list)
                targets.append((f"celltx synthetic {n}", synth_specs[n]))
            for key, spec in targets:
                folder = work / "profiles" / key.replace(" ", "_")
                shutil.rmtree(folder, ignore_errors=True)
                r = await one_run(browser, spec, key, args, logs / "profile.log", args.switches, folder)
                print(f"profiled {key}: {folder} (errors {r.errors})", flush=True)
                res["profiles"][key] = str(folder)
        await browser.close()

    res["background"] = CPU.summary()
    res["date"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    res["total_s"] = time.perf_counter() - started
    res["sizes"] = args.size_list
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(res, args, argv), encoding="utf-8")
    raw = {
        **{k: v for k, v in res.items() if k not in ("runs", "load")},
        "runs": {k: [asdict(r) for r in v] for k, v in res["runs"].items()},
        "load": [asdict(x) for x in res["load"]],
        "argv": argv,
    }
    (work / "results.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    print(f"report: {args.out}; raw results: {work / 'results.json'}", flush=True)
    return 0


def rerender(results: Path, out: Path) -> int:
    """Write the report again from a run's results.json (same command, same figures)."""
    raw = json.loads(results.read_text(encoding="utf-8"))
    argv = raw["argv"]
    args = parse_args(argv)
    res = {
        **raw,
        "runs": {k: [RunResult(**r) for r in v] for k, v in raw["runs"].items()},
        "load": [LoadResult(**x) for x in raw["load"]],
        "curated_counts": tuple(raw["curated_counts"]),
        "synth_counts": {k: tuple(v) for k, v in raw["synth_counts"].items()},
    }
    out.write_text(report(res, args, argv), encoding="utf-8")
    print(f"report: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup: stop every server
    if argv[:1] == ["--rerender"]:  # python bench/run.py --rerender WORK/results.json [OUT]
        out = Path(argv[2]) if len(argv) > 2 else parse_args([]).out
        return rerender(Path(argv[1]), out)
    return asyncio.run(main_async(parse_args(argv), argv))


if __name__ == "__main__":
    sys.exit(main())
