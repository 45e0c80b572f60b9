"""Every dashboard figure as one named, pure recipe: filtered frames in, figure out.

Pages show these figures; ``python -m celltx figures`` writes the same figures to files, so a
slide made from the command line matches the screen. Each recipe selects its rows, builds
labels (title, filters and measure, source footnote) and calls a chart builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from celltx import charts, filters, load, stats, vocab


@dataclass(frozen=True)
class Context:
    """Filtered frames and display options shared by every figure."""

    outcomes: pd.DataFrame
    studies: pd.DataFrame
    targets: pd.DataFrame
    filters: filters.Filters
    citations: dict[str, str]
    version: str
    theme: charts.Theme = charts.SCREEN
    options: dict[str, str] = field(default_factory=dict)

    def labels(self, title: str, measure: str, df: pd.DataFrame) -> charts.Labels:
        sub = f"{measure} · filters: {self.filters.describe()}"
        return charts.Labels(title, sub, charts.source_footnote(df, self.citations, self.version))


@dataclass(frozen=True)
class Built:
    """A figure and the rows behind it; ``figure`` is None when the filters leave no rows."""

    rows: pd.DataFrame
    figure: go.Figure | None
    extra: pd.DataFrame | None = None


@dataclass(frozen=True)
class Recipe:
    name: str  # file-name stem, e.g. cart_response_by_target
    page: str
    caption: str
    empty: str  # what is missing, for the 'no data' message
    build: Callable[[Context], Built]
    selectable: bool = True  # points open a study record (not bars or matrix cells)


def context(
    ds: load.Dataset,
    f: filters.Filters,
    theme: charts.Theme = charts.SCREEN,
) -> Context:
    """A Context from a loaded dataset and filters (the command line's entry point)."""
    citations = {o.file: o.short_citation or o.citation for o in ds.parsed.sources}
    return Context(
        filters.apply(ds.outcomes(), f),
        filters.apply(ds.studies(), f),
        ds.targets(),
        f,
        citations,
        ds.version,
        theme,
    )


SAME_VALUE = [
    "cluster",
    "endpoint",
    "arm",
    "scope",
    "time_months",
    "value_pct",
    "value_low_pct",
    "value_high_pct",
    "median_months",
    "median_low_months",
    "duration_low_months",
]


def one_point_per_value(rows: pd.DataFrame) -> pd.DataFrame:
    """Linked records of one study (a table row and its text passage) that report the same value
    are drawn once: the table row (else a printed count, else the larger n) with the other places
    listed in ``also_at``. Differing values are all kept: they are discrepancies to see."""
    if rows.empty or "cluster" not in rows:
        return rows.assign(also_at=None)
    rank = rows.assign(
        _table=~rows["location_kind"].astype(str).str.startswith("Table"),
        _derived=rows["events_derived"].astype(bool),
        _n=-rows["n"].astype("Float64").fillna(0),
    )
    key = pd.Series("", index=rank.index)
    for col in SAME_VALUE:
        key = key + "|" + rank[col].astype(object).where(rank[col].notna(), "-").map(str)
    rank = rank.assign(_key=key).sort_values(["_key", "_table", "_derived", "_n"])
    where = rank.apply(lambda r: f"{r['study']} ({r['location']})", axis=1)
    others = where.groupby(rank["_key"]).apply(lambda w: "; ".join(w.iloc[1:]))
    kept = rank.drop_duplicates("_key").copy()
    kept["also_at"] = kept["_key"].map(others).replace("", None)
    return kept.drop(columns=["_table", "_derived", "_n", "_key"]).loc[
        [i for i in rows.index if i in kept.index]
    ]


def _built(ctx: Context, df: pd.DataFrame, make: Callable[[pd.DataFrame], go.Figure]) -> Built:
    if len(df) and "endpoint" in df:
        df = one_point_per_value(df)
    return Built(df, charts.mark_user_data(make(df), df, ctx.theme) if len(df) else None)


# ---------------------------------------------------------------------------------------------
# Recipes


def disease_rollup(studies: pd.DataFrame) -> pd.DataFrame:
    """Studies and patients per disease term, rolled up the hierarchy: a B-ALL study counts under
    B-ALL, ALL and lymphoid, once under each however many of its codes fall there; linked records
    (a table row and its text passage) count once. Terms in tree order; ``label`` indented."""
    tree = vocab.DISEASE_TREE
    rolled = filters.roll_up(load.one_per_study(studies), tree)
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


def overview(ctx: Context) -> Built:
    # the hierarchy rolled up: one row per (study, term), so a bar counts each study once
    studies = filters.roll_up(load.one_per_study(ctx.studies)).assign(disease=lambda d: d["term"])
    labels = ctx.labels(
        "Patients and studies by disease and modality",
        "patients with a printed n; linked records counted once; a disease counts its narrower "
        "diseases' studies too",
        ctx.outcomes,
    )
    return _built(ctx, studies, lambda d: charts.overview_chart(d, labels, ctx.theme))


def cart_response_rows(ctx: Context) -> pd.DataFrame:
    o = ctx.outcomes
    return o[(o["modality"] == "CAR-T") & (o["family"] == "response")]


def with_broader_included(pooled: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Add ``broader_included``: which pooled studies are broader cohorts of the disease filter
    (only with 'pool broader cohorts'), so a pooled estimate states whether it includes them."""
    broader = set(
        rows.loc[rows.get("broader_cohort", pd.Series(False, index=rows.index)).astype(bool), "record_id"]
    )
    return pooled.assign(
        broader_included=pooled["included"].map(
            lambda ids: ";".join(i for i in str(ids).split(";") if i in broader)
        )
        if len(pooled)
        else pd.Series(dtype=object)
    )


def pooled_response(rows: pd.DataFrame, pool_broader: bool = False) -> pd.DataFrame:
    """Pooled estimate per target for each response measure (measures never pooled together);
    broader cohorts of a disease filter only with ``pool_broader``."""
    if rows.empty:
        return pd.DataFrame(columns=[*stats.POOL_COLUMNS, "excluded_reasons", "broader_included", "endpoint"])
    parts = [
        stats.pool(rows, m, by="target_group", pool_broader=pool_broader).assign(endpoint=m)
        for m in rows["endpoint"].unique()
    ]
    return with_broader_included(pd.concat(parts, ignore_index=True), rows)


def cart_response(ctx: Context) -> Built:
    rows = cart_response_rows(ctx)
    # pooling dedupes linked records itself, from every row
    pooled = pooled_response(rows, ctx.filters.pool_broader)
    rows = one_point_per_value(rows)
    labels = ctx.labels(
        "CAR-T response rate by target antigen",
        "CR, CR/CRi and overall response in separate panels; exact 95% CI",
        rows,
    )
    fig = charts.response_forest(rows, pooled, labels, ctx.theme) if len(rows) else None
    if fig is not None:
        charts.mark_user_data(fig, rows, ctx.theme)
    return Built(rows, fig, pooled)


def cart_crs(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[(o["modality"] == "CAR-T") & (o["endpoint"] == "CRS")]
    labels = ctx.labels("CRS incidence after CAR-T by target antigen", "one panel per grade scope", rows)
    return _built(ctx, rows, lambda d: charts.crs_by_target(d, labels, ctx.theme))


def cart_dose(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[
        (o["modality"] == "CAR-T")
        & o["dose_unit"].notna()
        & o["family"].isin(["response", "toxicity"])
        & (o["arm"] == "all")
        & o["value_pct"].notna()
    ]
    labels = ctx.labels(
        "Response and CRS against CAR-T dose",
        "log dose axis; a panel per dose unit; lines span printed dose ranges",
        rows,
    )
    return _built(ctx, rows, lambda d: charts.dose_chart(d, labels, ctx.theme))


def neurotoxicity(ctx: Context) -> Built:
    rows = ctx.outcomes[ctx.outcomes["endpoint"] == "neurotoxicity"]
    labels = ctx.labels("Neurotoxicity where reported", "incidence; bounds printed as 'up to'", rows)
    return _built(ctx, rows, lambda d: charts.bounds_chart(d, labels, ctx.theme))


def survival(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[
        (o["family"] == "survival")
        & o["modality"].isin(["CAR-T", "CAR-NK"])
        & o["value_pct"].notna()
        & o["time_months"].notna()
    ]
    labels = ctx.labels(
        "Survival after CAR-T at printed landmarks", "a panel per endpoint; x = landmark in months", rows
    )
    return _built(ctx, rows, lambda d: charts.survival_landmarks(d, labels, ctx.theme))


def medians(ctx: Context) -> Built:
    o = ctx.outcomes[ctx.outcomes["modality"] == "CAR-T"]
    rows = o[o["median_months"].notna() | o["median_low_months"].notna() | o["duration_low_months"].notna()]
    labels = ctx.labels(
        "Median survival and response duration after CAR-T", "each row names its measure", rows
    )
    return _built(ctx, rows, lambda d: charts.medians_chart(d, labels, ctx.theme))


RELAPSE_ENDPOINTS = [
    "relapse",
    "relapse or death",
    "proceeded to HSCT",
    "remained MRD-negative",
    "MRD conversion",
]


def relapse_bridge(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[
        (o["modality"] == "CAR-T")
        & o["endpoint"].isin(RELAPSE_ENDPOINTS)
        & (o["value_pct"].notna() | o["value_high_pct"].notna())
    ]
    labels = ctx.labels(
        "Relapse after CAR-T and bridging to transplant", "each row names its measure, arm and landmark", rows
    )
    return _built(ctx, rows, lambda d: charts.labelled_forest(d, labels, ctx.theme))


def nk_results(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[
        o["modality"].isin(["NK", "CAR-NK"])
        & o["family"].isin(["response", "survival", "incidence", "toxicity"])
    ]
    rows = rows[rows["value_pct"].notna() | rows["value_low_pct"].notna() | rows["value_high_pct"].notna()]
    rows = rows.assign(
        role=rows["arm"].map(charts.arm_role), setting=rows["setting"].fillna("setting not stated")
    )
    labels = ctx.labels(
        "NK-cell therapy results by setting",
        "each row names its measure and arm; green = NK-treated, black = comparator",
        rows,
    )
    return _built(
        ctx,
        rows,
        lambda d: charts.labelled_forest(
            d,
            labels,
            ctx.theme,
            group_col="role",
            color_of=lambda r: charts.ROLE_COLORS.get(r, "#000000"),
            legend_title="Arm",
            facet_col="setting",
        ),
    )


def donor(ctx: Context) -> Built:
    o = ctx.outcomes
    rows = o[o["modality"] == "allo-HSCT"]
    protocol = ctx.options.get("protocol")
    if protocol and protocol != "All":
        rows = rows[rows["protocol"] == protocol]
    rows = rows[rows["arm"].str.startswith(("HID", "ISD")) & rows["value_pct"].notna()]
    labels = ctx.labels(
        "Transplant outcomes by donor type: HID vs ISD",
        f"protocol: {protocol or 'All'}; survival (higher better) and incidence (lower better) apart",
        rows,
    )
    return _built(ctx, rows, lambda d: charts.donor_dumbbell(d, labels, ctx.theme))


def targets(ctx: Context) -> Built:
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
    summary = hits.groupby(["disease", "target"]).agg(n_values=("record_id", "size")).reset_index()
    rows = pd.concat([tg.assign(kind="named"), summary.assign(kind="results")], ignore_index=True)
    labels = ctx.labels(
        "Candidate CAR targets by disease", "Table 2 and text; ● = clinical results in the data", tg
    )
    fig = charts.targets_matrix(tg, summary, labels, ctx.theme) if len(rows) else None
    return Built(rows, fig, summary)


RECIPES: list[Recipe] = [
    Recipe(
        "overview_patients_by_disease",
        "Overview",
        "Patients (printed n) and studies by disease, "
        "stacked by modality; a table row and its text passage count once.",
        "studies",
        overview,
    ),
    Recipe(
        "cart_response_by_target",
        "CAR-T response",
        "CAR-T response rate per study with exact 95% CI, "
        "coloured by target; diamonds are random-effects pooled estimates.",
        "CAR-T response results",
        cart_response,
    ),
    Recipe(
        "cart_crs_by_target",
        "CRS and dose",
        "CRS incidence after CAR-T, one panel per grade scope.",
        "CAR-T CRS results",
        cart_crs,
    ),
    Recipe(
        "cart_dose_response_crs",
        "CRS and dose",
        "Response and CRS against CAR dose (log axis), one panel per dose unit.",
        "dose-linked CAR-T results",
        cart_dose,
    ),
    Recipe(
        "neurotoxicity",
        "CRS and dose",
        "Neurotoxicity where reported.",
        "neurotoxicity results",
        neurotoxicity,
    ),
    Recipe(
        "cart_survival_landmarks",
        "Survival and durability",
        "Landmark survival estimates after CAR-T, one panel per endpoint.",
        "CAR-T survival results",
        survival,
    ),
    Recipe(
        "cart_medians",
        "Survival and durability",
        "Median survival and response durations after CAR-T.",
        "median or duration results",
        medians,
    ),
    Recipe(
        "cart_relapse_bridge",
        "Survival and durability",
        "Relapse after CAR-T and bridging to transplant; every row names its measure.",
        "relapse or bridging results",
        relapse_bridge,
    ),
    Recipe(
        "nk_results_by_setting",
        "NK-cell therapy",
        "NK-cell and CAR-NK results by setting, NK-treated vs comparator arms with P values.",
        "NK or CAR-NK results",
        nk_results,
    ),
    Recipe(
        "donor_hid_vs_isd",
        "Donor type",
        "Haploidentical (HID) vs identical-sibling (ISD) donors per "
        "study and endpoint, with the printed P value.",
        "donor-type comparisons",
        donor,
    ),
    Recipe(
        "targets_matrix",
        "Targets",
        "Candidate CAR target antigens by disease and which have clinical results in the data.",
        "targets",
        targets,
    ),
]
BY_NAME = {r.name: r for r in RECIPES}
