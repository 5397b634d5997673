"""A city-scale district for the scale benchmarks: streets > communities > 1,000+ grids, 1M issues a year.

A real district's 数字城管 and 12345 ledgers hold 0.5-2 million cases a year over 1,000-3,000 grids of
a few hundred metres, with very uneven densities: a market street logs fifty times what a quiet
residential block does. The district here has that shape:

- ``n_streets`` streets (default 12) laid out in blocks of 10 x 10 grids of about ``grid_m`` metres;
  every street has four communities of 25 grids. The lattice's vertices are jittered, so grids are
  irregular quadrilaterals that still tile the district exactly (shared edges are bit-identical);
- each grid's rate is lognormal (sigma 1.0, the spread of real grid counts) times its land use
  (market streets, old residential, urban villages, parks);
- a tenth of the issues sit at hot places (two or three per street, 40 m blobs);
- 1.5 % are double submissions (same category, within 5 m and 5 minutes), one fallback pile sits at
  the district office, and status and closing times follow the category limits.

Everything is vectorised and drawn in monthly chunks, so 20 million issues take minutes, not hours,
and memory follows the chunk. Points are drawn inside their grid (bilinear map of the unit square,
1 % margin), so the generator's grid of each issue is the truth the join must reproduce.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import schema as s
from geo.categories import read_categories
from geo.synthetic import vocab as v

DISTRICT_SEED: Final = 20261201
DISTRICT_COUNTY: Final = "340111"  # 合肥市包河区 (GB/T 2260); the district itself is fictional
DISTRICT_CENTRE: Final = (117.3100, 31.7900)
DISTRICT_EPSG: Final = 32650
START: Final = pd.Timestamp("2025-11-03", tz=s.DEFAULT_TZ)  # a Monday
STREET_STEMS: Final = (
    "青石", "荷花", "望江", "新华", "杏林", "南湖", "芙蓉", "常青", "义城", "滨湖", "万年埠", "方兴",
    "骆岗", "烟墩", "包公", "同安", "淝河", "大圩", "徽州", "芜湖路",
)
COMMUNITY_SUFFIXES: Final = ("东苑", "西园", "南村", "北坊")
#: Land uses and their rate multipliers (market streets log most, parks least).
LAND_USE: Final = {"market": 4.0, "old_residential": 1.6, "urban_village": 2.2, "new_residential": 0.8,
                   "park": 0.3}
LAND_USE_P: Final = (0.08, 0.30, 0.12, 0.40, 0.10)
GRIDS_PER_SIDE: Final = 10  # a street is 10 x 10 grids
DOUBLE_SHARE: Final = 0.015
HOT_SHARE: Final = 0.10


@dataclass(frozen=True)
class District:
    """A generated district: grids (WGS84, with street and community) and the ledger as exported."""

    grids: gpd.GeoDataFrame
    ledger: pd.DataFrame
    seed: int


def _layout(n_streets: int) -> tuple[int, int]:
    """Columns and rows of street blocks: as square as possible."""
    cols = int(np.ceil(np.sqrt(n_streets)))
    return cols, int(np.ceil(n_streets / cols))


def make_district_grids(rng: np.random.Generator, *, n_streets: int = 12, grid_m: float = 300.0) -> gpd.GeoDataFrame:
    """Grid polygons in the district's metric CRS with codes, names, communities, streets and land use."""
    if not 1 <= n_streets <= len(STREET_STEMS):
        raise ValueError(f"n_streets must be 1..{len(STREET_STEMS)}, got {n_streets}")
    cols, rows = _layout(n_streets)
    nx, ny = cols * GRIDS_PER_SIDE, rows * GRIDS_PER_SIDE
    ox, oy = Transformer.from_crs(4326, DISTRICT_EPSG, always_xy=True).transform(*DISTRICT_CENTRE)
    gx, gy = np.meshgrid(np.arange(nx + 1) * grid_m, np.arange(ny + 1) * grid_m)  # vertex lattice, (ny+1, nx+1)
    jitter = rng.uniform(-0.22, 0.22, size=(2, *gx.shape)) * grid_m
    jitter[:, :, [0, -1]] = 0.0  # straight district edges
    jitter[:, [0, -1], :] = 0.0
    # 1 cm precision: the shared vertices of neighbours are bit-identical.
    vx = np.round(ox - nx * grid_m / 2 + gx + jitter[0], 2)
    vy = np.round(oy - ny * grid_m / 2 + gy + jitter[1], 2)
    mi, mj = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    ii, jj = mi.ravel(), mj.ravel()
    corners = np.stack([np.stack([vx[a, b], vy[a, b]], axis=-1) for a, b in
                        ((ii, jj), (ii, jj + 1), (ii + 1, jj + 1), (ii + 1, jj), (ii, jj))], axis=1)
    polys = shapely.polygons(corners)
    street = (ii // GRIDS_PER_SIDE) * cols + jj // GRIDS_PER_SIDE
    keep = street < n_streets
    half = GRIDS_PER_SIDE // 2
    community = ((ii % GRIDS_PER_SIDE) // half) * 2 + (jj % GRIDS_PER_SIDE) // half
    # North first, then west to east inside a community (Beijing DB11/T 2157 numbering).
    frame = pd.DataFrame({"street": street, "community": community, "row": -(ii % half), "col": jj % half,
                          "poly": polys, "corner": list(corners)})[keep]
    frame = frame.sort_values(["street", "community", "row", "col"], kind="stable")
    frame["seq"] = frame.groupby(["street", "community"]).cumcount() + 1
    stems = np.array(STREET_STEMS)[frame["street"].to_numpy()]
    cnames = np.char.add(stems, np.array(COMMUNITY_SUFFIXES)[frame["community"].to_numpy()])
    cnames = np.char.add(cnames, "社区")
    land = rng.choice(list(LAND_USE), size=len(frame), p=LAND_USE_P)
    surnames = np.array(list(v.SURNAMES))
    given = np.array(v.GIVEN)
    cadres = [f"{surnames[a]}{given[b]}、{surnames[c]}{given[d]}" for a, b, c, d in
              rng.integers(0, [len(surnames), len(given), len(surnames), len(given)], size=(len(frame), 4))]
    grids = gpd.GeoDataFrame({
        s.GRID_ID: [f"{DISTRICT_COUNTY}{st + 1:03d}{c + 1:03d}{q:03d}" for st, c, q in
                    zip(frame["street"], frame["community"], frame["seq"], strict=True)],
        s.GRID_NAME: [f"{n}第{q}网格" for n, q in zip(cnames, frame["seq"], strict=True)],
        s.COMMUNITY: cnames,
        s.STREET: np.char.add(stems, "街道"),
        s.CADRES: cadres,
        "land_use": land,
    }, geometry=frame["poly"].to_numpy(), crs=DISTRICT_EPSG)
    grids.attrs["corners"] = np.stack(list(frame["corner"]))  # (n, 5, 2), for sampling inside
    return grids.reset_index(drop=True)


def _inside(corners: np.ndarray, grid: np.ndarray, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Points at unit-square coordinates ``(u, w)`` mapped bilinearly into each issue's grid."""
    c = corners[grid]
    p0, p1, p2, p3 = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    u, w = u[:, None], w[:, None]
    return np.asarray((1 - u) * (1 - w) * p0 + u * (1 - w) * p1 + u * w * p2 + (1 - u) * w * p3)


def _month_edges(start: pd.Timestamp, days: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    end = start + pd.Timedelta(days=days)
    edges = [start, *pd.date_range(start.normalize() + pd.offsets.MonthBegin(1), end, freq="MS", inclusive="left"), end]
    return list(itertools.pairwise(edges))


def iter_district_ledger(grids: gpd.GeoDataFrame, n_issues: int, *, seed: int = DISTRICT_SEED, days: int = 364,
                         export_at: pd.Timestamp | None = None, start: pd.Timestamp = START,
                         id_prefix: str = "D") -> Iterator[pd.DataFrame]:
    """The district's ledger month by month (raw strings as a clerk's export shows them).

    ``n_issues`` over ``days`` days from ``start``; each month is one frame, so memory follows
    the month, not the year. ``export_at`` (default: the end) decides which cases are still open;
    ``id_prefix`` keeps the ids of a later ledger (a new week) apart from the history's.
    """
    rng = np.random.default_rng(seed)
    categories = read_categories()
    corners = grids.attrs["corners"]
    n_grids = len(grids)
    rate = rng.lognormal(0.0, 1.0, n_grids) * np.array([LAND_USE[x] for x in grids["land_use"]])
    rate /= rate.sum()
    # Hot places: two or three per street at a fixed spot of a busy grid, with their own category.
    busy = np.argsort(-rate)[: max(2, n_grids // 40)]
    hot_uv = rng.uniform(0.2, 0.8, (len(busy), 2))
    mix_names = np.array(list(v.MIX))
    mix_p = np.array(list(v.MIX.values()))
    hot_cat = rng.choice(len(mix_names), size=len(busy), p=mix_p)
    limit = np.array([categories.limit_days(c) for c in mix_names], dtype=float)
    on_site_p = np.array([v.ON_SITE_P[c] for c in mix_names])
    end = start + pd.Timedelta(days=days)
    export_at = export_at or end
    to_wgs = Transformer.from_crs(DISTRICT_EPSG, 4326, always_xy=True)
    office = corners[n_grids // 2, :4].mean(axis=0)
    months = _month_edges(start, days)
    shares = np.array([(m1 - m0) / (end - start) for m0, m1 in months])
    counts = rng.multinomial(n_issues, shares / shares.sum())  # the total is exact
    for k, ((m0, m1), n) in enumerate(zip(months, counts, strict=True)):
        yield _month(rng, grids, corners, rate, busy, hot_uv, hot_cat, mix_names, mix_p, limit, on_site_p,
                     m0, m1, int(n), export_at, to_wgs, office, f"{id_prefix}{k:02d}")


def _month(rng: np.random.Generator, grids: gpd.GeoDataFrame, corners: np.ndarray, rate: np.ndarray,
           busy: np.ndarray, hot_uv: np.ndarray, hot_cat: np.ndarray, mix_names: np.ndarray, mix_p: np.ndarray,
           limit: np.ndarray, on_site_p: np.ndarray, m0: pd.Timestamp, m1: pd.Timestamp, n: int,
           export_at: pd.Timestamp, to_wgs: Transformer, office: np.ndarray, id_stem: str) -> pd.DataFrame:
    n_double = int(n * DOUBLE_SHARE)
    n_pile = min(n - n_double, max(1, n // 5000))
    n_base = n - n_double - n_pile
    hot = rng.random(n_base) < HOT_SHARE
    grid = np.where(hot, 0, rng.choice(len(rate), size=n_base, p=rate))
    spot = rng.integers(0, len(busy), n_base)
    grid[hot] = busy[spot[hot]]
    uv = rng.uniform(0.01, 0.99, (n_base, 2))
    uv[hot] = np.clip(hot_uv[spot[hot]] + rng.normal(0, 0.13, (int(hot.sum()), 2)), 0.01, 0.99)
    xy = _inside(corners, grid, uv[:, 0], uv[:, 1])
    cat = rng.choice(len(mix_names), size=n_base, p=mix_p)
    cat[hot] = np.where(rng.random(int(hot.sum())) < 0.7, hot_cat[spot[hot]], cat[hot])
    span = (m1 - m0).total_seconds()
    day = np.floor(rng.random(n_base) * span / 86400)
    hour = rng.normal(12.5, 3.2, n_base)
    odd = (hour < 6.5) | (hour > 22.5)  # night draws: redrawn inside patrol hours
    hour[odd] = rng.uniform(7.0, 19.0, int(odd.sum()))
    t = m0.value // 10**9 + day * 86400 + np.round(hour * 3600)
    # Double submissions: a second report of a base issue within 5 m and 5 minutes.
    src = rng.integers(0, max(n_base, 1), n_double)
    xy = np.vstack([xy, xy[src] + rng.normal(0, 2.0, (n_double, 2)), np.repeat(office[None], n_pile, 0)])
    grid = np.concatenate([grid, grid[src], np.full(n_pile, len(rate) // 2)])
    cat = np.concatenate([cat, cat[src], rng.choice(len(mix_names), size=n_pile, p=mix_p)])
    t = np.concatenate([t, t[src] + rng.integers(20, 300, n_double),
                        m0.value // 10**9 + rng.uniform(0, span, n_pile).round()])
    order = np.argsort(t, kind="stable")
    xy, grid, cat, t = xy[order], grid[order], cat[order], t[order]
    reported = pd.to_datetime(t, unit="s", utc=True).tz_convert(s.DEFAULT_TZ)
    on_site = rng.random(n) < on_site_p[cat]
    days = np.where(on_site, rng.lognormal(np.log(0.15), 0.8, n), rng.lognormal(np.log(0.55 * limit[cat]), 0.7, n))
    closed_at = reported + pd.to_timedelta(np.round(days * 86400), unit="s")
    stuck = (~on_site) & (rng.random(n) < 0.03)
    void = rng.random(n) < 0.012
    is_closed = np.asarray(closed_at < export_at) & ~stuck & ~void
    status = np.where(void, "void", np.where(is_closed, "closed", np.where(on_site, "rectified", "assigned")))
    lon, lat = to_wgs.transform(xy[:, 0], xy[:, 1])
    names = mix_names[cat]
    labels = np.array([v.RAW_LABELS[c][0] for c in mix_names])[cat]
    details = np.array([v.DETAILS[c][0] for c in mix_names])[cat]
    depts = np.where(on_site, "社区网格站", np.array([v.DEPARTMENT[c][0] for c in mix_names])[cat])
    roads = np.array(v.ROADS)[rng.integers(0, len(v.ROADS), n)]
    number = rng.integers(1, 400, n).astype(str)
    source = rng.choice(np.array([v.SOURCE_RAW[k] for k in v.SOURCE_P]), size=n, p=np.array(list(v.SOURCE_P.values())))
    local = reported.tz_localize(None)
    deadline = local + pd.to_timedelta(limit[cat], unit="D")
    ids = np.char.add(id_stem, np.char.zfill(np.arange(n).astype(str), 7))
    closed_txt = _stamp(closed_at.tz_localize(None))
    # Who reported a patrol find: one of the grid's two cadres, from a generator of its own (spawning does not
    # advance ``rng``, so every other column, and every later month, stays as it was).
    cadres = grids[s.CADRES].astype(str).str.split("、", n=1, expand=True).to_numpy()
    pick = rng.spawn(1)[0].integers(0, cadres.shape[1], n)
    reporter = np.where(source == v.SOURCE_RAW["patrol"], cadres[grid, pick], "")
    return pd.DataFrame({
        "问题编号": ids,
        "问题类型": labels,
        "上报时间": _stamp(local),
        "经度": np.char.mod("%.6f", lon),
        "纬度": np.char.mod("%.6f", lat),
        "地址": np.char.add(np.char.add(roads, number), "号"),
        "问题描述": details,
        "处置状态": np.array([v.STATUS_RAW[x] for x in ("open", "assigned", "rectified", "closed", "void")])[
            pd.Categorical(status, categories=["open", "assigned", "rectified", "closed", "void"]).codes],
        "处置方式": np.where(on_site, v.HANDLING_RAW["on_site"], v.HANDLING_RAW["referred"]),
        "责任部门": depts,
        "问题来源": source,
        "所属社区": grids[s.COMMUNITY].to_numpy()[grid],
        "所属网格": grids[s.GRID_NAME].to_numpy()[grid],
        "截止时间": _stamp(deadline),
        "办结时间": np.where(status == "closed", closed_txt, ""),
        "上报人": reporter,
    }).assign(_category=names)


def _stamp(times: pd.DatetimeIndex) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` strings, vectorised (strftime is 10x slower at a million rows)."""
    text = np.datetime_as_string(times.to_numpy().astype("datetime64[s]"), unit="s")
    return np.char.replace(text, "T", " ")


def generate_district(n_issues: int = 1_000_000, *, seed: int = DISTRICT_SEED, n_streets: int = 12,
                      days: int = 364) -> District:
    """The district's grids (WGS84) and its whole ledger in memory (for up to a few million issues).

    Examples
    --------
    >>> d = generate_district(20_000, n_streets=2)
    >>> len(d.grids), len(d.ledger)
    (200, 20000)
    """
    rng = np.random.default_rng(seed)
    grids_m = make_district_grids(rng, n_streets=n_streets)
    ledger = pd.concat(list(iter_district_ledger(grids_m, n_issues, seed=seed + 1, days=days)), ignore_index=True)
    grids = grids_m.to_crs(4326)
    grids.attrs.pop("corners", None)
    return District(grids=grids, ledger=ledger.drop(columns="_category"), seed=seed)


def write_district(out_dir: str | Path, n_issues: int = 1_000_000, *, seed: int = DISTRICT_SEED, n_streets: int = 12,
                   days: int = 364, start: pd.Timestamp = START, id_prefix: str = "D") -> dict[str, Path]:
    """Write ``grids.geojson`` and ``ledger.csv`` (UTF-8 with BOM), month by month: memory follows a month."""
    from geo.synthetic.files import grids_geojson

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    grids_m = make_district_grids(rng, n_streets=n_streets)
    paths = {"grids": out / "grids.geojson", "ledger": out / "ledger.csv"}
    grids = grids_m.to_crs(4326)
    grids.attrs.pop("corners", None)
    paths["grids"].write_text(grids_geojson(grids.drop(columns="land_use")), encoding="utf-8")
    with paths["ledger"].open("w", encoding="utf-8-sig", newline="") as fh:
        months = iter_district_ledger(grids_m, n_issues, seed=seed + 1, days=days, start=start, id_prefix=id_prefix)
        for k, month in enumerate(months):
            month.drop(columns="_category").to_csv(fh, index=False, header=k == 0, lineterminator="\n")
    return paths
