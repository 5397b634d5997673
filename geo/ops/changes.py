"""What changed this week: each category's count against its own recent weeks, with an exact test.

For the week ``[end - 7 days, end)`` and the ``weeks_back`` weeks before it, the ratio of this week's
daily rate to the baseline's, with the exact conditional interval of :func:`geo.stats.campaign.rate_ratio`.
Only changes whose interval excludes 1 are called rises or falls; the dashboard words them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import localtime
from geo import schema as s
from geo.stats.campaign import rate_ratio


def category_changes(issues: pd.DataFrame, end: pd.Timestamp, *, weeks_back: int = 4) -> pd.DataFrame:
    """Per category: this week's count, the baseline's weekly mean, ratio, 95 % interval and verdict.

    Sorted with confirmed changes first (largest departure from 1 first), then by category code.
    """
    week_start = localtime.add_days(end, -7)  # seven local days, whatever a clock change did to the hours
    base_start = localtime.add_days(week_start, -7 * weeks_back)
    times, cats = issues[s.REPORTED_AT], issues[s.CATEGORY].astype(str)
    this_week = cats[(times >= week_start) & (times < end)].value_counts()
    baseline = cats[(times >= base_start) & (times < week_start)].value_counts()
    rows = []
    for code in sorted(set(this_week.index) | set(baseline.index)):
        rr = rate_ratio(int(baseline.get(code, 0)), int(this_week.get(code, 0)), 7.0 * weeks_back, 7.0)
        rows.append({s.CATEGORY: code, "this_week": rr.after, "baseline_weekly": rr.before / weeks_back,
                     "ratio": rr.ratio, "low": rr.low, "high": rr.high, "verdict": rr.verdict})
    out = pd.DataFrame(rows, columns=[s.CATEGORY, "this_week", "baseline_weekly", "ratio", "low", "high", "verdict"])
    confirmed = out["verdict"].isin(["increase", "decrease"])
    ratio = out["ratio"].astype(float).clip(lower=1e-9).fillna(1.0)
    departure = np.maximum(ratio, 1.0 / ratio)  # a halving departs as far as a doubling
    return (out.assign(_c=~confirmed, _size=-departure).sort_values(["_c", "_size", s.CATEGORY], kind="stable")
            .drop(columns=["_c", "_size"]).reset_index(drop=True))
