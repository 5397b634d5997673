"""The spatial join of issue points to management grids, done once at import time.

Rule for ambiguous points: a point on an edge shared by several grids belongs to the grid whose
``grid_id`` sorts first. Points in no grid keep ``grid_id = <NA>`` and ``outside_grids = True``;
they are never dropped.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.schema import GEOMETRY, GRID_ID, OUTSIDE_GRIDS, validate_grids


def assign_grids(issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of ``issues`` with ``grid_id`` and ``outside_grids`` set from ``grids``.

    Parameters
    ----------
    issues
        Points in WGS84; rows with a missing or empty geometry are marked outside.
    grids
        Management grid polygons in WGS84 following :data:`geo.schema.GRID_COLUMNS`.

    Returns
    -------
    GeoDataFrame
        Same rows and order as ``issues``.

    Notes
    -----
    The test is planar on the stored WGS84 coordinates, the same coordinates the grid polygons are
    drawn with, so the map and the join agree. ``intersects`` (not ``within``) is used so that a
    point exactly on a boundary is assigned rather than lost; ties go to the smallest ``grid_id``.
    The tree query is vectorised (shapely 2 ``STRtree.query``), about 2x faster than
    ``geopandas.sjoin(predicate="within")`` (see ``benchmarks/bench_join.py``).
    """
    validate_grids(grids)
    if issues.crs is None or grids.crs is None or issues.crs != grids.crs:
        raise ValueError(f"issues ({issues.crs}) and grids ({grids.crs}) must share one CRS")

    order = np.argsort(grids[GRID_ID].astype(str).to_numpy(), kind="stable")
    grid_ids = grids[GRID_ID].astype(str).to_numpy()[order]
    tree = shapely.STRtree(grids.geometry.to_numpy()[order])

    points = issues.geometry.to_numpy()
    usable = ~(shapely.is_missing(points) | shapely.is_empty(points))
    point_idx, grid_pos = tree.query(points[usable], predicate="intersects")

    # Smallest sorted position per point = smallest grid_id (the documented tie rule).
    best = np.full(usable.sum(), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, point_idx, grid_pos)
    found = best != np.iinfo(np.int64).max

    assigned = np.full(len(issues), None, dtype=object)
    usable_rows = np.flatnonzero(usable)
    assigned[usable_rows[found]] = grid_ids[best[found]]

    out = issues.copy()
    out[GRID_ID] = pd.array(assigned, dtype="string")
    out[OUTSIDE_GRIDS] = out[GRID_ID].isna().to_numpy()
    # Keep geometry last, as in the canonical column order.
    cols = [c for c in out.columns if c != GEOMETRY] + [GEOMETRY]
    return out[cols]
