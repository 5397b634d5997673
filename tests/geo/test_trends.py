"""Trend series, Mann-Kendall/Theil-Sen directions, period comparisons and the hour x weekday table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.stats.trends import compare_periods, hour_weekday, series, trend_table

TZ = "Asia/Shanghai"


def _frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({s.CATEGORY: [c for c, _ in rows],
                         s.REPORTED_AT: pd.to_datetime([t for _, t in rows]).tz_localize(TZ)})


def test_weekly_series_by_hand() -> None:
    # Last report Sunday 2026-03-29: weeks end on Monday 03-30, so the newest week is 03-23..29.
    frame = _frame([("a", "2026-03-29 10:00"), ("a", "2026-03-23 00:00"), ("b", "2026-03-22 23:59"),
                    ("a", "2026-03-09 12:00")])
    table = series(frame, s.CATEGORY)
    assert [d.date().isoformat() for d in table.index] == ["2026-03-09", "2026-03-16", "2026-03-23"]
    assert table["a"].tolist() == [1, 0, 2] and table["b"].tolist() == [0, 1, 0]  # zeros kept
    assert list(table.columns) == ["a", "b"]  # largest total first
    monthly = series(frame, s.CATEGORY, freq="month")
    assert monthly.index[0].isoformat() == "2026-03-01T00:00:00+08:00" and monthly["a"].tolist() == [3]


def test_trend_directions() -> None:
    idx = pd.date_range("2026-01-05", periods=20, freq="7D", tz=TZ)
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"up": 5 + np.arange(20) + rng.integers(0, 2, 20), "flat": rng.poisson(10, 20),
                          "down": 40 - 2 * np.arange(20)}, index=idx)
    out = trend_table(table).set_index("group")
    assert out.loc["up", "direction"] == "rising" and out.loc["up", "slope"] == pytest.approx(1.0, abs=0.15)
    assert out.loc["down", "direction"] == "falling" and out.loc["down", "slope"] == -2.0
    assert out.loc["flat", "direction"] == "no_trend"


def test_compare_periods_and_hour_weekday() -> None:
    frame = _frame([("a", f"2026-03-0{d} 09:30") for d in range(1, 8)] * 4
                   + [("a", f"2026-03-{d} 18:10") for d in range(10, 17)])
    cmp = compare_periods(frame, s.CATEGORY, (pd.Timestamp("2026-03-01", tz=TZ), pd.Timestamp("2026-03-08", tz=TZ)),
                          (pd.Timestamp("2026-03-10", tz=TZ), pd.Timestamp("2026-03-17", tz=TZ))).iloc[0]
    assert (cmp["a"], cmp["b"], cmp["ratio"]) == (28, 7, 0.25) and cmp["verdict"] == "decrease"
    grid = hour_weekday(frame)
    assert grid.shape == (7, 24) and int(grid.to_numpy().sum()) == 35
    assert int(grid[9].sum()) == 28 and int(grid[18].sum()) == 7
    assert int(grid.loc[6, 9]) == 4  # 2026-03-01 is a Sunday: four reports at 09:30


def test_sample_metro_grid_rises_and_posters_fall(sample: Dataset) -> None:
    live = sample.issues[(sample.issues[s.STATUS] != "void") & ~sample.issues["suspect_point"]]
    by_grid = trend_table(series(live[live[s.CATEGORY] == "parking"], s.GRID_ID)).set_index("group")
    assert by_grid.loc["340104012001004", "direction"] == "rising"  # the metro exit (planted emerging)
    posters = trend_table(series(live[live[s.GRID_ID] == "340104012003001"], s.CATEGORY)).set_index("group")
    assert posters.loc["posters", "direction"] == "falling"  # the campaign street
