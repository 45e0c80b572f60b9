"""Donor type: HID vs ISD arms of one comparison on one row, with the printed P value."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from celltx import stats, vocab
from celltx.charts import marks, text
from celltx.charts.layout import SCREEN, Labels, Theme, finish
from celltx.charts.notes import Notes

ARM_SYMBOLS = {"HID 3/6": "diamond", "HID 4-5/6": "square", "HID 4–5/6": "square"}


def donor_dumbbell(df: pd.DataFrame, labels: Labels, theme: Theme = SCREEN) -> go.Figure:
    """HID vs ISD per study and endpoint, joined by a line, with the reported P value.

    Two panels so direction is explicit: survival (higher is better) and relapse/NRM-type
    incidence (lower is better). A significant P (stats.significant) is marked with a star and
    bold text. Three arms (MDS: HID 3/6, HID 4-5/6, ISD) stay three markers on one row with the overall P.
    """
    df = df.assign(
        _time=df["time_months"].map(lambda t: f"{text.fmt(t)} mo" if pd.notna(t) else "no landmark printed")
    )
    df = df.assign(_scope=df["scope"].fillna(""))
    keys = ["record_id", "endpoint", "_time", "_scope"]
    panels = [
        ("survival", "Survival: higher is better →"),
        ("incidence", "Relapse, NRM, MRD: lower is better ←"),
    ]
    panels = [p for p in panels if p[0] in set(df["family"])]
    rows_per = [df[df["family"] == p[0]].groupby(keys, sort=False).ngroups for p in panels]
    fig = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        row_heights=rows_per,
        vertical_spacing=0.1,
        subplot_titles=[p[1] for p in panels],
    )
    notes = Notes(fig)
    seen: set = set()
    for i, (family, _) in enumerate(panels, start=1):
        fam = df[df["family"] == family]
        for _key, g in fam.groupby(keys, sort=False):
            r0 = g.iloc[0]
            label = (
                f"{r0['study']} · {r0['endpoint']}"
                + (f" ({r0['_scope']})" if r0["_scope"] else "")
                + f" @{r0['_time']}"
            )
            label = text.plain(label if len(label) < 110 else label[:107] + "…")
            fig.add_trace(
                go.Scatter(
                    x=g["value_pct"],
                    y=[label] * len(g),
                    mode="lines",
                    line={"color": theme.muted, "width": 2},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=i,
                col=1,
            )
            p = r0["p_num"]
            sig = stats.significant(p, r0["p_operator"])
            for r in marks.records(g):
                arm, kind = str(r["arm"]), str(r["donor_type"])
                legend_name = arm if arm in ARM_SYMBOLS else kind
                fig.add_trace(
                    go.Scatter(
                        x=[r["value_pct"]],
                        y=[label],
                        mode="markers",
                        name=legend_name,
                        legendgroup=legend_name,
                        showlegend=legend_name not in seen,
                        marker={
                            "color": marks.donor_color(kind),
                            "size": (10 if kind == "HID" else 15) * theme.marker_scale,
                            "symbol": marks.symbol(r, ARM_SYMBOLS.get(arm, "circle")),
                            "line": {"width": 1, "color": theme.ink},
                        },
                        hovertext=[text.hover_text(r) + f"<br>protocol: {html.escape(str(r['protocol']))}"],
                        hoverinfo="text",
                        customdata=marks.record_data_of(r),
                    ),
                    row=i,
                    col=1,
                )
                seen.add(legend_name)
            if pd.notna(p):
                ptxt = text.p_text(r0["p_value"], r0.get("p_scope"))
                notes.add(
                    x=1.0,
                    xref="x domain",  # of this panel (charts.notes names its axis)
                    y=label,
                    text=f"<b>{ptxt} ★</b>" if sig else ptxt,
                    showarrow=False,
                    xanchor="left",
                    xshift=6,
                    font={"size": theme.font - 2},
                    row=i,
                    col=1,
                )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    notes.draw()
    fig.update_xaxes(range=[0, 100], title_text=vocab.axis_title("value_pct"), row=len(panels), col=1)
    height = max(380, 160 + 30 * sum(rows_per) + 60 * len(panels))
    fig = finish(
        fig,
        labels,
        theme,
        height=height,
        legend_title=f"{vocab.axis_title('donor_type')} (★ P < {stats.SIGNIFICANCE:g})",
    )
    # legend in a row under the subtitle, so the P values on the right keep their space
    fig.update_layout(
        margin={"t": 160},
        legend={
            "orientation": "h",
            "x": 1,
            "xanchor": "right",
            "yref": "container",
            "y": 1 - 105 / fig.layout.height,
            "yanchor": "top",
        },
    )
    return fig
