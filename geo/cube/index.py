"""The filter columns of one generation's issues as plain numpy arrays: filters and counts without the frame.

This is the one filter rule: :func:`geo.cube.dataset.filter_issues` (any frame) and
:meth:`geo.cube.dataset.Dataset.select` (a generation, coded once) both apply :meth:`IssueIndex.mask`.

A filter over a million issues through pandas (``.dt.date`` on tz-aware times, ``isin`` on Arrow
strings) costs about a second, and materialising the filtered GeoDataFrame another. Every page
filters on every rerun, so the columns a filter or a count needs are coded once per generation
(about a second at a million issues, shared by every session) and a filter is then a handful of
vectorised comparisons: milliseconds. Counts (the cube, per grid, per week) are ``bincount`` over the
masked codes; the frame is only taken for the rows a page really lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.crs import metric_crs_for, point_xy
from geo.cube.filter import IssueFilter

_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return (day - _EPOCH).days


@dataclass(frozen=True, eq=False)
class IssueIndex:
    """Coded filter columns of an issues table, aligned with its rows.

    Attributes
    ----------
    t_ns
        Reported time, int64 nanoseconds since the epoch (UTC).
    day
        Reported local date (the ledger's zone) as days since 1970-01-01.
    category, categories
        Category code per row (int16) into ``categories``.
    grid
        Row position of the issue's grid in ``grid_ids`` (the dataset's grids), ``-1`` outside all.
    grid_ids, grid_community, communities
        The grids, and each grid's community code into ``communities``.
    status, statuses
        Status code per row into ``statuses``.
    suspect
        True on a suspect pile.
    """

    t_ns: np.ndarray
    day: np.ndarray
    category: np.ndarray
    categories: tuple[str, ...]
    grid: np.ndarray
    grid_ids: tuple[str, ...]
    grid_community: np.ndarray
    communities: tuple[str, ...]
    status: np.ndarray
    statuses: tuple[str, ...]
    suspect: np.ndarray

    @classmethod
    def of(cls, issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> IssueIndex:
        """Code ``issues`` against ``grids`` (their row order is the ``grid`` code's order)."""
        reported = issues[s.REPORTED_AT]
        local = reported.dt.tz_localize(None)  # wall time in the ledger's zone
        day = (local.dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)).astype(np.int32)
        utc = reported.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
        cat_codes, cats = pd.factorize(issues[s.CATEGORY].astype("string"), use_na_sentinel=True)
        status_codes, statuses = pd.factorize(issues[s.STATUS].astype("string"), use_na_sentinel=True)
        grid_ids = grids[s.GRID_ID].astype(str).tolist()
        grid = pd.Index(grid_ids).get_indexer(issues[s.GRID_ID].astype(object).where(issues[s.GRID_ID].notna(), None))
        comm_codes, comms = pd.factorize(grids[s.COMMUNITY].astype("string").fillna(s.NO_COMMUNITY))
        suspect = (issues[s.SUSPECT_POINT].fillna(False).to_numpy(dtype=bool) if s.SUSPECT_POINT in issues
                   else np.zeros(len(issues), dtype=bool))
        return cls(t_ns=utc, day=day, category=cat_codes.astype(np.int16), categories=tuple(map(str, cats)),
                   grid=grid.astype(np.int32), grid_ids=tuple(grid_ids), grid_community=comm_codes.astype(np.int32),
                   communities=tuple(map(str, comms)), status=status_codes.astype(np.int8),
                   statuses=tuple(map(str, statuses)), suspect=suspect)

    def __len__(self) -> int:
        return len(self.t_ns)

    def codes(self, values: tuple[str, ...], among: tuple[str, ...]) -> np.ndarray:
        """Codes of ``values`` in ``among`` (values not present are dropped)."""
        where = {v: i for i, v in enumerate(among)}
        return np.array([where[v] for v in values if v in where], dtype=np.int64)

    def mask(self, flt: IssueFilter) -> np.ndarray:
        """Rows passing ``flt``.

        Dates are the ledger's local days, both ends inclusive; communities keep only issues in a grid of
        those communities; void cases and suspect piles are left out unless asked for.
        """
        keep = np.ones(len(self), dtype=bool)
        if flt.start is not None:
            keep &= self.day >= day_number(flt.start)
        if flt.end is not None:
            keep &= self.day <= day_number(flt.end)
        if flt.categories:
            keep &= np.isin(self.category, self.codes(tuple(flt.categories), self.categories))
        if flt.communities:
            allowed = np.isin(self.grid_community, self.codes(tuple(flt.communities), self.communities))
            keep &= (self.grid >= 0) & allowed[np.maximum(self.grid, 0)]
        if flt.grids:
            wanted = np.isin(np.arange(len(self.grid_ids)), self.codes(tuple(flt.grids), self.grid_ids))
            keep &= (self.grid >= 0) & wanted[np.maximum(self.grid, 0)]
        if flt.statuses:
            keep &= np.isin(self.status, self.codes(tuple(flt.statuses), self.statuses))
        if not flt.include_void:
            void = self.codes(("void",), self.statuses)
            if void.size:
                keep &= self.status != void[0]
        if not flt.include_suspect:
            keep &= ~self.suspect
        return keep


@dataclass(frozen=True, eq=False)
class Points:
    """The issues' coordinates as arrays: metric (local UTM) ``x, y`` and WGS84 ``lon, lat``; NaN without a location.

    Apart from :class:`IssueIndex` because only maps need them, and projecting a million points costs
    half a second that a filter should not pay.
    """

    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    #: The metric CRS of ``x, y`` (the local UTM zone of the located issues), None without any.
    crs: object = None

    @classmethod
    def of(cls, issues: gpd.GeoDataFrame) -> Points:
        geoms = issues.geometry
        ok = ~(geoms.isna() | geoms.is_empty).to_numpy()
        lon, lat, x, y = (np.full(len(issues), np.nan) for _ in range(4))
        crs = None
        if ok.any():
            located = geoms[ok]
            lon[ok], lat[ok] = shapely.get_x(located.to_numpy()), shapely.get_y(located.to_numpy())
            crs = metric_crs_for(located)
            x[ok], y[ok] = point_xy(located, crs)
        return cls(x=x, y=y, lon=lon, lat=lat, crs=crs)
