"""SVG export carries the figure's title and text summary as <title> and <desc>."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from celltx import export_image

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_svg_gets_title_and_desc_as_first_children_escaped():
    svg = b'<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
    out = export_image.svg_with_text(svg, "CRS < 3 & more", "CD19 pooled 74% (95% CI 30–95%)")
    root = ET.fromstring(out)
    assert root[0].tag == f"{SVG_NS}title" and root[0].text == "CRS < 3 & more"
    assert root[1].tag == f"{SVG_NS}desc" and root[1].text == "CD19 pooled 74% (95% CI 30–95%)"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "celltx-title celltx-desc"
    assert root[2].tag == f"{SVG_NS}rect"


@pytest.mark.parametrize("bad", [b"<html></html>", b'<svg xmlns="http://www.w3.org/2000/svg"/>'])
def test_svg_without_a_root_element_to_describe_is_an_export_error(bad):
    with pytest.raises(export_image.ExportError):
        export_image.svg_with_text(bad, "t", "d")


def test_bundle_svgs_carry_title_and_text_summary(tmp_path):
    from celltx import bundle, filters, load

    if export_image.chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    ds = load.load_dataset()
    f = filters.Filters(disease=("MM",), full_years=filters.year_bounds(ds.studies()))
    written = bundle.write_bundle(ds, tmp_path, "svg", f, progress=False)
    assert written
    for w in written:
        root = ET.fromstring(w.path.read_bytes())
        assert root[0].tag == f"{SVG_NS}title" and root[0].text == w.title
        assert root[1].tag == f"{SVG_NS}desc" and root[1].text == w.summary and w.summary
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(f"Text summary: {w.summary}" in index for w in written)
