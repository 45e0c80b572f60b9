"""Evidence-base recipes: patients and studies by disease (Overview) and candidate targets by
disease (Targets)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from celltx import charts, filters, linked, summary, vocab
from celltx.figures.base import Context, Recipe, Result, make_result


def disease_rollup(studies: pd.DataFrame) -> pd.DataFrame:
    """Studies and patients per disease term, rolled up the hierarchy: a B-ALL study counts under
    B-ALL, ALL and lymphoid, once under each however many of its codes fall there; linked records
    (a table row and its text passage) count once. Terms in tree order; ``label`` indented."""
    tree = vocab.DISEASE_TREE
    rolled = filters.roll_up(linked.one_per_study(studies), tree)
    agg = rolled.groupby("term").agg(
        studies=("record_id", "nunique"),
        patients=("n", "sum"),
        without_n=("n", lambda s: int(s.isna().sum())),
    )
    coded = rolled[[t in str(d).split(";") for t, d in zip(rolled["term"], rolled["disease"], strict=True)]]
    agg["coded_here"] = coded.groupby("term")["record_id"].nunique()
    agg = agg.reindex([t for t in tree.ordered() if t in agg.index])
    agg["coded_here"] = agg["coded_here"].fillna(0).astype(int)
    agg["patients"] = agg["patients"].astype(int)
    agg.insert(0, "label", ["\u2003" * tree.depth(t) + f"{t}: {tree.label(t)}" for t in agg.index])
    return agg.reset_index(names="term")


# The Overview's two tables: column -> header (the tests read the tables back through these)
ROLLUP_COLUMNS = {
    "label": f"{vocab.axis_title('disease')} (narrower terms indented)",
    "studies": "Studies",
    "coded_here": "Coded with this term",
    "patients": vocab.axis_title("patients"),
    "without_n": "Studies without n",
}
MODALITY_COLUMNS = {
    "modality": vocab.axis_title("modality"),
    "studies": "Studies",
    "patients": vocab.axis_title("patients"),
}


def modality_counts(studies: pd.DataFrame) -> pd.DataFrame:
    """Studies and patients (printed n) per modality, linked records counted once."""
    one = linked.one_per_study(studies)
    agg = one.groupby("modality").agg(studies=("record_id", "count"), patients=("n", "sum"))
    return agg.astype({"patients": int}).reset_index()


def overview(ctx: Context) -> Result:
    # the hierarchy rolled up: one row per (study, term), so a bar counts each study once
    return make_result(
        ctx,
        filters.roll_up(linked.one_per_study(ctx.studies)).assign(disease=lambda d: d["term"]),
        "Patients and studies by disease and modality",
        "patients with a printed n; linked records counted once; a disease counts its narrower "
        "diseases' studies too",
        lambda d, labels: charts.overview_chart(d, labels, ctx.theme),
        summary.overview,
        footnote_rows=ctx.outcomes,
    )


def targets(ctx: Context) -> Result:
    f = ctx.filters
    # one row per (entry, disease, target): the shared rule decides which disease rows show (a
    # broader one, e.g. ALL for B-ALL, is its own labelled row of the matrix)
    tg = filters.apply(ctx.targets, replace(f, years=None))
    res = ctx.outcomes[ctx.outcomes["target"] != ""]
    pairs = [
        {"disease": d, "target": t, "record_id": r.record_id}
        for r in res.itertuples()
        for d in r.disease.split(";")
        for t in r.target.split(";")
    ]
    hits = pd.DataFrame(pairs, columns=["disease", "target", "record_id"])
    if f.disease:
        hits = filters.apply(hits, filters.Filters(disease=f.disease, broader=f.broader))
    with_results = hits.groupby(["disease", "target"]).agg(n_values=("record_id", "size")).reset_index()
    rows = pd.concat([tg.assign(kind="named"), with_results.assign(kind="results")], ignore_index=True)
    return make_result(
        ctx,
        rows,
        "Candidate CAR targets by disease",
        "Table 2 and text; ● = clinical results in the data",
        lambda _, labels: charts.targets_matrix(tg, with_results, labels, ctx.theme),
        lambda title, _: summary.targets(title, tg, with_results),
        footnote_rows=tg,
        targets_summary=with_results,
    )


RECIPES: list[Recipe] = [
    Recipe(
        "overview_patients_by_disease",
        "overview",
        "Patients (printed n) and studies by disease, "
        "stacked by modality; a table row and its text passage count once.",
        "studies",
        overview,
    ),
    Recipe(
        "targets_matrix",
        "targets",
        "Candidate CAR target antigens by disease and which have clinical results in the data.",
        "targets",
        targets,
    ),
]
