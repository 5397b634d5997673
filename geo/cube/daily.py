"""The stored cube: counts per grid x category x local day, one rule for every engine.

This is the table a city's years reduce to (a district's million issues a year become about 630,000
non-zero rows), and the one rule both engines apply: in memory to a workspace's issues, and on a
Dask cluster to each month of a workspace too large for one machine (:mod:`geo.cube.dask_cube`).
Because the rule is applied per month and the months' sums are added, the two results are equal
row for row (tested on the sample street).

Counted: issues in a grid, not voided, not on a suspect pile (the statistics' defaults); days are
the ledger's local dates. Only non-zero rows are kept, sorted by grid, category and day.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from geo import schema as s

DAY: Final = "day"
COUNT: Final = "count"
#: The stored columns the rule reads (an engine reads only these from Parquet).
COLUMNS: Final = (s.GRID_ID, s.CATEGORY, s.REPORTED_AT, s.STATUS, s.SUSPECT_POINT)
KEYS: Final = (s.GRID_ID, s.CATEGORY, DAY)


def empty_cube() -> pd.DataFrame:
    return pd.DataFrame({s.GRID_ID: pd.Series(dtype="string"), s.CATEGORY: pd.Series(dtype="string"),
                         DAY: pd.Series(dtype="datetime64[ms]"), COUNT: pd.Series(dtype="int64")})


def daily_counts(issues: pd.DataFrame) -> pd.DataFrame:
    """Counts per ``grid_id``, ``category`` and local ``day`` of the issues that count (see the module)."""
    keep = issues[s.GRID_ID].notna().to_numpy() & (issues[s.STATUS] != "void").fillna(True).to_numpy(dtype=bool)
    if s.SUSPECT_POINT in issues.columns:
        keep &= ~issues[s.SUSPECT_POINT].fillna(False).to_numpy(dtype=bool)
    live = issues[[s.GRID_ID, s.CATEGORY, s.REPORTED_AT]][keep]  # the three columns counted, not every column
    if live.empty:
        return empty_cube()
    local = live[s.REPORTED_AT].dt.tz_localize(None).to_numpy().astype("datetime64[D]").astype("datetime64[ms]")
    frame = pd.DataFrame({s.GRID_ID: live[s.GRID_ID].astype("string").to_numpy(),
                          s.CATEGORY: live[s.CATEGORY].astype("string").to_numpy(), DAY: local})
    counts = frame.groupby(list(KEYS), sort=True, observed=True).size().rename(COUNT).reset_index()
    return _canonical(counts)


def add_cubes(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The sum of cubes (months, partitions): equal keys add up."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_cube()
    both = pd.concat(parts, ignore_index=True)
    return _canonical(both.groupby(list(KEYS), sort=True, observed=True)[COUNT].sum().reset_index())


def _canonical(cube: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({s.GRID_ID: cube[s.GRID_ID].astype("string"), s.CATEGORY: cube[s.CATEGORY].astype("string"),
                        DAY: cube[DAY].to_numpy().astype("datetime64[ms]"),
                        COUNT: cube[COUNT].to_numpy().astype(np.int64)})
    return out.sort_values(list(KEYS), kind="stable").reset_index(drop=True)
