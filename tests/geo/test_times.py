import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.ingest import times
from geo.ingest.times import parse_local_times


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-11-03 07:21:54", "2025-11-03 07:21:54+08:00"),
        ("2024/3/5 14:02", "2024-03-05 14:02:00+08:00"),
        ("2024/03/05", "2024-03-05 00:00:00+08:00"),
        ("2024年3月5日", "2024-03-05 00:00:00+08:00"),
        ("2024年3月5日 14时02分", "2024-03-05 14:02:00+08:00"),
        ("01/01/2018 12:00:09 AM", "2018-01-01 00:00:09+08:00"),
        ("12/31/2017 11:59:00 PM", "2017-12-31 23:59:00+08:00"),
        ("2024-03-05T10:00:00Z", "2024-03-05 18:00:00+08:00"),  # explicit zone converted
        ("2024-03-05T10:00:00+08:00", "2024-03-05 10:00:00+08:00"),
        ("45356", "2024-03-05 00:00:00+08:00"),  # Excel serial: 45356 days after 1899-12-30
        ("45356.5", "2024-03-05 12:00:00+08:00"),
    ],
)
def test_formats_seen_in_ledgers(raw: str, expected: str) -> None:
    got = parse_local_times(pd.Series([raw]))
    assert got.iloc[0] == pd.Timestamp(expected)
    assert str(got.dt.tz) == "Asia/Shanghai"


@pytest.mark.parametrize("raw", ["", None, "yesterday", "2024-13-45", "99999999", "-2024", "-2024-03-05"])
def test_unparseable_values_become_nat(raw: object) -> None:
    assert parse_local_times(pd.Series([raw], dtype="object")).isna().all()


def test_other_zone_and_order_preserved() -> None:
    got = parse_local_times(pd.Series(["2018-01-01 00:00:09", "bad", "2018-01-02"]), tz="America/Los_Angeles")
    assert got.iloc[0] == pd.Timestamp("2018-01-01 00:00:09", tz="America/Los_Angeles")
    assert pd.isna(got.iloc[1])
    assert got.iloc[2] == pd.Timestamp("2018-01-02 00:00", tz="America/Los_Angeles")  # date only: local midnight


def test_a_leap_second_stays_in_its_own_day() -> None:
    """23:59:60 was read as the next day's midnight, and a week's count moved with it."""
    times = parse_local_times(pd.Series(["2016-12-31 23:59:60", "2026-03-02T08:15:60", "2026-03-02 08:15:06"]),
                              tz="Asia/Shanghai")
    assert [str(v) for v in times] == ["2016-12-31 23:59:59+08:00", "2026-03-02 08:15:59+08:00",
                                       "2026-03-02 08:15:06+08:00"]


# Pieces of the time text ledgers hold, plain ISO and not: the fast path must read its cells exactly as the
# general rules do, and leave every other cell to them.
_PIECES = st.sampled_from(["2024-03-05", " 14:02", ":07",
                           "2024", "1899", "2200", "-", "03", "3", "-05", "-30", "-02-29", " ", "T", "14", "24", ":",
                           "02", "59", "60", ".5", ".123456789", "Z", "+08:00", "年", "月", "日", "45000", "x"])


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.just("") | st.lists(_PIECES, min_size=1, max_size=9).map("".join),
                      min_size=1, max_size=8),
       zone=st.sampled_from(["Asia/Shanghai", "Europe/Madrid", "America/Los_Angeles"]))
def test_the_plain_iso_path_reads_as_the_general_rules(cells: list[str], zone: str) -> None:
    values = pd.Series([*cells, "2024-03-05 14:02:07", "2021-10-31 02:30", "2021-03-28 02:30:00"])
    fast = parse_local_times(values, tz=zone)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(times, "_PLAIN_ISO", re.compile(r"(?!)"))  # matches nothing: the general rules alone
        general = parse_local_times(values, tz=zone)
    pd.testing.assert_series_equal(fast, general)


def test_an_hour_offset_after_a_time_is_a_zone_and_a_date_is_not() -> None:
    # ISO 8601 allows ±hh alone: 14:02 at UTC-5 is 03:02 the next day in Shanghai. Read as a local time
    # it made pandas refuse the whole batch ("already tz-aware"); the property test above found it.
    got = parse_local_times(pd.Series(["2024-03-05 14:02-05", "2024-03-05T14:02:07.5-05", "2024-03-05"]),
                            tz="Asia/Shanghai")
    assert got.tolist() == [pd.Timestamp("2024-03-06 03:02", tz="Asia/Shanghai"),
                            pd.Timestamp("2024-03-06 03:02:07.5", tz="Asia/Shanghai"),
                            pd.Timestamp("2024-03-05", tz="Asia/Shanghai")]
