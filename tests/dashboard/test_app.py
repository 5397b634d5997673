"""Every page runs under AppTest without an exception, in both languages, with filters applied."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.components.charts import HISTORY_ROWS
from geo import schema as s
from geo.cube.dataset import Dataset

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGES = ("app_pages/overview.py", "app_pages/map.py", "app_pages/hotspots.py", "app_pages/trends.py",
         "app_pages/rectification.py", "app_pages/priority.py", "app_pages/ranking.py", "app_pages/data.py",
         "app_pages/forecast.py")


def run_app(page: str | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def component_count(at: AppTest) -> int:
    return sum(1 for e in at.main if type(e).__name__ == "UnknownElement")


def test_map_page_shows_the_map() -> None:
    at = run_app("app_pages/map.py")
    assert at.title[0].value == "问题分布地图"
    assert component_count(at) == 1  # the streamlit-folium map
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["问题数"] == "21,110"  # 21,470 rows less 271 voided and 89 on the suspect pile
    assert metrics["网格外"] == "0"


ZH_TITLES = ("本周总览", "问题分布地图", "热点分析", "趋势", "整改考核", "整治优先级", "网格排名", "数据导入", "预测检验")


@pytest.mark.parametrize(("page", "title"), zip(PAGES, ZH_TITLES, strict=True))
def test_every_page_runs_in_chinese(page: str, title: str) -> None:
    at = run_app(page)
    assert at.title[0].value == title


EN_TITLES = ("This week at a glance", "Where problems are", "Hotspot analysis", "Trends", "Rectification performance",
             "Where to act first", "Grid ranking", "Import data", "Forecast check")


@pytest.mark.parametrize(("page", "title"), zip(PAGES, EN_TITLES, strict=True))
def test_every_page_runs_in_english(page: str, title: str) -> None:
    at = run_app(page, gw_lang="en")
    assert at.title[0].value == title
    assert at.sidebar.header[0].value == "Filters"


def test_the_sidebar_category_and_the_layer_switch_change_the_map() -> None:
    at = run_app("app_pages/map.py")
    assert "gw_map_category" not in [r.key for r in at.radio]  # one filter model: the sidebar's
    at.sidebar.multiselect(key="gw_categories").set_value(["parking"]).run()
    at.radio(key="gw_map_layer").set_value("choropleth").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["问题数"] == "5,463"  # 5,552 parking rows less 69 void and 19 on the suspect pile
    assert "乱停乱放 · 共 5,463 件（不含已作废 69 件、可疑坐标堆积点 19 件，可在侧栏计入）" in at.caption[0].value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_states_its_window_and_the_same_count_for_the_same_filter(lang: str) -> None:
    """The same sidebar filter gives the same count, said in the same words, on 地图, 热点, 趋势 and 排名."""
    lines = {}
    for page in ("app_pages/map.py", "app_pages/hotspots.py", "app_pages/trends.py", "app_pages/ranking.py"):
        at = run_app(page, gw_lang=lang, gw_categories=["litter"], gw_dates=(dt.date(2026, 6, 1), dt.date(2026, 8, 31)))
        lines[page] = next(c.value for c in at.caption if c.value.startswith(("统计范围", "Counted")))
    assert len(set(lines.values())) == 1, lines
    line = lines["app_pages/map.py"]
    expected = ("统计范围：2026年6月1日至2026年8月31日 · 垃圾/卫生死角 · 共" if lang == "zh"
                else "Counted: 1 Jun 2026 to 31 Aug 2026 · Litter")
    assert line.startswith(expected), line
    at = run_app("app_pages/map.py", gw_categories=["litter"], gw_dates=(dt.date(2026, 6, 1), dt.date(2026, 8, 31)))
    shown = int({m.label: m.value for m in at.metric}["问题数"].replace(",", ""))
    hot = run_app("app_pages/hotspots.py", gw_categories=["litter"], gw_dates=(dt.date(2026, 6, 1), dt.date(2026, 8, 31)))
    assert int({m.label: m.value for m in hot.metric}["问题数"].replace(",", "")) == shown
    assert f"共 {shown:,} 件" in line or lang == "en"


def test_overview_reports_the_last_week_of_the_chosen_range() -> None:
    full = run_app("app_pages/overview.py")
    cut = run_app("app_pages/overview.py", gw_dates=(dt.date(2026, 1, 1), dt.date(2026, 6, 30)))
    assert "2026年6月24日至2026年6月30日" in cut.caption[0].value  # 本周 = the range's last 7 days
    assert cut.metric[0].value != full.metric[0].value
    assert any(c.value.startswith("统计范围：2026年6月24日至2026年6月30日") for c in cut.caption)


def test_filters_are_kept_across_pages_and_narrow_the_ranking() -> None:
    at = run_app("app_pages/map.py")
    at.sidebar.multiselect(key="gw_communities").set_value(["望江社区"]).run()
    at.switch_page("app_pages/ranking.py").run()
    assert not at.exception
    assert at.sidebar.multiselect(key="gw_communities").value == ["望江社区"]
    table = at.dataframe[0].value
    assert set(table["社区"]) == {"望江社区"}
    assert table["排名"].tolist() == list(range(1, len(table) + 1))


def element_types(at: AppTest) -> list[str]:
    return [getattr(e, "type", type(e).__name__) for e in at.main]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trends_page_series_directions_comparison_and_rhythm(lang: str) -> None:
    at = run_app("app_pages/trends.py", gw_lang=lang)
    assert element_types(at).count("vega_lite_chart") == 2  # the series and the weekday x hour table
    assert not at.info
    directions = at.dataframe[0].value
    assert len(directions) == 10  # one row per category of the table (other included)
    # The direction in words, the method's name and p only in the expander's table.
    pattern = (r"^(每周约(多|少) [\d.,]+ 件，(上升|下降)明显|没有明显变化)$" if lang == "zh"
               else r"^(About [\d.,]+ (more|fewer) a week, clearly (rising|falling)|No clear change)$")
    assert directions.iloc[:, 2].str.match(pattern).all(), directions.iloc[:, 2].tolist()
    assert list(directions.columns) == [["分组", "合计", "变化"], ["Group", "Total", "Change"]][lang == "en"]
    assert "p" in at.dataframe[1].value.columns
    for by in ("community", "grid"):
        at.radio(key="gw_trend_by").set_value(by).run()
        assert not at.exception
    assert len(at.dataframe[0].value) == 35  # grids
    at.radio(key="gw_trend_freq").set_value("month").run()
    assert not at.exception and len(at.dataframe[2].value) == 35  # the two-period comparison per grid


def test_an_empty_selection_says_so_instead_of_a_chart(sample: Dataset) -> None:
    # Find, from the data itself, a day on which no bare soil was reported.
    local_days = set(sample.issues.loc[sample.issues[s.CATEGORY] == "bare_soil", s.REPORTED_AT]
                     .dt.tz_convert("Asia/Shanghai").dt.date)
    day = next(dt.date(2025, 11, 3) + dt.timedelta(days=i) for i in range(60)
               if dt.date(2025, 11, 3) + dt.timedelta(days=i) not in local_days)
    at = run_app("app_pages/trends.py", gw_dates=(day, day), gw_categories=["bare_soil"])
    assert [i.value for i in at.info] == ["当前筛选条件下没有问题记录。"]
    assert "vega_lite_chart" not in element_types(at)


def test_suspect_switch_adds_the_pile_back() -> None:
    at = run_app("app_pages/map.py")
    at.sidebar.toggle(key="gw_suspect").set_value(True).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["问题数"] == "21,199"  # 21,110 plus the 89 on the pile


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hotspot_page_views_and_units(lang: str) -> None:
    at = run_app("app_pages/hotspots.py", gw_lang=lang)
    assert at.title[0].value == {"zh": "热点分析", "en": "Hotspot analysis"}[lang]
    assert int(at.metric[1].value) > 10  # 99 % hot units on automatic (50 m) squares
    assert any("50" in c.value for c in at.caption)  # the automatic cell size is reported
    for view, units, size in (("emerging", "square", 100), ("gi", "grid", 0), ("outliers", "hex", 100),
                              ("emerging", "hex", 250)):
        at.radio(key="gw_hot_view").set_value(view).run()
        at.radio(key="gw_hot_units").set_value(units).run()
        if units != "grid":  # the size picker is disabled for management grids
            at.selectbox(key="gw_hot_size").set_value(size).run()
        assert not at.exception, (view, units, size)
        assert element_types(at).count("component_instance") == 1  # the map
        assert "vega_lite_chart" in element_types(at)  # the history of the strongest unit
    at.radio(key="gw_hot_view").set_value("emerging").run()
    at.radio(key="gw_hot_step").set_value("month").run()
    assert not at.exception
    worded = at.table[0].value
    assert worded[{"zh": "每步天数", "en": "Days per step"}[lang]].iloc[0] == "30"
    at.radio(key="gw_hot_view").set_value("outliers").run()
    at.toggle(key="gw_hot_outlier_fdr").set_value(True).run()
    assert not at.exception
    table = at.table[0].value
    assert table[{"zh": "异常检测的多重检验校正", "en": "Outlier multiple-testing correction"}[lang]].iloc[0] != \
        {"zh": "无", "en": "none"}[lang]
    assert len(table.columns) > 10
    # Every label and worded value of the choices table is in the page's language.
    text = " ".join(map(str, [*table.columns, *table.iloc[0]]))
    if lang == "zh":
        assert "hexagon" not in text and "permutations" not in text and "六边形" in text and "置换次数" in text
    else:
        assert "六边形" not in text and "hexagons sharing an edge" in text


def test_hotspot_history_follows_the_picked_unit() -> None:
    at = run_app("app_pages/hotspots.py", gw_hot_units="grid", gw_categories=["parking"])
    picker = at.selectbox(key="gw_hot_unit")
    # Strongest z first, shown by grid name (the options themselves are grid ids).
    from dashboard.data import DataSource, hotspots
    from geo.cube.filter import IssueFilter

    result = hotspots(DataSource.from_env(), IssueFilter(categories=("parking",)), "grid", None, False)
    top = result.units.sort_values("z", ascending=False)["unit_id"].iloc[0]
    assert picker.value == top and picker.options[0].endswith("网格")
    assert [h.value for h in at.subheader][-1].startswith(picker.options[0])  # the grid's detail panel
    assert "gw_detail_grid" not in at.session_state  # showing the default pick selects nothing elsewhere
    picker.set_value("340104012001004").run()  # the metro exit's grid
    assert not at.exception and at.selectbox(key="gw_hot_unit").value == "340104012001004"
    assert element_types(at).count("vega_lite_chart") == 2  # its history and its detail's weekly chart
    assert at.subheader[-1].value == "青石社区第4网格（青石社区）"
    # The history chart carries the grid's own steps (the spec is shared; the rows are the unit's), and
    # every layer names its dataset: the frontend hands a chart's top-level data to no layer beside one
    # with data of its own (the bars drew nothing and the bounds took the rows when it relied on that).
    chart = at.get("vega_lite_chart")[0].proto
    datasets = {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.datasets}
    rows = datasets.pop(HISTORY_ROWS)
    history = result.history("340104012001004")
    assert rows["count"].tolist() == history["count"].tolist() and rows["count"].sum() > 0
    assert rows["z"].tolist() == history["z"].round(2).tolist()
    assert not chart.HasField("data") and [b["z"].tolist() for b in datasets.values()] == [[-1.96, 1.96]]
    spec = json.loads(chart.spec)
    bars, (line, bounds) = spec["layer"][0], spec["layer"][1]["layer"]
    assert bars["data"] == line["data"] == {"name": HISTORY_ROWS} and bounds["data"]["name"] in datasets
    # Squares are not grids: no grid detail under their history.
    squares = run_app("app_pages/hotspots.py", gw_hot_units="square", gw_categories=["parking"])
    assert element_types(squares).count("vega_lite_chart") == 1
    # Cells are named in words: the grid, the part of it, a number where two share both; never "r37c19".
    import re

    shown = [squares.selectbox(key="gw_hot_unit").format_func(o) for o in squares.selectbox(key="gw_hot_unit").options]
    assert len(set(shown)) == len(shown) and not [w for w in shown if re.search(r"r\d+c\d+|单元", w)]
    assert any("（第 2 格）" in w for w in shown) and all("网格" in w for w in shown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hotspot_page_density_and_recurrence(lang: str) -> None:
    at = run_app("app_pages/hotspots.py", gw_lang=lang, gw_hot_view="density")
    assert element_types(at).count("component_instance") == 1
    caption = at.caption[1].value  # after the scope line
    assert ("周边" in caption and "按问题的分散程度自动选择" in caption) if lang == "zh" else "within" in caption
    assert "ArcGIS" not in caption and "Silverman" not in caption  # the method's name is not on the face
    at.number_input(key="gw_hot_bandwidth").set_value(200).run()
    assert not at.exception and "200" in at.caption[1].value
    at.radio(key="gw_hot_view").set_value("recurrence").run()
    assert not at.exception and element_types(at).count("component_instance") == 1
    repeats = int(at.metric[0].value.replace(",", ""))
    assert repeats > 0
    at.number_input(key="gw_hot_rec_radius").set_value(5).run()  # a tighter rule finds fewer repeats
    assert int(at.metric[0].value.replace(",", "")) < repeats


def _ledger_rows() -> list[dict[str, str]]:
    import csv

    from geo.sample import SAMPLE_DIR

    with open(SAMPLE_DIR / "ledger.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rectification_page_cards_leagues_and_overdue_list(lang: str) -> None:
    at = run_app("app_pages/rectification.py", gw_lang=lang)
    cards = {m.label: m.value for m in at.metric}
    # Independent count from the raw CSV: live rows reported 2026-11-09..15 (the last 7 days), off the pile.
    import json

    from geo.sample import SAMPLE_DIR

    pile = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))["suspect_pile"]
    reported = sum(1 for r in _ledger_rows() if "2026-11-09" <= r["上报时间"][:10] <= "2026-11-15"
                   and r["处置状态"] != "已作废"
                   and not (float(r["经度"]) == pile["lon"] and float(r["纬度"]) == pile["lat"]))
    assert cards[{"zh": "上报", "en": "Reported"}[lang]] == f"{reported:,}"
    assert cards[{"zh": "结案率", "en": "Close rate"}[lang]].endswith("%")
    # Rate changes are in percentage points, written in the page's language (no "pp" on a Chinese page).
    deltas = {m.label: m.proto.delta for m in at.metric}
    rate_delta = deltas[{"zh": "按期结案率", "en": "On-time rate"}[lang]]
    assert rate_delta.endswith({"zh": " 个百分点", "en": " pp"}[lang]) and rate_delta[0] in "+-"
    frames = [d.value for d in at.dataframe]
    assert len(frames) == 3  # two league tables and the overdue list
    communities = frames[0]
    assert len(communities) == 6 and communities.columns[-1] == {"zh": "等级", "en": "Grade"}[lang]
    assert set(communities.iloc[:, -1]) <= {"A", "B", "C", "D", "E", ""}
    overdue = frames[2]
    days = overdue[{"zh": "超期天数", "en": "Days overdue"}[lang]]
    lights = overdue[{"zh": "时限灯", "en": "Deadline light"}[lang]]
    red = lights == {"zh": "红（已超期）", "en": "Red (overdue)"}[lang]
    assert red.iloc[: int(red.sum())].all() and (days[red] > 0).all() and days.is_monotonic_decreasing
    assert (days[~red] == 0).all() and len(overdue) > int(red.sum())  # yellow ones follow, not yet overdue
    assert len(at.get("download_button")) == 2
    at.radio(key="gw_rect_period").set_value("30").run()
    assert not at.exception


def test_rectification_campaign_wording() -> None:
    import datetime as dt

    at = run_app("app_pages/rectification.py")
    at.date_input(key="gw_campaign_day").set_value(dt.date(2026, 5, 11)).run()
    at.sidebar.multiselect(key="gw_categories").set_value(["posters"]).run()
    assert not any("整治后日均上报" in m.value for m in at.markdown)  # nothing computed until asked
    at.button(key="gw_campaign_run").click().run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "2026年5月11日 整治后日均上报下降" in text and "季节性未能扣除" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_priority_page_ranks_on_the_forecast_and_follows_mode_and_weights(lang: str) -> None:
    at = run_app("app_pages/priority.py", gw_lang=lang)
    top = at.table[0].value  # the first ten with their reasons in full (a static table wraps them)
    reasons = top[{"zh": "主要原因", "en": "Leading reasons"}[lang]]
    assert top.iloc[:, 0].tolist() == list(range(1, 11))
    assert reasons.str.startswith("预计4周 " if lang == "zh" else "").all() and reasons.nunique() == 10
    table = at.dataframe[0].value  # every grid, selectable
    assert table.iloc[:, 0].tolist() == list(range(1, 36))
    per_km2 = table[{"zh": "每平方公里（按面积折算）", "en": "Per km² (area-weighted)"}[lang]]
    assert per_km2.is_monotonic_decreasing  # the default order is the forecast's, per km²
    caption = " ".join(c.value for c in at.caption)
    assert ("预测方法：" in caption) if lang == "zh" else ("Forecast method:" in caption)
    assert element_types(at).count("component_instance") == 1  # the priority map
    # Only the overdue backlog counts: the list follows it exactly, and the page says the order is no longer tested.
    at.slider(key="gw_w_inspect_forecast").set_value(0.0).run()
    at.slider(key="gw_w_inspect_overdue").set_value(1.0).run()
    overdue = at.dataframe[0].value[{"zh": "超期未结", "en": "Overdue open"}[lang]]
    assert overdue.is_monotonic_decreasing
    assert any(("不再是" in i.value) if lang == "zh" else ("no longer" in i.value) for i in at.info)
    at.slider(key="gw_w_inspect_overdue").set_value(0.0).run()  # all zero: defaults, with a warning
    assert len(at.warning) == 1 and not at.exception
    at.radio(key="gw_priority_mode").set_value("workload").run()
    listing = at.dataframe[0].value
    cols = [{"zh": k, "en": v}[lang] for k, v in (("预计4周", "Expected, 4 weeks"), ("未结问题", "Open cases"),
                                                   ("超期未结", "Overdue open"))]
    load = listing[cols].sum(axis=1)
    assert (load.diff().dropna() <= 1).all()  # workload order: expected (rounded) + open + overdue


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forecast_check_page_compares_methods_in_plain_words(lang: str) -> None:
    at = run_app("app_pages/forecast.py", gw_lang=lang)
    assert not at.exception
    sentence = at.success[0].value
    # 42 origins, chosen in advance from the 8th on (four known before it): 35 weeks.
    assert sentence.startswith("过去 35 周" if lang == "zh" else "Over the last 35 weeks")
    table = at.dataframe[0].value
    # The nested choice first, then 7 methods at 5 %, one winner.
    assert len(table) == 8 and table.iloc[:, 0].str.contains("★").sum() == 1
    at.radio(key="gw_forecast_share").set_value(0.01).run()
    assert not at.exception and at.dataframe[0].value.iloc[:, 2].tolist() != table.iloc[:, 2].tolist()
    assert element_types(at).count("vega_lite_chart") == 3  # PAI by area share, week by week, calibration
    at.radio(key="gw_forecast_horizon").set_value(7).run()
    assert not at.exception and ("下周" in at.success[0].value if lang == "zh" else "next week" in at.success[0].value)


def test_bulletin_downloads_from_the_rectification_page() -> None:
    at = run_app("app_pages/rectification.py")
    week = at.selectbox(key="gw_bulletin_week")
    assert week.value == "2026-W46"  # the data end on Sunday 2026-11-15, so that week is complete
    assert week.options[:2] == ["2026年第46周（11月9日–11月15日）", "2026年第45周（11月2日–11月8日）"]
    assert len(at.get("download_button")) == 2  # nothing is built before the user asks
    at.button(key="gw_bulletin_make").click().run()
    assert not at.exception
    # Overdue CSV + Excel, bulletin Excel + HTML + PDF (the PDF is built when clicked).
    assert len(at.get("download_button")) == 5


def test_grid_list_follows_the_community_and_filters_every_page() -> None:
    at = run_app("app_pages/map.py")
    grids = at.sidebar.multiselect(key="gw_grids")
    assert len(grids.options) == 35
    at.sidebar.multiselect(key="gw_communities").set_value(["青石社区"]).run()
    options = at.sidebar.multiselect(key="gw_grids").options
    assert 0 < len(options) < 35 and all(o.startswith("青石社区") for o in options)
    at.sidebar.multiselect(key="gw_grids").set_value(["340104012001004"]).run()
    at.sidebar.multiselect(key="gw_statuses").set_value(["closed"]).run()
    assert not at.exception
    shown = int({m.label: m.value for m in at.metric}["问题数"].replace(",", ""))
    from dashboard.data import DataSource, dataset

    data = dataset(DataSource.from_env())
    i = data.issues
    expected = ((i["grid_id"] == "340104012001004") & (i["status"] == "closed") & ~i["suspect_point"]).sum()
    assert shown == expected
    # Switching community drops the grid that no longer belongs to it, instead of failing.
    at.sidebar.multiselect(key="gw_communities").set_value(["南湖社区"]).run()
    assert not at.exception and at.sidebar.multiselect(key="gw_grids").value == []
    for page in ("app_pages/hotspots.py", "app_pages/rectification.py", "app_pages/priority.py"):
        at.switch_page(page).run()
        assert not at.exception, page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_is_the_default_page(lang: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["gw_lang"] = lang
    at.run()
    assert not at.exception
    assert at.title[0].value == {"zh": "本周总览", "en": "This week at a glance"}[lang]
    assert at.caption[0].value.startswith({
        "zh": "本周 = 所选时段的最后 7 天（2026年11月9日至2026年11月15日）",
        "en": "This week = the last 7 days of the chosen range (9 Nov 2026 to 15 Nov 2026)"}[lang])
    cards = {m.label: m.value for m in at.metric}
    assert len(cards) == 6 and element_types(at).count("component_instance") == 1
    # The month's on-target index is the evaluation page's, under the workspace's profile, with its light.
    evaluation = run_app("app_pages/evaluation.py", gw_lang=lang)
    shown = {m.label: m.value for m in evaluation.metric}
    index_label = {"zh": "达标指数", "en": "On-target index"}[lang]
    card = next(label for label in cards if label.startswith({"zh": "本月达标", "en": "Target"}[lang]))
    assert cards[card] == shown[index_label]
    assert card.endswith("[" + {"zh": "未达标", "en": "Below"}[lang] + "]")  # the sample's month is below target
    # This week's reported count equals the rectification page's (same definition, same week).
    rect = run_app("app_pages/rectification.py", gw_lang=lang)
    label = {"zh": "上报", "en": "Reported"}[lang]
    assert cards[label] == {m.label: m.value for m in rect.metric}[label]
    bullets = " ".join(m.value for m in at.markdown)
    assert ("最需优先整治" in bullets and "超期未结" in bullets) if lang == "zh" else ("First to act on" in bullets)


def test_grid_detail_panel_under_the_map() -> None:
    at = run_app("app_pages/map.py")
    assert any("点击地图上的网格" in c.value for c in at.caption)  # nothing selected yet: a hint
    at.session_state["gw_detail_grid"] = "340104012001004"
    at.run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["青石社区第4网格（青石社区）"]
    cards = {m.label: m.value for m in at.metric[3:]}
    from dashboard.data import DataSource, dataset

    issues = dataset(DataSource.from_env()).issues
    mine = (issues["grid_id"] == "340104012001004") & (issues["status"] != "void") & ~issues["suspect_point"]
    assert cards["问题数"] == f"{int(mine.sum()):,}"
    [cadres] = [c.value for c in at.main.caption if c.value.startswith("网格责任人：")]
    assert cadres != "网格责任人：—" and "、" in cadres  # two or three names, in full
    assert "vega_lite_chart" in element_types(at)
    listing = at.dataframe[-1].value
    assert len(listing) == 200 and listing.iloc[0, 2] >= listing.iloc[-1, 2]  # newest first


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_big_screen(lang: str) -> None:
    at = run_app("app_pages/bigscreen.py", gw_lang=lang)
    texts = [m.value for m in at.markdown]
    assert any(v.startswith("### 青石街道") for v in texts)
    assert element_types(at).count("component_instance") == 1
    assert sum(1 for v in texts if v.startswith("**")) == 8  # the top eight grids with reasons
    assert "5" in at.caption[-1].value


def test_grid_detail_links_photos_and_only_safe_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from geo.ingest.imports import import_grids, import_ledger
    from geo.store import Workspace

    ring = [[117.25, 31.85], [117.26, 31.85], [117.26, 31.86], [117.25, 31.86], [117.25, 31.85]]
    (tmp_path / "grids.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"grid_id": "G1", "grid_name": "一号网格", "community": "青石社区"}}]}), encoding="utf-8")
    (tmp_path / "ledger.csv").write_text(
        "问题编号,问题类型,上报时间,经度,纬度,整改前照片,整改后照片\n"
        "A,垃圾,2026-03-02 09:00,117.255,31.855,https://p.example.cn/a.jpg;javascript:alert(1),IMG_9.jpg\n"
        "B,垃圾,2026-03-03 09:00,117.255,31.855,,\n"
        "C,垃圾,2026-03-04 09:00,117.255,31.855,IMG_1.jpg,\n", encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    import_grids(ws, tmp_path / "grids.geojson")
    import_ledger(ws, tmp_path / "ledger.csv")
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(ws.root))
    monkeypatch.delenv("GRIDWATCH_PHOTO_BASE", raising=False)
    at = run_app("app_pages/map.py", gw_detail_grid="G1")
    [photos] = [e for e in at.expander if "整改前后照片" in e.label]
    assert photos.label == "整改前后照片（1 件问题有照片）"
    links = " ".join(m.value for m in photos.markdown)
    assert "[整改前 1](https://p.example.cn/a.jpg)" in links and "javascript" not in links
    assert "另有 2 个照片单元格" in photos.caption[0].value  # A's after photo and C's, file names only

    monkeypatch.setenv("GRIDWATCH_PHOTO_BASE", "http://10.1.2.3/photos/")
    at = run_app("app_pages/map.py", gw_detail_grid="G1", gw_lang="en")
    [photos] = [e for e in at.expander if "photos" in e.label]
    assert photos.label == "Before/after photos (2 issues with photos)"
    links = " ".join(m.value for m in photos.markdown)
    assert "[After 1](http://10.1.2.3/photos/IMG_9.jpg)" in links
    assert "[Before 1](http://10.1.2.3/photos/IMG_1.jpg)" in links
    assert not photos.caption


def _specs_and_date_columns(at: AppTest) -> tuple[list[str], list[dict]]:
    import json

    specs, columns = [], []

    def walk(node: object) -> None:
        for child in getattr(node, "children", {}).values():
            walk(child)
        proto = getattr(node, "proto", None)
        if proto is not None and "spec" in [f.name for f in proto.DESCRIPTOR.fields]:
            specs.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))  # 年 rather than \u5e74
        if type(node).__name__ == "Dataframe" and proto.columns:
            columns.extend(c for c in json.loads(proto.columns).values()
                           if c.get("type_config", {}).get("type") == "datetime")

    walk(at.main)
    return specs, columns


CHART_DAY = {"zh": "%Y年%-m月%-d日", "en": "%-d %b %Y"}
TABLE_TIME = {"zh": "YYYY年M月D日 HH:mm", "en": "D MMM YYYY, HH:mm"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dates_in_charts_tables_and_pickers_follow_the_language(lang: str) -> None:
    seen_specs, seen_columns = [], []
    detail = run_app("app_pages/map.py", gw_lang=lang, gw_detail_grid="340104012001004")
    rect = run_app("app_pages/rectification.py", gw_lang=lang)
    for at in (detail, run_app("app_pages/trends.py", gw_lang=lang), run_app("app_pages/hotspots.py", gw_lang=lang), rect):
        specs, columns = _specs_and_date_columns(at)
        seen_specs += specs
        seen_columns += columns
    temporal = [s for s in seen_specs if ":T" in s or '"temporal"' in s]
    assert len(temporal) == 3  # grid detail, trends, a hotspot unit's history
    assert all(CHART_DAY[lang] in s and "%Y-%m-%d" not in s for s in temporal)
    # Detail listing (reported) and the overdue list (reported, deadline): times, written the language's way.
    assert [c["type_config"]["format"] for c in seen_columns] == [TABLE_TIME[lang]] * 3
    assert detail.sidebar.date_input(key="gw_dates").proto.format == {"zh": "YYYY/MM/DD", "en": "DD/MM/YYYY"}[lang]
    monthly = run_app("app_pages/trends.py", gw_lang=lang, gw_trend_freq="month")
    [spec] = [s for s in _specs_and_date_columns(monthly)[0] if ":T" in s or '"temporal"' in s]
    assert {"zh": "%Y年%-m月", "en": "%b %Y"}[lang] in spec


def test_import_report_shows_raw_labels_as_text() -> None:
    report = {"read": 3, "imported": 3, "updated": 0, "rejected": 0, "duplicates": 0, "outside_grids": 0,
              "suspect_points": 0, "swapped_coordinates": 0, "likely_double_submissions": 0,
              "photos_without_links": 2, "unmapped_categories": {"![x](http://evil.example/x.png)": 3},
              "rejects_ref": None, "other_share": 1.0}
    at = run_app("app_pages/data.py", gw_last_import=report)
    [warning] = [w for w in at.warning if "evil" in w.value]  # (the other one is the undo's)
    assert r"\!\[x\]\(http\:" in warning.value  # escaped: shown as text, no image is fetched
    assert warning.value.startswith("100% 的问题归为“其他”")  # above 30 % of 其他: a warning with what to do
    assert any("2 个照片单元格没有 http(s) 链接" in i.value for i in at.info)
    # Under 30 % the unmapped labels are a note, not a warning, and still escaped.
    at = run_app("app_pages/data.py", gw_last_import=report | {"other_share": 0.1})
    assert not [w for w in at.warning if "evil" in w.value]
    [note] = [i for i in at.info if "evil" in i.value]
    assert r"\!\[x\]\(http\:" in note.value


def test_language_is_kept_in_the_url_for_reloads_and_the_big_screen() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"  # a bookmark or a wall display opened at /bigscreen?lang=en
    at.run()
    at.switch_page("app_pages/bigscreen.py").run()
    assert not at.exception
    assert "### 青石街道 grid management screen" in [m.value for m in at.markdown]
    assert any(c.value.startswith("This week 9 Nov 2026 to 15 Nov 2026") for c in at.main.caption)
    # Choosing Chinese clears the parameter; choosing English sets it.
    zh = run_app()
    assert "lang" not in zh.query_params
    zh.sidebar.radio(key="gw_lang").set_value("en").run()
    assert zh.query_params["lang"] == "en" and zh.title[0].value == "This week at a glance"


def test_trends_page_opens_on_a_workspace_of_ten_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The period comparison proposes dates inside the data (it used to ask for 56 days and crash)."""
    import datetime as dt

    from geo.ingest.imports import import_grids, import_ledger
    from geo.store import Workspace

    rows = "".join(f"T{d}{k},垃圾,2026-03-{d:02d} 0{k}:00,117.2506,31.8565\n" for d in range(1, 11) for k in range(3))
    (tmp_path / "l.csv").write_text("问题编号,问题类型,上报时间,经度,纬度\n" + rows, encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    import_grids(ws, "data/sample/grids.geojson")
    import_ledger(ws, tmp_path / "l.csv")
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(ws.root))
    at = run_app("app_pages/trends.py")
    a = at.date_input(key="gw_cmp_a").value
    b = at.date_input(key="gw_cmp_b").value
    assert a == (dt.date(2026, 3, 1), dt.date(2026, 3, 5)) and b == (dt.date(2026, 3, 6), dt.date(2026, 3, 10))



def _workspace_with(tmp_path: Path, days: list[str]) -> str:
    from geo.ingest.imports import import_grids, import_ledger
    from geo.store import Workspace

    rows = "".join(f"D{i}{k},垃圾,{d} 0{k}:00,117.2506,31.8565\n" for i, d in enumerate(days) for k in range(3))
    (tmp_path / "l.csv").write_text("问题编号,问题类型,上报时间,经度,纬度\n" + rows, encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    import_grids(ws, "data/sample/grids.geojson")
    import_ledger(ws, tmp_path / "l.csv")
    return str(ws.root)


def test_overview_on_a_short_history_compares_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", _workspace_with(tmp_path, [f"2026-03-{d:02d}" for d in range(1, 11)]))
    at = run_app("app_pages/overview.py")
    text = " ".join(m.value for m in at.markdown)
    assert "不足五周，暂不与前四周比较" in text and "inf" not in text
    assert all(m.proto.delta == "" for m in at.metric)  # no arrows against a week before the data


def test_overview_after_a_gap_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = [f"2026-01-{d:02d}" for d in range(1, 11)] + ["2026-03-20", "2026-03-21"]
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", _workspace_with(tmp_path, days))
    at = run_app("app_pages/overview.py")
    text = " ".join(m.value for m in at.markdown)
    assert "前四周没有任何上报（数据有缺口）" in text and "inf" not in text and "多" not in text.split("。")[0]


def test_filters_offer_only_the_categories_the_workspace_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", _workspace_with(tmp_path, [f"2026-03-{d:02d}" for d in range(1, 11)]))
    at = run_app("app_pages/hotspots.py")
    assert at.sidebar.multiselect(key="gw_categories").options == ["垃圾/卫生死角"]
    assert "gw_hot_category" not in [b.key for b in at.selectbox]  # the category is the sidebar's


def test_rectification_shows_no_arrows_after_a_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = [f"2026-01-{d:02d}" for d in range(1, 11)] + ["2026-03-20", "2026-03-21"]
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", _workspace_with(tmp_path, days))
    at = run_app("app_pages/rectification.py")
    assert at.metric[0].value == "6" and all(m.proto.delta == "" for m in at.metric)


def test_the_hint_under_a_map_mentions_the_levels_only_where_the_map_has_them() -> None:
    levels = "地图缩小时按社区或街道汇总"
    overview = run_app()  # the sample's communities: the overview's counts sum by community zoomed out
    assert any(levels in c.value for c in overview.caption)
    heat = run_app("app_pages/map.py")  # the heat layer has no levels
    assert not any(levels in c.value for c in heat.caption)
    assert any("点击地图上的网格查看该网格的问题明细" in c.value for c in heat.caption)
    priority = run_app("app_pages/priority.py")  # scores do not sum: grids only
    assert not any(levels in c.value for c in priority.caption)


def test_the_data_page_says_whether_the_audit_trail_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from geo.store import Workspace

    root = _workspace_with(tmp_path, ["2026-03-02", "2026-03-03"])
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", root)
    at = run_app("app_pages/data.py")
    assert any("审计记录完整：2 条记录" in c.value for c in at.caption), [c.value for c in at.caption]
    ws = Workspace(root)
    path = ws.generation_dir(ws.generation()) / "imports.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    records[0]["source"] = "another file.csv"  # someone edits the trail by hand
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    at = run_app("app_pages/data.py")
    assert any("审计记录被改动过" in e.value for e in at.error)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_patrol_gap_view_names_the_planted_blind_spot(lang: str) -> None:
    from geo.synthetic.street import BLIND_SPOT_GRID

    at = run_app("app_pages/hotspots.py", gw_lang=lang, gw_hot_view="patrol_gap")
    assert {m.label: m.value for m in at.metric}[{"zh": "巡查盲区", "en": "Blind spot"}[lang]] == "1"
    table = at.dataframe[0].value
    assert table.iloc[0, 0] == BLIND_SPOT_GRID and table.iloc[1:, -1].eq("").all()
    assert at.get("component_instance"), "the map is drawn"


def test_switching_the_profile_changes_grades_and_the_printed_formula() -> None:
    """As a new user tries it: the same month under another profile, other scores, and the rule that gave them."""
    at = run_app("app_pages/evaluation.py", gw_lang="zh")

    def seen() -> tuple[str, str, str]:
        metrics = {m.label: m.value for m in at.metric}
        rule = next(c.value for c in at.caption if "综合得分 =" in c.value)
        return metrics["综合得分"], at.dataframe[0].value["等级"].str.cat(), rule

    product = seen()
    assert "Gridwatch 综合考核" in product[2] and "0.25×结案率得分" in product[2]
    # The sample's one street is the row above the table, not a level of its own.
    assert list(at.radio(key="gw_eval_level").options) == ["网格", "社区"]
    at.selectbox(key="gw_eval_profile").set_value("gbt30428.4").run()
    assert not at.exception, [e.value for e in at.exception]
    national = seen()
    assert "GB/T 30428.4" in national[2] and "0.10×监督举报率得分 + 0.20×立案数得分" in national[2]
    assert national[0] != product[0] and national[1] != product[1]
    # The profile's source is said in the page's language (no English citation on a Chinese screen).
    at.radio(key="gw_eval_section").set_value("部门评价").run()
    assert any("方案出处：CJ/T 292" in c.value for c in at.caption)


def test_a_bad_settings_file_is_one_line_and_the_page_still_grades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from geo.sample import SAMPLE_WORKSPACE

    workspace = tmp_path / "ws"
    shutil.copytree(SAMPLE_WORKSPACE, workspace, ignore=shutil.ignore_patterns("derived"))
    (workspace / "evaluation.toml").write_text("[profiles.mine.weights.area]\nclose_rate = 0.5\n", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(workspace))
    at = run_app("app_pages/evaluation.py", gw_lang="en")
    assert [e.value for e in at.error] == [
        "The evaluation settings file is not valid; the shipped profiles are used: evaluation.toml: "
        "profiles.mine.weights.area: weights must sum to 1, they sum to 0.5"]
    assert at.dataframe[0].value["Grade"].str.len().sum() > 0
    (workspace / "evaluation.toml").write_text('profile = "mine"\n[profiles.mine]\nbase = "gbt30428.4"\n'
                                               'title = "本局口径"\nversion = "2026-01"\n', encoding="utf-8")
    at = run_app("app_pages/evaluation.py", gw_lang="zh")
    assert not at.error and at.selectbox(key="gw_eval_profile").value == "mine"


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/map.py", "app_pages/priority.py"])
def test_a_link_to_a_grid_opens_its_detail(page: str) -> None:
    """``?grid=<id>`` (a link sent to a colleague, a bulletin's reference) opens that grid's detail; a click on
    another grid puts the new one in the address; an unknown id is dropped, never an error."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["grid"] = "340104012005004"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("杏林社区第4网格" in h.value for h in at.subheader), [h.value for h in at.subheader]
    assert at.session_state["gw_detail_grid"] == "340104012005004"
    unknown = AppTest.from_file(APP, default_timeout=60)
    unknown.query_params["grid"] = "no-such-grid"
    unknown.run()
    unknown.switch_page(page).run()
    assert not unknown.exception and "grid" not in unknown.query_params
