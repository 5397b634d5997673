"""Generated analysis cells (squares or flat-top hexagons): assignment by arithmetic, neighbours by offsets.

Management grids are too coarse for Gi* to see a hotspot the size of a market (a unit's whole
neighbourhood is averaged in; see docs/hotspots.md). Fine cells over the street fix that. No polygon
join is needed: a point's cell follows from its coordinates in the local UTM zone.

Both lattices store cells on a rectangular ``(row, col)`` index of ``nx * ny`` slots; ``active`` lists
the slots whose cell touches the area. Hexagons use "odd-q" offset columns (odd columns sit half a
cell higher), so the same flat index works for both shapes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import ClassVar, Final

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import CRS

from geo.crs import metric_crs_for, point_xy
from geo.stats.weights import Neighbours

#: Cell sizes the automatic rule may pick: round numbers a planner can repeat by hand.
SIZE_LADDER_M: Final = (25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 250.0, 300.0, 400.0, 500.0, 750.0, 1000.0,
                        1500.0, 2000.0, 2500.0, 5000.0)
#: The automatic rule aims at this many issues per cell on average (see ``auto_cell_size``).
TARGET_MEAN_COUNT: Final = 5.0
#: ... and keeps the number of cells in this range (ArcGIS's optimized tool needs 30 features).
MIN_CELLS: Final = 30
MAX_CELLS: Final = 40_000
#: A lattice may not span more slots than this (memory for the candidate polygons).
MAX_SLOTS: Final = 1_000_000


def metric_area(area: gpd.GeoSeries) -> tuple[CRS, shapely.Geometry]:
    """``area`` (WGS84 polygons) as one shape in its UTM zone, with that CRS.

    Kept per polygon set (a digest of the shapes): the union costs 0.02 s at 1,200 grids, and the
    热点 page asks for it twice per filter change (the automatic cell size and the lattice).
    """
    geoms = area.to_numpy()
    key = hashlib.blake2b(b"".join(shapely.to_wkb(geoms)), digest_size=16).hexdigest()
    if key not in _METRIC_AREAS:
        if len(_METRIC_AREAS) >= 8:
            _METRIC_AREAS.pop(next(iter(_METRIC_AREAS)))
        crs = metric_crs_for(area)
        _METRIC_AREAS[key] = (crs, shapely.union_all(area.to_crs(crs).to_numpy()))
    return _METRIC_AREAS[key]


#: Metric unions by polygon set (one shape each).
_METRIC_AREAS: dict[str, tuple[CRS, shapely.Geometry]] = {}


def auto_cell_size(area_m2: float, n_points: int, *, max_cells: int = MAX_CELLS) -> float:
    """The cell size chosen from the data: about ``TARGET_MEAN_COUNT`` points per cell, snapped to the ladder.

    ArcGIS's optimized hot spot tool derives its fishnet from nearest-neighbour distances; on ledgers that
    is misleading, because many reports share a door number (NN distance 0) and the rest are metres apart,
    which gives cells of a few metres holding 0 or 1 issue. Gi* on counts needs cells that hold several
    issues, so the rule is ``sqrt(area * 5 / n)`` (a mean of five per cell), rounded to the nearest ladder
    size, then bounded so the area holds between 30 and ``max_cells`` cells (40,000 by default; a map
    that must stay under a payload budget passes its own cap).

    Parameters
    ----------
    area_m2
        Area to cover (square metres).
    n_points
        Issues to analyse.
    """
    if area_m2 <= 0:
        raise ValueError(f"area must be > 0, got {area_m2}")
    raw = math.sqrt(area_m2 * TARGET_MEAN_COUNT / max(n_points, 1))
    # Bounds on the number of cells -> bounds on the size (cells ~ area / size^2).
    largest = math.sqrt(area_m2 / MIN_CELLS)
    smallest = math.sqrt(area_m2 / max_cells)
    raw = min(max(raw, smallest), largest)
    ladder = np.array(SIZE_LADDER_M)
    fitting = ladder[(ladder >= smallest) & (ladder <= largest)]
    if len(fitting) == 0:  # an area so small or large that no round size fits: keep the exact one
        return float(raw)
    return float(fitting[np.argmin(np.abs(np.log(fitting / raw)))])


@dataclass(frozen=True)
class Lattice:
    """Cells of ``size_m`` on a rectangular slot index; every cell that touches the area is active.

    So every point inside the area lands in an active cell: edge cells are partly outside, which
    keeps their counts honest (they hold all the area's points that fall in them).

    Attributes
    ----------
    crs
        The metric CRS the lattice lives in.
    x0, y0
        Origin of slot ``(0, 0)`` (see the subclass for what the origin is).
    size_m
        Square: the edge. Hexagon: the distance between opposite edges (= between neighbouring centres),
        as in ArcGIS's hexagon tessellation.
    nx, ny
        Slot extent.
    active
        Flat slot indices ``row * nx + col`` of the active cells, ascending; a cell's position in this
        array is its analysis index.
    """

    crs: object
    x0: float
    y0: float
    size_m: float
    nx: int
    ny: int
    active: np.ndarray

    shape_name: ClassVar[str] = ""

    @classmethod
    def covering(cls, area: gpd.GeoSeries, *, size_m: float) -> Lattice:
        """The lattice over ``area`` (WGS84 polygons, e.g. the management grids)."""
        if not size_m > 0:
            raise ValueError(f"size_m must be > 0, got {size_m}")
        crs, shape = metric_area(area)
        x0, y0, nx, ny = cls._extent(shape.bounds, float(size_m))
        if nx * ny > MAX_SLOTS:
            raise ValueError(f"{size_m:g} m cells over this area would need {nx * ny:,} slots; use larger cells")
        probe = cls(crs, x0, y0, float(size_m), nx, ny, np.arange(nx * ny))
        polys = probe._polygons_metric()
        # Prepared: a city's outline has thousands of vertices, and every slot is tested against it
        # (LA, 16,000 hexagon slots: 14 s unprepared, 0.6 s prepared).
        shapely.prepare(shape)
        touching = shapely.intersects(shape, polys)  # the prepared geometry must come first
        # Cells that only touch the edge hold no point of the area; drop them (checked on the few candidates).
        touching[touching] = ~shapely.touches(shape, polys[touching])
        return cls(crs, x0, y0, float(size_m), nx, ny, np.flatnonzero(touching))

    @classmethod
    def _extent(cls, bounds: tuple[float, float, float, float], size: float) -> tuple[float, float, int, int]:
        raise NotImplementedError

    def _slot(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row, col)`` of the slot holding each metric point (may be out of range)."""
        raise NotImplementedError

    def _neighbour_slots(self, row: np.ndarray, col: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(row, col)`` of each neighbour offset (self excluded)."""
        raise NotImplementedError

    def _polygons_metric(self) -> np.ndarray:
        raise NotImplementedError

    @property
    def ids(self) -> list[str]:
        """Stable cell ids ``r{row}c{col}`` (``h`` prefix for hexagons)."""
        prefix = "h" if self.shape_name == "hex" else ""
        return [f"{prefix}r{i // self.nx}c{i % self.nx}" for i in self.active]

    def _positions(self) -> np.ndarray:
        pos = np.full(self.nx * self.ny, -1, dtype=np.int64)
        pos[self.active] = np.arange(len(self.active))
        return pos

    def assign(self, points: gpd.GeoSeries) -> np.ndarray:
        """Analysis index of each point's cell, or -1 outside the active cells."""
        return self.assign_xy(*point_xy(points, self.crs))

    def assign_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`assign` for coordinates already in the lattice's CRS (NaN: no location, -1)."""
        row, col = self._slot(x, y)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)  # NaN (empty points) fails too
        flat = np.where(ok, np.nan_to_num(row) * self.nx + np.nan_to_num(col), -1).astype(np.int64)
        return np.where(flat >= 0, self._positions()[np.maximum(flat, 0)], -1)

    def counts(self, points: gpd.GeoSeries) -> np.ndarray:
        """Points per active cell (zeros kept)."""
        idx = self.assign(points)
        return np.bincount(idx[idx >= 0], minlength=len(self.active))

    def neighbours(self) -> Neighbours:
        """Cells sharing an edge or a corner with each active cell, self included."""
        n = len(self.active)
        pos = self._positions()
        r, c = self.active // self.nx, self.active % self.nx
        rows, cols = [np.arange(n)], [np.arange(n)]
        for rr, cc in self._neighbour_slots(r, c):
            ok = (rr >= 0) & (rr < self.ny) & (cc >= 0) & (cc < self.nx)
            target = np.where(ok, rr * self.nx + cc, 0)
            ok &= pos[target] >= 0
            rows.append(np.arange(n)[ok])
            cols.append(pos[target[ok]])
        i, j = np.concatenate(rows), np.concatenate(cols)
        m = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
        return Neighbours(tuple(self.ids), m, f"contiguity on {self.size_m:g} m {self.shape_name} cells")

    def cells(self, crs: object = "EPSG:4326") -> gpd.GeoDataFrame:
        """The active cells as polygons with ``unit_id``, in ``crs`` (WGS84 by default)."""
        polys = self._polygons_metric()[self.active]
        return gpd.GeoDataFrame({"unit_id": self.ids}, geometry=polys, crs=self.crs).to_crs(crs)


@dataclass(frozen=True)
class SquareLattice(Lattice):
    """Square cells; ``(x0, y0)`` is the lower-left corner of slot ``(0, 0)``.

    Cell ``(row, col)`` is ``[x0 + col * size, x0 + (col + 1) * size)`` by the same in y (half-open: a
    point on a shared edge belongs to the cell above/right of it). Neighbours: queen (8 around).
    """

    shape_name: ClassVar[str] = "square"

    @classmethod
    def _extent(cls, bounds: tuple[float, float, float, float], size: float) -> tuple[float, float, int, int]:
        minx, miny, maxx, maxy = bounds
        return minx, miny, max(int(np.ceil((maxx - minx) / size)), 1), max(int(np.ceil((maxy - miny) / size)), 1)

    def _slot(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.floor((y - self.y0) / self.size_m), np.floor((x - self.x0) / self.size_m)

    def _neighbour_slots(self, row: np.ndarray, col: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(row + dr, col + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]

    def _polygons_metric(self) -> np.ndarray:
        slots = np.arange(self.nx * self.ny)
        x = self.x0 + (slots % self.nx) * self.size_m
        y = self.y0 + (slots // self.nx) * self.size_m
        return np.asarray(shapely.box(x, y, x + self.size_m, y + self.size_m))


#: Axial-coordinate offsets of a hexagon's six neighbours.
_HEX_AXIAL: Final = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))


@dataclass(frozen=True)
class HexLattice(Lattice):
    """Flat-top hexagons of side ``size / sqrt(3)``; ``(x0, y0)`` is the centre of slot ``(0, 0)``.

    Slot ``(row, col)`` has its centre at ``x0 + 1.5 a col``, ``y0 + sqrt(3) a (row + (col odd) / 2)``
    with ``a`` the side. A point goes to the hexagon whose centre is nearest (cube rounding); a point
    exactly on a shared edge goes to one of the two, always the same. Neighbours: the six sharing an edge.
    """

    shape_name: ClassVar[str] = "hex"

    @property
    def side_m(self) -> float:
        """Edge length (= centre-to-corner distance)."""
        return self.size_m / math.sqrt(3.0)

    @classmethod
    def _extent(cls, bounds: tuple[float, float, float, float], size: float) -> tuple[float, float, int, int]:
        minx, miny, maxx, maxy = bounds
        a = size / math.sqrt(3.0)
        # One slot of margin on every side, so cells overlapping the bounding box from outside exist.
        x0, y0 = minx - 1.5 * a, miny - size
        return x0, y0, int(np.ceil((maxx - x0) / (1.5 * a))) + 2, int(np.ceil((maxy - y0) / size)) + 2

    def _slot(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = self.side_m
        dx, dy = x - self.x0, y - self.y0
        # Fractional axial coordinates (q along x, r along the 60-degree axis), then cube rounding.
        q = dx * (2.0 / 3.0) / a
        r = (-dx / 3.0 + dy * math.sqrt(3.0) / 3.0) / a
        cube = np.stack([q, -q - r, r])
        rounded = np.round(cube)
        diff = np.abs(rounded - cube)
        worst = np.argmax(diff, axis=0)
        fix = -(rounded.sum(axis=0) - rounded[worst, np.arange(rounded.shape[1])])
        rounded[worst, np.arange(rounded.shape[1])] = fix
        qi, ri = rounded[0], rounded[2]
        return ri + np.floor(qi / 2.0), qi

    def _neighbour_slots(self, row: np.ndarray, col: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        r_axial = row - col // 2
        out = []
        for dq, dr in _HEX_AXIAL:
            q2, r2 = col + dq, r_axial + dr
            out.append((r2 + q2 // 2, q2))  # floor division keeps odd-q right for negative columns too
        return out

    def _polygons_metric(self) -> np.ndarray:
        a = self.side_m
        slots = np.arange(self.nx * self.ny)
        col, row = slots % self.nx, slots // self.nx
        cx = self.x0 + 1.5 * a * col
        cy = self.y0 + self.size_m * (row + (col % 2) / 2.0)
        angles = np.deg2rad(np.arange(0, 361, 60))  # closed ring, flat top: corners at 0, 60, ... degrees
        ring = np.stack([cx[:, None] + a * np.cos(angles), cy[:, None] + a * np.sin(angles)], axis=-1)
        return np.asarray(shapely.polygons(ring))


LATTICES: Final[dict[str, type[Lattice]]] = {"square": SquareLattice, "hex": HexLattice}
