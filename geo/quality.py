"""Data-quality flags that protect the statistics: suspect piles and likely double submissions.

Nothing here deletes a record. Flags are columns; the analysis decides what to exclude (suspect
points are left out of hotspot statistics by default, with a visible switch to include them).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.crs import metric_crs_for

#: Column: True when the record sits on a suspect pile (see :func:`flag_suspect_points`).
SUSPECT_POINT = s.SUSPECT_POINT
#: Column: issue_id of an earlier report this one probably repeats (same category, 10 m, 10 min).
LIKELY_DUPLICATE_OF = s.LIKELY_DUPLICATE_OF


def flag_suspect_points(
    issues: gpd.GeoDataFrame, *, min_records: int = 15, min_days: int = 3, min_categories: int = 3,
    max_mix_distance: float = 0.15, min_mix_records: int = 50, min_address_share: float = 0.5,
    neighbourhood_m: float = 500.0, min_ratio: float = 3.0, default_points: Sequence[tuple[float, float]] = (),
) -> pd.Series:
    """True for records on a pile at one identical coordinate pair that looks like a fallback.

    A patrol app whose GPS fails often stores a default position, typically the street office's
    address; a geocoder stores a city's centre for an address it cannot place. Such a pile is a false
    hotspot. A busy real address (a market, a school gate, a street that floods every year) is a
    true one, and exact piles are normal in geocoded ledgers. A pile is suspect when it is large and
    lasting (``min_records`` records on ``min_days`` days or more), out of proportion to its
    neighbourhood (``min_ratio`` times the busiest other exact location within ``neighbourhood_m``),
    and shows one of the two signatures of a fallback:

    - many places at one point: at least ``min_address_share`` of its records carry distinct
      addresses (the clerk typed where the problem was; the app stored where it had no fix);
    - it collects everything: at least ``min_mix_records`` records of at least
      ``min(min_categories, categories in the ledger)`` categories whose mix is within
      ``max_mix_distance`` (total variation distance) of the whole ledger's mix. A real place is
      dominated by its own problems; the size floor keeps a small pile from matching by chance.

    A pile at one of ``default_points`` (lon, lat in WGS84, matched to 1e-6 degrees: the office's
    configured fallback) is suspect whatever its size.

    Measured in ``docs/import.md``: the sample's planted pile is found; on Houston's 100 months the
    downtown geocode pile (84 records at City Hall) is found and none of the busy real addresses.

    Returns
    -------
    Series
        Boolean, aligned with ``issues``.
    """
    geoms = issues.geometry
    ok = ~(geoms.isna() | geoms.is_empty)
    flags = pd.Series(False, index=issues.index)
    if not ok.any():
        return flags
    key = pd.DataFrame({
        "x": shapely.get_x(geoms[ok].to_numpy()),
        "y": shapely.get_y(geoms[ok].to_numpy()),
        "day": issues.loc[ok, s.REPORTED_AT].dt.date,  # local days in the ledger's zone
        "cat": issues.loc[ok, s.CATEGORY].astype(str),
        "addr": (issues.loc[ok, s.ADDRESS].astype("string").str.strip() if s.ADDRESS in issues
                 else pd.Series(pd.NA, index=issues.index[ok], dtype="string")),
    }, index=issues.index[ok])
    suspect: set[tuple[float, float]] = set()
    if default_points:
        located = key[["x", "y"]].drop_duplicates()
        for lon, lat in default_points:
            near = located[(located["x"] - lon).abs().le(1e-6) & (located["y"] - lat).abs().le(1e-6)]
            suspect.update(map(tuple, near.to_numpy()))
    stats = key.groupby(["x", "y"]).agg(n=("day", "size"), days=("day", "nunique"), cats=("cat", "nunique"),
                                        addrs=("addr", "nunique"), with_addr=("addr", "count"))
    need_cats = min(min_categories, int(key["cat"].nunique()))
    piles = stats[(stats["n"] >= min_records) & (stats["days"] >= min_days)]
    if len(piles):
        overall = key["cat"].value_counts(normalize=True)
        metric = gpd.GeoSeries(gpd.points_from_xy(stats.index.get_level_values("x"), stats.index.get_level_values("y")),
                               crs=issues.crs)
        metric = metric.to_crs(metric_crs_for(metric)).to_numpy()
        tree = shapely.STRtree(metric)
        counts = stats["n"].to_numpy()
        position = {k: i for i, k in enumerate(stats.index)}
        for (px, py), row in piles.iterrows():
            many_places = row["with_addr"] >= 0.8 * row["n"] and row["addrs"] >= min_address_share * row["n"]
            collects_all = False
            if row["n"] >= min_mix_records and row["cats"] >= need_cats:
                mine = key[(key["x"] == px) & (key["y"] == py)]["cat"].value_counts(normalize=True)
                distance = 0.5 * float((mine.reindex(overall.index, fill_value=0.0) - overall).abs().sum())
                collects_all = distance <= max_mix_distance
            if not (many_places or collects_all):
                continue  # one place with its own problems: a real hotspot
            i = position[(px, py)]
            around = tree.query(metric[i], predicate="dwithin", distance=neighbourhood_m)
            others = counts[around[around != i]]
            busiest = int(others.max()) if len(others) else 0
            if row["n"] >= min_ratio * max(busiest, 1):
                suspect.add((px, py))
    if not suspect:
        return flags
    on_pile = pd.MultiIndex.from_frame(key[["x", "y"]]).isin(list(suspect))
    flags[key.index[on_pile]] = True
    return flags


def epoch_ns(times: pd.Series) -> np.ndarray:
    """tz-aware times as int64 nanoseconds since the epoch (NaT becomes the minimum int64)."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)


def close_pairs(issues: gpd.GeoDataFrame, radius_m: float) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray] | None:
    """The located rows of ``issues`` and every ordered pair ``(a, b)`` of them within ``radius_m``.

    Distances in the local UTM zone; an STRtree ``dwithin`` query, so the cost follows the number of
    close pairs, not n². Pairs include ``(a, a)``. ``None`` when fewer than two rows have a location.
    """
    geoms = issues.geometry
    ok = (~(geoms.isna() | geoms.is_empty)).to_numpy()
    if ok.sum() < 2:
        return None
    sub = issues[ok]
    pts = sub.geometry.to_crs(metric_crs_for(sub.geometry)).to_numpy()
    a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=radius_m)
    return sub, a, b


def best_partner_ids(issues: gpd.GeoDataFrame, sub: gpd.GeoDataFrame, rows: np.ndarray, partners: np.ndarray,
                     rank: np.ndarray) -> pd.Series:
    """Per row of ``issues``: the ``issue_id`` of its lowest-``rank`` partner, else ``<NA>``.

    ``rows``/``partners`` are positions in ``sub`` (pairs that passed a rule); ``rank`` orders the
    candidate partners of one row (e.g. time for the earliest, ``-closed_at`` for the latest).
    """
    out = pd.Series(pd.NA, index=issues.index, dtype="string")
    if rows.size == 0:
        return out
    order = np.lexsort((rank, rows))
    rows, partners = rows[order], partners[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    ids = sub[s.ISSUE_ID].astype(str).to_numpy()
    values = pd.Series(ids[partners[first]], index=sub.index[rows[first]], dtype="string")
    out[values.index] = values
    return out


def flag_likely_duplicates(
    issues: gpd.GeoDataFrame, *, radius_m: float = 10.0, window_minutes: float = 10.0
) -> pd.Series:
    """For each record, the ``issue_id`` of an earlier record it probably repeats, else ``<NA>``.

    Two inspectors (or a citizen and an inspector) reporting the same problem: same category,
    within ``radius_m`` metres and ``window_minutes`` minutes. The earliest report of a group is
    the original; each later one points at the earliest report it is close to.

    Notes
    -----
    Distances are measured in the local UTM zone. The pair search is an STRtree ``dwithin``
    query, so the cost grows with the number of close pairs, not with n².
    """
    found = close_pairs(issues, radius_m)
    if found is None:
        return pd.Series(pd.NA, index=issues.index, dtype="string")
    sub, left, right = found
    t = epoch_ns(sub[s.REPORTED_AT])
    cat = sub[s.CATEGORY].astype(str).to_numpy()
    window = int(window_minutes * 60 * 1e9)
    # Keep pairs where `right` is earlier than `left` (ties broken by position) within the window.
    earlier = (t[right] < t[left]) | ((t[right] == t[left]) & (right < left))
    keep = earlier & (t[left] - t[right] <= window) & (cat[left] == cat[right])
    left, right = left[keep], right[keep]
    return best_partner_ids(issues, sub, left, right, t[right])  # the earliest report it repeats
