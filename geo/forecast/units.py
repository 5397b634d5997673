"""The places a forecast speaks about: fine square cells over the street, or the management grids.

A unit has an index (its row in every array of the forecast), an id, a WGS84 polygon, an area and
neighbours. Cells are the targeting unit (equal areas, so "most expected per cell" is "most expected
per km²", and the share of area flagged is the share of cells); grids are the unit of responsibility
the priority list names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo import schema as s
from geo.crs import metric_crs_for
from geo.stats.cells import SIZE_LADDER_M, SquareLattice, metric_area
from geo.stats.weights import build_contiguity

UnitKind = Literal["cells", "grids"]

#: The default forecast cell: about a block, what an inspector checks in one stop. Measured against
#: 250 m in docs/forecast.md (finer cells put the same flagged area where the problems are).
FORECAST_CELL_M: Final = 100.0
#: A forecast lattice holds at most this many cells; a larger area steps up the size ladder.
MAX_FORECAST_CELLS: Final = 250_000


def forecast_cell_size(area_m2: float) -> float:
    """``FORECAST_CELL_M``, or the smallest ladder size that keeps the area within ``MAX_FORECAST_CELLS``.

    >>> forecast_cell_size(6e6), forecast_cell_size(1.7e9)
    (100.0, 100.0)
    >>> forecast_cell_size(1e11)
    750.0
    """
    for size in (x for x in SIZE_LADDER_M if x >= FORECAST_CELL_M):
        if area_m2 / (size * size) <= MAX_FORECAST_CELLS:
            return float(size)
    return float(math.sqrt(area_m2 / MAX_FORECAST_CELLS))


@dataclass(frozen=True, eq=False)
class Units:
    """Forecast units: ids, polygons (WGS84), areas and a neighbour matrix (self excluded).

    Attributes
    ----------
    kind
        ``"cells"`` or ``"grids"``.
    ids
        Unit ids: ``r{row}c{col}`` for cells, the grid id for grids.
    polygons
        WGS84 polygons, one per unit, in index order.
    area_km2
        Area of each unit (a cell's full square, also at the street's edge).
    neighbours
        ``(n, n)`` binary CSR matrix of touching units, zero diagonal.
    grid_of
        For cells, the management grid holding the cell's centre (``None`` outside every grid);
        for grids, the grid itself.
    lattice
        The cell lattice (``None`` for grids).
    """

    kind: UnitKind
    ids: tuple[str, ...]
    polygons: gpd.GeoSeries
    area_km2: np.ndarray
    neighbours: sp.csr_matrix
    grid_of: tuple[str | None, ...]
    lattice: SquareLattice | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def cell_size_m(self) -> float | None:
        """The cell edge, or ``None`` for grids."""
        return None if self.lattice is None else self.lattice.size_m

    def assign(self, issues: gpd.GeoDataFrame) -> np.ndarray:
        """Unit index of each issue, -1 where it falls in no unit (outside the grids or the lattice)."""
        if self.lattice is not None:
            return self.lattice.assign(issues.geometry)
        grid = issues[s.GRID_ID]
        return pd.Index(self.ids).get_indexer(grid.astype(object).where(grid.notna(), None)).astype(np.int64)

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over each unit's neighbours (0 for a unit without neighbours)."""
        degree = np.asarray(self.neighbours.sum(axis=1)).ravel()
        return np.asarray(np.divide(self.neighbours @ values, degree, out=np.zeros(len(values)), where=degree > 0))

    @classmethod
    def of_cells(cls, grids: gpd.GeoDataFrame, *, size_m: float | None = None) -> Units:
        """Square cells over the grids (default :func:`forecast_cell_size`)."""
        crs, area_shape = metric_area(grids.geometry)  # the union is kept per grid layer
        if size_m is None:
            size_m = forecast_cell_size(float(area_shape.area))
        lattice = SquareLattice.covering(grids.geometry, size_m=size_m)
        assert isinstance(lattice, SquareLattice)  # covering() is a classmethod: it builds its own class
        ids = tuple(lattice.ids)
        queen = lattice.neighbours().matrix.tocsr().copy()
        queen.setdiag(0)
        queen.eliminate_zeros()
        cells = lattice.cells()
        centres = gpd.GeoDataFrame(geometry=cells.to_crs(crs).centroid.to_crs("EPSG:4326"))
        hit = gpd.sjoin(centres, grids[[s.GRID_ID, "geometry"]], how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        grid_of = tuple(None if pd.isna(g) else str(g) for g in hit[s.GRID_ID].reindex(centres.index))
        area = np.full(len(ids), size_m * size_m / 1e6)
        return cls("cells", ids, cells.geometry.reset_index(drop=True), area, queen, grid_of, lattice)

    @classmethod
    def of_grids(cls, grids: gpd.GeoDataFrame) -> Units:
        """The management grids themselves (queen contiguity)."""
        ordered = grids.sort_values(s.GRID_ID).reset_index(drop=True)
        ids = tuple(ordered[s.GRID_ID].astype(str))
        queen = build_contiguity(ordered.geometry, list(ids)).matrix.tocsr().copy()
        queen.setdiag(0)
        queen.eliminate_zeros()
        metric = ordered.geometry.to_crs(metric_crs_for(ordered.geometry))
        return cls("grids", ids, ordered.geometry, metric.area.to_numpy() / 1e6, queen, ids)
