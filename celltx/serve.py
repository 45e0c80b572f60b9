"""How a celltx server is started and how Chromium is launched: one place for ``celltx app``, the
browser tests (``tests/browser/conftest.py``) and the benchmark (``bench/run.py``).

It lives in the package, not in ``bench/``, because all three need it and only the package is
importable from each of them without editing ``sys.path``: ``celltx app`` is the installed command,
the tests import ``celltx`` and the benchmark is a script run from its own folder. Nothing here is
imported by the dashboard itself, and nothing here downloads a browser: Chromium is Debian's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from celltx import paths

# Debian's Chromium (apt-get install chromium); $CELLTX_CHROMIUM for another build
CHROMIUM = os.environ.get("CELLTX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--no-sandbox",  # CI runs as root, where Chromium refuses to start sandboxed
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHROMIUM_MISSING = "Debian's chromium is not installed (make test installs it: apt-get install -y chromium)"

# A server for a test or a measurement: loopback only, no browser tab, no telemetry, no file
# watcher (it would rerun scripts while they are measured).
SERVER_OPTIONS = {
    "server.headless": "true",
    "server.address": "127.0.0.1",
    "browser.gatherUsageStats": "false",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
}


def chromium_found() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def chromium_launch_args() -> dict[str, object]:
    """Keyword arguments for Playwright's ``chromium.launch`` (sync and async API alike)."""
    return {"executable_path": CHROMIUM, "args": list(CHROMIUM_FLAGS), "headless": True}


def app_script() -> Path:
    """The dashboard's entry script: ``app.py`` of the checkout (see ``paths.ROOT``).

    The dashboard (``app.py`` and the page scripts in ``views/``) stays in the checkout beside
    ``data/``: Streamlit runs page scripts from files, and curators edit both in place. The package
    installs the library and the command line; ``make setup`` installs the checkout editable, so
    ``celltx app`` runs the checkout it was installed from."""
    script = paths.ROOT / "app.py"
    if not script.is_file():
        raise FileNotFoundError(
            f"no app.py in {paths.ROOT}: 'celltx app' runs the dashboard of a celltx checkout; run it "
            "inside the checkout, or install the checkout editable (pip install -e .)"
        )
    return script


def streamlit_flags(options: dict[str, str]) -> list[str]:
    """``--key value`` flags for ``streamlit run``."""
    return [part for key, value in options.items() for part in (f"--{key}", value)]


def parse_options(pairs: Sequence[str]) -> dict[str, str]:
    """``['runner.postScriptGC=false']`` -> ``{'runner.postScriptGC': 'false'}``."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"expected KEY=VALUE, got {pair!r}")
        out[key.removeprefix("--")] = value
    return out


def streamlit_argv(port: int, extra: Sequence[str] = ()) -> list[str]:
    """The ``streamlit run`` command line ``celltx app`` hands to Streamlit's own CLI."""
    # headless: a server prints its URL instead of opening a browser tab (later options win)
    return [
        "streamlit",
        "run",
        str(app_script()),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One Streamlit server on a free loopback port, its output in a log file.

    ``script=None`` is the celltx dashboard started the way a user starts it, ``python -m celltx
    app``; any other script (the benchmark's minimal app) runs under ``streamlit run``. ``launcher``
    replaces ``-m streamlit run`` by a script taking the same arguments (the benchmark's profiler).
    The log is a file, not a pipe: a pipe nobody reads fills up under load and stalls the server.
    """

    def __init__(
        self,
        script: Path | None = None,
        *,
        env: dict[str, str] | None = None,
        log: Path | None = None,
        options: dict[str, str] | None = None,
        launcher: Path | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
    ):
        self.script, self.env, self.launcher = script, env or {}, launcher
        self.options = {**SERVER_OPTIONS, **(options or {})}
        self.cwd = cwd or paths.ROOT
        self.timeout = timeout
        if log is None:
            fd, name = tempfile.mkstemp(prefix="celltx-server-", suffix=".log")
            os.close(fd)
            log = Path(name)
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.url = ""
        self._log_start = 0

    def command(self, port: int) -> list[str]:
        flags = streamlit_flags(self.options)
        if self.script is None and not self.launcher:
            return [sys.executable, "-m", "celltx", "app", "--port", str(port), *flags]
        runner = [str(self.launcher)] if self.launcher else ["-m", "streamlit", "run"]
        script = self.script or app_script()
        return [sys.executable, *runner, str(script), "--server.port", str(port), *flags]

    def start(self, timeout: float | None = None, port: int | None = None) -> Server:
        """Start and wait until Streamlit's health endpoint answers (the app script has not run
        yet: that happens when the first browser session connects). ``port`` reuses a port, e.g.
        to restart a server under tabs that stay open (they reconnect by themselves)."""
        self.port = port or free_port()
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen(
                self.command(self.port), cwd=self.cwd, env=env, stdout=fh, stderr=subprocess.STDOUT
            )
        self.url = f"http://127.0.0.1:{self.port}"
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited early ({self.proc.returncode}):\n{self.output()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout:g} s; see {self.log}")

    def output(self) -> str:
        """What the server logged since it started."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as fh:
            fh.seek(self._log_start)
            return fh.read().decode(errors="replace")

    def tracebacks(self) -> int:
        """Server-side exceptions logged since this server started."""
        return self.output().count("Traceback (most recent call last)")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
