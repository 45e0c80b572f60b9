"""Pooled forests: CAR-T response by target (curated evidence) and a user's own uploaded studies,
each pooled per endpoint with the same methods, never with each other."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from celltx import charts, stats, summary
from celltx.figures.base import Context, Recipe, Result, make_result


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
    tests = stats.tested(pooling.subgroups)  # the chart prints the tests that ran
    return make_result(
        ctx,
        rows.sort_values(["target_group", "value_pct"], na_position="last"),
        "CAR-T response rate by target antigen",
        "CR, CR/CRi and overall response in separate panels; exact 95% CI",
        lambda d, labels: charts.response_forest(d, diamonds, labels, ctx.theme, tests),
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
    tests = stats.tested(pooling.subgroups)  # the chart prints the tests that ran
    return make_result(
        ctx,
        rows.sort_values(["endpoint", "target_group", "value_pct"], na_position="last"),
        "YOUR uploaded studies, pooled among themselves",
        "your data, this session only; never pooled with the curated evidence; exact 95% CI",
        lambda d, labels: charts.pooled_forest(d, diamonds, labels, ctx.theme, tests),
        lambda title, d: summary.response(title, d, pooling.pooled),
        pooled=pooling.pooled,
        subgroups=pooling.subgroups,
        leave_one_out=pooling.leave_one_out,
    )


RECIPES: list[Recipe] = [
    Recipe(
        "cart_response_by_target",
        "cart_response",
        "CAR-T response rate per study with exact 95% CI, "
        "coloured by target; diamonds are random-effects pooled estimates.",
        "CAR-T response results",
        cart_response,
    ),
    Recipe(
        "own_studies_pooled",
        "data",
        "Your uploaded studies (this session only) with exact 95% CI, pooled among themselves by "
        "target with the same methods; never pooled with the curated evidence.",
        "uploaded studies with a proportion",
        own_studies,
        needs_upload=True,
    ),
]
