"""Static image export with kaleido (Debian's Chromium), bounded in time and started once.

kaleido's own sync server waits without a timeout: a Chromium that exits at once or stops
answering left ``figures`` hanging forever and a Streamlit server that ignored SIGTERM (its exit
handler joined the stuck thread). Here one kaleido runs on a thread of our own: it is started under
a lock (three sessions clicking at once start one browser, not three), every start and every image
has a timeout, a timed-out browser is closed and replaced on the next call, and it is shut down
when the process exits. A missing or broken Chromium is an ``ExportError`` whose message says so.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import functools
import logging
import shutil
import subprocess
import sys
import threading
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import plotly.graph_objects as go

from celltx import charts

log = logging.getLogger(__name__)

# The files the dashboard offers for download, by format (the deck's is here, not in celltx.deck,
# so the slides button can be drawn without importing python-pptx: 0.25 s on the first page).
MIME = {
    "svg": "image/svg+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

CHROMIUM_HINT = "Chromium is needed to export images. Install it with: sudo apt-get install -y chromium"
BROKEN_HINT = (
    "Image export needs a working Chromium: reinstall it (sudo apt-get install --reinstall chromium)"
)
START_TIMEOUT = 60.0  # seconds for Chromium to start and load plotly.js
IMAGE_TIMEOUT = 60.0  # seconds for one image (the largest slide takes about 3)
STOP_TIMEOUT = 10.0
# kaleido reloads its tab after every image (plotly.js parsed again: about 0.25 s of Chromium per
# image, a fifth of a deck's time). plotly.js's toImage draws each figure in an element of its own
# and removes it, and the pictures are byte-identical without the reload
# (tests/unit/test_export_image.py), so the tab is reloaded after this many images and after a
# failed one: a long-lived server keeps kaleido's fresh page without paying for it per image.
RELOAD_EVERY = 25


class ExportError(RuntimeError):
    """Image export is not possible on this machine; the message says how to fix it."""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@functools.lru_cache(maxsize=4)
def _probe(path: str) -> str | None:
    """None when this Chromium runs (``--version`` answers within 15 s), else why it does not."""
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [path, "--version"], capture_output=True, timeout=15, check=False
        )
    except subprocess.TimeoutExpired:
        return f"Chromium at {path} did not answer within 15 s"
    except OSError as e:
        return f"Chromium at {path} cannot be run ({e.strerror or type(e).__name__})"
    if done.returncode != 0:
        return f"Chromium at {path} exits at once (exit code {done.returncode})"
    return None


def unavailable() -> str | None:
    """Why images cannot be exported on this machine, or None when they can (checked once, and
    again after a failed start: then the reason stays until the process restarts)."""
    path = chromium_path()
    if path is None:
        return CHROMIUM_HINT
    broken = _probe(path)
    if broken:
        return f"{broken}. {BROKEN_HINT}"
    return _RENDERER.failed


def require_chromium() -> str:
    reason = unavailable()
    if reason:
        raise ExportError(reason)
    return chromium_path() or ""


def _kaleido_class(base: type) -> type:
    """kaleido's browser, reloading its tab every RELOAD_EVERY images and after a failed one,
    instead of after each.

    ``_return_kaleido_tab`` and ``tabs_ready`` are kaleido 1.5.0's (pinned in requirements.txt; a
    test fails if they change). kaleido calls ``_return_kaleido_tab`` in the ``finally`` of each
    image, so an exception in flight there means that image failed: its tab is reloaded at once."""

    class Kaleido(base):
        images = 0

        async def _return_kaleido_tab(self, tab: Any) -> None:
            failed = sys.exc_info()[1] is not None
            self.images += 1
            if failed or self.images % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return Kaleido


class _Renderer:
    """One kaleido browser on its own event-loop thread; every call waits at most a timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self.failed: str | None = None  # why the last start failed, for the page to say

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        with self._lock:
            if self._kaleido is not None:
                return
            path = require_chromium()
            import kaleido

            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="celltx-kaleido", daemon=True)
            thread.start()

            async def open_browser() -> Any:
                k = _kaleido_class(kaleido.Kaleido)(n=1, timeout=IMAGE_TIMEOUT, path=path)
                await k.__aenter__()
                return k

            future = asyncio.run_coroutine_threadsafe(open_browser(), loop)
            try:
                self._kaleido = future.result(START_TIMEOUT)
            except Exception as e:
                future.cancel()
                self._end_loop(loop, thread)
                if isinstance(e, concurrent.futures.TimeoutError):
                    self.failed = (
                        f"Chromium at {path} did not start within {START_TIMEOUT:.0f} s. {BROKEN_HINT}"
                    )
                else:
                    log.warning("Chromium at %s could not be started", path, exc_info=True)
                    self.failed = (
                        f"Chromium at {path} could not be started ({type(e).__name__}). {BROKEN_HINT}"
                    )
                raise ExportError(self.failed) from None
            self.failed = None
            self._loop, self._thread = loop, thread

    def submit(self, fig: dict, opts: dict) -> Pending:
        """Queue one image and return at once: the caller builds the next figure while Chromium
        draws this one (kaleido hands the images to its tabs in the order they were queued)."""
        self.start()
        with self._lock:
            loop, k = self._loop, self._kaleido
        if loop is None or k is None:
            raise ExportError("the image renderer was stopped; try again")
        return Pending(asyncio.run_coroutine_threadsafe(k.calc_fig(fig, opts=opts), loop), self)

    def render(self, fig: dict, opts: dict) -> bytes:
        return self.submit(fig, opts).result()

    def stop(self) -> None:
        with self._lock:
            loop, thread, k = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None or thread is None:
            return
        if k is not None:
            closing = asyncio.run_coroutine_threadsafe(k.__aexit__(None, None, None), loop)
            try:
                closing.result(STOP_TIMEOUT)
            except Exception:  # noqa: BLE001 - closing is best effort; the process is leaving
                log.warning("kaleido did not close cleanly", exc_info=True)
        self._end_loop(loop, thread)

    @staticmethod
    def _end_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STOP_TIMEOUT)


class Pending:
    """An image being drawn; ``result`` waits at most IMAGE_TIMEOUT for it (images queued before
    it have been waited for already, in order, so the wait is this image's own), and a stuck
    browser is stopped, to be replaced on the next call."""

    def __init__(self, future: concurrent.futures.Future, renderer: _Renderer) -> None:
        self._future, self._renderer = future, renderer

    def result(self) -> bytes:
        try:
            return self._future.result(IMAGE_TIMEOUT)
        except concurrent.futures.TimeoutError:
            self._future.cancel()
            self._renderer.stop()
            raise ExportError(
                f"image export took longer than {IMAGE_TIMEOUT:.0f} s and was stopped"
            ) from None
        except concurrent.futures.CancelledError:
            raise ExportError("image export was cancelled (the renderer was stopped); try again") from None
        except Exception as e:  # kaleido raises several types; all mean the same to a user
            raise ExportError(f"image export failed ({type(e).__name__}: {e})") from e

    def cancel(self) -> None:
        self._future.cancel()


_RENDERER = _Renderer()
atexit.register(_RENDERER.stop)


def to_image(fig: go.Figure, fmt: str = "png", scale: float = charts.SLIDE_SCALE) -> bytes:
    """The figure as a 16:9 slide image (charts.export_size), PNG at 2x by default."""
    width, height = charts.export_size(fig)
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    return _RENDERER.render(fig.to_dict(), opts)


def submit_png(fig: dict, width: int, height: int, scale: float) -> Pending:
    """Queue a PNG of a plotly JSON figure at exactly this canvas size; ``.result()`` gives it."""
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    return _RENDERER.submit(fig, opts)


def to_svg_bytes(fig: go.Figure, title: str = "", desc: str = "") -> bytes:
    """The figure as SVG; with a title and text summary, they are its <title> and <desc>."""
    svg = to_image(fig, "svg", scale=1)
    return svg_with_text(svg, title, desc) if title or desc else svg


def start_server() -> None:
    """One persistent kaleido (Chromium) process for many exports: about ten times faster."""
    _RENDERER.start()


def stop_server() -> None:
    _RENDERER.stop()


def svg_with_text(svg: bytes, title: str, desc: str) -> bytes:
    """The SVG with ``<title>`` and ``<desc>`` as the first children of its root element (where
    screen readers and image viewers look for them), and the root named by them."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    end = text.find(">", start)
    if start < 0 or end < 0:
        raise ExportError("image export returned no SVG root element")
    head = text[start:end]
    if head.endswith("/"):  # an empty <svg/> has nothing to describe
        raise ExportError("image export returned an empty SVG")
    attrs = ' role="img" aria-labelledby="celltx-title celltx-desc"' if "role=" not in head else ""
    inner = (
        f'<title id="celltx-title">{xml_escape(title)}</title>'
        f'<desc id="celltx-desc">{xml_escape(desc)}</desc>'
    )
    return (text[:end] + attrs + ">" + inner + text[end + 1 :]).encode("utf-8")
