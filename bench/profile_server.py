"""Run ``streamlit run APP ...`` with every script run profiled by pyinstrument.

Streamlit executes the app script in a ScriptRunner thread, which a whole-process profiler
started on the main thread does not see. This launcher wraps ``ScriptRunner._run_script`` (an
internal Streamlit method, fine for a benchmark tool) in a pyinstrument Profiler and writes one
text report per script run to ``$CELLTX_PROFILE_DIR/run_NNN_<seconds>s.txt``. ``bench/run.py
--profile`` starts the celltx server through it; by hand:

    CELLTX_PROFILE_DIR=/tmp/prof python bench/profile_server.py app.py --server.headless true
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from pathlib import Path

from pyinstrument import Profiler
from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

from celltx import serve, warmup

OUT = Path(os.environ.get("CELLTX_PROFILE_DIR", "profiles"))
SHOW_ALL = bool(os.environ.get("CELLTX_PROFILE_ALL"))  # also the frames of libraries
_counter = itertools.count(1)
_lock = threading.Lock()
_original = script_runner.ScriptRunner._run_script


def _profiled(self, rerun_data):  # noqa: ANN001 - Streamlit's internal signature
    profiler = Profiler(interval=0.001)
    start = time.perf_counter()
    profiler.start()
    try:
        return _original(self, rerun_data)
    finally:
        profiler.stop()
        took = time.perf_counter() - start
        with _lock:
            n = next(_counter)
        OUT.mkdir(parents=True, exist_ok=True)
        text = profiler.output_text(unicode=True, color=False, show_all=SHOW_ALL)
        page = getattr(rerun_data, "page_script_hash", "") or "default"
        header = f"script run {n}: {took:.3f} s (page {page[:8]})\n"
        (OUT / f"run_{n:03d}_{took:.2f}s.txt").write_text(header + text, encoding="utf-8")


script_runner.ScriptRunner._run_script = _profiled

if __name__ == "__main__":
    if sys.argv[1:] and Path(sys.argv[1]).resolve() == serve.app_script().resolve():
        warmup.start()  # what `celltx app` does before Streamlit starts (profiled: not its thread)
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
