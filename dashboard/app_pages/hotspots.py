"""热点: Gi* hot/cold spots, emerging classes, local Moran, kernel density and repeat locations.

Every view runs on the server and sends the browser a bounded payload: unit polygons (grids or
cells), a density image of at most ``MAX_DENSITY_PX`` pixels, or grid polygons with counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components import charts, maps
from dashboard.components.orientation import cell_places
from dashboard.components.patrol import gap_caption, gap_map, gap_table
from dashboard.components.view import show_map
from dashboard.data import density, hotspots, patrol_gaps, recurrences
from dashboard.detail import select_grid, show_grid_detail
from dashboard.i18n import STRINGS, chart_date_format, class_labels, confidence, map_labels, t
from dashboard.shell import data_context, scope_caption
from geo import schema as s
from geo.cube.filter import ALL
from geo.stats.hotspot_analysis import STEP_DAYS

UNIT_KINDS = ("grid", "square", "hex")
SIZES = (0, 50, 100, 250, 500)  # 0 = chosen from the data
VIEWS = ("gi", "emerging", "outliers", "density", "recurrence", "patrol_gap")
#: The unit picker lists the strongest units first, at most this many (plus the one clicked).
MAX_PICK = 200

ctx, data = data_context()
lang = ctx.lang
labels = map_labels(lang)
st.title(t("hotspots_title", lang))
# The categories are the sidebar's (the one place a filter lives); the scope line below names them.
c2, c3 = st.columns([3, 2])
# The patrol gap is a grid's own (patrols answer for management grids): no cell choice there.
by_grid_only = st.session_state.get("gw_hot_view") == "patrol_gap"
kind = c2.radio(t("units", lang), UNIT_KINDS, key="gw_hot_units", horizontal=True, index=1, disabled=by_grid_only,
                format_func=lambda k: t({"grid": "units_grid", "square": "units_square_kind", "hex": "units_hex_kind"}[k],
                                        lang))
size = c3.selectbox(t("cell_size_pick", lang), SIZES, key="gw_hot_size", disabled=kind == "grid" or by_grid_only,
                    format_func=lambda v: t("cell_size_auto", lang) if v == 0 else t("cell_size_value", lang, size=v))
# The view and the hotspot figures share one row (filled once computed), so the map starts within a laptop's
# first screen; the density and recurrence views leave the figure columns empty.
view_column, m1, m2, m3 = st.columns([2.4, 1.2, 1.2, 1.2], vertical_alignment="bottom")
view = view_column.radio(t("view", lang), VIEWS, key="gw_hot_view", horizontal=True,
                         format_func=lambda v: t(f"view_{v}", lang))
scope_caption(ctx, data)

flt = ctx.flt
category = "-".join(flt.categories) or ALL  # part of the map keys: a new category choice is a new map


def _grid_names(ids: pd.Series) -> pd.Series:
    names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
    return ids.map(names).fillna(ids)


def _explain(choices: dict) -> None:
    with st.expander(t("explain", lang), expanded=False):
        st.write(t("explain_text", lang))
        # Codes are worded in the user's language; numbers and dates pass through. No ledger text here.
        worded = {t(f"choice_{k}", lang): [t(f"value_{v}", lang) if isinstance(v, str) and f"value_{v}" in STRINGS
                                           else str(v)] for k, v in choices.items()}
        st.table(worded)


if view == "density":
    bandwidth = st.number_input(t("bandwidth", lang), min_value=0, max_value=5000, value=0, step=25,
                                key="gw_hot_bandwidth")
    try:
        image, surface = density(ctx.source, flt, float(bandwidth) or None)
    except ValueError:  # no points under this filter
        st.info(t("no_issues", lang))
        st.stop()
    m = maps.density_map(data.grids, image, labels, t("density_legend", lang), tiles=ctx.tiles, reference=ctx.reference)
    show_map(m, key=f"hot-density-{category}-{bandwidth}", height=600)
    rule = t("bandwidth_rule_user" if surface.bandwidth_rule == "user" else "bandwidth_rule_auto", lang)
    st.caption(t("bandwidth_used", lang, radius=f"{surface.bandwidth_m:,.0f}", rule=rule,
                 cell=f"{surface.cell_size_m:,.0f}", w=image.values.shape[1], h=image.values.shape[0]))
    st.stop()

if view == "patrol_gap":  # what the public had to report against what the patrols found, per grid
    gap = patrol_gaps(ctx.source, flt)
    if gap.comparable:
        m1.metric(t("gap_blind", lang), f"{int(gap.table['blind_spot'].sum()):,}")
        m2.metric(t("gap_share", lang), f"{gap.overall_share:.1f}")
    st.caption(gap_caption(gap, lang) + t("gap_by_grid", lang))
    if gap.comparable:
        show_map(gap_map(data.grids, gap, lang, tiles=ctx.tiles, reference=ctx.reference), key=f"hot-gap-{category}",
                 height=600)
        names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME].astype(str)
        st.dataframe(gap_table(gap, names, lang).head(20), hide_index=True, width="stretch")
        with st.expander(t("gap_explain", lang)):  # the method names belong in 计算说明, not on the face
            st.write(t("gap_method", lang))
    st.stop()

if view == "recurrence":
    r1, r2 = st.columns(2)
    radius = r1.number_input(t("recurrence_radius", lang), min_value=5, max_value=500, value=30, step=5,
                             key="gw_hot_rec_radius")
    days = r2.number_input(t("recurrence_days", lang), min_value=7, max_value=365, value=90, step=1,
                           key="gw_hot_rec_days")
    per_grid = recurrences(ctx.source, flt, float(radius), float(days))
    total = int(per_grid["recurrences"].sum())
    m1, m2 = st.columns(2)
    m1.metric(t("recurrences", lang), f"{total:,}")
    m2.metric(t("recurrence_rate", lang), f"{total / max(int(per_grid['issues'].sum()), 1):.1%}")
    m = maps.choropleth(data.grids, per_grid.set_index(s.GRID_ID)["recurrences"],
                        labels | {"count": t("recurrences", lang), "count_legend_title": t("recurrence_legend", lang)},
                        tiles=ctx.tiles, reference=ctx.reference)
    show_map(m, key=f"hot-rec-{category}-{radius}-{days}", height=600)
    st.caption(t("recurrence_caption", lang, radius=radius, days=days))
    top = per_grid.sort_values(["recurrences", s.GRID_ID], ascending=[False, True]).head(10)
    st.dataframe(pd.DataFrame({t("grid", lang): _grid_names(top[s.GRID_ID]).to_numpy(),
                               t("recurrences", lang): top["recurrences"].to_numpy(),
                               t("issues", lang): top["issues"].to_numpy(),
                               t("recurrence_rate", lang): (top["rate"] * 100).round(1).to_numpy()}),
                 hide_index=True, width="stretch")
    st.stop()

step, outlier_fdr = "week", False
if view == "emerging":
    step = st.radio(t("time_step", lang), list(STEP_DAYS), key="gw_hot_step", horizontal=True, index=1,
                    format_func=lambda v: t(f"step_{v}", lang))
if view == "outliers":
    outlier_fdr = st.toggle(t("outlier_fdr", lang), key="gw_hot_outlier_fdr")
cells = "grid" if kind == "grid" else kind
with st.spinner(t("hotspots_running", lang)):  # years of weekly steps take seconds the first time
    result = hotspots(ctx.source, flt, cells, None if kind == "grid" or size == 0 else float(size), view == "outliers",
                      outlier_fdr, STEP_DAYS[step])
units = result.units.copy()
ids = units["unit_id"].to_numpy()
if kind == "grid":
    units["unit_id"] = _grid_names(units["unit_id"])
else:  # a cell is named by the grid responsible for it and where in that grid it lies, not by "r37c19" alone
    places = cell_places(units.to_crs(4326), data.grids)
    parts = places["part"].to_numpy()
    part_words = {part: t(f"part_{part}", lang) for part in set(parts)}
    # Plain arrays, not Arrow-backed columns: thousands of cells are iterated on every rerun.
    where = [str(grid) + part_words[part]
             for grid, part in zip(_grid_names(places[s.GRID_ID]).to_numpy(dtype=object), parts, strict=True)]
    # Two cells may share a grid part: the picker numbers those (in the lattice's row order, north to south),
    # never shows a code such as r37c19 (ids belong to downloads and 计算说明).
    repeats = pd.Series(where).value_counts()
    seen: dict[str, int] = {}
    picked_as = []
    for w in where:
        seen[w] = seen.get(w, 0) + 1
        picked_as.append(t("cell_place", lang, place=w, n=seen[w]) if repeats[w] > 1 else w)
    units["unit_id"] = where
display = units["unit_id"].to_numpy() if kind == "grid" else np.asarray(picked_as)
units["z"] = units["z"].round(1)
# Confidence in plain words (1 - p), not a p-value: 「可信度 99.9%」.
units["confidence"] = [confidence(p) for p in units["p"]]

m1.metric(t("issues", lang), f"{int(units['count'].sum()):,}")
if view == "outliers":
    m2.metric(t("hh_units", lang), f"{int((units['moran_class'] == 'HH').sum()):,}")
else:
    m2.metric(t("hot_cells", lang), f"{int(units['class'].isin(['hot_99', 'hot_95']).sum()):,}",
              help=t("clear_cells_help", lang))
m3.metric(t("cold_cells", lang), f"{int(units['class'].isin(['cold_99', 'cold_95']).sum()):,}",
          help=t("clear_cells_help", lang))
outside = int(result.choices.get("issues_outside_units", 0))
if outside:  # the scope line above counts them: say why this page shows fewer
    st.caption(t("outside_units", lang, n=outside, shown=int(units["count"].sum())))

names = class_labels(lang)
fields = ["unit_id", "count", "z", "confidence"]
aliases = [t("unit", lang), t("count", lang), t("z_score", lang), t("confidence", lang)]
column, colours, legend = {"gi": ("class", maps.GI_COLOURS, "gi_legend"),
                           "emerging": ("emerging", maps.EMERGING_COLOURS, "emerging_legend"),
                           "outliers": ("moran_class", maps.MORAN_COLOURS, "moran_legend")}[view]
m = maps.class_map(units, column, colours, names, fields, aliases, t(legend, lang), tiles=ctx.tiles,
                   reference=ctx.reference, grids=data.grids)
map_key = f"hot-{view}-{kind}-{size}-{category}-{step}-{outlier_fdr}"
# Only a click on a unit comes back (never pan or zoom), and it selects that unit's history below.
returned = show_map(m, key=map_key, height=600, returned_objects=["last_active_drawing"])
if "cell_size_m" in result.choices:
    chosen_by = result.choices.get("cell_size_rule")
    rule = t({"mean_count_5": "value_mean_count_5", "capped": "value_capped"}.get(str(chosen_by), "bandwidth_rule_user"),
             lang)
    st.caption(t("cell_size_used", lang, size=f"{result.choices['cell_size_m']:g}", rule=rule))

clicked = maps.clicked_unit(returned, len(units))
if clicked is not None and st.session_state.get("gw_hot_clicked") != (map_key, clicked):
    st.session_state["gw_hot_clicked"] = (map_key, clicked)
    st.session_state["gw_hot_unit"] = str(ids[clicked])
    if kind == "grid":
        select_grid(str(ids[clicked]))  # a clicked grid is the user's choice on every page, as elsewhere
strongest = list(ids[pd.Series(result.units["z"].to_numpy()).sort_values(ascending=False, kind="stable").index[:MAX_PICK]])
current = st.session_state.get("gw_hot_unit")
options = [str(u) for u in strongest] + ([current] if current in set(map(str, ids)) - set(map(str, strongest)) else [])
if current not in options:
    st.session_state.pop("gw_hot_unit", None)
label_of = dict(zip(map(str, ids), display, strict=True))
st.subheader(t("history_title", lang))
unit = st.selectbox(t("history_pick", lang), options, key="gw_hot_unit", format_func=lambda u: label_of.get(u, u))
if unit is not None:
    st.vega_lite_chart(spec=charts.history_chart(result.history(unit), step_days=STEP_DAYS[step],
                                                 period_label=t("period_end", lang), count_label=t("count", lang),
                                                 z_label=t("z_score", lang), fmt=chart_date_format(lang)),
                       width="stretch")
    st.caption(t("history_caption", lang))
    if kind == "grid":
        # On grid units the unit is a management grid: show its detail as every other map does.
        show_grid_detail(ctx, data, unit)
_explain(result.choices)
