"""趋势: weekly or monthly series per category, community or grid, their direction, two periods, rhythm."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.components.charts import rhythm_chart, weekly_chart
from dashboard.components.tables import table_height
from dashboard.data import period_comparison, trends, weekly_rhythm
from dashboard.i18n import chart_date_format, picker_format, t, trend_sentence
from dashboard.shell import data_context, scope_caption
from geo import schema as s
from geo.stats.trends import default_periods

BREAKDOWNS = {"category": s.CATEGORY, "community": s.COMMUNITY, "grid": s.GRID_ID}
#: Lines drawn by name; the other groups are summed into one more line.
TOP_LINES = 5
REST = "__rest__"

ctx, data = data_context()
lang = ctx.lang
st.title(t("trends_title", lang))
scope_caption(ctx, data)
c1, c2 = st.columns(2)
freq = c1.radio(t("freq", lang), ["week", "month"], key="gw_trend_freq", horizontal=True,
                format_func=lambda v: t(f"freq_{v}", lang))
key = c2.radio(t("breakdown", lang), list(BREAKDOWNS), key="gw_trend_by", horizontal=True,
               format_func=lambda v: t(f"by_{v}", lang))
by = BREAKDOWNS[key]
grid_names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]


def name(group: str) -> str:
    if by == s.CATEGORY:
        return data.categories.name(group, lang=lang)
    if by == s.GRID_ID:
        return str(grid_names.get(group, group))
    return group


table, directions = trends(ctx.source, ctx.flt, by, freq)
if table.empty:
    st.info(t("no_issues", lang))
    st.stop()
# The top groups by volume, the rest folded into one line: more than five crossing lines cannot be read.
order = table.sum().sort_values(ascending=False, kind="stable").index
shown = table[order[:TOP_LINES]].copy()
names = {g: name(g) for g in shown.columns}
if len(order) > TOP_LINES:
    shown[REST] = table[order[TOP_LINES:]].sum(axis=1)
    names[REST] = t("trend_rest", lang, n=len(order) - TOP_LINES)
st.altair_chart(weekly_chart(shown, names, week_label=t("week" if freq == "week" else "period", lang),
                             count_label=t("count", lang), category_label=t(f"by_{key}", lang),
                             offset_days=6 if freq == "week" else 0,
                             fmt=chart_date_format(lang, "day" if freq == "week" else "month")),
                width="stretch")
st.caption(t("shown_groups", lang, n=min(len(order), TOP_LINES))
           + " " + (t("trend_caption", lang) if freq == "week" else ""))

st.subheader(t("trend_table", lang))
period = t(f"per_{freq}", lang)
st.dataframe(pd.DataFrame({
    t("group", lang): directions["group"].map(name).to_numpy(),
    t("total", lang): directions["total"].to_numpy(),
    t("trend_words", lang): [trend_sentence(d, slope, period, lang)
                             for d, slope in zip(directions["direction"], directions["slope"], strict=True)],
}), hide_index=True, width="stretch", height=table_height(len(directions)))
with st.expander(t("explain", lang)):
    st.write(t("trend_method", lang))
    st.dataframe(pd.DataFrame({
        t("group", lang): directions["group"].map(name).to_numpy(),
        t("slope", lang): directions["slope"].to_numpy(),
        "Mann-Kendall z": directions["mk_z"].to_numpy(),
        "p": directions["p"].map(lambda p: f"{p:.3g}").to_numpy(),
    }), hide_index=True, width="stretch", height=table_height(len(directions)))

st.subheader(t("compare_title", lang))
tz = data.issues[s.REPORTED_AT].dt.tz
first = data.issues[s.REPORTED_AT].min().date()
newest = data.issues[s.REPORTED_AT].max().date()
# Clipped to the data: a short workspace (under 56 days) or a filter ending outside it still opens.
last = min(max(ctx.flt.end or newest, first), newest)
period_a, period_b = default_periods(first, last)
d1, d2 = st.columns(2)
a = d1.date_input(t("period_a", lang), value=period_a, min_value=first, max_value=newest, key="gw_cmp_a",
                  format=picker_format(lang))
b = d2.date_input(t("period_b", lang), value=period_b, min_value=first, max_value=newest, key="gw_cmp_b",
                  format=picker_format(lang))
if isinstance(a, tuple) and len(a) == 2 and isinstance(b, tuple) and len(b) == 2:
    def bounds(pair: tuple[dt.date, dt.date]) -> tuple[pd.Timestamp, pd.Timestamp]:
        return pd.Timestamp(pair[0], tz=tz), pd.Timestamp(pair[1], tz=tz) + pd.Timedelta(days=1)

    cmp = period_comparison(ctx.source, ctx.flt, by, bounds(a), bounds(b))
    st.dataframe(pd.DataFrame({
        t("group", lang): cmp["group"].map(name).to_numpy(),
        t("period_a", lang): cmp["a"].to_numpy(), t("period_b", lang): cmp["b"].to_numpy(),
        t("ratio", lang): cmp["ratio"].round(2).to_numpy(),
        t("ci", lang): [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(cmp["low"], cmp["high"], strict=True)],
        t("direction", lang): cmp["verdict"].map(lambda v: t(f"verdict_{v}", lang)).to_numpy(),
    }), hide_index=True, width="stretch", height=table_height(len(cmp)))

st.subheader(t("rhythm_title", lang))
st.altair_chart(rhythm_chart(weekly_rhythm(ctx.source, ctx.flt), weekdays=t("weekdays", lang).split(","),
                             hour_label=t("hour", lang), weekday_label=t("weekday", lang),
                             count_label=t("count", lang)), width="stretch")
