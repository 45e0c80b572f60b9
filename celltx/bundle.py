"""``python -m celltx figures``: write every dashboard figure for given filters to a folder.

Figures are rendered by kaleido with Debian's Chromium through one persistent kaleido server, so
a bundle of all figures costs one browser start. The folder also gets ``index.html`` and
``README.md`` listing each file with its caption and source, ready to drop into a slide deck.
"""

from __future__ import annotations

import argparse
import html
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from celltx import charts, export_image, figures, filters, load


@dataclass(frozen=True)
class Written:
    path: Path
    recipe: figures.Recipe
    title: str
    footnote: str


def write_bundle(
    ds: load.Dataset,
    out: Path,
    fmt: str = "png",
    f: filters.Filters | None = None,
    presentation: bool = False,
    dark: bool = False,
    progress: bool = True,
) -> list[Written]:
    """Write every figure that has data under the filters; return what was written."""
    f = f or filters.Filters(full_years=filters.year_bounds(ds.studies()))
    export_image.require_chromium()
    theme = charts.Theme(presentation=presentation, dark=dark)
    ctx = figures.context(ds, f, theme)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Written] = []
    export_image.start_server()
    try:
        for recipe in tqdm(
            figures.RECIPES, desc="figures", unit="fig", disable=not progress, file=sys.stderr
        ):
            built = recipe.build(ctx)
            if built.figure is None:
                continue
            path = out / f"{recipe.name}_{f.slug()}.{fmt}"
            data = export_image.to_image(built.figure, fmt)
            path.write_bytes(data)
            written.append(Written(path, recipe, built.labels.title, built.labels.footnote))
    finally:
        export_image.stop_server()
    write_index(out, written, f, ds.version, fmt)
    return written


def write_index(out: Path, written: list[Written], f: filters.Filters, version: str, fmt: str) -> None:
    """index.html and README.md: each file with its caption and source, for slide makers."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    md = [
        f"# celltx figures ({f.describe()})",
        "",
        f"Data version {version}; written {when}; {len(written)} figure(s), {fmt.upper()}, "
        f"{charts.SLIDE_WIDTH}x{charts.SLIDE_HEIGHT} (16:9).",
        "",
    ]
    rows = []
    for w in written:
        md += [
            f"## {w.title}",
            "",
            f"- File: `{w.path.name}`",
            f"- Page: {w.recipe.page}",
            f"- Caption: {w.recipe.caption}",
            f"- {w.footnote}",
            "",
        ]
        preview = (
            f'<img src="{html.escape(w.path.name)}" width="480">'
            if fmt in ("png", "svg")
            else f'<a href="{html.escape(w.path.name)}">{html.escape(w.path.name)}</a>'
        )
        rows.append(
            f"<tr><td>{preview}</td><td><b>{html.escape(w.title)}</b><br>"
            f"{html.escape(w.recipe.caption)}<br><small>{html.escape(w.footnote)}</small><br>"
            f"<code>{html.escape(w.path.name)}</code></td></tr>"
        )
    (out / "README.md").write_text("\n".join(md), encoding="utf-8")
    page = (
        f"<!doctype html><meta charset='utf-8'><title>celltx figures</title>"
        f"<h1>celltx figures ({html.escape(f.describe())})</h1>"
        f"<p>Data version {html.escape(version)}; written {when}.</p>"
        f"<table border='1' cellpadding='6'>{''.join(rows)}</table>"
    )
    (out / "index.html").write_text(page, encoding="utf-8")


def main(args: argparse.Namespace) -> int:
    from celltx import cli  # the --disease options mean the same for every command

    ds = load.load_dataset(Path(args.data) if args.data else load.DATA_DIR)
    try:
        f = replace(cli.disease_filters(args), full_years=filters.year_bounds(ds.studies()))
        written = write_bundle(ds, Path(args.out), args.format, f, args.presentation, args.dark)
    except export_image.ExportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not written:
        print(f"No figure has data for these filters ({', '.join(args.disease) or 'all'}).", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} figure(s) and index.html, README.md to {args.out}")
    return 0
