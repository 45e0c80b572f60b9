"""celltx.warmup: what a fresh server does beside its first page, and when it does the rest."""

from __future__ import annotations

import functools
import sys
import threading
import time
import types

import pytest

from celltx import warmup


@pytest.fixture
def fresh(monkeypatch):
    """The module's state as in a new server, fast clocks, and imports recorded instead of done."""
    done: list[tuple[float, tuple[str, ...]]] = []
    monkeypatch.setattr(warmup, "_import", lambda names: done.append((time.monotonic(), names)) or True)
    monkeypatch.setattr(warmup, "_freeze", lambda: None)
    monkeypatch.setattr(warmup, "_page_steps", lambda: iter(()))  # tested on its own below
    # the loading chart needs a script run (tests/app/test_loading_chart.py); here only the wait
    monkeypatch.setattr(warmup, "_wait_for_warm_up", lambda: warmup._warmed.wait(warmup.WARM_WAIT))
    monkeypatch.setattr(warmup, "_running", 0)
    monkeypatch.setattr(warmup, "_last_run_end", 0.0)
    monkeypatch.setattr(warmup, "_first_page_drawn", False)
    monkeypatch.setattr(warmup, "_later_started", False)
    monkeypatch.setattr(warmup, "_preloading", True)  # script_run starts no thread of its own
    monkeypatch.setattr(warmup, "_started", time.monotonic())
    monkeypatch.setattr(warmup, "IDLE", 0.3)
    monkeypatch.setattr(warmup, "POLL", 0.02)
    monkeypatch.setattr(warmup, "FIRST_PAGE_TIMEOUT", 30.0)
    warmed = threading.Event()
    warmed.set()  # the start-up work is done unless a test says otherwise
    monkeypatch.setattr(warmup, "_warmed", warmed)
    return done


def test_later_imports_wait_for_the_first_page_and_then_a_quiet_server(fresh):
    t = threading.Thread(target=warmup.later, daemon=True)
    t.start()
    time.sleep(0.5)
    assert fresh == []  # no page drawn yet
    with warmup.script_run():
        time.sleep(0.5)
        assert fresh == []  # the first page is running
    ended = time.monotonic()
    with warmup.script_run():  # a user acts at once: still busy
        time.sleep(0.1)
    assert fresh == []
    last_end = time.monotonic()
    t.join(10)
    assert not t.is_alive()
    assert [names for _, names in fresh] == [(name,) for name in warmup.LATER]  # one step each
    assert fresh[0][0] - last_end >= warmup.IDLE > 0 and last_end > ended


def test_later_runs_once(fresh):
    warmup.FIRST_PAGE_TIMEOUT = 0.0  # the fixture restores it
    warmup.later()
    warmup.later()
    assert [names for _, names in fresh] == [(name,) for name in warmup.LATER]


def test_a_run_that_raises_still_counts_as_ended(fresh):
    # Streamlit ends interrupted runs with exceptions (rerun, stop, switch_page)
    with pytest.raises(RuntimeError), warmup.script_run():
        raise RuntimeError("rerun")
    assert warmup._running == 0 and warmup._first_page_drawn


def test_a_first_run_during_the_start_up_work_waits_for_it(fresh):
    # it would otherwise do the same uncached work beside it (twice the memory at 10,000 studies)
    warmup._warmed.clear()
    entered = threading.Event()

    def run():
        with warmup.script_run():
            entered.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert not entered.wait(0.5)  # still warming up
    warmup._warmed.set()
    assert entered.wait(10)
    t.join(10)
    assert warmup._running == 0


class _Runtime:
    """A stand-in for ``streamlit.runtime``: polled ``states`` one by one (None: no runtime yet,
    "INITIAL": created, not listening), then the last state for ever."""

    def __init__(self, *states):
        self.states = list(states)
        self.polls = 0

    def _now(self):
        self.polls += 1
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def exists(self):
        self._state = self._now()
        return self._state is not None

    def get_instance(self):
        return types.SimpleNamespace(state=types.SimpleNamespace(name=self._state))


def test_the_warm_up_starts_once_the_server_listens(monkeypatch):
    # started beside Streamlit's own start it delayed the server's first answer by 0.45 s
    rt = _Runtime(None, None, "INITIAL", "INITIAL", "NO_SESSIONS_CONNECTED")
    monkeypatch.setitem(sys.modules, "streamlit.runtime", rt)
    monkeypatch.setattr(warmup, "SERVER_POLL", 0.001)
    warmup._wait_for_server()
    assert rt.polls == 5


def test_the_warm_up_does_not_wait_for_ever_for_a_server(monkeypatch):
    rt = _Runtime("INITIAL")
    monkeypatch.setitem(sys.modules, "streamlit.runtime", rt)
    monkeypatch.setattr(warmup, "SERVER_POLL", 0.001)
    monkeypatch.setattr(warmup, "SERVER_WAIT", 0.05)
    warmup._wait_for_server()
    assert rt.polls > 1  # polled, then gave up (the test would hang otherwise)


def test_the_start_up_thread_waits_for_the_server_before_its_imports(monkeypatch):
    calls = []
    monkeypatch.setattr(warmup, "_wait_for_server", lambda: calls.append("wait"))
    monkeypatch.setattr(warmup, "_import", lambda names: calls.append(names) and False)
    monkeypatch.setattr(warmup, "_freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(warmup, "later", lambda: calls.append("later"))
    monkeypatch.setattr(warmup, "_probe_export", lambda: None)
    monkeypatch.setattr(warmup, "_warmed", threading.Event())
    warmup.preload()
    assert calls == ["wait", warmup.FIRST, "freeze", "later"] and warmup._warmed.is_set()


def test_celltx_app_skips_streamlits_repl_check(monkeypatch):
    # Streamlit's first element ran inspect.stack() over every loaded module (0.35 s in a first run)
    from streamlit import delta_generator, env_util

    assert hasattr(delta_generator, "_use_warning_has_been_displayed"), "Streamlit renamed its flag"
    asked: list[bool] = []
    monkeypatch.setattr(env_util, "is_repl", lambda: asked.append(True) or False)
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    delta_generator._maybe_print_use_warning()
    assert asked == [True]  # what a first element costs without the skip
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    warmup._skip_repl_check()
    delta_generator._maybe_print_use_warning()
    assert asked == [True]  # not asked again


def test_each_later_step_waits_for_a_quiet_server(fresh, monkeypatch):
    # a user who acts during a step gets the interpreter after it; the next step waits IDLE after them
    done: list[tuple[float, int]] = []
    in_step, acting = threading.Event(), threading.Event()

    def step(i: int) -> None:
        done.append((time.monotonic(), i))
        if i == 0:
            in_step.set()
            assert acting.wait(10)  # the user's run starts while this step runs

    monkeypatch.setattr(warmup, "_later_steps", lambda: (functools.partial(step, i) for i in range(2)))
    with warmup.script_run():  # the first page
        pass
    t = threading.Thread(target=warmup.later, daemon=True)
    t.start()
    assert in_step.wait(10)
    with warmup.script_run():
        acting.set()
        time.sleep(0.2)
    ended = time.monotonic()
    t.join(10)
    assert not t.is_alive()
    assert [i for _, i in done] == [0, 1]
    assert done[1][0] - ended >= warmup.IDLE


def test_a_failure_listing_the_later_steps_is_logged_not_raised(fresh, monkeypatch, caplog):
    # e.g. the data folder broke after start-up: listing the pages' figures reads it
    def steps():
        yield lambda: None
        raise RuntimeError("data folder gone")

    monkeypatch.setattr(warmup, "_later_steps", steps)
    warmup.FIRST_PAGE_TIMEOUT = 0.0  # no first page will come; the fixture restores it
    warmup.IDLE = 0.0
    with caplog.at_level("DEBUG", logger=warmup.__name__):
        warmup.later()  # returns instead of raising in the warm-up thread
    assert "later step failed" in caplog.text


def test_other_pages_figures_are_built_ahead_for_a_small_data_folder(monkeypatch):
    from celltx import figures, pages, ui

    built: list[str] = []
    monkeypatch.setattr(ui, "warm_figures", lambda names: built.extend(names))
    monkeypatch.setattr(ui, "frames", lambda: types.SimpleNamespace(studies=range(warmup.WARM_PAGES_UP_TO)))
    for step in warmup._page_steps():
        step()
    default = next(p for p in pages.PAGES if p.default)
    expected = [r.name for p in pages.PAGES if p is not default for r in figures.on_page(p.key)]
    assert built == [n for n in expected if not figures.BY_NAME[n].needs_upload]
    assert "cart_response_by_target" in built and "own_studies_pooled" not in built
    assert not set(built) & {r.name for r in figures.on_page(default.key)}  # built at start already

    built.clear()
    too_many = types.SimpleNamespace(studies=range(warmup.WARM_PAGES_UP_TO + 1))
    monkeypatch.setattr(ui, "frames", lambda: too_many)
    assert list(warmup._page_steps()) == [] and built == []  # large data: built when asked (memory)


def test_a_run_that_imported_a_library_collects_and_freezes_at_its_end(fresh, monkeypatch):
    # statsmodels imported by a first visit to CAR-T response: later runs' collections skip it
    frozen: list[int] = []
    monkeypatch.setattr(warmup, "_in_server", lambda: True)
    monkeypatch.setattr(warmup, "_collect_and_freeze", lambda: frozen.append(warmup._running))
    with warmup.script_run():  # imports nothing
        pass
    assert frozen == []
    with warmup.script_run():  # imports a library's worth of modules
        for i in range(warmup.IMPORTED_TO_FREEZE):
            monkeypatch.setitem(sys.modules, f"_celltx_test_module_{i}", types.ModuleType("m"))
    assert frozen == [1]  # once, inside the run (the warm-up's later steps wait for it)
