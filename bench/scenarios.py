"""The scenarios: a fresh server per run (first chart, filter changes, page switches), the load
test (one warm server, N sessions at once) and the slide deck (`celltx figures --format pptx`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from servers import DISEASES, ROOT, AppSpec, BenchServer
from session import Session, new_session


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
    server = BenchServer(spec, log, profile_dir, tuple(args.st_opt))
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
    browser, spec: AppSpec, server: BenchServer, n: int, seconds: float, timeout_s: float
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
    server = BenchServer(spec, log, options=tuple(args.st_opt))
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
# The slide deck, written the way a user writes it


@dataclass
class DeckResult:
    theme: str  # "default" or "presentation"
    wall_s: float = float("nan")  # from spawning `celltx figures --format pptx` until it exits
    cpu_s: float = float("nan")  # user + system of that process and every descendant (Chromium)
    figures: int = 0  # figure slides in the deck
    errors: list[str] = field(default_factory=list)


DECK_THEMES = {"default": [], "presentation": ["--presentation"]}
_WROTE = re.compile(r"\((\d+) figure slides")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # every waited-for descendant, Chromium too
    return r.ru_utime + r.ru_stime


def deck_run(theme: str, out: Path, timeout_s: float) -> DeckResult:
    """`python -m celltx figures --format pptx` on the curated data in a fresh process: the deck
    of every figure that has data (the sidebar's 'Download slides'), timed from start to exit."""
    res = DeckResult(theme)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "celltx", "figures", "--format", "pptx", "--out", str(out)]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [*cmd, *DECK_THEMES[theme]], cwd=ROOT, capture_output=True, text=True, timeout=timeout_s,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        res.errors.append(f"no deck within {timeout_s:g} s")
        return res
    res.wall_s, res.cpu_s = time.perf_counter() - t0, _children_cpu() - cpu0
    wrote = _WROTE.search(done.stdout)
    if done.returncode or not wrote or not list(out.glob("*.pptx")):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        res.errors.append(f"exit {done.returncode}: {tail}")
    else:
        res.figures = int(wrote.group(1))
    return res


_START = (
    "import time; from celltx import export_image as e; t = time.perf_counter(); e.start_server(); "
    "print(time.perf_counter() - t); e.stop_server()"
)


def kaleido_start(timeout_s: float) -> float:
    """Seconds for celltx's image export to start its one kaleido Chromium (with plotly.js loaded),
    in a fresh process: the fixed cost in every deck."""
    done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [sys.executable, "-c", _START], cwd=ROOT, capture_output=True, text=True, timeout=timeout_s,
        check=False,
    )  # fmt: skip
    try:
        return float(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return float("nan")
