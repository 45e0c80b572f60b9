"""A plain-data snapshot of every recipe's figure, for the before/after check of issue 10.

For each recipe and a few filter settings on the curated data it records what a reader sees:
trace names, x, y, error bars, the record ids behind each point, marker symbols, colours and
sizes, titles, axis titles and annotations. Hover text is recorded as a short hash (it is long;
a changed hash names the trace to look at). The data version is replaced by a placeholder so
a curation change elsewhere that leaves these values alone does not count as a change.

Regenerate with ``CELLTX_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest tests/unit/test_recipes_snapshot.py``
and say in the commit which traces changed and why.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "fixtures" / "recipes_before.json"

# (label, filters.Filters keyword arguments, recipe options)
SETTINGS: list[tuple[str, dict, dict]] = [
    ("all", {}, {}),
    ("disease=B-ALL", {"disease": ("B-ALL",)}, {}),
    ("disease=MM", {"disease": ("MM",)}, {}),
    ("target=CD19", {"target": ("CD19",)}, {}),
    ("modality=NK,CAR-NK", {"modality": ("NK", "CAR-NK")}, {}),
    ("disease=AML", {"disease": ("AML",)}, {}),
]
DONOR_PROTOCOLS = True  # every protocol of the donor chart is also a setting, under 'all'


def _plain(v, version: str):
    """JSON-able, rounded, with the data version replaced."""
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        return [_plain(x, version) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x, version) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x, version) for k, x in v.items()}
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else round(f, 4)
    s = str(v)
    return s.replace(version, "<version>") if version else s


def _short(text) -> str | None:
    if text is None:
        return None
    return hashlib.sha1(str(text).encode()).hexdigest()[:10]


def trace_snapshot(t, version: str) -> dict:
    d = t.to_plotly_json()
    out: dict = {"type": d.get("type", "scatter")}
    for k in ("name", "legendgroup", "showlegend", "mode", "orientation", "x", "y", "base", "text", "z"):
        if k in d:
            out[k] = _plain(d[k], version)
    err = d.get("error_x")
    if err:
        out["error_x"] = _plain(
            {k: err.get(k) for k in ("array", "arrayminus", "symmetric") if k in err}, version
        )
    if "customdata" in d and d["customdata"] is not None:
        out["customdata"] = _plain(d["customdata"], version)
    m = d.get("marker") or {}
    if m:
        out["marker"] = _plain(
            {k: m[k] for k in ("symbol", "color", "size", "opacity") if k in m}
            | ({"line_color": m["line"].get("color")} if isinstance(m.get("line"), dict) else {}),
            version,
        )
    line = d.get("line") or {}
    if line:
        out["line_color"] = _plain(line.get("color"), version)
    if "hovertext" in d and d["hovertext"] is not None:
        ht = d["hovertext"]
        many = isinstance(ht, (list, tuple, np.ndarray))
        out["hovertext"] = [_short(h) for h in ht] if many else _short(ht)
    if "hovertemplate" in d:
        out["hovertemplate"] = d["hovertemplate"]
    for ax in ("xaxis", "yaxis"):
        if ax in d:
            out[ax] = d[ax]
    return out


def figure_snapshot(fig, version: str) -> dict:
    lay = fig.layout.to_plotly_json()
    axes = {
        k: _plain(
            {
                "title": (v.get("title") or {}).get("text"),
                "range": v.get("range"),
                "type": v.get("type"),
            },
            version,
        )
        for k, v in sorted(lay.items())
        if k.startswith(("xaxis", "yaxis"))
    }
    return {
        "title": _plain((lay.get("title") or {}).get("text"), version),
        "legend_title": _plain(((lay.get("legend") or {}).get("title") or {}).get("text"), version),
        "height": lay.get("height"),
        "axes": axes,
        "annotations": [
            _plain({"text": a.get("text"), "x": a.get("x"), "y": a.get("y")}, version)
            for a in lay.get("annotations", [])
        ],
        "traces": [trace_snapshot(t, version) for t in fig.data],
    }


def snapshot() -> dict:
    """Every recipe under every setting: {setting: {recipe: {...}}}."""
    from celltx import figures, filters, load

    ds = load.load_dataset()
    bounds = filters.year_bounds(ds.studies())
    out: dict = {}
    settings = list(SETTINGS)
    protocols = sorted(
        ds.outcomes().loc[ds.outcomes()["modality"] == "allo-HSCT", "protocol"].dropna().unique()
    )
    settings += [(f"protocol={p}", {}, {"protocol": p}) for p in protocols]
    for label, fkw, opts in settings:
        f = filters.Filters(**fkw, full_years=bounds)
        ctx = figures.context(ds, f)
        ctx = figures.Context(**{**ctx.__dict__, "options": dict(opts)})
        out[label] = {}
        for recipe in figures.RECIPES:
            if opts and recipe.name != "donor_hid_vs_isd":
                continue
            built = recipe.build(ctx)
            rows = built.rows
            ids = (
                [f"{r}:{i}" for r, i in zip(rows["record_id"], rows["outcome_index"], strict=True)]
                if "outcome_index" in rows
                else [str(r) for r in rows.get("record_id", [])]
            )
            out[label][recipe.name] = {
                "rows": ids,
                "figure": None if built.figure is None else figure_snapshot(built.figure, ds.version),
            }
    return out


def dumps(snap: dict) -> str:
    return json.dumps(snap, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
