"""The issues a forecast learns from, as flat arrays: unit, local day, category.

Times are the ledger's local wall clock in days since 1970-01-01 (a report at 08:00 on a day is
``day + 1/3``), so "before the origin" is a comparison of floats and weekly bins are floors. Void
reports and suspect piles (default geocodes, see geo.ingest.quality) are left out: a default geocode is not
a place to send anyone, and a pile that recurs there would teach the forecast to point at it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.forecast.units import Units


def local_days(times: pd.Series) -> np.ndarray:
    """Local wall-clock time in (fractional) days since 1970-01-01; NaN for NaT.

    >>> local_days(pd.Series(pd.to_datetime(["1970-01-02 12:00"]).tz_localize("Asia/Shanghai"))).tolist()
    [1.5]
    """
    wall = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
    ns = wall.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    ns[wall.isna().to_numpy()] = np.nan
    return ns / 86_400e9


def day_of(value: pd.Timestamp | str) -> float:
    """A date or timestamp (local wall clock) as days since 1970-01-01."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return float((ts - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))


@dataclass(frozen=True, eq=False)
class Events:
    """Issues as arrays, sorted by time.

    Attributes
    ----------
    unit, day, category
        Unit index, local day and category index (into ``categories``) of each kept issue.
    categories
        The category codes present.
    n_units
        Number of units (the length of every per-unit array).
    """

    unit: np.ndarray
    day: np.ndarray
    category: np.ndarray
    categories: tuple[str, ...]
    n_units: int

    @classmethod
    def from_issues(cls, issues: gpd.GeoDataFrame, units: Units, *,
                    categories: tuple[str, ...] | None = None, before: float | None = None) -> Events:
        """The live, non-suspect issues of ``categories`` (all present by default) inside ``units``.

        ``before`` keeps the reports before that local day only. Masks are built on the columns and
        only the kept rows' positions are assigned to units: filtering a million-row frame first (twice
        per priority list) cost seconds.
        """
        keep = (issues[s.STATUS] != "void").to_numpy(dtype=bool, na_value=True).copy()
        if s.SUSPECT_POINT in issues:
            keep &= ~issues[s.SUSPECT_POINT].fillna(False).astype(bool).to_numpy()
        day_all = local_days(issues[s.REPORTED_AT])
        if before is not None:
            keep &= day_all < before
        codes, uniques = pd.factorize(issues[s.CATEGORY].astype("string"))
        uniques = np.asarray(uniques, dtype=object)
        present = tuple(sorted({str(uniques[c]) for c in np.unique(codes[keep & (codes >= 0)])}))
        chosen = present if categories is None else tuple(c for c in categories if c in set(present))
        position = {c: i for i, c in enumerate(chosen)}
        remap = np.array([position.get(str(u), -1) for u in uniques], dtype=np.int64)  # raw code -> chosen
        keep &= (codes >= 0) & (remap[np.maximum(codes, 0)] >= 0 if len(uniques) else False)
        rows = np.flatnonzero(keep)
        # Only what a unit is found by (the location, or the grid): every column of a million rows was
        # 300 MB taken twice per priority list, the peak of a first open.
        unit = units.assign(issues[[c for c in (s.GRID_ID, issues.geometry.name) if c in issues]].take(rows))
        day = day_all[rows]
        code = remap[codes[rows]] if len(uniques) else np.empty(0, dtype=np.int64)
        ok = (unit >= 0) & np.isfinite(day) & (code >= 0)
        order = np.argsort(day[ok], kind="stable")
        return cls(unit[ok][order], day[ok][order], code[ok][order], chosen, len(units))

    def __len__(self) -> int:
        return len(self.day)

    def counts(self, start: float, end: float, *, category: int | None = None) -> np.ndarray:
        """Issues per unit reported in ``[start, end)`` (one category, or all)."""
        lo, hi = np.searchsorted(self.day, [start, end], side="left")
        unit = self.unit[lo:hi]
        if category is not None:
            unit = unit[self.category[lo:hi] == category]
        return np.bincount(unit, minlength=self.n_units).astype(float)

    def first_day(self) -> float:
        """Day of the first kept issue (NaN when there are none)."""
        return float(self.day[0]) if len(self.day) else float("nan")

    def last_day(self) -> float:
        """Day of the last kept issue (NaN when there are none)."""
        return float(self.day[-1]) if len(self.day) else float("nan")
