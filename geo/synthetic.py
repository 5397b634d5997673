"""A deterministic, seeded generator of a realistic sample street: grids, ledger, ground truth.

One generator serves the bundled sample data, tests, benchmarks and notebooks. Everything is drawn
from one ``numpy.random.Generator``; the same seed gives byte-identical files.

The street (青石街道) is fictional but placed in Hefei's Shushan district (county code 340104):
six communities, about 35 irregular grids that tile the street exactly, and a year of patrol
ledger with planted hotspots whose truth is written beside the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import schema as s
from geo.categories import read_categories

DEFAULT_SEED: Final = 20251103
COUNTY_CODE: Final = "340104"  # 合肥市蜀山区 (GB/T 2260)
STREET_CODE: Final = "012"  # fictional street sequence inside the county
STREET_NAME: Final = "青石街道"
CENTRE_LONLAT: Final = (117.2530, 31.8490)
METRIC_EPSG: Final = 32650  # UTM 50N holds 117.25 E
COMMUNITY_NAMES: Final = ("青石社区", "荷花塘社区", "望江社区", "新华社区", "杏林社区", "南湖社区")
START: Final = pd.Timestamp("2025-11-03", tz=s.DEFAULT_TZ)  # a Monday
END: Final = pd.Timestamp("2026-11-16", tz=s.DEFAULT_TZ)  # exclusive; 54 whole weeks
EXPORT_AT: Final = pd.Timestamp("2026-11-16 09:00", tz=s.DEFAULT_TZ)  # when the clerk exported
CAMPAIGN_START: Final = pd.Timestamp("2026-05-11", tz=s.DEFAULT_TZ)  # 专项整治 begins
FADED_LEVEL: Final = 0.5  # the fading hotspot's weekly rate after the campaign, relative to before
METRO_OPENING: Final = pd.Timestamp("2026-06-01", tz=s.DEFAULT_TZ)

#: Ledger headers as a patrol app exports them (Chinese, in this order).
LEDGER_HEADERS: Final = (
    "问题编号", "问题类型", "上报时间", "经度", "纬度", "地址", "问题描述", "处置状态", "处置方式",
    "责任部门", "问题来源", "所属社区", "所属网格", "截止时间", "办结时间",
)

# Share of background issues per category (sums to 1), as seen in 创文 patrol ledgers.
_MIX: Final = {
    "parking": 0.25, "litter": 0.22, "street_vending": 0.11, "clutter": 0.10, "posters": 0.10,
    "illegal_structure": 0.07, "flying_cables": 0.05, "road_damage": 0.04, "bare_soil": 0.02,
    "other": 0.04,
}
_RAW_LABELS: Final = {
    "parking": ("机动车乱停放", "非机动车乱停放", "共享单车乱停放", "乱停乱放"),
    "litter": ("暴露垃圾", "卫生死角", "道路不洁", "垃圾满溢"),
    "street_vending": ("占道经营", "出店经营", "流动摊贩"),
    "clutter": ("乱堆乱放", "楼道堆物"),
    "posters": ("牛皮癣", "非法小广告"),
    "illegal_structure": ("私搭乱建", "违章搭建"),
    "flying_cables": ("飞线充电", "私拉电线"),
    "road_damage": ("路面破损", "井盖破损"),
    "bare_soil": ("黄土裸露",),
    "other": ("其他",),
}
_DETAILS: Final = {
    "parking": ("机动车占用人行道停放", "非机动车堆放堵塞通道", "共享单车成堆摆放", "车辆占用消防通道"),
    "litter": ("路边堆有生活垃圾", "绿化带内有垃圾", "垃圾桶满溢未清运", "墙角卫生死角"),
    "street_vending": ("流动摊贩占道卖菜", "商户出店经营", "夜市摊点占用人行道"),
    "clutter": ("楼道内堆放杂物", "门前乱堆建材", "废旧家具堆放"),
    "posters": ("电线杆上张贴小广告", "墙面喷涂办证广告", "单元门口小广告"),
    "illegal_structure": ("屋顶加建彩钢棚", "院内违规搭建", "沿街私搭雨棚"),
    "flying_cables": ("楼上飞线给电动车充电", "私拉电线充电"),
    "road_damage": ("人行道地砖破损", "井盖缺失", "路面坑洼"),
    "bare_soil": ("绿地黄土裸露", "施工后裸土未覆盖"),
    "other": ("路灯不亮", "树枝遮挡标志"),
}
_STATUS_RAW: Final = {
    "open": "待处置", "assigned": "处置中", "rectified": "待核查", "closed": "已办结", "void": "已作废",
}
_HANDLING_RAW: Final = {"on_site": "立行立改", "referred": "派遣处置"}
_SOURCE_RAW: Final = {
    "patrol": "网格巡查", "supervision": "督导检查", "hotline": "12345热线", "public": "群众举报",
    "video": "视频巡查",
}
_SOURCE_P: Final = {"patrol": 0.60, "supervision": 0.12, "hotline": 0.15, "public": 0.08, "video": 0.05}
_ON_SITE_P: Final = {
    "parking": 0.45, "litter": 0.80, "street_vending": 0.40, "clutter": 0.70, "posters": 0.85,
    "illegal_structure": 0.05, "flying_cables": 0.70, "road_damage": 0.05, "bare_soil": 0.10,
    "other": 0.50,
}
_DEPARTMENT: Final = {
    "parking": ("交警大队", "城管执法中队"), "litter": ("环卫所",), "street_vending": ("城管执法中队", "市场监管所"),
    "clutter": ("物业公司", "社区居委会"), "posters": ("环卫所",), "illegal_structure": ("城管执法中队",),
    "flying_cables": ("物业公司", "消防救援站"), "road_damage": ("市政养护所",), "bare_soil": ("园林绿化所",),
    "other": ("街道综合执法队",),
}
_ROADS: Final = (
    "青石路", "荷花路", "望江西路", "新华街", "杏林路", "南湖路", "潜山路", "黄山路", "科学大道",
    "长江西路", "合作化路", "翡翠路", "玉兰巷", "竹林巷", "梅园路", "石门巷",
)
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN: Final = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "霞", "平", "刚")


@dataclass(frozen=True)
class PlantedHotspot:
    """A hotspot planted in the sample ledger; written to ``ground_truth.json``."""

    name: str
    label_zh: str
    kind: str  # persistent | emerging | fading
    categories: tuple[str, ...]
    grid_id: str
    lon: float
    lat: float
    sigma_m: float
    n_issues: int
    notes: str = ""


@dataclass(frozen=True)
class SampleStreet:
    """The generated street: grid polygons, the ledger as exported, and the planted truth."""

    grids: gpd.GeoDataFrame
    ledger: pd.DataFrame
    hotspots: tuple[PlantedHotspot, ...]
    suspect_pile: dict[str, Any]
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        """Ground truth as a JSON-ready dict."""
        return {
            "seed": self.seed,
            "street": STREET_NAME,
            "county_code": COUNTY_CODE,
            "period": {"start": START.isoformat(), "end_exclusive": END.isoformat(),
                       "exported_at": EXPORT_AT.isoformat()},
            "campaign_start": CAMPAIGN_START.isoformat(),
            "hotspots": [h.__dict__ | {"categories": list(h.categories)} for h in self.hotspots],
            "suspect_pile": self.suspect_pile,
            **self.extra,
        }


# --- geometry ------------------------------------------------------------------------------

def _street_boundary(rng: np.random.Generator) -> shapely.Polygon:
    """An irregular, roughly elliptic street outline of about 6.5 km² (metres, local origin)."""
    n = 18
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radius = 1.0 + rng.normal(0, 0.08, n)
    xy = np.column_stack([1650 * radius * np.cos(angles), 1300 * radius * np.sin(angles)])
    return shapely.make_valid(shapely.Polygon(xy)).buffer(0)


def _tile(boundary: shapely.Polygon, rng: np.random.Generator, n_grids: int) -> list[shapely.Polygon]:
    """Tile ``boundary`` with ``n_grids`` Lloyd-relaxed Voronoi cells (gapless, non-overlapping)."""
    minx, miny, maxx, maxy = boundary.bounds
    seeds = np.empty((0, 2))
    while len(seeds) < n_grids:
        cand = rng.uniform([minx, miny], [maxx, maxy], size=(4 * n_grids, 2))
        inside = shapely.contains_xy(boundary, cand[:, 0], cand[:, 1])
        seeds = np.vstack([seeds, cand[inside]])[:n_grids]
    extent = boundary.buffer(2000).envelope
    cells: list[shapely.Polygon] = []
    for _ in range(12):  # Lloyd relaxation: even, realistic sizes
        diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent)
        raw = [shapely.intersection(c, boundary) for c in shapely.get_parts(diagram)]
        # voronoi_polygons returns cells in arbitrary order: match them back to their seeds.
        order = [int(np.flatnonzero(shapely.contains_xy(c, seeds[:, 0], seeds[:, 1]))[0]) for c in
                 shapely.get_parts(diagram)]
        cells = [raw[order.index(i)] for i in range(n_grids)]
        seeds = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    # A common 1 cm precision grid makes shared edges bit-identical in every neighbour.
    return [shapely.set_precision(c, 0.01) for c in cells]


def _communities(centroids: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """Group grid centroids into ``k`` contiguous communities (seeded k-means)."""
    centres = centroids[rng.choice(len(centroids), k, replace=False)]
    for _ in range(50):
        label = np.argmin(((centroids[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([centroids[label == j].mean(0) if (label == j).any() else centres[j]
                            for j in range(k)])
    # Number communities north-west first, as grid codes are numbered.
    rank = np.lexsort((centres[:, 0], -np.round(centres[:, 1] / 400)))
    relabel = np.empty(k, dtype=int)
    relabel[rank] = np.arange(k)
    return relabel[label]


def _person(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(_GIVEN, size=int(rng.integers(1, 3))))
    return str(rng.choice(list(_SURNAMES))) + given


def make_grids(rng: np.random.Generator, *, n_grids: int = 35) -> tuple[gpd.GeoDataFrame, shapely.Polygon]:
    """Grid polygons (metric CRS) with national-pattern codes, names, communities and cadres."""
    boundary = _street_boundary(rng)
    cells = _tile(boundary, rng, n_grids)
    centroids = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    community = _communities(centroids, rng, len(COMMUNITY_NAMES))
    rows = []
    for j, cname in enumerate(COMMUNITY_NAMES):
        members = np.flatnonzero(community == j)
        # Inside a community, number grids north to south, then west to east (Beijing DB11/T 2157).
        members = members[np.lexsort((centroids[members, 0], -np.round(centroids[members, 1] / 300)))]
        for seq, i in enumerate(members, start=1):
            cadres = "、".join(_person(rng) for _ in range(int(rng.integers(2, 4))))
            rows.append({
                s.GRID_ID: f"{COUNTY_CODE}{STREET_CODE}{j + 1:03d}{seq:03d}",
                s.GRID_NAME: f"{cname}第{seq}网格",
                s.COMMUNITY: cname,
                s.STREET: STREET_NAME,
                s.CADRES: cadres,
                "geometry": cells[i],
            })
    grids = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_EPSG)
    return grids.sort_values(s.GRID_ID).reset_index(drop=True), boundary


# --- ledger --------------------------------------------------------------------------------

#: Draws ``m`` candidate points (metres) with the given generator.
Sampler = Callable[[np.random.Generator, int], np.ndarray]


def _sample_in(polygon: shapely.Geometry, rng: np.random.Generator, n: int,
               sampler: Sampler) -> np.ndarray:
    """Draw ``n`` points from ``sampler(rng, m)`` restricted to ``polygon`` (rejection).

    Points keep 0.5 m from the edge: the ledger stores 6 decimals of a degree (about 0.1 m), and a
    point on the edge could otherwise round into the next grid or out of the street.
    """
    inner = shapely.buffer(polygon, -0.5)
    out = np.empty((0, 2))
    while len(out) < n:
        cand = sampler(rng, max(64, 2 * (n - len(out))))
        keep = shapely.contains_xy(inner, cand[:, 0], cand[:, 1])
        out = np.vstack([out, cand[keep]])
    return out[:n]


def _blob_sampler(cx: float, cy: float, sigma: float) -> Sampler:
    """Points around ``(cx, cy)`` with a Gaussian spread of ``sigma`` metres."""
    return lambda r, m: r.normal([cx, cy], sigma, size=(m, 2))


def _alley_sampler(cx: float, cy: float) -> Sampler:
    """Points along a 220 m alley through ``(cx, cy)`` with little spread across it."""
    def sample(r: np.random.Generator, m: int) -> np.ndarray:
        along = r.uniform(-110, 110, m)
        return np.column_stack([cx + along * 0.8 + r.normal(0, 12, m), cy + along * 0.6 + r.normal(0, 12, m)])
    return sample


def _week_weights(kind: str, weeks: pd.DatetimeIndex) -> np.ndarray:
    """Relative weekly intensity of a hotspot of the given kind."""
    t = np.arange(len(weeks), dtype=float)
    if kind == "persistent":
        return np.ones_like(t)
    if kind == "emerging":  # nothing before the metro opens, then a steady climb
        after = np.asarray(weeks >= METRO_OPENING)
        ramp = np.cumsum(after)
        return np.where(after, ramp, 0.0)
    if kind == "fading":
        # Strong until the campaign, then a quick fall to about half: campaigns cut 牛皮癣, they rarely
        # end it. Still significantly hot at the end, so Esri's "diminishing hot" (docs/hotspots.md).
        since = (weeks - CAMPAIGN_START) / pd.Timedelta(days=7)
        since = np.asarray(since, dtype=float)
        return np.where(since < 0, 1.0, FADED_LEVEL + (1.0 - FADED_LEVEL) * np.exp(-since / 2.0))
    raise ValueError(f"unknown hotspot kind {kind!r}; known: persistent, emerging, fading")


def _times(rng: np.random.Generator, n: int, week_weights: np.ndarray,
           seasonal: np.ndarray | None = None) -> pd.DatetimeIndex:
    """Report times: week by weight, weekdays busier, patrol hours 8-18."""
    weeks = pd.date_range(START, END, freq="7D", inclusive="left")
    w = week_weights * (seasonal if seasonal is not None else 1.0)
    week = rng.choice(len(weeks), size=n, p=w / w.sum())
    day = rng.choice(7, size=n, p=np.array([1.15, 1.15, 1.1, 1.1, 1.05, 0.75, 0.7]) / 7.0)
    hour = rng.normal(12.5, 3.2, size=n)
    odd = (hour < 6.5) | (hour > 22.5)  # redraw night-time draws inside working hours
    hour[odd] = rng.uniform(7.0, 19.0, size=int(odd.sum()))
    offset = pd.to_timedelta(day * 86400 + np.round(hour * 3600), unit="s")
    return weeks[week] + offset


def _utc(times: pd.DatetimeIndex) -> np.ndarray:
    """Naive UTC datetime64 values (for concatenating times drawn in pieces)."""
    return times.tz_convert("UTC").tz_localize(None).to_numpy()


def _seasonality(weeks: pd.DatetimeIndex, category: str) -> np.ndarray:
    """Litter peaks in summer, posters around the Spring Festival; a mild trend elsewhere."""
    doy = np.asarray(weeks.day_of_year, dtype=float)
    if category == "litter":
        return 1.0 + 0.35 * np.cos(2 * np.pi * (doy - 200) / 365.25)
    if category == "posters":
        return 1.0 + 0.25 * np.cos(2 * np.pi * (doy - 40) / 365.25)
    return np.ones(len(weeks))


def generate_sample(seed: int = DEFAULT_SEED, *, n_background: int = 19_000) -> SampleStreet:
    """Generate the sample street.

    Parameters
    ----------
    seed
        Seed of the single random generator; equal seeds give equal output.
    n_background
        Background (non-hotspot) issues; hotspots add about 2,300 more.

    Returns
    -------
    SampleStreet
        Grids in WGS84, the ledger with Chinese headers (strings as exported), planted truth.
    """
    rng = np.random.default_rng(seed)
    categories = read_categories()
    grids_m, boundary = make_grids(rng)
    to_wgs = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)
    to_m = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
    ox, oy = to_m.transform(*CENTRE_LONLAT)
    grids_m = grids_m.set_geometry(grids_m.geometry.translate(ox, oy))
    boundary = shapely.affinity.translate(boundary, ox, oy)
    weeks = pd.date_range(START, END, freq="7D", inclusive="left")

    # Where the hotspots sit: the grid whose inscribed centre is nearest a planned spot.
    labels = shapely.maximum_inscribed_circle(grids_m.geometry.to_numpy(), tolerance=1.0)
    labels = shapely.get_point(labels, 0)
    lab_xy = np.column_stack([shapely.get_x(labels), shapely.get_y(labels)])

    def grid_near(dx: float, dy: float, taken: set[int]) -> int:
        d = np.hypot(lab_xy[:, 0] - (ox + dx), lab_xy[:, 1] - (oy + dy))
        for i in np.argsort(d):
            if int(i) not in taken:
                taken.add(int(i))
                return int(i)
        raise RuntimeError("more hotspots than grids")

    taken: set[int] = set()
    plans = [
        ("wet_market", "青石农贸市场", "persistent", ("street_vending", "litter"), (-700, 350), 45.0, 720,
         "菜市场周边占道经营与暴露垃圾，全年持续"),
        ("back_alleys", "石门巷城中村", "persistent", ("illegal_structure",), (800, -450), 70.0, 260,
         "城中村背街小巷私搭乱建，沿巷道线状分布"),
        ("residential_parking", "荷花苑小区", "persistent", ("parking",), (-300, -750), 55.0, 460,
         "老旧小区周边机动车乱停放"),
        ("metro_exit", "地铁杏林站出口", "emerging", ("parking",), (950, 550), 40.0, 420,
         "地铁站 2026-06-01 开通后共享单车乱停放逐周增加"),
        ("commercial_street", "新华街商业街", "fading", ("posters",), (50, 700), 35.0, 520,
         "牛皮癣集中，2026-05-11 专项整治后明显减少（约减半），未根除"),
    ]
    pts: list[np.ndarray] = []
    cats: list[np.ndarray] = []
    times: list[np.ndarray] = []  # naive UTC, joined and localised at the end
    hotspots: list[PlantedHotspot] = []
    for name, label, kind, hcats, (dx, dy), sigma, n, notes in plans:
        gi = grid_near(dx, dy, taken)
        cx, cy = lab_xy[gi]
        poly = grids_m.geometry.iloc[gi]
        sampler = _alley_sampler(cx, cy) if name == "back_alleys" else _blob_sampler(cx, cy, sigma)
        xy = _sample_in(poly, rng, n, sampler)
        pts.append(xy)
        cats.append(rng.choice(list(hcats), size=n))
        times.append(_utc(_times(rng, n, _week_weights(kind, weeks))))
        lon, lat = to_wgs.transform(cx, cy)
        hotspots.append(PlantedHotspot(name, label, kind, hcats, str(grids_m[s.GRID_ID].iloc[gi]),
                                       round(lon, 6), round(lat, 6), sigma, n, notes))

    # Background: half uniform over the street, half around a dozen activity centres.
    centres = _sample_in(boundary, rng, 12, lambda r, m: r.uniform(boundary.bounds[:2], boundary.bounds[2:], (m, 2)))
    spread = rng.uniform(150, 400, 12)
    def bg_sampler(r: np.random.Generator, m: int) -> np.ndarray:
        uniform = r.uniform(boundary.bounds[:2], boundary.bounds[2:], (m, 2))
        which = r.integers(0, 12, m)
        blob = centres[which] + r.normal(0, 1, (m, 2)) * spread[which, None]
        return np.where(r.random(m)[:, None] < 0.5, uniform, blob)
    bg_xy = _sample_in(boundary, rng, n_background, bg_sampler)
    bg_cat = rng.choice(list(_MIX), size=n_background, p=np.array(list(_MIX.values())))
    bg_time = np.empty(n_background, dtype="datetime64[ns]")
    for cat in _MIX:
        mask = bg_cat == cat
        bg_time[mask] = _utc(_times(rng, int(mask.sum()), np.ones(len(weeks)), _seasonality(weeks, cat)))
    pts.append(bg_xy)
    cats.append(bg_cat)
    times.append(bg_time)

    # The trap: GPS failed, the app fell back to the street office's address. One identical point.
    office_xy = np.array([ox + 180.0, oy - 120.0])
    n_pile = 90
    pts.append(np.repeat(office_xy[None, :], n_pile, axis=0))
    cats.append(rng.choice(list(_MIX), size=n_pile, p=np.array(list(_MIX.values()))))
    times.append(_utc(_times(rng, n_pile, np.ones(len(weeks)))))
    office_lon, office_lat = to_wgs.transform(*office_xy)
    suspect_pile = {"lon": round(office_lon, 6), "lat": round(office_lat, 6), "n_issues": n_pile,
                    "address": "青石路1号（街道办事处）",
                    "notes": "定位失败时默认使用街道办地址：同一坐标堆积，属虚假热点"}

    xy = np.vstack(pts)
    category = np.concatenate(cats)
    reported = pd.DatetimeIndex(np.concatenate(times)).tz_localize("UTC").tz_convert(s.DEFAULT_TZ)
    order = np.argsort(reported.to_numpy(), kind="stable")
    xy, category, reported = xy[order], category[order], reported[order]
    ledger = _ledger_rows(rng, xy, category, reported, grids_m, categories, to_wgs)

    grids = grids_m.to_crs(4326)
    return SampleStreet(grids=grids, ledger=ledger, hotspots=tuple(hotspots), suspect_pile=suspect_pile,
                        seed=seed, extra={"metro_opening": METRO_OPENING.isoformat()})


def _ledger_rows(rng: np.random.Generator, xy: np.ndarray, category: np.ndarray,
                 reported: pd.DatetimeIndex, grids_m: gpd.GeoDataFrame, categories: Any,
                 to_wgs: Transformer) -> pd.DataFrame:
    """Turn points, categories and times into ledger rows as a clerk's export shows them."""
    n = len(category)
    tree = shapely.STRtree(grids_m.geometry.to_numpy())
    pidx, gidx = tree.query(shapely.points(xy), predicate="intersects")
    grid_of = np.full(n, -1)
    grid_of[pidx] = gidx
    community = np.where(grid_of >= 0, grids_m[s.COMMUNITY].to_numpy()[grid_of], "")
    grid_name = np.where(grid_of >= 0, grids_m[s.GRID_NAME].to_numpy()[grid_of], "")
    # Some communities close cases slower: a per-community factor on handling times.
    slow = {c: f for c, f in zip(COMMUNITY_NAMES, (0.7, 1.0, 1.6, 0.9, 1.2, 2.2), strict=True)}

    source = rng.choice(list(_SOURCE_P), size=n, p=np.array(list(_SOURCE_P.values())))
    on_site = rng.random(n) < np.array([_ON_SITE_P[c] for c in category])
    limit = np.array([categories.limit_days(c) for c in category])
    factor = np.array([slow.get(c, 1.0) for c in community])
    # Days to close: on-site fixes take hours; referred cases scale with the category's limit.
    days = np.where(on_site, rng.lognormal(np.log(0.15), 0.8, n),
                    rng.lognormal(np.log(0.55 * limit), 0.7, n)) * factor
    stuck = (~on_site) & (rng.random(n) < 0.03)  # cases a department sits on
    void = rng.random(n) < 0.012
    closed_at = reported + pd.to_timedelta(np.round(days * 86400), unit="s")
    is_closed = (closed_at < EXPORT_AT) & ~stuck & ~void
    age_days = np.asarray((EXPORT_AT - reported) / pd.Timedelta(days=1), dtype=float)
    frac = np.where(days > 0, age_days / days, 1.0)
    status = np.where(void, "void", np.where(is_closed, "closed",
                      np.where(on_site | (frac > 0.8), "rectified",
                               np.where(frac > 0.2, "assigned", "open"))))
    status = np.where(stuck & ~void, np.where(rng.random(n) < 0.5, "assigned", "open"), status)

    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    day_key = reported.strftime("%Y%m%d")
    seq = pd.Series(np.ones(n, dtype=int)).groupby(day_key).cumsum().to_numpy()
    dept = np.array([
        "社区网格站" if os else str(rng.choice(_DEPARTMENT[c])) for c, os in zip(category, on_site, strict=True)
    ])
    road_idx = rng.integers(0, len(_ROADS), n)
    number = rng.integers(1, 400, n)
    raw_label = np.array([str(rng.choice(_RAW_LABELS[c])) for c in category])
    detail = np.array([str(rng.choice(_DETAILS[c])) for c in category])
    deadline = reported + pd.to_timedelta(limit, unit="D")
    fmt = "%Y-%m-%d %H:%M:%S"
    ledger = pd.DataFrame({
        "问题编号": [f"QS{d}{q:04d}" for d, q in zip(day_key, seq, strict=True)],
        "问题类型": raw_label,
        "上报时间": reported.strftime(fmt),
        "经度": np.char.mod("%.6f", lon),
        "纬度": np.char.mod("%.6f", lat),
        "地址": [f"{_ROADS[r]}{k}号" for r, k in zip(road_idx, number, strict=True)],
        "问题描述": detail,
        "处置状态": [_STATUS_RAW[x] for x in status],
        "处置方式": np.where(on_site, _HANDLING_RAW["on_site"], _HANDLING_RAW["referred"]),
        "责任部门": dept,
        "问题来源": [_SOURCE_RAW[x] for x in source],
        "所属社区": community,
        "所属网格": grid_name,
        "截止时间": deadline.strftime(fmt),
        "办结时间": np.where(status == "closed", closed_at.strftime(fmt), ""),
    })
    assert tuple(ledger.columns) == LEDGER_HEADERS
    return ledger


# --- files ---------------------------------------------------------------------------------

def grids_geojson(grids: gpd.GeoDataFrame, *, decimals: int = 7) -> str:
    """Deterministic GeoJSON text of the grids (rounded coordinates, fixed key order)."""
    features = []
    for row in grids.itertuples(index=False):
        geom = shapely.set_precision(row.geometry, 10.0 ** -decimals)
        rounded = json.loads(shapely.to_geojson(geom))
        features.append({
            "type": "Feature",
            "properties": {c: getattr(row, c) for c in (s.GRID_ID, s.GRID_NAME, s.COMMUNITY, s.STREET, s.CADRES)},
            "geometry": rounded,
        })
    doc = {"type": "FeatureCollection", "name": "grids",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Generate the sample street and write ``grids.geojson``, ``ledger.csv``, ``ground_truth.json``.

    The ledger is UTF-8 with a BOM, as Excel on Chinese Windows exports CSV.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    street = generate_sample(seed)
    paths = {"grids": out / "grids.geojson", "ledger": out / "ledger.csv", "truth": out / "ground_truth.json"}
    paths["grids"].write_text(grids_geojson(street.grids), encoding="utf-8")
    street.ledger.to_csv(paths["ledger"], index=False, encoding="utf-8-sig", lineterminator="\n")
    paths["truth"].write_text(json.dumps(street.truth(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return paths
