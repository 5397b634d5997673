"""What the import wizard shows before anything is written: coordinate systems and where points fall.

Pure functions over a ledger's raw cells and the workspace's grids; the 数据 page renders them.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import guess_projected_crs, parse_crs, to_wgs84

#: Choices offered for a ledger's coordinates: key (what ``LedgerMapping.crs`` takes) -> (zh, en).
CRS_CHOICES: dict[str, tuple[str, str]] = {
    "EPSG:4326": ("WGS84（GPS 原始坐标）", "WGS84 (GPS)"),
    "gcj02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (AMap, Tencent)"),
    "bd09": ("BD-09（百度地图）", "BD-09 (Baidu)"),
    "EPSG:4490": ("CGCS2000 经纬度", "CGCS2000 (degrees)"),
    **{f"EPSG:{4513 + z - 25}": (f"CGCS2000 高斯-克吕格 3 度带 第 {z} 带（EPSG:{4513 + z - 25}）",
                                 f"CGCS2000 Gauss-Kruger 3-degree zone {z} (EPSG:{4513 + z - 25})") for z in range(25, 46)},
    **{f"EPSG:{4534 + i}": (f"CGCS2000 高斯-克吕格 3 度带 中央经线 {75 + 3 * i}°（无带号，EPSG:{4534 + i}）",
                            f"CGCS2000 Gauss-Kruger 3-degree, CM {75 + 3 * i}° (no zone prefix, EPSG:{4534 + i})")
       for i in range(21)},
    "EPSG:2263": ("美国纽约州平面坐标（英尺，EPSG:2263）", "NAD83 / New York Long Island, US feet (EPSG:2263)"),
}
#: The choice that asks for any other EPSG code.
OTHER_EPSG = "other"


def numbers(text: pd.Series) -> np.ndarray:
    """Cells as floats (full-width digits and thousands separators folded), NaN where not a number."""
    folded = text.astype("string").str.normalize("NFKC").str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(folded, errors="coerce").astype("float64").to_numpy()


def detect_crs(x: np.ndarray, y: np.ndarray) -> str:
    """The choice key the numbers suggest: degrees -> WGS84, else the projected CRS they look like.

    GCJ-02 and BD-09 cannot be told from WGS84 by their numbers (they differ by a few hundred
    metres): the user picks them; WGS84 is the default.

    Examples
    --------
    >>> detect_crs(np.array([39_500_000.0]), np.array([3_500_000.0]))
    'EPSG:4527'
    """
    guess = guess_projected_crs(x, y)
    if guess is None:
        return "EPSG:4326"
    found = re.match(r"EPSG:(\d+)", guess)
    return f"EPSG:{found.group(1)}" if found and f"EPSG:{found.group(1)}" in CRS_CHOICES else OTHER_EPSG


def points_preview(x: np.ndarray, y: np.ndarray, crs: str, grids: gpd.GeoDataFrame | None, *, limit: int = 2000
                   ) -> tuple[np.ndarray, np.ndarray, float | None]:
    """The first ``limit`` points converted to WGS84, and the share of them inside a grid.

    Raises
    ------
    ValueError
        If ``crs`` is not a coordinate system pyproj or the datum names know.
    """
    x, y = np.asarray(x, dtype=float)[:limit], np.asarray(y, dtype=float)[:limit]
    lon, lat = to_wgs84(x, y, parse_crs(crs))
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    lon, lat = lon[ok], lat[ok]
    if grids is None or not len(lon):
        return lon, lat, None
    tree = shapely.STRtree(grids.geometry.to_numpy())
    hit, _ = tree.query(shapely.points(lon, lat), predicate="intersects")
    return lon, lat, float(len(np.unique(hit)) / len(lon))
