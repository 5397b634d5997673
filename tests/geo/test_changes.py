"""This week's changes per category, by hand."""

from __future__ import annotations

import pandas as pd

from geo import schema as s
from geo.ops.changes import category_changes

TZ = "Asia/Shanghai"
END = pd.Timestamp("2026-03-30", tz=TZ)


def _issues(counts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``category -> (per baseline week, this week)``: issues spread over the days of each week."""
    rows = []
    for cat, (per_week, now) in counts.items():
        for w in range(4):
            start = END - pd.Timedelta(days=7 * (5 - w))
            rows += [(cat, start + pd.Timedelta(hours=5 * k)) for k in range(per_week)]
        rows += [(cat, END - pd.Timedelta(days=7) + pd.Timedelta(hours=3 * k)) for k in range(now)]
    return pd.DataFrame(rows, columns=[s.CATEGORY, s.REPORTED_AT])


def test_rises_and_falls_need_a_confirmed_interval() -> None:
    out = category_changes(_issues({"parking": (20, 45), "litter": (30, 10), "posters": (5, 7)}), END)
    by = out.set_index(s.CATEGORY)
    assert by.loc["parking", ["this_week", "baseline_weekly"]].tolist() == [45, 20.0]
    assert by.loc["parking", "ratio"] == 2.25 and by.loc["parking", "verdict"] == "increase"
    assert by.loc["litter", "verdict"] == "decrease" and round(by.loc["litter", "ratio"], 3) == 0.333
    assert by.loc["posters", "verdict"] == "no_detectable_change"  # 5 a week, then 7: nothing to claim
    # Confirmed changes first, the larger departure first (1/0.333 = 3 > 2.25), then the rest.
    assert out[s.CATEGORY].tolist() == ["litter", "parking", "posters"]
