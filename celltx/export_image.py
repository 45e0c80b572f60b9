"""Static image export with kaleido (Debian's Chromium), with a clear error when it is missing."""

from __future__ import annotations

import shutil
import warnings
from xml.sax.saxutils import escape as xml_escape

import plotly.graph_objects as go

from celltx import charts

CHROMIUM_HINT = "Chromium is needed to export images. Install it with: sudo apt-get install -y chromium"


class ExportError(RuntimeError):
    """Image export is not possible on this machine; the message says how to fix it."""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        raise ExportError(CHROMIUM_HINT)
    return path


def to_image(fig: go.Figure, fmt: str = "png", scale: float = charts.SLIDE_SCALE) -> bytes:
    """The figure as a 16:9 slide image (charts.export_size), PNG at 2x by default."""
    width, height = charts.export_size(fig)
    require_chromium()
    try:
        with warnings.catch_warnings():
            # plotly passes browser options that a running kaleido server does not need
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            return fig.to_image(format=fmt, width=width, height=height, scale=scale)
    except Exception as e:  # kaleido raises several types; all mean the same to a user
        raise ExportError(f"image export failed ({type(e).__name__}: {e}). {CHROMIUM_HINT}") from e


def to_svg_bytes(fig: go.Figure, title: str = "", desc: str = "") -> bytes:
    """The figure as SVG; with a title and text summary, they are its <title> and <desc>."""
    start_server()
    svg = to_image(fig, "svg", scale=1)
    return svg_with_text(svg, title, desc) if title or desc else svg


def start_server() -> None:
    """One persistent kaleido (Chromium) process for many exports: about ten times faster."""
    import kaleido

    require_chromium()
    kaleido.start_sync_server(silence_warnings=True)


def stop_server() -> None:
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


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
