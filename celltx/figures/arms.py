"""Arms compared: NK-treated vs comparator arms by setting, and haploidentical vs identical-
sibling donors. The record says each arm's role and donor type; nothing is read from arm names."""

from __future__ import annotations

import pandas as pd

from celltx import charts, summary, vocab
from celltx.figures.base import Context, Recipe, Result, make_result


def nk_results(ctx: Context) -> Result:
    o = ctx.outcomes
    rows = o[
        o["modality"].isin(["NK", "CAR-NK"])
        & o["family"].isin(["response", "survival", "incidence", "toxicity"])
        & (o["value_pct"].notna() | o["value_low_pct"].notna() | o["value_high_pct"].notna())
    ]
    # the record says which arm is treated and which the comparator; a whole cohort ('all') of an
    # NK study received NK cells; an arm the record does not declare (possible in an upload) is
    # drawn as 'role not stated', never guessed
    given = rows["arm_role"].fillna("").astype(str)
    role = given.where(given != "", vocab.ROLE_NOT_STATED)
    role = role.where((rows["arm"] != "all") | (given != ""), "treatment")
    rows = rows.assign(role=role, setting=rows["setting"].fillna("setting not stated"))
    rows = rows.assign(comparison=comparisons(rows))
    return make_result(
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
            legend_title=vocab.axis_title("arm_role"),
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
    return make_result(
        ctx,
        rows,
        "Transplant outcomes by donor type: HID vs ISD",
        f"protocol: {protocol or 'All'}; survival (higher better) and incidence (lower better) apart",
        lambda d, labels: charts.donor_dumbbell(d, labels, ctx.theme),
        summary.donor,
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
        "nk_results_by_setting",
        "nk",
        "NK-cell and CAR-NK results by setting, NK-treated vs comparator arms with P values.",
        "NK or CAR-NK results",
        nk_results,
    ),
    Recipe(
        "donor_hid_vs_isd",
        "donor",
        "Haploidentical (HID) vs identical-sibling (ISD) donors per "
        "study and endpoint, with the printed P value.",
        "donor-type comparisons",
        donor,
    ),
]
