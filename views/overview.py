"""Overview: what is in the evidence base, a headline chart, how to read the charts, the source."""

import streamlit as st

from celltx import figures, linked, ui

st.title("Cellular immunotherapy in blood cancers: the evidence")
filtered = ui.filtered_studies()  # the filters applied once; each table picks one record per study
studies = linked.one_per_study(filtered)
values = ui.filtered_outcomes()
if ui.has_data(studies, "studies"):
    cols = st.columns(4)
    cols[0].metric("Studies", len(studies), help="A table row and its text passage count as one study.")
    cols[1].metric("Patients (printed n)", int(studies["n"].fillna(0).sum()))
    cols[2].metric("Reported values", len(values))
    cols[3].metric("Values with a source discrepancy", int(values["has_discrepancy"].sum()))
    ui.figure("overview_patients_by_disease", key="overview_chart")
    # Plain tables, not st.dataframe grids: a few dozen rows read best in full, and the grids
    # cost the first chart about 0.3 s in bench/run.py (bench/findings.md)
    st.subheader("Studies by modality")
    st.markdown(ui.markdown_table(figures.modality_counts(filtered), figures.MODALITY_COLUMNS))
    st.subheader("Studies by disease")
    st.caption(
        "Rolled up the disease hierarchy (data/diseases.yaml): a B-ALL study also counts under ALL "
        "and lymphoid, once under each; 'coded with this term' are the studies coded with the term "
        "itself (e.g. ALL of unstated lineage). A study of several diseases counts once under each."
    )
    st.markdown(ui.markdown_table(figures.disease_rollup(filtered), figures.ROLLUP_COLUMNS))

st.subheader("How to read the charts")
st.markdown(
    "- **Every point is one reported value** from the source, with its exact (Clopper-Pearson) 95% "
    "confidence interval where a count and n are known. Hollow markers have no count, so no CI: "
    "n is not reported, the percentage is not a whole count of n, or it is a survival estimate.\n"
    "- **Marker size grows with n.** Hatched bars are ranges printed across studies; triangles are "
    "'up to' / 'more than' bounds.\n"
    "- **Unlike measures are kept apart**: CR, CR/CRi and overall response sit in separate panels; CRS "
    "grades (any, severe, grade ≥ 3) likewise; survival endpoints are never mixed on one axis.\n"
    "- **Diamonds** are random-effects pooled estimates (DerSimonian-Laird, logit scale) where at least "
    "two studies with n report the same measure; excluded studies are listed.\n"
    "- **Hover** for study, n, value, CI, definition, location and the verbatim quote; **click** a point "
    "to open the study's full record. Counts marked *derived* were computed from a printed "
    "percentage and n; survival estimates never get a derived count.\n"
    "- **Colours** are fixed per target antigen and per donor type on every page "
    "(Okabe-Ito, colour-blind safe)."
)
st.subheader("Source")
for cite in ui.frames().full_citations:
    st.markdown(f"- {cite}")
st.caption(
    f"Data version {ui.frames().version}. Every value is curated with a verbatim quote; see "
    "*Data and sources*."
)
