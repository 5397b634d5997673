"""The hotspot analysis as pages, notebooks and the command line run it: units, counts, Gi*, choices.

``run_hotspots`` picks the analysis units (the management grids, or generated square or hexagon
cells of a given or automatic size), counts the filtered issues per unit (suspect piles excluded
unless the filter includes them), runs Gi* and, on request, local Moran's I and the emerging
analysis over weekly steps, and reports every automatic choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from geo import localtime
from geo import schema as s
from geo.cube.aggregate import periods_back
from geo.cube.dataset import Dataset
from geo.cube.filter import IssueFilter
from geo.schema import SUSPECT_POINT
from geo.stats.cells import LATTICES, MAX_CELLS, SIZE_LADDER_M, auto_cell_size, metric_area
from geo.stats.emerging import EmergingResult, emerging_hotspots
from geo.stats.gi_star import CLASS_NAMES, GiResult, gi_star
from geo.stats.outliers import LocalMoranResult, local_moran
from geo.stats.weights import Neighbours, build_contiguity

#: Cell kinds ``run_hotspots`` accepts besides the management grid.
CELL_KINDS = ("square", "hex")
#: The ``cells`` value of the management grids.
GRID = "grid"
#: Emerging time steps. A "month" is 30 days: equal steps, as Esri advises (calendar months differ in
#: length and would bias the counts); steps are aligned to the end of the data.
STEP_DAYS = {"day": 1, "week": 7, "month": 30}


@dataclass(frozen=True)
class HotspotResult:
    """Per analysis unit: geometry, count, Gi* z, p, bin, class (and the outlier and emerging classes).

    Attributes
    ----------
    units
        One row per unit: ``unit_id``, ``count``, ``z``, ``p``, ``bin``, ``class`` and, when asked for,
        ``moran_class`` (HH/LL/HL/LH or empty) and ``emerging``.
    step_starts
        With the emerging analysis: the start of each time step (oldest first); ``cube`` and
        ``emerging.z`` hold each unit's counts and Gi* z per step, for a unit's history chart.
    """

    units: gpd.GeoDataFrame
    gi: GiResult
    emerging: EmergingResult | None
    choices: dict[str, Any] = field(default_factory=dict)
    outliers: LocalMoranResult | None = None
    cube: np.ndarray | None = None
    step_starts: pd.DatetimeIndex | None = None
    neighbours: Neighbours | None = None

    def history(self, unit_id: str) -> pd.DataFrame:
        """One unit's counts, Gi* z and hot/cold flag per time step (needs the emerging analysis)."""
        if self.emerging is None or self.cube is None or self.step_starts is None:
            raise ValueError("run_hotspots(..., emerging=True) keeps the per-step history")
        i = int(np.flatnonzero(self.units["unit_id"].to_numpy() == unit_id)[0])
        hot, cold = self.emerging.hot[i], self.emerging.cold[i]
        return pd.DataFrame({"step_start": self.step_starts, "count": self.cube[i].astype(int),
                             "z": self.emerging.z[i], "significant": np.where(hot, 1, np.where(cold, -1, 0))})


def parse_cells(text: str) -> tuple[str, float | None]:
    """``grid``, ``square``, ``hex`` (automatic size) or ``square:METRES`` / ``hex:METRES``.

    Raises
    ------
    ValueError
        With the accepted forms, for anything else.
    """
    kind, _, size = text.strip().partition(":")
    if kind == GRID and not size:
        return GRID, None
    if kind in CELL_KINDS:
        if not size or size == "auto":
            return kind, None
        try:
            metres = float(size)
        except ValueError:
            metres = float("nan")
        if 1 <= metres <= 100_000:
            return kind, metres
    raise ValueError(f"cells must be grid, square[:METRES] or hex[:METRES] (1 to 100000 m), got {text!r}")


def run_hotspots(
    dataset: Dataset,
    flt: IssueFilter | None = None,
    *,
    cells: str = GRID,
    cell_size_m: float | None = None,
    fdr: bool = True,
    outliers: bool = False,
    outlier_fdr: bool = False,
    emerging: bool = False,
    period_days: int = 7,
    max_cells: int = MAX_CELLS,
) -> HotspotResult:
    """Gi* (and optionally local Moran and emerging classes) for the filtered issues.

    Parameters
    ----------
    cells
        ``"grid"`` (management grids, queen contiguity), ``"square"`` (queen neighbours on the
        lattice) or ``"hex"`` (the six hexagons sharing an edge).
    cell_size_m
        Square edge or hexagon width across flats; ``None`` chooses it from the data
        (``geo.stats.cells.auto_cell_size``) and reports the rule.
    outliers
        Also run Anselin's local Moran's I (HH/LL/HL/LH at 95 %).
    outlier_fdr
        Benjamini-Hochberg on the local Moran pseudo p-values. Off by default, as in ArcGIS's Cluster and
        Outlier Analysis: with 999 permutations the smallest p is 0.001, so on a few hundred cells FDR
        leaves almost nothing significant.
    emerging
        Also classify each unit over ``period_days`` steps aligned to the end of the data.
    max_cells
        At most this many cells: the automatic size respects it, and a chosen size that would exceed
        it is raised to the next round size (``cell_size_rule = "capped"``). The dashboard passes its
        map payload budget.

    Raises
    ------
    ValueError
        For an unknown ``cells`` value or too few units.
    """
    flt = flt or IssueFilter()
    # The two columns the analysis reads (taking a million rows of every column cost 0.3 s).
    issues = dataset.select(flt, columns=[s.GRID_ID, s.REPORTED_AT])
    grids = dataset.grids
    size_rule = None
    if cells == GRID:
        ids = list(grids[s.GRID_ID])
        units = gpd.GeoDataFrame({"unit_id": ids}, geometry=grids.geometry.to_numpy(), crs=s.STORAGE_CRS)
        neighbours: Neighbours = build_contiguity(grids.geometry, ids)
        position = pd.Index(ids).get_indexer(issues[s.GRID_ID].astype(object).where(issues[s.GRID_ID].notna(), None))
    elif cells in CELL_KINDS:
        if cell_size_m is None:
            cell_size_m = auto_cell_size(float(metric_area(grids.geometry)[1].area), len(issues),
                                         max_cells=max_cells)
            size_rule = "mean_count_5"
        lattice = LATTICES[cells].covering(grids.geometry, size_m=cell_size_m)
        # More cells than the cap (a chosen size too fine for a district, or the edges' partial cells):
        # the next round size up, said in the choices, so a map's payload stays bounded at any N.
        larger = [x for x in SIZE_LADDER_M if x > cell_size_m]
        while len(lattice.ids) > max_cells and larger:
            cell_size_m, size_rule = larger.pop(0), "capped"
            lattice = LATTICES[cells].covering(grids.geometry, size_m=cell_size_m)
        units = lattice.cells(s.STORAGE_CRS)
        neighbours = lattice.neighbours()
        points = dataset.points  # projected once per generation (a million points: 0.9 s each time)
        rows = np.flatnonzero(dataset.mask(flt))
        if points.crs is not None and pyproj.CRS(points.crs) == pyproj.CRS(lattice.crs):
            position = lattice.assign_xy(points.x[rows], points.y[rows])
        else:  # issues in another UTM zone than the grids' centre: project them to the lattice's
            position = lattice.assign(dataset.issues.geometry.take(rows))
        # Cells analyse the managed area: an issue outside every grid is outside it, as on 地图 and the
        # cards, even where a border cell reaches it (the two pages said 25 and 2 outside).
        position = np.where(dataset.index.grid[rows] < 0, -1, position)
    else:
        raise ValueError(f"unknown cells {cells!r}; use 'grid', 'square' or 'hex'")
    if len(units) < 3:
        raise ValueError(f"only {len(units)} analysis units: Gi* needs at least 3; use smaller cells")
    inside = position >= 0
    counts = np.bincount(position[inside], minlength=len(units))
    gi = gi_star(counts, neighbours, fdr=fdr)
    units["count"] = counts
    units["z"], units["p"], units["bin"] = gi.z, gi.p, gi.bins
    units["class"] = [CLASS_NAMES[int(b)] for b in gi.bins]

    emerging_result = None
    # Codes and numbers, not prose: the dashboard words them in the user's language.
    choices: dict[str, Any] = {
        "units": {"grid": "management_grids", "square": "square_cells", "hex": "hex_cells"}[cells],
        **({"cell_size_m": cell_size_m} if cells != GRID else {}),
        **({"cell_size_rule": size_rule} if size_rule else {}),
        "n_units": len(units),
        "neighbourhood": {"grid": "queen_contiguity", "square": "queen_contiguity", "hex": "hex_contiguity"}[cells],
        "mean_neighbours": round(float(neighbours.cardinalities.mean()), 2),
        "islands": len(neighbours.islands),
        "weights": "binary_with_self",
        "p_values": "two_sided_normal",
        "fdr": "benjamini_hochberg" if fdr else "none",
        "issues_analysed": int(inside.sum()),
        "issues_outside_units": int((~inside).sum()),
        # Those the filter would otherwise have kept (a posters-only run excludes the pile's posters).
        "suspect_points_excluded": 0 if flt.include_suspect or SUSPECT_POINT not in dataset.issues
        else int((dataset.mask(replace(flt, include_suspect=True)) & dataset.index.suspect).sum()),
    }
    moran = None
    if outliers:
        moran = local_moran(counts, neighbours, fdr=outlier_fdr)
        units["moran_class"] = np.where(moran.classes == "", "not_significant", moran.classes).astype(str)
        choices |= {"outlier_method": "local_moran", "outlier_permutations": moran.permutations,
                    "outlier_weights": "row_standardised",
                    "outlier_fdr": "benjamini_hochberg" if outlier_fdr else "none"}
    cube, step_starts = None, None
    if emerging:
        times = issues[s.REPORTED_AT]
        # Steps are local calendar days counted back from the day after the last report (geo.localtime).
        days = localtime.local_days(times)
        end_day = int(days.max()) + 1
        back = periods_back(days, end_day, period_days)
        n_steps = int(back.max())
        step = n_steps - back
        cube = np.zeros((len(units), n_steps))
        np.add.at(cube, (position[inside], step[inside]), 1)
        emerging_result = emerging_hotspots(cube, neighbours)
        units["emerging"] = emerging_result.classes
        step_starts = localtime.midnights(end_day - period_days * (n_steps - np.arange(n_steps)), times.dt.tz)
        choices |= {"time_steps": n_steps, "step_days": period_days,
                    "last_day": str(localtime.midnight(end_day - 1, times.dt.tz).date()),
                    "time_neighbourhood": "previous_step"}
    return HotspotResult(units=units, gi=gi, emerging=emerging_result, choices=choices, outliers=moran,
                         cube=cube, step_starts=step_starts, neighbours=neighbours)
