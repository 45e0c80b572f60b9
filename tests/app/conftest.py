"""AppTest helpers: run a page through the real frame (app.py) with a clean cache."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from celltx import pages

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture(autouse=True)
def clean_cache():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()  # the frame registers its pages (st.navigation) on the first run
    if not pages.BY_KEY[page].default:
        at.switch_page(pages.BY_KEY[page].file).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def record_ids(fig: dict) -> set[str]:
    """Record ids behind every drawn point (customdata[0]), pooled diamonds left out."""
    out = set()
    for trace in fig["data"]:
        for cd in trace.get("customdata") or []:
            if cd and not str(cd[0]).startswith("pooled:"):
                out.add(cd[0])
    return out


def n_points(fig: dict) -> int:
    return sum(len(t.get("x") or t.get("z") or []) for t in fig["data"])


def table_with(at: AppTest, *columns: str):
    """The first dataframe shown that has all these columns (dataframes have no widget key)."""
    for df in at.dataframe:
        value = df.value
        if all(c in value.columns for c in columns):
            return value
    raise AssertionError(f"no table with columns {columns}")


def _unescape(cell: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", cell.strip(" ")))


def markdown_table(at: AppTest, columns: dict[str, str]) -> pd.DataFrame:
    """The first Markdown table shown (ui.markdown_table) whose headers are ``columns``' headers,
    read back into a frame with the column names; numbers as numbers, '–' as missing."""
    for md in at.markdown:
        lines = [line for line in md.value.splitlines() if line.startswith("|")]
        if len(lines) < 2:
            continue
        rows = [[_unescape(c) for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]] for line in lines]
        if rows[0] != list(columns.values()):
            continue
        frame = pd.DataFrame(rows[2:], columns=list(columns))
        for c in frame.columns:
            if lines[1].split("|")[1 + list(columns).index(c)].endswith(":"):  # right-aligned: a number
                frame[c] = pd.to_numeric(frame[c].str.replace(",", "").replace("–", None))
        return frame
    raise AssertionError(f"no table with headers {list(columns.values())}")
