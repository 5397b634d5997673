"""The sample street's grids: an irregular outline tiled by Lloyd-relaxed Voronoi cells, grouped into communities."""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import shapely

from geo import schema as s
from geo.synthetic import vocab as v

COUNTY_CODE: Final = "340104"  # 合肥市蜀山区 (GB/T 2260)
STREET_CODE: Final = "012"  # fictional street sequence inside the county
STREET_NAME: Final = "青石街道"
CENTRE_LONLAT: Final = (117.2530, 31.8490)
METRIC_EPSG: Final = 32650  # UTM 50N holds 117.25 E
COMMUNITY_NAMES: Final = ("青石社区", "荷花塘社区", "望江社区", "新华社区", "杏林社区", "南湖社区")

# ------------------------------------------------------------------------------

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
    return np.asarray(relabel[label])


def _person(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(v.GIVEN, size=int(rng.integers(1, 3))))
    return str(rng.choice(list(v.SURNAMES))) + given


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
