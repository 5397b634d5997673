"""大屏: a full-screen map with KPI overlays for a 1920x1080 command-centre screen, refreshing itself.

The content is a fragment that re-runs every ``REFRESH`` (reading the workspace version again, so a
new import shows without anyone touching the screen). The sidebar is hidden by page CSS (our own).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.components import legend, maps
from dashboard.components.text import plain
from dashboard.components.view import show_map
from dashboard.data import DataSource, dataset, ledger_unsaid, ranked_grids, reference_layer, street_index, week_kpis
from dashboard.i18n import fmt_date, index_text, kpi_text, map_labels, t
from dashboard.shell import context
from geo import schema as s
from geo.cube.filter import IssueFilter
from geo.cube.levels import Level, sole_unit
from geo.ops.rectification import period_bounds

REFRESH = dt.timedelta(minutes=5)
#: Grids listed beside the map (and numbered on it).
TOP_LISTED = 8

# Our own CSS (no user text): hide the sidebar and the toolbar, use the whole screen.
st.markdown("<style>[data-testid='stSidebar'],[data-testid='stHeader']{display:none}"
            ".block-container{padding:0.6rem 1rem;max-width:100%}</style>", unsafe_allow_html=True)
lang = context().lang


@st.fragment(run_every=REFRESH)
def screen() -> None:
    source = DataSource.from_env()  # a new version after an import: the caches key on it
    data = dataset(source)
    flt = IssueFilter()
    last_day = data.issues[s.REPORTED_AT].max().normalize()
    start, end = period_bounds(last_day, 7)
    # The same request as 总览's cards: with the same categories, one cached answer for both screens.
    (now_table, _), (n_open, _) = week_kpis(source, flt, start, end)
    now = now_table.iloc[0]
    unsaid = ledger_unsaid(source)
    street = sole_unit(data.grids, Level.STREET) or ""  # a district's screen names no one street
    head, leave = st.columns([5, 1])
    head.markdown(f"### {plain(street)} {t('bigscreen_title', lang)}")
    leave.page_link("app_pages/overview.py", label=t("bigscreen_exit", lang), icon=":material/close:")
    st.caption(t("bigscreen_caption", lang, start=fmt_date(start, lang), end=fmt_date(last_day, lang),
                 time=dt.datetime.now().strftime("%H:%M")))
    index = street_index(source, flt, last_day)
    left, right = st.columns([3, 1])
    with st.spinner(t("forecast_running", lang)):
        ranked = ranked_grids(source, end)
    # The KPI box sits top left: the grids are fitted clear of it, and the listed grids are numbered.
    m = maps.choropleth(data.grids, data.counts_by_grid(flt, start, end), map_labels(lang),
                        priority=list(ranked[s.GRID_ID].head(TOP_LISTED)), padding_top_left=(300, 10),
                        reference=reference_layer(source))
    legend.KpiOverlay(t("bigscreen_kpis", lang), [
        (t("kpi_reported", lang), f"{int(now['reported']):,}"),
        (t("kpi_close_rate", lang), kpi_text("close_rate", now["close_rate"], lang, unsaid)),
        (t("kpi_on_time_rate", lang), kpi_text("on_time_rate", now["on_time_rate"], lang, unsaid)),
        (t("kpi_overdue_open", lang), kpi_text("overdue_open", now["overdue_open"], lang, unsaid)),
        (t("open_now", lang), kpi_text("open_now", n_open, lang, unsaid)),
        (t("index_card", lang), index_text(index.index, index.light, lang)),
    ]).add_to(m)
    with left:
        show_map(m, key="bigscreen-map", height=880)
    with right:
        names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
        st.markdown(f"#### {t('top_grids', lang)}")
        for _, row in ranked.head(TOP_LISTED).iterrows():
            st.markdown(f"**{int(row['rank'])}. {plain(names.get(row[s.GRID_ID], row[s.GRID_ID]))}**  \n"
                        f"{plain(row[f'reasons_{lang}'])}")
        st.caption(t("bigscreen_refresh", lang, minutes=int(REFRESH.total_seconds() // 60)))


screen()
