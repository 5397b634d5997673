"""Trends: counts per week or month and group, their direction and significance, period comparisons.

* ``series``: issues per period (weeks aligned to the end of the data, so the newest week is whole;
  or calendar months, which is how leaders read monthly reports) and per group (category, community
  or grid), zeros kept.
* ``trend_table``: per group, the Mann-Kendall test (tie-corrected, as in ``geo.stats.emerging``) and the
  Theil-Sen slope per period; "rising"/"falling" only at 95 %.
* ``compare_periods``: two date ranges per group, an exact rate ratio per day (``geo.stats.campaign``).
* ``hour_weekday``: a 7 x 24 table of report counts (local time), for patrol planning.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import theilslopes

from geo import localtime
from geo import schema as s
from geo.cube.aggregate import period_starts, periods_back
from geo.stats.campaign import rate_ratio
from geo.stats.emerging import mann_kendall_rows

Freq = Literal["week", "month"]


def series(issues: pd.DataFrame, by: str, *, freq: Freq = "week", end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Counts per period (rows, oldest first) and group (columns, largest total first), zeros kept.

    Parameters
    ----------
    by
        A column of ``issues`` (``category``, ``community``, ``grid_id``); missing values are left out.
    end
        Exclusive end for weekly alignment; default the day after the last report.
    """
    times = issues[s.REPORTED_AT]
    if times.empty:
        return pd.DataFrame()
    if freq == "week":
        end = end if end is not None else localtime.next_midnight(times.max())
        start = period_starts(times, end=end)
        end_day = localtime.first_day_from(end)
        n = int(periods_back(np.array([localtime.day_number(start.min())]), end_day, 7)[0])
        index = localtime.midnights(end_day - 7 * (n - np.arange(n)), times.dt.tz)
    else:
        start = localtime.localize(times.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp(), times.dt.tz)
        months = pd.date_range(start.min().tz_localize(None), start.max().tz_localize(None), freq="MS")
        index = localtime.localize(months, times.dt.tz)
    groups = issues[by].astype("string")
    frame = pd.DataFrame({"period": start, "group": groups}).dropna()
    table = frame.groupby(["period", "group"]).size().unstack(fill_value=0).reindex(index, fill_value=0)
    order = table.sum().sort_values(ascending=False, kind="stable").index
    table = table[order]
    table.index.name = "period_start"
    table.columns.name = by
    return table


def trend_table(table: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Per column of ``series``: total, Theil-Sen slope per period, Mann-Kendall z and p, direction."""
    if table.empty:
        return pd.DataFrame(columns=["group", "total", "slope", "mk_z", "p", "direction"])
    values = table.to_numpy(dtype=float).T  # (groups, periods)
    _, z, p = mann_kendall_rows(values)
    t = np.arange(values.shape[1], dtype=float)
    slopes = [theilslopes(row, t)[0] if len(t) >= 2 else 0.0 for row in values]
    direction = np.where(p < alpha, np.where(z > 0, "rising", "falling"), "no_trend")
    return pd.DataFrame({"group": table.columns.astype(str), "total": values.sum(axis=1).astype(int),
                         "slope": np.round(slopes, 3), "mk_z": np.round(z, 2), "p": p, "direction": direction})


def compare_periods(issues: pd.DataFrame, by: str, a: tuple[pd.Timestamp, pd.Timestamp],
                    b: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """Per group: counts in ``a`` and ``b`` (half-open ranges) and the exact rate ratio b / a per day."""
    times, groups = issues[s.REPORTED_AT], issues[by].astype("string")
    in_a = groups[(times >= a[0]) & (times < a[1])].value_counts()
    in_b = groups[(times >= b[0]) & (times < b[1])].value_counts()
    days_a, days_b = (a[1] - a[0]) / pd.Timedelta(days=1), (b[1] - b[0]) / pd.Timedelta(days=1)
    rows = []
    for g in sorted(set(in_a.index) | set(in_b.index)):
        rr = rate_ratio(int(in_a.get(g, 0)), int(in_b.get(g, 0)), days_a, days_b)
        rows.append({"group": g, "a": rr.before, "b": rr.after, "ratio": rr.ratio, "low": rr.low, "high": rr.high,
                     "verdict": rr.verdict})
    return pd.DataFrame(rows, columns=["group", "a", "b", "ratio", "low", "high", "verdict"])


def hour_weekday(issues: pd.DataFrame) -> pd.DataFrame:
    """Reports per weekday (rows 0 = Monday) and local hour (columns 0-23), zeros kept."""
    times = issues[s.REPORTED_AT]
    table = pd.crosstab(times.dt.day_of_week, times.dt.hour)
    return table.reindex(index=range(7), columns=range(24), fill_value=0)


def default_periods(first: dt.date, last: dt.date, *, days: int = 28
                    ) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Two adjacent periods to compare: the ``days`` before the last ``days`` of the history, and those.

    A history shorter than ``2 * days`` is split into two halves (one day each at the least), so
    a page never proposes dates outside the data.

    Examples
    --------
    >>> default_periods(dt.date(2026, 1, 1), dt.date(2026, 1, 10))
    ((datetime.date(2026, 1, 1), datetime.date(2026, 1, 5)), (datetime.date(2026, 1, 6), datetime.date(2026, 1, 10)))
    """
    last = max(first, last)
    span = (last - first).days + 1
    if span >= 2 * days:
        b_start = last - dt.timedelta(days=days - 1)
        return (b_start - dt.timedelta(days=days), b_start - dt.timedelta(days=1)), (b_start, last)
    if span < 2:
        return (first, last), (first, last)
    half = span // 2
    return (first, first + dt.timedelta(days=half - 1)), (first + dt.timedelta(days=half), last)
