"""Without a working Chromium the pages say so where the SVG button would be (issue 12)."""

from __future__ import annotations

import pytest

from celltx import export_image
from tests.app.conftest import open_page


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_missing_chromium_is_a_message_not_a_button(monkeypatch):
    monkeypatch.setattr(export_image, "chromium_path", lambda: None)
    at = open_page("cart_response")
    assert any("SVG download is not available on this server" in c for c in _captions(at))
    assert not [b for b in at.get("download_button") if "SVG" in b.proto.label]


@pytest.mark.parametrize("answers_version", [False, True])
def test_a_broken_chromium_is_a_message_not_a_spinner(tmp_path, monkeypatch, answers_version):
    fake = tmp_path / "chromium"
    version = 'if [ "$1" = --version ]; then echo "Chromium 1.0"; exit 0; fi\n' if answers_version else ""
    fake.write_text(f"#!/bin/sh\n{version}exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(export_image, "chromium_path", lambda: str(fake))
    renderer = export_image._Renderer()
    monkeypatch.setattr(export_image, "_RENDERER", renderer)
    if answers_version:  # it passes the probe: the first export finds it broken
        with pytest.raises(export_image.ExportError):
            export_image.start_server()
    at = open_page("cart_response")
    shown = " ".join(_captions(at))
    assert "SVG download is not available on this server" in shown
    assert ("could not be started" if answers_version else "exits at once") in shown
    assert not [b for b in at.get("download_button") if "SVG" in b.proto.label]
