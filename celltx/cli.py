"""Command line: ``celltx validate|export|pool|figures|schema|app`` (or ``python -m celltx ...``).

Every command reads the same validated records as the app. Problems go to standard error in the
form ``file:line, record 'id', field 'x': what was wrong``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from celltx import paths

if TYPE_CHECKING:
    import pandas as pd

    from celltx import filters, load

# The data modules (pandas, pydantic, statsmodels) are imported by the commands that use them, not
# here: `celltx app` only hands over to Streamlit, and its start is timed against a bare Streamlit.

BY_COLUMNS = {
    "target": "target_group",
    "disease": "disease",
    "modality": "modality",
    "setting": "setting",
    "protocol": "protocol",
    "study": "record_id",
}


def _dataset(path: str | None) -> load.Dataset:
    from celltx import load

    return load.load_dataset(Path(path) if path else paths.DATA_DIR)


def disease_filters(args: argparse.Namespace) -> filters.Filters:
    """The --disease options as the app's filters (same rule: narrower terms included, broader
    cohorts marked unless --hide-broader); an unknown term is a ValueError naming the known ones."""
    from celltx import filters, vocab

    chosen = tuple(d for item in args.disease for d in item.split(",") if d.strip())
    unknown = [d for d in chosen if d not in vocab.DISEASE_TREE]
    if unknown:
        raise ValueError(
            f"unknown disease {', '.join(unknown)}; known: {', '.join(vocab.DISEASE_TREE.ordered())}"
        )
    return filters.Filters(
        disease=chosen,
        broader=not args.hide_broader,
        pool_broader=getattr(args, "pool_broader", False),
    )


def _add_disease_options(p: argparse.ArgumentParser, pool: bool = False) -> None:
    p.add_argument(
        "--disease",
        action="append",
        default=[],
        help="a term of data/diseases.yaml (repeatable): its records and every narrower term's; "
        "broader and mixed cohorts are included and marked",
    )
    p.add_argument("--hide-broader", action="store_true", help="leave broader and mixed cohorts out")
    if pool:
        p.add_argument(
            "--pool-broader", action="store_true", help="pool broader cohorts too (default: excluded)"
        )


def cmd_validate(args: argparse.Namespace) -> int:
    from celltx import load

    ds = _dataset(args.path)
    for p in ds.problems:
        print(p, file=sys.stderr)
    n_files = len(load.data_files(Path(args.path) if args.path else paths.DATA_DIR))
    parsed = ds.parsed
    n_out = sum(len(s.outcomes) for s in parsed.studies)
    print(
        f"{len(parsed.studies)} studies ({n_out} values), {len(parsed.targets)} target entries, "
        f"{len(parsed.context)} context facts, {len(parsed.sources)} sources in {n_files} file(s); "
        f"data version {ds.version}"
    )
    if not ds.quotes_checked:
        print(
            "note: quotes were not checked: no source folder (set CELLTX_SEEDS or place "
            "shared/seeds beside the repository)",
            file=sys.stderr,
        )
    if ds.problems:
        errors = len(ds.errors)
        print(
            f"{len(ds.problems)} problem(s): {errors} error(s), {len(ds.problems) - errors} warning(s)",
            file=sys.stderr,
        )
        return 1
    print("valid")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from celltx import filters
    from celltx.export import outcomes_csv, studies_csv

    ds = _dataset(args.data)
    if ds.errors:
        print(
            f"warning: {len(ds.errors)} invalid record(s) left out; run "
            "'python -m celltx validate' for details",
            file=sys.stderr,
        )
    try:
        f = disease_filters(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    marks = bool(f.disease)
    if args.table == "outcomes":
        sys.stdout.write(outcomes_csv(filters.apply(ds.outcomes(), f), args.all_columns, marks))
    else:
        sys.stdout.write(studies_csv(filters.apply(ds.studies(), f), args.all_columns, marks))
    return 0


def _user_outcomes(path: str) -> pd.DataFrame | None:
    """A user's own studies file, validated as the Data page's upload validates it (same checks,
    same messages); None, with every problem on standard error, when any record is invalid,
    because pooling the valid rest would silently change what the user asked to pool."""
    from celltx import load, upload

    p = Path(path)
    if not p.is_file():
        what = "a folder" if p.is_dir() else "no such file"
        print(
            f"{path}: {what}; --data takes one studies file in the upload layout (YAML or CSV)",
            file=sys.stderr,
        )
        return None
    parsed = upload.parse_upload(p.read_bytes(), p.name)
    for problem in parsed.problems:
        print(problem, file=sys.stderr)
    errors = [x for x in parsed.problems if x.severity == "error"]
    if errors:
        print(f"{len(errors)} invalid record(s) in {p.name}; nothing pooled", file=sys.stderr)
        return None
    if not parsed.studies:
        print(f"{p.name}: no study records", file=sys.stderr)
        return None
    return load.outcomes_frame(parsed.studies, user_data=True)


def cmd_pool(args: argparse.Namespace) -> int:
    """Pooled table, or with --leave-one-out / --subgroup-test those tables (column contracts in
    celltx.stats: POOL_COLUMNS, LEAVE_ONE_OUT_COLUMNS, SUBGROUP_COLUMNS)."""
    from celltx import filters, stats
    from celltx.export import to_csv

    user = args.data is not None
    if user:
        outcomes = _user_outcomes(args.data)
        if outcomes is None:
            return 1
    else:
        outcomes = _dataset(None).outcomes()
    by = BY_COLUMNS.get(args.by, args.by)
    try:
        f = disease_filters(args)
        outcomes = filters.apply(outcomes, f)
        table = stats.pool(
            outcomes, args.endpoint, by=by, scope=args.scope, user=user, pool_broader=f.pool_broader
        )
        if table.empty:
            print(f"error: no values for endpoint {args.endpoint!r}", file=sys.stderr)
            return 1
        if f.pool_broader:
            from celltx import figures

            table = figures.with_broader_included(table, outcomes)
        if args.leave_one_out:
            out = stats.leave_one_out_table(
                outcomes, args.endpoint, by=by, scope=args.scope, user=user, pool_broader=f.pool_broader
            )
            if out.empty:
                print(
                    f"note: no group has {stats.MIN_LEAVE_ONE_OUT} or more studies to leave one out",
                    file=sys.stderr,
                )
            sys.stdout.write(to_csv(out, stats.LEAVE_ONE_OUT_COLUMNS))
            return 0
        if args.subgroup_test:
            out = stats.subgroup_tests(table, args.endpoint)
            if stats.tested(out).empty:
                print("note: fewer than two groups with a pooled estimate to compare", file=sys.stderr)
            sys.stdout.write(to_csv(out, stats.SUBGROUP_COLUMNS))
            return 0
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cols = [*stats.POOL_COLUMNS, "excluded_reasons"] if args.reasons else list(stats.POOL_COLUMNS)
    if f.pool_broader:
        cols.append("broader_included")
    sys.stdout.write(to_csv(table, cols))
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    from celltx import bundle  # kaleido and chromium are only needed here

    return bundle.main(args)


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from celltx import upload

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "study-file.schema.json"
    path.write_text(json.dumps(upload.json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    path = out / "disease-file.schema.json"
    path.write_text(
        json.dumps(upload.disease_json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {path}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """Run the dashboard through Streamlit's own command line, in this process, with the app's
    imports and first uses warmed in a background thread while the server starts (``warmup``)."""
    from celltx import serve, warmup

    try:
        argv = serve.streamlit_argv(args.port, args.streamlit_options)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from streamlit.web import cli as streamlit_cli

    warmup.start()
    sys.argv = argv
    return streamlit_cli.main()  # click: exits with Streamlit's status


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="celltx", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="validate a data folder or file; exit 1 on any problem")
    v.add_argument("path", nargs="?", help="folder or YAML file (default: data/)")
    v.set_defaults(func=cmd_validate)

    e = sub.add_parser("export", help="CSV to standard output, one row per value or study")
    e.add_argument("table", choices=["outcomes", "studies"])
    e.add_argument("--data", help="data folder or file (default: data/)")
    e.add_argument(
        "--all-columns",
        action="store_true",
        help="every column of the tidy frame, not only the contract columns",
    )
    _add_disease_options(e)
    e.set_defaults(func=cmd_export)

    p = sub.add_parser("pool", help="random-effects pooled proportion per subgroup, as CSV")
    p.add_argument("--endpoint", required=True, help="e.g. CR, CR/CRi, OR, CRS")
    p.add_argument("--by", default="target", help=f"one of {', '.join(BY_COLUMNS)} or a column")
    p.add_argument("--scope", help="only this scope (e.g. any, severe, grade>=3 for CRS)")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="pool your own studies file (the Data page's upload layout, YAML or CSV) instead of "
        "the curated data; never pooled together with it",
    )
    p.add_argument("--reasons", action="store_true", help="add why each record was excluded")
    _add_disease_options(p, pool=True)
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--leave-one-out",
        action="store_true",
        help="each group of 3+ studies pooled without each study in turn",
    )
    what.add_argument(
        "--subgroup-test",
        action="store_true",
        help="random-effects test for differences between the groups of one stratum",
    )
    p.set_defaults(func=cmd_pool)

    s = sub.add_parser("schema", help="write the JSON Schemas of a study file and the disease file")
    s.add_argument("--out", default=str(paths.DATA_DIR / "schema"), help="folder (default: data/schema)")
    s.set_defaults(func=cmd_schema)

    f = sub.add_parser("figures", help="write every dashboard figure to a folder")
    f.add_argument("--out", required=True, help="output folder")
    f.add_argument(
        "--format",
        choices=["png", "svg", "pdf", "pptx"],
        default="png",
        help="one file per figure, or pptx: one slide deck (as the app's 'Download slides')",
    )
    f.add_argument(
        "--base-url",
        default="http://localhost:8501",
        help="the app's address, for the 'reopen this view' links in a deck's notes",
    )
    _add_disease_options(f, pool=True)
    f.add_argument("--presentation", action="store_true", help="presentation theme (16:9, large)")
    f.add_argument("--dark", action="store_true", help="dark slide background (with --presentation)")
    f.add_argument("--data", help="data folder or file (default: data/)")
    f.add_argument(
        "--leave-one-out",
        action="store_true",
        help="also write each pooled figure's leave-one-out table (CSV, listed in the index)",
    )
    f.set_defaults(func=cmd_figures)

    a = sub.add_parser(
        "app",
        help="run the dashboard (streamlit run app.py); further options go to Streamlit",
        description="Run the dashboard on http://localhost:PORT. Options after the port are passed to "
        "'streamlit run', e.g. celltx app --port 8600 --server.address 127.0.0.1",
    )
    a.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    a.set_defaults(func=cmd_app)
    return ap


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.streamlit_options = rest
    if args.command == "app":
        return cmd_app(args)
    from celltx.problems import DataError

    if not logging.getLogger().handlers:
        # libraries (kaleido's browser watchdog, ours) log warnings with tracebacks; a command
        # says what went wrong in one line on its own, so their records are not printed
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        return args.func(args)
    except DataError as e:
        print(e, file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as e:  # the file system said no: one line, not a traceback
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
