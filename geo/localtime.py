"""The workspace's calendar: local days, weeks and months in a zone with daylight saving.

A local day is 23, 24 or 25 hours long. Adding ``pd.Timedelta(days=7)`` to a local midnight adds 168
hours, which lands at 23:00 or 01:00 once a clock change lies between: a week index built that way
puts every report of the summer (or of the winter) into a period no table has, and the weekly
series reads 0 for months. Every period here is counted in wall-clock days and turned back into
an instant only at its start, so a week is always seven local days from midnight to midnight.

The one rule for local times that the clock makes odd (used by the importer too):

- an **ambiguous** time (the repeated hour when clocks go back) is read as its first occurrence,
  daylight time: the report was made at that wall-clock time, and the first reading is the one a
  ledger written in order means for the first of two equal times;
- a **non-existent** time (the skipped hour when clocks go forward) is moved forward by an hour
  (02:30 becomes 03:30): read with the offset in force before the gap, as Python's ``zoneinfo`` reads
  it (PEP 495, ``fold=0``); a clerk who typed it meant that moment of the morning. (Lord Howe's
  half-hour gap is the one zone where this lands 30 minutes late.)

Neither is ever a rejection: both are times a clock on the wall can show or a person can type.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, TypeAlias, TypeVar, cast

import numpy as np
import pandas as pd

_EPOCH_DAY: Final = np.datetime64("1970-01-01", "D")
X = TypeVar("X", pd.Timestamp, pd.Series, pd.DatetimeIndex)
#: A time zone as pandas takes it: an IANA name or a ``tzinfo``; ``None`` keeps naive times naive.
Zone: TypeAlias = str | dt.tzinfo | None


def localize(naive: X, tz: Zone) -> X:
    """Wall-clock times in ``tz`` by the module's rule: ambiguous = first occurrence, gaps moved forward.

    Examples
    --------
    >>> localize(pd.Timestamp("2021-10-31 02:30"), "Europe/Madrid")  # the repeated hour
    Timestamp('2021-10-31 02:30:00+0200', tz='Europe/Madrid')
    >>> localize(pd.Timestamp("2021-03-28 02:30"), "Europe/Madrid")  # the skipped hour
    Timestamp('2021-03-28 03:30:00+0200', tz='Europe/Madrid')
    """
    if tz is None:
        return naive
    if isinstance(naive, pd.Timestamp):
        return naive.tz_localize(tz, ambiguous=True, nonexistent=pd.Timedelta(hours=1)).tz_convert(tz)
    first = np.ones(len(naive), dtype=bool)
    if isinstance(naive, pd.Series):
        return cast(pd.Series, naive.dt.tz_localize(tz, ambiguous=first, nonexistent=pd.Timedelta(hours=1)))
    return naive.tz_localize(tz, ambiguous=first, nonexistent=pd.Timedelta(hours=1))


def local_days(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Each tz-aware time's local calendar day as days since 1970-01-01 (``int64``; NaT gives the minimum).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2021-10-31 00:30+02:00", "2021-10-31 23:30+01:00"], utc=True)
    ...               ).dt.tz_convert("Europe/Madrid")
    >>> local_days(t).tolist()  # one local day, 24 hours apart on the clock, 25 in time
    [18931, 18931]
    """
    values = times.dt.tz_localize(None) if isinstance(times, pd.Series) else times.tz_localize(None)
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def day_number(ts: pd.Timestamp) -> int:
    """A tz-aware (or naive) instant's local calendar day as days since 1970-01-01."""
    wall = ts.tz_localize(None) if ts.tzinfo is not None else ts
    return (wall.date() - dt.date(1970, 1, 1)).days


def midnights(days: np.ndarray | list[int], tz: Zone) -> pd.DatetimeIndex:
    """The local midnight that starts each day number (a midnight the clock skips: the day's first instant)."""
    naive = pd.DatetimeIndex(_EPOCH_DAY + np.asarray(days, dtype="timedelta64[D]")).as_unit("ns")
    return localize(naive, tz)


def midnight(day: int, tz: Zone) -> pd.Timestamp:
    """The local midnight that starts day number ``day`` in ``tz``."""
    return midnights([day], tz)[0]


def add_days(ts: pd.Timestamp, days: int) -> pd.Timestamp:
    """``ts`` moved by ``days`` calendar days at the same wall-clock time (``Timedelta`` would add 24 h each).

    Examples
    --------
    >>> add_days(pd.Timestamp("2021-10-31", tz="Europe/Madrid"), 1)  # a 25-hour day
    Timestamp('2021-11-01 00:00:00+0100', tz='Europe/Madrid')
    """
    if ts.tzinfo is None:
        return ts + pd.Timedelta(days=days)
    return localize(ts.tz_localize(None) + pd.Timedelta(days=days), ts.tzinfo)


def next_midnight(ts: pd.Timestamp) -> pd.Timestamp:
    """The local midnight after the day that holds ``ts`` (the exclusive end of that day)."""
    if ts.tzinfo is None:
        return ts.normalize() + pd.Timedelta(days=1)
    return midnight(day_number(ts) + 1, ts.tzinfo)


def first_day_from(ts: pd.Timestamp) -> int:
    """The first local day that starts at or after ``ts``: its own day at midnight, else the next.

    This is the day number of an exclusive end (``end`` at midnight ends the day before it) and of
    the first whole day of a window that starts at ``ts``.
    """
    return day_number(ts - pd.Timedelta(1, "ns")) + 1


def day_span(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Calendar days from ``start`` to ``end`` (local dates), e.g. 7 for a week of 167 or 169 hours."""
    return day_number(end) - day_number(start)
