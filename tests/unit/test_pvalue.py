"""celltx.pvalue: the printed P value's one wording (frames, exports, upload, figures), and no
other module writing its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from celltx import problems, pvalue

CELLTX = Path(pvalue.__file__).parent


@pytest.mark.parametrize(
    ("value", "op", "shown", "label"),
    [(0.03, "=", "0.03", "P = 0.03"), (0.001, "<", "<0.001", "P <0.001"), (0.05, ">", ">0.05", "P >0.05")],
)
def test_printed_form_reads_back_and_labels(value, op, shown, label):
    assert pvalue.printed(value, op) == shown
    assert pvalue.split(shown) == (op, shown.lstrip("<>"))
    assert pvalue.label(shown) == label


def test_no_p_value_is_none_and_blanks_are_dropped():
    assert pvalue.printed(None) is None
    assert pvalue.split(" < 0.01 ") == ("<", "0.01")
    assert pvalue.label("0.2", "overall") == "P = 0.2 (overall)"
    assert pvalue.label("0.2", None) == "P = 0.2"


def _strings() -> dict[str, list[str]]:
    """Each module's string literals and f-string pieces, docstrings left out (they may quote
    the wording)."""
    out: dict[str, list[str]] = {}
    for path in CELLTX.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        out[str(path.relative_to(CELLTX))] = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        ]
    return out


def test_p_and_n_wording_is_written_in_one_place_each():
    # text that starts a P value ('P = ', 'P <', f"P {...}"): only pvalue (printed P values) and
    # charts/text.py's computed_p (P values celltx computes); 'n not reported' only in n_text
    strings = _strings()
    starts_p = re.compile(r"^P (?:[=<>]|$)")
    writers = {name for name, found in strings.items() if any(starts_p.match(s) for s in found)}
    assert writers == {"pvalue.py", "charts/text.py"}, writers
    n_missing = {name for name, found in strings.items() if "n not reported" in found}
    assert n_missing == {"charts/text.py"}, n_missing


def test_field_path_words_a_validator_location():
    assert problems.field_path(("outcomes", 2, "events")) == "outcomes[2].events"
    assert problems.field_path(()) == ""
