"""celltx.pages: the page registry that app.py, the tests and the benchmark read."""

from __future__ import annotations

from pathlib import Path

from celltx import figures, pages

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_has_its_view_file_and_a_unique_address():
    for p in pages.PAGES:
        assert (ROOT / p.file).is_file(), p.file
    assert len({p.url_path for p in pages.PAGES}) == len(pages.PAGES)
    assert len({p.key for p in pages.PAGES}) == len(pages.PAGES)
    assert sum(p.default for p in pages.PAGES) == 1


def test_every_view_file_is_a_page():
    views = {f.stem for f in (ROOT / "views").glob("*.py")}
    assert views == {p.key for p in pages.PAGES}


def test_app_reads_the_registry_and_names_no_page_itself():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "pages.groups()" in app and "views/" not in app


def test_a_page_with_a_chart_key_shows_figures():
    for p in pages.PAGES:
        assert not p.chart_key or figures.on_page(p.key), p.key
