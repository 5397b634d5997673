"""Data-quality flags that protect the statistics: suspect piles and likely double submissions.

Nothing here deletes a record. Flags are columns; the analysis decides what to exclude (suspect
points are left out of hotspot statistics by default, with a visible switch to include them).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.crs import metric_crs_for, point_xy, transform_xy
from geo.ingest.near_repeats import window_partners
from geo.text import stripped_text

# The columns these rules fill, s.SUSPECT_POINT and s.LIKELY_DUPLICATE_OF, are defined in geo/schema.py with
# every stored column: readers of a flag (stats, report, cube) depend on the schema, not on this module.


def flag_suspect_points(
    issues: gpd.GeoDataFrame, *, min_records: int = 15, min_days: int = 3, min_categories: int = 3,
    max_mix_distance: float = 0.15, min_mix_records: int = 50, min_address_share: float = 0.5,
    neighbourhood_m: float = 500.0, min_ratio: float = 3.0, default_points: Sequence[tuple[float, float]] = (),
    tail_quantile: float = 0.999, tail_ratio: float = 5.0, real_points: Sequence[tuple[float, float]] = (),
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
      ``min(min_categories, types in the ledger)`` problem types whose mix is within
      ``max_mix_distance`` (total variation distance) of the whole ledger's mix. A real place is
      dominated by its own problems; the size floor keeps a small pile from matching by chance. The
      types are the ledger's own labels (``category_raw``) where it has them, not our categories: the
      verdict is about the data, and must not change when a clerk maps the labels (Madrid's labels all
      unmapped made every busy pile "collect everything" as 其他). A ledger of one type has no mix to
      resemble: the signature does not apply.

    And whatever its addresses and mix, a pile is suspect when it is out of all proportion to any
    real place: ``tail_ratio`` times the count that only the busiest 0.1 % of the ledger's exact
    locations reach (``tail_quantile`` of the location counts), besides ``min_ratio`` times its
    neighbourhood's busiest. Both are ratios to the ledger itself, so the rule scales with a street's
    or a city's ledger; a default geocode holding 1-15 % of a ledger is tens to thousands of times
    the tail, the busiest real places of the shared ledgers at most 4.6 times (``docs/import.md``).

    A pile at one of ``default_points`` (lon, lat in WGS84, matched to 1e-6 degrees: the office's
    configured fallback) is suspect whatever its size; one at ``real_points`` (a clerk confirmed a
    real place there) never is.

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
    xs = shapely.get_x(geoms[ok].to_numpy())
    ys = shapely.get_y(geoms[ok].to_numpy())
    sizes = pd.DataFrame({"x": xs, "y": ys}).groupby(["x", "y"]).size()
    # The per-pile statistics (days, categories, addresses) only for locations big enough to be a
    # pile or at a configured fallback: computing them for a million single reports costs seconds.
    wanted = sizes.index[sizes.to_numpy() >= min_records]
    suspect: set[tuple[float, float]] = set()
    if default_points:
        located = sizes.index.to_frame(index=False)
        for lon, lat in default_points:
            near = located[(located["x"] - lon).abs().le(1e-6) & (located["y"] - lat).abs().le(1e-6)]
            suspect.update(map(tuple, near.to_numpy()))
    at_pile = pd.MultiIndex.from_arrays([xs, ys]).isin(wanted)
    rows = issues.index[ok][at_pile]
    labels = _problem_types(issues)
    key = pd.DataFrame({
        "x": xs[at_pile],
        "y": ys[at_pile],
        "day": issues.loc[rows, s.REPORTED_AT].dt.date,  # local days in the ledger's zone
        "cat": labels.loc[rows],
        "addr": (issues.loc[rows, s.ADDRESS].astype("string").str.strip() if s.ADDRESS in issues
                 else pd.Series(pd.NA, index=rows, dtype="string")),
    }, index=rows)
    stats = key.groupby(["x", "y"]).agg(n=("day", "size"), days=("day", "nunique"), cats=("cat", "nunique"),
                                        addrs=("addr", "nunique"), with_addr=("addr", "count"))
    all_cats = labels.loc[ok]
    n_types = int(all_cats.nunique())
    mix_applies = n_types >= 2
    need_cats = min(min_categories, n_types)
    piles = stats[(stats["n"] >= min_records) & (stats["days"] >= min_days)]
    if len(piles):
        overall = all_cats.value_counts(normalize=True)
        # Every exact location counts towards a neighbourhood's busiest one; searched only if a pile gets that far.
        around = _LocationCounts(sizes.index.get_level_values("x").to_numpy(),
                                 sizes.index.get_level_values("y").to_numpy(), sizes.to_numpy(),
                                 src=issues.crs, dst=metric_crs_for(issues))
        position = dict(zip(piles.index, sizes.index.get_indexer(piles.index), strict=True))
        tail = max(float(np.quantile(sizes.to_numpy(), tail_quantile)), 1.0)
        for xy, row in piles.iterrows():
            px, py = cast(tuple[float, float], xy)
            if row["n"] >= tail_ratio * tail:  # out of all proportion to any real place
                busiest = around.busiest_other(position[(px, py)], neighbourhood_m)
                if row["n"] >= min_ratio * max(busiest, 1):
                    suspect.add((px, py))
                    continue
            many_places = row["with_addr"] >= 0.8 * row["n"] and row["addrs"] >= min_address_share * row["n"]
            collects_all = False
            if mix_applies and row["n"] >= min_mix_records and row["cats"] >= need_cats:
                mine = key[(key["x"] == px) & (key["y"] == py)]["cat"].value_counts(normalize=True)
                distance = 0.5 * float((mine.reindex(overall.index, fill_value=0.0) - overall).abs().sum())
                collects_all = distance <= max_mix_distance
            if not (many_places or collects_all):
                continue  # one place with its own problems: a real hotspot
            busiest = around.busiest_other(position[(px, py)], neighbourhood_m)
            if row["n"] >= min_ratio * max(busiest, 1):
                suspect.add((px, py))
    for lon, lat in real_points:
        suspect = {p for p in suspect if abs(p[0] - lon) > 1e-6 or abs(p[1] - lat) > 1e-6}
    if not suspect:
        return flags
    on_pile = pd.MultiIndex.from_arrays([xs, ys]).isin(list(suspect))
    flags[issues.index[ok][on_pile]] = True
    return flags


def _problem_types(issues: pd.DataFrame) -> pd.Series:
    """Each record's problem type as the ledger says it (its raw label, else our category), as text."""
    ours = issues[s.CATEGORY].astype("string") if s.CATEGORY in issues else pd.Series(pd.NA, index=issues.index,
                                                                                        dtype="string")
    if s.CATEGORY_RAW in issues:
        raw = stripped_text(issues[s.CATEGORY_RAW])
        ours = raw.fillna(ours)
    return ours.fillna("").astype(str)


class _LocationCounts:
    """Report counts at exact locations, and the busiest location within a distance of one of them.

    The locations are projected and sorted by x on the first search: a search is then two binary searches
    for the band ``|dx| <= r`` and an exact distance test inside it. (A tree over a district's million
    locations cost a second to build for the handful of piles that need it.)
    """

    def __init__(self, lon: np.ndarray, lat: np.ndarray, counts: np.ndarray, *, src: object, dst: object) -> None:
        self._lon, self._lat, self._counts, self._src, self._dst = lon, lat, counts, src, dst

    @functools.cached_property
    def _sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x, y = transform_xy(self._lon, self._lat, self._src, self._dst)
        order = np.argsort(x, kind="stable")
        return x, y, x[order], y[order], self._counts[order], order

    def busiest_other(self, i: int, radius_m: float) -> int:
        """The most reports at any other location within ``radius_m`` of location ``i`` (0 when none)."""
        x, y, sx, sy, counts, order = self._sorted
        lo = int(np.searchsorted(sx, x[i] - radius_m, side="left"))
        hi = int(np.searchsorted(sx, x[i] + radius_m, side="right"))
        near = np.hypot(sx[lo:hi] - x[i], sy[lo:hi] - y[i]) <= radius_m
        near &= order[lo:hi] != i
        return int(counts[lo:hi][near].max(initial=0))


def epoch_ns(times: pd.Series) -> np.ndarray:
    """tz-aware times as int64 nanoseconds since the epoch (NaT becomes the minimum int64)."""
    return np.asarray(times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]"), dtype=np.int64)


def located_metric(issues: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the rows with a location, and their x, y in the local UTM zone (metres)."""
    geoms = issues.geometry
    ok = np.flatnonzero((~(geoms.isna() | geoms.is_empty)).to_numpy())
    if ok.size == 0:
        return ok, np.empty(0), np.empty(0)
    sub = geoms.iloc[ok]
    x, y = point_xy(sub, metric_crs_for(sub))
    return ok, x, y


def partner_ids(issues: pd.DataFrame, rows: np.ndarray, partner: np.ndarray) -> pd.Series:
    """``issue_id`` of each row's partner (positions ``partner`` among ``rows``; -1 for none), else ``<NA>``."""
    out = np.full(len(issues), None, dtype=object)
    has = partner >= 0
    ids = issues[s.ISSUE_ID].astype(str).to_numpy()
    out[rows[has]] = ids[rows[partner[has]]]
    return pd.Series(pd.array(out, dtype="string"), index=issues.index)


def flag_likely_duplicates(
    issues: gpd.GeoDataFrame, *, radius_m: float = 10.0, window_minutes: float = 10.0
) -> pd.Series:
    """For each record, the ``issue_id`` of an earlier record it probably repeats, else ``<NA>``.

    Two inspectors (or a citizen and an inspector) reporting the same problem: same category,
    within ``radius_m`` metres and ``window_minutes`` minutes. The earliest report of a group is
    the original; each later one points at the earliest report it is close to (equal times: the
    earlier row is the original).

    Notes
    -----
    Distances are measured in the local UTM zone. The search is windowed in time and space
    (:func:`geo.ingest.near_repeats.window_partners`): its cost follows the reports of one category
    in a few cells and ten minutes, not all pairs within 10 m (a busy spot's years of reports).
    """
    rows, x, y = located_metric(issues)
    if rows.size < 2:
        return pd.Series(pd.NA, index=issues.index, dtype="string")
    t = epoch_ns(issues[s.REPORTED_AT].iloc[rows])
    group = pd.factorize(issues[s.CATEGORY].iloc[rows].astype(str))[0]
    partner = window_partners(x, y, group, t, t, np.ones(rows.size, dtype=bool), radius=radius_m,
                              window_ns=int(window_minutes * 60 * 1e9), pick="earliest")
    return partner_ids(issues, rows, partner)


def refresh_likely_duplicates(issues: gpd.GeoDataFrame, touched: np.ndarray, *, radius_m: float = 10.0,
                              window_minutes: float = 10.0) -> pd.Series:
    """:func:`flag_likely_duplicates` recomputed only where the rows ``touched`` by an import can change it.

    A report's partner lies at most one window before it, so new reports can change the flags of
    reports from the earliest new one to one window after the latest; those are searched again
    (with the candidates one window earlier), every other row keeps its stored flag. A new week's
    ledger on a district's years costs its week, not the history; the result equals a full run.
    """
    if s.LIKELY_DUPLICATE_OF not in issues.columns or touched.all():
        return flag_likely_duplicates(issues, radius_m=radius_m, window_minutes=window_minutes)
    stored: pd.Series = issues[s.LIKELY_DUPLICATE_OF].astype("string")
    if not touched.any():
        return stored
    t = epoch_ns(issues[s.REPORTED_AT])
    window = int(window_minutes * 60 * 1e9)
    first, last = int(t[touched].min()), int(t[touched].max())
    redo = (t >= first) & (t <= last + window)
    near = (t >= first - window) & (t <= last + window)
    rows = np.flatnonzero(near)
    fresh = flag_likely_duplicates(issues.iloc[rows], radius_m=radius_m, window_minutes=window_minutes)
    out: pd.Series = stored.copy()
    keep = redo[rows]
    out.iloc[rows[keep]] = fresh.to_numpy()[keep]
    return out
