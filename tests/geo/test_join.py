import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.ingest.join import assign_grids
from tests.conftest import square_grids


def points(xy: list[tuple[float, float] | None]) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(p) if p is not None else None for p in xy]
    return gpd.GeoDataFrame({"n": range(len(xy))}, geometry=geoms, crs=s.STORAGE_CRS)


def test_interior_edge_corner_and_outside_points(squares: gpd.GeoDataFrame) -> None:
    pts = points([
        (0.5, 0.5),  # inside B
        (1.5, 0.5),  # inside A
        (1.0, 0.5),  # on the B|A edge -> the smaller id, A
        (0.5, 1.0),  # on the B|D edge -> B
        (1.0, 1.0),  # the corner of all four -> A
        (1.0, 2.0),  # on the outer boundary, D|C top edge -> C
        (3.0, 3.0),  # outside every grid
        None,  # no geometry at all
    ])
    out = assign_grids(pts, squares)
    assert out[s.GRID_ID].tolist() == ["B", "A", "A", "B", "A", "C", pd.NA, pd.NA]
    assert out[s.OUTSIDE_GRIDS].tolist() == [False] * 6 + [True, True]
    assert out["n"].tolist() == list(range(8))  # order and rows preserved, nothing dropped
    assert out.columns[-1] == "geometry"


def test_crs_mismatch_is_refused(squares: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="must share one CRS"):
        assign_grids(points([(0.5, 0.5)]).to_crs(3857), squares)


def test_agrees_with_geopandas_sjoin_on_the_sample(sample: Dataset) -> None:
    # Oracle: sjoin 'within' for points strictly inside (no boundary ties on random data).
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = sample.grids.total_bounds
    pts = points(list(zip(rng.uniform(minx, maxx, 3000), rng.uniform(miny, maxy, 3000), strict=True)))
    ours = assign_grids(pts, sample.grids)[s.GRID_ID]
    oracle = gpd.sjoin(pts, sample.grids[[s.GRID_ID, "geometry"]], how="left", predicate="within")
    oracle = oracle[~oracle.index.duplicated()][s.GRID_ID].astype("string")
    pd.testing.assert_series_equal(ours, oracle, check_names=False)
    assert ours.notna().sum() > 1500  # the sample fills a good part of its bounding box


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.5, 2.5), st.floats(-0.5, 2.5)), min_size=1, max_size=60))
def test_every_point_inside_lands_in_exactly_one_grid(xy: list[tuple[float, float]]) -> None:
    grids = square_grids()
    # Snap half of the points onto the 0.5-lattice so that edges and corners get hit often.
    xy = [(round(x * 2) / 2, round(y * 2) / 2) if i % 2 else (x, y) for i, (x, y) in enumerate(xy)]
    out = assign_grids(points(xy), grids)
    street = shapely.union_all(grids.geometry.to_numpy())
    inside = np.array([street.intersects(shapely.Point(p)) for p in xy])
    assert (out[s.GRID_ID].notna().to_numpy() == inside).all()
    assert (out[s.OUTSIDE_GRIDS].to_numpy() == ~inside).all()
    by_id = grids.set_index(s.GRID_ID).geometry
    for p, gid in zip(xy, out[s.GRID_ID], strict=True):
        if gid is not pd.NA:
            assert by_id[gid].intersects(shapely.Point(p))
            # The chosen grid is the smallest id among all grids touching the point.
            assert gid == min(g for g, poly in by_id.items() if poly.intersects(shapely.Point(p)))
    counts = out[s.GRID_ID].value_counts()
    assert counts.sum() == inside.sum()


def _brute_force(xy: np.ndarray, grids: gpd.GeoDataFrame) -> list[object]:
    """The rule written out: the smallest id of the grids a point intersects, else missing."""
    out: list[object] = []
    for x, y in xy:
        hit = [g for g, poly in zip(grids[s.GRID_ID], grids.geometry, strict=True) if poly.intersects(shapely.Point(x, y))]
        out.append(min(hit) if hit else pd.NA)
    return out


@st.composite
def layouts(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """A few polygons that may overlap, touch, nest or hold holes, of very different sizes."""
    shapes = []
    for _ in range(draw(st.integers(1, 6))):
        x, y = draw(st.floats(0, 8)), draw(st.floats(0, 8))
        w, h = draw(st.floats(0.05, 4)), draw(st.floats(0.05, 4))
        kind = draw(st.sampled_from(["box", "triangle", "holed"]))
        if kind == "box":
            shapes.append(shapely.box(x, y, x + w, y + h))
        elif kind == "triangle":
            shapes.append(shapely.Polygon([(x, y), (x + w, y), (x + w / 3, y + h)]))
        else:
            hole = shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2)
            shapes.append(shapely.box(x, y, x + w, y + h).difference(hole))
    ids = draw(st.permutations([f"G{i}" for i in range(len(shapes))]))
    return gpd.GeoDataFrame({s.GRID_ID: ids, s.GRID_NAME: ids, s.COMMUNITY: "C", s.STREET: "S", s.CADRES: ""},
                            geometry=shapes, crs=s.STORAGE_CRS)


@settings(max_examples=int(os.environ.get('GRIDWATCH_JOIN_EXAMPLES', '80')), deadline=None)
@given(layouts(), st.lists(st.tuples(st.floats(-1, 13), st.floats(-1, 13)), min_size=1, max_size=80), st.integers(0, 10**6))
def test_the_interior_raster_never_changes_an_assignment(grids: gpd.GeoDataFrame, xy: list[tuple[float, float]],
                                                          seed: int) -> None:
    # Besides random points: every vertex and points on edges, where a raster would go wrong first.
    rng = np.random.default_rng(seed)
    coords = shapely.get_coordinates(shapely.boundary(grids.geometry.to_numpy()))
    on_edges = coords[:-1] + rng.uniform(0, 1, (len(coords) - 1, 1)) * (coords[1:] - coords[:-1])
    every = np.vstack([np.asarray(xy), coords, on_edges])
    out = assign_grids(points([tuple(p) for p in every]), grids)
    assert out[s.GRID_ID].tolist() == _brute_force(every, grids)


def test_most_points_skip_the_geometry_test_on_a_district() -> None:
    """On 1,200 grids of about 300 m, about nine points in ten are assigned by the raster alone."""
    from geo.ingest.join import InteriorRaster
    from geo.synthetic.district import make_district_grids

    grids = make_district_grids(np.random.default_rng(1)).to_crs(s.STORAGE_CRS)
    grids.attrs.pop("corners", None)
    polygons = grids.sort_values(s.GRID_ID).geometry.to_numpy()
    raster = InteriorRaster.of(polygons, shapely.STRtree(polygons))
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = grids.total_bounds
    x, y = rng.uniform(minx, maxx, 20_000), rng.uniform(miny, maxy, 20_000)
    looked_up = raster.lookup(x, y)
    assert (looked_up == InteriorRaster.EXACT).mean() < 0.15
    decided = looked_up != InteriorRaster.EXACT
    pts = points(list(zip(x[decided], y[decided], strict=True)))
    exact = assign_grids(pts, grids)[s.GRID_ID]  # (itself raster-assisted; the brute force is the test above)
    ids = grids.sort_values(s.GRID_ID)[s.GRID_ID].to_numpy()
    by_raster = pd.array([ids[i] if i >= 0 else pd.NA for i in looked_up[decided]], dtype="string")
    assert (exact.fillna("-").to_numpy() == pd.Series(by_raster).fillna("-").to_numpy()).all()


def test_the_raster_is_kept_on_disk_and_read_back_by_a_fresh_process(squares: gpd.GeoDataFrame, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.ingest import join

    monkeypatch.setenv("GRIDWATCH_CACHE_DIR", str(tmp_path))
    join._RASTERS.clear()
    polygons = squares.sort_values(s.GRID_ID).geometry.to_numpy()
    tree = shapely.STRtree(polygons)
    built = join.InteriorRaster.kept(polygons, tree)
    files = list((tmp_path / "rasters").glob("*.npz"))
    assert len(files) == 1
    join._RASTERS.clear()  # a fresh process: only the disk remembers

    def refuse(*_a: object) -> None:
        raise AssertionError("built again")

    monkeypatch.setattr(join.InteriorRaster, "of", classmethod(refuse))
    read = join.InteriorRaster.kept(polygons, tree)
    assert (read.x0, read.y0, read.size) == (built.x0, built.y0, built.size)
    np.testing.assert_array_equal(read.labels, built.labels)
    files[0].write_bytes(b"not a raster")  # a damaged file is built again, never trusted
    join._RASTERS.clear()
    with pytest.raises(AssertionError, match="built again"):
        join.InteriorRaster.kept(polygons, tree)


def test_an_empty_point_is_outside_like_a_missing_one(squares: gpd.GeoDataFrame) -> None:
    pts = gpd.GeoDataFrame({"n": range(3)}, geometry=[shapely.Point(0.5, 0.5), shapely.Point(), None],
                           crs=s.STORAGE_CRS)
    out = assign_grids(pts, squares)
    assert out[s.GRID_ID].tolist() == ["B", pd.NA, pd.NA]
    assert out[s.OUTSIDE_GRIDS].tolist() == [False, True, True]


def test_chunks_on_threads_give_the_one_thread_answer(sample: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.ingest import join

    rng = np.random.default_rng(11)
    minx, miny, maxx, maxy = sample.grids.total_bounds
    xy: list[tuple[float, float] | None] = list(zip(rng.uniform(minx, maxx, 3001), rng.uniform(miny, maxy, 3001),
                                                    strict=True))
    xy[5] = xy[2000] = None  # missing points in two chunks
    pts = points(xy)
    one = assign_grids(pts, sample.grids)
    monkeypatch.setattr(join, "_threads", lambda n: 3)
    three = assign_grids(pts, sample.grids)
    pd.testing.assert_frame_equal(one, three)
    assert three[s.GRID_ID].notna().sum() > 1500 and three[s.GRID_ID].iloc[[5, 2000]].isna().all()


def test_threads_follow_the_points_and_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.ingest import join

    monkeypatch.setattr(join.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert [join._threads(n) for n in (0, 99_999, 200_000, 5_000_000)] == [1, 1, 2, 2]
    monkeypatch.setattr(join.os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    assert join._threads(5_000_000) == join.MAX_THREADS
