"""Text placed in a chart's panels (P values, the study on each dose range), added in one go.

Plotly's ``Figure.add_annotation`` validates again every annotation already on the figure
(``layout.annotations += (new,)``), so n labels added one by one cost n² validations: about
0.25 s each for the donor and dose charts' labels (profiled while writing the slide deck). A
chart collects its labels in ``Notes`` and adds them once, in the same order and with the same
axis references as ``add_annotation(row=..., col=...)`` gives them.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


class Notes:
    """Annotations for one figure's panels, added to it by :meth:`draw` in the order given."""

    def __init__(self, fig: go.Figure) -> None:
        self.fig = fig
        self._notes: list[dict[str, Any]] = []
        self._refs: dict[tuple[int, int], tuple[str, str]] = {}

    def add(self, row: int, col: int, **note: Any) -> None:
        """One annotation in the panel at (row, col). Its x and y refer to that panel's axes;
        ``xref``/``yref`` may only ask for the panel's domain ("x domain"), as with Plotly."""
        if (row, col) not in self._refs:
            panel = self.fig.get_subplot(row, col)
            self._refs[row, col] = (
                panel.xaxis.plotly_name.replace("axis", ""),
                panel.yaxis.plotly_name.replace("axis", ""),
            )
        x, y = self._refs[row, col]
        for axis in ("xref", "yref"):
            given = note.get(axis)
            if given is not None and "domain" not in given:
                raise ValueError(f"{axis}={given!r}: a note refers to its own panel's axes")
        note["xref"] = x + (" domain" if "domain" in (note.get("xref") or "") else "")
        note["yref"] = y + (" domain" if "domain" in (note.get("yref") or "") else "")
        self._notes.append(note)

    def draw(self) -> None:
        if self._notes:
            self.fig.layout.annotations = (*self.fig.layout.annotations, *self._notes)
            self._notes = []
