"""总览: this week's KPI cards against last week, what changed in sentences, a small map, top grids."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard.components import maps
from dashboard.components.tables import markdown_safe
from dashboard.components.text import plain
from dashboard.data import (
    PROVISIONAL_METHOD,
    ledger_unsaid,
    other_share,
    ranked_grids,
    street_index,
    week_changes,
    week_kpis,
)
from dashboard.detail import clickable_grid_map, show_grid_detail
from dashboard.i18n import (
    LIGHT_COLOURS,
    fmt_change,
    fmt_date,
    index_text,
    kpi_basis,
    kpi_text,
    map_labels,
    t,
    unsaid_note,
)
from dashboard.shell import data_context, last_report_day, refresh_when_kept, scope_caption
from geo import schema as s
from geo.categories import OTHER_WARNING
from geo.cube.levels import present_levels
from geo.forecast import METHOD_NAMES
from geo.ops.rectification import KPI_NEEDS, period_bounds

ctx, data = data_context()
lang = ctx.lang
st.title(t("overview_title", lang))
last_day = last_report_day(ctx, data)
start, end = period_bounds(last_day, 7)
st.caption(t("overview_caption", lang, start=fmt_date(start, lang), end=fmt_date(last_day, lang)))
scope_caption(ctx, data, start=start.date(), end=last_day.date())

(now_table, before_table), (open_now, open_before) = week_kpis(ctx.source, ctx.flt, start, end)
now, before = now_table.iloc[0], before_table.iloc[0]


# A workspace whose history starts inside the previous week has nothing to compare with: no arrows.
history_start = data.issues[s.REPORTED_AT].min()
has_before = history_start < start - pd.Timedelta(days=7) and int(before["reported"]) > 0  # no gap either


unsaid = ledger_unsaid(ctx.source)


def _change(key: str, *, points: bool = False) -> str | None:
    if not has_before or KPI_NEEDS.get(key, frozenset()) & unsaid:
        return None
    return fmt_change(float(now[key]), float(before[key]), lang, points=points)


cards = st.columns(6)
cards[0].metric(t("kpi_reported", lang), f"{int(now['reported']):,}", _change("reported"))
cards[1].metric(t("kpi_close_rate", lang), kpi_text("close_rate", now["close_rate"], lang, unsaid),
                _change("close_rate", points=True))
cards[2].metric(t("kpi_on_time_rate", lang), kpi_text("on_time_rate", now["on_time_rate"], lang, unsaid),
                _change("on_time_rate", points=True))
cards[3].metric(t("kpi_overdue_open", lang), kpi_text("overdue_open", now["overdue_open"], lang, unsaid),
                _change("overdue_open"), delta_color="inverse")
cards[4].metric(t("open_now", lang), kpi_text("open_now", open_now, lang, unsaid),
                fmt_change(open_now, open_before, lang) if has_before and "status" not in unsaid else None,
                delta_color="inverse")
index = street_index(ctx.source, ctx.flt, last_day)
# The figure alone (six cards share a laptop's width); its light, coloured, in the label.
light_word = f" · :{LIGHT_COLOURS[index.light]}[{t(f'light_index_{index.light}', lang)}]" if index.light else ""
cards[5].metric(t("index_card", lang) + light_word, index_text(index.index, "", lang),
                f"{index.change:+.2f}" if math.isfinite(index.change) and round(index.change, 2) != 0 else None,
                help=t("index_card_help", lang))
st.caption(kpi_basis(now, lang))
note = unsaid_note(("close_rate", "on_time_rate", "overdue_open", "open_now"), lang, unsaid)
if note:
    st.caption(note)
share, unmapped = other_share(ctx.source)
if share > OTHER_WARNING:  # priorities and changes would all read 「以其他为主」: say why, and what to do
    st.warning(plain(t("other_share_warning", lang, share=share,
                       labels=("、" if lang == "zh" else ", ").join(
                           f"{k}（{v:,}）" if lang == "zh" else f"{k} ({v:,})" for k, v in unmapped))))

with st.spinner(t("forecast_running", lang)):  # the forecast with the kept (or provisional) method: < 1 s
    ranked = ranked_grids(ctx.source, end, tuple(ctx.flt.categories))
names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]

st.subheader(t("changes_title", lang))
sentences = []
changes = week_changes(ctx.source, ctx.flt, end)
if history_start > start - pd.Timedelta(days=28):  # the four weeks before this one are not all in the data
    sentences.append(t("change_short", lang, start=fmt_date(history_start, lang)))
elif changes["baseline_weekly"].sum() == 0:  # a gap in the data, not a wave of new problems
    sentences.append(t("change_gap", lang))
else:
    for _, row in changes[changes["verdict"].isin(["increase", "decrease"])].head(4).iterrows():
        cat = data.categories.name(row[s.CATEGORY], lang=lang)
        if row["baseline_weekly"] == 0:  # nothing in the four weeks before: new, not "inf % more"
            sentences.append(t("change_new", lang, cat=cat, n=int(row["this_week"])))
            continue
        key = "change_up" if row["verdict"] == "increase" else "change_down"
        sentences.append(t(key, lang, cat=cat, n=int(row["this_week"]), base=row["baseline_weekly"],
                           pct=abs(row["ratio"] - 1) * 100))
    if not sentences:
        sentences.append(t("change_none", lang))
d = int(now["overdue_open"]) - int(before["overdue_open"])
sentences.append(t("change_overdue_same", lang, n=int(now["overdue_open"])) if d == 0 else
                 t("change_overdue", lang, n=int(now["overdue_open"]), d=abs(d), word=t("more" if d > 0 else "fewer", lang)))
if len(ranked):
    top = ranked.iloc[0]
    sentences.append(t("change_top", lang, grid=names.get(top[s.GRID_ID], top[s.GRID_ID]), reasons=top[f"reasons_{lang}"]))
# Escaped: grid names come from the user's data and must not become links or images.
st.markdown("\n".join(f"- {plain(sentence)}" for sentence in sentences))

left, right = st.columns([3, 2])
with left:
    st.subheader(t("this_week_map", lang))
    m = maps.choropleth(data.grids, data.counts_by_grid(ctx.flt, start, end), map_labels(lang), tiles=ctx.tiles,
                        reference=ctx.reference,
                        highlight=st.session_state.get("gw_detail_grid"),
                        priority=list(ranked[s.GRID_ID].head(5)))  # the numbers of the table beside it
    clickable_grid_map(m, data.grids, key="overview-map", height=420)
with right:
    st.subheader(t("top_grids", lang))
    top5 = ranked.head(5)
    # A static table: the reasons wrap instead of being cut off (and ledger names stay text).
    st.table(markdown_safe(pd.DataFrame({t("rank", lang): top5["rank"].to_numpy(),
                                         t("grid", lang): top5[s.GRID_ID].map(names).to_numpy(),
                                         t("reasons", lang): top5[f"reasons_{lang}"].to_numpy()})),
             hide_index=True)
    if refresh_when_kept(ctx, tuple(ctx.flt.categories)):  # ranked provisionally: say so; redrawn when checked
        st.caption(t("priority_method_pending", lang, method=METHOD_NAMES[lang][PROVISIONAL_METHOD]))
show_grid_detail(ctx, data, zoom_levels=len(present_levels(data.grids)) > 1)
