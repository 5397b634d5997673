"""排名: grids ranked by issue count in the selected categories."""

from __future__ import annotations

import streamlit as st

from dashboard.components.tables import ranking_table
from dashboard.data import analysis
from dashboard.i18n import t
from dashboard.shell import data_context, scope_caption
from geo.csv_guard import to_safe_csv

ctx, data = data_context()
lang = ctx.lang
st.title(t("ranking_title", lang))
scope_caption(ctx, data)
result = analysis(ctx.source, ctx.flt)
table = ranking_table(result, lambda c: data.categories.name(c, lang=lang),
                      {k: t(k, lang) for k in ("rank", "grid", "grid_id", "community", "count", "share")})
share = t("share", lang)
st.dataframe(table, hide_index=True, width="stretch",
             column_config={share: st.column_config.NumberColumn(share, format="percent")})
st.caption(t("ranking_caption", lang))
st.download_button(t("download_csv", lang), data=lambda: to_safe_csv(table), file_name="grid_ranking.csv",
                   mime="text/csv")
