"""Data and sources: every value with its study, location and quote; search; CSV; discrepancies;
and a user's own studies, uploaded for this browser session only."""

import pandas as pd
import streamlit as st

from celltx import export, ui, upload

st.title("Data and sources")

with st.expander(
    "Add your own studies (YAML or CSV, this browser session only)", expanded=ui.user_data() is not None
):
    st.markdown(
        "Upload a file in the schema of `data/`: a YAML file like the template, or a CSV with one row per "
        f"value. Limits: {upload.MAX_BYTES // 1000} kB and {upload.MAX_RECORDS} records. Valid records "
        "appear on every chart as ★ and in every table as user data, for this session only; the curated "
        "files are never changed. Quotes of uploaded records are not checked against the celltx sources. "
        "Your studies are never pooled with the curated ones; they are pooled among themselves under "
        "'Your meta-analysis' at the end of this page."
    )
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Template (YAML)",
        upload.template_yaml(),
        file_name="celltx_template.yaml",
        mime="application/yaml",
        key="tpl_yaml",
        on_click="ignore",
    )
    c2.download_button(
        "Template (CSV)",
        upload.template_csv(),
        file_name="celltx_template.csv",
        mime="text/csv",
        key="tpl_csv",
        on_click="ignore",
    )
    c3.markdown("[JSON Schema for editors](https://json-schema.org/) is in `data/schema/`.")
    file = st.file_uploader("Studies file", type=["yaml", "yml", "csv"], key=ui.upload_key())
    state = ui.user_data()
    if file is not None and (state is None or state["file_id"] != file.file_id):
        ui.add_upload(file.getvalue(), file.name, file.file_id)
        st.rerun()  # every filter option and the year range now include the new records
    if state is not None:
        n_ok, n_bad = len(state["studies"]), len(state["problems"])
        if n_ok:
            st.success(f"{n_ok} valid record(s) from {ui.md_escape(state['name'])} added for this session.")
        if n_bad:
            st.error(f"{n_bad} problem(s) in {ui.md_escape(state['name'])}; those records were not added:")
            st.dataframe(
                pd.DataFrame(state["problems"]), hide_index=True, width="stretch", key="upload_errors"
            )
        if st.button("Remove my uploaded studies", key="upload_clear"):
            ui.clear_upload()
            st.rerun()

df = ui.filtered_outcomes()
query = st.text_input("Search study, measure, arm or quote", key="data_search")
no_hits = False
if query:
    hay = (
        df[["study", "endpoint", "arm", "quote", "record_id", "disease", "target"]]
        .astype(str)
        .agg(" ".join, axis=1)
    )
    found = df[hay.str.contains(query, case=False, regex=False)]
    no_hits = found.empty and not df.empty
    if no_hits:  # the filters left values; it is the search that found none
        st.info(
            f"No values match the search “{ui.md_escape(query)}” among the {len(df)} values that pass "
            "the filters. Try a shorter word or another spelling.",
            icon="🔎",
        )
    df = found
if not no_hits and ui.has_data(df, "values"):
    cols = [
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
        "user_data",
        "shown_because",
    ]
    st.dataframe(df[cols], hide_index=True, width="stretch", key="data_table")
    st.download_button(
        "Download these values (CSV)",
        export.outcomes_csv(df, marks=bool(ui.current_filters().disease)),
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

if ui.user_data() is not None and ui.user_data()["studies"]:
    st.header("Your meta-analysis: your uploaded studies pooled among themselves")
    st.caption(
        "Only the studies you uploaded, pooled with the same methods as the curated evidence and "
        "never together with it. This session only."
    )
    own = ui.figure("own_studies_pooled", key="own_studies_chart")
    if own.figure is not None:
        ui.pooling_tables(own, key="own_studies", whose="your ")
