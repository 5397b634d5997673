"""Spatial neighbourhoods: one validated object (:class:`Neighbours`) built by ``build_*`` functions.

Binary weights; contiguity for polygons (shared edge or corner within a tolerance), distance bands
for points. Gi*, local Moran and the emerging classes all take the same object.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely

from geo.crs import metric_crs_for


@dataclass(frozen=True)
class Neighbours:
    """Binary spatial weights *including* each unit itself (the Gi* "star" neighbourhood).

    Attributes
    ----------
    ids
        Unit identifiers, in row order.
    matrix
        ``n x n`` CSR matrix of 0/1 with ones on the diagonal.
    rule
        How the neighbourhood was built, for the report (``"queen contiguity"``, ...).
    """

    ids: tuple[str, ...]
    matrix: sp.csr_matrix
    rule: str

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.matrix.shape != (n, n):
            raise ValueError(f"matrix is {self.matrix.shape}, expected ({n}, {n}) for {n} ids")
        if not np.all(self.matrix.diagonal() == 1):
            raise ValueError("Gi* needs every unit in its own neighbourhood (diagonal of ones)")
        if (self.matrix != self.matrix.T).nnz:
            raise ValueError("neighbourhoods must be symmetric")

    @property
    def cardinalities(self) -> np.ndarray:
        """Neighbours per unit, itself excluded."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(int) - 1

    @property
    def islands(self) -> list[str]:
        """Units with no neighbour but themselves."""
        return [i for i, c in zip(self.ids, self.cardinalities, strict=True) if c == 0]


def _from_pairs(ids: list[str], i: np.ndarray, j: np.ndarray, rule: str) -> Neighbours:
    n = len(ids)
    rows = np.concatenate([i, j, np.arange(n)])
    cols = np.concatenate([j, i, np.arange(n)])
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    m.data[:] = 1.0  # duplicates summed by the constructor: back to binary
    return Neighbours(tuple(ids), m, rule)


def build_contiguity(polygons: gpd.GeoSeries, ids: list[str], *, tolerance_m: float = 0.5) -> Neighbours:
    """Queen contiguity: units whose polygons share at least a point (within ``tolerance_m``).

    The tolerance absorbs digitising slivers between neighbours that should touch.
    """
    metric = polygons.to_crs(metric_crs_for(polygons)).to_numpy()
    a, b = shapely.STRtree(metric).query(metric, predicate="dwithin", distance=tolerance_m)
    keep = a < b
    return _from_pairs(list(ids), a[keep], b[keep], f"queen contiguity (tolerance {tolerance_m:g} m)")


def build_distance_band(points: gpd.GeoSeries, ids: list[str], *, threshold_m: float | None = None) -> Neighbours:
    """Units within ``threshold_m`` of each other (centroid distance).

    Without a threshold, ArcGIS's default: the smallest distance at which every unit has at least
    one neighbour.
    """
    metric = points.to_crs(metric_crs_for(points)).to_numpy()
    if threshold_m is None:
        tree = shapely.STRtree(metric)
        nearest = tree.query_nearest(metric, exclusive=True, return_distance=True, all_matches=False)
        dist = np.zeros(len(metric))
        np.maximum.at(dist, nearest[0][0], nearest[1])
        threshold_m = float(dist.max()) * (1 + 1e-9)
    a, b = shapely.STRtree(metric).query(metric, predicate="dwithin", distance=threshold_m)
    keep = a < b
    return _from_pairs(list(ids), a[keep], b[keep], f"distance band {threshold_m:.0f} m")


