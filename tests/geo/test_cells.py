"""Generated cells: hexagon geometry by hand, assignment properties, the automatic cell size."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cube.dataset import Dataset
from geo.stats.cells import MAX_CELLS, MIN_CELLS, HexLattice, SquareLattice, auto_cell_size

UTM = "EPSG:32650"


def _hex(nx: int = 8, ny: int = 6, size: float = 100.0) -> HexLattice:
    return HexLattice(UTM, 0.0, 0.0, size, nx, ny, np.arange(nx * ny))


def test_hexagon_geometry_by_hand() -> None:
    lat = _hex()
    cells = lat.cells(UTM)
    side = 100 / math.sqrt(3)  # 57.735 m
    first = cells.geometry.iloc[0]
    assert first.area == pytest.approx(1.5 * math.sqrt(3) * side**2)  # 8,660.25 m2
    assert first.centroid.x == pytest.approx(0) and first.centroid.y == pytest.approx(0)
    # Flat top: the top edge is at y = size / 2, from x = -side / 2 to +side / 2.
    assert first.bounds == pytest.approx((-side, -50.0, side, 50.0))
    # Odd columns sit half a cell higher: slot (row 0, col 1) is centred at (1.5 side, 50).
    c1 = cells.geometry.iloc[1].centroid
    assert (c1.x, c1.y) == pytest.approx((1.5 * side, 50.0))
    # The tessellation has no gaps or overlaps: interior cells tile their union exactly.
    union = shapely.union_all(cells.geometry.to_numpy())
    assert union.area == pytest.approx(cells.geometry.area.sum(), rel=1e-9)


def test_hexagon_neighbours_are_the_six_sharing_an_edge() -> None:
    lat = _hex()
    nb = lat.neighbours()
    cells = lat.cells(UTM).geometry.to_numpy()
    centres = shapely.centroid(cells)
    m = nb.matrix.toarray()
    for i in range(len(cells)):
        others = [j for j in np.flatnonzero(m[i]) if j != i]
        # Exactly the cells whose centres are one cell size away (shared edge), for even and odd columns.
        expected = [j for j in range(len(cells)) if j != i and abs(shapely.distance(centres[i], centres[j]) - 100) < 1e-6]
        assert sorted(others) == expected
    assert nb.cardinalities.max() == 6 and nb.cardinalities.min() == 2  # interior 6, corner 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-40, 640), st.floats(-40, 460)), min_size=1, max_size=200),
       st.sampled_from([30.0, 100.0, 173.2]))
def test_every_point_lands_in_the_hexagon_that_covers_it(xy: list[tuple[float, float]], size: float) -> None:
    x0, y0 = 500_000.0, 3_500_000.0  # central meridian of UTM 50N, near Hefei
    box = shapely.box(x0, y0, x0 + 600, y0 + 420)
    lat = HexLattice.covering(gpd.GeoSeries([box], crs=UTM).to_crs(4326), size_m=size)  # covering() takes WGS84
    assert lat.crs == UTM
    coords = np.array(xy) + np.array([x0, y0])
    pts = gpd.GeoSeries(shapely.points(coords), crs=UTM)
    idx = lat.assign(pts)
    inside = shapely.contains_xy(shapely.buffer(box, -1e-3), *coords.T)
    assert (idx[inside] >= 0).all()  # no point of the area is lost
    polys = lat.cells(UTM).geometry.to_numpy()
    hit = idx >= 0
    # Covered up to float noise at a shared edge: the chosen cell is within 1e-6 m of the point.
    assert (shapely.distance(polys[idx[hit]], pts.to_numpy()[hit]) < 1e-6).all()
    assert lat.counts(pts).sum() == hit.sum()


def test_hex_lattice_over_the_sample_street(sample: Dataset) -> None:
    lat = HexLattice.covering(sample.grids.geometry, size_m=100)
    idx = lat.assign(sample.issues.geometry)
    assert (idx >= 0).all()
    cells = lat.cells(lat.crs).geometry.to_numpy()
    assert shapely.covers(cells[idx], sample.issues.geometry.to_crs(lat.crs).to_numpy()).all()
    assert all(i.startswith("h") for i in lat.ids)
    # Hexagons of 100 m across are 13 % smaller than 100 m squares: more of them cover the street.
    assert len(lat.active) > len(SquareLattice.covering(sample.grids.geometry, size_m=100).active)


def test_auto_cell_size_by_hand() -> None:
    # 5.89 km2 and 21,330 issues: sqrt(5.89e6 * 5 / 21330) = 37.2 m -> nearest round size (log scale) 50... or 25?
    # |log(25/37.2)| = 0.40 > |log(50/37.2)| = 0.30, so 50 m.
    assert auto_cell_size(5.89e6, 21_330) == 50.0
    assert auto_cell_size(5.89e6, 1_500) == 150.0  # sqrt(19,633) = 140 m
    # Few issues: the size is capped so the area still holds at least 30 cells (sqrt(5.89e6 / 30) = 443 m).
    assert auto_cell_size(5.89e6, 3) == 400.0
    # A city (1,300 km2, 40k issues): sqrt(162,500) = 403 m -> 400 m (8,125 cells).
    assert auto_cell_size(1.3e9, 40_000) == 400.0
    # A million issues would ask for 81 m, but no more than 40,000 cells: at least 180 m, so 200 m.
    size = auto_cell_size(1.3e9, 1_000_000)
    assert size == 200.0 and MIN_CELLS <= 1.3e9 / size**2 <= MAX_CELLS
    with pytest.raises(ValueError, match="area"):
        auto_cell_size(0, 10)


def test_covering_refuses_absurdly_small_cells() -> None:
    area = gpd.GeoSeries([shapely.box(116.0, 39.0, 117.0, 40.0)], crs=4326)  # ~ 85 km x 111 km
    with pytest.raises(ValueError, match="larger cells"):
        SquareLattice.covering(area, size_m=10)


def test_assigning_projected_coordinates_equals_projecting_the_points(sample) -> None:
    """The hotspot page reads the generation's projected coordinates instead of projecting a million points."""
    from geo.stats.cells import LATTICES

    lattice = LATTICES["square"].covering(sample.grids.geometry, size_m=100.0)
    points = sample.points
    import pyproj

    assert pyproj.CRS(points.crs) == pyproj.CRS(lattice.crs)  # the same local UTM zone
    assert (lattice.assign(sample.issues.geometry) == lattice.assign_xy(points.x, points.y)).all()


def test_the_metric_area_is_the_union_in_utm_kept_per_polygon_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.stats import cells

    # two 0.01-degree squares sharing an edge at the equator: one 2 x 1 rectangle in UTM zone 31
    area = gpd.GeoSeries([shapely.box(3.0, 0.0, 3.01, 0.01), shapely.box(3.01, 0.0, 3.02, 0.01)], crs=4326)
    crs, shape = cells.metric_area(area)
    assert crs.to_epsg() == 32631
    assert shape.geom_type == "Polygon" and shape.area == pytest.approx(2 * 1113.2 * 1105.7, rel=2e-3)
    calls = []
    monkeypatch.setattr(cells.shapely, "union_all", lambda *a, **k: calls.append(1))
    assert cells.metric_area(area)[1] is shape and calls == []  # kept: not united again
    moved = gpd.GeoSeries([shapely.box(3.0, 0.0, 3.01, 0.01)], crs=4326)
    cells.metric_area(moved)
    assert calls == [1]  # another polygon set is another union
