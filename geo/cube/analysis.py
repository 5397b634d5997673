"""``run_analysis``: the filtered issues reduced to the cube and the small tables a page shows.

Everything here reads the dataset's coded index (:mod:`geo.cube.index`), never a filtered copy of
the issues: the result is a few small tables whatever the ledger's size, so a cache can hold many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.cube.aggregate import COUNT, HeatPayload, cube_from_codes, heat_from_xy
from geo.cube.dataset import Dataset
from geo.cube.filter import ALL, IssueFilter
from geo.cube.index import day_number


@dataclass(frozen=True)
class AnalysisResult:
    """Everything the first dashboard version shows, computed in one place.

    Attributes
    ----------
    grids
        Grids in the selected communities.
    cube
        Counts per grid x category x week (zeros kept), see :func:`geo.cube.aggregate.count_cube`.
    grid_counts
        One row per grid: id, name, community, count (all selected categories), rank (1 = most).
    weekly
        Counts per week (rows) x category (columns), zeros kept.
    period_end
        Exclusive end of the last week.
    outside
        Filtered issues that lie in no grid (shown, never dropped).
    n_issues
        Issues passing the filter (inside or outside the grids, any date of the data).
    """

    grids: gpd.GeoDataFrame
    cube: pd.DataFrame
    grid_counts: pd.DataFrame
    weekly: pd.DataFrame
    period_end: pd.Timestamp
    outside: int
    n_issues: int
    categories: tuple[str, ...] = field(default=())


def heat_of(dataset: Dataset, flt: IssueFilter, category: str = ALL, *, max_points: int = 50_000) -> HeatPayload:
    """The bounded heat payload of one category code (or ``"all"``) under ``flt``.

    Raises
    ------
    KeyError
        For a category code the category table does not know.
    """
    index, points = dataset.index, dataset.points
    keep = dataset.mask(flt) & np.isfinite(points.x)
    if category != ALL:
        if category not in dataset.categories.codes:
            raise KeyError(f"unknown category {category!r}; known: {list(dataset.categories.codes)}")
        code = index.codes((category,), index.categories)
        keep &= np.isin(index.category, code)
    return heat_from_xy(points.x[keep], points.y[keep], points.lon[keep], points.lat[keep], max_points=max_points)


def _week_window(dataset: Dataset, mask: np.ndarray | None, flt: IssueFilter) -> tuple[pd.Timestamp, int]:
    """End (exclusive, local midnight after the last day) and number of whole weeks to cover."""
    days = dataset.index.day if mask is None else dataset.index.day[mask]
    zone = dataset.issues[s.REPORTED_AT].dt.tz
    epoch = dt.date(1970, 1, 1)
    last_day = flt.end or (epoch + dt.timedelta(days=int(days.max())) if len(days) else dt.date.today())
    first_day = flt.start or (epoch + dt.timedelta(days=int(days.min())) if len(days) else last_day)
    end = pd.Timestamp(last_day + dt.timedelta(days=1), tz=zone)
    n_weeks = max(1, int(np.ceil((day_number(last_day) - day_number(first_day) + 1) / 7)))
    return end, n_weeks


def run_analysis(dataset: Dataset, flt: IssueFilter = IssueFilter()) -> AnalysisResult:
    """Filter the joined issues and compute counts, rankings and weekly series.

    Notes
    -----
    Weeks are aligned to the end of the selected range (the newest week is the last seven days),
    so the chart's last point is never a partial week.
    """
    mask = dataset.mask(flt)
    grids = dataset.grids
    if flt.communities:
        grids = grids[grids[s.COMMUNITY].isin(flt.communities)]
    cats = tuple(flt.categories) if flt.categories else dataset.present_categories
    end, n_weeks = _week_window(dataset, None if flt.start is None else mask, flt)
    cube = cube_from_codes(dataset.index, mask, grid_ids=list(grids[s.GRID_ID]), categories=list(cats), end=end,
                           n_periods=n_weeks)

    per_grid = cube.groupby(s.GRID_ID, sort=False)[COUNT].sum()
    grid_counts = grids[[s.GRID_ID, s.GRID_NAME, s.COMMUNITY]].copy()
    grid_counts[COUNT] = grid_counts[s.GRID_ID].map(per_grid).fillna(0).astype("int64").to_numpy()
    # Deterministic ranking: count descending, then grid_id.
    grid_counts = grid_counts.sort_values([COUNT, s.GRID_ID], ascending=[False, True]).reset_index(drop=True)
    grid_counts["rank"] = np.arange(1, len(grid_counts) + 1)

    weekly = cube.pivot_table(index="period_start", columns=s.CATEGORY, values=COUNT, aggfunc="sum",
                              observed=True).reindex(columns=list(cats))
    return AnalysisResult(
        grids=grids,
        cube=cube,
        grid_counts=grid_counts,
        weekly=weekly,
        period_end=end,
        outside=int((mask & (dataset.index.grid < 0)).sum()),
        n_issues=int(mask.sum()),
        categories=cats,
    )
