"""The administrative hierarchy above the grid: street (街道) > community (社区) > grid (网格).

A district's 1,200 grids are a few pixels each when its whole area is on screen, so a map of the
district shows its streets, then its communities as the leader zooms in, then the grids. This module
is the pure part of that: which levels a grid layer can tell apart, the unit shapes of a level (the
union of its grids), a grid measure summed up to a level, and the zoom from which a level's units are
large enough on screen to read. The maps in ``dashboard.components`` draw them.

Levels come from the grid layer's own ``street`` and ``community`` columns (:mod:`geo.schema`); a
level every grid shares (one street office's own layer names one street) tells nothing apart and is
left out, so the sample street's maps have communities and grids only.
"""

from __future__ import annotations

import hashlib
import math
from enum import StrEnum
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.text import stripped_text


class Level(StrEnum):
    """A level of the hierarchy, coarsest first; its value is the grid column that names its units."""

    STREET = s.STREET
    COMMUNITY = s.COMMUNITY
    GRID = s.GRID_ID


#: Coarsest first: the order a map steps through as it zooms in.
LEVELS: Final[tuple[Level, ...]] = (Level.STREET, Level.COMMUNITY, Level.GRID)
#: Column of :func:`level_shapes` holding how many grids make up a unit.
N_GRIDS: Final = "n_grids"
#: Web-Mercator metres per pixel at zoom 0 on the equator (256 px tiles; Leaflet's default CRS).
METRES_PER_PIXEL_Z0: Final = 156_543.033_92
#: Metres per degree of latitude (and of longitude on the equator), near enough for a zoom threshold.
DEGREE_M: Final = 111_195.0


def _names(grids: gpd.GeoDataFrame, level: Level) -> pd.Series:
    """The unit name of each grid at ``level`` (``<NA>`` where the layer names none)."""
    if level.value not in grids:
        return pd.Series(pd.NA, index=grids.index, dtype="string")
    return stripped_text(grids[level.value])


def present_levels(grids: gpd.GeoDataFrame) -> tuple[Level, ...]:
    """The levels of ``grids`` that tell units apart, coarsest first; the grid level always.

    A level is present when every grid names its unit and there are at least two units: a layer with
    some grids lacking a street cannot be drawn by street without losing them.

    Examples
    --------
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"grid_id": ["a", "b", "c"], "community": ["东", "东", "西"],
    ...                       "street": ["街", "街", "街"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)])
    >>> [lv.name for lv in present_levels(g)]
    ['COMMUNITY', 'GRID']
    """
    present = []
    for level in LEVELS[:-1]:
        names = _names(grids, level)
        if len(names) and names.notna().all() and names.nunique() > 1:
            present.append(level)
    return (*present, Level.GRID)


def sole_unit(grids: gpd.GeoDataFrame, level: Level) -> str | None:
    """The one unit of ``level`` every grid names (a street office's own layer names one street), else ``None``.

    What a title may name: a district's layer of twelve streets is no one street's.

    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"grid_id": ["a", "b"], "street": ["甲街道", "乙街道"]}, geometry=[box(0, 0, 1, 1)] * 2)
    >>> sole_unit(g, Level.STREET) is None, sole_unit(g.assign(street="甲街道"), Level.STREET)
    (True, '甲街道')
    """
    names = _names(grids, level)
    return str(names.iloc[0]) if len(names) and names.notna().all() and names.nunique() == 1 else None


def level_shapes(grids: gpd.GeoDataFrame, level: Level) -> gpd.GeoDataFrame:
    """One row per unit of ``level``: its name (column ``level.value``), ``n_grids`` and the union of its grids.

    Rows are in name order; grids without a name at ``level`` are left out (see :func:`present_levels`).
    The grid level is the grids themselves, with ``n_grids`` 1. Unions are kept per grid layer (a
    digest of the shapes and names): they cost 0.1-0.2 s at 1,200 grids and every map rerun draws them.
    """
    if level is Level.GRID:
        return gpd.GeoDataFrame({level.value: grids[s.GRID_ID].astype("string").to_numpy(),
                                 N_GRIDS: np.ones(len(grids), dtype=np.int64)},
                                geometry=grids.geometry.to_numpy(), crs=grids.crs)
    names = _names(grids, level)
    digest = hashlib.blake2b(level.value.encode(), digest_size=16)
    digest.update(b"".join(shapely.to_wkb(grids.geometry.to_numpy())))
    digest.update("\x1f".join(names.fillna("\x00").tolist()).encode())
    key = digest.hexdigest()
    if key not in _SHAPES:
        if len(_SHAPES) >= 16:
            _SHAPES.pop(next(iter(_SHAPES)))
        geoms = grids.geometry.to_numpy()
        named = names.notna().to_numpy()
        frame = pd.DataFrame({"name": names.to_numpy()[named], "row": np.flatnonzero(named)})
        units, parts, sizes = [], [], []
        for name, rows in frame.groupby("name", sort=True)["row"]:
            units.append(str(name))
            # grid_size snaps shared edges that differ in the last digits, so neighbours leave no slivers
            parts.append(shapely.union_all(geoms[rows.to_numpy()], grid_size=1e-7))
            sizes.append(len(rows))
        _SHAPES[key] = gpd.GeoDataFrame({level.value: pd.array(units, dtype="string"),
                                         N_GRIDS: np.asarray(sizes, dtype=np.int64)},
                                        geometry=parts, crs=grids.crs)
    return _SHAPES[key].copy()


#: Unit shapes by grid layer and level (small: one polygon per street or community).
_SHAPES: dict[str, gpd.GeoDataFrame] = {}


def level_totals(values: pd.Series, grids: gpd.GeoDataFrame, level: Level) -> pd.Series:
    """``values`` per grid (indexed by grid id; missing grids count 0) summed per unit of ``level``.

    Only for additive measures (issue counts, recurrences); a score or a rate does not sum. Indexed
    by unit name in :func:`level_shapes` order, so the two line up.

    Examples
    --------
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame({"grid_id": ["a", "b", "c"], "community": ["东", "东", "西"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)])
    >>> level_totals(pd.Series({"a": 2, "c": 5}), g, Level.COMMUNITY).to_dict()
    {'东': 2, '西': 5}
    """
    per_grid = grids[s.GRID_ID].map(values).fillna(0)
    per_grid = (per_grid.astype(np.int64) if pd.api.types.is_integer_dtype(values) else per_grid).to_numpy()
    if level is Level.GRID:
        return pd.Series(per_grid, index=pd.Index(grids[s.GRID_ID].astype("string"), name=level.value))
    names = _names(grids, level)
    totals = pd.Series(per_grid, index=names.to_numpy()).groupby(level=0, sort=True).sum()
    totals.index = pd.Index(totals.index.astype("string"), name=level.value)
    return totals


def readable_zoom(shapes: gpd.GeoDataFrame, *, min_pixels: float = 28.0) -> float:
    """The Leaflet zoom from which the median unit of ``shapes`` is ``min_pixels`` wide on screen.

    Width is the square root of the unit's area, so long thin units count by their size, not their
    length. Web Mercator stretches by ``1 / cos(latitude)``; the layer's middle latitude stands for all.
    ``shapes`` are in degrees (WGS84, as stored) or in a projected CRS in metres.

    Examples
    --------
    A 300 m square at the equator is 31 px wide at zoom 14 (9.55 m per pixel), 28 px from zoom 13.8:

    >>> from shapely import box
    >>> sq = gpd.GeoDataFrame(geometry=[box(0, 0, 300 / DEGREE_M, 300 / DEGREE_M)], crs="EPSG:4326")
    >>> round(readable_zoom(sq), 1)
    13.8
    """
    if shapes.empty:
        return 0.0
    minx, miny, maxx, maxy = shapes.total_bounds
    if shapes.crs is not None and shapes.crs.is_projected:  # metres already; the latitude from the middle
        middle = gpd.GeoSeries([shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)], crs=shapes.crs).to_crs(4326)
        lat = math.radians(float(middle.y.iloc[0]))
        area_m2 = shapely.area(shapes.geometry.to_numpy())
    else:
        lat = math.radians((miny + maxy) / 2)
        # square degrees to square metres near ``lat`` (a district spans a fraction of a degree)
        area_m2 = shapely.area(shapes.geometry.to_numpy()) * DEGREE_M * math.cos(lat) * DEGREE_M
    width_m = float(np.median(np.sqrt(area_m2)))
    if width_m <= 0:
        return 0.0
    # metres per pixel at zoom z on this latitude: METRES_PER_PIXEL_Z0 * cos(lat) / 2**z
    return math.log2(METRES_PER_PIXEL_Z0 * math.cos(lat) * min_pixels / width_m)
