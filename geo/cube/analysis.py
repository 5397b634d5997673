"""``run_analysis``: the filtered issues reduced to the cube and the small tables a page shows."""


from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.cube.aggregate import COUNT, HeatPayload, count_cube, heat_payload
from geo.cube.dataset import ALL, Dataset, IssueFilter, filter_issues


@dataclass(frozen=True)
class AnalysisResult:
    """Everything the first dashboard version shows, computed in one place.

    Attributes
    ----------
    issues
        Filtered issues.
    grids
        Grids in the selected communities.
    cube
        Counts per grid x category x week (zeros kept), see :func:`geo.cube.aggregate.count_cube`.
    grid_counts
        One row per grid: id, name, community, count (all selected categories), rank (1 = most).
    weekly
        Counts per week (rows) x category (columns), zeros kept.
    max_heat_points
        Cap on the points of a heat payload (see :meth:`heat`).
    period_end
        Exclusive end of the last week.
    outside
        Filtered issues that lie in no grid (shown, never dropped).
    """

    issues: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    cube: pd.DataFrame
    grid_counts: pd.DataFrame
    weekly: pd.DataFrame
    period_end: pd.Timestamp
    outside: int
    categories: tuple[str, ...] = field(default=())
    max_heat_points: int = 50_000

    def heat(self, category: str = ALL) -> HeatPayload:
        """The bounded heat payload of one category code, or of every category (``"all"``).

        Computed on demand: a page shows one category at a time, so computing all of them on every
        new filter would double the analysis time (the dashboard caches each one it shows).

        Raises
        ------
        KeyError
            For a category that is not among this result's categories.
        """
        if category == ALL:
            return heat_payload(self.issues, max_points=self.max_heat_points)
        if category not in self.categories:
            raise KeyError(f"category {category!r} is not in this analysis; categories: {list(self.categories)}")
        return heat_payload(self.issues[self.issues[s.CATEGORY] == category], max_points=self.max_heat_points)


def _week_window(issues: pd.DataFrame, flt: IssueFilter) -> tuple[pd.Timestamp, int]:
    """End (exclusive, local midnight after the last day) and number of whole weeks to cover."""
    times = issues[s.REPORTED_AT]
    last_day = flt.end or (times.max().date() if len(times) else dt.date.today())
    first_day = flt.start or (times.min().date() if len(times) else last_day)
    end = pd.Timestamp(last_day + dt.timedelta(days=1), tz=times.dt.tz)
    n_weeks = max(1, int(np.ceil(((last_day - first_day).days + 1) / 7)))
    return end, n_weeks


def run_analysis(
    dataset: Dataset, flt: IssueFilter = IssueFilter(), *, max_heat_points: int = 50_000
) -> AnalysisResult:
    """Filter the joined issues and compute counts, rankings and weekly series (heat on demand).

    Notes
    -----
    Weeks are aligned to the end of the selected range (the newest week is the last seven days),
    so the chart's last point is never a partial week.
    """
    issues = filter_issues(dataset.issues, dataset.grids, flt)
    grids = dataset.grids
    if flt.communities:
        grids = grids[grids[s.COMMUNITY].isin(flt.communities)]
    cats = tuple(flt.categories) if flt.categories else dataset.present_categories
    end, n_weeks = _week_window(dataset.issues if flt.start is None else issues, flt)
    cube = count_cube(issues, grid_ids=list(grids[s.GRID_ID]), categories=list(cats), end=end,
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
        issues=issues,
        grids=grids,
        cube=cube,
        grid_counts=grid_counts,
        weekly=weekly,
        max_heat_points=max_heat_points,
        period_end=end,
        outside=int(issues[s.OUTSIDE_GRIDS].sum()),
        categories=cats,
    )
