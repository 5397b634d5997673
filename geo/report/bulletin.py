"""The weekly bulletin (每周通报): an Excel workbook, a printable Chinese HTML page and its PDF.

``build_bulletin(dataset, "2026-W45")`` computes, for the ISO week (Monday to Sunday, local time) and
as of the following Monday 00:00: summary KPIs against the week before, the grid priority ranking
with reasons, the community league table, the overdue list (督办清单) and the new, consecutive and
intensifying hot spots. The HTML is self-contained (inline SVG map and trend chart, no scripts, no
external requests) and laid out for A4. Every piece of ledger text is HTML-escaped; every workbook
cell is neutralised against formula injection.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import jinja2
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from geo import localtime
from geo import schema as s
from geo.cube.dataset import Dataset
from geo.cube.filter import IssueFilter
from geo.forecast.methods import Method
from geo.ops.evaluation import evaluate, league
from geo.ops.priority import MIN_CATEGORY_ISSUES, Names, measure_grids, score
from geo.ops.profiles import DEFAULT_PROFILE, INDICATORS, PROFILES, SHOWN, Profile, formula, scoring_rule
from geo.ops.rectification import (
    KpiPolicy,
    deadline_lights,
    grade_rule,
    iso_week_bounds,
    kpi_table,
    league_order,
    with_community,
)
from geo.report.bulletin_words import WORDS, english
from geo.report.export import to_safe_xlsx
from geo.schema import SUSPECT_POINT
from geo.stats.hotspot_analysis import run_hotspots
from geo.stats.patrol_gap import patrol_gap

#: Emerging classes the bulletin reports (what a leader must act on this week).
REPORTED_CLASSES: Final = ("new_hot", "consecutive_hot", "intensifying_hot")
CLASS_ZH: Final = {"new_hot": "新增热点", "consecutive_hot": "连续热点", "intensifying_hot": "加剧热点"}
SUMMARY_ROWS: Final = (("reported", "上报"), ("due", "应结案"), ("closed", "结案"), ("close_rate", "结案率（%）"),
                       ("on_time_rate", "按期结案率（%）"), ("rework_rate", "返工率（%）"), ("overdue_open", "超期未结"),
                       ("median_days_to_close", "结案用时中位数（天）"))
TOP_GRIDS: Final = 10
#: A reported hot spot needs this many issues in its space-time window (see ``_hotspot_table``).
MIN_WINDOW_ISSUES: Final = 5
PALETTE: Final = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")


@dataclass(frozen=True)
class Bulletin:
    """The week's tables and the two files' contents."""

    week: str
    start: pd.Timestamp
    end: pd.Timestamp
    tables: dict[str, pd.DataFrame]
    workbook: bytes
    html: str

    def pdf(self) -> bytes:
        """The HTML page as an A4 PDF with its Chinese font embedded (about a second; see ``geo.report.pdf``)."""
        from geo.report.pdf import html_to_pdf

        return html_to_pdf(self.html)

    def write(self, out_dir: str | Path, *, pdf: bool = True) -> dict[str, Path]:
        """Write ``bulletin_<week>.xlsx``, ``.html`` and (unless ``pdf=False``) ``.pdf`` into ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"xlsx": out / f"bulletin_{self.week}.xlsx", "html": out / f"bulletin_{self.week}.html"}
        paths["xlsx"].write_bytes(self.workbook)
        paths["html"].write_text(self.html, encoding="utf-8")
        if pdf:
            paths["pdf"] = out / f"bulletin_{self.week}.pdf"
            paths["pdf"].write_bytes(self.pdf())
        return paths


def _live(dataset: Dataset) -> pd.DataFrame:
    issues = dataset.issues
    keep = issues[s.STATUS] != "void"
    if SUSPECT_POINT in issues:
        keep &= ~issues[SUSPECT_POINT].astype(bool)
    return with_community(issues[keep], dataset.grids)


def _hotspot_table(dataset: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    """New, consecutive and intensifying hot spots per category on 100 m cells, named by their grid.

    Counts and z are the final week's. Like the priorities, a category needs 30 issues before its Gi*
    classes are reported (on a handful of points the normal approximation invents hot spots).
    """
    rows = []
    flt_end = (end - pd.Timedelta(days=1)).date()
    live = _live(dataset)
    sizes = live.loc[live[s.REPORTED_AT] < end, s.CATEGORY].astype(str).value_counts()
    tree = shapely.STRtree(dataset.grids.geometry.to_numpy())
    for code in dataset.categories.codes:
        if sizes.get(code, 0) < MIN_CATEGORY_ISSUES:
            continue
        result = run_hotspots(dataset, IssueFilter(end=flt_end, categories=(code,)), cells="square", cell_size_m=100,
                              emerging=True)
        assert result.cube is not None and result.emerging is not None
        assert result.neighbours is not None
        # Issues in each cell's space-time window (its neighbours, this week and last): a "hot spot" made
        # of one or two reports in a quiet category is the normal approximation talking, not a place.
        window = np.asarray(result.neighbours.matrix @ result.cube[:, -2:]).sum(axis=1)
        chosen = np.flatnonzero(result.units["emerging"].isin(REPORTED_CLASSES).to_numpy()
                                & (window >= MIN_WINDOW_ISSUES))
        if len(chosen) == 0:
            continue
        # Each cell is named by the grid nearest its centre (an edge cell's centre may lie outside the street).
        points = shapely.centroid(result.units.geometry.to_numpy()[chosen])
        hit = tree.query_nearest(points, all_matches=False)
        grid_of = dict(zip(hit[0], dataset.grids[s.GRID_NAME].to_numpy()[hit[1]], strict=True))
        for k, i in enumerate(chosen):
            rows.append({"类型": CLASS_ZH[result.units["emerging"].iloc[i]], "问题类别": dataset.categories.name(code),
                         "网格": grid_of.get(k, ""), "单元": result.units["unit_id"].iloc[i],
                         "本周问题数": int(result.cube[i, -1]), "本周 z 值": round(float(result.emerging.z[i, -1]), 2)})
    cells = pd.DataFrame(rows, columns=["类型", "问题类别", "网格", "单元", "本周问题数", "本周 z 值"])
    # One line per grid and class: leaders act on grids, not on 100 m cells.
    table = cells.groupby(["类型", "问题类别", "网格"], as_index=False).agg(
        单元数=("单元", "size"), 本周问题数=("本周问题数", "sum"), 最高z值=("本周 z 值", "max"))
    # A grid whose hot cells got no report this week is hot through its neighbours: nothing to act on there.
    table = table[table["本周问题数"] > 0]
    table["_order"] = table["类型"].map({v: i for i, v in enumerate(CLASS_ZH.values())})
    table = table.sort_values(["_order", "最高z值", "网格"], ascending=[True, False, True], kind="stable")
    # Ordered by the strongest cell, but no z value printed: a leader reads classes and counts, not statistics.
    return table.drop(columns=["_order", "最高z值"]).reset_index(drop=True)


#: A cell whose indicator the ledger cannot give (as the page's 「无此信息」, never an empty 0).
NOT_GIVEN: Final = "无此信息"


def _evaluation_tables(dataset: Dataset, issues: pd.DataFrame, policy: KpiPolicy, profile: Profile,
                       start: pd.Timestamp, end: pd.Timestamp, reopened: set[str] | None) -> dict[str, pd.DataFrame]:
    """The week's 区域 (community) and 部门 evaluation under ``profile``, and the patrol's blind spots."""
    out = {}
    for title, subject, level, unit in (("考核评价（社区）", "area", s.COMMUNITY, "社区"),
                                        ("考核评价（部门）", "department", s.DEPARTMENT, "责任部门")):
        ev = evaluate(issues, dataset.grids, policy, profile, subject, level=level, start=start, end=end,  # type: ignore[arg-type]
                      reopened=reopened)
        table = league(ev.table)
        frame = pd.DataFrame({unit: table.index.astype(str)})
        for key in SHOWN[ev.subject]:
            rate = INDICATORS[key].kind == "rate"
            frame[INDICATORS[key].zh + ("（%）" if rate else "")] = pd.Series([
                NOT_GIVEN if not ev.given(key) else _round(float(v)) if rate else (None if pd.isna(v) else round(float(v)))
                for v in table[key]], index=frame.index)
        frame["综合得分"] = pd.Series([_round(float(v)) for v in table["composite"]], index=frame.index)
        frame["等级"] = table["grade"].to_numpy()
        frame["达标指数"] = [None if pd.isna(v) else round(float(v), 2) for v in table["index"]]
        out[title] = frame
    street = evaluate(issues, dataset.grids, policy, profile, "area", level="all", start=start, end=end,
                      reopened=reopened).table
    whole = street.iloc[0]
    out["达标指数"] = pd.DataFrame({"范围": ["全街道"], "综合得分": [_round(float(whole["composite"]))],
                                "等级": [whole["grade"]],
                                "达标指数": [None if pd.isna(whole["index"]) else round(float(whole["index"]), 2)],
                                "达标情况": [{"on": "达标", "near": "接近", "below": "未达标"}.get(whole["light"], "")]})
    year = issues[(issues[s.REPORTED_AT] >= localtime.add_days(end, -365)) & (issues[s.REPORTED_AT] < end)]
    gap = patrol_gap(year[s.GRID_ID], year[s.SOURCE])
    flagged = gap.table[gap.table["blind_spot"]].sort_values("share", ascending=False)
    names = dataset.grids.set_index(s.GRID_ID)
    out["巡查盲区"] = pd.DataFrame({
        "网格": flagged.index.map(names[s.GRID_NAME]), "社区": flagged.index.map(names[s.COMMUNITY]),
        "巡查发现": flagged["found"].to_numpy(), "他人上报": flagged["reported"].to_numpy(),
        "他人上报占比（%）": flagged["share"].round(1).to_numpy(),
        "其余网格（%）": flagged["rest_share"].round(1).to_numpy(),
        "是其余网格的倍数": flagged["ratio"].round(2).to_numpy(),
        "可能范围": [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(flagged["low"], flagged["high"], strict=True)]})
    return out


def build_bulletin(dataset: Dataset, week: str, *, policy: KpiPolicy | None = None,
                   reopened: set[str] | None = None, method: Method | Literal["auto"] = "auto",
                   profile: Profile | None = None, lang: Literal["zh", "en"] = "zh") -> Bulletin:
    """Everything the week's bulletin holds, in Chinese (the default) or English (``lang``: one template, the
    same figures; the ledger's names stay as written).

    ``method`` is the forecast method of the priority ranking (``"auto"``: the backtest winner on the
    history before the week ends; the dashboard passes the winner its 预测检验 page shows). ``profile``
    is the evaluation profile of the 考核评价 section (the workspace's; the product's own by default).

    Raises
    ------
    ValueError
        For a malformed week or a week after the data ends.
    """
    start, end = iso_week_bounds(week, str(dataset.issues[s.REPORTED_AT].dt.tz))
    if start > dataset.issues[s.REPORTED_AT].max():
        raise ValueError(f"week {week} starts after the last report ({dataset.issues[s.REPORTED_AT].max().date()})")
    policy = policy or KpiPolicy(dataset.categories)
    issues = _live(dataset)
    this = kpi_table(issues, policy, start=start, end=end, reopened=reopened).iloc[0]
    last = kpi_table(issues, policy, start=localtime.add_days(start, -7), end=start, reopened=reopened).iloc[0]
    summary = pd.DataFrame({
        "指标": [label for _, label in SUMMARY_ROWS],
        "本周": [_round(this[k]) for k, _ in SUMMARY_ROWS],
        "上周": [_round(last[k]) for k, _ in SUMMARY_ROWS],
        "变化": [_round(this[k] - last[k]) for k, _ in SUMMARY_ROWS],
    }, dtype=object)
    names = dataset.grids.set_index(s.GRID_ID)
    ranked = score(measure_grids(dataset, end, policy=policy, method=method), names=Names.of(dataset.categories))
    ranking = pd.DataFrame({"排名": ranked["rank"], "网格": ranked[s.GRID_ID].map(names[s.GRID_NAME]),
                            "社区": ranked[s.GRID_ID].map(names[s.COMMUNITY]), "得分": ranked["score"].round(1),
                            "主要原因": ranked["reasons_zh"], "超期未结": ranked["overdue"], "未结问题": ranked["open"]})
    league = kpi_table(issues, policy, start=start, end=end, by=s.COMMUNITY, reopened=reopened)
    league = league_order(league[league[s.COMMUNITY] != ""], s.COMMUNITY)
    league = pd.DataFrame({"社区": league[s.COMMUNITY], "上报": league["reported"], "应结案": league["due"],
                           "结案率（%）": league["close_rate"].round(1), "按期结案率（%）": league["on_time_rate"].round(1),
                           # Every term of the printed rule, so a reader can recompute the grade from the page.
                           "返工率（%）": league["rework_rate"].round(1), "超期未结": league["overdue_open"],
                           "超期占比（%）": league["overdue_share"].round(1), "综合得分": league["score"].round(1),
                           "等级": league["grade"]})
    lights = deadline_lights(issues, policy, end)
    red = lights[lights["light"] == "red"]
    overdue = pd.DataFrame({"问题编号": red[s.ISSUE_ID], "问题类别": red[s.CATEGORY].map(dataset.categories.name),
                            "网格": red[s.GRID_ID].map(names[s.GRID_NAME]), "责任部门": red[s.DEPARTMENT],
                            "上报时间": red[s.REPORTED_AT].dt.strftime("%Y-%m-%d %H:%M"),
                            "处置时限": red["deadline"].dt.strftime("%Y-%m-%d %H:%M"),
                            "超期天数": red["days_overdue"].round(1), "地址": red[s.ADDRESS],
                            "问题描述": red[s.DESCRIPTION]})
    hotspots = _hotspot_table(dataset, end)
    profile = profile or PROFILES[DEFAULT_PROFILE]
    evaluation = _evaluation_tables(dataset, issues, policy, profile, start, end, reopened)
    tables = {"汇总": summary, "网格排名": ranking, "社区排名": league, "督办清单": overdue, "新增与加剧热点": hotspots,
              **evaluation}
    tables = {k: v.reset_index(drop=True) for k, v in tables.items()}
    weekly = _weekly(issues, dataset, end, lang=lang)
    shown = tables
    if lang == "en":
        table = dataset.categories.table
        shown = english(tables, reasons_en=ranked["reasons_en"],
                        categories_en=dict(zip(table["name_zh"].astype(str), table["name_en"].astype(str), strict=True)))
    page = _html(dataset, week, start, end, tables, shown, ranked, weekly, profile, lang)
    return Bulletin(week, start, end, shown, to_safe_xlsx(shown), page)


def _round(v: object) -> object:
    """Counts as int, rates and days to one decimal, missing as None (an empty cell)."""
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        if not np.isfinite(v):
            return None
        r = round(float(v), 1)
        return 0.0 if r == 0 else r  # never "-0.0": a change of -0.04 points is no change
    return v


def _weekly(issues: pd.DataFrame, dataset: Dataset, end: pd.Timestamp, weeks: int = 12,
            lang: Literal["zh", "en"] = "zh") -> pd.DataFrame:
    """Issues per week (rows: week start) for the three most frequent categories and all, last ``weeks``."""
    start = localtime.add_days(end, -7 * weeks)
    recent = issues[(issues[s.REPORTED_AT] >= start) & (issues[s.REPORTED_AT] < end)]
    # Local calendar weeks: seven days from midnight, not 168 hours (a clock change moves those by one).
    k = pd.Series((localtime.local_days(recent[s.REPORTED_AT]) - localtime.day_number(start)) // 7, index=recent.index)
    top = recent[s.CATEGORY].value_counts().index[:3]
    out = pd.DataFrame({"全部" if lang == "zh" else "All": k.value_counts().reindex(range(weeks), fill_value=0)})
    for code in top:
        out[dataset.categories.name(str(code), lang=lang)] = k[recent[s.CATEGORY] == code].value_counts().reindex(
            range(weeks), fill_value=0)
    out.index = [localtime.add_days(start, 7 * i).date() for i in range(weeks)]
    return out


def _svg_map(dataset: Dataset, ranked: pd.DataFrame, width: int = 640, height: int = 440, *,
             legend: str = "优先级得分（低 → 高）", aria: str = "网格优先级地图") -> str:
    """Grids coloured by priority score (five classes), top five labelled with their rank. No scripts."""
    grids = dataset.grids
    minx, miny, maxx, maxy = grids.total_bounds
    kx = np.cos(np.radians((miny + maxy) / 2))
    scale = min((width - 20) / ((maxx - minx) * kx), (height - 20) / (maxy - miny))

    def xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return 10 + (lon - minx) * kx * scale, height - 10 - (lat - miny) * scale

    by_id = ranked.set_index(s.GRID_ID)
    cuts = np.quantile(by_id["score"], [0.2, 0.4, 0.6, 0.8]) if len(by_id) else np.array([])
    parts = []
    fills: list[str] = []
    for gid, geom in zip(grids[s.GRID_ID], grids.geometry, strict=True):
        value = float(by_id["score"].get(gid, 0.0))
        colour = PALETTE[int(np.searchsorted(cuts, value, side="right"))]
        fills.append(colour)
        d = []
        for poly in getattr(shapely.simplify(geom, 1e-5), "geoms", [shapely.simplify(geom, 1e-5)]):
            for ring in [poly.exterior, *poly.interiors]:
                x, y = xy(*np.asarray(ring.coords).T)
                d.append("M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True)) + "Z")
        title = html.escape(f"{names_get(grids, gid)}：{value:.1f}")
        parts.append(f'<path d="{" ".join(d)}" fill="{colour}" stroke="#555" stroke-width="0.6" '
                     f'fill-rule="evenodd"><title>{title}</title></path>')
    # Grid names (without their community's prefix, as on the dashboard's map) so a printed map can be read
    # without the screen; the priority numbers are drawn over them.
    points = shapely.point_on_surface(grids.geometry.to_numpy())
    px, py = xy(shapely.get_x(points), shapely.get_y(points))
    for name, community, x0, y0, fill in zip(grids[s.GRID_NAME].fillna(grids[s.GRID_ID]).astype(str),
                                             grids[s.COMMUNITY] if s.COMMUNITY in grids else [None] * len(grids),
                                             px, py, fills, strict=True):
        short = name[len(community):] if isinstance(community, str) and community and name.startswith(community) \
            and len(name) > len(community) else name
        # Plain text (the PDF renderer draws no halo): white on the two darkest classes, dark on the rest.
        ink = "#ffffff" if fill in PALETTE[3:] else "#222222"
        parts.append(f'<text x="{x0:.1f}" y="{y0 + 18:.1f}" font-size="8" text-anchor="middle" '
                     f'fill="{ink}">{html.escape(short)}</text>')
    for _, row in ranked.nsmallest(5, "rank").iterrows():
        geom = grids.loc[grids[s.GRID_ID] == row[s.GRID_ID], "geometry"]
        if geom.empty:
            continue
        p = geom.iloc[0].representative_point()
        x, y = xy(np.array([p.x]), np.array([p.y]))
        parts.append(f'<circle cx="{x[0]:.1f}" cy="{y[0]:.1f}" r="9" fill="#08306b"/>'
                     f'<text x="{x[0]:.1f}" y="{y[0] + 4:.1f}" font-size="11" text-anchor="middle" fill="#fff">'
                     f'{int(row["rank"])}</text>')
    boxes = "".join(f'<rect x="{width - 150 + i * 26}" y="{height - 26}" width="24" height="12" fill="{c}" '
                    f'stroke="#555" stroke-width="0.5"/>' for i, c in enumerate(PALETTE))
    boxes += f'<text x="{width - 150}" y="{height - 30}" font-size="11">{html.escape(legend)}</text>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{html.escape(aria)}">{"".join(parts)}{boxes}</svg>')


def names_get(grids: pd.DataFrame, gid: object) -> str:
    """A grid's name (its id when unnamed)."""
    match = grids.loc[grids[s.GRID_ID] == gid, s.GRID_NAME]
    return str(match.iloc[0]) if len(match) and pd.notna(match.iloc[0]) else str(gid)


def _svg_trend(weekly: pd.DataFrame, width: int = 640, height: int = 240, *, aria: str = "近 12 周问题数") -> str:
    """Weekly counts as lines (Okabe-Ito colours), week labels under the axis."""
    colours = ("#000000", "#E69F00", "#56B4E9", "#009E73")
    top = max(float(weekly.to_numpy().max()), 1.0)
    n = len(weekly)
    left, right, bottom, upper = 40, 10, 30, 20

    def x(i: int) -> float:
        return left + i * (width - left - right) / max(n - 1, 1)

    def y(v: float) -> float:
        return height - bottom - v / top * (height - bottom - upper)

    parts = [f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#999"/>',
             f'<text x="{left - 4}" y="{y(top) + 4:.1f}" font-size="10" text-anchor="end">{int(top)}</text>',
             f'<text x="{left - 4}" y="{y(0) + 4:.1f}" font-size="10" text-anchor="end">0</text>']
    for i, label in enumerate(weekly.index):
        if i % 2 == 0 or i == n - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" font-size="9" text-anchor="middle">'
                         f'{label.month}/{label.day}</text>')
    for k, (name, series) in enumerate(weekly.items()):
        pts = " ".join(f"{x(i):.1f},{y(float(v)):.1f}" for i, v in enumerate(series))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colours[k % 4]}" stroke-width="2"/>')
        parts.append(f'<text x="{left + 8 + k * 120}" y="12" font-size="11" fill="{colours[k % 4]}">'
                     f'■ {html.escape(str(name))}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{html.escape(aria)}">{"".join(parts)}</svg>')


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    """The table's cells as text, missing values empty (the template escapes them)."""
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


#: The page template: Jinja2 with autoescape, so ledger text can only ever be text.
_TEMPLATES: Final = jinja2.Environment(loader=jinja2.PackageLoader("geo.report", "templates"),
                                       autoescape=True, undefined=jinja2.StrictUndefined)


#: The rule that gives the printed grades, written from the weights, bands and caps that compute them (it
#: printed an older composite without the overdue share and the caps, beside the dashboard's grades).
GRADE_NOTE: Final = grade_rule("zh")
CSS: Final = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       color: #222; font-size: 12px; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 20px; text-align: center; margin: 6px 0 2px; }
.sub { text-align: center; color: #555; margin-bottom: 10px; }
h2 { font-size: 15px; border-left: 4px solid #b2182b; padding-left: 6px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.note { color: #666; font-size: 11px; }
.lead { font-size: 13px; }
/* Sections run on across pages (a long league table must not leave a blank page behind it);
   a heading stays with what follows, and a figure is never cut. */
h2 { break-after: avoid; }
svg, .lead { break-inside: avoid; }
"""


def _html(dataset: Dataset, week: str, start: pd.Timestamp, end: pd.Timestamp, tables: dict[str, pd.DataFrame],
          shown: dict[str, pd.DataFrame], ranked: pd.DataFrame, weekly: pd.DataFrame, profile: Profile,
          lang: Literal["zh", "en"] = "zh") -> str:
    """The page: figures read from the Chinese ``tables``, the sections from ``shown`` (the same in ``lang``)."""
    zh = lang == "zh"
    w = WORDS[lang]
    last_day = (end - pd.Timedelta(days=1)).date()
    street = ""
    if s.STREET in dataset.grids and dataset.grids[s.STREET].notna().any():
        street = str(dataset.grids[s.STREET].dropna().iloc[0])
    summary = tables["汇总"].set_index("指标")
    this, last = summary["本周"], summary["上周"]
    if zh:
        lead = (f"本周（{start.date()} 至 {last_day}）共上报问题 {this['上报']} 件，"
                f"上周 {last['上报']} 件；应结案 {this['应结案']} 件，结案率 {this['结案率（%）']}%，"
                f"按期结案率 {this['按期结案率（%）']}%；截至 {end.date()} 超期未结 {this['超期未结']} 件。")
    else:
        lead = (f"This week ({start.date()} to {last_day}) {this['上报']} cases were reported, against {last['上报']} "
                f"the week before; {this['应结案']} were due, close rate {this['结案率（%）']} %, on-time rate "
                f"{this['按期结案率（%）']} %; {this['超期未结']} open past their deadline on {end.date()}.")
    names = list(shown)
    ranking = shown[names[1]].head(3)
    grid_col, reason_col = ranking.columns[1], ranking.columns[4]
    focus = ("；" if zh else "; ").join(f"{r[grid_col]}（{r[reason_col]}）" if zh else f"{r[grid_col]} ({r[reason_col]})"
                                         for _, r in ranking.iterrows())
    hot = tables["新增与加剧热点"]
    # The same analysis as the 热点 page with 100 m squares and the emerging view, one category at a time:
    # the bulletin says so, so a leader finds these cells there (one meaning of "hotspot" in the product).
    if zh:
        where = ("按问题类别、100 米方格逐周计算，与「热点」页选分析单元「方格」、大小「100 米」、"
                 "查看「聚集的变化」所见相同。")
        hot_line = (f"本周新增、连续或加剧热点的网格 {len(hot)} 处（每行汇总该网格内的热点方格）；{where}" if len(hot)
                    else f"本周没有新增、连续或加剧的热点；{where}")
    else:
        where = ("computed per category on 100 m squares week by week, as the Hotspots page shows with units "
                 "\"Squares\", size \"100 m\" and the view \"How clusters change\".")
        hot_line = (f"{len(hot)} grids with new, consecutive or intensifying hot spots this week (each row sums the "
                    f"grid's hot cells); {where}" if len(hot) else f"No new, consecutive or intensifying hot spots this "
                    f"week; {where}")
    sections = dict(zip(("summary", "ranking", "league", "overdue", "hotspots", "area", "department", "index", "gaps"),
                        shown.values(), strict=True))
    overdue = sections["overdue"]
    return _TEMPLATES.get_template("bulletin.html").render(
        w=w, street=street, week=week, first_day=start.date(), last_day=last_day, as_of=end.date(), css=Markup(CSS),
        lead=lead, focus=focus, hot_line=hot_line, sections=sections,
        overdue=overdue.drop(columns=[overdue.columns[-1]]),  # the description: in the workbook, not on paper
        top_grids=TOP_GRIDS, grade_note=grade_rule(lang), cells=_cells, profile=profile.title(lang),
        area_rule=formula(profile, "area", lang), department_rule=formula(profile, "department", lang),
        index_rule=scoring_rule(lang),
        # Built here from escaped text (see _svg_map, _svg_trend): the only markup the template does not escape.
        map_svg=Markup(_svg_map(dataset, ranked, legend=w["legend"], aria=w["map_label"])),
        trend_svg=Markup(_svg_trend(weekly, aria=w["trend_label"])))
