"""What the import wizard shows before anything is written: coordinate systems and where points fall.

Pure functions over a ledger's raw cells and the workspace's grids; the 数据 page renders them.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
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


def far_from_grids(lon: np.ndarray, lat: np.ndarray, grids: gpd.GeoDataFrame) -> np.ndarray:
    """True for points farther from the grids' extent than the extent is wide: not a point just over a
    boundary but one in another place (a swapped sign, a default of (0, 0)-like values, another city).

    Measured in degrees on the extent's box, which is enough to tell metres from hundreds of kilometres.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if grids is None or not len(grids) or not len(lon):
        return np.zeros(len(lon), dtype=bool)
    x0, y0, x1, y1 = grids.to_crs(s.STORAGE_CRS).total_bounds
    width = max(x1 - x0, y1 - y0, 0.01)  # at least about a kilometre, for a one-grid layer
    dx = np.maximum(np.maximum(x0 - lon, lon - x1), 0)
    dy = np.maximum(np.maximum(y0 - lat, lat - y1), 0)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.hypot(dx, dy) > width)


def busiest_points(lon: np.ndarray, lat: np.ndarray, *, top: int = 10) -> pd.DataFrame:
    """The ``top`` exact positions holding the most records: ``lon``, ``lat``, ``count``, ``share``.

    A geocoder's or patrol app's default position shows here first (the wizard lets a clerk mark it).
    """
    frame = pd.DataFrame({"lon": np.asarray(lon, dtype=float), "lat": np.asarray(lat, dtype=float)}).dropna()
    if frame.empty:
        return pd.DataFrame(columns=["lon", "lat", "count", "share"])
    counts = frame.groupby(["lon", "lat"]).size().sort_values(ascending=False, kind="stable").head(top)
    out = counts.rename("count").reset_index()
    out["share"] = out["count"] / len(frame)
    return out


def point_checks(lon: np.ndarray, lat: np.ndarray, times: pd.Series, categories: pd.Series, addresses: pd.Series,
                 grids: gpd.GeoDataFrame | None, *, top: int = 10) -> tuple[pd.DataFrame, np.ndarray]:
    """What the wizard shows of a ledger's positions before it is imported.

    Returns the ``top`` busiest exact positions (:func:`busiest_points`) with ``suspect``, the import's own
    verdict on each (:func:`geo.ingest.quality.flag_suspect_points` over the whole ledger), and the mask
    of points far from the grids (:func:`far_from_grids`).
    """
    from geo.ingest.quality import flag_suspect_points

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & times.notna().to_numpy()
    frame = gpd.GeoDataFrame({s.REPORTED_AT: times[ok].to_numpy(), s.CATEGORY: categories[ok].astype("string").to_numpy(),
                              s.ADDRESS: addresses[ok].astype("string").to_numpy()},
                             geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=s.STORAGE_CRS)
    busiest = busiest_points(lon[ok], lat[ok], top=top)
    flags = flag_suspect_points(frame) if len(frame) else pd.Series(dtype=bool)
    hit = pd.DataFrame({"lon": lon[ok], "lat": lat[ok], "suspect": flags.to_numpy(dtype=bool)})
    suspect = hit[hit["suspect"]].drop_duplicates(["lon", "lat"])
    busiest["suspect"] = pd.MultiIndex.from_frame(busiest[["lon", "lat"]]).isin(
        pd.MultiIndex.from_frame(suspect[["lon", "lat"]])) if len(busiest) else []
    return busiest, far_from_grids(lon, lat, grids) if grids is not None else np.zeros(len(lon), dtype=bool)
