"""Browser-test fixtures: a real celltx server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

from celltx import serve

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not serve.chromium_found():
        pytest.skip(serve.CHROMIUM_MISSING)
    return {**browser_type_launch_args, **serve.chromium_launch_args()}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, tmp_path_factory):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1000}, "accept_downloads": True}


@pytest.fixture(scope="session")
def server():
    """The dashboard as a user starts it (``celltx app``), on a free loopback port."""
    with serve.Server(timeout=90) as srv:
        yield srv.url


@pytest.fixture(scope="session")
def app_url(server) -> str:
    """The fresh server's URL. No page is opened first on purpose: the first visitor's deep link is
    what a shared link does, and it used to show a false "Page not found" modal while page files
    lived in pages/ (Streamlit's legacy multipage mode); the tests assert no such modal."""
    return server


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
