"""The spatial join of issue points to management grids, done once at import time.

Rule for ambiguous points: a point on an edge shared by several grids belongs to the grid whose
``grid_id`` sorts first. Points in no grid keep ``grid_id = <NA>`` and ``outside_grids = True``;
they are never dropped.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from scipy import ndimage

from geo.crs import point_coords
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
    Most points are assigned without any geometry test: :class:`InteriorRaster` knows, for every cell
    of a fine raster that no grid boundary crosses, which grid (if any) holds all of it. Only points in
    cells a boundary crosses get the exact ``STRtree`` test, so the result is the exact rule's
    (property-tested against it and against ``geopandas.sjoin``); see ``benchmarks/bench_join.py``.
    From 200,000 points on the points are joined in chunks on several threads (each chunk is
    independent, so the result is the same).
    """
    validate_grids(grids)
    if issues.crs is None or grids.crs is None or issues.crs != grids.crs:
        raise ValueError(f"issues ({issues.crs}) and grids ({grids.crs}) must share one CRS")

    order = np.argsort(grids[GRID_ID].astype(str).to_numpy(), kind="stable")
    grid_ids = grids[GRID_ID].astype(str).to_numpy()[order]
    polygons = grids.geometry.to_numpy()[order]
    tree = shapely.STRtree(polygons)
    shapely.prepare(tree.geometries)  # here, before any thread: preparing is not safe from two at once

    points = issues.geometry.to_numpy()
    raster = InteriorRaster.kept(polygons, tree)
    chunks = np.array_split(points, _threads(len(points)))
    if len(chunks) == 1:
        best = _positions(raster, tree, points)
    else:  # shapely and NumPy release the GIL here: a million points in 0.07 s on two cores, not 0.15
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            best = np.concatenate(list(pool.map(lambda part: _positions(raster, tree, part), chunks)))
    # The ids through Arrow's take: a million Python strings cost more than the whole join.
    assigned = pc.take(pa.array(list(grid_ids), pa.string()), pa.array(best, mask=best < 0))

    out = issues.copy(deep=False)  # new columns only: the caller's columns are shared, never changed
    out[GRID_ID] = pd.array(assigned, dtype=pd.StringDtype("pyarrow"))
    out[OUTSIDE_GRIDS] = out[GRID_ID].isna().to_numpy()
    # Keep geometry last, as in the canonical column order.
    cols = [c for c in out.columns if c != GEOMETRY] + [GEOMETRY]
    return out[cols]


#: Points per thread: below this one thread is as fast (the pool costs about a millisecond).
POINTS_PER_THREAD: Final = 100_000
#: At most this many threads (the join is a few array passes; more threads only share the cores).
MAX_THREADS: Final = 4


def _threads(n_points: int) -> int:
    """How many threads join ``n_points``: one per ``POINTS_PER_THREAD``, up to the cores this process may use."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(MAX_THREADS, cores, n_points // POINTS_PER_THREAD))


def _positions(raster: InteriorRaster, tree: shapely.STRtree, points: np.ndarray) -> np.ndarray:
    """Per point, its grid's position in the tree's order, -1 outside every grid (see :func:`assign_grids`)."""
    # Missing and empty points have NaN coordinates: off the raster, so outside (never dropped).
    try:
        x, y = shapely.get_x(points), shapely.get_y(points)
    except shapely.errors.GEOSException:  # an empty point (GEOS refuses getX on one): the careful route
        x, y = point_coords(points)
    best = raster.lookup(x, y)
    # Points in a cell some boundary crosses get the exact test (about one in fourteen on a district).
    exact = np.flatnonzero(best == InteriorRaster.EXACT)
    best[exact] = _exact_positions(tree, points[exact], x[exact], y[exact])
    return best


def _exact_positions(tree: shapely.STRtree, points: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point, the smallest position (in the tree's order) of a polygon it intersects, else -1.

    The tree gives the candidates by bounding box; ``intersects_xy`` on the prepared polygons decides
    from the coordinates (a third faster than the tree's own predicate, which tests point objects).
    """
    point_idx, grid_pos = tree.query(points)
    polygons = tree.geometries
    shapely.prepare(polygons)  # a no-op when prepared already (assign_grids does it before its threads)
    hit = shapely.intersects_xy(polygons[grid_pos], x[point_idx], y[point_idx])
    none = np.iinfo(np.int64).max
    best = np.full(len(points), none, dtype=np.int64)
    np.minimum.at(best, point_idx[hit], grid_pos[hit])  # smallest sorted position = smallest grid_id (the tie rule)
    best[best == none] = -1
    return best


@dataclass(frozen=True)
class InteriorRaster:
    """A raster over the grids whose cells no grid boundary crosses, each labelled with the grid holding it.

    Built in a few array passes, no per-cell geometry test: boundaries are sampled every quarter cell and
    the cells they touch (with the neighbour a sample near a cell's edge can reach) form the *band*,
    which holds every cell whose closed square a boundary touches. The rest falls into connected regions
    (``scipy.ndimage.label``) that no boundary enters, so every point of a region lies in the same grids
    as any other: one exact test of one cell centre per region labels it.

    ``lookup`` gives each point its grid position, -1 outside every grid, or ``EXACT`` (-2) in the band.
    """

    EXACT: ClassVar[int] = -2
    #: Cells per median grid width: a thinner band (fewer exact tests) against a larger raster.
    CELLS_PER_GRID: ClassVar[int] = 48
    MAX_CELLS: ClassVar[int] = 8_000_000

    x0: float
    y0: float
    size: float
    labels: np.ndarray  # (ny, nx) int32: grid position, -1 outside every grid, EXACT in the band

    #: Changes whenever the construction does, so a raster kept on disk by another version is not read.
    VERSION: ClassVar[int] = 1

    @classmethod
    def kept(cls, polygons: np.ndarray, tree: shapely.STRtree) -> InteriorRaster:
        """The raster of these polygons, built once per grid layer: kept in the process and on disk.

        On disk it is content-addressed (the polygons' WKB digest and the construction's parameters), in
        ``$GRIDWATCH_CACHE_DIR/rasters`` (default ``~/.cache/gridwatch``), so every ``python -m geo import``
        of a new week's ledger into a layer reads it back in milliseconds instead of building it again.
        A file that cannot be read is rebuilt; a file that cannot be written only costs the next build.
        """
        digest = hashlib.blake2b(b"".join(shapely.to_wkb(polygons)), digest_size=16)
        digest.update(f"{cls.VERSION}|{cls.CELLS_PER_GRID}|{cls.MAX_CELLS}".encode())
        key = digest.hexdigest()
        if key not in _RASTERS:
            if len(_RASTERS) >= 4:
                _RASTERS.pop(next(iter(_RASTERS)))
            path = _raster_dir() / f"{key}.npz"
            raster = cls.read(path)
            if raster is None:
                raster = cls.of(polygons, tree)
                raster.write(path)
            _RASTERS[key] = raster
        return _RASTERS[key]

    @classmethod
    def read(cls, path: Path) -> InteriorRaster | None:
        """The raster kept at ``path``, or ``None`` when there is none or it is unreadable."""
        try:
            with np.load(path, allow_pickle=False) as kept:
                x0, y0, size = (float(v) for v in kept["origin"])
                labels = kept["labels"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None
        if labels.ndim != 2 or labels.dtype != np.int32:
            return None
        return cls(x0, y0, size, labels)

    def write(self, path: Path) -> None:
        """Keep the raster at ``path`` (written to a temporary name and renamed: a reader never sees half)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        except OSError:
            return  # a read-only home: the next process builds it again
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, origin=np.array([self.x0, self.y0, self.size]), labels=self.labels)  # read in ms: no inflate
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    @classmethod
    def of(cls, polygons: np.ndarray, tree: shapely.STRtree) -> InteriorRaster:
        minx, miny, maxx, maxy = shapely.total_bounds(polygons)
        width = float(np.median(np.sqrt(shapely.area(polygons)))) if len(polygons) else 0.0
        extent = max(maxx - minx, maxy - miny)
        if not np.isfinite(extent) or extent <= 0 or width <= 0:
            return cls(0.0, 0.0, 1.0, np.full((1, 1), cls.EXACT, dtype=np.int32))  # nothing to gain: all exact
        size = max(width / cls.CELLS_PER_GRID, np.sqrt((maxx - minx) * (maxy - miny) / cls.MAX_CELLS))
        x0, y0 = minx - size, miny - size  # one empty cell of margin all round
        nx = int(np.ceil((maxx - x0) / size)) + 2
        ny = int(np.ceil((maxy - y0) / size)) + 2
        band = np.zeros((ny, nx), dtype=bool)
        # Boundaries sampled every quarter cell: the piece after a sample stays within a quarter cell of it
        # on each axis, so it can touch a neighbouring cell only if the sample lies in the outer quarter
        # (0.3 here, for rounding) on that side. Those neighbours are marked too: every cell whose closed
        # square a boundary touches is in the band, and the band is under two cells wide, not three.
        xy = shapely.get_coordinates(shapely.segmentize(shapely.boundary(polygons), size / 4))
        fx, fy = (xy[:, 0] - x0) / size, (xy[:, 1] - y0) / size
        ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
        fx, fy = fx - ix, fy - iy
        sx = np.where(fx < 0.3, -1, np.where(fx > 0.7, 1, 0))
        sy = np.where(fy < 0.3, -1, np.where(fy > 0.7, 1, 0))
        for dx, dy in ((0, 0), (sx, 0), (0, sy), (sx, sy)):
            band[np.clip(iy + dy, 0, ny - 1), np.clip(ix + dx, 0, nx - 1)] = True
        regions, n = ndimage.label(~band)
        flat = regions.ravel()
        first = np.full(n + 1, -1, dtype=np.int64)
        cells = np.flatnonzero(flat)
        # One cell per region represents it (a region is homogeneous, so any of its cells will do; with
        # repeated indices NumPy keeps one of the values written, which is all this needs).
        first[flat[cells]] = cells
        rep = first[1:]
        cx, cy = x0 + (rep % nx + 0.5) * size, y0 + (rep // nx + 0.5) * size
        region_grid = np.concatenate([[cls.EXACT], _exact_positions(tree, shapely.points(cx, cy), cx, cy)])
        return cls(x0, y0, size, region_grid.astype(np.int32)[regions])

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Grid position per point (``-1`` outside every grid, ``EXACT`` where the raster cannot say).

        Points without coordinates (NaN) are off the raster, so outside, as the exact test would say.
        """
        ny, nx = self.labels.shape
        fx = (x - self.x0) / self.size
        fy = (y - self.y0) / self.size
        inside = (fx >= 0) & (fx < nx) & (fy >= 0) & (fy < ny)  # False for NaN
        out = np.full(len(x), -1, dtype=np.int64)  # off the raster: beyond every grid's bounds
        # truncation is the floor here: only non-negative offsets are left
        out[inside] = self.labels[fy[inside].astype(np.int64), fx[inside].astype(np.int64)]
        return out


#: Rasters by grid layer (the polygons' WKB digest), at most four: 4 bytes a cell, at most 32 MB each.
_RASTERS: dict[str, InteriorRaster] = {}


def _raster_dir() -> Path:
    """Where rasters are kept on disk (see :meth:`InteriorRaster.kept`)."""
    base = os.environ.get("GRIDWATCH_CACHE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "gridwatch") / "rasters"
