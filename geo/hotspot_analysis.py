"""The hotspot analysis as pages, notebooks and the command line run it: units, counts, Gi*, choices.

``run_hotspots`` picks the analysis units (the management grids, or generated square cells), counts
the filtered issues per unit (suspect piles excluded unless the filter includes them), runs Gi*
and, on request, the emerging analysis over weekly steps, and reports every automatic choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.aggregate import period_starts
from geo.cells import SquareLattice
from geo.emerging import EmergingResult, emerging_hotspots
from geo.hotspots import CLASS_NAMES, GiResult, Neighbours, build_contiguity, gi_star
from geo.pipeline import Dataset, IssueFilter, filter_issues
from geo.quality import SUSPECT_POINT

#: Default square cell: the planted hotspots (40-70 m spread) need cells well under a grid's size.
DEFAULT_CELL_M = 100.0


@dataclass(frozen=True)
class HotspotResult:
    """Per analysis unit: geometry, count, Gi* z, p, bin, class (and the emerging class)."""

    units: gpd.GeoDataFrame
    gi: GiResult
    emerging: EmergingResult | None
    choices: dict[str, Any] = field(default_factory=dict)


def _square_units(lattice: SquareLattice) -> gpd.GeoDataFrame:
    rows, cols = np.divmod(lattice.active, lattice.nx)
    x = lattice.x0 + cols * lattice.size_m
    y = lattice.y0 + rows * lattice.size_m
    boxes = shapely.box(x, y, x + lattice.size_m, y + lattice.size_m)
    return gpd.GeoDataFrame({"unit_id": lattice.ids}, geometry=boxes, crs=lattice.crs).to_crs(s.STORAGE_CRS)


def run_hotspots(
    dataset: Dataset,
    flt: IssueFilter | None = None,
    *,
    cells: str = "grid",
    cell_size_m: float = DEFAULT_CELL_M,
    fdr: bool = True,
    emerging: bool = False,
    period_days: int = 7,
) -> HotspotResult:
    """Gi* (and optionally emerging classes) for the filtered issues.

    Parameters
    ----------
    cells
        ``"grid"`` (management grids, queen contiguity) or ``"square"`` (cells of ``cell_size_m``,
        queen neighbours on the lattice).
    emerging
        Also classify each unit over ``period_days`` steps aligned to the end of the data.

    Raises
    ------
    ValueError
        For an unknown ``cells`` value or too few units.
    """
    flt = flt or IssueFilter()
    issues = filter_issues(dataset.issues, dataset.grids, flt)
    grids = dataset.grids
    if cells == "grid":
        ids = list(grids[s.GRID_ID])
        units = gpd.GeoDataFrame({"unit_id": ids}, geometry=grids.geometry.to_numpy(), crs=s.STORAGE_CRS)
        neighbours: Neighbours = build_contiguity(grids.geometry, ids)
        position = pd.Index(ids).get_indexer(issues[s.GRID_ID].astype(object).where(issues[s.GRID_ID].notna(), None))
    elif cells == "square":
        lattice = SquareLattice.covering(grids.geometry, size_m=cell_size_m)
        units = _square_units(lattice)
        neighbours = lattice.neighbours()
        position = lattice.assign(issues.geometry)
    else:
        raise ValueError(f"unknown cells {cells!r}; use 'grid' or 'square'")
    inside = position >= 0
    counts = np.bincount(position[inside], minlength=len(units))
    gi = gi_star(counts, neighbours, fdr=fdr)
    units["count"] = counts
    units["z"], units["p"], units["bin"] = gi.z, gi.p, gi.bins
    units["class"] = [CLASS_NAMES[int(b)] for b in gi.bins]

    emerging_result = None
    # Codes and numbers, not prose: the dashboard words them in the user's language.
    choices: dict[str, Any] = {
        "units": "management_grids" if cells == "grid" else "square_cells",
        **({"cell_size_m": cell_size_m} if cells == "square" else {}),
        "n_units": len(units),
        "neighbourhood": "queen_contiguity",
        "mean_neighbours": round(float(neighbours.cardinalities.mean()), 2),
        "islands": len(neighbours.islands),
        "weights": "binary_with_self",
        "p_values": "two_sided_normal",
        "fdr": "benjamini_hochberg" if fdr else "none",
        "issues_analysed": int(inside.sum()),
        "issues_outside_units": int((~inside).sum()),
        "suspect_points_excluded": 0 if flt.include_suspect or SUSPECT_POINT not in dataset.issues
        else int(dataset.issues[SUSPECT_POINT].sum()),
    }
    if emerging:
        times = issues[s.REPORTED_AT]
        end = pd.Timestamp(times.max().date() + pd.Timedelta(days=1), tz=times.dt.tz)
        n_steps = int(np.ceil((end - times.min()) / pd.Timedelta(days=period_days)))
        start = end - pd.Timedelta(days=period_days * n_steps)
        step = ((period_starts(times, end=end, period_days=period_days) - start)
                / pd.Timedelta(days=period_days)).astype(int).to_numpy()
        cube = np.zeros((len(units), n_steps))
        np.add.at(cube, (position[inside], step[inside]), 1)
        emerging_result = emerging_hotspots(cube, neighbours)
        units["emerging"] = emerging_result.classes
        choices |= {"time_steps": n_steps, "step_days": period_days,
                    "last_day": str((end - pd.Timedelta(days=1)).date()), "time_neighbourhood": "previous_step"}
    return HotspotResult(units=units, gi=gi, emerging=emerging_result, choices=choices)
