"""celltx is an installable package with a `celltx` command; `celltx app` serves the dashboard.

`pip install .` itself is not run here (it needs the network for the build backend); these tests
check what it installs: the declared console entry point, the packages found, and that the command
works, including `celltx app` starting a real server.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest

from celltx import cli, serve

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SUBCOMMANDS = ("validate", "export", "pool", "schema", "figures", "app")


def test_the_console_command_is_declared_and_is_the_cli(capsys):
    target = PYPROJECT["project"]["scripts"]["celltx"]
    module, _, func = target.partition(":")
    entry = getattr(importlib.import_module(module), func)
    assert entry is cli.main
    with pytest.raises(SystemExit) as exc:
        entry(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: celltx")
    for sub in SUBCOMMANDS:
        assert sub in out


def test_the_package_is_celltx_and_all_its_subpackages():
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["celltx", "celltx.*"]
    # setuptools only finds folders with an __init__.py: a sub-package without one would be missing
    # from the installed package while every test in the checkout still passed
    for folder in (ROOT / "celltx").rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
            assert (folder / "__init__.py").is_file(), folder
    deps = PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"]["file"]
    assert deps == ["requirements.txt"]


def test_the_command_runs_as_a_module_and_rejects_unknown_options():
    run = subprocess.run(
        [sys.executable, "-m", "celltx", "validate", "--no-such-option"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "unrecognized arguments: --no-such-option" in run.stderr


def test_celltx_app_parses_its_options_without_loading_the_data_stack():
    # `celltx app` starts Streamlit at once and warms the app's imports in a background thread
    # (celltx.warmup); nothing heavy is imported before Streamlit's command line takes over
    code = (
        "import sys; from celltx import cli, serve; a = cli.build_parser().parse_known_args(['app', "
        "'--port', '8600', '--server.address', '127.0.0.1']); argv = serve.streamlit_argv(a[0].port, a[1]); "
        "print(sorted(m for m in ('pandas', 'pydantic', 'yaml', 'celltx.load') if m in sys.modules)); "
        "print(argv[:2], argv[2].endswith('app.py'), argv[3:])"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "[]",
        "['streamlit', 'run'] True ['--server.port', '8600', '--server.headless', 'true', "
        "'--server.address', '127.0.0.1']",
    ]


def test_warm_up_imports_what_the_first_pages_need_and_freezes_the_heap():
    # FIRST before the first page, LATER after it (here at once: no first page will come)
    code = (
        "import gc, sys, threading; from celltx import warmup; warmup.FIRST_PAGE_TIMEOUT = 0; "
        "gc.collect(); before = gc.get_freeze_count(); warmup.start(); "
        "[t.join() for t in threading.enumerate() if t.name == 'celltx-preload']; "
        "print(all(m in sys.modules for m in warmup.FIRST + warmup.LATER), 'celltx.figures' in sys.modules, "
        "gc.get_freeze_count() > before + 100000)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "True"]
    assert "missing ScriptRunContext" not in run.stderr


def test_celltx_app_serves_the_dashboard():
    with serve.Server(timeout=90) as srv:
        assert srv.command(srv.port)[1:4] == ["-m", "celltx", "app"]
        with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=10) as r:  # noqa: S310
            assert r.status == 200
        with urllib.request.urlopen(srv.url, timeout=10) as r:  # noqa: S310
            assert b'<div id="root">' in r.read()
    assert srv.proc is not None and srv.proc.poll() is not None  # stopped
    assert srv.tracebacks() == 0, srv.output()


def test_nothing_edits_sys_path():
    # the package is installed (make setup) or imported from the checkout; no script patches the path
    for path in [*ROOT.glob("bench/*.py"), ROOT / "app.py", *ROOT.glob("views/*.py")]:
        assert "sys.path" not in path.read_text(encoding="utf-8"), path
    assert "pythonpath" not in PYPROJECT["tool"]["pytest"]["ini_options"]


def test_a_public_server_shows_no_tracebacks():
    # Streamlit 1.67 reads .streamlit/config.toml beside the entry script whatever the working
    # directory, so 'celltx app' started anywhere uses the checkout's copy
    config = tomllib.loads((serve.app_script().parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("type", "none")


def test_every_streamlit_setting_in_the_deploy_guide_exists_in_the_pinned_version():
    import re

    from streamlit import config

    config.get_config_options()
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:server|client|browser|global|logger|runner|theme)\.[A-Za-z]+)`", text))
    assert len(named) > 10, named
    assert not named - set(config._config_options), sorted(named - set(config._config_options))


def test_the_first_page_does_not_import_python_pptx():
    # the slides buttons are drawn before every page; python-pptx (0.25 s) is imported on click
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; at = AppTest.from_file('app.py', "
        "default_timeout=120); at.run(); print(len(at.exception), len(at.get('plotly_chart')), "
        "'pptx' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-3:] == ["0", "1", "False"]
