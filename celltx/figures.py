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

from celltx import charts, filters, linked, load, pages, stats, summary, vocab


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
    full_citations: dict[str, str] = field(default_factory=dict)  # source file -> full citation

    def cited(self, rows: pd.DataFrame) -> list[str]:
        return cited(rows, self.full_citations)

    def labels(self, title: str, measure: str, df: pd.DataFrame) -> charts.Labels:
        sub = f"{measure} · filters: {self.filters.describe()}"
        return charts.Labels(title, sub, charts.source_footnote(df, self.citations, self.version))


def cited(rows: pd.DataFrame, full_citations: dict[str, str]) -> list[str]:
    """The full citations of the source documents behind rows (for slides and 'Cite this figure')."""
    files = sorted(set(rows["source_file"].dropna().astype(str))) if "source_file" in rows else []
    found = [full_citations[f] for f in files if f in full_citations]
    return found or list(full_citations.values())[:1]


@dataclass(frozen=True)
class Result:
    """What a recipe made. ``figure`` is None when the filters leave no rows (the page then says
    what is missing); ``rows`` are the rows drawn, ``labels`` what the figure says about itself.
    Extras are named fields, each meaning one thing on every page."""

    rows: pd.DataFrame
    figure: go.Figure | None
    labels: charts.Labels
    # the text alternative, written from ``rows`` (celltx.summary): accessible description, SVG
    # <desc>, slide alt text and notes, bundle index
    summary: str = ""
    # CAR-T response and a user's own studies: stats.pool per measure and target, every group
    # (diamonds only where pooled), with an endpoint column
    pooled: pd.DataFrame | None = None
    # the same: stats.subgroup_tests per measure (one row per stratum compared)
    subgroups: pd.DataFrame | None = None
    # the same: stats.leave_one_out_table per measure (groups of 3 or more studies)
    leave_one_out: pd.DataFrame | None = None
    # targets: disease x target with the number of values in the data (n_values)
    targets_summary: pd.DataFrame | None = None


@dataclass(frozen=True)
class Recipe:
    name: str  # file-name stem, e.g. cart_response_by_target
    caption: str
    empty: str  # what is missing, for the 'no data' message
    build: Callable[[Context], Result]
    selectable: bool = True  # points open a study record (not bars or matrix cells)

    @property
    def page(self) -> str:
        """The title of the page that shows this figure (celltx.pages)."""
        return pages.page_of(self.name).title


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
        full_citations={o.file: o.citation for o in ds.parsed.sources},
    )


one_point_per_value = linked.one_point_per_value  # the figures' name for the shared rule


def _result(
    ctx: Context,
    rows: pd.DataFrame,
    title: str,
    measure: str,
    draw: Callable[[pd.DataFrame, charts.Labels], go.Figure],
    describe: Callable[[str, pd.DataFrame], str] = summary.forest,
    footnote_rows: pd.DataFrame | None = None,
    **extras: pd.DataFrame,
) -> Result:
    """The one 'nothing to show' rule and the one place labels are made: linked records that
    report the same value become one point, the footnote cites the rows drawn (or
    ``footnote_rows``), the text summary describes the same rows, and no rows means no figure."""
    if len(rows) and "endpoint" in rows:
        rows = one_point_per_value(rows)
    labels = ctx.labels(title, measure, rows if footnote_rows is None else footnote_rows)
    fig = charts.mark_legend(draw(rows, labels), rows, ctx.theme) if len(rows) else None
    text = describe(title, rows) if len(rows) else ""
    return Result(rows, fig, labels, text, **extras)


# ---------------------------------------------------------------------------------------------
# Recipes


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


def overview(ctx: Context) -> Result:
    # the hierarchy rolled up: one row per (study, term), so a bar counts each study once
    return _result(
        ctx,
        filters.roll_up(linked.one_per_study(ctx.studies)).assign(disease=lambda d: d["term"]),
        "Patients and studies by disease and modality",
        "patients with a printed n; linked records counted once; a disease counts its narrower "
        "diseases' studies too",
        lambda d, labels: charts.overview_chart(d, labels, ctx.theme),
        summary.overview,
        footnote_rows=ctx.outcomes,
    )


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


@dataclass(frozen=True)
class Pooling:
    """Per endpoint: the pooled table, the subgroup tests and leave-one-out, each with an
    ``endpoint`` column (the forest's panel)."""

    pooled: pd.DataFrame
    subgroups: pd.DataFrame
    leave_one_out: pd.DataFrame


def pool_by_endpoint(rows: pd.DataFrame, user: bool = False, pool_broader: bool = False) -> Pooling:
    """Pool each endpoint of ``rows`` by target (measures never pooled together); ``user``: pool
    a user's uploaded studies among themselves, else the curated evidence (stats.groups);
    broader cohorts of a disease filter only with ``pool_broader`` (``broader_included`` says which)."""
    parts: dict[str, list[pd.DataFrame]] = {"pooled": [], "subgroups": [], "leave_one_out": []}
    for m in rows["endpoint"].unique() if len(rows) else []:
        table = stats.pool(rows, m, by="target_group", user=user, pool_broader=pool_broader)
        parts["pooled"].append(table.assign(endpoint=m))
        parts["subgroups"].append(stats.subgroup_tests(table, m))
        loo = stats.leave_one_out_table(rows, m, by="target_group", user=user, pool_broader=pool_broader)
        parts["leave_one_out"].append(loo.assign(endpoint=m))
    empty = {
        "pooled": [*stats.POOL_COLUMNS, *stats.POOL_EXTRA, "endpoint"],
        "subgroups": [*stats.SUBGROUP_COLUMNS, "stratum"],
        "leave_one_out": [*stats.LEAVE_ONE_OUT_COLUMNS, "endpoint"],
    }
    frames = {
        k: pd.concat([f for f in v if len(f)], ignore_index=True)
        if any(len(f) for f in v)
        else pd.DataFrame(columns=empty[k])
        for k, v in parts.items()
    }
    frames["pooled"] = with_broader_included(frames["pooled"], rows)
    return Pooling(**frames)


def cart_response(ctx: Context) -> Result:
    rows = cart_response_rows(ctx)
    # pooling dedupes linked records itself, from every row
    pooling = pool_by_endpoint(rows, pool_broader=ctx.filters.pool_broader)
    diamonds = pooling.pooled[stats.poolable(pooling.pooled)]
    return _result(
        ctx,
        rows.sort_values(["target_group", "value_pct"], na_position="last"),
        "CAR-T response rate by target antigen",
        "CR, CR/CRi and overall response in separate panels; exact 95% CI",
        lambda d, labels: charts.response_forest(d, diamonds, labels, ctx.theme, pooling.subgroups),
        lambda title, d: summary.response(title, d, pooling.pooled),
        pooled=pooling.pooled,
        subgroups=pooling.subgroups,
        leave_one_out=pooling.leave_one_out,
    )


def own_studies(ctx: Context) -> Result:
    """A user's uploaded studies pooled among themselves with the same methods, never with the
    curated evidence: every proportion they report, a panel per endpoint."""
    o = ctx.outcomes
    rows = o[
        stats.is_user(o) & (o["value_pct"].notna() | o["value_low_pct"].notna() | o["value_high_pct"].notna())
    ]
    pooling = pool_by_endpoint(rows, user=True, pool_broader=ctx.filters.pool_broader)
    diamonds = pooling.pooled[stats.poolable(pooling.pooled)]
    return _result(
        ctx,
        rows.sort_values(["endpoint", "target_group", "value_pct"], na_position="last"),
        "YOUR uploaded studies, pooled among themselves",
        "your data, this session only; never pooled with the curated evidence; exact 95% CI",
        lambda d, labels: charts.pooled_forest(d, diamonds, labels, ctx.theme, pooling.subgroups),
        lambda title, d: summary.response(title, d, pooling.pooled),
        pooled=pooling.pooled,
        subgroups=pooling.subgroups,
        leave_one_out=pooling.leave_one_out,
    )


def cart_crs(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[(o["modality"] == "CAR-T") & (o["endpoint"] == "CRS")]
    return _result(
        ctx,
        rows.sort_values(["target_group", "value_pct"]),
        "CRS incidence after CAR-T by target antigen",
        "one panel per grade scope",
        lambda d, labels: charts.crs_by_target(d, labels, ctx.theme),
    )


def cart_dose(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[
        (o["modality"] == "CAR-T")
        & o["dose_unit"].notna()
        & o["endpoint"].isin([*(e for e, v in vocab.ENDPOINTS.items() if v[0] == "response"), "CRS"])
        & (o["arm"] == "all")
        & o["value_pct"].notna()
    ]
    return _result(
        ctx,
        rows,
        "Response and CRS against CAR-T dose",
        "log dose axis; a panel per dose unit; lines span printed dose ranges",
        lambda d, labels: charts.dose_chart(d, labels, ctx.theme),
        summary.dose,
    )


def neurotoxicity(ctx: Context) -> Result:
    rows = ctx.outcomes[ctx.outcomes["endpoint"] == "neurotoxicity"]
    return _result(
        ctx,
        rows.sort_values(["endpoint", "study"]),
        "Neurotoxicity where reported",
        "incidence; bounds printed as 'up to'",
        lambda d, labels: charts.bounds_chart(d, labels, ctx.theme),
    )


def survival(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[
        (o["family"] == "survival")
        & o["modality"].isin(["CAR-T", "CAR-NK"])
        & o["value_pct"].notna()
        & o["time_months"].notna()
    ]
    return _result(
        ctx,
        rows,
        "Survival after CAR-T at printed landmarks",
        "a panel per endpoint; x = landmark in months",
        lambda d, labels: charts.survival_landmarks(d, labels, ctx.theme),
        summary.landmarks,
    )


def medians(ctx: Context) -> Result:
    o = ctx.outcomes[ctx.outcomes["modality"] == "CAR-T"]
    rows = o[o["median_months"].notna() | o["median_low_months"].notna() | o["duration_low_months"].notna()]
    return _result(
        ctx,
        rows.sort_values(["endpoint", "target_group"]),
        "Median survival and response duration after CAR-T",
        "each row names its measure",
        lambda d, labels: charts.medians_chart(d, labels, ctx.theme),
        summary.medians,
    )


RELAPSE_ENDPOINTS = [
    "relapse",
    "relapse or death",
    "proceeded to HSCT",
    "remained MRD-negative",
    "MRD conversion",
]


def relapse_bridge(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[
        (o["modality"] == "CAR-T")
        & o["endpoint"].isin(RELAPSE_ENDPOINTS)
        & (o["value_pct"].notna() | o["value_high_pct"].notna())
    ]
    return _result(
        ctx,
        rows,
        "Relapse after CAR-T and bridging to transplant",
        "each row names its measure, arm and landmark",
        lambda d, labels: charts.labelled_forest(d, labels, ctx.theme),
    )


def nk_results(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[
        o["modality"].isin(["NK", "CAR-NK"])
        & o["family"].isin(["response", "survival", "incidence", "toxicity"])
        & (o["value_pct"].notna() | o["value_low_pct"].notna() | o["value_high_pct"].notna())
    ]
    # the arm's curated role; a single-arm result (no declared arm) is NK-treated patients
    rows = rows.assign(
        role=rows["arm_role"].fillna("treatment"), setting=rows["setting"].fillna("setting not stated")
    )
    rows = rows.assign(comparison=comparisons(rows))
    return _result(
        ctx,
        rows,
        "NK-cell therapy results by setting",
        "each row names its measure and arm; green = NK-treated, black = comparator",
        lambda d, labels: charts.labelled_forest(
            d,
            labels,
            ctx.theme,
            group_col="role",
            color_of=vocab.ROLE_COLORS.__getitem__,
            legend_title="Arm",
            facet_col="setting",
            compare="comparison",
        ),
    )


def donor(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[o["modality"] == "allo-HSCT"]
    protocol = ctx.options.get("protocol")
    if protocol and protocol != "All":
        rows = rows[rows["protocol"] == protocol]
    rows = rows[
        rows["donor_type"].notna()
        & rows["value_pct"].notna()
        & rows["family"].isin(["survival", "incidence"])  # the chart's two panels
    ]
    return _result(
        ctx,
        rows,
        "Transplant outcomes by donor type: HID vs ISD",
        f"protocol: {protocol or 'All'}; survival (higher better) and incidence (lower better) apart",
        lambda d, labels: charts.donor_dumbbell(d, labels, ctx.theme),
        summary.donor,
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
    return _result(
        ctx,
        rows,
        "Candidate CAR targets by disease",
        "Table 2 and text; ● = clinical results in the data",
        lambda _, labels: charts.targets_matrix(tg, with_results, labels, ctx.theme),
        lambda title, _: summary.targets(title, tg, with_results),
        footnote_rows=tg,
        targets_summary=with_results,
    )


COMPARISON = ["record_id", "endpoint", "scope", "time_months"]


def comparisons(rows: pd.DataFrame) -> pd.Series:
    """A comparison id for the arms of one comparison (one record, measure, scope and landmark
    with a treated and a comparator arm), None for every other row: the chart draws each
    comparison's arms side by side on one row."""
    key = pd.Series([str(t) for t in rows[COMPARISON].itertuples(index=False)], index=rows.index)
    roles = rows.groupby(key)["role"].transform("nunique")
    return key.where(roles > 1, None)


RECIPES: list[Recipe] = [
    Recipe(
        "overview_patients_by_disease",
        "Patients (printed n) and studies by disease, "
        "stacked by modality; a table row and its text passage count once.",
        "studies",
        overview,
    ),
    Recipe(
        "cart_response_by_target",
        "CAR-T response rate per study with exact 95% CI, "
        "coloured by target; diamonds are random-effects pooled estimates.",
        "CAR-T response results",
        cart_response,
    ),
    Recipe(
        "cart_crs_by_target",
        "CRS incidence after CAR-T, one panel per grade scope.",
        "CAR-T CRS results",
        cart_crs,
    ),
    Recipe(
        "cart_dose_response_crs",
        "Response and CRS against CAR dose (log axis), one panel per dose unit.",
        "dose-linked CAR-T results",
        cart_dose,
    ),
    Recipe(
        "neurotoxicity",
        "Neurotoxicity where reported.",
        "neurotoxicity results",
        neurotoxicity,
    ),
    Recipe(
        "cart_survival_landmarks",
        "Landmark survival estimates after CAR-T, one panel per endpoint.",
        "CAR-T survival results",
        survival,
    ),
    Recipe(
        "cart_medians",
        "Median survival and response durations after CAR-T.",
        "median or duration results",
        medians,
    ),
    Recipe(
        "cart_relapse_bridge",
        "Relapse after CAR-T and bridging to transplant; every row names its measure.",
        "relapse or bridging results",
        relapse_bridge,
    ),
    Recipe(
        "nk_results_by_setting",
        "NK-cell and CAR-NK results by setting, NK-treated vs comparator arms with P values.",
        "NK or CAR-NK results",
        nk_results,
    ),
    Recipe(
        "donor_hid_vs_isd",
        "Haploidentical (HID) vs identical-sibling (ISD) donors per "
        "study and endpoint, with the printed P value.",
        "donor-type comparisons",
        donor,
    ),
    Recipe(
        "targets_matrix",
        "Candidate CAR target antigens by disease and which have clinical results in the data.",
        "targets",
        targets,
    ),
    Recipe(
        "own_studies_pooled",
        "Your uploaded studies (this session only) with exact 95% CI, pooled among themselves by "
        "target with the same methods; never pooled with the curated evidence.",
        "uploaded studies with a proportion",
        own_studies,
    ),
]
BY_NAME = {r.name: r for r in RECIPES}
