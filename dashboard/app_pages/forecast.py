"""预测检验: how well each method's flagged area held the next period's problems, on this workspace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.components.charts import calibration_chart, capture_chart, share_curve
from dashboard.components.tables import table_height
from dashboard.data import PROVISIONAL_METHOD, backtest, backtest_failure, scope
from dashboard.i18n import chart_date_format, t
from dashboard.shell import data_context, refresh_when_kept
from geo.cube.filter import IssueFilter
from geo.forecast import AREA_SHARES, METHOD_NAMES, METHODS
from geo.forecast.backtest import NESTED

ctx, data = data_context()
lang = ctx.lang
st.title(t("forecast_title", lang))
categories = tuple(ctx.flt.categories)
chosen = "、".join(data.categories.name(c, lang=lang) for c in categories) if lang == "zh" else \
    ", ".join(data.categories.name(c, lang=lang) for c in categories)
st.caption(t("forecast_scope", lang, cats=chosen or t("all_placeholder", lang)))
# The forecast trains and scores on live, non-suspect records only (geo.forecast.events): say how many that is.
left_out = scope(ctx.source, IssueFilter(categories=categories))
if left_out.void or left_out.suspect:
    st.caption(t("forecast_left_out", lang, void=left_out.void, suspect=left_out.suspect))
horizon = st.radio(t("forecast_horizon", lang), [28, 7], key="gw_forecast_horizon", horizontal=True,
                   format_func=lambda d: t("horizon_4w" if d == 28 else "horizon_1w", lang))
bt = backtest(ctx.source, categories, float(horizon))  # read when kept; else queued for the answers worker
names: dict[str, str] = {str(k): v for k, v in METHOD_NAMES[lang].items()}
if bt is None:
    if backtest_failure(ctx.source, categories, float(horizon)):
        st.warning(t("forecast_failed", lang, method=names[PROVISIONAL_METHOD]))
    else:
        st.info(t("forecast_background", lang))
        refresh_when_kept(ctx, categories, float(horizon))
    st.stop()
if bt.n_origins == 0:
    st.info(bt.sentence(lang))
    st.stop()
st.success(bt.sentence(lang))
ranges = bt.range_sentence(lang)
if ranges:
    st.info(ranges)

st.subheader(t("forecast_table", lang))
share = st.radio(t("forecast_area", lang), list(AREA_SHARES), index=AREA_SHARES.index(0.05), key="gw_forecast_share",
                 horizontal=True, format_func=lambda x: f"{x:.0%}")
shown = [m for m in (NESTED, *METHODS) if m in set(bt.summary["method"])]  # the nested choice first
rows = bt.summary[np.isclose(bt.summary["share"], share)].set_index("method").reindex(shown).reset_index()
names[NESTED] = t("forecast_nested", lang)
table = pd.DataFrame({
    t("forecast_method", lang): [names[str(m)] + (" ★" if m == bt.winner else "") for m in rows["method"]],
    t("forecast_pai", lang): [f"{x:.1f}" for x in rows["pai_median"]],
    t("forecast_spread", lang): [f"{a:.1f}–{b:.1f}" for a, b in zip(rows["pai_q25"], rows["pai_q75"], strict=True)],
    t("forecast_hit", lang): [f"{x:.0%}" for x in rows["hit_median"]],
    t("forecast_pei", lang): [f"{x:.0%}" for x in rows["pei_median"]],
    t("forecast_weeks", lang): rows["origins"].astype(int).to_numpy(),
})
st.dataframe(table, hide_index=True, width="stretch", height=table_height(len(table)))
st.caption(t("forecast_table_note", lang, n=bt.n_origins))

left, right = st.columns(2)
with left:
    st.subheader(t("forecast_curve", lang))
    st.altair_chart(share_curve(bt.summary[bt.summary["method"].isin(shown)], names, share_label=t("forecast_area", lang),
                                value_label=t("forecast_pai", lang), method_label=t("forecast_method", lang)),
                    width="stretch")
with right:
    st.subheader(t("forecast_over_time", lang))
    at5 = bt.scores[(bt.scores["share"] == 0.05) & (bt.scores["observed"] > 0)]
    st.altair_chart(capture_chart(at5, names, origin_label=t("forecast_origin", lang), value_label=t("forecast_pai", lang),
                                  method_label=t("forecast_method", lang), fmt=chart_date_format(lang)),
                    width="stretch")
st.subheader(t("forecast_calibration", lang))
st.altair_chart(calibration_chart(bt.calibration, names, expected_label=t("forecast_expected", lang),
                                  observed_label=t("forecast_observed", lang), method_label=t("forecast_method", lang)),
                width="stretch")
st.caption(t("forecast_calibration_note", lang))

with st.expander(t("forecast_notes", lang)):
    st.markdown(t("forecast_notes_body", lang, cell=int(bt.cell_size_m or 0), cells=bt.n_units, n=bt.n_origins,
                  shares=", ".join(f"{x:.0%}" for x in AREA_SHARES)))
