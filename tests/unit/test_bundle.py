"""The figure bundle: files, pixel sizes, SVG content, index, and a clear error without Chromium."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest

from celltx import cli, export_image, filters, load

pytestmark = pytest.mark.skipif(
    export_image.chromium_path() is None, reason="Chromium is not installed (make test installs it)"
)


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def png_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("png")
    assert cli.main(["figures", "--out", str(out), "--disease", "MM"]) == 0
    return out


def test_bundle_writes_each_figure_with_data_and_an_index(png_bundle):
    names = sorted(p.name for p in png_bundle.glob("*.png"))
    assert "cart_response_by_target_MM.png" in names and "cart_crs_by_target_MM.png" in names
    assert not any(n.startswith("donor_") for n in names), "no MM transplant data: no donor figure"
    readme = (png_bundle / "README.md").read_text()
    index = (png_bundle / "index.html").read_text()
    for n in names:
        assert n in readme and n in index
    assert "Xu Z, Huang X. Cancer Biol Med 2021" in readme
    assert "Caption:" in readme


def test_pngs_are_16_to_9_at_slide_resolution_rendered_at_2x(png_bundle):
    for p in png_bundle.glob("*.png"):
        w, h = png_size(p)
        assert w >= 3840 and h >= 2160, p.name
        assert w / h == pytest.approx(16 / 9, abs=0.01), p.name


def test_svgs_parse_and_carry_title_and_source_footnote(tmp_path):
    ds = load.load_dataset()
    from celltx import bundle

    f = filters.Filters(disease=("B-ALL",))
    written = bundle.write_bundle(ds, tmp_path, "svg", f, presentation=True, progress=False)
    assert written
    for w in written:
        root = ET.fromstring(w.path.read_bytes())
        text = " ".join(t for t in root.itertext())
        assert w.title in text, w.path.name
        assert "Source: Xu Z, Huang X." in text and f"data version {ds.version}" in text


def test_missing_chromium_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(export_image, "chromium_path", lambda: None)
    assert cli.main(["figures", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "apt-get install -y chromium" in err and "Traceback" not in err


def test_unknown_disease_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--disease", "XYZ"]) == 2
    assert "unknown disease XYZ" in capsys.readouterr().err


def _own_context():
    """A context whose CAR-T response has a group of three studies (tests/data/my_studies.csv
    loaded as if curated), so leave-one-out has rows."""
    from pathlib import Path

    from celltx import figures, filters, upload

    path = Path(__file__).parents[1] / "data" / "my_studies.csv"
    studies = upload.parse_upload(path.read_bytes(), path.name).studies
    outcomes = load.outcomes_frame(studies)
    f = filters.Filters()
    return figures.Context(
        outcomes, load.studies_frame(studies), load.load_dataset().targets(), f, {}, "test"
    )


def test_leave_one_out_table_is_written_beside_the_figure_and_listed(tmp_path):
    import pandas as pd

    from celltx import bundle, figures, filters

    recipe = figures.BY_NAME["cart_response_by_target"]
    result = recipe.build(_own_context())
    tables = bundle.write_tables(tmp_path, recipe, result, "all")
    assert [t.path.name for t in tables] == ["cart_response_by_target_leave_one_out_all.csv"]
    back = pd.read_csv(tables[0].path)
    assert list(back.columns) == [
        "endpoint",
        "group",
        "omitted",
        "k",
        "pooled_pct",
        "ci_low_pct",
        "ci_high_pct",
        "tau2",
        "i2_pct",
    ]
    assert list(back["omitted"]) == ["mine-cd19-a", "mine-cd19-b", "mine-cd19-c"]
    assert (back["endpoint"] == "CR").all() and (back["k"] == 2).all()
    written = [bundle.Written(tmp_path / "fig.png", recipe, "T", "Source: x", tables)]
    bundle.write_index(tmp_path, written, filters.Filters(), "v", "png")
    readme = (tmp_path / "README.md").read_text()
    index = (tmp_path / "index.html").read_text()
    assert "cart_response_by_target_leave_one_out_all.csv" in readme and "mine-cd19-b" in readme
    assert "cart_response_by_target_leave_one_out_all.csv" in index and "mine-cd19-b" in index


def test_figures_leave_one_out_on_curated_data_writes_the_csv_with_a_note(tmp_path):
    assert cli.main(["figures", "--out", str(tmp_path), "--disease", "MM", "--leave-one-out"]) == 0
    csv = tmp_path / "cart_response_by_target_leave_one_out_MM.csv"
    assert csv.read_text().startswith("endpoint,group,omitted,k,")
    readme = (tmp_path / "README.md").read_text()
    assert csv.name in readme and "3 or more studies" in readme
    assert csv.name in (tmp_path / "index.html").read_text()
