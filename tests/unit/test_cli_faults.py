"""CLI faults (issue 12): file-system and export failures are one line on standard error and a
non-zero exit, never a traceback or a hang. Processes run with a timeout as a hang guard; how fast
they finish is not asserted."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from celltx import bundle, cli, export_image, load
from tests.conftest import VALID

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
HANG_GUARD = 180  # seconds; a hang, not slowness, fails the test


def celltx(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "celltx", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        check=False,
    )


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    return "\n".join(lines)


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "good.yaml").write_text(VALID)
    return tmp_path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (
            lambda d: (d / "loop.yaml").symlink_to(d / "loop.yaml"),
            "loop.yaml: is a link that leads to no file",
        ),
        (
            lambda d: (d / "gone.yaml").symlink_to(d / "missing.yaml"),
            "gone.yaml: is a link that leads to no file",
        ),
        (lambda d: (d / "x.yaml").mkdir(), "x.yaml: is a folder, not a YAML file"),
        (lambda d: os.mkfifo(d / "pipe.yaml"), "pipe.yaml: is not a regular file"),
    ],
    ids=["symlink-loop", "dangling-link", "folder-named-yaml", "fifo"],
)
def test_validate_reports_an_unreadable_entry_and_exits_1(folder, make, fragment):
    make(folder)
    done = celltx("validate", str(folder))
    assert done.returncode == 1
    err = one_line_error(done.stderr)
    assert fragment in err, err
    assert "1 problem(s): 1 error(s)" in err


def test_validate_reports_a_file_it_may_not_read(folder, monkeypatch, capsys):
    # running as root, chmod 000 does not stop a read: the refusal is simulated
    (folder / "secret.yaml").write_text(VALID)
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert cli.main(["validate", str(folder)]) == 1
    err = one_line_error(capsys.readouterr().err)
    assert "secret.yaml: cannot be read: Permission denied" in err


def test_validate_on_60_kb_of_brackets_exits_1_not_sigsegv(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_bytes(b"[" * 30_000 + b"]" * 30_000)
    done = celltx("validate", str(path))
    assert done.returncode == 1, done.returncode  # was -11 (SIGSEGV)
    assert "deep.yaml:1: nesting deeper than 20 levels" in one_line_error(done.stderr)


def _anchored_outcomes(path: Path) -> Path:
    """17 KB: one outcome, 2,000 aliases to it, 500 records merging a record holding them."""
    outcome = "{endpoint: CR, value_pct: 50}"
    text = f"o: &o {outcome}\nL: &L [" + ", ".join(["*o"] * 2000) + "]\n"
    text += "R: &R {study: s, modality: NK, disease: [AML], disease_text: AML, "
    text += "source: {file: f, location: other}, quote: q, outcomes: *L}\nrecords:\n"
    text += "".join(f"  - {{<<: *R, id: r{i}}}\n" for i in range(500))
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("alias_bomb_notes.yaml", "anchor &a0 is on a list or mapping; only a single value may be anchored"),
        ("alias_bomb_id.yaml", "anchor &a0 is on a list or mapping; only a single value may be anchored"),
        ("anchors.yaml", "anchor &o is on a list or mapping; only a single value may be anchored"),
        ("deep_notes.yaml", "nesting deeper than 20 levels"),
    ],
)
def test_validate_on_hostile_files_exits_1_with_a_message(tmp_path, name, fragment):
    path = _anchored_outcomes(tmp_path / name) if name == "anchors.yaml" else BAD / name
    done = celltx("validate", str(path))
    assert done.returncode == 1
    err = one_line_error(done.stderr)
    assert f"{name}:" in err and fragment in err, err


def test_figures_out_an_existing_file(tmp_path):
    target = tmp_path / "taken.png"
    target.write_bytes(b"x")
    done = celltx("figures", "--out", str(target), "--format", "svg")
    assert done.returncode == 2
    assert f"error: --out {target} is a file" in one_line_error(done.stderr)


@pytest.mark.parametrize(
    ("code", "text"), [(errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only file system")]
)
def test_figures_out_a_folder_it_cannot_write_fails_before_rendering(
    tmp_path, monkeypatch, capsys, code, text
):
    # a read-only folder or file system, simulated (root ignores chmod; mounting needs privileges)
    def refuse(self, data):
        raise OSError(code, text, str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    started = []
    monkeypatch.setattr(export_image, "start_server", lambda: started.append(1))
    ds = load.load_dataset()
    with pytest.raises(ValueError, match=f"cannot write to {tmp_path / 'out'}: {text}"):
        bundle.write_bundle(ds, tmp_path / "out", "svg", progress=False)
    assert not started, "nothing was rendered"
    # and the command says it in one line with a non-zero exit
    capsys.readouterr()
    assert cli.main(["figures", "--out", str(tmp_path / "out"), "--format", "svg"]) == 2
    err = one_line_error(capsys.readouterr().err)
    assert err == f"error: cannot write to {tmp_path / 'out'}: {text}", err
    assert not started


def _fake_chromium(tmp_path: Path, answers_version: bool) -> dict:
    script = tmp_path / "bin" / "chromium"
    script.parent.mkdir()
    version = 'if [ "$1" = --version ]; then echo "Chromium 1.0"; exit 0; fi\n' if answers_version else ""
    script.write_text(f"#!/bin/sh\n{version}exit 1\n")
    script.chmod(0o755)
    return {"PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize("answers_version", [False, True], ids=["exits-at-once", "exits-when-started"])
def test_figures_with_a_chromium_that_exits_at_once_is_an_error_not_a_hang(tmp_path, answers_version):
    env = _fake_chromium(tmp_path, answers_version)
    done = celltx("figures", "--out", str(tmp_path / "out"), "--format", "svg", env=env)
    assert done.returncode == 2
    err = one_line_error(done.stderr)
    assert err.startswith("error: ") and "Chromium" in err and len(err.splitlines()) == 1, err
