"""CAR-T safety, dose and time: CRS by target, response and CRS against dose, neurotoxicity,
landmark survival, medians, relapse and bridging to transplant."""

from __future__ import annotations

from celltx import charts, summary, vocab
from celltx.figures.base import Context, Recipe, Result, make_result


def cart_crs(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[(o["modality"] == "CAR-T") & (o["endpoint"] == "CRS")]
    return make_result(
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
    return make_result(
        ctx,
        rows,
        "Response and CRS against CAR-T dose",
        "a panel per measure and dose unit; log dose axis; lines span printed dose ranges",
        lambda d, labels: charts.dose_chart(d, labels, ctx.theme),
        summary.dose,
    )


def neurotoxicity(ctx: Context) -> Result:
    rows = ctx.outcomes[ctx.outcomes["endpoint"] == "neurotoxicity"]
    return make_result(
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
    return make_result(
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
    return make_result(
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
    return make_result(
        ctx,
        rows,
        "Relapse after CAR-T and bridging to transplant",
        "each row names its measure, arm and landmark",
        lambda d, labels: charts.labelled_forest(d, labels, ctx.theme),
    )


RECIPES: list[Recipe] = [
    Recipe(
        "cart_crs_by_target",
        "crs_dose",
        "CRS incidence after CAR-T, one panel per grade scope.",
        "CAR-T CRS results",
        cart_crs,
    ),
    Recipe(
        "cart_dose_response_crs",
        "crs_dose",
        "Response and CRS against CAR dose (log axis), one panel per measure and dose unit.",
        "dose-linked CAR-T results",
        cart_dose,
    ),
    Recipe(
        "neurotoxicity",
        "crs_dose",
        "Neurotoxicity where reported.",
        "neurotoxicity results",
        neurotoxicity,
    ),
    Recipe(
        "cart_survival_landmarks",
        "survival",
        "Landmark survival estimates after CAR-T, one panel per endpoint.",
        "CAR-T survival results",
        survival,
    ),
    Recipe(
        "cart_medians",
        "survival",
        "Median survival and response durations after CAR-T.",
        "median or duration results",
        medians,
    ),
    Recipe(
        "cart_relapse_bridge",
        "survival",
        "Relapse after CAR-T and bridging to transplant; every row names its measure.",
        "relapse or bridging results",
        relapse_bridge,
    ),
]
