"""Every exported figure fits its canvas: titles, row labels, legends and footnotes keep a margin.

Each recipe is exported as users get it (kaleido with Debian's Chromium, the slide size of
``charts.export_size``) in the screen theme and the dark presentation theme, and as a deck's
picture, with all data and with narrow filters. Anything drawn into the outermost pixels was cut
off by the canvas edge (a title pushed above the top, a long study label cut at the left), so
those pixels must all be the figure's background.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from celltx import charts, export_image, figures, filters, load

EDGE = 3  # pixels at 1x; the PNG users get is 2x, so 6 there
TOLERANCE = 12  # sum of RGB differences still counted as background (anti-aliasing noise)
FILTERS = [(), ("B-ALL",), ("AML",)]
THEMES = {
    "screen": charts.SCREEN,
    "presentation-dark": charts.Theme(presentation=True, dark=True),
    "slides": charts.SCREEN.for_slides(),  # a deck's pictures (celltx.deck), at their own canvas
}


def export_png(fig, theme: charts.Theme) -> bytes:
    """The PNG at 1x as users get it: a deck's picture without title and footnote at the canvas
    it was laid out for, any other figure at charts.export_size."""
    if theme.slide:
        w, h = int(fig.layout.width), int(fig.layout.height)
        return export_image.submit_png(charts.for_slide(fig), w, h, 1).result()
    return export_image.to_image(fig, "png", scale=1)


@pytest.fixture(scope="module")
def kaleido_server():
    if export_image.chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    export_image.start_server()
    yield
    export_image.stop_server()


@pytest.fixture(scope="module")
def dataset():
    return load.load_dataset()


def _hex_rgb(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)])


def edge_ink(png: bytes, background: str) -> dict[str, int]:
    """How many pixels of each outermost band differ from the background."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    bg = _hex_rgb(background)
    bands = {"top": a[:EDGE], "bottom": a[-EDGE:], "left": a[:, :EDGE], "right": a[:, -EDGE:]}
    return {k: int((np.abs(v - bg).sum(-1) > TOLERANCE).sum()) for k, v in bands.items()}


@pytest.mark.parametrize("theme_name", list(THEMES))
@pytest.mark.parametrize("disease", FILTERS, ids=lambda d: "-".join(d) or "all")
def test_every_recipe_keeps_its_outermost_pixels_background(kaleido_server, dataset, theme_name, disease):
    theme = THEMES[theme_name]
    f = filters.Filters(disease=disease, full_years=filters.year_bounds(dataset.studies()))
    ctx = figures.context(dataset, f, theme)
    cut = {}
    exported = 0
    for recipe in figures.RECIPES:
        built = recipe.build(ctx)
        if built.figure is None:
            continue
        ink = edge_ink(export_png(built.figure, theme), theme.background)
        exported += 1
        if any(ink.values()):
            cut[recipe.name] = {k: v for k, v in ink.items() if v}
    assert exported >= 4, "the filters should leave several figures to check"
    assert not cut, f"{theme_name}, {disease or 'all data'}: drawn into the outermost {EDGE}px: {cut}"


def test_edge_check_sees_ink_at_the_edge():
    """The check itself: a canvas with a dark line on its top row fails, a clean one passes."""
    a = np.full((40, 60, 3), 255, dtype=np.uint8)
    clean = io.BytesIO()
    Image.fromarray(a).save(clean, format="PNG")
    assert not any(edge_ink(clean.getvalue(), "#ffffff").values())
    a[0, 10:20] = 0
    inked = io.BytesIO()
    Image.fromarray(a).save(inked, format="PNG")
    assert edge_ink(inked.getvalue(), "#ffffff")["top"] == 10
