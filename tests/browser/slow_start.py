"""``celltx app`` whose start-up warm-up finishes HOLD seconds later than it would: a browser that
opens the page at once then surely finds its first run waiting (tests/browser/test_start.py).
Takes ``streamlit run``'s arguments, as ``celltx.serve.Server``'s ``launcher`` does."""

from __future__ import annotations

import sys
import time

from streamlit.web import cli

from celltx import warmup

HOLD = 4.0
_first_page = warmup._first_page


def _held() -> None:
    time.sleep(HOLD)
    _first_page()


if __name__ == "__main__":
    warmup._first_page = _held
    warmup.start()
    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
