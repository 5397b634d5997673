"""The app shell shared by every page: language, sidebar filters and the page context.

Filters live in ``st.session_state`` under fixed widget keys, so they are kept when the user
switches pages.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from dashboard.components.maps import BASEMAPS, Basemap
from dashboard.components.reference import Reference
from dashboard.data import DataSource, backtest, backtest_failure, dataset, reference_layer, scope
from dashboard.i18n import LANGS, Lang, fmt_date, picker_format, t
from dashboard.signin import current_actor, sidebar_identity
from geo import schema as s
from geo.admin.access import LOCAL_ADMIN, Actor
from geo.cube.dataset import Dataset
from geo.cube.filter import IssueFilter
from geo.ingest.tables import LedgerError
from geo.sample import sample_ready

_CONTEXT_KEY = "gw_context"


@dataclass(frozen=True)
class PageContext:
    """What every page needs: the language, the person, the data recipe, the loaded data and the filter."""

    lang: Lang
    source: DataSource
    data: Dataset | None  # None while the workspace holds no issues yet (only the Data page then)
    flt: IssueFilter
    tiles: Basemap | None
    actor: Actor = LOCAL_ADMIN
    #: The workspace's reference layers (roads with names), drawn under the grids on every map.
    reference: Reference | None = None


def _language() -> Lang:
    """The language switch, mirrored in the URL (``?lang=en``).

    The URL keeps the choice over a reload or a bookmark, and is the only switch the big screen has
    (its sidebar is hidden): a command-centre display opens ``/bigscreen?lang=en``.
    """
    asked = st.query_params.get("lang")
    if "gw_lang" not in st.session_state and asked in LANGS:
        st.session_state["gw_lang"] = asked  # a new session (reload, bookmark) starts in the URL's language
    choice = st.sidebar.radio(
        "语言 / Language", options=list(LANGS), key="gw_lang", horizontal=True,
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    )
    lang: Lang = choice if choice in LANGS else "zh"
    if lang == "zh":
        st.query_params.pop("lang", None)  # Chinese is the default: keep its URLs clean
    elif asked != lang:
        st.query_params["lang"] = lang
    return lang


def _basemap(lang: Lang) -> Basemap | None:
    """The basemap radio: none (default, works on any intranet), OSM, AMap (GCJ-02), a custom server.

    A custom server comes from ``GRIDWATCH_TILES`` (URL template), ``GRIDWATCH_TILES_ATTRIBUTION`` and
    ``GRIDWATCH_TILES_GCJ02=1`` when its tiles are in GCJ-02; when set it is the default.
    """
    options = dict(BASEMAPS)
    custom = os.environ.get("GRIDWATCH_TILES")
    if custom:
        options["custom"] = Basemap("custom", custom, os.environ.get("GRIDWATCH_TILES_ATTRIBUTION", "tiles"),
                                    gcj02=os.environ.get("GRIDWATCH_TILES_GCJ02") == "1")
    keys = list(options)
    choice = st.sidebar.radio(t("basemap", lang), keys, key="gw_basemap", horizontal=True,
                              index=keys.index("custom") if custom else 0,
                              format_func=lambda k: t(f"basemap_{k}", lang))
    chosen = options.get(choice, options["none"])
    if chosen.url:
        st.sidebar.caption(t("basemap_note", lang))
    return chosen if chosen.url else None


def build_sidebar() -> PageContext:
    """Draw the language switch and the filters; store and return the page context."""
    lang = _language()
    actor = current_actor(lang)  # the sign-in form stops here until someone has signed in
    sidebar_identity(actor, lang)
    if not os.environ.get("GRIDWATCH_WORKSPACE") and not os.environ.get("GRIDWATCH_DATABASE_URL") and not sample_ready():
        # A fresh clone's first visit imports the sample street (about ten seconds, once): say so.
        with st.spinner(t("preparing_sample", lang)):
            source = DataSource.from_env()
    else:
        source = DataSource.from_env()
    try:
        # A district's million issues take seconds to read on first use: say so instead of a blank page.
        with st.spinner(t("loading_workspace", lang)):
            data = dataset(source)
            data.index  # noqa: B018 - coded once per generation; every filter below reads it
    except LedgerError:
        st.sidebar.caption(t("empty_workspace", lang, path=os.path.basename(source.workspace)))
        ctx = PageContext(lang=lang, source=source, data=None, flt=IssueFilter(), tiles=None, actor=actor)
        st.session_state[_CONTEXT_KEY] = ctx
        return ctx
    st.sidebar.header(t("filters", lang))
    times = data.issues[s.REPORTED_AT]  # local to the workspace's ledgers
    first: dt.date = times.min().date()
    last: dt.date = times.max().date()
    picked = st.sidebar.date_input(
        t("date_range", lang), value=(first, last), min_value=first, max_value=last, key="gw_dates",
        format=picker_format(lang),
    )
    # While the user has picked only the first day of a range, keep the open end.
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first, last))
    codes = list(data.present_categories)  # only what the workspace holds: no ten empty choices
    if any(c not in codes for c in st.session_state.get("gw_categories", [])):
        st.session_state["gw_categories"] = [c for c in st.session_state["gw_categories"] if c in codes]
    cats = st.sidebar.multiselect(
        t("categories", lang), options=codes, key="gw_categories",
        format_func=lambda c: data.categories.name(c, lang=lang), placeholder=t("all_placeholder", lang),
    )
    communities = sorted(data.grids[s.COMMUNITY].dropna().unique())
    comms = st.sidebar.multiselect(
        t("communities", lang), options=communities, key="gw_communities",
        placeholder=t("all_placeholder", lang),
    )
    # Grids follow the community choice, so the list stays short and consistent (drill-down street ->
    # community -> grid).
    in_scope = data.grids if not comms else data.grids[data.grids[s.COMMUNITY].isin(comms)]
    grid_names = dict(zip(in_scope[s.GRID_ID], in_scope[s.GRID_NAME], strict=True))
    if any(g not in grid_names for g in st.session_state.get("gw_grids", [])):
        st.session_state["gw_grids"] = [g for g in st.session_state["gw_grids"] if g in grid_names]
    grid_ids = st.sidebar.multiselect(
        t("grids_filter", lang), options=list(grid_names), key="gw_grids",
        format_func=lambda g: str(grid_names.get(g, g)), placeholder=t("all_placeholder", lang),
    )
    statuses = st.sidebar.multiselect(
        t("status_filter", lang), options=[v for v in s.STATUSES if v != "void"], key="gw_statuses",
        format_func=lambda v: t(f"status_{v}", lang), placeholder=t("all_placeholder", lang),
    )
    # The scope line's definition (suspect records a filter leaves out, void ones aside), on the whole record.
    n_suspect = scope(source, IssueFilter()).suspect
    include_suspect = st.sidebar.toggle(t("include_suspect", lang, n=n_suspect), key="gw_suspect",
                                        help=t("include_suspect_help", lang))
    flt = IssueFilter(start=start, end=end, categories=tuple(cats), communities=tuple(comms),
                      grids=tuple(grid_ids), statuses=tuple(statuses), include_suspect=include_suspect)
    tiles = _basemap(lang)
    st.sidebar.caption(t("data_source", lang, ledger=os.path.basename(source.workspace),
                         n=len(data.issues), grids=len(data.grids)))
    ctx = PageContext(lang=lang, source=source, data=data, flt=flt, tiles=tiles, actor=actor,
                      reference=reference_layer(source))
    st.session_state[_CONTEXT_KEY] = ctx
    return ctx


def context() -> PageContext:
    """The context built by the shell for this run (pages call this)."""
    ctx = st.session_state.get(_CONTEXT_KEY)
    if ctx is None:  # a page run on its own (tests): build the sidebar here
        ctx = build_sidebar()
    return ctx


def data_context() -> tuple[PageContext, Dataset]:
    """The context of a page that needs data; stops the page with a hint when there is none."""
    ctx = context()
    if ctx.data is None:
        st.info(t("empty_workspace", ctx.lang, path=os.path.basename(ctx.source.workspace)))
        st.stop()
    assert ctx.data is not None
    return ctx, ctx.data


def scope_caption(ctx: PageContext, data: Dataset, *, start: dt.date | None = None, end: dt.date | None = None) -> None:
    """One line under a page's title: the window it counts, the categories, the count and what it leaves out.

    The window is the sidebar's date range unless the page reports on a part of it (总览: its last
    week), given as ``start``/``end`` (both inclusive). Every page says it the same way, so two pages
    that count differently say why, with the numbers.
    """
    lang = ctx.lang
    flt = ctx.flt
    if start is not None or end is not None:
        flt = replace(flt, start=start or flt.start, end=end or flt.end)
    counted = scope(ctx.source, flt)
    first = flt.start or data.issues[s.REPORTED_AT].min().date()
    last = flt.end or data.issues[s.REPORTED_AT].max().date()
    cats = (t("scope_join", lang).join(data.categories.name(c, lang=lang) for c in flt.categories) if flt.categories
            else t("scope_all_categories", lang))
    parts = [t("scope_void", lang, n=counted.void)] if counted.void else []
    if counted.suspect:
        parts.append(t("scope_suspect", lang, n=counted.suspect))
    left_out = t("scope_left_out", lang, parts=t("scope_join", lang).join(parts)) if parts else ""
    window = t("scope_window", lang, start=fmt_date(first, lang), end=fmt_date(last, lang))
    st.caption(t("scope_line", lang, window=window, cats=cats, n=counted.counted, left_out=left_out))


def last_report_day(ctx: PageContext, data: Dataset) -> pd.Timestamp:
    """The last day a page reports on, as local midnight: the filter's end date, else the last report's day.

    Pages count "this week" and "as of" from it, so all of them agree on the same week.
    """
    tz = data.issues[s.REPORTED_AT].dt.tz
    if ctx.flt.end:
        return pd.Timestamp(ctx.flt.end, tz=tz)
    return data.issues[s.REPORTED_AT].max().normalize()


#: How often a page waiting on the answers worker looks whether its backtest is kept.
ANSWERS_POLL_S = 2.0


@st.fragment(run_every=ANSWERS_POLL_S)
def _rerun_when_kept(source: DataSource, categories: tuple[str, ...], horizon_days: float) -> None:
    # backtest() reads the kept file when it is there (and starts a worker again if the last one was
    # stopped with the server): then the whole page reruns with the backtest's winner.
    if backtest(source, categories, horizon_days) is not None or backtest_failure(source, categories, horizon_days):
        st.rerun()


def refresh_when_kept(ctx: PageContext, categories: tuple[str, ...] = (), horizon_days: float = 28.0) -> bool:
    """Whether this backtest is still being computed by the answers worker; if so the page reruns by itself
    once it is kept (a fragment looks every :data:`ANSWERS_POLL_S` seconds), so nobody has to reload.

    Pages call it after they have drawn what they could without it (ranked provisionally).
    """
    if backtest(ctx.source, categories, horizon_days) is not None or backtest_failure(ctx.source, categories,
                                                                                       horizon_days):
        return False
    _rerun_when_kept(ctx.source, categories, horizon_days)
    return True
