"""Recurrence: a problem that comes back where one was closed out (销号) shortly before.

A report is a recurrence when an issue of the same category was closed within ``radius_m`` metres
and at most ``window_days`` days before it was reported. Repeat locations are where a campaign's
fixes do not hold, so planners weigh them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo import schema as s
from geo.quality import best_partner_ids, close_pairs, epoch_ns

#: Column: issue_id of the closed issue this report repeats.
RECURRENCE_OF = "recurrence_of"


def flag_recurrences(issues: gpd.GeoDataFrame, *, radius_m: float = 30.0, window_days: float = 90.0) -> pd.Series:
    """For each issue, the ``issue_id`` of the most recently closed issue it repeats, else ``<NA>``.

    Notes
    -----
    Only issues with ``status == "closed"`` and a closing time count as the earlier case; the new
    report must come *after* that closing (a report while the case was open is a duplicate, not a
    recurrence). Distances in the local UTM zone; pairs from an STRtree ``dwithin`` query.
    """
    found = close_pairs(issues, radius_m)
    if found is None:
        return pd.Series(pd.NA, index=issues.index, dtype="string")
    sub, new, old = found
    reported = epoch_ns(sub[s.REPORTED_AT])
    closed_at = epoch_ns(sub[s.CLOSED_AT])  # NaT becomes the minimum int64
    closed = (sub[s.STATUS] == "closed").to_numpy() & ~sub[s.CLOSED_AT].isna().to_numpy()
    cat = sub[s.CATEGORY].astype(str).to_numpy()
    gap = reported[new] - closed_at[old]
    keep = (new != old) & closed[old] & (cat[new] == cat[old]) & (gap > 0) & (gap <= int(window_days * 86400e9))
    new, old = new[keep], old[keep]
    return best_partner_ids(issues, sub, new, old, -closed_at[old])  # the most recently closed case


def recurrence_by_grid(issues: pd.DataFrame, recurrence_of: pd.Series) -> pd.DataFrame:
    """Per grid: issues, recurrences and the recurrence rate (recurrences / issues)."""
    frame = pd.DataFrame({s.GRID_ID: issues[s.GRID_ID], "recurrence": recurrence_of.notna().to_numpy()})
    out = frame.dropna(subset=[s.GRID_ID]).groupby(s.GRID_ID).agg(
        issues=("recurrence", "size"), recurrences=("recurrence", "sum"))
    out["rate"] = out["recurrences"] / out["issues"]
    return out.reset_index()
