"""Shared fixtures: a small valid study file and helpers to write variants of it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SEED = "004_446006b2dc687136.txt"

VALID = textwrap.dedent(f"""\
    kind: studies
    title: Test studies
    records:
      - id: cart-maude-2014
        study: Maude et al. 2014
        year: 2014
        modality: CAR-T
        disease: [B-ALL]
        disease_text: R/R B-ALL
        target: [CD19]
        dose: {{low: 0.76, high: 20.6, unit: 1e6/kg}}
        n: 30
        source: {{file: {SEED}, location: Table 1}}
        quote: "Maude et al. 2014 R/R B-ALL CD19 0.76–20.6 30 CR 90%"
        outcomes:
          - {{endpoint: CR, value_pct: 90}}
          - {{endpoint: EFS, time_months: 6, value_pct: 67}}
          - {{endpoint: CRS, scope: severe, value_pct: 27}}
      - id: cart-cd22-ref16
        study: CD22 CAR-T cohort (ref 16)
        modality: CAR-T
        disease: [B-ALL]
        disease_text: B-ALL
        target: [CD22]
        source: {{file: {SEED}, location: text, ref: 16}}
        quote: "CR rates of 73% (11/15) among patients who received ≥ 1 × 106 CD22-CAR-T cells/kg16"
        outcomes:
          - {{endpoint: CR, arm: ">= 1e6/kg", n: 15, events: 11, value_pct: 73}}
    """)


@pytest.fixture
def seeds_dir() -> Path:
    from celltx.load import seeds_dir as find

    found = find()
    if found is None:
        pytest.skip("source documents not found: set CELLTX_SEEDS or place shared/seeds beside the repo")
    return found


@pytest.fixture
def write(tmp_path):
    """write(text, name='studies.yaml') -> path of a data folder holding that file."""

    def _write(text: str, name: str = "studies.yaml") -> Path:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return tmp_path

    return _write
