"""趋势: weekly counts per category."""

from __future__ import annotations

import streamlit as st

from dashboard.components.charts import weekly_chart
from dashboard.data import analysis
from dashboard.i18n import t
from dashboard.shell import data_context

ctx, data = data_context()
lang = ctx.lang
st.title(t("trends_title", lang))
result = analysis(ctx.source, ctx.flt)
if len(result.issues) == 0:
    st.info(t("no_issues", lang))
else:
    names = {c: data.categories.name(c, lang=lang) for c in result.categories}
    st.altair_chart(weekly_chart(result.weekly, names, week_label=t("week", lang),
                                 count_label=t("count", lang), category_label=t("category", lang)),
                    width="stretch")
    st.caption(t("trend_caption", lang))
