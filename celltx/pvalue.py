"""The printed P value, worded once for every place that reads or shows it.

A record holds a P value as printed in its source: a number and an operator ('=', '<', '>').
Frames, the CSV export and the upload template carry it in its printed form ('0.03', '<0.001';
'=' is left out) and the upload reads that form back; a figure (hover, forest row, donor
comparison) reads it as 'P = 0.03' or 'P <0.001' with its scope. A P value celltx computes
itself (pooling, subgroup tests) is a different rule: ``charts.text.computed_p``.
"""

from __future__ import annotations


def printed(value: float | None, operator: str = "=") -> str | None:
    """A record's P value as printed: '0.03', '<0.001', '>0.05'; None when none is reported."""
    if value is None:
        return None
    return f"{'' if operator == '=' else operator}{value:g}"


def split(text: str) -> tuple[str, str]:
    """The operator ('=' when none is printed) and the number's text of a printed P value:
    '<0.001' -> ('<', '0.001'), '0.03' -> ('=', '0.03'); blanks around either are dropped."""
    v = text.strip()
    if v[:1] in ("<", ">"):
        return v[0], v[1:].strip()
    return "=", v


def label(p_value: object, scope: object = None) -> str:
    """A printed P value as a figure shows it: 'P = 0.03', 'P <0.001' (the printed operator
    kept), with its scope: 'P = 0.2 (overall)'."""
    op, number = split(str(p_value))
    text = f"P {op if op != '=' else '= '}{number}"
    # a scope is text; a missing one is None, NaN or NA in a frame
    return text + (f" ({scope})" if isinstance(scope, str) and scope else "")
