"""Kernel density surfaces: quartic kernel, ArcGIS's default search radius, computed on a raster.

The surface is a grid of cells (not points), so what reaches a browser is bounded by the cell
count whatever the number of issues.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.crs import metric_crs_for


def default_bandwidth_m(x: np.ndarray, y: np.ndarray) -> float:
    """ArcGIS's default search radius (a spatial variant of Silverman's rule), in metres.

    ``h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2`` with ``SD`` the standard distance and
    ``Dm`` the median distance to the mean centre.

    Raises
    ------
    ValueError
        With fewer than two points, or all points at one place (no spread to scale by).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        raise ValueError("a default bandwidth needs at least two points")
    dx, dy = x - x.mean(), y - y.mean()
    sd = float(np.sqrt((dx**2).mean() + (dy**2).mean()))
    dm = float(np.median(np.hypot(dx, dy)))
    h = 0.9 * min(sd, np.sqrt(1 / np.log(2)) * dm) * x.size ** -0.2
    if h <= 0:
        raise ValueError("all points are at one place: give the bandwidth explicitly")
    return float(h)


@dataclass(frozen=True)
class DensitySurface:
    """A density raster in a metric CRS.

    Attributes
    ----------
    values
        ``(ny, nx)`` issues per km², row 0 at the south.
    x0, y0, cell_size_m
        Lower-left corner and cell edge; cell ``(r, c)`` is centred at
        ``(x0 + (c + 0.5) * size, y0 + (r + 0.5) * size)``.
    bandwidth_m
        Kernel radius used.
    bandwidth_rule
        ``"user"`` or the automatic rule, for the report.
    crs
        The metric CRS.
    """

    values: np.ndarray
    x0: float
    y0: float
    cell_size_m: float
    bandwidth_m: float
    bandwidth_rule: str
    crs: object


def quartic_kernel(radius_cells: float) -> np.ndarray:
    """Discrete quartic kernel ``3 / (pi h^2) (1 - (d/h)^2)^2`` on a unit grid, h in cells.

    Sampled at cell centres and rescaled to sum to 1, so binned mass is conserved exactly.
    """
    r = int(np.ceil(radius_cells))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    u2 = (xx**2 + yy**2) / radius_cells**2
    k = np.where(u2 < 1, (1 - u2) ** 2, 0.0)
    return np.asarray(k / k.sum())


def kernel_density(
    points: gpd.GeoSeries, *, bandwidth_m: float | None = None, cell_size_m: float | None = None,
    weights: np.ndarray | None = None,
) -> DensitySurface:
    """Quartic kernel density of ``points`` (WGS84) on a raster covering them plus one bandwidth.

    Parameters
    ----------
    bandwidth_m
        Kernel radius; default :func:`default_bandwidth_m`.
    cell_size_m
        Raster cell; default a fifth of the bandwidth (points are binned to cells before the
        convolution, so the cell must be small against the kernel).
    weights
        Optional weight per point (for example a severity weight).

    Notes
    -----
    Points are binned to the raster, then convolved with the discrete kernel (FFT): cost follows
    the raster size, not the number of points. The discrete kernel sums to one, so the surface
    integrates to the total weight (a test checks it).
    """
    geoms = points[~(points.isna() | points.is_empty)]
    if geoms.empty:
        raise ValueError("no points to estimate a density from")
    crs = metric_crs_for(geoms)
    metric = geoms.to_crs(crs).to_numpy()
    x, y = shapely.get_x(metric), shapely.get_y(metric)
    rule = "user"
    if bandwidth_m is None:
        bandwidth_m, rule = default_bandwidth_m(x, y), "ArcGIS default (spatial Silverman)"
    size = float(cell_size_m or bandwidth_m / 5.0)
    kept = (~(points.isna() | points.is_empty)).to_numpy()
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)[kept]
    pad = bandwidth_m
    x0, y0 = x.min() - pad, y.min() - pad
    nx = int(np.ceil((x.max() + pad - x0) / size)) + 1
    ny = int(np.ceil((y.max() + pad - y0) / size)) + 1
    col = np.floor((x - x0) / size).astype(int)
    row = np.floor((y - y0) / size).astype(int)
    binned = np.zeros((ny, nx))
    np.add.at(binned, (row, col), w)
    from scipy.signal import fftconvolve  # here, not at the top: scipy.signal is 0.4 s of every cold start

    per_cell = fftconvolve(binned, quartic_kernel(bandwidth_m / size), mode="same")
    per_km2 = np.clip(per_cell, 0, None) / (size * size) * 1e6
    return DensitySurface(per_km2, x0, y0, size, float(bandwidth_m), rule, crs)


@dataclass(frozen=True)
class MercatorImage:
    """A density surface resampled for a web map: rows north to south, regular in Web Mercator.

    Leaflet stretches an image overlay linearly between its corner coordinates in Web Mercator, so
    the pixels must be regular there, not in UTM; ``bounds`` are ``((south, west), (north, east))``.
    """

    values: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]


def to_web_mercator_image(surface: DensitySurface, *, max_px: int = 512) -> MercatorImage:
    """Resample ``surface`` (nearest cell) onto at most ``max_px`` x ``max_px`` Web-Mercator pixels.

    The payload sent to the browser is bounded by ``max_px`` whatever the number of points or the
    raster size; cells outside the surface are 0.
    """
    ny, nx = surface.values.shape
    x1, y1 = surface.x0 + nx * surface.cell_size_m, surface.y0 + ny * surface.cell_size_m
    to_merc = Transformer.from_crs(surface.crs, "EPSG:3857", always_xy=True)
    corners_x, corners_y = to_merc.transform([surface.x0, x1, x1, surface.x0], [surface.y0, surface.y0, y1, y1])
    mx0, mx1, my0, my1 = min(corners_x), max(corners_x), min(corners_y), max(corners_y)
    # Keep the aspect ratio; the longer side gets max_px pixels (or the raster's own resolution).
    scale = max(mx1 - mx0, my1 - my0) / min(max_px, max(nx, ny))
    w, h = max(int(np.ceil((mx1 - mx0) / scale)), 1), max(int(np.ceil((my1 - my0) / scale)), 1)
    px = mx0 + (np.arange(w) + 0.5) * scale
    py = my1 - (np.arange(h) + 0.5) * scale  # row 0 at the north, as images are drawn
    gx, gy = np.meshgrid(px, py)
    back = Transformer.from_crs("EPSG:3857", surface.crs, always_xy=True)
    ux, uy = back.transform(gx.ravel(), gy.ravel())
    col = np.floor((np.asarray(ux) - surface.x0) / surface.cell_size_m).astype(np.int64)
    row = np.floor((np.asarray(uy) - surface.y0) / surface.cell_size_m).astype(np.int64)
    ok = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    out = np.zeros(w * h)
    out[ok] = surface.values[row[ok], col[ok]]
    to_geo = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    west, south = to_geo.transform(mx0, my1 - h * scale)
    east, north = to_geo.transform(mx0 + w * scale, my1)
    return MercatorImage(out.reshape(h, w), ((float(south), float(west)), (float(north), float(east))))
