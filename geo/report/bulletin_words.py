"""The bulletin's words in Chinese and English: one template, the tables' names, columns and our own cell values.

The bulletin is built once, in the Chinese of its tables (the workbook an office files); :func:`english` turns a
copy into English. Only our words change: grid, community, department and street names, addresses and
descriptions are the ledger's and stay as written.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from geo.ops.profiles import INDICATORS

#: The sheets (and the template's sections), in order.
SHEETS_EN: Final = {
    "汇总": "Summary", "网格排名": "Grid ranking", "社区排名": "Community league", "督办清单": "Overdue list",
    "新增与加剧热点": "New and intensifying hot spots", "考核评价（社区）": "Evaluation (communities)",
    "考核评价（部门）": "Evaluation (departments)", "达标指数": "On-target index", "巡查盲区": "Patrol blind spots",
}
_INDICATOR_COLUMNS: Final = {
    **{i.zh: i.en for i in INDICATORS.values()},
    **{f"{i.zh}（%）": f"{i.en} (%)" for i in INDICATORS.values()},
}
COLUMNS_EN: Final = {
    **_INDICATOR_COLUMNS,
    "指标": "Measure", "本周": "This week", "上周": "Last week", "变化": "Change", "排名": "Rank", "网格": "Grid",
    "社区": "Community", "得分": "Score", "主要原因": "Leading reasons", "超期未结": "Overdue open",
    "未结问题": "Open cases", "上报": "Reported", "应结案": "Due", "结案率（%）": "Close rate (%)",
    "按期结案率（%）": "On-time rate (%)", "返工率（%）": "Rework rate (%)", "超期占比（%）": "Overdue share (%)",
    "综合得分": "Score", "等级": "Grade", "问题编号": "Case", "问题类别": "Category", "责任部门": "Department",
    "上报时间": "Reported at", "处置时限": "Deadline", "超期天数": "Days overdue", "地址": "Address",
    "问题描述": "Description", "类型": "Kind", "单元数": "Cells", "本周问题数": "Cases this week",
    "达标指数": "On-target index", "范围": "Scope", "达标情况": "Target", "巡查发现": "Found by patrol",
    "他人上报": "Reported by others", "他人上报占比（%）": "Reported by others (%)",
    "其余网格（%）": "Rest of the street (%)", "是其余网格的倍数": "Times the rest's", "可能范围": "Likely range",
}
#: Our own cell values (the summary's measures, hot-spot kinds, the index's light, the scope).
VALUES_EN: Final = {
    "上报": "Reported", "应结案": "Due", "结案": "Closed", "结案率（%）": "Close rate (%)",
    "按期结案率（%）": "On-time rate (%)", "返工率（%）": "Rework rate (%)", "超期未结": "Overdue open",
    "结案用时中位数（天）": "Median days to close", "新增热点": "New hot spot", "连续热点": "Consecutive hot spot",
    "加剧热点": "Intensifying hot spot", "达标": "On target", "接近": "Near", "未达标": "Below",
    "全街道": "Whole street", "无此信息": "Not given",
}
#: The template's words.
WORDS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "html_lang": "zh-CN", "title": "网格治理周报", "week_span": "{week}（{first} 至 {last}） · 数据截至 {as_of} 0 时",
        "s1": "一、总体情况", "s2": "二、重点网格", "s2_lead": "建议优先整治：{focus}。",
        "s2_note": "颜色为优先级得分（五分位），圆圈数字为排名前五的网格。", "s3": "三、近 12 周走势",
        "s4": "四、社区考核", "s5": "五、新增与加剧热点", "s6": "六、督办清单（超期未结）",
        "s7": "七、考核评价（{profile}）", "s7_index": "全街道本周达标指数与综合得分", "s7_area": "社区（区域评价）",
        "s7_department": "责任部门（部门评价）",
        "s7_gap": "巡查盲区（近一年他人上报占比明显高于其余网格、已排除偶然的网格）",
        "s7_no_gap": "无（或台账来源只有一类，无法比较）。", "more_rows": "另有 {n} 条，见 Excel 附表。",
        "footer": "由 Gridwatch 生成。可疑坐标堆积点与已作废问题不计入。", "legend": "优先级得分（低 → 高）",
        "map_label": "网格优先级地图", "trend_label": "近 12 周问题数",
    },
    "en": {
        "html_lang": "en", "title": "Weekly grid management bulletin", "week_span": "{week} ({first} to {last}) · data to "
        "{as_of} 00:00", "s1": "1. Overview", "s2": "2. Grids to act on first", "s2_lead": "Act first on: {focus}.",
        "s2_note": "Colour: priority score (quintiles); circled numbers: the five highest-ranked grids.",
        "s3": "3. The last 12 weeks", "s4": "4. Communities graded", "s5": "5. New and intensifying hot spots",
        "s6": "6. Overdue list (open past the deadline)", "s7": "7. Evaluation ({profile})",
        "s7_index": "The street's on-target index and score this week", "s7_area": "Communities (area evaluation)",
        "s7_department": "Departments (department evaluation)",
        "s7_gap": "Patrol blind spots (grids whose share reported by others over the past year is clearly above the "
                  "rest's, beyond chance)",
        "s7_no_gap": "None (or the ledger's sources are all of one kind: nothing to compare).",
        "more_rows": "{n} more rows in the Excel workbook.",
        "footer": "Made by Gridwatch. Suspect coordinate piles and voided cases are not counted.",
        "legend": "Priority score (low → high)", "map_label": "Grid priority map",
        "trend_label": "Cases per week, last 12 weeks",
    },
}


def english(tables: dict[str, pd.DataFrame], *, reasons_en: pd.Series, categories_en: dict[str, str]) -> dict[
        str, pd.DataFrame]:
    """An English copy of the bulletin's tables: sheet and column names, our cell values, the ranking's reasons
    (``reasons_en``, in the ranking's order) and category names (``categories_en``: Chinese name -> English)."""
    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        if name == "网格排名" and "主要原因" in frame:
            frame["主要原因"] = reasons_en.to_numpy()[: len(frame)]
        for column in frame.columns:  # our own words wherever they stand (「无此信息」 in any indicator's column)
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                frame[column] = frame[column].map(lambda v: VALUES_EN.get(v, v) if isinstance(v, str) else v)
        if "问题类别" in frame:
            frame["问题类别"] = frame["问题类别"].map(lambda v: categories_en.get(v, v))
        out[SHEETS_EN.get(name, name)] = frame.rename(columns=lambda c: COLUMNS_EN.get(c, c))
    return out
