"""The two apps the benchmark compares and their servers, with memory and CPU accounting.

Starting a server is ``celltx.serve.Server`` (shared with ``celltx app`` and the browser tests);
here it gains a sampler of the server's peak memory and the bookkeeping that stops every server
when the benchmark ends.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.metadata
import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from celltx import pages, serve

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DISEASES = ("B-ALL", "AML", "NHL", "MM", "CLL")  # in the curated data, the synthetic data and minimal app
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


@dataclass(frozen=True)
class AppSpec:
    name: str
    script: Path | None  # None: the celltx dashboard, started as `python -m celltx app`
    env: dict[str, str]
    pages: tuple[str, str]  # sidebar link labels: the default page and the one switched to


def celltx_app(data: Path | None = None, seeds: Path | None = None) -> AppSpec:
    env = {"CELLTX_DATA": str(data or ROOT / "data")}
    if seeds:
        env["CELLTX_SEEDS"] = str(seeds)
    # the pages as the registry names them: the default page and the CAR-T response chart
    default = next(p for p in pages.PAGES if p.default)
    return AppSpec("celltx", None, env, (default.title, pages.BY_KEY["cart_response"].title))


def minimal_app() -> AppSpec:
    return AppSpec("minimal", BENCH / "minimal_app.py", {}, ("Bars", "Scatter"))


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


LIVE: set[BenchServer] = set()


def _stop_all() -> None:
    for server in list(LIVE):
        server.stop()


atexit.register(_stop_all)


class BenchServer(serve.Server):
    """A server of one app with its peak memory sampled from start to stop."""

    def __init__(
        self, spec: AppSpec, log: Path, profile_dir: Path | None = None, options: tuple[str, ...] = ()
    ):
        env = dict(spec.env)
        if profile_dir:
            env["CELLTX_PROFILE_DIR"] = str(profile_dir)
        super().__init__(
            spec.script,
            env=env,
            log=log,
            options=serve.parse_options(options),  # --st-opt runner.postScriptGC=false, on both apps
            launcher=BENCH / "profile_server.py" if profile_dir else None,
        )
        self.spec = spec
        self.sampler: MemorySampler | None = None

    def start(self, timeout: float | None = None) -> BenchServer:
        try:
            super().start(timeout)
        finally:
            if self.proc is not None and self.sampler is None:
                LIVE.add(self)
                self.sampler = MemorySampler(self.proc.pid)
                self.sampler.start()
        return self

    def stop(self) -> float:  # type: ignore[override]
        """Stop the server; return its peak RSS in MB."""
        LIVE.discard(self)
        if CPU:
            CPU.sample()
        super().stop()
        return self.sampler.stop() if self.sampler else 0.0


# ---------------------------------------------------------------------------------------------
# The machine and what else ran on it


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
