"""Slide downloads in a real browser: the chart toolbar's PNG and the SVG button deliver files."""

from __future__ import annotations

import struct

from playwright.sync_api import Page, expect


def _open_with_chart(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot');"
        " return p && p.data && p.data.length > 0; }",
        timeout=60_000,
    )


def test_toolbar_download_gives_a_16_9_png_named_after_figure_and_filters(page: Page, app_url, tmp_path):
    _open_with_chart(page, f"{app_url}/crs-dose?disease=MM")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()
    button = chart.locator('.modebar-btn[data-title="Download plot as a PNG"]')
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "cart_crs_by_target_MM.png"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width >= 3840 and height >= 2160 and abs(width / height - 16 / 9) < 0.01


def test_svg_button_downloads_an_svg_with_title_and_footnote(page: Page, app_url, tmp_path):
    _open_with_chart(page, f"{app_url}/crs-dose?disease=MM")
    button = page.get_by_role("button", name="Download SVG (16:9)").first
    with page.expect_download(timeout=90_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "cart_crs_by_target_MM.svg"
    path = tmp_path / "fig.svg"
    download.save_as(path)
    text = path.read_text()
    assert text.lstrip().startswith("<svg") and "CRS incidence after CAR-T by target antigen" in text
    assert "Source: Xu Z, Huang X." in text
