"""Gridwatch dashboard entry point: page setup, shared sidebar, navigation. Nothing else.

Run with ``streamlit run dashboard/app.py`` (``make demo`` does it on the sample street).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.assets import ensure_assets
from dashboard.i18n import t
from dashboard.shell import build_sidebar
from dashboard.signin import ASKED_PAGE, ASKED_QUERY, hand_over

# A local file: a Material or emoji page icon makes the browser fetch the favicon from Google.
ICON = Path(__file__).with_name("icon.png")
st.set_page_config(page_title="Gridwatch 网格治理热点分析", page_icon=str(ICON), layout="wide")
ensure_assets()  # Leaflet and plugins copied from installed packages; served at /app/static
# Laptop first (1366x768): Streamlit's 6rem above the title and its 2.75rem title pushed the maps of 地图 and
# 热点 half below the fold. A card's figure may be words (「无此信息」 where the ledger lacks a fact): six cards
# at 1366 px leave 138 px, which four characters at Streamlit's 2.25rem overrun (LA's 整改 read 「无此…」).
# At 2rem they fit; in a narrower window they wrap instead of ending in an ellipsis. Our own CSS, no user text.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem}"
        "[data-testid='stMain'] h1{font-size:2.1rem;padding-top:0.4rem;padding-bottom:0.5rem}"
        "[data-testid='stMetricValue']{font-size:2rem}"
        "[data-testid='stMetricValue'] .stMarkdownEllipsis,[data-testid='stMetricValue'] .stMarkdownEllipsis p"
        "{white-space:normal}</style>")
ctx = build_sidebar()
data_page = st.Page("app_pages/data.py", title=t("page_data", ctx.lang), icon=":material/upload_file:",
                    url_path="data")


def _to_data_page() -> None:
    """An empty workspace's home and ``/overview``: straight on to the 数据 page (at ``/data``)."""
    st.switch_page(data_page)


def _nothing_yet() -> None:
    """An empty workspace seen by a viewer: say who can fill it."""
    st.info(t("empty_for_viewer", ctx.lang))


def _to_overview() -> None:
    """``/overview`` on a workspace with data: the overview, which as the default page lives at the root."""
    st.switch_page(overview_page)

# A default page is served at the root and cannot be reached by its own path, so /overview is a
# hidden forwarder (bookmarks and links in the bulletin use it).
overview_page = st.Page("app_pages/overview.py", title=t("page_overview", ctx.lang), icon=":material/dashboard:",
                        url_path="home", default=True)
pages = [
    overview_page,
    st.Page("app_pages/map.py", title=t("page_map", ctx.lang), icon=":material/map:", url_path="map"),
    st.Page("app_pages/hotspots.py", title=t("page_hotspots", ctx.lang), icon=":material/local_fire_department:",
            url_path="hotspots"),
    st.Page("app_pages/trends.py", title=t("page_trends", ctx.lang), icon=":material/trending_up:", url_path="trends"),
    st.Page("app_pages/rectification.py", title=t("page_rectification", ctx.lang), icon=":material/task_alt:",
            url_path="rectification"),
    st.Page("app_pages/evaluation.py", title=t("page_evaluation", ctx.lang), icon=":material/fact_check:",
            url_path="evaluation"),
    st.Page("app_pages/priority.py", title=t("page_priority", ctx.lang), icon=":material/flag:", url_path="priority"),
    st.Page("app_pages/forecast.py", title=t("page_forecast", ctx.lang), icon=":material/query_stats:",
            url_path="forecast"),
    st.Page("app_pages/ranking.py", title=t("page_ranking", ctx.lang), icon=":material/leaderboard:", url_path="ranking"),
    *([data_page] if ctx.actor.may("import_ledger") else []),  # a viewer has no route to an upload
    st.Page("app_pages/bigscreen.py", title=t("page_bigscreen", ctx.lang), icon=":material/tv:", url_path="bigscreen"),
    st.Page(_to_overview, title=t("page_overview", ctx.lang), url_path="overview", visibility="hidden"),
]
# An empty workspace offers only the Data page: nothing else has anything to show yet. Its home is a
# forwarder rather than the data page itself, because a default page cannot be reached by its own path.
empty = [st.Page(_to_data_page, title=t("page_data", ctx.lang), url_path="start", default=True, visibility="hidden"),
         st.Page(_to_data_page, title=t("page_overview", ctx.lang), url_path="overview", visibility="hidden"),
         data_page]
if not ctx.actor.may("import_ledger"):  # an empty workspace and a viewer: nothing to show or do yet
    empty = [st.Page(_nothing_yet, title=t("page_overview", ctx.lang), url_path="start", default=True)]
shown = pages if ctx.data is not None else empty
# A link opened before signing in (a bookmark of 优先级, a bulletin's link) goes where it asked once the
# form is passed: the form stopped the first run before any page was registered, so Streamlit fell back
# to the default page under the asked-for URL.
asked = st.session_state.pop(ASKED_PAGE, "")
asked_query = st.session_state.pop(ASKED_QUERY, {})
target = next((p for p in shown if asked and p.url_path == asked), None)
current = st.navigation(shown)  # pages are known only from here on: switch_page needs them
if target is not None and target is not current:
    st.switch_page(target, query_params=asked_query)  # a grid's detail asked for travels with the page
hand_over()  # just signed in: the browser fetches its session cookie once and comes back here
current.run()
