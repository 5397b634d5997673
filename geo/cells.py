"""Generated square analysis cells: assignment by index arithmetic, neighbours by lattice offsets.

Management grids are too coarse for Gi* to see a hotspot the size of a market (a unit's whole
neighbourhood is averaged in; see docs/hotspots.md). Fine square cells over the street fix that.
No polygon join is needed: a point's cell is ``floor((x - x0) / size)`` in the local UTM zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

from geo.crs import metric_crs_for
from geo.hotspots import Neighbours


@dataclass(frozen=True)
class SquareLattice:
    """Square cells of ``size_m`` covering an area; every cell that touches the area is active.

    So every point inside the area lands in an active cell: edge cells are partly outside, which
    keeps their counts honest (they hold all the area's points that fall in them).

    Attributes
    ----------
    crs
        The metric CRS the lattice lives in.
    x0, y0
        Lower-left corner; cell ``(row, col)`` is ``[x0 + col * size, x0 + (col + 1) * size)`` by
        the same in y (half-open: a point on a shared edge belongs to the cell above/right of it).
    size_m, nx, ny
        Cell edge and lattice extent.
    active
        Flat indices ``row * nx + col`` of the active cells, ascending; a cell's position in this
        array is its analysis index.
    """

    crs: object
    x0: float
    y0: float
    size_m: float
    nx: int
    ny: int
    active: np.ndarray

    @classmethod
    def covering(cls, area: gpd.GeoSeries, *, size_m: float) -> SquareLattice:
        """The lattice over ``area`` (WGS84 polygons, e.g. the management grids)."""
        if size_m <= 0:
            raise ValueError(f"size_m must be > 0, got {size_m}")
        crs = metric_crs_for(area)
        shape = shapely.union_all(area.to_crs(crs).to_numpy())
        minx, miny, maxx, maxy = shape.bounds
        nx, ny = int(np.ceil((maxx - minx) / size_m)), int(np.ceil((maxy - miny) / size_m))
        col, row = np.meshgrid(np.arange(nx), np.arange(ny))
        x, y = minx + col.ravel() * size_m, miny + row.ravel() * size_m
        boxes = shapely.box(x, y, x + size_m, y + size_m)
        touching = shapely.intersects(boxes, shape) & ~shapely.touches(boxes, shape)
        return cls(crs, minx, miny, float(size_m), nx, ny, np.flatnonzero(touching))

    @property
    def ids(self) -> list[str]:
        """Stable cell ids ``r{row}c{col}``."""
        return [f"r{i // self.nx}c{i % self.nx}" for i in self.active]

    def assign(self, points: gpd.GeoSeries) -> np.ndarray:
        """Analysis index of each point's cell, or -1 outside the active cells."""
        metric = points.to_crs(self.crs)
        col = np.floor((shapely.get_x(metric.to_numpy()) - self.x0) / self.size_m)
        row = np.floor((shapely.get_y(metric.to_numpy()) - self.y0) / self.size_m)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        flat = np.where(ok, row * self.nx + col, -1).astype(np.int64)
        pos = np.full(self.nx * self.ny, -1, dtype=np.int64)
        pos[self.active] = np.arange(len(self.active))
        return np.where(flat >= 0, pos[np.maximum(flat, 0)], -1)

    def counts(self, points: gpd.GeoSeries) -> np.ndarray:
        """Points per active cell (zeros kept)."""
        idx = self.assign(points)
        return np.bincount(idx[idx >= 0], minlength=len(self.active))

    def neighbours(self) -> Neighbours:
        """Queen neighbourhood on the lattice (the 8 surrounding active cells), self included."""
        n = len(self.active)
        pos = np.full(self.nx * self.ny, -1, dtype=np.int64)
        pos[self.active] = np.arange(n)
        r, c = self.active // self.nx, self.active % self.nx
        rows, cols = [], []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                ok = (rr >= 0) & (rr < self.ny) & (cc >= 0) & (cc < self.nx)
                target = np.where(ok, rr * self.nx + cc, 0)
                ok &= pos[target] >= 0
                rows.append(np.arange(n)[ok])
                cols.append(pos[target[ok]])
        i, j = np.concatenate(rows), np.concatenate(cols)
        m = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
        return Neighbours(tuple(self.ids), m, f"queen contiguity on {self.size_m:g} m square cells")
