"""Counting issues: the grid x category x period cube, and bounded heat-map payloads.

Statistics need the zeros, so the cube holds every combination of grid, category and period,
including those with no issue.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import localtime
from geo import schema as s
from geo.crs import metric_crs_for
from geo.cube.index import IssueIndex

COUNT = "count"
PERIOD_START = "period_start"


def period_starts(
    times: pd.Series, *, end: pd.Timestamp, period_days: int = 7
) -> pd.Series:
    """Start of the period that holds each time, with periods aligned to ``end``.

    Parameters
    ----------
    times
        tz-aware times.
    end
        Exclusive end of the last period (for a week ending on Sunday, Monday 00:00).
    period_days
        Length of a period in days.

    Returns
    -------
    Series
        Period start per time (same zone); ``NaT`` for times at or after ``end``.

    Notes
    -----
    Periods are half-open ``[start, start + period_days)`` in local calendar days (``geo.localtime``:
    a week that holds a clock change is 167 or 169 hours); the last one ends exactly at ``end``, so
    the newest week is always complete (Esri's emerging hot spot convention).
    """
    if period_days < 1:
        raise ValueError(f"period_days must be >= 1, got {period_days}")
    out = pd.Series(pd.NaT, index=times.index, dtype=times.dtype)
    ok = (times < end).fillna(False).to_numpy(dtype=bool)
    if not ok.any():
        return out
    end_day = localtime.first_day_from(end)
    k = periods_back(localtime.local_days(times[ok]), end_day, period_days)
    out[ok] = localtime.midnights(end_day - k * period_days, times.dt.tz)
    return out


def periods_back(days: np.ndarray, end_day: int, period_days: int) -> np.ndarray:
    """How many periods of ``period_days`` local days before ``end_day`` each day lies (1 = the last period)."""
    return -((days - end_day) // period_days)  # ceil((end_day - day) / period_days) in integers


def count_cube(
    issues: pd.DataFrame,
    *,
    grid_ids: list[str],
    categories: list[str],
    end: pd.Timestamp,
    n_periods: int,
    period_days: int = 7,
) -> pd.DataFrame:
    """Counts per grid x category x period, zeros kept.

    Parameters
    ----------
    issues
        Canonical issues with ``grid_id`` assigned; issues outside every grid are not counted
        (they belong to no grid) and issues outside the time window are ignored.
    grid_ids, categories
        The full axes of the cube, in display order.
    end
        Exclusive end of the last period.
    n_periods
        Number of periods before ``end``.
    period_days
        Period length in days (7 = weekly).

    Returns
    -------
    DataFrame
        Columns ``grid_id``, ``category``, ``period_start``, ``count``; exactly
        ``len(grid_ids) * len(categories) * n_periods`` rows.
    """
    def codes(labels: list[str], column: str) -> np.ndarray:  # missing values as None: never a label
        values = issues[column].astype(object)
        return pd.Index(labels).get_indexer(pd.Index(values.where(values.notna(), None)))

    grid_pos, cat_pos = codes(grid_ids, s.GRID_ID), codes(categories, s.CATEGORY)
    t_ns = issues[s.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
    return _cube(grid_pos, cat_pos, t_ns.astype(np.int64), grid_ids, categories, end, n_periods, period_days)


def _cube(grid_pos: np.ndarray, cat_pos: np.ndarray, t_ns: np.ndarray, grid_ids: list[str], categories: list[str],
          end: pd.Timestamp, n_periods: int, period_days: int) -> pd.DataFrame:
    """The cube from each issue's grid and category position (-1: not counted) and UTC nanoseconds.

    A time's period counts back from ``end`` in local calendar days (:func:`period_starts`).
    """
    if n_periods < 1:
        raise ValueError(f"n_periods must be >= 1, got {n_periods}")
    end_day = localtime.first_day_from(end)
    starts = localtime.midnights(end_day - period_days * (n_periods - np.arange(n_periods)), end.tz)
    # Periods are local calendar days (weeks of 167 or 169 hours across a clock change), not 24-hour steps.
    local = pd.DatetimeIndex(t_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(end.tz) if end.tz else \
        pd.DatetimeIndex(t_ns.astype("datetime64[ns]"))
    per_pos = n_periods - periods_back(localtime.local_days(local), end_day, period_days)
    ok = (grid_pos >= 0) & (cat_pos >= 0) & (t_ns < end.value) & (per_pos >= 0) & (t_ns != np.iinfo(np.int64).min)
    shape = (len(grid_ids), len(categories), n_periods)
    flat = np.ravel_multi_index((grid_pos[ok], cat_pos[ok], per_pos[ok]), shape)
    counts = np.bincount(flat, minlength=int(np.prod(shape)))
    index = pd.MultiIndex.from_product([grid_ids, categories, starts], names=[s.GRID_ID, s.CATEGORY, PERIOD_START])
    return pd.DataFrame({COUNT: counts.astype("int64")}, index=index).reset_index()


@dataclass(frozen=True)
class HeatPayload:
    """Weighted points for a browser heat layer.

    Attributes
    ----------
    points
        ``(n, 3)`` array of ``lat, lon, weight`` (Leaflet.heat's order), one per non-empty cell.
    cell_size_m
        Edge of the square cells the issues were binned into.
    n_issues
        Issues represented (the sum of the weights).
    """

    points: np.ndarray
    cell_size_m: float
    n_issues: int


def heat_payload(
    issues: gpd.GeoDataFrame, *, cell_size_m: float = 15.0, max_points: int = 50_000
) -> HeatPayload:
    """Bin points into square cells and return one weighted point per non-empty cell.

    The browser receives at most ``max_points`` points whatever the number of issues: when
    there are more non-empty cells, the cell size doubles until they fit.

    Notes
    -----
    Cells are half-open squares in the local UTM zone, ``[i * size, (i + 1) * size)``; each cell's
    point is the mean position of its issues (not the cell centre), so a pile at one address stays
    at that address. 15 m is below the blur radius of the heat layer at street zoom, so the
    binning is invisible on the map.
    """
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    if cell_size_m <= 0:
        raise ValueError(f"cell_size_m must be > 0, got {cell_size_m}")
    geoms = issues.geometry
    geoms = geoms[~(geoms.is_empty | geoms.isna())]
    if geoms.empty:
        return HeatPayload(np.empty((0, 3)), cell_size_m, 0)
    metric = geoms.to_crs(metric_crs_for(geoms))
    x, y = shapely.get_x(metric.to_numpy()), shapely.get_y(metric.to_numpy())
    lon, lat = shapely.get_x(geoms.to_numpy()), shapely.get_y(geoms.to_numpy())
    return heat_from_xy(x, y, lon, lat, cell_size_m=cell_size_m, max_points=max_points)


def heat_from_xy(x: np.ndarray, y: np.ndarray, lon: np.ndarray, lat: np.ndarray, *, cell_size_m: float = 15.0,
                 max_points: int = 50_000) -> HeatPayload:
    """:func:`heat_payload` from coordinate arrays (metric ``x, y`` for the cells, ``lon, lat`` for the points)."""
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    if cell_size_m <= 0:
        raise ValueError(f"cell_size_m must be > 0, got {cell_size_m}")
    if len(x) == 0:
        return HeatPayload(np.empty((0, 3)), cell_size_m, 0)
    size = float(cell_size_m)
    while True:
        ix = np.floor((x - x.min()) / size).astype(np.int64)
        iy = np.floor((y - y.min()) / size).astype(np.int64)
        key = ix * (int(iy.max()) + 1) + iy
        cells, inverse, weight = np.unique(key, return_inverse=True, return_counts=True)
        if len(cells) <= max_points:
            break
        size *= 2.0
    mean_lat = np.bincount(inverse, weights=lat) / weight
    mean_lon = np.bincount(inverse, weights=lon) / weight
    points = np.column_stack([mean_lat, mean_lon, weight.astype(float)])
    return HeatPayload(points, size, int(weight.sum()))


def cube_from_codes(index: IssueIndex, mask: np.ndarray, *, grid_ids: list[str], categories: list[str],
                    end: pd.Timestamp, n_periods: int, period_days: int = 7) -> pd.DataFrame:
    """:func:`count_cube` of the rows ``mask`` selects, from the coded index (no frame is taken)."""
    rows = np.flatnonzero(mask & (index.grid >= 0) & (index.category >= 0))
    grid_pos = pd.Index(grid_ids).get_indexer(pd.Index(index.grid_ids))[index.grid[rows]]
    cat_pos = pd.Index(categories).get_indexer(pd.Index(index.categories))[index.category[rows]]
    return _cube(grid_pos, cat_pos, index.t_ns[rows], grid_ids, categories, end, n_periods, period_days)
