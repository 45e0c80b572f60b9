"""The loading chart a fresh server's first run shows while the start-up warm-up finishes
(celltx.warmup): Streamlit's message as the browser gets it, and the reserved place it leaves."""

from __future__ import annotations

import json
import threading

from streamlit.testing.v1 import AppTest

from celltx import warmup


def _loading_only() -> None:
    import streamlit as st

    from celltx import warmup

    warmup._loading_chart(st.empty())
    st.title("the page")


def test_the_loading_chart_is_a_keyed_blank_plotly_chart_with_a_name():
    at = AppTest.from_function(_loading_only).run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "the loading chart was not sent (Streamlit's internals changed?)"
    proto = charts[0].proto
    assert proto.id.endswith("-" + warmup.LOADING_KEY)  # the browser's class: st-key-celltx_loading
    spec = json.loads(proto.spec)
    assert spec["data"] == []  # the benchmark and the tests count only charts with data
    assert [a["text"] for a in spec["layout"]["annotations"]] == [warmup.LOADING_TEXT]
    assert proto.alt == warmup.LOADING_TEXT
    assert json.loads(proto.config)["staticPlot"] is True
    assert at.main.children[0].type == "plotly_chart" and at.title[0].value == "the page"


def _frame() -> None:
    import streamlit as st

    from celltx import warmup

    with warmup.script_run():
        st.title("the page")


def test_a_run_waiting_for_the_warm_up_empties_its_loading_chart_and_keeps_the_page_in_place(monkeypatch):
    monkeypatch.setattr(warmup, "_preloading", True)  # as under `celltx app` (no later() thread)
    warmed = threading.Event()
    monkeypatch.setattr(warmup, "_warmed", warmed)
    sent: list[bool] = []
    original = warmup._loading_chart

    def loading_chart(slot):
        sent.append(True)
        original(slot)
        threading.Timer(0.3, warmed.set).start()  # the warm-up ends while the run waits

    monkeypatch.setattr(warmup, "_loading_chart", loading_chart)
    waiting = AppTest.from_function(_frame).run()
    done = AppTest.from_function(_frame).run()  # a run after the warm-up
    assert sent == [True]  # the first run showed it, the second did not
    for at in (waiting, done):
        assert not at.exception
        assert not at.get("plotly_chart")  # emptied before the page was drawn
        # the reserved first place, then the page: the same places in both runs
        assert [c.type for c in at.main.children.values()][:2] == ["empty", "title"]
