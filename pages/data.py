"""Data and sources: every value with its study, location and quote; search; CSV; discrepancies."""

import streamlit as st

from celltx import export, ui

st.title("Data and sources")
df = ui.filtered_outcomes()
query = st.text_input("Search study, measure, arm or quote", key="data_search")
if query:
    hay = (
        df[["study", "endpoint", "arm", "quote", "record_id", "disease", "target"]]
        .astype(str)
        .agg(" ".join, axis=1)
    )
    df = df[hay.str.contains(query, case=False, regex=False)]
if ui.has_data(df, "values"):
    st.dataframe(
        df[
            [
                "record_id",
                "study",
                "year",
                "modality",
                "disease",
                "target",
                "arm",
                "n",
                "endpoint",
                "scope",
                "time_months",
                "value_pct",
                "ci_low_pct",
                "ci_high_pct",
                "events",
                "events_derived",
                "p_value",
                "location",
                "quote",
            ]
        ],
        hide_index=True,
        width="stretch",
        key="data_table",
    )
    st.download_button(
        "Download these values (CSV)",
        export.outcomes_csv(df),
        file_name=f"celltx_outcomes_{ui.current_filters().slug()}.csv",
        mime="text/csv",
        key="data_csv",
        on_click="ignore",
    )
st.subheader("Source discrepancies")
st.caption("Where the review's table and text disagree, both readings are kept and noted here.")
studies = ui.filtered_studies()
disc = studies[studies["discrepancies"] != ""][["record_id", "study", "location", "discrepancies"]]
st.dataframe(disc, hide_index=True, width="stretch", key="disc_table")
st.subheader("Derived-count notes")
notes = ui.filtered_outcomes()
notes = notes[notes["events_note"].notna()][["record_id", "endpoint", "arm", "value_pct", "n", "events_note"]]
st.dataframe(notes, hide_index=True, width="stretch", key="notes_table")
