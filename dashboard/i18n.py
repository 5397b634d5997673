"""User-interface text in Chinese (first) and English.

Every label on screen comes from here or from the category table, so a screen never mixes
languages. Keys are stable identifiers; a missing key fails loudly in tests.
"""

from __future__ import annotations

import datetime as dt
import math
import string
from collections.abc import Iterable
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from geo.ingest.times import MONTHS_EN, written_date
from geo.ops.rectification import KPI_NEEDS

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")

STRINGS: Final[dict[str, dict[Lang, str]]] = {
    "app_title": {"zh": "网格治理热点分析", "en": "Gridwatch hotspot analytics"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "filters": {"zh": "筛选", "en": "Filters"},
    "preparing_sample": {"zh": "首次启动：正在导入示例街道（2 万余条问题、35 个网格，约 10 秒，只需一次）…",
                         "en": "First start: importing the sample street (over 20,000 issues in 35 grids; about 10 s, once)…"},
    "cell_place": {"zh": "{place}（第 {n} 格）", "en": "{place} (cell {n})"},
    "part_c": {"zh": "中部", "en": ", centre"},
    "part_n": {"zh": "北部", "en": ", north"},
    "part_ne": {"zh": "东北部", "en": ", north-east"},
    "part_e": {"zh": "东部", "en": ", east"},
    "part_se": {"zh": "东南部", "en": ", south-east"},
    "part_s": {"zh": "南部", "en": ", south"},
    "part_sw": {"zh": "西南部", "en": ", south-west"},
    "part_w": {"zh": "西部", "en": ", west"},
    "part_nw": {"zh": "西北部", "en": ", north-west"},
    "scope_line": {"zh": "统计范围：{window} · {cats} · 共 {n:,} 件{left_out}", "en": "Counted: {window} · {cats} · {n:,} issues{left_out}"},
    "scope_window": {"zh": "{start}至{end}", "en": "{start} to {end}"},
    "scope_all_categories": {"zh": "全部问题类型", "en": "all categories"},
    "scope_left_out": {"zh": "（不含{parts}）", "en": " (not counting {parts})"},
    "scope_join": {"zh": "、", "en": " and "},
    "scope_void": {"zh": "已作废 {n:,} 件", "en": "{n:,} void"},
    "scope_suspect": {"zh": "可疑坐标堆积点 {n:,} 件，可在侧栏计入", "en": "{n:,} on suspect coordinate piles, which the sidebar can include"},
    "date_range": {"zh": "日期范围", "en": "Date range"},
    "categories": {"zh": "问题类型", "en": "Categories"},
    "communities": {"zh": "社区", "en": "Communities"},
    "all_placeholder": {"zh": "全部", "en": "All"},
    "page_map": {"zh": "地图", "en": "Map"},
    "page_trends": {"zh": "趋势", "en": "Trends"},
    "page_ranking": {"zh": "排名", "en": "Ranking"},
    "page_evaluation": {"zh": "考核评价", "en": "Evaluation"},
    "evaluation_title": {"zh": "考核评价", "en": "Evaluation"},
    "evaluation_settings_error": {"zh": "考核设置文件有误，暂按内置方案计算：{error}",
                                  "en": "The evaluation settings file is not valid; the shipped profiles are used: {error}"},
    "eval_profile": {"zh": "考核方案", "en": "Profile"},
    "eval_period_kind": {"zh": "考核周期", "en": "Period"},
    "eval_week": {"zh": "周", "en": "Week"},
    "eval_month": {"zh": "月", "en": "Month"},
    "eval_quarter": {"zh": "季度", "en": "Quarter"},
    "eval_period": {"zh": "期别", "en": "Which"},
    "eval_partial": {"zh": "（截至数据最后一天）", "en": " (to the data's last day)"},
    "eval_index": {"zh": "达标指数", "en": "On-target index"},
    "eval_light": {"zh": "达标情况", "en": "Target"},
    "eval_composite": {"zh": "综合得分", "en": "Score"},
    "eval_grade": {"zh": "等级", "en": "Grade"},
    "eval_change": {"zh": "得分较上期", "en": "Score change"},
    "eval_unsaid": {"zh": "该台账无此信息：{names}。方案按这些指标评分，故不计算综合得分、等级与达标指数（与「整改」页相同）。",
                    "en": "Not in this ledger: {names}. The profile grades by them, so no score, grade or on-target "
                          "index is given (as on Rectification)."},
    "eval_percent": {"zh": "（%）", "en": " (%)"},
    # Words, not emoji: an office PC has no colour-emoji font (they drew as empty boxes); colour comes from the
    # badge and the table cell (LIGHT_COLOURS in the page).
    "light_index_on": {"zh": "达标", "en": "On target"},
    "light_index_near": {"zh": "接近", "en": "Near"},
    "light_index_below": {"zh": "未达标", "en": "Below"},
    "eval_month_label": {"zh": "{year}年{month}月", "en": "{month_name} {year}"},
    "eval_quarter_label": {"zh": "{year}年第{quarter}季度", "en": "Q{quarter} {year}"},
    "eval_to_day": {"zh": "（截至{day}）", "en": " (to {day})"},
    "eval_capped": {"zh": "超期占比 {share}%：按方案的积压上限，等级最高 {cap}（得分 {score} 本可评 {uncapped}）。",
                    "en": "Overdue share {share} %: under the profile's backlog cap the grade is at best {cap} (the score "
                          "{score} alone would be {uncapped})."},
    "eval_level": {"zh": "评价层级", "en": "Level"},
    "eval_level_grid": {"zh": "网格", "en": "Grid"},
    "eval_level_community": {"zh": "社区", "en": "Community"},
    "eval_level_street": {"zh": "街道", "en": "Street"},
    "eval_section": {"zh": "评价对象", "en": "Evaluate"},
    "eval_tab_area": {"zh": "区域评价", "en": "Areas"},
    "eval_tab_department": {"zh": "部门评价", "en": "Departments"},
    "eval_tab_inspector": {"zh": "岗位评价（网格员）", "en": "Inspectors"},
    "eval_tab_gap": {"zh": "巡查盲区", "en": "Patrol blind spots"},
    "eval_explain": {"zh": "计算说明", "en": "How it is computed"},
    "eval_indicator": {"zh": "指标", "en": "Indicator"},
    "eval_formula": {"zh": "计算公式", "en": "Formula"},
    "eval_weight": {"zh": "权重", "en": "Weight"},
    "eval_target": {"zh": "目标值", "en": "Target"},
    "eval_peer_median": {"zh": "同级中位数", "en": "peers' median"},
    "eval_source": {"zh": "方案出处：{source}", "en": "Source of the profile: {source}"},
    "eval_unassigned": {"zh": "另有 {n} 件不在任何网格内，不计入各区域。", "en": "{n} more cases lie in no grid and count for no area."},
    "eval_unassigned_department": {"zh": "另有 {n} 件台账未写责任部门，不计入各部门。",
                                   "en": "{n} more cases name no department and count for none."},
    "eval_no_reporter": {"zh": "该台账没有上报人一列，无法做岗位评价（导入时在「上报人」一栏选定该列即可）。",
                         "en": "This ledger has no reporter column, so inspectors cannot be evaluated (map the column "
                               "to Reporter when importing)."},
    "eval_inspector": {"zh": "上报人", "en": "Reporter"},
    "eval_inspector_caption": {"zh": "网格员所负责网格按网格图层的网格员名单；名单未列的上报人按其巡查上报在各网格所占比例分担。"
                                     "人员姓名仅对录入员和管理员显示。",
                               "en": "An inspector's grids are those whose cadre list names them; a reporter no list names "
                                     "answers for grids in the share of their patrol finds there. Names are shown to "
                                     "clerks and admins only."},
    "gap_found": {"zh": "巡查发现", "en": "Found by patrol"},
    "gap_reported": {"zh": "他人上报", "en": "Reported by others"},
    "gap_share": {"zh": "他人上报占比（%）", "en": "Reported by others (%)"},
    "gap_rest_share": {"zh": "其余网格占比（%）", "en": "Rest of the street (%)"},
    "gap_ratio": {"zh": "是其余网格的倍数", "en": "Times the rest's"},
    "gap_interval": {"zh": "可能范围", "en": "Likely range"},
    "gap_flag": {"zh": "判定", "en": "Verdict"},
    "gap_blind": {"zh": "巡查盲区", "en": "Blind spot"},
    "gap_above": {"zh": "偏高（可能是偶然）", "en": "Higher, may be chance"},
    "gap_typical": {"zh": "不高于其余网格", "en": "Not above the rest"},
    "gap_none": {"zh": "无来源信息", "en": "No source known"},
    "gap_legend": {"zh": "巡查盲区", "en": "Patrol blind spots"},
    "gap_not_comparable": {"zh": "该台账的问题来源只有一类（或未记录来源），无法比较巡查发现与他人上报。",
                           "en": "This ledger's sources are all of one kind (or not recorded): patrol finds cannot be "
                                 "compared with outside reports."},
    "gap_caption": {"zh": "按侧栏所选时段与类型：全街道他人上报占比 {share}%；{n} 个网格明显高于其余网格（已排除偶然与各网格间的寻常差异）。",
                    "en": "In the sidebar's dates and categories: {share} % of cases were reported by others street-wide; "
                          "grids clearly above the rest, beyond chance and the ordinary differences between grids: {n}."},
    "gap_explain": {"zh": "计算说明", "en": "How it is computed"},
    "gap_method": {"zh": "他人上报 = 督导检查、12345热线、群众举报；巡查发现 = 网格巡查、视频巡查。比值 = 本网格“他人上报 ÷ 巡查发现”"
                         "与其余网格之比。各网格本就有差异（如临街市场多热线），故以其余网格之间超出偶然的差异为尺度"
                         "（β-二项分布，矩估计）：区间为按此折算的精确 95% 区间，单侧检验并按 Benjamini-Hochberg 控制错误发现率；"
                         "小网格不会因偶然、大网格不会因各网格间的寻常差异被判为盲区。",
                   "en": "Reported by others = supervision, the hotline, the public; found by patrol = patrol, video. "
                         "Ratio = the grid's (reported ÷ found) against the rest's. Grids differ for reasons of their own (a "
                         "market street phones more), so the yardstick is how much the other grids differ beyond chance "
                         "(beta-binomial, by moments): an exact 95 % interval on that basis and a one-sided test with the "
                         "Benjamini-Hochberg false discovery rate, so neither a small grid's noise nor the ordinary "
                         "differences between grids flag a blind spot."},
    "view_patrol_gap": {"zh": "巡查盲区", "en": "Patrol blind spots"},
    "gap_by_grid": {"zh": "按管理网格计算（巡查以网格为责任单位）。", "en": " Per management grid (patrols answer for grids)."},
    "eval_exports": {"zh": "导出", "en": "Exports"},
    "export_open311": {"zh": "台账（Open311 GeoReport v2 JSON）", "en": "Ledger (Open311 GeoReport v2 JSON)"},
    "export_open311_caption": {"zh": "按侧栏所选范围导出为 Open311 GeoReport v2 的 service_requests，供其他系统读取；"
                                      "不含上报人姓名。",
                               "en": "The sidebar's scope as Open311 GeoReport v2 service_requests for other systems; "
                                     "reporters' names are not included."},
    "index_card": {"zh": "本月达标", "en": "Target"},
    "index_card_help": {"zh": "全街道本月各考核指标 ÷ 目标值（上限 1.25）按考核方案权重平均，≥ 1 为达标；较上月变化。详见「考核评价」。",
                        "en": "This month's indicators for the whole street against their targets (capped at 1.25), "
                              "weighted by the profile; 1 or more is on target; change against last month. See Evaluation."},
    "map_title": {"zh": "问题分布地图", "en": "Where problems are"},
    "trends_title": {"zh": "趋势", "en": "Trends"},
    "ranking_title": {"zh": "网格排名", "en": "Grid ranking"},
    "layer": {"zh": "图层", "en": "Layer"},
    "layer_heat": {"zh": "热力图", "en": "Heatmap"},
    "layer_choropleth": {"zh": "网格统计", "en": "Counts per grid"},
    "layer_playback": {"zh": "按周回放", "en": "Weekly playback"},
    "category": {"zh": "类型", "en": "Category"},
    "all": {"zh": "全部", "en": "All"},
    "issues": {"zh": "问题数", "en": "Issues"},
    "grids": {"zh": "网格", "en": "Grids"},
    "grid": {"zh": "网格", "en": "Grid"},
    "grid_id": {"zh": "网格编码", "en": "Grid code"},
    "community": {"zh": "社区", "en": "Community"},
    "count": {"zh": "问题数", "en": "Issues"},
    "rank": {"zh": "排名", "en": "Rank"},
    "share": {"zh": "占比", "en": "Share"},
    "heat": {"zh": "热力", "en": "Heat"},
    "choropleth": {"zh": "网格统计", "en": "Counts per grid"},
    "heat_legend_title": {"zh": "问题密度", "en": "Issue density"},
    "heat_low": {"zh": "低", "en": "low"},
    "heat_high": {"zh": "高", "en": "high"},
    "count_legend_title": {"zh": "问题数（件）", "en": "Issues"},
    "count_legend_grid": {"zh": "各网格问题数（件）", "en": "Issues per grid"},
    "count_legend_street": {"zh": "各街道问题数（件）", "en": "Issues per street"},
    "count_legend_community": {"zh": "各社区问题数（件）", "en": "Issues per community"},
    "street": {"zh": "街道", "en": "Street"},
    "n_grids": {"zh": "网格数", "en": "Grids"},
    "outside_grids": {"zh": "网格外", "en": "Outside grids"},
    "heat_cells": {"zh": "有问题的网格", "en": "Grids with issues"},
    "cell_size": {"zh": "聚合格网 {size:.0f} 米", "en": "binned to {size:.0f} m cells"},
    "week": {"zh": "周（截至）", "en": "Week ending"},
    "period": {"zh": "统计周期", "en": "Period"},
    "no_issues": {"zh": "当前筛选条件下没有问题记录。", "en": "No issues match the current filters."},
    "trend_caption": {
        "zh": "每周按所选日期范围的最后一天对齐，最后一个点是完整的一周。",
        "en": "Weeks are aligned to the last selected day, so the last point is a whole week.",
    },
    "ranking_caption": {
        "zh": "按所选类型的问题数排序；数量相同时按网格编码排序。",
        "en": "Sorted by issues in the selected categories; ties by grid code.",
    },
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "data_source": {"zh": "工作区：{ledger}（{n:,} 条记录，{grids} 个网格）",
                    "en": "Workspace: {ledger} ({n:,} records, {grids} grids)"},
    "include_suspect": {"zh": "包含可疑坐标点（{n} 条）", "en": "Include suspect points ({n})"},
    "include_suspect_help": {
        "zh": "同一坐标上堆积的多类别、多日期记录（常见于定位失败时使用默认地址），默认不计入统计，以免形成虚假热点。",
        "en": "Records piled on one identical coordinate across many days and categories (a default address used "
              "when GPS failed) are left out by default, so they do not make a false hotspot.",
    },
    "page_data": {"zh": "数据", "en": "Data"},
    "page_hotspots": {"zh": "热点", "en": "Hotspots"},
    "hotspots_title": {"zh": "热点分析", "en": "Hotspot analysis"},
    "units": {"zh": "分析单元", "en": "Analysis units"},
    "units_grid": {"zh": "管理网格", "en": "Management grids"},
    "units_square": {"zh": "{size} 米方格", "en": "{size} m squares"},
    "units_square_kind": {"zh": "方格", "en": "Squares"},
    "units_hex_kind": {"zh": "六边形", "en": "Hexagons"},
    "cell_size_pick": {"zh": "单元大小", "en": "Cell size"},
    "cell_size_auto": {"zh": "自动", "en": "Automatic"},
    "cell_size_value": {"zh": "{size} 米", "en": "{size} m"},
    "cell_size_used": {"zh": "本次单元大小：{size} 米（{rule}）", "en": "Cell size used: {size} m ({rule})"},
    "view_outliers": {"zh": "成片与孤立", "en": "Clusters and outliers"},
    "view_density": {"zh": "密度分布", "en": "Density"},
    "view_recurrence": {"zh": "反复发生", "en": "Repeat locations"},
    "moran_legend": {"zh": "成片还是孤立", "en": "Cluster or outlier"},
    "density_legend": {"zh": "密度（件/平方公里）", "en": "Density (issues per km²)"},
    "bandwidth": {"zh": "搜索半径（米，0 为自动）", "en": "Search radius (m, 0 = automatic)"},
    "bandwidth_used": {"zh": "每处的颜色按周边 {radius} 米内的问题计算（{rule}），约 {cell} 米一格。",
                       "en": "Each place is coloured by the issues within {radius} m of it ({rule}), in steps of about {cell} m."},
    "bandwidth_rule_auto": {"zh": "按问题的分散程度自动选择", "en": "chosen from how spread out the issues are"},
    "bandwidth_rule_user": {"zh": "用户设定", "en": "set by you"},
    "recurrence_radius": {"zh": "同址半径（米）", "en": "Same-place radius (m)"},
    "recurrence_days": {"zh": "办结后天数", "en": "Days after closing"},
    "recurrence_legend": {"zh": "反复发生次数", "en": "Repeat reports"},
    "recurrences": {"zh": "反复发生", "en": "Repeat reports"},
    "recurrence_caption": {"zh": "反复发生：同类问题在 {radius} 米内、前一件办结后 {days} 天内再次上报。",
                           "en": "A repeat: the same category reported within {radius} m of an earlier case, "
                                 "at most {days} days after that case was closed."},
    "recurrence_rate": {"zh": "反复率", "en": "Repeat rate"},
    "history_title": {"zh": "单元历史", "en": "Unit history"},
    "history_pick": {"zh": "选择单元（或在地图上点击）", "en": "Pick a unit (or click it on the map)"},
    "history_caption": {"zh": "柱：每个时段的问题数；线：聚集程度，高过上方虚线即明显聚集（可信度 95%），低过下方虚线即明显偏少。",
                        "en": "Bars: issues per period; line: how concentrated they are. Above the upper dashed line is a clear "
                              "cluster (95 % confidence); below the lower one, clearly fewer than around."},
    "period_end": {"zh": "时段（截至）", "en": "Period ending"},
    "hh_units": {"zh": "成片多发单元", "en": "Units in clusters of many"},
    "time_step": {"zh": "时间步", "en": "Time step"},
    "step_day": {"zh": "日", "en": "Day"},
    "step_week": {"zh": "周", "en": "Week"},
    "step_month": {"zh": "月（30 天）", "en": "Month (30 days)"},
    "outlier_fdr": {"zh": "更严格（剔除碰巧出现的假聚集）",
                    "en": "Stricter (drop clusters that chance alone would give)"},
    "page_overview": {"zh": "总览", "en": "Overview"},
    "overview_title": {"zh": "本周总览", "en": "This week at a glance"},
    "overview_caption": {"zh": "本周 = 所选时段的最后 7 天（{start}至{end}）；箭头为与上一周相比。",
                         "en": "This week = the last 7 days of the chosen range ({start} to {end}); arrows compare with the week before."},
    "open_now": {"zh": "未结问题", "en": "Open cases"},
    "this_week_map": {"zh": "本周问题分布", "en": "This week's issues on the map"},
    "top_grids": {"zh": "优先整治网格", "en": "Grids to act on first"},
    "changes_title": {"zh": "本周变化", "en": "What changed this week"},
    "change_up": {"zh": "{cat}本周 {n} 件，比前四周平均（{base:,.0f} 件）多 {pct:.0f}%。",
                  "en": "{cat}: {n} this week, {pct:.0f}% above the four weeks before (mean {base:,.0f})."},
    "change_down": {"zh": "{cat}本周 {n} 件，比前四周平均（{base:,.0f} 件）少 {pct:.0f}%。",
                    "en": "{cat}: {n} this week, {pct:.0f}% below the four weeks before (mean {base:,.0f})."},
    "change_new": {"zh": "{cat}本周新出现 {n} 件（前四周没有）。",
                   "en": "{cat}: {n} this week, new (none in the four weeks before)."},
    "change_short": {"zh": "数据从 {start} 开始，不足五周，暂不与前四周比较。",
                     "en": "The data start on {start}: under five weeks, so no comparison with the four weeks before yet."},
    "change_gap": {"zh": "前四周没有任何上报（数据有缺口），暂不比较。",
                   "en": "No reports at all in the four weeks before (a gap in the data): no comparison."},
    "change_none": {"zh": "各类问题数与前四周相比没有可确认的变化。",
                    "en": "No category changed in a way the numbers can confirm against the four weeks before."},
    "change_overdue": {"zh": "超期未结 {n} 件，比一周前{word} {d} 件。",
                       "en": "{n} overdue open cases, {d} {word} than a week ago."},
    "more": {"zh": "增加", "en": "more"},
    "fewer": {"zh": "减少", "en": "fewer"},
    "change_overdue_same": {"zh": "超期未结 {n} 件，与一周前持平。", "en": "{n} overdue open cases, as a week ago."},
    "change_top": {"zh": "最需优先整治：{grid}（{reasons}）。", "en": "First to act on: {grid} ({reasons})."},
    "freq": {"zh": "周期", "en": "Period"},
    "freq_week": {"zh": "周", "en": "Weekly"},
    "freq_month": {"zh": "月", "en": "Monthly"},
    "breakdown": {"zh": "分组", "en": "Break down by"},
    "by_category": {"zh": "问题类型", "en": "Category"},
    "by_community": {"zh": "社区", "en": "Community"},
    "by_grid": {"zh": "网格", "en": "Grid"},
    "shown_groups": {"zh": "图中为问题最多的 {n} 组，其余合为一条线。", "en": "The chart shows the {n} largest groups; the rest share one line."},
    "trend_table": {"zh": "各组的变化方向", "en": "Direction per group"},
    "group": {"zh": "分组", "en": "Group"},
    "total": {"zh": "合计", "en": "Total"},
    "slope": {"zh": "每期变化（Theil-Sen）", "en": "Change per period (Theil-Sen)"},
    "trend_words": {"zh": "变化", "en": "Change"},
    "trend_rest": {"zh": "其余 {n} 组合计", "en": "The other {n} together"},
    "per_week": {"zh": "每周", "en": "a week"},
    "per_month": {"zh": "每月", "en": "a month"},
    "trend_up": {"zh": "{per}约多 {n} 件，上升明显", "en": "About {n} more {per}, clearly rising"},
    "trend_down": {"zh": "{per}约少 {n} 件，下降明显", "en": "About {n} fewer {per}, clearly falling"},
    "trend_flat": {"zh": "没有明显变化", "en": "No clear change"},
    "trend_method": {"zh": "「上升明显」「下降明显」：Mann-Kendall 趋势检验在 95% 可信度下成立；「约多/约少几件」为 Theil-Sen 斜率（各期两两变化的中位数），不受个别异常周影响。",
                     "en": "\"Clearly rising/falling\": the Mann-Kendall trend test holds at 95 % confidence; \"about n more/fewer\" is the Theil-Sen slope (the median of pairwise changes per period), which a single odd week does not move."},
    "direction": {"zh": "方向", "en": "Direction"},
    "dir_rising": {"zh": "上升明显", "en": "Clearly rising"},
    "dir_falling": {"zh": "下降明显", "en": "Clearly falling"},
    "dir_no_trend": {"zh": "没有明显变化", "en": "No clear change"},
    "compare_title": {"zh": "两个时段对比", "en": "Compare two periods"},
    "period_a": {"zh": "时段 A", "en": "Period A"},
    "period_b": {"zh": "时段 B", "en": "Period B"},
    "verdict_no_detectable_change": {"zh": "无可确认变化", "en": "No confirmed change"},
    "verdict_too_few": {"zh": "数量太少", "en": "Too few"},
    "rhythm_title": {"zh": "上报时间规律（星期 × 小时）", "en": "When reports come in (weekday × hour)"},
    "hour": {"zh": "小时", "en": "Hour"},
    "weekday": {"zh": "星期", "en": "Weekday"},
    "weekdays": {"zh": "周一,周二,周三,周四,周五,周六,周日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "detail_title": {"zh": "{grid}（{community}）", "en": "{grid} ({community})"},
    "detail_hint": {"zh": "点击地图上的网格查看该网格的问题明细。",
                    "en": "Click a grid on the map to see its issues."},
    "detail_hint_levels": {"zh": "点击地图上的网格查看该网格的问题明细；地图缩小时按社区或街道汇总，点击即可放大。",
                           "en": "Click a grid on the map to see its issues; zoomed out, the map sums by community "
                                 "or street: click one to zoom in."},
    "points_unit": {"zh": " 个百分点", "en": " pp"},
    "cadres_line": {"zh": "网格责任人：{names}", "en": "Responsible cadres: {names}"},
    "photos_title": {"zh": "整改前后照片（{n} 件问题有照片）", "en": "Before/after photos ({n} issues with photos)"},
    "photo_before": {"zh": "整改前", "en": "Before"},
    "photo_after": {"zh": "整改后", "en": "After"},
    "photos_unlinked": {"zh": "另有 {n} 个照片单元格只有文件名或非 http(s) 地址，无法打开；"
                               "设置照片服务器地址 GRIDWATCH_PHOTO_BASE 后可显示为链接。",
                        "en": "{n} more photo cells hold only file names or non-http(s) addresses and cannot "
                              "be opened; set the photo server GRIDWATCH_PHOTO_BASE to link them."},
    "photos_note": {"zh": "{n} 个照片单元格没有 http(s) 链接（如只有文件名）：设置照片服务器地址 "
                          "GRIDWATCH_PHOTO_BASE 后，网格明细中可打开。",
                    "en": "{n} photo cells hold no http(s) link (file names only): set the photo server "
                          "GRIDWATCH_PHOTO_BASE to open them from the grid detail."},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_none": {"zh": "无", "en": "None"},
    "basemap_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_amap": {"zh": "高德", "en": "AMap"},
    "basemap_custom": {"zh": "内网瓦片", "en": "Intranet tiles"},
    "basemap_note": {"zh": "底图瓦片来自外部服务器；无法访问时背景为灰色，网格与统计照常显示。"
                           "高德底图下图形已按 GCJ-02 偏移。",
                     "en": "Tiles come from another server; when it cannot be reached the background stays grey and "
                           "everything else still shows. Over AMap, shapes are shifted to GCJ-02."},
    "page_bigscreen": {"zh": "大屏", "en": "Big screen"},
    "bigscreen_title": {"zh": "网格治理大屏", "en": "grid management screen"},
    "bigscreen_caption": {"zh": "本周 {start} 至 {end} · 全部网格、全部问题类型（大屏不跟随侧栏筛选）· 更新于 {time}",
                          "en": "This week {start} to {end} · every grid and category (the big screen ignores the sidebar filters) · updated {time}"},
    "bigscreen_exit": {"zh": "退出大屏", "en": "Leave the big screen"},
    "bigscreen_kpis": {"zh": "本周", "en": "This week"},
    "bigscreen_refresh": {"zh": "每 {minutes} 分钟自动刷新；导入新台账后自动显示。",
                          "en": "Refreshes every {minutes} minutes; a new import shows by itself."},
    "grids_filter": {"zh": "网格", "en": "Grids"},
    "status_filter": {"zh": "处置状态", "en": "Status"},
    "status_open": {"zh": "待处置", "en": "Open"},
    "status_assigned": {"zh": "已派遣/处置中", "en": "Assigned"},
    "status_rectified": {"zh": "已整改待核查", "en": "Rectified, awaiting check"},
    "status_closed": {"zh": "已办结", "en": "Closed"},
    "status_void": {"zh": "作废", "en": "Void"},
    "status_unknown": {"zh": "台账未载明", "en": "Not stated"},
    "not_in_ledger": {"zh": "该台账无此信息", "en": "Not in this ledger"},
    # A card's figure is short (the card is a fifth of a laptop's width); its help says the sentence.
    "not_in_ledger_short": {"zh": "无此信息", "en": "Not given"},
    "unsaid_note": {"zh": "「无此信息」：该台账无此信息（{what}），相关指标不作计算，不按 0 计。",
                    "en": "«Not given»: not in this ledger ({what}); those figures are not computed, not taken as 0."},
    "unsaid_status": {"zh": "没有处置状态", "en": "no status"},
    "unsaid_closed_at": {"zh": "没有结案时间", "en": "no close times"},
    "unsaid_handling": {"zh": "没有处置方式", "en": "no handling"},
    "league_none_community": {"zh": "（网格外）", "en": "(outside the grids)"},
    "league_none_department": {"zh": "（未填部门）", "en": "(no department)"},
    "page_rectification": {"zh": "整改", "en": "Rectification"},
    "rectification_title": {"zh": "整改考核", "en": "Rectification performance"},
    "rect_period": {"zh": "考核时段", "en": "Evaluation period"},
    "period_7": {"zh": "所选时段的最后 7 天", "en": "The range's last 7 days"},
    "period_30": {"zh": "最后 30 天", "en": "Its last 30 days"},
    "period_filter": {"zh": "整个所选时段", "en": "The whole range"},
    "campaign_run": {"zh": "计算整治成效", "en": "Compare before and after"},
    "campaign_categories": {"zh": "问题类型与社区、网格按侧栏筛选。", "en": "Categories, communities and grids follow the sidebar."},
    "period_caption": {"zh": "考核时段 {start} 至 {end}，按 {asof} 的状态计算；对比上一个等长时段。",
                       "en": "Period {start} to {end}, status as of {asof}; compared with the previous period "
                             "of the same length."},
    "kpi_reported": {"zh": "上报", "en": "Reported"},
    "kpi_due": {"zh": "应结案", "en": "Due"},
    "kpi_closed": {"zh": "结案", "en": "Closed"},
    "kpi_on_time": {"zh": "按期结案", "en": "Closed on time"},
    "kpi_reopened": {"zh": "返工", "en": "Reopened"},
    "kpi_close_rate": {"zh": "结案率", "en": "Close rate"},
    "kpi_on_time_rate": {"zh": "按期结案率", "en": "On-time rate"},
    "kpi_rework_rate": {"zh": "返工率", "en": "Rework rate"},
    "kpi_overdue_open": {"zh": "超期未结", "en": "Overdue open"},
    "kpi_max_days_overdue": {"zh": "最长超期（天）", "en": "Longest overdue (days)"},
    "kpi_median_days_to_close": {"zh": "一般结案用时", "en": "Usual time to close"},
    "kpi_median_days_help": {"zh": "一半的问题在这么多天内结案（中位数）。", "en": "Half the cases close within this many days (the median)."},
    "kpi_p90_days_to_close": {"zh": "九成结案用时", "en": "90 % closed in"},
    "kpi_p90_days_help": {"zh": "九成的问题在这么多天内结案（90% 分位数）。", "en": "Nine in ten cases close within this many days (the 90th percentile)."},
    "days_value": {"zh": "{n:.1f} 天", "en": "{n:.1f} days"},
    "kpi_on_site_share": {"zh": "立行立改占比", "en": "Fixed on site"},
    "kpi_score": {"zh": "综合得分", "en": "Score"},
    "kpi_grade": {"zh": "等级", "en": "Grade"},
    "league_community": {"zh": "社区排名", "en": "Communities"},
    "league_department": {"zh": "部门排名", "en": "Departments"},
    "kpi_basis": {"zh": "口径：本期上报的案件中，已结或已到期限的 {due:,} 件为应结案；"
                        "其中已结 {closed:,} 件、按期 {on_time:,} 件。"
                        "超期未结 {overdue:,} 件（含本期前积压 {carried:,} 件），占应结案与积压之和的 {share}。",
                  "en": "Basis: of the cases reported in the period, the {due:,} closed or past their deadline are due; "
                        "{closed:,} of them closed, {on_time:,} on time. {overdue:,} open past the deadline (including "
                        "{carried:,} carried in from before), {share} of the due cases and that backlog."},
    "kpi_overdue_share": {"zh": "超期占比", "en": "Overdue share"},
    "overdue_list": {"zh": "督办清单（超期未结）", "en": "Supervision list (overdue open cases)"},
    "overdue_none": {"zh": "当前没有超期未结的问题。", "en": "No overdue open cases."},
    "light": {"zh": "时限灯", "en": "Deadline light"},
    "light_red": {"zh": "红（已超期）", "en": "Red (overdue)"},
    "light_yellow": {"zh": "黄（用时 ≥ 80%）", "en": "Yellow (≥ 80 % used)"},
    "light_green": {"zh": "绿", "en": "Green"},
    "lights_caption": {"zh": "未结问题 {n} 件：红 {red}，黄 {yellow}，绿 {green}。",
                       "en": "{n} open cases: {red} red, {yellow} yellow, {green} green."},
    "issue_id": {"zh": "问题编号", "en": "Issue"},
    "status": {"zh": "处置状态", "en": "Status"},
    "cases_caption": {"zh": "放大到第 {zoom} 级（街巷）可见最新的 {shown:,} 件问题（共 {total:,} 件），点击查看详情。",
                      "en": "Zoom in to level {zoom} (streets) to see the newest {shown:,} of {total:,} issues; click one for its details."},
    "reported_at": {"zh": "上报时间", "en": "Reported"},
    "deadline": {"zh": "处置时限", "en": "Deadline"},
    "days_overdue": {"zh": "超期天数", "en": "Days overdue"},
    "department": {"zh": "责任部门", "en": "Department"},
    "description": {"zh": "问题描述", "en": "Description"},
    "address": {"zh": "地址", "en": "Address"},
    "download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "campaign_title": {"zh": "专项整治成效", "en": "Campaign effect"},
    "bulletin_title": {"zh": "每周通报", "en": "Weekly bulletin"},
    "bulletin_week": {"zh": "周次（周一至周日）", "en": "Week (Monday to Sunday)"},
    "bulletin_make": {"zh": "生成通报", "en": "Make the bulletin"},
    "bulletin_html": {"zh": "下载通报（HTML，可打印）", "en": "Download the bulletin (HTML, printable)"},
    "bulletin_pdf": {"zh": "下载通报（PDF）", "en": "Download the bulletin (PDF)"},
    "bulletin_pdf_missing_font": {"zh": "本机没有中文字体，无法生成 PDF（{reason}）。", "en": "No Chinese font on this server, so no PDF ({reason})."},
    "bulletin_caption": {"zh": "通报含汇总、重点网格地图、近 12 周走势、社区考核、新增热点、督办清单和考核评价（含巡查盲区），"
                               "可下载 Excel、HTML 或 PDF；语言随界面（切换语言即得英文版）。",
                         "en": "The bulletin holds the summary, priority map, 12-week trend, community league, new hot "
                               "spots, the overdue list and the evaluation (with patrol blind spots), as Excel, HTML or "
                               "PDF, in the page's language (switch the language for the Chinese one)."},
    "campaign_start": {"zh": "整治开始日期", "en": "Campaign start"},
    "campaign_grids": {"zh": "变化可确认的网格", "en": "Grids with a confirmed change"},
    "ratio": {"zh": "后期是前期的几倍", "en": "Times the first"},
    "ci": {"zh": "可能范围（可信度 95%）", "en": "Likely range (95 %)"},
    "before": {"zh": "整治前", "en": "Before"},
    "after": {"zh": "整治后", "en": "After"},
    "verdict_decrease": {"zh": "下降", "en": "Fell"},
    "verdict_increase": {"zh": "上升", "en": "Rose"},
    "signin_title": {"zh": "登录", "en": "Sign in"},
    "signin_name": {"zh": "用户名", "en": "User name"},
    "signin_password": {"zh": "密码", "en": "Password"},
    "signin_button": {"zh": "登录", "en": "Sign in"},
    "signin_wrong": {"zh": "用户名或密码不对。", "en": "Wrong user name or password."},
    "signin_locked": {"zh": "失败次数过多，请 {minutes} 分钟后再试。", "en": "Too many failed attempts; try again in {minutes} minutes."},
    "signin_expired": {"zh": "已超过 {minutes} 分钟未操作，请重新登录。", "en": "No activity for {minutes} minutes: please sign in again."},
    "audit_chain_holds": {"zh": "审计记录完整：{n} 条记录的哈希链未被改动（链尾 {head}…，可记下以便日后核对）。",
                          "en": "The audit trail is intact: the hash chain of its {n} records is unbroken (head {head}…, worth noting down to compare later)."},
    "audit_chain_none": {"zh": "这 {n} 条记录早于哈希链，无法核对；此后的每次改动都会加入哈希链。",
                         "en": "These {n} records predate the hash chain and cannot be checked; every change from now on joins the chain."},
    "audit_chain_before": {"zh": "另有 {n} 条早于哈希链的记录无法核对。", "en": " {n} older records predate the chain and cannot be checked."},
    "audit_chain_broken": {"zh": "审计记录被改动过：哈希链有 {n} 处不符（有记录被修改、删除或调换）。请管理员运行 python -m geo audit --verify 查看详情。",
                           "en": "The audit trail has been altered: {n} breaks in its hash chain (a record changed, deleted or moved). An administrator can run python -m geo audit --verify for details."},
    "upload_button": {"zh": "选择文件", "en": "Choose a file"},
    "upload_limit": {"zh": "单个文件不超过 {mb} MB，也可拖放到此处", "en": "Up to {mb} MB per file; or drop it here"},
    "signin_misconfigured": {"zh": "登录配置有误，页面暂不开放。请管理员查看服务器日志中的说明。",
                             "en": "The sign-in configuration is wrong, so the pages stay closed. The server's log says what to fix."},
    "signin_untrusted": {"zh": "请通过单位的统一登录入口访问：本连接不是经由配置的代理而来，其身份信息（{header}）不予采信。",
                         "en": "Please open Gridwatch through the office's sign-on: this connection did not come through the configured proxy, so its {header} identity is not believed."},
    "signin_no_header": {"zh": "请通过单位的统一登录入口访问（未收到身份信息 {header}）。",
                         "en": "Please open Gridwatch through the office's sign-on (no {header} identity received)."},
    "signin_demo": {"zh": "演示模式：未配置登录，所有访问者都是本机管理员。", "en": "Demo mode: no sign-in configured; everyone is the local admin."},
    "signin_as": {"zh": "当前用户：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "signout": {"zh": "退出登录", "en": "Sign out"},
    "role_viewer": {"zh": "查看", "en": "viewer"},
    "role_clerk": {"zh": "录入员", "en": "clerk"},
    "role_admin": {"zh": "管理员", "en": "admin"},
    "empty_for_viewer": {"zh": "工作区还没有数据。导入台账需要录入员或管理员账号。",
                         "en": "The workspace holds no data yet. Importing a ledger needs a clerk or admin account."},
    "grids_admin_only": {"zh": "网格由管理员导入（当前 {n} 个网格）。", "en": "Grids are imported by an admin ({n} grids now)."},
    "remap_admin_only": {"zh": "把分类改动应用到已导入的问题需要管理员账号。",
                         "en": "Applying the mapping to imported issues needs an admin account."},
    "audit_title": {"zh": "操作记录（谁在何时导入了哪个文件）", "en": "Audit trail (who imported which file, and when)"},
    "audit_actor": {"zh": "操作人", "en": "By"},
    "audit_role": {"zh": "角色", "en": "Role"},
    "audit_sha": {"zh": "文件 SHA-256", "en": "File SHA-256"},
    "audit_download": {"zh": "下载操作记录 CSV", "en": "Download the audit trail (CSV)"},
    "undo_title": {"zh": "撤销导入", "en": "Undo an import"},
    "undo_pick": {"zh": "撤销哪一次", "en": "Which change to undo"},
    "undo_option": {"zh": "第 {g} 版 · {kind} · {source} · {actor}", "en": "Version {g} · {kind} · {source} · {actor}"},
    "undo_warn": {"zh": "撤销后工作区回到第 {restores} 版的状态；这之后的 {n} 次改动也一并撤销：{list}。",
                  "en": "The workspace goes back to version {restores}; the {n} changes after it are undone too: {list}."},
    "undo_warn_only": {"zh": "撤销后工作区回到第 {restores} 版的状态（问题、网格、修改历史和类型对应都复原）。",
                       "en": "The workspace goes back to version {restores} (issues, grids, change history and mappings)."},
    "undo_confirm": {"zh": "我确认撤销", "en": "I confirm the undo"},
    "undo_button": {"zh": "撤销", "en": "Undo"},
    "undo_done": {"zh": "已撤销第 {g} 版：问题数 {before:,} → {after:,}。此次撤销已记入操作记录。",
                  "en": "Version {g} undone: issues {before:,} → {after:,}. The undo is in the audit trail."},
    "kind_undo": {"zh": "撤销", "en": "Undo"},
    "page_forecast": {"zh": "预测检验", "en": "Forecast check"},
    "forecast_title": {"zh": "预测检验", "en": "Forecast check"},
    "forecast_left_out": {"zh": "预测与检验不计已作废 {void:,} 件和可疑坐标堆积点 {suspect:,} 件（默认坐标不是问题发生的地点，无论侧栏如何设置）。",
                          "en": "The forecast and its test leave out {void:,} void issues and {suspect:,} on suspect coordinate piles (a default geocode is not where a problem happened), whatever the sidebar says."},
    "forecast_scope": {"zh": "标出的区域是否真的出了问题？问题类型：{cats}（跟随侧栏筛选）。每周一作一次预测，只用当时以前的记录，再与随后发生的问题对照。",
                       "en": "Did the flagged places get the problems? Categories: {cats} (from the sidebar). A forecast every Monday from the records before it, "
                             "compared with the problems that followed."},
    "forecast_horizon": {"zh": "预测期", "en": "Forecast period"},
    "horizon_4w": {"zh": "4 周", "en": "4 weeks"},
    "horizon_1w": {"zh": "1 周", "en": "1 week"},
    "forecast_running": {"zh": "正在计算预测（每个数据版本只算一次）…",
                         "en": "Forecasting (once per data version)…"},
    "forecast_table": {"zh": "各方法对比（同一批 100 米方格）", "en": "Methods compared (the same 100 m cells)"},
    "forecast_area": {"zh": "标出面积", "en": "Area flagged"},
    "forecast_method": {"zh": "方法", "en": "Method"},
    "forecast_hit": {"zh": "容纳问题比例", "en": "Share of problems held"},
    "forecast_pai": {"zh": "是随机的几倍", "en": "Times random"},
    "forecast_pei": {"zh": "达到最好可能的比例", "en": "Share of the best possible"},
    "forecast_table_note": {"zh": "同一批方格上过去 {n} 周的中位数；「每周选用的方法」每周只用当时已知结果的周来选，"
                                  "它的成绩才是事先能得到的。★ 为全部检验中最好的方法，优先级从现在起采用它。",
                            "en": "Medians over the last {n} weeks on the same cells; the method chosen each week is chosen "
                                  "on the weeks whose outcome was known then, so its score is what could have been had in "
                                  "advance. ★ is the best method over the whole check; the priority list uses it from now on."},
    "forecast_nested": {"zh": "每周选用的方法", "en": "Method chosen each week"},
    "forecast_spread": {"zh": "一半的周在此之间", "en": "Half the weeks between"},
    "forecast_weeks": {"zh": "周数", "en": "Weeks"},
    "forecast_curve": {"zh": "标出面积与成绩（中位数）", "en": "Area flagged and score (medians)"},
    "forecast_over_time": {"zh": "每周的成绩（5% 面积）", "en": "Week by week (5% of the area)"},
    "forecast_origin": {"zh": "预测日", "en": "Forecast made on"},
    "forecast_calibration": {"zh": "预计与实际（按预计高低分十组）", "en": "Expected against actual (ten groups by forecast)"},
    "forecast_expected": {"zh": "每格预计", "en": "Expected per cell"},
    "forecast_observed": {"zh": "每格实际", "en": "Actual per cell"},
    "forecast_calibration_note": {"zh": "点落在虚线上说明预计的件数准确；在虚线上方是低估，下方是高估。",
                                  "en": "Points on the dashed line mean the expected counts were right; above it the "
                                        "forecast was too low, below it too high."},
    "forecast_notes": {"zh": "计算说明", "en": "How this is calculated"},
    "forecast_notes_body": {
        "zh": "- 区域切成 {cell} 米方格（共 {cells} 个），按预计问题从多到少标出 {shares} 的面积。\n"
              "- 「是随机的几倍」即 PAI（Chainey 等 2008）：标出区域容纳问题的比例 ÷ 标出面积比例，随机为 1。\n"
              "- 「达到最好可能的比例」即 PEI\\*：实际容纳的问题 ÷ 同样面积最多能容纳的问题。\n"
              "- 预测模型：每类问题一个泊松回归（statsmodels），用近几个月加权的历史、近 4 周、有报告的周数和相邻方格，"
              "权重由本工作区过去 4 个预测期拟合。加权历史（30/60/120 天）：按半衰期 30、60 或 120 天加权的历史次数，五分之一分给相邻方格。"
              "简单办法：近 4 周次数、全部历史次数、近 4 周核密度。\n"
              "- 每周选用的方法：用此前已知结果的各周（至少 4 周）平均成绩最好的方法。预计数和 90% 范围按此前一个季度校准："
              "每类问题的实际/预计中位比、负二项离散度，以及使范围在有问题的方格中包含 90% 实际次数的分位。\n"
              "- 只有当每周选用的方法在各周的成绩上多数胜过最好的简单办法（符号检验 p < 0.05）时才说它更好。\n"
              "- 共检验 {n} 个每周预测；可疑坐标堆（默认坐标）和作废记录不计。详见 docs/forecast.md。",
        "en": "- The area is cut into {cell} m cells ({cells} in all); the cells with the most expected problems are "
              "flagged until they cover {shares} of the area.\n"
              "- \"Times random\" is the PAI (Chainey et al. 2008): the share of problems in the flagged area divided by "
              "the share of area flagged; random targeting scores 1.\n"
              "- \"Share of the best possible\" is PEI\\*: problems captured divided by the most any choice of the same "
              "area could have captured.\n"
              "- Forecast model: one Poisson regression per category (statsmodels) on history weighted over months, the "
              "last 4 weeks, weeks with reports and the neighbouring cells, fitted on this workspace's last 4 forecast "
              "periods. Decayed history (30/60/120 d): counts weighted with a half-life of 30, 60 or 120 days, a fifth shared with the "
              "neighbouring cells. Simple methods: last 4 weeks' counts, all-history counts, density of the last 4 weeks.\n"
              "- The method chosen each week: the one with the best mean score over the earlier weeks whose outcome was "
              "known (at least 4). Expected counts and 90% ranges are calibrated on the quarter before: each category's "
              "median actual/expected ratio, a negative binomial dispersion, and the quantile that makes the range hold "
              "90% of the actual counts in the cells that had problems.\n"
              "- A method is said to beat the best simple one only when it did better in most weeks (sign test p < 0.05).\n"
              "- {n} weekly forecasts were checked; suspect piles (default coordinates) and void reports are left out. "
              "See docs/forecast.md."},
    "page_priority": {"zh": "优先级", "en": "Priorities"},
    "priority_title": {"zh": "整治优先级", "en": "Where to act first"},
    "weights": {"zh": "权重", "en": "Weights"},
    "w_forecast": {"zh": "预计问题", "en": "Expected problems"},
    "w_overdue": {"zh": "超期积压", "en": "Overdue backlog"},
    "w_repeat": {"zh": "反复发生", "en": "Repeat places"},
    "w_rise": {"zh": "比自身过去增多", "en": "Rise against its own past"},
    "w_open": {"zh": "未结问题", "en": "Open cases"},
    "priority_mode": {"zh": "排序方式", "en": "Rank by"},
    "mode_inspect": {"zh": "派人巡查：每平方公里预计问题", "en": "Where to send inspectors: expected per km²"},
    "mode_workload": {"zh": "工作量：预计问题 + 未结 + 超期", "en": "Where the workload is: expected + open + overdue"},
    "weights_custom": {"zh": "权重已改动：此排序不再是预测检验所支持的默认排序。",
                       "en": "Weights changed: this order is no longer the default the forecast check supports."},
    "expected_4w": {"zh": "预计4周", "en": "Expected, 4 weeks"},
    "expected_range": {"zh": "可能范围", "en": "Likely range"},
    "per_km2": {"zh": "每平方公里（按面积折算）", "en": "Per km² (area-weighted)"},
    "flagged_cells": {"zh": "重点方格（前5%面积）", "en": "Flagged cells (top 5% of area)"},
    "cell_rank": {"zh": "方格排序", "en": "Cell rank"},
    "priority_method_pending": {"zh": "预测方法：{method}（预测检验正在后台计算，完成后自动改用检验最好的方法）。",
                                "en": "Forecast method: {method} (the forecast check is running in the background; the best-checked method is used once it is done)."},
    "hotspots_running": {"zh": "正在计算热点（每种设置只算一次；多年的逐周记录需要十几秒）…",
                         "en": "Finding hotspots (once per setting; years of weekly steps take ten seconds or more)…"},
    "loading_workspace": {"zh": "正在读取工作区数据（每个数据版本只读一次；百万条记录约需十秒）…",
                          "en": "Reading the workspace (once per data version; a million issues take about ten seconds)…"},
    "listed_first": {"zh": "表中显示最逾期的 {shown:,} 条（共 {total:,} 条）；下载的文件包含全部。",
                     "en": "The table shows the {shown:,} most overdue of {total:,}; the downloads hold them all."},
    "forecast_background": {"zh": "预测检验正在后台计算（每个数据版本只算一次；一条街道约需十几秒，百万条记录约需两分钟）。其他页面可以照常使用，算完后本页自动显示结果。",
                            "en": "The forecast check is running in the background (once per data version; a street takes ten seconds or so, a million issues about two minutes). Other pages work meanwhile; this page shows the result by itself when it is done."},
    "forecast_failed": {"zh": "预测检验没有算成，排名暂用「{method}」。请管理员在命令行运行 python -m geo backtest 查看原因。",
                        "en": "The forecast check failed; rankings use {method} for now. An administrator can run python -m geo backtest to see why."},
    "priority_method_unchecked": {"zh": "预测方法：{method}（历史太短或有中断，尚未检验）。",
                                  "en": "Forecast method: {method} (not yet checked: the history is too short or has gaps)."},
    "flagged_shown": {"zh": "地图显示排序最前的 {shown:,} 个重点方格（共 {total:,} 个）。",
                      "en": "The map shows the first {shown:,} of the {total:,} flagged cells."},
    "priority_method": {"zh": "预测方法：{method}（预测检验中表现最好，见「预测检验」页）。",
                        "en": "Forecast method: {method} (the best in the forecast check; see the Forecast check page)."},
    "score": {"zh": "得分", "en": "Score"},
    "reasons": {"zh": "主要原因", "en": "Leading reasons"},
    "open_cases": {"zh": "未结问题", "en": "Open cases"},
    "priority_all": {"zh": "全部 {n} 个网格（点选一行在地图上标出）", "en": "All {n} grids (select a row to outline it on the map)"},
    "pareto": {"zh": "前 {n} 个网格集中了 {share:.0%} 的未结问题（共 {grids} 个网格）。",
               "en": "The top {n} grids hold {share:.0%} of open problems ({grids} grids in all)."},
    "priority_caption": {"zh": "截至 {asof}。紫色方格是预计问题最密集的 5% 区域（100 米方格），即派人巡查的重点；"
                               "网格颜色为得分。得分：派人巡查按每平方公里预计问题折算为 0–100，工作量以件计。"
                               "小网格的密度按其面积与全街道平均加权（面积越小越接近平均），几件问题不会让一个小网格排在前面。",
                         "en": "As of {asof}. Purple cells are the 5% of the area with the most expected problems "
                               "(100 m cells): where to send inspectors; grid colours are the score. Score: 0–100 of "
                               "expected problems per km² when sending inspectors, cases for the workload. A small grid's density is "
                               "weighted with the street's average by its area (the smaller, the closer to the average), "
                               "so a few reports do not put a tiny grid first."},
    "priority_legend": {"zh": "优先级得分", "en": "Priority score"},
    "weights_zero": {"zh": "权重不能全为 0，已用默认权重。", "en": "Weights cannot all be 0; the defaults are used."},
    "view": {"zh": "视图", "en": "View"},
    "view_gi": {"zh": "明显聚集", "en": "Clear clusters"},
    "view_emerging": {"zh": "聚集的变化", "en": "How clusters change"},
    "gi_legend": {"zh": "聚集", "en": "Clusters"},
    "emerging_legend": {"zh": "聚集的变化", "en": "How the cluster changes"},
    "unit": {"zh": "单元", "en": "Unit"},
    "z_score": {"zh": "聚集程度", "en": "Concentration"},
    "confidence": {"zh": "可信度", "en": "Confidence"},
    "outside_units": {"zh": "本页分析 {shown:,} 件：另有 {n:,} 件在网格覆盖的范围之外，不属于任何分析单元，未计入。",
                      "en": "This page analyses {shown:,} issues: {n:,} more lie beyond the area the grids cover, in no analysis unit, and are left out."},
    "clear_cells_help": {"zh": "可信度 95% 以上。", "en": "At 95 % confidence or more."},
    "hot_cells": {"zh": "明显聚集的单元", "en": "Units in clear clusters"},
    "cold_cells": {"zh": "明显偏少的单元", "en": "Units clearly below"},
    "explain": {"zh": "计算说明", "en": "What was computed"},
    "explain_text": {
        "zh": "对每个单元计算 Getis-Ord Gi* 统计量（与 ArcGIS 一致：二值权重并包含自身），双侧检验，"
              "并用 Benjamini-Hochberg 方法控制误发现率，按 99%、95%、90% 置信度划分冷热点。"
              "时空热点趋势以每周为一个时间步，对每个单元的 z 值序列做 Mann-Kendall 趋势检验，归入 Esri 的 17 类。",
        "en": "Getis-Ord Gi* for every unit (ArcGIS parity: binary weights including the unit itself), two-sided tests "
              "with Benjamini-Hochberg false discovery rate control, classed at 99, 95 and 90 % confidence. Emerging hot "
              "spots use weekly steps, a Mann-Kendall trend test on each unit's z series, and Esri's 17 classes.",
    },
    "choice_units": {"zh": "分析单元", "en": "Units"},
    "choice_cell_size_m": {"zh": "单元大小（米；六边形为对边距离）", "en": "Cell size (m; hexagons: across flats)"},
    "choice_cell_size_rule": {"zh": "单元大小的确定", "en": "How the cell size was chosen"},
    "value_mean_count_5": {"zh": "自动：平均每单元约 5 件，取整到常用尺寸", "en": "automatic: about 5 issues per cell, "
                                                                            "rounded to a usual size"},
    "value_capped": {"zh": "更细的单元对这片区域太多，已改用下一个常用尺寸，地图才能流畅打开",
                     "en": "finer cells would be too many for this area: the next usual size up, so the map opens smoothly"},
    "value_hex_cells": {"zh": "六边形", "en": "hexagon cells"},
    "value_hex_contiguity": {"zh": "共边的六个六边形", "en": "the six hexagons sharing an edge"},
    "choice_outlier_method": {"zh": "异常检测方法", "en": "Outlier method"},
    "value_local_moran": {"zh": "Anselin 局部 Moran's I，95% 置信度", "en": "Anselin local Moran's I at 95 %"},
    "choice_outlier_permutations": {"zh": "置换次数", "en": "Permutations"},
    "choice_outlier_weights": {"zh": "异常检测权重", "en": "Outlier weights"},
    "value_row_standardised": {"zh": "行标准化，不含自身", "en": "row-standardised, unit excluded"},
    "choice_outlier_fdr": {"zh": "异常检测的多重检验校正", "en": "Outlier multiple-testing correction"},
    "value_management_grids": {"zh": "管理网格", "en": "management grids"},
    "value_square_cells": {"zh": "方格", "en": "square cells"},
    "value_queen_contiguity": {"zh": "后式邻接（共边或共点）", "en": "queen contiguity (shared edge or corner)"},
    "value_binary_with_self": {"zh": "二值权重，包含自身（与 ArcGIS 一致）", "en": "binary, unit included (ArcGIS parity)"},
    "value_two_sided_normal": {"zh": "双侧检验，正态近似", "en": "two-sided, normal approximation"},
    "value_benjamini_hochberg": {"zh": "Benjamini-Hochberg 误发现率校正", "en": "Benjamini-Hochberg false discovery rate"},
    "value_none": {"zh": "无", "en": "none"},
    "value_previous_step": {"zh": "前一时间步", "en": "the previous step"},
    "choice_n_units": {"zh": "单元数", "en": "Number of units"},
    "choice_neighbourhood": {"zh": "邻域", "en": "Neighbourhood"},
    "choice_mean_neighbours": {"zh": "平均邻居数", "en": "Mean neighbours"},
    "choice_islands": {"zh": "无邻居单元", "en": "Units without neighbours"},
    "choice_weights": {"zh": "权重", "en": "Weights"},
    "choice_p_values": {"zh": "p 值", "en": "p-values"},
    "choice_fdr": {"zh": "多重检验校正", "en": "Multiple-testing correction"},
    "choice_issues_analysed": {"zh": "参与分析的问题数", "en": "Issues analysed"},
    "choice_issues_outside_units": {"zh": "不在任何单元内的问题数", "en": "Issues outside every unit"},
    "choice_suspect_points_excluded": {"zh": "已排除的可疑坐标记录", "en": "Suspect-point records excluded"},
    "choice_time_steps": {"zh": "时间步数", "en": "Time steps"},
    "choice_step_days": {"zh": "每步天数", "en": "Days per step"},
    "choice_last_day": {"zh": "最后一天", "en": "Last day"},
    "choice_time_neighbourhood": {"zh": "时间邻域", "en": "Time neighbourhood"},
    "empty_workspace": {"zh": "工作区“{path}”还没有问题记录：请在“数据”页导入网格和台账。",
                        "en": "Workspace “{path}” holds no issues yet: import grids and a ledger on the Data page."},
    "data_title": {"zh": "数据导入", "en": "Import data"},
    "wiz_grids": {"zh": "第一步：网格边界", "en": "Step 1: grid boundaries"},
    "wiz_grids_have": {"zh": "当前工作区有 {n} 个网格；上传新的网格边界会替换它们，已导入的问题会重新归属网格。",
                       "en": "The workspace holds {n} grids; new boundaries replace them and the stored issues are "
                             "re-joined."},
    "wiz_grids_none": {"zh": "工作区还没有网格：请先上传网格边界（GeoJSON、GeoPackage 或 Shapefile 压缩包）。",
                       "en": "The workspace has no grids yet: upload the grid boundaries first (GeoJSON, GeoPackage "
                             "or zipped Shapefile)."},
    "wiz_grid_file": {"zh": "上传网格边界", "en": "Upload grid boundaries"},
    "wiz_grid_id": {"zh": "网格编号字段（必选）", "en": "Grid id field (required)"},
    "wiz_grid_name": {"zh": "网格名称字段", "en": "Grid name field"},
    "wiz_grid_community": {"zh": "所属社区字段（可不选）", "en": "Community field (optional)"},
    "wiz_grid_cadres": {"zh": "网格员字段（可不选）", "en": "Cadres field (optional)"},
    "wiz_grid_preview": {"zh": "图层共 {n} 个面；前 5 行：", "en": "{n} polygons in the layer; first 5 rows:"},
    "wiz_import_grids": {"zh": "导入网格", "en": "Import grids"},
    "wiz_grid_done": {"zh": "已导入 {n} 个网格：修复无效面 {repaired} 个，重叠 {overlaps} 处，空隙 {gaps} 处；"
                            "已导入的问题中 {moved} 件换了网格，{outside} 件落到网格外，{inside} 件回到网格内。",
                      "en": "{n} grids imported: {repaired} invalid polygons repaired, {overlaps} overlaps, {gaps} gaps; "
                            "of the stored issues {moved} moved grid, {outside} fell outside, {inside} came back inside."},
    "wiz_statuses": {"zh": "状态对应（请确认）", "en": "Statuses (please confirm)"},
    "wiz_col_status_value": {"zh": "台账中的状态", "en": "Status in the ledger"},
    "wiz_col_status": {"zh": "读作", "en": "Read as"},
    "status_by_close_time": {"zh": "按办结时间判断", "en": "By close time"},
    "wiz_grid_damaged": {"zh": "{n} 个名称含有乱码（“�”，文件编码有误），如：{names}。请在原文件中改正名称后重新导入网格。",
                         "en": "{n} names hold garbled characters (“�”, a wrong file encoding), e.g. {names}. Fix the "
                               "names in the source file and import the grids again."},
    "wiz_ledger": {"zh": "第二步：问题台账", "en": "Step 2: the ledger"},
    "wiz_ledger_needs_grids": {"zh": "导入网格后即可上传台账。", "en": "Import the grids first, then the ledger."},
    "wiz_crs_detected": {"zh": "根据坐标数值判断：{name}。高德、腾讯（GCJ-02）和百度（BD-09）坐标无法从数值区分，请按来源选择。",
                         "en": "From the numbers: {name}. AMap/Tencent (GCJ-02) and Baidu (BD-09) cannot be told from "
                               "the numbers: choose by the source."},
    "wiz_tz": {"zh": "台账时间所在时区", "en": "Time zone of the ledger's times"},
    "wiz_tz_proposed": {"zh": "按网格所在位置建议的时区：{zone}（导入后随工作区保存，以后的台账按同一时区读取）",
                        "en": "Proposed from where the grids lie: {zone} (kept with the workspace for later ledgers)"},
    "wiz_zone_mismatch": {"zh": "台账的点位多在 {found} 时区，而时间按 {zone} 读取：两地时差不同，请确认时区后重新导入。",
                          "en": "Most of the ledger's points lie in {found}, but its times were read in {zone}, "
                                "whose clock differs: check the zone and import again."},
    "wiz_crs_other": {"zh": "其他 EPSG 代码", "en": "Other EPSG code"},
    "wiz_crs_code": {"zh": "EPSG 代码（如 4547）", "en": "EPSG code (e.g. 4547)"},
    "wiz_points": {"zh": "前 {n} 条记录中有 {share} 落在网格内（红点为问题位置）。",
                   "en": "{share} of the first {n} records fall inside a grid (red dots are the issues)."},
    "wiz_points_none": {"zh": "前几行没有可用的坐标，请检查经度、纬度列和坐标系。",
                        "en": "No usable coordinates in the first rows: check the longitude and latitude columns and "
                              "the coordinate system."},
    "wiz_categories": {"zh": "第三步：问题类型对应", "en": "Step 3: problem types"},
    "wiz_categories_caption": {"zh": "台账中的每个类型及其件数；已识别的已填好，其余默认为“其他”，可逐个改选。选择会保存，以后导入同名类型时自动使用。",
                               "en": "Every type in the ledger with its count; known ones are filled in, the rest "
                                     "default to Other. Choices are saved and used for later imports."},
    "wiz_label": {"zh": "台账中的类型", "en": "Type in the ledger"},
    "wiz_far": {"zh": "{n:,} 个点远在网格范围之外（比网格整体范围还远），多为坐标填错或别处的记录；导入后按“网格外”计，不进入网格统计。",
                "en": "{n:,} points lie far outside the grids (farther away than the grids are wide), usually a wrong "
                      "coordinate or a record from elsewhere; they import as outside the grids."},
    "wiz_busiest": {"zh": "记录最多的十个坐标点", "en": "The ten exact positions with the most records"},
    "wiz_busiest_caption": {"zh": "勾选的是默认点位（定位失败时 App 或地址解析填入的固定坐标，如街道办地址）：其记录不计入热点、预测和排名。"
                                  "已按规则预先勾选；真实地点（如菜市场门口）请取消勾选。选择随工作区保存，以后导入时沿用。",
                            "en": "Ticked: a default position (what the app or geocoder stores when it has no fix, such as "
                                  "the office's address); its records stay out of hotspots, the forecast and rankings. "
                                  "Pre-ticked by the rule; untick a real place (a market gate). Kept with the workspace."},
    "wiz_busiest_tip": {"zh": "第 {rank} 位：{n:,} 条记录", "en": "#{rank}: {n:,} records"},
    "wiz_col_share": {"zh": "占全部", "en": "Share"},
    "wiz_col_default": {"zh": "默认点位", "en": "Default position"},
    "wiz_labels_count": {"zh": "共 {n} 种类型；目前归为“其他”的 {other:,} 件，占 {share:.0%}。",
                         "en": "{n} types in all; {other:,} records ({share:.0%}) are Other so far."},
    "wiz_label_search": {"zh": "按关键词查找类型", "en": "Find types by keyword"},
    "wiz_bulk_target": {"zh": "归为", "en": "Map to"},
    "wiz_bulk_apply": {"zh": "将找到的 {n} 种归入", "en": "Map the {n} found"},
    "wiz_rest_other": {"zh": "其余未识别的归为“其他”", "en": "The rest to Other"},
    "wiz_col_label": {"zh": "台账中的类型", "en": "Type in the ledger"},
    "wiz_col_count": {"zh": "件数", "en": "Records"},
    "wiz_col_category": {"zh": "对应类别", "en": "Category"},
    "wiz_col_known": {"zh": "已确认", "en": "Confirmed"},
    "other_share_warning": {"zh": "{share:.0%} 的问题归为“其他”，热点和优先级因此难以区分问题类型。最多的未对应类型：{labels}。"
                                  "请在“数据”页的第三步对应后重新导入。",
                            "en": "{share:.0%} of the issues are Other, so hotspots and priorities cannot tell problems "
                                  "apart. The largest unmapped types: {labels}. Map them in step 3 of the Data page and "
                                  "import again."},
    "wiz_apply_stored": {"zh": "同时用于已导入的问题", "en": "Also apply to the issues already imported"},
    "wiz_import": {"zh": "第四步：导入", "en": "Step 4: import"},
    "wiz_summary": {"zh": "已导入“{source}”：读取 {read:,} 行，新增 {imported:,} 件，更新 {updated:,} 件，拒收 {rejected:,} 行，"
                          "重复 {duplicates:,} 行；其中 {outside:,} 件在网格外，{suspect:,} 件在可疑坐标上。",
                    "en": "Imported “{source}”: {read:,} rows read, {imported:,} new, {updated:,} updated, "
                          "{rejected:,} rejected, {duplicates:,} duplicates; {outside:,} outside the grids, "
                          "{suspect:,} on suspect points."},
    "wiz_remapped": {"zh": "已按新的类型对应更新已导入问题 {n} 件。", "en": "{n} stored issues re-mapped to the new types."},
    "field_category": {"zh": "问题类型", "en": "Problem type"},
    "field_reported_at": {"zh": "上报时间", "en": "Reported at"},
    "field_lon": {"zh": "经度 / X", "en": "Longitude / X"},
    "field_lat": {"zh": "纬度 / Y", "en": "Latitude / Y"},
    "field_issue_id": {"zh": "问题编号", "en": "Issue id"},
    "field_status": {"zh": "处置状态", "en": "Status"},
    "field_closed_at": {"zh": "办结时间", "en": "Closed at"},
    "field_address": {"zh": "地址", "en": "Address"},
    "field_description": {"zh": "问题描述", "en": "Description"},
    "field_department": {"zh": "责任部门", "en": "Department"},
    "field_deadline_at": {"zh": "截止时间", "en": "Deadline"},
    "field_photo_before": {"zh": "整改前照片", "en": "Photo before"},
    "field_photo_after": {"zh": "整改后照片", "en": "Photo after"},
    "field_grid_raw": {"zh": "所属网格（台账填写）", "en": "Grid (as written)"},
    "field_source": {"zh": "问题来源", "en": "Source"},
    "field_reporter": {"zh": "上报人（巡查员/监督员）", "en": "Reporter (inspector)"},
    "err_detail": {"zh": "详细信息", "en": "Details"},
    "upload_ledger": {"zh": "上传问题台账（CSV、Excel、GeoJSON、GeoPackage 或 Shapefile 压缩包）",
                      "en": "Upload a ledger (CSV, Excel, GeoJSON, GeoPackage or zipped Shapefile)"},
    "upload_grids": {"zh": "上传网格边界（可选，替换当前网格）",
                     "en": "Upload grid polygons (optional, replaces the grids)"},
    "too_large": {"zh": "文件超过 {mb} MB 上限。", "en": "The file exceeds the {mb} MB limit."},
    "detected_mapping": {"zh": "识别到的列对应关系（可修改）", "en": "Detected column mapping (you can correct it)"},
    "not_mapped": {"zh": "（无）", "en": "(none)"},
    "coord_system": {"zh": "坐标系", "en": "Coordinate system"},
    "preview": {"zh": "预览（前 5 行）", "en": "Preview (first 5 rows)"},
    "run_import": {"zh": "导入", "en": "Import"},
    "importing": {"zh": "正在导入……", "en": "Importing…"},
    "step_saved": {"zh": "文件已保存", "en": "File saved"},
    "step_grids": {"zh": "网格已导入", "en": "Grids imported"},
    "step_done": {"zh": "导入完成", "en": "Import finished"},
    "import_failed": {"zh": "导入失败：{error}", "en": "Import failed: {error}"},
    "summary_read": {"zh": "读取", "en": "Read"},
    "summary_imported": {"zh": "新增", "en": "Imported"},
    "summary_updated": {"zh": "更新", "en": "Updated"},
    "summary_rejected": {"zh": "拒收", "en": "Rejected"},
    "summary_duplicates": {"zh": "重复", "en": "Duplicates"},
    "summary_outside_grids": {"zh": "网格外", "en": "Outside grids"},
    "summary_suspect_points": {"zh": "可疑坐标", "en": "Suspect points"},
    "download_rejects": {"zh": "下载拒收记录（含原因）", "en": "Download rejected rows (with reasons)"},
    "unmapped_categories": {"zh": "未识别的问题类型（已按“其他”导入）：{labels}",
                            "en": "Unrecognised categories (imported as Other): {labels}"},
    "history": {"zh": "导入记录", "en": "Import history"},
    "history_at": {"zh": "时间（{zone}）", "en": "Time ({zone})"},
    "history_kind": {"zh": "类型", "en": "Kind"},
    "history_source": {"zh": "文件", "en": "File"},
    "history_generation": {"zh": "版本", "en": "Version"},
    "kind_ledger": {"zh": "问题台账", "en": "Ledger"},
    "kind_grids": {"zh": "网格边界", "en": "Grids"},
    "bulletin_no_week": {"zh": "数据还不足一个完整周（周一至周日），暂无周报。",
                         "en": "The data do not cover one whole week (Monday to Sunday) yet: no bulletin."},
    "kind_mapping": {"zh": "类型对应", "en": "Type mapping"},
    "swapped_note": {"zh": "{n} 条记录的经纬度填反了，已自动纠正。",
                     "en": "{n} rows had latitude and longitude swapped; fixed."},
    "double_note": {"zh": "{n} 条记录疑似重复上报（同类问题，10 米、10 分钟内），已标记，未删除。",
                    "en": "{n} rows look like double submissions (same category, 10 m, 10 minutes): flagged, not deleted."},
    "grid_report": {"zh": "网格：{n} 个，修复 {repaired} 个无效面，重叠 {overlaps} 处，空隙 {gaps} 处",
                    "en": "Grids: {n}, {repaired} invalid polygons repaired, {overlaps} overlaps, {gaps} gaps"},
    "load_error": {"zh": "无法读取数据：{error}", "en": "Cannot read the data: {error}"},
    "map_caption": {"zh": "颜色越深，问题越集中。", "en": "The darker, the more issues."},
    "map_method": {
        "zh": "热力图：服务器先把问题按 {size:.0f} 米的小格汇总（最多 {cap:,} 个点），浏览器只收到汇总后的点，拖动或缩放地图不会重新计算。",
        "en": "Heatmap: the server first sums the issues into {size:.0f} m cells (at most {cap:,} points); the browser receives only those, and panning or zooming re-runs nothing.",
    },
}


#: Hotspot class names (Gi* bins and Esri's emerging classes) in both languages.
CLASS_LABELS: Final[dict[str, dict[Lang, str]]] = {
    "hot_99": {"zh": "明显聚集（可信度 99%）", "en": "Clear cluster (99 %)"}, "hot_95": {"zh": "明显聚集（可信度 95%）", "en": "Clear cluster (95 %)"},
    "hot_90": {"zh": "可能聚集（可信度 90%）", "en": "Likely cluster (90 %)"}, "not_significant": {"zh": "无明显聚集", "en": "No clear pattern"},
    "cold_90": {"zh": "可能偏少（可信度 90%）", "en": "Likely below (90 %)"}, "cold_95": {"zh": "明显偏少（可信度 95%）", "en": "Clearly below (95 %)"},
    "cold_99": {"zh": "明显偏少（可信度 99%）", "en": "Clearly below (99 %)"},
    "new_hot": {"zh": "新增热点", "en": "New hot spot"}, "consecutive_hot": {"zh": "连续热点", "en": "Consecutive hot spot"},
    "intensifying_hot": {"zh": "加剧热点", "en": "Intensifying hot spot"},
    "persistent_hot": {"zh": "持续热点", "en": "Persistent hot spot"},
    "diminishing_hot": {"zh": "减弱热点", "en": "Diminishing hot spot"},
    "sporadic_hot": {"zh": "零星热点", "en": "Sporadic hot spot"},
    "oscillating_hot": {"zh": "振荡热点", "en": "Oscillating hot spot"},
    "historical_hot": {"zh": "历史热点", "en": "Historical hot spot"},
    "new_cold": {"zh": "新增冷点", "en": "New cold spot"},
    "consecutive_cold": {"zh": "连续冷点", "en": "Consecutive cold spot"},
    "intensifying_cold": {"zh": "加剧冷点", "en": "Intensifying cold spot"},
    "persistent_cold": {"zh": "持续冷点", "en": "Persistent cold spot"},
    "diminishing_cold": {"zh": "减弱冷点", "en": "Diminishing cold spot"},
    "sporadic_cold": {"zh": "零星冷点", "en": "Sporadic cold spot"},
    "oscillating_cold": {"zh": "振荡冷点", "en": "Oscillating cold spot"},
    "historical_cold": {"zh": "历史冷点", "en": "Historical cold spot"},
    "no_pattern": {"zh": "无明显模式", "en": "No pattern detected"},
    "HH": {"zh": "成片多发", "en": "Cluster of many"}, "LL": {"zh": "成片少发", "en": "Cluster of few"},
    "HL": {"zh": "孤立多发（周边少）", "en": "Many among few"},
    "LH": {"zh": "孤立少发（周边多）", "en": "Few among many"},
}


def confidence(p: float) -> str:
    """A p-value as the confidence a reader understands: ``0.0004`` -> ``99.9%``, ``0.3`` -> ``70%``.

    >>> confidence(0.0004), confidence(0.3)
    ('99.9%', '70%')
    """
    if not math.isfinite(p):
        return "—"
    level = (1 - min(max(p, 0.0), 1.0)) * 100
    return f"{min(level, 99.9):.1f}%" if level >= 99 else f"{level:.0f}%"


def trend_sentence(direction: str, slope: float, per: str, lang: Lang) -> str:
    """A trend in a street office's words: 「每周约多 0.6 件，上升明显」, or 「没有明显变化」."""
    if direction not in ("rising", "falling") or not math.isfinite(slope):
        return t("trend_flat", lang)
    size = abs(slope)
    n = f"{size:.1f}" if size < 10 else f"{size:,.0f}"
    return t("trend_up" if direction == "rising" else "trend_down", lang, per=per, n=n)


def class_labels(lang: Lang) -> dict[str, str]:
    """Class code -> display name in ``lang``."""
    return {code: names[lang] for code, names in CLASS_LABELS.items()}


def t(key: str, lang: Lang = "zh", **fmt: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``fmt``.

    Raises
    ------
    KeyError
        For an unknown key (a typo must not show up as a blank label).
    """
    text = STRINGS[key][lang]
    return _NUMBERS.format(text, **fmt) if fmt else text


class _Numbers(string.Formatter):
    """Counts in sentences written as on the cards: ``16,434``, not ``16434`` (a field with its own
    format spec keeps it; text, dates and floats are untouched)."""

    def format_field(self, value: object, format_spec: str) -> str:
        if not format_spec and isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
            return f"{int(value):,}"
        return super().format_field(value, format_spec)


_NUMBERS = _Numbers()


def kpi_text(key: str, value: object, lang: Lang, unsaid: frozenset[str]) -> str:
    """A card's figure: 「无此信息」 when the ledger lacks what the KPI needs (``KPI_NEEDS``; the page's
    :func:`unsaid_note` says what is missing), else a rate in per cent, a grade, or a count with separators."""
    if KPI_NEEDS.get(key, frozenset()) & unsaid:
        return t("not_in_ledger_short", lang)
    if key.endswith(("_rate", "_share")):
        return fmt_pct(float(value))  # type: ignore[arg-type]
    if key == "grade":
        return str(value or "—")
    return f"{int(value):,}"  # type: ignore[call-overload]


def unsaid_note(keys: Iterable[str], lang: Lang, unsaid: frozenset[str]) -> str | None:
    """The line under a row of cards when one of them (``keys``) reads 「无此信息」: which facts the ledger
    lacks (该台账无此信息：没有结案时间); ``None`` when every card has its figure."""
    missing = set().union(*(KPI_NEEDS.get(k, frozenset()) for k in keys)) & unsaid
    if not missing:
        return None
    what = t("scope_join", lang).join(t(f"unsaid_{m}", lang) for m in ("status", "closed_at", "handling") if m in missing)
    return t("unsaid_note", lang, what=what)


def fmt_pct(value: float) -> str:
    """A rate in per cent with one decimal, or an em dash when undefined (nothing was due)."""
    return "—" if not math.isfinite(value) else f"{value:.1f}%"


def kpi_basis(row: Any, lang: Lang) -> str:
    """The cohort rule under a KPI card row, with the counts the rates are computed from."""
    return t("kpi_basis", lang, due=int(row["due"]), closed=int(row["closed"]), on_time=int(row["on_time"]),
             overdue=int(row["overdue_open"]), carried=int(row["carried_overdue"]),
             share=fmt_pct(float(row["overdue_share"])))


def fmt_change(now: float, before: float, lang: Lang, *, points: bool = False) -> str | None:
    """A KPI card's change against the previous period: ``+3``, or ``+1.2 个百分点`` / ``+1.2 pp`` for rates.

    ``None`` when there is no change or either side is undefined: Streamlit would colour "+0.0" as a rise.
    """
    if not (math.isfinite(now) and math.isfinite(before)) or round(now - before, 1) == 0:
        return None
    return f"{now - before:+.1f}{t('points_unit', lang)}" if points else f"{round(now - before):+d}"


#: The on-target light's colour where Streamlit colours text or badges (our words, never emoji).
LIGHT_COLOURS: Final[dict[str, Literal["green", "orange", "red"]]] = {"on": "green", "near": "orange", "below": "red"}


def index_text(index: float, light: str, lang: Lang) -> str:
    """An on-target index as a card shows it: ``0.89 🔴 未达标``, or a dash when there is none."""
    if not math.isfinite(index):
        return "—"
    return f"{index:.2f} {t(f'light_index_{light}', lang)}" if light else f"{index:.2f}"


def fmt_date(value: dt.date | dt.datetime, lang: Lang = "zh") -> str:
    """A date as each language writes it in prose: ``2026年11月15日`` or ``15 Nov 2026``."""
    return written_date(value, lang)


#: Chart axes and tooltips (d3-time-format, what Vega-Lite reads): per language, day or month.
_CHART_DATE: Final[dict[str, dict[str, str]]] = {
    "zh": {"day": "%Y年%-m月%-d日", "month": "%Y年%-m月"},
    "en": {"day": "%-d %b %Y", "month": "%b %Y"},
}
#: Table cells (moment.js, what Streamlit's DatetimeColumn reads); they stay sortable as times.
_TABLE_DATETIME: Final[dict[str, str]] = {"zh": "YYYY年M月D日 HH:mm", "en": "D MMM YYYY, HH:mm"}
#: Date pickers: Streamlit offers a few numeric orders only; day first in English as in "15 Nov 2026".
_PICKER: Final[dict[str, str]] = {"zh": "YYYY/MM/DD", "en": "DD/MM/YYYY"}


def chart_date_format(lang: Lang, unit: Literal["day", "month"] = "day") -> str:
    """The d3 time format for chart axes and tooltips in ``lang`` (``2026年11月15日`` / ``15 Nov 2026``)."""
    return _CHART_DATE[lang][unit]


def datetime_column(label: str, lang: Lang) -> ColumnConfig:
    """A table column of local times written the language's way, still sorted as times."""
    return st.column_config.DatetimeColumn(label, format=_TABLE_DATETIME[lang])


def picker_format(lang: Lang) -> str:
    """``format`` for ``st.date_input`` in ``lang``."""
    return _PICKER[lang]


def local_naive(times: pd.Series) -> pd.Series:
    """Tz-aware ledger times as naive local wall-clock times, so tables show the ledger's own hour."""
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def fmt_week(iso_week: str, lang: Lang) -> str:
    """An ISO week label (``2026-W45``) with its dates: ``2026年第45周（11月2日–11月8日）``."""
    year, number = iso_week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(number), 1)
    sunday = monday + dt.timedelta(days=6)
    if lang == "zh":
        return f"{year}年第{int(number)}周（{monday.month}月{monday.day}日–{sunday.month}月{sunday.day}日）"
    return (f"Week {int(number)}, {year} ({monday.day} {MONTHS_EN[monday.month - 1]}–"
            f"{sunday.day} {MONTHS_EN[sunday.month - 1]})")


def map_labels(lang: Lang) -> dict[str, str]:
    """The labels the map components need, in ``lang``."""
    keys = ("grids", "grid", "grid_id", "community", "count", "heat", "choropleth",
            "heat_legend_title", "heat_low", "heat_high", "count_legend_title", "flagged_cells", "cell_rank", "reasons",
            "street", "n_grids", "count_legend_street", "count_legend_community",
            "count_legend_grid")
    return {k: t(k, lang) for k in keys}
