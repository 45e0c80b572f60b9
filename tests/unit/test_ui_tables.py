"""ui.markdown_table: the Overview's plain tables keep text from data inert and numbers readable."""

import pandas as pd

from celltx import ui


def test_a_markdown_table_keeps_hostile_text_inert_and_numbers_readable():
    df = pd.DataFrame(
        {
            "who": ["a | b", "<img src=x onerror=alert(1)>", "[x](javascript:go())", "two\nlines"],
            "n": [1234, 5, None, 7.5],
            "flag": [True, False, True, False],
        }
    )
    md = ui.markdown_table(df, {"who": "Who", "n": "Patients (n)", "flag": "Flag"})
    lines = md.splitlines()
    assert len(lines) == 2 + len(df)  # a line break in a cell does not end its row
    assert lines[:2] == ["| Who | Patients \\(n\\) | Flag |", "|---|---:|---|"]  # bools are not numbers
    assert lines[2] == "| a \\| b | 1,234 | True |"  # a whole number, though the column is float
    assert "<" not in md and "](" not in md
    assert lines[4].startswith("| \\[x\\]\\(javascript\\:go\\(\\)\\) | – |")  # missing, not 'nan'
    assert lines[5] == "| two lines | 7.5 | False |"


def test_a_markdown_table_keeps_the_indent_of_narrower_terms():
    # disease_rollup indents a narrower term with em spaces; the table must show the tree
    md = ui.markdown_table(pd.DataFrame({"label": ["ALL: x", "\u2003B-ALL: y"]}), {"label": "Disease"})
    assert md.splitlines()[3] == "| \u2003B\\-ALL\\: y |"
