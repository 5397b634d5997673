"""Coordinate reference systems: WGS84 for storage, a local metric CRS for analysis.

Distances, areas and cell sizes are computed in the UTM zone that contains the data; a street is a
few kilometres across, so UTM's scale error (< 0.1 %) is far below GPS noise.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from geo.schema import STORAGE_CRS


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 / UTM zone CRS (EPSG:326xx north, 327xx south) containing ``(lon, lat)``.

    Raises
    ------
    ValueError
        If the coordinate is not a valid longitude/latitude.
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0) or np.isnan(lon) or np.isnan(lat):
        raise ValueError(f"({lon}, {lat}) is not a WGS84 longitude/latitude")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs_for(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The UTM CRS for the centre of ``frame``'s WGS84 bounds.

    Raises
    ------
    ValueError
        If ``frame`` is empty or not in WGS84.
    """
    if frame.crs is None or CRS(frame.crs) != CRS(STORAGE_CRS):
        raise ValueError(f"expected geometries in {STORAGE_CRS}, got {frame.crs}")
    minx, miny, maxx, maxy = frame.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise ValueError("cannot choose a metric CRS for an empty geometry set")
    return utm_crs_for((minx + maxx) / 2.0, (miny + maxy) / 2.0)
