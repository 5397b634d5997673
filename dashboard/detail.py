"""A grid's detail panel (drill-down), shown under any map where a grid is clicked or a row selected.

Renders with Streamlit like ``shell.py``; the numbers come from ``dashboard.data``.
"""

from __future__ import annotations

import os

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from dashboard.components import maps
from dashboard.components.charts import OKABE_ITO, stacked_weekly_chart
from dashboard.components.text import plain
from dashboard.components.view import show_map
from dashboard.data import grid_detail
from dashboard.i18n import Lang, chart_date_format, datetime_column, fmt_date, local_naive, t
from dashboard.shell import PageContext
from geo import schema as s
from geo.cube.dataset import Dataset
from geo.ingest.photos import cells_without_links, photo_links

#: Issues listed in the panel (newest first); the 数据 page exports them all.
MAX_ROWS = 200
#: Set by a click on a map: the next run brings the detail panel into view (it opens under the map, below
#: a laptop's first screen, and a click seemed to do nothing).
SCROLL_KEY = "gw_scroll_to_detail"
ANCHOR = "gw-grid-detail"
# Our own script, no user text: the panel's anchor is in the page (the component's frame is same-origin).
_SCROLL = ("<script>(function (tries) { function go() { var el = window.parent.document.getElementById('"
           + ANCHOR + "'); if (el) { el.scrollIntoView({behavior: 'smooth', block: 'start'}); }"
           " else if (tries-- > 0) { setTimeout(go, 100); } } go(); })(30);</script>")


#: The address's parameter naming the grid whose detail is open (``/map?grid=340104012005004``): a link to a
#: grid, kept through the sign-in form, and the address of what is on the screen to send to a colleague.
GRID_PARAM = "grid"


def select_grid(grid_id: str | None) -> None:
    """Remember the grid the user picked (map click or table row) for every page, and put it in the address."""
    if grid_id:
        st.session_state["gw_detail_grid"] = grid_id
        st.query_params[GRID_PARAM] = grid_id


def follow_grid_link(grid_ids: object) -> None:
    """Open the grid an address names (``?grid=``) when it is one of ``grid_ids`` and not already open: its
    detail is shown and scrolled into view, as after a click. An unknown id is dropped from the address."""
    asked = st.query_params.get(GRID_PARAM)
    if not asked:
        return
    if asked not in grid_ids:  # type: ignore[operator]
        st.query_params.pop(GRID_PARAM, None)
        return
    if st.session_state.get("gw_detail_grid") != asked:
        st.session_state["gw_detail_grid"] = asked
        st.session_state[SCROLL_KEY] = True


def clickable_grid_map(m: folium.Map, grids: gpd.GeoDataFrame, *, key: str, height: int) -> None:
    """Render a grid map whose features carry ``maps.UNIT_KEY``; a click selects that grid and redraws.

    Only the clicked feature comes back from the browser (never pan or zoom). The last click is kept per
    map so the same click is not taken again on the rerun it causes.
    """
    returned = show_map(m, key=key, height=height, returned_objects=["last_active_drawing"])
    clicked = maps.clicked_unit(returned, len(grids))
    seen = f"{key}-clicked"
    if clicked is not None and st.session_state.get(seen) != clicked:
        st.session_state[seen] = clicked
        select_grid(str(grids[s.GRID_ID].iloc[clicked]))
        st.session_state[SCROLL_KEY] = True
        st.rerun()  # redraw the map with the clicked grid outlined


def show_grid_detail(ctx: PageContext, data: Dataset, grid_id: str | None = None, *, zoom_levels: bool = False) -> None:
    """A grid's issues, weekly chart and open/overdue cases: ``grid_id``, else the selected grid, else a hint.

    ``zoom_levels``: the map above sums by community or street when zoomed out (the hint says so).
    """
    grids = data.grids.set_index(s.GRID_ID)
    follow_grid_link(grids.index)
    grid_id = grid_id or st.session_state.get("gw_detail_grid")
    if not isinstance(grid_id, str) or grid_id not in grids.index:
        st.caption(t("detail_hint_levels" if zoom_levels else "detail_hint", ctx.lang))
        return
    lang = ctx.lang
    row = grids.loc[grid_id]
    st.html(f'<div id="{ANCHOR}"></div>')
    if st.session_state.pop(SCROLL_KEY, False):
        components.html(_SCROLL, height=0)
    # Names are the grid layer's text: escaped, or a name like ![x](http://…) would fetch an image.
    st.subheader(t("detail_title", lang, grid=plain(row[s.GRID_NAME]), community=plain(row[s.COMMUNITY])))
    issues, weekly, cases = grid_detail(ctx.source, ctx.flt, grid_id)
    cadres = row.get(s.CADRES) if s.CADRES in grids.columns else None
    # A caption, not a metric: two or three names do not fit a metric card and were cut off.
    st.caption(t("cadres_line", lang, names=plain(cadres) if isinstance(cadres, str) and cadres else "—"))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("issues", lang), f"{len(issues):,}")
    c2.metric(t("open_cases", lang), f"{len(cases):,}")
    c3.metric(t("kpi_overdue_open", lang), f"{int((cases['light'] == 'red').sum()):,}")
    if len(weekly):
        shown = weekly.iloc[:, : len(OKABE_ITO)]
        names = {c: data.categories.name(c, lang=lang) for c in shown.columns}
        st.altair_chart(stacked_weekly_chart(shown, names, week_label=t("week", lang), count_label=t("count", lang),
                                             category_label=t("category", lang), fmt=chart_date_format(lang)),
                        width="stretch")
    listing = issues.head(MAX_ROWS)
    _show_photos(listing, data, lang)
    st.dataframe({
        t("issue_id", lang): listing[s.ISSUE_ID].to_numpy(),
        t("category", lang): listing[s.CATEGORY].map(lambda c: data.categories.name(c, lang=lang)).to_numpy(),
        t("reported_at", lang): local_naive(listing[s.REPORTED_AT]).to_numpy(),
        t("status_filter", lang): listing[s.STATUS].map(lambda v: t(f"status_{v}", lang)
                                                         if f"status_{v}" in _STATUS_KEYS else v).to_numpy(),
        t("address", lang): listing[s.ADDRESS].fillna("").to_numpy(),
        t("description", lang): listing[s.DESCRIPTION].fillna("").to_numpy(),
    }, hide_index=True, width="stretch", height=300,
        column_config={t("reported_at", lang): datetime_column(t("reported_at", lang), lang)})


_STATUS_KEYS = {f"status_{v}" for v in s.STATUSES if v != "void"}


def photo_base() -> str | None:
    """The photo server that bare file names in the ledger resolve against (``GRIDWATCH_PHOTO_BASE``)."""
    return os.environ.get("GRIDWATCH_PHOTO_BASE") or None


def _markdown_url(url: str) -> str:
    # Parentheses would end a markdown link target early; the URL is already percent-encoded otherwise.
    return url.replace("(", "%28").replace(")", "%29")


def _show_photos(listing: pd.DataFrame, data: Dataset, lang: Lang) -> None:
    """Before/after photo links of the listed issues that have any, in an expander; nothing without photos.

    Only http(s) links are made (``geo.ingest.photos``); the issue's id and category are ledger text and are
    escaped, the link texts are ours.
    """
    base = photo_base()
    rows = []
    for rec in listing[[s.ISSUE_ID, s.CATEGORY, s.REPORTED_AT, s.PHOTO_BEFORE, s.PHOTO_AFTER]].itertuples(index=False):
        before, after = photo_links(rec[3], base), photo_links(rec[4], base)
        if before or after:
            rows.append((rec, before, after))
    unlinked = cells_without_links(listing[s.PHOTO_BEFORE], base) + cells_without_links(listing[s.PHOTO_AFTER], base)
    if not rows and not unlinked:
        return
    with st.expander(t("photos_title", lang, n=len(rows)), expanded=False):
        lines = []
        for rec, before, after in rows:
            links = [f"[{t('photo_before', lang)} {i}]({_markdown_url(u)})" for i, u in enumerate(before, 1)]
            links += [f"[{t('photo_after', lang)} {i}]({_markdown_url(u)})" for i, u in enumerate(after, 1)]
            head = f"{plain(rec[0])} · {plain(data.categories.name(rec[1], lang=lang))} · {fmt_date(rec[2], lang)}"
            lines.append(f"- {head}：" if lang == "zh" else f"- {head}: ")
            lines[-1] += " · ".join(links)
        if lines:
            st.markdown("\n".join(lines))
        if unlinked:
            st.caption(t("photos_unlinked", lang, n=unlinked))
