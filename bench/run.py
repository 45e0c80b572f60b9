"""celltx benchmark: real servers, headless Chromium, the figures a user feels.

    python bench/run.py                  # full run (about 15-20 minutes on 2 cores)
    python bench/run.py --tiny --out /tmp/bench.md   # end-to-end smoke setting (about a minute)

For each app (celltx on the curated data, started as ``python -m celltx app``, and
``bench/minimal_app.py`` under ``streamlit run``, the floor of the stack: one multiselect and one
Plotly chart) it starts a fresh server per run, drives Debian's Chromium through Playwright and
measures

* server start -> first chart drawn (from spawning the server until ``.js-plotly-plot .main-svg``
  exists and the plot's data is set),
* filter change -> chart redrawn (from the multiselect's Enter keypress until the chart's data
  signature changes; both timestamps are taken inside the page),
* page switch -> chart drawn (from the click on the sidebar link until a chart with new data),
* peak RSS of the server's process tree (psutil, sampled every 50 ms during the run),

then repeats the celltx figures on SYNTHETIC data sets (``bench/synth.py``, written to a work
folder, loaded through the same ``CELLTX_DATA`` path as any data folder), and runs a load test:
one Chromium with N browser contexts changing filters and pages at once against one server.
Last it writes the slide deck of every figure as a user does (``celltx figures --format pptx``
in a fresh process, default and presentation theme, wall and CPU time) and times the start of
the one kaleido Chromium the deck uses.
It writes a markdown report (tables with median and spread, ratios, targets, machine, command).
Timings are never asserted anywhere; ``tests/test_bench.py`` only runs ``--tiny`` end to end.

Chromium is Debian's (``/usr/bin/chromium`` or ``$CELLTX_CHROMIUM``); nothing is downloaded and
every server listens on 127.0.0.1 only. Servers and the browser launch come from ``celltx.serve``,
shared with ``celltx app`` and the browser tests; this folder holds the apps and their servers
(``servers.py``), the user's session (``session.py``), the scenarios (``scenarios.py``) and the
report (``reporting.py``). It imports the installed ``celltx`` (``make setup``); from a checkout
without it, ``PYTHONPATH=. python bench/run.py``.
"""

import argparse
import asyncio
import datetime as dt
import json
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import servers
import synth  # beside this script: Python imports from a script's own folder first
from reporting import report
from scenarios import (
    DECK_THEMES,
    DeckResult,
    LoadResult,
    RunResult,
    deck_run,
    kaleido_start,
    load_test,
    one_run,
)
from servers import DISEASES, ROOT, celltx_app, machine, minimal_app

from celltx import serve

# ---------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="celltx browser benchmark (see docs/benchmarks.md)")
    ap.add_argument("--runs", type=int, default=5, help="fresh-server runs per app on the curated data")
    ap.add_argument("--scale-runs", type=int, default=3, help="fresh-server runs per synthetic size")
    ap.add_argument("--sizes", default="1000,10000", help="synthetic study counts, comma separated")
    ap.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions in the load test")
    ap.add_argument("--load-seconds", type=float, default=45, help="how long each load phase runs")
    ap.add_argument("--filter-changes", type=int, default=4, help=f"per run, at most {len(DISEASES)}")
    ap.add_argument("--switches", type=int, default=2, help="page-switch round trips per run")
    ap.add_argument(
        "--deck-runs",
        type=int,
        default=3,
        help="runs per theme of `celltx figures --format pptx` (the deck of every figure); 0 skips",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--workdir", type=Path, help="synthetic data, logs, profiles (default: a temp folder)")
    ap.add_argument("--seed", type=int, default=1, help="synthetic data seed")
    ap.add_argument("--profile", action="store_true", help="also profile one celltx run per data set")
    ap.add_argument("--start-timeout", type=float, default=600, help="seconds to the first chart")
    ap.add_argument("--action-timeout", type=float, default=120, help="seconds per redraw")
    ap.add_argument(
        "--st-opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Streamlit option for every server, e.g. runner.postScriptGC=false (repeatable)",
    )
    ap.add_argument(
        "--tiny", action="store_true", help="quick end-to-end smoke setting (no meaningful timing)"
    )
    args = ap.parse_args(argv)
    if args.tiny:
        args.runs, args.scale_runs, args.sizes = 1, 1, "40"
        args.sessions, args.load_seconds, args.filter_changes, args.switches = 2, 3, 1, 1
        args.start_timeout, args.action_timeout = 120, 60
        args.deck_runs = min(args.deck_runs, 1)
    args.size_list = [int(x) for x in str(args.sizes).split(",") if x.strip()]
    args.filter_changes = max(1, min(args.filter_changes, len(DISEASES)))
    return args


async def main_async(args: argparse.Namespace, argv: list[str]) -> int:
    from playwright.async_api import async_playwright

    if not serve.chromium_found():
        print(serve.CHROMIUM_MISSING, file=sys.stderr)
        return 2
    started = time.perf_counter()
    servers.CPU = servers.CpuAccount()
    servers.CPU.start()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="celltx-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    print(f"work folder: {work}", flush=True)
    res: dict = {"runs": {}, "load": [], "profiles": {}, "synth_counts": {}}

    from celltx import load  # only for the curated counts; the servers load on their own

    ds = load.load_dataset(ROOT / "data", seeds=None)
    res["curated_counts"] = (len(ds.parsed.studies), sum(len(s.outcomes) for s in ds.parsed.studies))

    synth_specs = {}
    for n in args.size_list:
        w = synth.write(work / f"synthetic_{n}", n, args.seed)
        res["synth_counts"][str(n)] = (w.studies, w.values)
        synth_specs[n] = celltx_app(w.data, w.seeds)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**serve.chromium_launch_args())
        res["machine"] = machine(browser.version)
        # The minimal app and celltx take turns, run by run: this machine's speed drifts by a third
        # within minutes (the same deck took 5.9 and 7.2-8.0 s of user CPU an hour apart), and measured one
        # after the other the ratio measured the drift as well.
        pair = [("minimal", minimal_app()), ("celltx curated", celltx_app())]
        scale = [(f"celltx synthetic {n}", synth_specs[n]) for n in args.size_list]
        plan = [(key, spec, i, args.runs, args.switches) for i in range(args.runs) for key, spec in pair]
        plan += [(key, spec, i, args.scale_runs, 0) for key, spec in scale for i in range(args.scale_runs)]
        res["runs"] = {key: [] for key, _ in pair + scale}  # every app listed, even with 0 runs
        for key, spec, i, runs, switches in plan:
            r = await one_run(browser, spec, key, args, logs / f"{key.replace(' ', '_')}.log", switches)
            res["runs"][key].append(r)
            print(
                f"{key} run {i + 1}/{runs}: first chart {r.first_chart_s:.2f} s, filter "
                f"{[round(x) for x in r.filter_ms]} ms, switch {[round(x) for x in r.switch_ms]} ms, "
                f"peak {r.peak_rss_mb:.0f} MB, errors {r.errors}",
                flush=True,
            )
        if args.sessions > 0:
            print(f"load test: {args.sessions} sessions", flush=True)
            res["load"] = await load_test(browser, celltx_app(), args, logs / "load.log")
        for lr in res["load"]:
            print(f"  {lr.sessions} session(s): {len(lr.filter_ms)} filter redraws, errors {lr.errors[:3]}")
        if args.profile:
            targets = [("celltx curated", celltx_app())]
            if args.size_list:
                n = max(args.size_list)
                targets.append((f"celltx synthetic {n}", synth_specs[n]))
            for key, spec in targets:
                folder = work / "profiles" / key.replace(" ", "_")
                shutil.rmtree(folder, ignore_errors=True)
                r = await one_run(browser, spec, key, args, logs / "profile.log", args.switches, folder)
                print(f"profiled {key}: {folder} (errors {r.errors})", flush=True)
                res["profiles"][key] = str(folder)
        await browser.close()

    res["deck"], res["kaleido_start"] = [], []
    for i in range(args.deck_runs):  # the themes alternate, so a busy spell does not hit one only
        for theme in DECK_THEMES:
            d = deck_run(theme, work / "deck", args.start_timeout)
            res["deck"].append(d)
            print(
                f"deck {theme} run {i + 1}/{args.deck_runs}: {d.wall_s:.1f} s wall, {d.cpu_s:.1f} s CPU, "
                f"{d.figures} figures, errors {d.errors}",
                flush=True,
            )
        res["kaleido_start"].append(kaleido_start(args.start_timeout))

    res["background"] = servers.CPU.summary()
    res["date"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    res["total_s"] = time.perf_counter() - started
    res["sizes"] = args.size_list
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(res, args, argv), encoding="utf-8")
    raw = {
        **{k: v for k, v in res.items() if k not in ("runs", "load", "deck")},
        "runs": {k: [asdict(r) for r in v] for k, v in res["runs"].items()},
        "load": [asdict(x) for x in res["load"]],
        "deck": [asdict(x) for x in res["deck"]],
        "argv": argv,
    }
    (work / "results.json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    print(f"report: {args.out}; raw results: {work / 'results.json'}", flush=True)
    return 0


def rerender(results: Path, out: Path) -> int:
    """Write the report again from a run's results.json (same command, same figures)."""
    raw = json.loads(results.read_text(encoding="utf-8"))
    argv = raw["argv"]
    args = parse_args(argv)
    res = {
        **raw,
        "runs": {k: [RunResult(**r) for r in v] for k, v in raw["runs"].items()},
        "load": [LoadResult(**x) for x in raw["load"]],
        "deck": [DeckResult(**x) for x in raw.get("deck", [])],
        "kaleido_start": raw.get("kaleido_start", []),
        "curated_counts": tuple(raw["curated_counts"]),
        "synth_counts": {k: tuple(v) for k, v in raw["synth_counts"].items()},
    }
    out.write_text(report(res, args, argv), encoding="utf-8")
    print(f"report: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup: stop every server
    if argv[:1] == ["--rerender"]:  # python bench/run.py --rerender WORK/results.json [OUT]
        out = Path(argv[2]) if len(argv) > 2 else parse_args([]).out
        return rerender(Path(argv[1]), out)
    return asyncio.run(main_async(parse_args(argv), argv))


if __name__ == "__main__":
    sys.exit(main())
