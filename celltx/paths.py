"""Where things are: the checkout, its data folder and the source documents.

Kept free of heavy imports (no pandas, no pydantic) because ``celltx app`` reads it before handing
over to Streamlit, and that start is timed by the benchmark.
"""

from __future__ import annotations

import os
from pathlib import Path

SEEDS_ENV = "CELLTX_SEEDS"


def _checkout() -> Path:
    """The celltx checkout (data/, app.py, views/): the folder holding the package in a source
    checkout or an editable install (``make setup``), else the working directory, for a plain
    ``pip install .`` used inside a checkout."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "data").is_dir() else Path.cwd()


ROOT = _checkout()
DATA_DIR = ROOT / "data"


def seeds_dir() -> Path | None:
    """The folder of source documents: $CELLTX_SEEDS, else ../shared/seeds beside the repo."""
    env = os.environ.get(SEEDS_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "seeds")
    for c in candidates:
        if c.is_dir():
            return c
    return None
