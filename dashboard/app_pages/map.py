"""地图: heatmap per category or grid choropleth, over the grid outlines."""

from __future__ import annotations

import streamlit as st

from dashboard.components import maps, orientation
from dashboard.data import analysis, heat, max_heat_points, newest_cases
from dashboard.detail import clickable_grid_map, show_grid_detail
from dashboard.i18n import fmt_date, map_labels, t
from dashboard.shell import data_context, scope_caption
from geo import localtime
from geo import schema as s
from geo.cube.levels import present_levels

ctx, data = data_context()
lang = ctx.lang
st.title(t("map_title", lang))
result = analysis(ctx.source, ctx.flt)

# The categories are the sidebar's (the one place a filter lives): the layer is the only choice here. The
# choice and the three figures share one row, so the map starts within a laptop's first screen.
c0, c1, c2, c3 = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
layer = c0.radio(
    t("layer", lang), options=["heat", "choropleth", "playback"], horizontal=True, key="gw_map_layer",
    format_func=lambda v: t(f"layer_{v}", lang),
)
payload = heat(ctx.source, ctx.flt)
c1.metric(t("issues", lang), f"{payload.n_issues:,}")
with_issues = int((result.cube.groupby("grid_id")["count"].sum() > 0).sum())
c2.metric(t("heat_cells", lang), f"{with_issues:,} / {len(result.grids):,}")
c3.metric(t("outside_grids", lang), f"{result.outside:,}")
scope_caption(ctx, data)

if result.n_issues == 0:
    st.info(t("no_issues", lang))
# Built fresh on every run (about 0.1 s): a cached folium Map shared between sessions renders as
# a blank frame in the second session, because streamlit-folium re-renders the same object.
labels = map_labels(lang)
selected = st.session_state.get("gw_detail_grid")
cube = result.cube
if layer == "heat":
    m = maps.heatmap(result.grids, payload, labels, tiles=ctx.tiles, reference=ctx.reference, highlight=selected)
elif layer == "playback":
    weekly = cube.pivot_table(index="period_start", columns="grid_id", values="count", aggfunc="sum", fill_value=0)
    # Each frame is labelled by the week's last day, as leaders read "the week ending ...".
    weekly.index = [fmt_date(localtime.add_days(d, 6), lang) for d in weekly.index]
    m = maps.playback_map(result.grids, weekly, labels, tiles=ctx.tiles, reference=ctx.reference)
else:
    m = maps.choropleth(result.grids, cube.groupby("grid_id")["count"].sum(), labels, tiles=ctx.tiles,
                        reference=ctx.reference,
                        highlight=selected)
cases, n_cases = newest_cases(ctx.source, ctx.flt)
if len(cases):  # at close zoom the cases themselves, each opening in a popup
    orientation.add_cases(m, cases.assign(
        category_name=cases[s.CATEGORY].map(lambda c: data.categories.name(c, lang=lang)),
        status_name=cases[s.STATUS].map(lambda v: t(f"status_{v}", lang)),
        reported=cases[s.REPORTED_AT].dt.strftime("%Y-%m-%d %H:%M")),
        {s.ISSUE_ID: t("issue_id", lang), "category_name": t("category", lang), "status_name": t("status", lang),
         "reported": t("reported_at", lang), s.ADDRESS: t("address", lang), s.DESCRIPTION: t("description", lang)})
clickable_grid_map(m, result.grids, key=f"map-{layer}", height=620)
st.caption(t("cases_caption", lang, zoom=orientation.CASES_MIN_ZOOM, shown=len(cases), total=n_cases))
st.caption(t("map_caption", lang))
with st.expander(t("explain", lang)):
    st.write(t("map_method", lang, cap=max_heat_points(len(data.grids)), size=payload.cell_size_m))
show_grid_detail(ctx, data, zoom_levels=layer not in ("heat", "playback") and len(present_levels(data.grids)) > 1)
