"""AppTest helpers: run a page through the real frame (app.py) with a clean cache."""

from __future__ import annotations

import json
from pathlib import Path

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
