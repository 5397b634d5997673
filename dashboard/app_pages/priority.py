"""优先级: two rankings on the forecast (send inspectors / workload), weights, the list with its reasons,
the Pareto line and a map with the flagged cells."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.components import maps
from dashboard.components.tables import markdown_safe, table_height
from dashboard.data import PROVISIONAL_METHOD, backtest, backtest_failure, flagged_cells, grid_measures, ranked_grids
from dashboard.detail import clickable_grid_map, select_grid, show_grid_detail
from dashboard.i18n import fmt_date, map_labels, t
from dashboard.shell import data_context, last_report_day, refresh_when_kept, scope_caption
from geo import localtime
from geo import schema as s
from geo.csv_guard import to_safe_csv
from geo.forecast import METHOD_NAMES
from geo.ops.priority import DEFAULT_WEIGHTS, MODES, pareto

#: Grids listed with their reasons and numbered on the map.
TOP_LISTED = 10

ctx, data = data_context()
lang = ctx.lang
st.title(t("priority_title", lang))
last_day = last_report_day(ctx, data)
as_of = localtime.next_midnight(last_day)
categories = tuple(ctx.flt.categories)
# The forecast reads the whole record up to the range's end (a year of history, not the range alone), and
# never the void or suspect records (geo.forecast.events), whatever the sidebar's toggles say.
scope_caption(replace(ctx, flt=replace(ctx.flt, include_void=False, include_suspect=False)), data,
              start=data.issues[s.REPORTED_AT].min().date())

mode = st.radio(t("priority_mode", lang), MODES, key="gw_priority_mode", horizontal=True,
                format_func=lambda m: t(f"mode_{m}", lang))
defaults = DEFAULT_WEIGHTS[mode]
with st.expander(t("weights", lang)):
    sliders = st.columns(len(defaults))
    weights = {k: sliders[i].slider(t(f"w_{k}", lang), 0.0, 1.0, float(v), 0.05, key=f"gw_w_{mode}_{k}")
               for i, (k, v) in enumerate(defaults.items())}
if sum(weights.values()) <= 0:
    st.warning(t("weights_zero", lang))
    weights = dict(defaults)
elif weights != defaults:
    st.info(t("weights_custom", lang))

with st.spinner(t("forecast_running", lang)):
    measures = grid_measures(ctx.source, as_of, categories)
    cells, n_flagged = flagged_cells(ctx.source, as_of, categories)
    checked = backtest(ctx.source, categories)
ranked = ranked_grids(ctx.source, as_of, categories, mode, tuple(weights.items()))
grids = data.grids.set_index(s.GRID_ID)
ranked = ranked.assign(grid_name=ranked[s.GRID_ID].map(grids[s.GRID_NAME]),
                       community=ranked[s.GRID_ID].map(grids[s.COMMUNITY]))
if ctx.flt.communities:  # the community filter narrows the list; scores stay street-wide so ranks compare
    ranked = ranked[ranked["community"].isin(ctx.flt.communities)]
if checked is None and backtest_failure(ctx.source, categories):
    st.caption(t("forecast_failed", lang, method=METHOD_NAMES[lang][PROVISIONAL_METHOD]))
elif checked is None:
    st.caption(t("priority_method_pending", lang, method=METHOD_NAMES[lang][PROVISIONAL_METHOD]))
    refresh_when_kept(ctx, categories)
else:
    st.caption(t("priority_method" if checked.n_origins else "priority_method_unchecked", lang,
                 method=METHOD_NAMES[lang][checked.winner]))

n = min(TOP_LISTED, len(ranked))
st.info(t("pareto", lang, n=n, share=pareto(ranked, n), grids=len(ranked)))

listing = pd.DataFrame({
    t("rank", lang): ranked["rank"].to_numpy(),
    t("grid", lang): ranked["grid_name"].to_numpy(),
    t("community", lang): ranked["community"].astype("string").fillna("—").to_numpy(),  # a layer without communities
    t("expected_4w", lang): ranked["expected"].round(0).astype(int).to_numpy(),
    t("expected_range", lang): [f"{int(lo)}–{int(hi)}" for lo, hi in zip(ranked["lower"], ranked["upper"], strict=True)],
    t("per_km2", lang): ranked["credible_per_km2"].round(1).to_numpy(),
    t("kpi_overdue_open", lang): ranked["overdue"].to_numpy(),
    t("open_cases", lang): ranked["open"].to_numpy(),
    t("reasons", lang): ranked[f"reasons_{lang}"].to_numpy(),
})
# The first grids with their reasons in full (a static table wraps them; the map numbers the same grids).
# The community is in the grid's name and the expected count with its range opens the reasons: left out here.
brief = listing.head(TOP_LISTED).drop(columns=[t("community", lang), t("expected_4w", lang), t("expected_range", lang)])
st.table(markdown_safe(brief), hide_index=True)
# Every grid below, without the reasons (they are in the table above and the CSV): selecting a row outlines
# the grid on the map and opens its detail.
with st.expander(t("priority_all", lang, n=len(listing))):
    event = st.dataframe(listing.drop(columns=[t("reasons", lang)]), hide_index=True, width="stretch",
                         height=table_height(len(listing)), key="gw_priority_table", on_select="rerun",
                         selection_mode="single-row")
rows = event.selection.rows if event is not None else []
if rows and st.session_state.get("gw_priority_row") != rows[0]:
    st.session_state["gw_priority_row"] = rows[0]
    select_grid(str(ranked[s.GRID_ID].iloc[rows[0]]))
st.download_button(t("download_csv", lang), data=lambda: to_safe_csv(listing), file_name="grid_priorities.csv",
                   mime="text/csv")
labels = map_labels(lang) | {"count": t("score", lang), "count_legend_title": t("priority_legend", lang)}
m = maps.choropleth(data.grids, ranked.set_index(s.GRID_ID)["score"].round().astype(int), labels, tiles=ctx.tiles,
                    reference=ctx.reference,
                    levels=False,  # a score does not sum to a street
                    highlight=st.session_state.get("gw_detail_grid"),
                    priority=list(ranked[s.GRID_ID].head(TOP_LISTED)))  # numbered as in the table
row_of = {g: i for i, g in enumerate(data.grids[s.GRID_ID].astype(str))}
cells = cells.assign(reasons=cells[f"reasons_{lang}"])
cells = cells.assign(**{maps.UNIT_KEY: cells[s.GRID_ID].map(row_of).fillna(-1)})  # -1: a cell outside every grid
maps.add_flagged_cells(m, cells.astype({maps.UNIT_KEY: int}), labels, tiles=ctx.tiles)
clickable_grid_map(m, data.grids, key="priority-map", height=520)
st.caption(t("priority_caption", lang, asof=fmt_date(last_day, lang)))
if n_flagged > len(cells):
    st.caption(t("flagged_shown", lang, shown=len(cells), total=n_flagged))
show_grid_detail(ctx, data)
