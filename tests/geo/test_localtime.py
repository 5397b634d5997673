"""Local calendar periods in zones with and without daylight saving: every weekly (and monthly) total
equals the records of that local week, counted with the standard library's zoneinfo as the oracle."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import localtime
from geo import schema as s
from geo.cube.aggregate import count_cube, period_starts
from geo.ingest.ledger import read_ledger
from geo.report.bulletin import _weekly
from geo.stats.campaign import weekly_counts
from geo.stats.trends import series

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Shanghai", "UTC")
# 2020-01-01 .. 2023-01-01 in UTC seconds: three years, six clock changes per DST zone.
instants = st.lists(st.integers(1_577_836_800, 1_672_531_200), min_size=1, max_size=300)


def local_times(seconds: list[int], zone: str) -> pd.Series:
    return pd.Series(pd.to_datetime(np.array(seconds), unit="s", utc=True)).dt.tz_convert(zone)


def local_dates(seconds: list[int], zone: str) -> list[dt.date]:
    """The oracle: each instant's wall-clock date by zoneinfo, no pandas."""
    z = zoneinfo.ZoneInfo(zone)
    return [dt.datetime.fromtimestamp(x, tz=z).date() for x in seconds]


@settings(max_examples=40, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_weekly_series_counts_each_local_week(seconds: list[int], zone: str) -> None:
    times = local_times(seconds, zone)
    table = series(pd.DataFrame({s.REPORTED_AT: times, s.CATEGORY: "litter"}), s.CATEGORY, freq="week")
    dates = local_dates(seconds, zone)
    starts = [t.date() for t in table.index]
    assert all(t.hour == 0 and t.minute == 0 for t in table.index)  # every week starts at local midnight
    assert all((b - a).days == 7 for a, b in itertools.pairwise(starts))
    assert starts[-1] + dt.timedelta(days=7) == max(dates) + dt.timedelta(days=1)  # the newest week is whole
    for start, count in zip(starts, table["litter"], strict=True):
        assert count == sum(start <= d < start + dt.timedelta(days=7) for d in dates)
    assert int(table["litter"].sum()) == len(seconds)


@settings(max_examples=30, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_monthly_series_counts_each_local_month(seconds: list[int], zone: str) -> None:
    table = series(pd.DataFrame({s.REPORTED_AT: local_times(seconds, zone), s.CATEGORY: "litter"}), s.CATEGORY,
                   freq="month")
    dates = local_dates(seconds, zone)
    for start, count in zip(table.index, table["litter"], strict=True):
        assert start.day == 1 and start.hour == 0
        assert count == sum((d.year, d.month) == (start.year, start.month) for d in dates)


@settings(max_examples=30, deadline=None)
@given(instants, st.sampled_from(ZONES), st.sampled_from([1, 7, 30]))
def test_the_cube_counts_each_local_period(seconds: list[int], zone: str, period_days: int) -> None:
    times = local_times(seconds, zone)
    last = max(local_dates(seconds, zone))
    end = localtime.midnight(localtime.day_number(pd.Timestamp(last)) + 1, zone)
    n = 8
    issues = pd.DataFrame({s.REPORTED_AT: times, s.GRID_ID: "g1", s.CATEGORY: "litter"})
    cube = count_cube(issues, grid_ids=["g1"], categories=["litter"], end=end, n_periods=n, period_days=period_days)
    dates = local_dates(seconds, zone)
    for start, count in zip(cube["period_start"], cube["count"], strict=True):
        assert start.hour == 0
        first = start.date()
        assert count == sum(first <= d < first + dt.timedelta(days=period_days) for d in dates)
    starts = period_starts(times, end=end, period_days=period_days).dropna()
    # the two routes name the same periods
    assert set(starts[starts >= cube["period_start"].min()]) <= set(cube["period_start"])


@settings(max_examples=20, deadline=None)
@given(instants, st.sampled_from(ZONES))
def test_campaign_and_bulletin_weeks_are_local_weeks(seconds: list[int], zone: str) -> None:
    times = local_times(seconds, zone)
    dates = local_dates(seconds, zone)
    origin = pd.Timestamp("2021-03-01", tz=zone)
    weekly = weekly_counts(times, origin, first=times.min(), last=times.max())
    for k, count in weekly.items():
        first = origin.date() + dt.timedelta(days=7 * int(k))
        assert count == sum(first <= d < first + dt.timedelta(days=7) for d in dates)

    class Names:
        def name(self, code: str, lang: str = "zh") -> str:
            return code

    class Data:
        categories = Names()

    end = localtime.midnight(localtime.day_number(pd.Timestamp(max(dates))) + 1, zone)
    frame = pd.DataFrame({s.REPORTED_AT: times, s.CATEGORY: "litter"})
    table = _weekly(frame, Data(), end, weeks=12)  # type: ignore[arg-type]
    for start, count in table["全部"].items():
        assert count == sum(start <= d < start + dt.timedelta(days=7) for d in dates)


@pytest.mark.parametrize(("zone", "text", "expected"), [
    # The repeated hour when clocks go back: its first occurrence (daylight time), never a rejection.
    ("America/New_York", "2015-11-01T01:16:00", "2015-11-01T05:16:00Z"),
    ("Europe/Madrid", "2021-10-31 02:30:00", "2021-10-31T00:30:00Z"),
    ("Australia/Sydney", "2021-04-04 02:30", "2021-04-03T15:30:00Z"),
    # The skipped hour when clocks go forward: moved forward by the hour.
    ("America/New_York", "2015-03-08 02:30", "2015-03-08T07:30:00Z"),
    ("Europe/London", "2021-03-28 01:30", "2021-03-28T01:30:00Z"),
])
def test_odd_local_times_import_by_one_rule(tmp_path: object, zone: str, text: str, expected: str) -> None:
    from geo.ingest.mapping import LedgerMapping

    frame = pd.DataFrame({"问题类型": ["垃圾"], "上报时间": [text], "经度": ["1"], "纬度": ["1"]})
    result = read_ledger(frame, mapping=LedgerMapping(tz=zone), today=dt.date(2026, 1, 1))
    assert len(result.rejects) == 0
    assert result.issues[s.REPORTED_AT].iloc[0] == pd.Timestamp(expected)


def test_add_days_keeps_the_wall_clock() -> None:
    sunday = pd.Timestamp("2021-10-31", tz="Europe/Madrid")
    assert localtime.add_days(sunday, 7) == pd.Timestamp("2021-11-07", tz="Europe/Madrid")
    assert (localtime.add_days(sunday, 7) - sunday) == pd.Timedelta(hours=169)
    assert localtime.next_midnight(pd.Timestamp("2021-10-31 23:59", tz="Europe/Madrid")) == \
        pd.Timestamp("2021-11-01", tz="Europe/Madrid")
    assert localtime.first_day_from(pd.Timestamp("2021-11-01", tz="Europe/Madrid")) == \
        localtime.day_number(pd.Timestamp("2021-11-01"))
