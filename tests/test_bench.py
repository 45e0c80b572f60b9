"""The benchmark runs end to end on its tiny setting and writes a complete report.

Never a timing: the figures on a shared CI machine mean nothing, so only the report's shape is
checked (sections, rows, the machine and the command). Needs Debian's Chromium like the browser
tests; skipped without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from celltx import serve

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not serve.chromium_found(), reason=serve.CHROMIUM_MISSING),
]


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "benchmarks.md"
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--tiny", "--out", str(out), "--workdir", str(tmp / "work")],
        cwd=ROOT,
        # this checkout's celltx, as `make setup`'s editable install gives it (a venv shared by
        # several checkouts has none installed)
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert not list((ROOT / "data").glob("synthetic*")), "synthetic data must never land in data/"
    return out.read_text(encoding="utf-8")


def test_report_has_every_section(tiny_report):
    for heading in (
        "# Benchmarks",
        "## Machine",
        "## celltx against the minimal app",
        "## Scale: SYNTHETIC studies",
        "## Load: 2 sessions at once",
        "## Slide deck: every figure",
        "## Targets",
    ):
        assert heading in tiny_report
    assert "bench/run.py --tiny" in tiny_report
    for field in ("| CPU |", "| Memory |", "| OS |", "| Python |", "| Packages |"):
        assert field in tiny_report


def test_report_has_every_row_with_a_value(tiny_report):
    rows = {line.split("|")[1].strip(): line for line in tiny_report.splitlines() if line.startswith("| ")}
    for label in (
        "Server start → first chart drawn",
        "Filter change (Enter) → chart redrawn",
        "Page switch (click) → chart drawn",
        "Peak server memory (RSS, process tree)",
        "curated (`data/`)",
        "SYNTHETIC 40",
        "1",
        "2",
    ):
        assert label in rows, label
        assert "—" not in rows[label].split("|")[2], f"no measurement in row {label!r}"
    targets = [line for line in tiny_report.splitlines() if line.startswith("| First chart within")]
    assert targets and ("**met**" in targets[0] or "**missed**" in targets[0])


def test_report_times_the_deck_in_both_themes(tiny_report):
    rows = {
        line.split("|")[1].strip(): line.split("|")
        for line in tiny_report.splitlines()
        if line.startswith("| ")
    }
    for theme in ("default", "presentation"):
        cells = [c.strip() for c in rows[theme]]
        assert int(cells[2]) >= 5, f"{theme}: the deck should hold every figure with data"
        assert cells[3].endswith(" s") and cells[6].endswith(" s"), cells  # wall and CPU measured
        assert cells[7] == "0", f"{theme} deck errors: {cells}"
    (target,) = [
        line for line in tiny_report.splitlines() if line.startswith("| Deck of every figure under 10 s")
    ]
    assert "**met**" in target or "**missed**" in target
    assert "kaleido start" in target


def test_every_step_ran_without_errors(tiny_report):
    assert "Errors: celltx 0, minimal 0." in tiny_report
    assert "Errors at scale: 0." in tiny_report


def test_synthetic_data_at_benchmark_scale_validates(tmp_path):
    # 40 studies (the tiny run) rarely draw a rare combination; 1,000 did ('mixed' listed with a
    # second disease), and the scale runs showed the data-problems banner
    made = subprocess.run(
        [sys.executable, "bench/synth.py", str(tmp_path), "--studies", "1000"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    env = {**os.environ, "CELLTX_SEEDS": str(tmp_path / "seeds")}
    check = subprocess.run(
        [sys.executable, "-m", "celltx", "validate", str(tmp_path / "data")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, (check.stdout + check.stderr)[-2000:]
