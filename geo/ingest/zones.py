"""The workspace's time zone: proposed from where the grids lie, checked against where a ledger's points lie.

A ledger's local times mean nothing without the zone they were written in, and a wrong zone shifts
every report by hours (a week's boundary, an on-time close, an overdue count). The grids say where
the office is, so the zone is looked up at the grids' location in the IANA zone boundaries that
``timezonefinder`` ships (offline, no service called). A clerk's choice always wins; the proposal is
shown in the wizard and stored with the workspace, so later imports read times the same way.
"""

from __future__ import annotations

import functools
import zoneinfo

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder  # 0.2 s and 30 MB of boundaries: loaded on first use only

    return TimezoneFinder()


def zone_at(lon: float, lat: float) -> str | None:
    """The IANA zone at a WGS84 position, ``None`` at sea or for a position that is not one.

    Examples
    --------
    >>> zone_at(-3.70, 40.42)
    'Europe/Madrid'
    """
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    name = _finder().timezone_at(lng=float(lon), lat=float(lat))  # type: ignore[attr-defined]
    if not name or name.startswith("Etc/"):
        return None  # the open sea's nautical zones: no office keeps its ledger in one
    return str(name)


def propose_zone(grids: gpd.GeoDataFrame) -> str:
    """The zone the grids lie in (at a point inside their union), else the default Asia/Shanghai."""
    if grids is None or not len(grids):
        return s.DEFAULT_TZ
    layer = grids.to_crs(s.STORAGE_CRS) if grids.crs is not None else grids
    point = layer.geometry.union_all().representative_point()
    return zone_at(point.x, point.y) or s.DEFAULT_TZ


def utc_offset_hours(zone: str, when: pd.Timestamp) -> float:
    """The zone's UTC offset at an instant, in hours."""
    local = when.tz_convert(zoneinfo.ZoneInfo(zone))
    return local.utcoffset().total_seconds() / 3600  # type: ignore[union-attr]


def zone_mismatch(issues: gpd.GeoDataFrame, zone: str) -> str | None:
    """The zone where most of a ledger's points lie when its clock differs from ``zone``'s, else ``None``.

    Compared by offset at the ledger's median time, so two names for one clock (Asia/Shanghai and
    Asia/Chongqing) are not a mismatch while Asia/Shanghai for a ledger in Madrid is.
    """
    if issues.empty:
        return None
    geoms = issues.geometry
    ok = ~(geoms.isna() | geoms.is_empty)
    if not ok.any():
        return None
    lon, lat = float(np.median(geoms[ok].x)), float(np.median(geoms[ok].y))
    found = zone_at(lon, lat)
    if found is None:
        return None
    times = issues[s.REPORTED_AT].dropna()
    when = times.sort_values().iloc[len(times) // 2] if len(times) else pd.Timestamp.now(tz="UTC")
    return found if utc_offset_hours(found, when) != utc_offset_hours(zone, when) else None
