"""A deterministic, seeded generator of a realistic sample street: grids, ledger, ground truth.

One generator serves the bundled sample data, tests, benchmarks and notebooks. Everything is drawn
from one ``numpy.random.Generator``; the same seed gives byte-identical files.

The street (青石街道) is fictional but placed in Hefei's Shushan district (county code 340104):
six communities, about 35 irregular grids that tile the street exactly, and a year of patrol
ledger with planted hotspots whose truth is written beside the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import schema as s
from geo.categories import read_categories
from geo.synthetic import vocab as v
from geo.synthetic.street_grids import (
    CENTRE_LONLAT,
    COMMUNITY_NAMES,
    COUNTY_CODE,
    METRIC_EPSG,
    STREET_NAME,
    make_grids,
)
from geo.synthetic.vocab import LEDGER_HEADERS

DEFAULT_SEED: Final = 20251103
START: Final = pd.Timestamp("2025-11-03", tz=s.DEFAULT_TZ)  # a Monday
END: Final = pd.Timestamp("2026-11-16", tz=s.DEFAULT_TZ)  # exclusive; 54 whole weeks
EXPORT_AT: Final = pd.Timestamp("2026-11-16 09:00", tz=s.DEFAULT_TZ)  # when the clerk exported
CAMPAIGN_START: Final = pd.Timestamp("2026-05-11", tz=s.DEFAULT_TZ)  # 专项整治 begins
FADED_LEVEL: Final = 0.5  # the fading hotspot's weekly rate after the campaign, relative to before
METRO_OPENING: Final = pd.Timestamp("2026-06-01", tz=s.DEFAULT_TZ)



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
        since = np.asarray((weeks - CAMPAIGN_START) / pd.Timedelta(days=7), dtype=float)
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
    bg_cat = rng.choice(list(v.MIX), size=n_background, p=np.array(list(v.MIX.values())))
    bg_time = np.empty(n_background, dtype="datetime64[ns]")
    for cat in v.MIX:
        mask = bg_cat == cat
        bg_time[mask] = _utc(_times(rng, int(mask.sum()), np.ones(len(weeks)), _seasonality(weeks, cat)))
    pts.append(bg_xy)
    cats.append(bg_cat)
    times.append(bg_time)

    # The trap: GPS failed, the app fell back to the street office's address. One identical point.
    office_xy = np.array([ox + 180.0, oy - 120.0])
    n_pile = 90
    pts.append(np.repeat(office_xy[None, :], n_pile, axis=0))
    cats.append(rng.choice(list(v.MIX), size=n_pile, p=np.array(list(v.MIX.values()))))
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
                        seed=seed, extra={"metro_opening": METRO_OPENING.isoformat(),
                                                                                     "patrol_blind_spot": BLIND_SPOT_GRID})


#: The grid whose patrol misses most of what is there: the public reports what its cadres do not (a planted
#: 巡查盲区 the patrol-gap layer must find, and the only one: sources are otherwise drawn alike everywhere).
BLIND_SPOT_GRID: Final = "杏林社区第4网格"
#: Share of that grid's patrol finds that the public reports instead.
BLIND_SPOT_MISSED: Final = 0.6


def _patrols(rng: np.random.Generator, ledger: pd.DataFrame, source: np.ndarray, grid_of: np.ndarray,
             grids_m: gpd.GeoDataFrame) -> None:
    """Who reported each case (上报人: one of the grid's cadres for a patrol find, none otherwise) and the
    planted blind spot, drawn from a generator of their own so that every other column stays as it was."""
    n = len(ledger)
    blind = (grid_of >= 0) & (np.where(grid_of >= 0, grids_m[s.GRID_NAME].to_numpy()[np.maximum(grid_of, 0)], "")
                              == BLIND_SPOT_GRID)
    missed = blind & (source == "patrol") & (rng.random(n) < BLIND_SPOT_MISSED)
    public = rng.choice(np.array(["hotline", "public"]), size=n)
    source = np.where(missed, public, source)
    ledger["问题来源"] = [v.SOURCE_RAW[x] for x in source]
    cadres = [str(c).split("、") for c in grids_m[s.CADRES].fillna("")]
    pick = rng.random(n)
    ledger["上报人"] = [
        cadres[g][int(u * len(cadres[g]))] if src == "patrol" and g >= 0 and cadres[g][0] else ""
        for src, g, u in zip(source, grid_of, pick, strict=True)]


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

    source = rng.choice(list(v.SOURCE_P), size=n, p=np.array(list(v.SOURCE_P.values())))
    on_site = rng.random(n) < np.array([v.ON_SITE_P[c] for c in category])
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
        "社区网格站" if os else str(rng.choice(v.DEPARTMENT[c])) for c, os in zip(category, on_site, strict=True)
    ])
    road_idx = rng.integers(0, len(v.ROADS), n)
    number = rng.integers(1, 400, n)
    raw_label = np.array([str(rng.choice(v.RAW_LABELS[c])) for c in category])
    detail = np.array([str(rng.choice(v.DETAILS[c])) for c in category])
    deadline = reported + pd.to_timedelta(limit, unit="D")
    fmt = "%Y-%m-%d %H:%M:%S"
    ledger = pd.DataFrame({
        "问题编号": [f"QS{d}{q:04d}" for d, q in zip(day_key, seq, strict=True)],
        "问题类型": raw_label,
        "上报时间": reported.strftime(fmt),
        "经度": np.char.mod("%.6f", lon),
        "纬度": np.char.mod("%.6f", lat),
        "地址": [f"{v.ROADS[r]}{k}号" for r, k in zip(road_idx, number, strict=True)],
        "问题描述": detail,
        "处置状态": [v.STATUS_RAW[x] for x in status],
        "处置方式": np.where(on_site, v.HANDLING_RAW["on_site"], v.HANDLING_RAW["referred"]),
        "责任部门": dept,
        "问题来源": [v.SOURCE_RAW[x] for x in source],
        "所属社区": community,
        "所属网格": grid_name,
        "截止时间": deadline.strftime(fmt),
        "办结时间": np.where(status == "closed", closed_at.strftime(fmt), ""),
    })
    _patrols(rng.spawn(1)[0], ledger, source, grid_of, grids_m)
    assert tuple(ledger.columns) == LEDGER_HEADERS
    return ledger
