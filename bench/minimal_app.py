"""The floor of the stack: one sidebar multiselect (disease) and one Plotly chart of a small frame.

The benchmark compares celltx against this app to separate what Streamlit, Plotly and the browser
cost anyway from what celltx adds. It uses the same widget key (``f_disease``) and label as celltx
so one locator drives both, and ``st.navigation`` with two one-chart pages so a page switch can be
measured the same way (the frame's sidebar widget persists across pages, as in celltx). The frame
is a dozen made-up rows built in code; nothing is loaded.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

ROWS = pd.DataFrame(
    {
        "disease": ["B-ALL", "B-ALL", "NHL", "NHL", "AML", "AML", "MM", "CLL", "MDS", "ALL", "T-ALL",
                    "mixed"],
        "modality": ["CAR-T", "allo-HSCT", "CAR-T", "CAR-NK", "NK", "allo-HSCT", "CAR-T", "CAR-T", "NK",
                     "allo-HSCT", "CAR-T", "virus-specific T cells"],
        "patients": [120, 300, 210, 40, 55, 420, 96, 64, 30, 150, 25, 32],
        "year": [2014, 2016, 2017, 2019, 2010, 2018, 2019, 2015, 2012, 2013, 2020, 2011],
        "response_pct": [90, 62, 54, 73, 42, 58, 81, 57, 35, 66, 70, 48],
    }
)  # fmt: skip


def chosen() -> pd.DataFrame:
    diseases = st.session_state.get("f_disease") or []
    return ROWS[ROWS["disease"].isin(diseases)] if diseases else ROWS


def bars() -> None:
    df = chosen()
    fig = go.Figure(
        [go.Bar(x=g["disease"], y=g["patients"], name=m) for m, g in df.groupby("modality", sort=True)]
    )
    fig.update_layout(barmode="stack", title="Patients by disease (minimal app)")
    st.plotly_chart(fig, key="bars", width="stretch")


def scatter() -> None:
    df = chosen()
    fig = go.Figure(go.Scatter(x=df["year"], y=df["response_pct"], mode="markers", text=df["disease"]))
    fig.update_layout(title="Response by year (minimal app)")
    st.plotly_chart(fig, key="scatter", width="stretch")


page = st.navigation(
    [
        st.Page(bars, title="Bars", url_path="bars", default=True),
        st.Page(scatter, title="Scatter", url_path="scatter"),
    ]
)
with st.sidebar:
    st.multiselect("Disease", sorted(ROWS["disease"].unique()), key="f_disease", placeholder="All diseases")
page.run()
