"""The library's one Streamlit module: cached loading, the shared filters, showing figures.

Pages call these helpers and stay thin. Nothing here computes evidence: it reads the frames that
``celltx.load`` builds, applies ``celltx.filters`` and hands figures from ``celltx.charts`` to
Streamlit with the toolbar set for slide-ready downloads.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from celltx import charts, figures, filters, load, pages, safe_yaml, stats
from celltx import summary as textsummary
from celltx.charts import text

log = logging.getLogger(__name__)

DATA_ENV_KEY = "CELLTX_DATA"
FILTER_KEYS = {"disease": "f_disease", "modality": "f_modality", "target": "f_target"}
YEARS_KEY = "f_years"
BROADER_KEY, POOL_BROADER_KEY = "f_broader", "f_pool_broader"
PRESENTATION_KEY, DARK_KEY = "f_presentation", "f_dark"


def data_dir() -> Path:
    import os

    return Path(os.environ.get(DATA_ENV_KEY, load.DATA_DIR))


def _fingerprint(path: Path) -> str:
    """Name, size and modification time of every data file: changes when a file does, without
    reading the files on every rerun (the loader itself versions the data by content)."""
    stats: list[tuple[str, int, int]] = []
    for p in load.data_files(path):
        try:
            st_ = p.stat()
            stats.append((p.name, st_.st_size, st_.st_mtime_ns))
        except OSError as e:  # a broken link: the loader reports it as a problem of that file
            stats.append((p.name, e.errno or 0, 0))
    return hashlib.sha256(repr(stats).encode()).hexdigest()


@dataclass(frozen=True)
class Frames:
    """What a page needs from the data. Read-only: every caller filters into a new frame."""

    outcomes: pd.DataFrame
    studies: pd.DataFrame
    targets: pd.DataFrame
    problems: tuple[str, ...]
    version: str
    citations: dict[str, str]  # short, for figure footnotes
    full_citations: tuple[str, ...] = ()
    full_by_file: dict[str, str] = field(default_factory=dict)  # source file -> full citation
    options: dict[str, list[str]] = field(default_factory=dict)
    bounds: tuple[int, int] | None = None
    disease_counts: dict[str, tuple[int, int]] = field(default_factory=dict)


# st.cache_resource, not st.cache_data: cache_data unpickles a fresh copy on every call, which
# bench/ measured at 36 ms and 26 MB per call at 10,000 studies, a dozen calls per rerun. The
# frames are shared read-only (tests/app check that running every page leaves them unchanged);
# the cache key is every input of the function: the folder and the fingerprint of its files.
@st.cache_resource(show_spinner="Loading the evidence tables…", max_entries=4)
def _load_frames(path: str, fingerprint: str) -> Frames:
    ds = load.load_dataset(Path(path), cached=False)
    # the dataset is not kept, so its frames are taken as they are rather than copied
    outcomes, studies = ds.outcomes_, ds.studies_
    return Frames(
        outcomes,
        studies,
        ds.targets_,
        tuple(str(p) for p in ds.problems),
        ds.version,
        {o.file: o.short_citation or o.citation for o in ds.parsed.sources},
        tuple(o.citation for o in ds.parsed.sources),
        {o.file: o.citation for o in ds.parsed.sources},
        filters.options(studies),
        filters.year_bounds(studies),
        filters.disease_counts(studies),
    )


def frames() -> Frames:
    path = data_dir()
    return _load_frames(str(path), _fingerprint(path))


# ---------------------------------------------------------------------------------------------
# A user's uploaded studies: validated once, kept in this browser session only, never written

USER_KEY = "user_upload"


def user_data() -> dict | None:
    return st.session_state.get(USER_KEY)


def add_upload(data: bytes, name: str, file_id: str) -> dict:
    """Validate an upload and keep its valid records for this session; returns the upload state.

    Never raises: a file that breaks anything, expected or not, becomes a message for this file,
    with the detail in the server log, and the state can always be cleared with the remove button.
    """
    name = safe_yaml.clip(Path(name).name or "upload", 120)
    try:
        state = _upload_state(data, name, file_id)
    except load.DataError as e:
        state = _failed_upload(file_id, name, [_problem_row(p) for p in e.problems])
    except Exception as e:  # a bug must not leave a state that re-raises on every rerun
        log.exception("upload %r could not be read", name)
        reason = (
            f"the file could not be read (internal error: {type(e).__name__}); nothing was added. "
            "The details are in the server log."
        )
        state = _failed_upload(file_id, name, [{"where": name, "record": "", "field": "", "reason": reason}])
    state["digest"] = hashlib.sha256(data).hexdigest()[:16]  # names the upload in the figure cache
    st.session_state[USER_KEY] = state
    return state


def _failed_upload(file_id: str, name: str, problems: list[dict]) -> dict:
    return {
        "file_id": file_id,
        "name": name,
        "problems": problems,
        "studies": (),
        "outcomes": None,
        "study_rows": None,
    }


def _upload_state(data: bytes, name: str, file_id: str) -> dict:
    from celltx import upload

    parsed = upload.parse_upload(data, name)
    curated = set(frames().studies["record_id"])
    clashes = [s.id for s in parsed.studies if s.id in curated]
    problems = [_problem_row(p) for p in parsed.problems]
    problems += [
        {
            "where": name,
            "record": c,
            "field": "id",
            "reason": "id already used by a curated record; choose another id",
        }
        for c in clashes
    ]
    studies = tuple(s for s in parsed.studies if s.id not in clashes)
    return {
        "file_id": file_id,
        "name": name,
        "problems": problems,
        "studies": studies,
        "outcomes": load.outcomes_frame(studies, user_data=True) if studies else None,
        "study_rows": load.studies_frame(studies, user_data=True) if studies else None,
    }


def clear_upload() -> None:
    """Forget the uploaded studies and reset the uploader (a new key empties the widget)."""
    st.session_state.pop(USER_KEY, None)
    st.session_state["_upload_generation"] = st.session_state.get("_upload_generation", 0) + 1


def upload_key() -> str:
    return f"upload_file_{st.session_state.get('_upload_generation', 0)}"


def _problem_row(p: load.Problem) -> dict:
    where = f"line/row {p.line}" if p.line else p.file
    return {"where": where, "record": p.record or "", "field": p.field or "", "reason": p.message}


def filter_options() -> dict[str, list[str]]:
    """Every value each filter can take: the curated data's (computed once at load) and the
    session's uploaded studies'."""
    base = frames().options
    u = user_data()
    if not u or u.get("study_rows") is None:
        return base
    extra = filters.options(u["study_rows"])
    return {k: sorted(set(base.get(k, [])) | set(extra.get(k, []))) for k in base.keys() | extra.keys()}


def disease_counts() -> dict[str, tuple[int, int]]:
    """Records each disease choice reaches (direct, broader), the session's uploads included."""
    u = user_data()
    if not u or u.get("study_rows") is None:
        return frames().disease_counts
    return filters.disease_counts(all_studies())


def year_bounds() -> tuple[int, int] | None:
    u = user_data()
    if not u or u.get("study_rows") is None:
        return frames().bounds
    return filters.year_bounds(all_studies())


def all_outcomes() -> pd.DataFrame:
    """Curated values plus this session's uploaded ones (marked user_data)."""
    u = user_data()
    base = frames().outcomes
    if u and u.get("outcomes") is not None:
        return pd.concat([base, u["outcomes"]], ignore_index=True)
    return base


def all_studies() -> pd.DataFrame:
    u = user_data()
    base = frames().studies
    if u and u.get("study_rows") is not None:
        return pd.concat([base, u["study_rows"]], ignore_index=True)
    return base


# ---------------------------------------------------------------------------------------------
# Shared filters (rendered by app.py in the sidebar on every page)


def current_filters() -> filters.Filters:
    bounds = year_bounds()
    years = st.session_state.get(YEARS_KEY, bounds)
    return filters.Filters(
        tuple(st.session_state.get(FILTER_KEYS["disease"], ())),
        tuple(st.session_state.get(FILTER_KEYS["modality"], ())),
        tuple(st.session_state.get(FILTER_KEYS["target"], ())),
        tuple(years) if years else None,
        bounds,
        broader=bool(st.session_state.get(BROADER_KEY, True)),
        pool_broader=bool(st.session_state.get(POOL_BROADER_KEY, False)),
    )


def _url_filters(
    opts: dict[str, list[str]], bounds: tuple[int, int] | None
) -> tuple[filters.Filters, bool, bool] | None:
    """The URL's filters and look (presentation, dark) when the URL should set the widgets: on a
    session's first run (a shared link) and when a link changed the URL since; else None."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    flat = {k: v[0] if len(v) == 1 else v for k, v in params.items()}
    first = not st.session_state.get("_filters_from_url")
    # After the first run the URL only differs from what we last wrote when a link (st.page_link
    # with query parameters) or the user changed it; an empty URL after page navigation keeps state.
    if not first and (not flat or flat == st.session_state.get("_last_params")):
        return None
    st.session_state["_filters_from_url"] = True
    look = st.query_params.get("presentation")
    return filters.from_params(params, opts, bounds), look in ("1", "dark"), look == "dark"


def _keep_full_years(bounds: tuple[int, int] | None) -> None:
    """A full year range stays full when uploaded studies widen it; a narrowed one is clipped."""
    old = st.session_state.get("_year_bounds")
    if bounds and old and tuple(old) != bounds:
        years = st.session_state.get(YEARS_KEY)
        if years is None or tuple(years) == tuple(old):
            st.session_state[YEARS_KEY] = bounds
        else:
            lo, hi = max(years[0], bounds[0]), min(years[1], bounds[1])
            st.session_state[YEARS_KEY] = (lo, hi) if lo <= hi else bounds
    st.session_state["_year_bounds"] = bounds


def sidebar_filters() -> filters.Filters:
    """Disease, modality, target and year filters, persisted across pages and in the URL.

    Drawn before the page (app.py), which reads the same values from session state. On a
    session's first run the URL's filters are the widgets' defaults rather than session-state
    writes: a browser that reconnects to a restarted server starts a new session whose first run
    carries the widget values the user just changed, and a default gives way to those (a write
    would overwrite them, and the first filter change after a restart was lost). On later runs a
    link that changed the URL sets the widgets through session state.
    """
    opts = filter_options()
    bounds = year_bounds()
    first = not st.session_state.get("_filters_from_url")
    seed = _url_filters(opts, bounds)
    if seed is not None and not first:
        f, presentation, dark = seed
        for name, key in FILTER_KEYS.items():
            st.session_state[key] = list(getattr(f, name))
        if bounds:
            st.session_state[YEARS_KEY] = f.years
        st.session_state[BROADER_KEY] = f.broader
        st.session_state[POOL_BROADER_KEY] = f.pool_broader
        st.session_state[PRESENTATION_KEY] = presentation
        st.session_state[DARK_KEY] = dark
    _keep_full_years(bounds)
    # The URL's values are the widgets' defaults on the first run only; later each widget keeps
    # its state (a default next to a session-state write draws Streamlit's duplicate warning).
    init, init_presentation, init_dark = seed if first and seed is not None else (None, False, False)
    with st.sidebar:
        st.header("Filters")
        counts = disease_counts()
        st.multiselect(
            "Disease",
            opts["disease"],
            default=list(init.disease) if init else None,
            key=FILTER_KEYS["disease"],
            format_func=lambda t: filters.disease_option_label(t, counts),
            placeholder="All diseases",
            help="Terms of the WHO-based hierarchy (data/diseases.yaml), narrower terms indented. A "
            "choice shows records coded with the term or a narrower one (the first count) and, "
            "marked, broader or mixed cohorts that may include it, e.g. ALL of unstated lineage "
            "for B-ALL (the count after +). Counts are records: a table row and its text passage "
            "are two records.",
        )
        chosen = bool(st.session_state.get(FILTER_KEYS["disease"]))
        st.toggle(
            "Show broader cohorts (marked)",
            value=init.broader if init else filters.Filters().broader,
            key=BROADER_KEY,
            disabled=not chosen,
            help="Records coded with a broader term (e.g. ALL, lineage not stated) or mixed cohorts "
            "that include the chosen disease: drawn open with an x (same shape), with a legend entry "
            "saying which; hover or click a point for why. Off: only records of the chosen disease(s).",
        )
        st.toggle(
            "Pool broader cohorts too",
            value=init.pool_broader if init else filters.Filters().pool_broader,
            key=POOL_BROADER_KEY,
            disabled=not chosen or not st.session_state.get(BROADER_KEY, True),
            help="Off (default): pooled estimates leave broader cohorts out and list them as excluded.",
        )
        st.multiselect(
            "Modality",
            opts["modality"],
            default=list(init.modality) if init else None,
            key=FILTER_KEYS["modality"],
            placeholder="All modalities",
        )
        st.multiselect(
            "Target antigen",
            opts["target"],
            default=list(init.target) if init else None,
            key=FILTER_KEYS["target"],
            placeholder="All targets",
            help="Studies without a target (NK, transplant) are hidden while a target is selected.",
        )
        if bounds and bounds[0] < bounds[1]:
            st.slider(
                "Publication year",
                bounds[0],
                bounds[1],
                value=init.years if init else (None if YEARS_KEY in st.session_state else bounds),
                key=YEARS_KEY,
                help="Records without a printed year are shown only while the full range is selected.",
            )
        st.divider()
        st.toggle(
            "Presentation mode",
            value=init_presentation,
            key=PRESENTATION_KEY,
            help="Larger fonts and markers, 16:9 figures for slides. Changes the look, not the data.",
        )
        if st.session_state.get(PRESENTATION_KEY):
            st.toggle("Dark slide background", value=init_dark, key=DARK_KEY)
        st.divider()
        slides_button(
            [r.name for r in figures.RECIPES],
            key="slides_all",
            label="Download slides: every figure (PPTX)",
            help="Every figure that has data under these filters as a 16:9 PowerPoint deck: title "
            "slide, one slide per figure (source, text summary and link in the notes), Sources slide.",
        )
    current = current_filters()
    params = filters.view_params(current, *_look())
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
    st.session_state["_last_params"] = params
    return current


def _look() -> tuple[bool, bool]:
    """(presentation, dark) as the sidebar set them."""
    presentation = bool(st.session_state.get(PRESENTATION_KEY))
    return presentation, presentation and bool(st.session_state.get(DARK_KEY))


def theme() -> charts.Theme:
    return charts.Theme(*_look())


def filtered_outcomes() -> pd.DataFrame:
    return filters.apply(all_outcomes(), current_filters())


def filtered_studies() -> pd.DataFrame:
    return filters.apply(all_studies(), current_filters())


# ---------------------------------------------------------------------------------------------
# Figures


def context(**options: str) -> figures.Context:
    return _context(current_filters(), theme(), options)


def _context(
    cur: filters.Filters, th: charts.Theme, options: dict[str, str], curated_only: bool = False
) -> figures.Context:
    f = frames()
    outcomes, studies = (f.outcomes, f.studies) if curated_only else (all_outcomes(), all_studies())
    return _context_of(f, outcomes, studies, cur, th, options)


def _context_of(
    f: Frames,
    outcomes: pd.DataFrame,
    studies: pd.DataFrame,
    cur: filters.Filters,
    th: charts.Theme,
    options: dict[str, str],
) -> figures.Context:
    """A recipe's context: these values and studies under these filters, with the data's
    citations and version (the page's figures and the slides built on click alike)."""
    return figures.Context(
        filters.apply(outcomes, cur),
        filters.apply(studies, cur),
        f.targets,
        cur,
        f.citations,
        f.version,
        th,
        dict(options),
        f.full_by_file,
    )


# A page switch reruns the page and rebuilt its figures from scratch: bench/ measured it at 2.5x the
# minimal app's, most of it building the figure. A figure is a function of its inputs (recipe,
# filters, options, theme, the data's version and this session's upload), so the result is kept
# for those inputs; like the frames it is shared read-only (views only read it).
@st.cache_resource(max_entries=24, show_spinner=False)
def _built(
    name: str,
    cur: filters.Filters,
    th: charts.Theme,
    options: tuple[tuple[str, str], ...],
    version: str,
    upload: tuple[str, bool] | None,
) -> figures.Result:
    # without an upload the build reads no session state (celltx.warmup runs it outside a session)
    return figures.BY_NAME[name].build(_context(cur, th, dict(options), curated_only=upload is None))


def _upload_key() -> tuple[str, bool] | None:
    """Which upload this session's figures include (None: the curated data only)."""
    u = user_data()
    return (str(u.get("digest")), u.get("outcomes") is not None) if u else None


def fresh_filters() -> filters.Filters:
    """The filters of a new session opened without query parameters (what ``sidebar_filters`` seeds
    and ``current_filters`` then reads), for warming the figure cache before anyone connects."""
    f = frames()
    seeded = filters.from_params({}, f.options, f.bounds)
    return filters.Filters(
        seeded.disease,
        seeded.modality,
        seeded.target,
        seeded.years,
        f.bounds,
        broader=seeded.broader,
        pool_broader=seeded.pool_broader,
    )


def warm_figures(recipes: Sequence[str]) -> None:
    """Build these recipes' figures for a new session (``celltx.warmup`` at server start), into
    the cache ``figure`` reads: the first visitor's page then shows them without building them."""
    version = frames().version
    for name in recipes:
        _built(name, fresh_filters(), charts.Theme(), (), version, None)


def figure(name: str, key: str, **options: str) -> figures.Result:
    """Build a dashboard figure by recipe name and show it, or say clearly that nothing matches."""
    recipe = figures.BY_NAME[name]
    built = _built(
        name, current_filters(), theme(), tuple(sorted(options.items())), frames().version, _upload_key()
    )
    if built.figure is None:
        nothing_to_show(recipe.empty)
    else:
        show(
            built.figure,
            key=key,
            name=recipe.name,
            selectable=recipe.selectable,
            title=built.labels.title,
            summary=built.summary,
        )
        text_alternative(built, recipe.name, key)
    return built


POOLED_TABLE = {
    "endpoint": "Measure",
    "group": "Group",
    "k": "k",
    "n_total": "n",
    "pooled_pct": "Pooled %",
    "ci_low_pct": "95% CI low %",
    "ci_high_pct": "95% CI high %",
    "q": "Q",
    "q_df": "df",
    "q_p": "P (Q)",
    "i2_pct": "I² %",
    "tau2": "τ²",
    "prediction_interval": "95% prediction interval",
    "pi_low_pct": "PI low %",
    "pi_high_pct": "PI high %",
    "included": "Studies pooled",
    "broader_included": "Of which broader cohorts",
}
LEAVE_ONE_OUT_TABLE = {
    "endpoint": "Measure",
    "group": "Group",
    "omitted": "Left out",
    "k": "k (others)",
    "pooled_pct": "Pooled %",
    "ci_low_pct": "95% CI low %",
    "ci_high_pct": "95% CI high %",
    "tau2": "τ²",
    "i2_pct": "I² %",
}


def _labelled(df: pd.DataFrame, columns: dict[str, str]) -> dict:
    """Column labels for st.dataframe (the frame keeps its contract names, so tests and the
    CSV read the same columns)."""
    return {c: st.column_config.Column(label) for c, label in columns.items() if c in df.columns}


def pooling_tables(result: figures.Result, key: str, whose: str = "") -> None:
    """Under a chart that pools: the methods in two sentences, the pooled table with Q, df, P,
    I², τ² and the prediction interval, the tests for subgroup differences with the groups they
    compared, every exclusion and leave-one-out. ``whose``: 'your ' for a user's own studies."""
    pooled = result.pooled if result.pooled is not None else pd.DataFrame(columns=stats.POOL_COLUMNS)
    st.caption(stats.METHODS_SUMMARY)
    st.subheader(
        f"Pooled estimates of {whose}studies (random effects, where ≥ {stats.MIN_POOL} studies have n)"
    )
    f = current_filters()
    if f.disease and f.broader:  # say whether the estimates include the marked broader cohorts
        st.caption(
            "Broader cohorts (marked on the chart) are included in these estimates where listed under "
            "'Of which broader cohorts'."
            if f.pool_broader
            else "Broader cohorts (marked on the chart) are not pooled: they are listed under "
            "'Excluded from pooling' with the reason. Switch on 'Pool broader cohorts too' to include them."
        )
    shown = pooled[stats.poolable(pooled)]
    if shown.empty:
        st.info(f"No target has {stats.MIN_POOL} or more studies with n for one measure under these filters.")
    else:
        shown = shown.assign(prediction_interval=[text.prediction_text(r) for _, r in shown.iterrows()])
        cols = [c for c in POOLED_TABLE if c in shown.columns and (c != "broader_included" or f.pool_broader)]
        st.dataframe(
            shown[cols],
            hide_index=True,
            width="stretch",
            key=f"{key}_pooled",
            column_config=_labelled(shown, POOLED_TABLE),
        )
    st.subheader("Test for subgroup differences")
    tests = result.subgroups if result.subgroups is not None else pd.DataFrame(columns=["k_groups"])
    compared = stats.tested(tests)
    if compared.empty:
        st.info("No measure has two or more targets with a pooled estimate to compare under these filters.")
    for _, t in compared.iterrows():
        stratum = f" ({t['stratum']})" if t["stratum"] else ""
        st.markdown(f"**{md_escape(t['endpoint'])}{md_escape(stratum)}**: {md_escape(text.subgroup_text(t))}")
    st.caption(
        "Random-effects test (Q between the targets' pooled estimates, df = groups - 1); only targets "
        "with a pooled estimate take part. Targets also differ in disease, product and dose."
    )
    st.subheader("Excluded from pooling")
    excl = pooled[pooled["excluded"] != ""][["endpoint", "group", "excluded_reasons"]]
    st.dataframe(excl, hide_index=True, width="stretch", key=f"{key}_excluded")
    st.subheader("Leave-one-out")
    loo = result.leave_one_out
    if loo is None or loo.empty:
        st.info(
            f"No target has {stats.MIN_LEAVE_ONE_OUT} or more pooled studies for one measure under "
            "these filters; leave-one-out needs at least that many."
        )
    else:
        st.caption("Each row: the pooled estimate without the study named, from the others.")
        cols = [c for c in LEAVE_ONE_OUT_TABLE if c in loo.columns]
        st.dataframe(
            loo[cols],
            hide_index=True,
            width="stretch",
            key=f"{key}_leave_one_out",
            column_config=_labelled(loo, LEAVE_ONE_OUT_TABLE),
        )


def has_data(df: pd.DataFrame, what: str) -> bool:
    """False (with a clear message) when the filters leave nothing to show."""
    if len(df):
        return True
    nothing_to_show(what)
    return False


def nothing_to_show(what: str) -> None:
    """The one 'nothing to show' message, for a table or a figure (a recipe returns no figure
    when its rows are empty; charts never draw an empty placeholder)."""
    st.info(
        f"No {what} match the current filters ({current_filters().describe()}). "
        "Widen the disease, modality, target or year filters in the sidebar.",
        icon="🔎",
    )


def image_config(name: str, fig: go.Figure) -> dict:
    """Toolbar download: 16:9 PNG at slide resolution (at least 1920 x 1080, rendered at 2x); a
    figure with many rows gets a taller 16:9 canvas so no row label is dropped."""
    width, height = charts.export_size(fig)
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": f"{name}_{current_filters().slug()}",
            "width": width,
            "height": height,
            "scale": charts.SLIDE_SCALE,
        },
    }


def _chart_width() -> Literal["stretch", "content"]:
    """Presentation mode shows the slide canvas as it will be exported (16:9, scroll if wider)."""
    return "content" if st.session_state.get(PRESENTATION_KEY) else "stretch"


def show(
    fig: go.Figure, key: str, name: str, selectable: bool = True, title: str = "", summary: str = ""
) -> None:
    """Show a figure; selecting a point opens that study's full record below it. The chart's
    accessible name is the start of its text summary (the whole summary is below the chart)."""
    alt = textsummary.short(summary or title or name, 300)
    if not selectable:
        st.plotly_chart(
            fig, key=key, theme=None, config=image_config(name, fig), width=_chart_width(), alt=alt
        )
        download_svg(fig, key, name, title, summary)
        return
    event = st.plotly_chart(
        fig,
        key=key,
        on_select="rerun",
        selection_mode="points",
        theme=None,
        config=image_config(name, fig),
        width=_chart_width(),
        alt=alt,
    )
    download_svg(fig, key, name, title, summary)
    points = cast(dict, event).get("selection", {}).get("points", []) if event else []
    ids = []
    for p in points:
        cd = p.get("customdata")
        if cd and not str(cd[0]).startswith("pooled:") and cd[0] not in ids:
            ids.append(cd[0])
    for rid in ids[:3]:
        record_panel(rid)
    if not ids:
        st.caption("Hover a point for its study, value, CI and quote; click it to open the full record.")


def download_svg(fig: go.Figure, key: str, name: str, title: str = "", summary: str = "") -> None:
    """An SVG of the figure, rendered on click by kaleido (needs Chromium on the server).

    Without a working Chromium the page says so in place of the button: a button whose click can
    only fail would do nothing visible (Streamlit logs the error of a deferred download)."""
    from celltx import export_image

    reason = export_image.unavailable()
    if reason:
        st.caption(
            f"SVG download is not available on this server: {md_escape(reason)} "
            "The chart toolbar's PNG download works without it.",
            help="Image export renders the figure in a headless Chromium on the server.",
        )
        return
    st.download_button(
        "Download SVG (16:9)",
        data=lambda: export_image.to_svg_bytes(fig, title, summary),
        file_name=f"{name}_{current_filters().slug()}.svg",
        mime=export_image.MIME["svg"],
        key=f"{key}_svg",
        on_click="ignore",
        icon=":material/download:",
    )


def md_escape(text: object) -> str:
    """Text from data, safe inside Streamlit Markdown: HTML escaped, Markdown syntax neutralised.

    Streamlit's Markdown goes beyond CommonMark: ``$...$`` is LaTeX, ``:smile:`` an emoji,
    ``:material/home:`` an icon and ``:red[...]`` a colour (which swallowed ":red" from the text).
    Escaping ``$``, ``:`` and ``/`` shows all of them as typed (checked in a browser:
    tests/browser/test_hostile.py)."""
    out = html.escape(str(text))
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$:/])", r"\\\1", out)


def markdown_table(df: pd.DataFrame, columns: dict[str, str]) -> str:
    """A short table as Markdown, which Streamlit shows as a plain HTML table: every row at once,
    read by screen readers as a table, and much lighter for the browser than ``st.dataframe``'s
    grid (on the Overview two grids cost the browser about 0.6 s of CPU before the first chart,
    bench/findings.md). ``columns`` maps columns to headers, in order; numbers are right-aligned
    with thousands separators, text is escaped."""
    cols = [c for c in columns if c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in cols]

    def cell(value: Any, number: bool) -> str:
        if pd.isna(value):
            return "–"
        if not number:  # a line break would end the row; other whitespace (indents) stays
            return md_escape(re.sub(r"[\r\n]+", " ", str(value)))
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"

    lines = [
        "| " + " | ".join(md_escape(columns[c]) for c in cols) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
    ]
    for row in df[cols].itertuples(index=False):
        lines.append("| " + " | ".join(cell(v, num) for v, num in zip(row, numeric, strict=True)) + " |")
    return "\n".join(lines)


def record_panel(record_id: str) -> None:
    """Every value and quote of one study record, with its links and discrepancies."""
    studies = all_studies()
    s = studies[studies["record_id"] == record_id]
    if s.empty:
        return
    s = s.iloc[0]
    outcomes = all_outcomes()
    with st.container(border=True):
        tag = " · **your uploaded data (this session only)**" if s["user_data"] else ""
        st.markdown(
            f"**{md_escape(s['study'])}** · `{record_id}` · {md_escape(s['modality'])} · "
            f"{md_escape(s['disease'])} · {charts.n_text(s['n'])}{tag}"
        )
        st.caption(f"{md_escape(s['location'])} ({md_escape(s['source_file'])}): “{md_escape(s['quote'])}”")
        match = filters.disease_match(str(s["disease"]).split(";"), current_filters().disease)
        if match.kind == "broader":
            st.info(f"**{md_escape(match.label)}.** {md_escape(match.because)}", icon=":material/info:")
        vals = outcomes[outcomes["record_id"] == record_id]
        cols = [
            "endpoint",
            "scope",
            "arm",
            "n",
            "value_pct",
            "ci_low_pct",
            "ci_high_pct",
            "time_months",
            "median_months",
            "events",
            "events_derived",
            "p_value",
            "location",
            "quote",
        ]
        st.dataframe(vals[cols], hide_index=True, width="stretch")
        if s["same_study_as"]:
            st.markdown(f"Same study as: `{s['same_study_as']}`")
        if s["discrepancies"]:
            st.warning(f"Source discrepancy: {md_escape(s['discrepancies'])}")
        if isinstance(s["notes"], str) and s["notes"]:
            st.caption(f"Curator's note: {md_escape(s['notes'])}")


def problems_banner() -> None:
    """Invalid records are reported, never silently dropped; the valid data is still shown."""
    probs = frames().problems
    if probs:
        with st.sidebar.expander(f"⚠ {len(probs)} data problem(s)"):
            for p in probs:
                st.text(p)


# ---------------------------------------------------------------------------------------------
# Text alternative, cite and share, slides


def app_root() -> str:
    """The app's address in the user's browser without the page's path (a link to any page)."""
    url = st.context.url or "http://localhost:8501"
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    for p in pages.PAGES:
        if path.endswith("/" + p.url_path):
            path = path[: -len(p.url_path) - 1]
            break
    return f"{parts.scheme}://{parts.netloc}{path}"


def view_link(recipe: str) -> str:
    """The link that reopens the page showing this recipe's figure, with the current filters."""
    return filters.view_link(app_root(), figures.page_of(recipe).url, current_filters(), *_look())


def citation_text(result: figures.Result, link: str) -> str:
    """'Cite this figure': title, filters, data version, access date, link, source citations."""
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    sources = " ".join(figures.cited(result.rows, frames().full_by_file))
    return (
        f"{result.labels.title} ({current_filters().describe()}). celltx, data version "
        f"{frames().version}, accessed {when}. {link} . Data from: {sources}"
    )


def text_alternative(result: figures.Result, name: str, key: str) -> None:
    """Under each chart: its text summary (collapsed), a link to this view, its citation."""
    link = view_link(name)
    with st.expander("Text summary", icon=":material/description:"):
        st.markdown(md_escape(result.summary))
    left, right = st.columns(2)
    with left.popover("Copy link to this view", icon=":material/link:", key=f"{key}_link"):
        st.code(link, language=None, wrap_lines=True)
    with right.popover("Cite this figure", icon=":material/format_quote:", key=f"{key}_cite"):
        st.code(citation_text(result, link), language=None, wrap_lines=True)


def slides_button(recipes: Sequence[str], key: str, label: str, help: str) -> None:
    """'Download slides': a 16:9 PPTX of these figures under the current filters, written on
    click (one kaleido browser renders every figure), not on every rerun. python-pptx is
    imported on click too: the button is drawn on every page before the page itself."""
    from celltx import export_image

    reason = export_image.unavailable()
    if reason:
        st.caption(f"Slides are not available on this server: {md_escape(reason)}")
        return
    # what the deck needs is taken now (references, no copies); the figures are built on click
    cur, th, f, outcomes, studies = current_filters(), theme(), frames(), all_outcomes(), all_studies()
    chosen = [figures.BY_NAME[r] for r in recipes if r in figures.BY_NAME]
    root = app_root()
    look = _look()

    def link_of(recipe: figures.Recipe) -> str:
        return filters.view_link(root, figures.page_of(recipe.name).url, cur, *look)

    def make() -> bytes:
        ctx = _context_of(f, outcomes, studies, cur, th, {})
        from celltx import deck

        return deck.render(ctx, chosen, link_of, home_link=filters.view_link(root, "/", cur, *look))[0]

    st.download_button(
        label,
        data=make,
        file_name=f"celltx_slides_{cur.slug()}.pptx",
        mime=export_image.MIME["pptx"],
        key=key,
        on_click="ignore",
        icon=":material/slideshow:",
        help=help,
    )


def page_slides(title: str) -> None:
    """The current page's 'Download slides' (pages without figures have none)."""
    page = next((p for p in pages.PAGES if p.title == title), None)
    if page is None or not figures.on_page(page.key):
        return
    st.divider()
    slides_button(
        [r.name for r in figures.on_page(page.key)],
        key="slides_page",
        label="Download slides of this page (PPTX)",
        help="This page's figures for the current filters as a 16:9 PowerPoint deck, with the "
        "source, a text summary and the link to this view in each slide's notes.",
    )
