"""``python -m celltx figures``: write every dashboard figure for given filters to a folder.

Figures are rendered by kaleido with Debian's Chromium through one persistent kaleido server, so
a bundle of all figures costs one browser start. The folder also gets ``index.html`` and
``README.md`` listing each file with its caption and source, ready to drop into a slide deck;
with ``--leave-one-out``, each pooling figure's leave-one-out table as CSV beside it, listed there.
"""

from __future__ import annotations

import argparse
import html
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from celltx import charts, export_image, figures, filters, load, stats
from celltx.export import to_csv


@dataclass(frozen=True)
class Table:
    """A table written beside a figure (e.g. leave-one-out), with what it is and its rows."""

    path: Path
    what: str
    rows: pd.DataFrame
    empty_note: str


@dataclass(frozen=True)
class Written:
    path: Path
    recipe: figures.Recipe
    title: str
    footnote: str
    tables: tuple[Table, ...] = ()
    summary: str = ""  # the figure's text alternative, listed in the index


LEAVE_ONE_OUT_CSV = ["endpoint", *stats.LEAVE_ONE_OUT_COLUMNS]


def write_tables(out: Path, recipe: figures.Recipe, result: figures.Result, slug: str) -> tuple[Table, ...]:
    """The leave-one-out table of a figure that pools, as CSV beside it (header only, and a note
    in the index, when no group has enough studies under the filters)."""
    if result.leave_one_out is None:
        return ()
    path = out / f"{recipe.name}_leave_one_out_{slug}.csv"
    rows = result.leave_one_out.reindex(columns=LEAVE_ONE_OUT_CSV)
    path.write_text(to_csv(rows, LEAVE_ONE_OUT_CSV), encoding="utf-8")
    note = (
        f"no pooled group has {stats.MIN_LEAVE_ONE_OUT} or more studies under these filters, "
        "so nothing to leave out"
    )
    return (Table(path, "Leave-one-out: the pooled estimate without each study in turn", rows, note),)


def write_bundle(
    ds: load.Dataset,
    out: Path,
    fmt: str = "png",
    f: filters.Filters | None = None,
    presentation: bool = False,
    dark: bool = False,
    progress: bool = True,
    leave_one_out: bool = False,
) -> list[Written]:
    """Write every figure that has data under the filters (``f``: celltx.cli.disease_filters for
    the command line); return what was written. ``leave_one_out``: also each pooling figure's
    leave-one-out table as CSV beside it."""
    f = f or filters.Filters(full_years=filters.year_bounds(ds.studies()))
    export_image.require_chromium()
    theme = charts.Theme(presentation=presentation, dark=dark)
    ctx = figures.context(ds, f, theme)
    writable(out)  # before rendering: a read-only folder fails now, not after every figure
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
            if fmt == "svg":  # the title and text summary as the SVG's <title> and <desc>
                data = export_image.svg_with_text(data, built.labels.title, built.summary)
            path.write_bytes(data)
            tables = write_tables(out, recipe, built, f.slug()) if leave_one_out else ()
            written.append(
                Written(path, recipe, built.labels.title, built.labels.footnote, tables, built.summary)
            )
    finally:
        export_image.stop_server()
    write_index(out, written, f, ds.version, fmt)
    return written


def writable(out: Path) -> None:
    """Create the output folder and prove a file can be written in it; ValueError says why not."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".celltx-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ValueError(f"cannot write to {out}: {e.strerror or type(e).__name__}") from None


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
            f"- Page: {figures.page_of(w.recipe.name).title}",
            f"- Caption: {w.recipe.caption}",
            f"- Text summary: {w.summary}",
            f"- {w.footnote}",
            "",
        ]
        for t in w.tables:
            md += [f"- {t.what}: `{t.path.name}`", ""]
            md += [_markdown_table(t.rows) if len(t.rows) else f"  ({t.empty_note})", ""]
        preview = (
            f'<img src="{html.escape(w.path.name)}" width="480">'
            if fmt in ("png", "svg")
            else f'<a href="{html.escape(w.path.name)}">{html.escape(w.path.name)}</a>'
        )
        rows.append(
            f"<tr><td>{preview}</td><td><b>{html.escape(w.title)}</b><br>"
            f"{html.escape(w.recipe.caption)}<br><i>{html.escape(w.summary)}</i><br>"
            f"<small>{html.escape(w.footnote)}</small><br>"
            f"<code>{html.escape(w.path.name)}</code>" + _html_tables(w) + "</td></tr>"
        )
    (out / "README.md").write_text("\n".join(md), encoding="utf-8")
    page = (
        f"<!doctype html><meta charset='utf-8'><title>celltx figures</title>"
        f"<h1>celltx figures ({html.escape(f.describe())})</h1>"
        f"<p>Data version {html.escape(version)}; written {when}.</p>"
        f"<table border='1' cellpadding='6'>{''.join(rows)}</table>"
    )
    (out / "index.html").write_text(page, encoding="utf-8")


def _html_tables(w: Written) -> str:
    out = []
    for t in w.tables:
        name = html.escape(t.path.name)
        body = (
            t.rows.to_html(index=False, float_format=lambda x: f"{x:.3g}", border=0)
            if len(t.rows)
            else f" <small>({html.escape(t.empty_note)})</small>"
        )
        out.append(f"<br>{html.escape(t.what)}: <a href='{name}'>{name}</a>{body}")
    return "".join(out)


def _markdown_table(rows: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v).replace("|", "\\|")

    head = "| " + " | ".join(rows.columns) + " |\n|" + "---|" * len(rows.columns)
    return head + "".join(
        "\n| " + " | ".join(cell(v) for v in r) + " |" for r in rows.itertuples(index=False)
    )


DEFAULT_BASE_URL = "http://localhost:8501"


def write_deck(
    ds: load.Dataset,
    out: Path,
    f: filters.Filters | None = None,
    presentation: bool = False,
    dark: bool = False,
    base_url: str = DEFAULT_BASE_URL,
    progress: bool = True,
) -> tuple[Path, int]:
    """The slide deck the app's sidebar 'Download slides' gives for these filters: every figure
    with data, one kaleido browser; returns the file and the number of figure slides."""
    from celltx import deck

    f = f or filters.Filters(full_years=filters.year_bounds(ds.studies()))
    export_image.require_chromium()
    ctx = figures.context(ds, f, charts.Theme(presentation=presentation, dark=dark))
    writable(out)
    path = out / f"celltx_slides_{f.slug()}.pptx"
    bar = tqdm(total=len(figures.RECIPES), desc="slides", unit="fig", disable=not progress, file=sys.stderr)

    def link_of(recipe: figures.Recipe) -> str:
        return filters.view_link(base_url, figures.page_of(recipe.name).url, f, presentation, dark)

    try:
        data, n = deck.render(
            ctx,
            figures.RECIPES,
            link_of,
            home_link=filters.view_link(base_url, "/", f, presentation, dark),
            on_figure=lambda _name: bar.update(),
        )
    finally:
        bar.close()
        export_image.stop_server()
    if n:
        path.write_bytes(data)
    return path, n


def main(args: argparse.Namespace) -> int:
    """``celltx figures``: the bundle or the deck; faults are one line on stderr and exit 2, no
    figure with data exit 1."""
    from celltx import cli  # the --disease options mean the same for every command

    ds = load.load_dataset(Path(args.data) if args.data else load.DATA_DIR)
    try:
        f = replace(cli.disease_filters(args), full_years=filters.year_bounds(ds.studies()))
        if args.format == "pptx":
            path, n = write_deck(
                ds,
                Path(args.out),
                f,
                args.presentation,
                args.dark,
                getattr(args, "base_url", None) or DEFAULT_BASE_URL,
            )
            done = f"wrote {path} ({n} figure slides + title and Sources)"
        else:
            written = write_bundle(
                ds,
                Path(args.out),
                args.format,
                f,
                args.presentation,
                args.dark,
                leave_one_out=getattr(args, "leave_one_out", False),
            )
            n = len(written)
            done = f"wrote {n} figure(s) and index.html, README.md to {args.out}"
    except (export_image.ExportError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # e.g. the disk filled up while writing
        print(f"error: cannot write to {args.out}: {e.strerror or type(e).__name__}", file=sys.stderr)
        return 2
    if not n:
        print(f"No figure has data for these filters ({', '.join(args.disease) or 'all'}).", file=sys.stderr)
        return 1
    print(done)
    return 0
