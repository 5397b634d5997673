import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo import schema as s
from geo.cube.dataset import Dataset, filter_issues
from geo.cube.filter import IssueFilter
from geo.stats.density import default_bandwidth_m, kernel_density, quartic_kernel

TO_WGS = Transformer.from_crs(32650, 4326, always_xy=True)


def points_m(xy: list[tuple[float, float]]) -> gpd.GeoSeries:
    lon, lat = TO_WGS.transform(*zip(*xy, strict=True))
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)


def test_default_bandwidth_by_hand() -> None:
    # Square of side 2: mean centre (1, 1), every distance sqrt 2, SD = sqrt(1 + 1) = sqrt 2.
    h = default_bandwidth_m(np.array([0, 2, 0, 2.0]), np.array([0, 0, 2, 2.0]))
    assert h == pytest.approx(0.9 * math.sqrt(2) * 4 ** -0.2, rel=1e-12)
    with pytest.raises(ValueError, match="one place"):
        default_bandwidth_m(np.zeros(3), np.zeros(3))


def test_quartic_kernel_is_normalised_and_shaped() -> None:
    k = quartic_kernel(5.0)
    assert k.shape == (11, 11) and k.sum() == pytest.approx(1.0)
    assert k[5, 5] == k.max() and k[5, 0] == 0.0  # zero at the radius
    # Close to the continuous peak 3 / (pi h^2) per cell area.
    assert k[5, 5] == pytest.approx(3 / (math.pi * 25), rel=0.03)


def test_surface_integrates_to_the_number_of_points() -> None:
    rng = np.random.default_rng(1)
    pts = points_m(list(zip(429_000 + rng.normal(0, 200, 500), 3_524_000 + rng.normal(0, 200, 500), strict=True)))
    surface = kernel_density(pts, bandwidth_m=150, cell_size_m=25)
    total = surface.values.sum() * surface.cell_size_m**2 / 1e6
    assert total == pytest.approx(500, rel=1e-9)
    assert surface.bandwidth_rule == "user"
    auto = kernel_density(pts)
    assert auto.bandwidth_rule.startswith("ArcGIS") and 20 < auto.bandwidth_m < 200


def test_peak_sits_on_the_planted_parking_block(sample: Dataset) -> None:
    issues = filter_issues(sample.issues, sample.grids, IssueFilter(categories=("parking",)))
    surface = kernel_density(issues.geometry, bandwidth_m=120, cell_size_m=20)
    r, c = np.unravel_index(np.argmax(surface.values), surface.values.shape)
    x, y = surface.x0 + (c + 0.5) * 20, surface.y0 + (r + 0.5) * 20
    lon, lat = Transformer.from_crs(surface.crs, 4326, always_xy=True).transform(x, y)
    peak = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=4326)
    from geo.ingest.join import assign_grids

    grid = assign_grids(gpd.GeoDataFrame(geometry=peak), sample.grids)[s.GRID_ID].iloc[0]
    assert grid in {"340104012006002", "340104012001004"}  # residential block or metro exit


def test_web_mercator_image_is_bounded_and_keeps_the_peak_in_place() -> None:
    from geo.stats.density import to_web_mercator_image

    rng = np.random.default_rng(7)
    # A blob of 2,000 points around a known spot in Hefei, plus 300 spread over 3 km.
    lon0, lat0 = 117.25, 31.85
    blob = gpd.GeoSeries(gpd.points_from_xy(lon0 + rng.normal(0, 0.0004, 2000), lat0 + rng.normal(0, 0.0004, 2000)),
                         crs=4326)
    spread = gpd.GeoSeries(gpd.points_from_xy(lon0 + rng.uniform(-0.015, 0.015, 300),
                                              lat0 + rng.uniform(-0.015, 0.015, 300)), crs=4326)
    surface = kernel_density(pd.concat([blob, spread], ignore_index=True), bandwidth_m=150, cell_size_m=10)
    image = to_web_mercator_image(surface, max_px=200)
    assert max(image.values.shape) == 200  # bounded, whatever the raster (here ~330 cells across)
    (south, west), (north, east) = image.bounds
    assert south < lat0 < north and west < lon0 < east
    # The brightest pixel sits on the blob: within two pixels (~33 m) of (lon0, lat0).
    r, c = np.unravel_index(np.argmax(image.values), image.values.shape)
    h, w = image.values.shape
    lat = north - (r + 0.5) * (north - south) / h  # rows run north to south (good enough over 3 km)
    lon = west + (c + 0.5) * (east - west) / w
    assert abs(lat - lat0) * 111_000 < 35 and abs(lon - lon0) * 111_000 * np.cos(np.radians(lat0)) < 35
    assert image.values.max() == pytest.approx(surface.values.max(), rel=0.05)
