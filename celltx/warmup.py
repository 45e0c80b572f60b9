"""Work a fresh dashboard server does beside its first user's page instead of inside it.

``bench/run.py`` measured where celltx's first chart loses time against the minimal app
(docs/benchmarks.md): importing its stack, Plotly's first use of a template and its validators,
a Chromium probe for the SVG button, python-pptx for the slides button, statsmodels for the
pooling, and after every rerun Streamlit's full garbage collection (``runner.postScriptGC``)
walking the ~170,000 objects those imports leave (80-160 ms per rerun on this machine).

``celltx app`` runs :func:`preload` in a thread that starts work once Streamlit listens, while
the browser loads the page; a first script run that comes before it is done shows a loading chart,
which starts the browser's load of Plotly, and waits. A server started with ``streamlit run
app.py`` gets only the second half (:func:`later`) after its first script run. Apart from that
loading chart nothing here changes what a page shows: a failure is logged and left to the script
run, which does the same work itself and shows any error where the user sees it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

log = logging.getLogger(__name__)

# What the first page needs, in the order it needs it (the frame's module imports streamlit,
# pandas, plotly, pydantic, scipy and every celltx module a page uses) ...
FIRST = ("celltx.ui",)
# ... and what only later actions need: the CAR-T response page's pooling, the deck on click.
# Imported after the first page is drawn, so they do not compete with it for the interpreter.
LATER = ("statsmodels.stats.meta_analysis", "celltx.deck")
FIRST_PAGE_TIMEOUT = 60.0  # seconds after start to wait for a first page before the later steps


def _import(names: tuple[str, ...]) -> bool:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the script run imports it again and reports the error
            log.debug("warm-up import of %s failed", name, exc_info=True)
            return False
    return True


def _first_page() -> None:
    """Read and validate the data folder and build the default page's figures for a new session,
    into the server-wide caches the pages read (``st.cache_resource`` is shared by every session
    and works outside a script run; Streamlit's warning that this thread has no script run is
    silenced for it). Also the first sort of the studies (pandas' first use of pyarrow's string
    sort, 0.3 s), which every page does when it picks one record per study."""
    from celltx import figures, linked, pages, ui

    logging.getLogger(_NO_CONTEXT_LOGGER).addFilter(_not_ours)
    studies = ui.frames().studies
    linked.one_per_study(studies)
    # the default page's table: pandas' first grouped nunique and named aggregation (0.1-0.5 s)
    figures.disease_rollup(studies)
    default = next(p for p in pages.PAGES if p.default)
    ui.warm_figures([r.name for r in figures.on_page(default.key)])


_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"
_THREADS = ("celltx-preload", "celltx-later", "celltx-probe")


def _not_ours(record: logging.LogRecord) -> bool:
    """Drop Streamlit's 'missing ScriptRunContext' warning for this module's threads only."""
    return not (isinstance(record.args, tuple) and record.args[:1] and record.args[0] in _THREADS)


def _probe_export() -> None:
    """The SVG and slides buttons ask once whether Chromium runs (a subprocess, about 0.05 s of
    waiting): asked on a thread of its own, beside the imports, so nobody waits for it."""
    try:
        from celltx import export_image

        export_image.unavailable()
    except Exception:  # noqa: BLE001 - the buttons ask again and say why
        log.debug("export probe failed", exc_info=True)


def _freeze() -> None:
    """Move everything alive now (modules, the warmed caches) out of the garbage collector's view.

    Streamlit runs ``gc.collect()`` after every script run; it walked these long-lived objects
    each time for nothing. Objects frozen here are still freed by reference counting; only
    reference cycles among them outlive their use. Hence it runs only after imports: after the
    start-up work (no user data yet; the first page's figures), after the later imports, and after
    a script run that imported a library (:func:`_collect_and_freeze`); objects of sessions open
    at those moments are frozen too, small next to the ~170,000 the imports leave. Never after the
    other pages' figures, which the figure cache may evict. No ``gc.collect()`` first here: it
    found 73 garbage objects after the imports and none after the data load, and cost 70-100 ms
    in front of the first page (``gc.freeze`` itself is free)."""
    gc.freeze()


def _wait_for_server() -> None:
    """Wait until Streamlit's server accepts connections (at most SERVER_WAIT seconds).

    Started beside Streamlit's own start, the warm-up's imports shared the interpreter with it and
    put the server's first answer 0.45 s later (1.1 s instead of 0.6 s to the health endpoint on
    this machine); no browser can load the page before that. Started once the server listens, the
    warm-up runs while the browser loads Streamlit's front end, in another process on the other
    core. Polls without importing anything: Streamlit's own start imports the runtime."""
    deadline = time.monotonic() + SERVER_WAIT
    while time.monotonic() < deadline:
        runtime = sys.modules.get("streamlit.runtime")
        if runtime is not None and runtime.exists() and runtime.get_instance().state.name != "INITIAL":
            return
        time.sleep(SERVER_POLL)


SERVER_WAIT = 30.0
SERVER_POLL = 0.02


def _skip_repl_check() -> None:
    """Streamlit's first element in a process asks whether it runs in a Python REPL (to print a
    'use streamlit run' warning) by ``inspect.stack()``, which resolves the file of every loaded
    module. A stack sample caught it taking 0.35 s in a first run beside the warm-up's imports.
    Under ``celltx app`` Streamlit is a server by construction, so the warning's flag is set
    beforehand and the check never runs. The flag is Streamlit's internal: tests/unit/test_warmup.py
    fails if it goes away or stops skipping the check; without it the check costs time only."""
    from streamlit import delta_generator

    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


LOADING_KEY = "celltx_loading"
LOADING_TEXT = "Loading the dashboard…"


def _wait_for_warm_up() -> None:
    """Under ``celltx app``, every run reserves the main area's first place (an empty slot, which
    shows nothing); a run that starts before the warm-up has finished shows the loading chart
    there, waits, and empties it. Reserved in every run, not only the waiting one, so the page's
    elements keep their places from run to run and the browser does not redraw them all in the
    second run."""
    import streamlit as st

    slot = st.empty()
    if not _warmed.is_set():
        _loading_chart(slot)
        _warmed.wait(WARM_WAIT)
        slot.empty()


def _loading_chart(slot: DeltaGenerator) -> None:
    """Show a blank chart saying 'Loading the dashboard…' in ``slot``.

    Streamlit's browser code loads its Plotly component (4.7 MB, about 1 s of Chromium to fetch
    and evaluate) only when a first chart arrives. Sent at the start of the first run, that load
    overlaps the rest of the warm-up and the script run instead of following them: the first chart
    came 0.3-0.6 s sooner in paired runs (bench/findings.md). Built as Streamlit's own message
    without Plotly (Plotly's first figure costs 0.1-0.3 s, the warm-up's job). Its key tells the
    benchmark and the browser tests that it is not a chart of the page. A failure loses only the
    head start, so it is logged, not raised."""
    try:
        import json

        from streamlit.proto.PlotlyChart_pb2 import PlotlyChart
        from streamlit.runtime.state.common import GENERATED_ELEMENT_ID_PREFIX

        proto = PlotlyChart()
        proto.theme = "streamlit"
        proto.alt = LOADING_TEXT
        proto.config = json.dumps({"staticPlot": True, "displayModeBar": False})
        proto.spec = json.dumps(
            {
                "data": [],
                "layout": {
                    "height": 120,
                    "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                    "xaxis": {"visible": False},
                    "yaxis": {"visible": False},
                    "annotations": [
                        {
                            "text": LOADING_TEXT,
                            "showarrow": False,
                            "xref": "paper",
                            "yref": "paper",
                            "x": 0,
                            "xanchor": "left",
                            "y": 0.5,
                        }
                    ],
                },
            }
        )
        proto.id = f"{GENERATED_ELEMENT_ID_PREFIX}-{LOADING_KEY}-{LOADING_KEY}"
        slot._enqueue("plotly_chart", proto)
    except Exception:  # noqa: BLE001 - only speed is lost
        log.debug("loading chart not sent", exc_info=True)


def preload() -> None:
    """``celltx app``'s start-up thread: once the server listens, the first page's imports and
    first uses, then :func:`later` (which waits for a quiet moment after the first page)."""
    try:
        _wait_for_server()
        threading.Thread(target=_probe_export, name=_THREADS[2], daemon=True).start()
        if _import(FIRST):
            _first_page()
        _freeze()
    except Exception:  # noqa: BLE001 - left to the script run, see the module docstring
        log.debug("warm-up failed", exc_info=True)
    finally:
        _warmed.set()
    later()


# A script run that starts while the warm-up is still going waits for it instead of doing the same
# work beside it: the one record per study and the disease table are not cached, so both threads
# built them at once (at 10,000 studies twice the transient memory, and each slowed the other).
WARM_WAIT = 120.0  # seconds at most; then the run goes ahead and does the work itself
_warmed = threading.Event()


# LATER costs about 1 s of CPU (statsmodels pulls in scipy.stats), and an other page's figure up
# to 1-2 s when it is the first built (the CAR-T response forest). Done beside a script run they
# would slow that run by as much, so each step waits until the first page is drawn and then until
# no script has run for IDLE seconds: the moment a user spends reading. A user who acts first has
# the work done by the script that needs it, as without this module.
IDLE = 3.0
POLL = 0.25
# Other pages' figures are built ahead only for data folders up to this many studies: each kept
# figure holds its rows, and at 10,000 studies the server's memory is the limit (bench/findings.md).
WARM_PAGES_UP_TO = 2000

_state = threading.Condition()
_running = 0  # script runs in progress
_last_run_end = 0.0
_first_page_drawn = False
_later_started = False


def _later_steps() -> Iterator[Callable[[], object]]:
    """What later actions need, one step at a time: the CAR-T response page's pooling and the
    deck; then, under ``celltx app``, the other pages' figures (:func:`_page_steps`)."""
    for name in LATER:
        yield functools.partial(_import, (name,))
    yield _freeze  # the imports' objects out of the collector's view (see _freeze)
    if _preloading:
        yield from _page_steps()


def _page_steps() -> Iterator[Callable[[], object]]:
    """Every other page's figures as a new session first sees them (no options, no upload), one
    step per figure: a first visit to CAR-T response took 1-2 s, most of it its figure. Only for
    data up to WARM_PAGES_UP_TO studies."""
    from celltx import figures, pages, ui

    if len(ui.frames().studies) > WARM_PAGES_UP_TO:
        return
    for page in pages.PAGES:
        if not page.default:
            for recipe in figures.on_page(page.key):
                if not recipe.needs_upload:
                    yield functools.partial(ui.warm_figures, [recipe.name])


def _wait_until_quiet() -> None:
    """Until the first page is drawn (or, with no visitor, FIRST_PAGE_TIMEOUT after start), no
    script is running and none has run for IDLE seconds."""
    with _state:
        while True:
            now = time.monotonic()
            ready = _first_page_drawn or now - _started >= FIRST_PAGE_TIMEOUT
            if ready and _running == 0 and now - _last_run_end >= IDLE:
                return
            _state.wait(POLL if ready else FIRST_PAGE_TIMEOUT - (now - _started))


def later() -> None:
    """Do :func:`_later_steps` while the server is quiet, once per process. Working out the next
    step is part of it (listing the pages' figures reads the data folder), so it waits for quiet
    too and a failure there is logged like any step's."""
    global _later_started
    with _state:
        if _later_started:
            return
        _later_started = True
    steps = _later_steps()
    while True:
        _wait_until_quiet()
        try:
            step = next(steps, None)
            if step is None:
                return
            step()
        except Exception:  # noqa: BLE001 - the page that needs it does it again and shows any error
            log.debug("later step failed", exc_info=True)


@contextlib.contextmanager
def script_run() -> Iterator[None]:
    """app.py runs its whole script inside this: the warm-up knows when the server is busy, and
    the first run's end lets :func:`later` go on (or starts it when there is no start-up thread,
    i.e. under ``streamlit run``)."""
    global _running, _last_run_end, _first_page_drawn
    if _preloading:
        _wait_for_warm_up()
    with _state:
        _running += 1
    modules = len(sys.modules)
    try:
        yield
    finally:
        if len(sys.modules) - modules >= IMPORTED_TO_FREEZE and _in_server():
            _collect_and_freeze()
        with _state:
            _running -= 1
            _last_run_end = time.monotonic()
            first = not _first_page_drawn
            _first_page_drawn = True
            _state.notify_all()
        if first and not _preloading and _in_server():
            threading.Thread(target=later, name=_THREADS[1], daemon=True).start()


# A run that imported this many modules (statsmodels on a first visit to CAR-T response before the
# later steps did it, python-pptx on a first slides click) left long-lived objects that Streamlit's
# collection after every later run walked again, beside the browser drawing. Switching back to the
# Overview after such a visit: median 286 ms (next switch) and 248 ms (the one after) before,
# 214 and 200 ms with the freeze (5 fresh servers each, taking turns; bench/findings.md).
IMPORTED_TO_FREEZE = 100


def _collect_and_freeze() -> None:
    """Collect the run's garbage, then freeze what is left (see :func:`_freeze`). The collection
    is the one Streamlit runs after the script anyway; the freeze spares the later runs. What the
    run keeps is frozen with the modules (its cached figure among them: if the figure cache evicts
    it, its reference cycles stay; once per import, a few MB at most)."""
    gc.collect()
    _freeze()


def _in_server() -> bool:
    """False under AppTest or a bare run: no server whose later requests to speed up."""
    from streamlit import runtime

    return runtime.exists()


_preloading = False
_started = time.monotonic()


def start() -> None:
    """Start :func:`preload` in a daemon thread (``celltx app``, before Streamlit starts)."""
    global _preloading, _started
    _preloading, _started = True, time.monotonic()
    _skip_repl_check()
    threading.Thread(target=preload, name=_THREADS[0], daemon=True).start()
