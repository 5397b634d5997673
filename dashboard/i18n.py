"""User-interface text in Chinese (first) and English.

Every label on screen comes from here or from the category table, so a screen never mixes
languages. Keys are stable identifiers; a missing key fails loudly in tests.
"""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")

STRINGS: Final[dict[str, dict[Lang, str]]] = {
    "app_title": {"zh": "网格治理热点分析", "en": "Gridwatch hotspot analytics"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "filters": {"zh": "筛选", "en": "Filters"},
    "date_range": {"zh": "日期范围", "en": "Date range"},
    "categories": {"zh": "问题类型", "en": "Categories"},
    "communities": {"zh": "社区", "en": "Communities"},
    "all_placeholder": {"zh": "全部", "en": "All"},
    "page_map": {"zh": "地图", "en": "Map"},
    "page_trends": {"zh": "趋势", "en": "Trends"},
    "page_ranking": {"zh": "排名", "en": "Ranking"},
    "map_title": {"zh": "问题分布地图", "en": "Where problems are"},
    "trends_title": {"zh": "每周趋势", "en": "Weekly trends"},
    "ranking_title": {"zh": "网格排名", "en": "Grid ranking"},
    "layer": {"zh": "图层", "en": "Layer"},
    "layer_heat": {"zh": "热力图", "en": "Heatmap"},
    "layer_choropleth": {"zh": "网格统计", "en": "Counts per grid"},
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
    "outside_grids": {"zh": "网格外", "en": "Outside grids"},
    "heat_cells": {"zh": "热力点（已聚合）", "en": "Heat points (aggregated)"},
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
    "data_source": {"zh": "工作区：{ledger}（{n} 条记录，{grids} 个网格）",
                    "en": "Workspace: {ledger} ({n} records, {grids} grids)"},
    "include_suspect": {"zh": "包含可疑坐标点（{n} 条）", "en": "Include suspect points ({n})"},
    "include_suspect_help": {
        "zh": "同一坐标上堆积的多类别、多日期记录（常见于定位失败时使用默认地址），默认不计入统计，以免形成虚假热点。",
        "en": "Records piled on one identical coordinate across many days and categories (a default address used "
              "when GPS failed) are left out by default, so they do not make a false hotspot.",
    },
    "page_data": {"zh": "数据", "en": "Data"},
    "empty_workspace": {"zh": "工作区“{path}”还没有问题记录：请在“数据”页导入网格和台账。",
                        "en": "Workspace “{path}” holds no issues yet: import grids and a ledger on the Data page."},
    "data_title": {"zh": "数据导入", "en": "Import data"},
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
    "grid_report": {"zh": "网格：{n} 个，修复 {repaired} 个无效面，重叠 {overlaps} 处，空隙 {gaps} 处",
                    "en": "Grids: {n}, {repaired} invalid polygons repaired, {overlaps} overlaps, {gaps} gaps"},
    "load_error": {"zh": "无法读取数据：{error}", "en": "Cannot read the data: {error}"},
    "map_caption": {
        "zh": "热力图由服务器端聚合后的网格点绘制，最多 {cap:,} 个点；拖动或缩放地图不会重新计算。",
        "en": "The heatmap is drawn from server-side aggregated cells, at most {cap:,} points; "
              "panning or zooming does not re-run anything.",
    },
}


def t(key: str, lang: Lang = "zh", **fmt: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``fmt``.

    Raises
    ------
    KeyError
        For an unknown key (a typo must not show up as a blank label).
    """
    text = STRINGS[key][lang]
    return text.format(**fmt) if fmt else text


def map_labels(lang: Lang) -> dict[str, str]:
    """The labels the map components need, in ``lang``."""
    keys = ("grids", "grid", "grid_id", "community", "count", "heat", "choropleth",
            "heat_legend_title", "heat_low", "heat_high", "count_legend_title")
    return {k: t(k, lang) for k in keys}
