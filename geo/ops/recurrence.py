"""Recurrence: a problem that comes back where one was closed out (销号) shortly before.

A report is a recurrence when an issue of the same category was closed within ``radius_m`` metres
and at most ``window_days`` days before it was reported. Repeat locations are where a campaign's
fixes do not hold, so planners weigh them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import schema as s
from geo.ingest.near_repeats import window_partners
from geo.ingest.quality import epoch_ns, located_metric, partner_ids

#: Column: issue_id of the closed issue this report repeats.
RECURRENCE_OF = "recurrence_of"


def flag_recurrences(issues: gpd.GeoDataFrame, *, radius_m: float = 30.0, window_days: float = 90.0) -> pd.Series:
    """For each issue, the ``issue_id`` of the most recently closed issue it repeats, else ``<NA>``.

    Notes
    -----
    Only issues with ``status == "closed"`` and a closing time count as the earlier case; the new
    report must come *after* that closing (a report while the case was open is a duplicate, not a
    recurrence). Distances in the local UTM zone; a search windowed in time and space
    (:func:`geo.ingest.near_repeats.window_partners`), so a busy spot's years of cases are not paired.
    """
    rows, x, y = located_metric(issues)
    if rows.size < 2:
        return pd.Series(pd.NA, index=issues.index, dtype="string")
    sub = issues[[s.REPORTED_AT, s.CLOSED_AT, s.STATUS, s.CATEGORY]].iloc[rows]  # not every column of every row
    reported = epoch_ns(sub[s.REPORTED_AT])
    closed_at = epoch_ns(sub[s.CLOSED_AT])  # NaT becomes the minimum int64
    closed = (sub[s.STATUS] == "closed").to_numpy() & ~sub[s.CLOSED_AT].isna().to_numpy()
    group = pd.factorize(sub[s.CATEGORY].astype(str))[0]
    partner = window_partners(x, y, group, reported, closed_at, closed, radius=radius_m,
                              window_ns=int(window_days * 86400e9), pick="latest")  # the most recently closed case
    return partner_ids(issues, rows, partner)


def recurrence_by_grid(issues: pd.DataFrame, recurrence_of: pd.Series) -> pd.DataFrame:
    """Per grid: issues, recurrences and the recurrence rate (recurrences / issues)."""
    frame = pd.DataFrame({s.GRID_ID: issues[s.GRID_ID], "recurrence": recurrence_of.notna().to_numpy()})
    out = frame.dropna(subset=[s.GRID_ID]).groupby(s.GRID_ID).agg(
        issues=("recurrence", "size"), recurrences=("recurrence", "sum"))
    out["rate"] = out["recurrences"] / out["issues"]
    return out.reset_index()
