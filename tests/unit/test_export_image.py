"""Image export without a hang (issue 12): one browser however many sessions click at once, a
timeout on every start and image, and a missing or broken Chromium named in the error."""

from __future__ import annotations

import asyncio
import threading

import plotly.graph_objects as go
import pytest

from celltx import export_image


class FakeKaleido:
    """Stands in for kaleido.Kaleido: counts browsers, renders slowly or never."""

    started = 0
    delay = 0.2

    def __init__(self, **kwargs):
        type(self).started += 1

    async def __aenter__(self):
        await asyncio.sleep(self.delay)  # a browser start takes a while: sessions overlap
        return self

    async def __aexit__(self, *exc):
        return None

    async def calc_fig(self, fig, opts):
        await asyncio.sleep(3600)  # never answers


@pytest.fixture
def fake(monkeypatch):
    import kaleido

    FakeKaleido.started = 0
    monkeypatch.setattr(kaleido, "Kaleido", FakeKaleido)
    monkeypatch.setattr(export_image, "unavailable", lambda: None)
    monkeypatch.setattr(export_image, "chromium_path", lambda: "/usr/bin/chromium")
    renderer = export_image._Renderer()
    monkeypatch.setattr(export_image, "_RENDERER", renderer)
    yield renderer
    renderer.stop()


def test_three_sessions_starting_at_once_start_one_browser(fake):
    threads = [threading.Thread(target=export_image.start_server) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert FakeKaleido.started == 1 and fake.running


def test_an_image_that_never_comes_is_an_error_after_the_timeout(fake, monkeypatch):
    monkeypatch.setattr(export_image, "IMAGE_TIMEOUT", 0.5)
    with pytest.raises(export_image.ExportError, match="took longer than .* and was stopped"):
        export_image.to_svg_bytes(go.Figure())
    assert not fake.running, "the stuck browser was closed; the next call starts a new one"


def test_a_browser_that_never_starts_is_an_error_after_the_timeout(fake, monkeypatch):
    monkeypatch.setattr(export_image, "START_TIMEOUT", 0.5)
    monkeypatch.setattr(FakeKaleido, "delay", 3600)
    with pytest.raises(export_image.ExportError, match="did not start within"):
        export_image.start_server()
    assert fake.failed and "did not start" in fake.failed


def test_missing_chromium_is_named(monkeypatch):
    monkeypatch.setattr(export_image, "chromium_path", lambda: None)
    with pytest.raises(export_image.ExportError, match="apt-get install -y chromium"):
        export_image.require_chromium()


def test_a_chromium_that_exits_at_once_is_named(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(export_image, "chromium_path", lambda: str(fake))
    assert f"Chromium at {fake} exits at once (exit code 1)" in (export_image.unavailable() or "")
