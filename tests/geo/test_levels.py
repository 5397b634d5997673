"""The hierarchy above the grid: which levels a layer has, their shapes, totals and readable zoom."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube import levels
from geo.cube.levels import N_GRIDS, Level, level_shapes, level_totals, present_levels, readable_zoom, sole_unit
from geo.sample import load_dataset
from geo.synthetic.district import make_district_grids


def _row(n: int, communities: list[str], streets: list[str | None]) -> gpd.GeoDataFrame:
    """``n`` unit squares in a row (0.001 degrees each) with the given community and street per grid."""
    boxes = [shapely.box(i * 0.001, 0, (i + 1) * 0.001, 0.001) for i in range(n)]
    return gpd.GeoDataFrame({s.GRID_ID: [f"g{i}" for i in range(n)], s.COMMUNITY: communities,
                             s.STREET: streets}, geometry=boxes, crs=4326)


def test_the_examples_in_the_docstrings_hold() -> None:
    assert doctest.testmod(levels).failed == 0


def test_a_level_shows_only_when_every_grid_names_one_of_several_units() -> None:
    two_streets = _row(4, ["东", "东", "西", "西"], ["甲街道", "甲街道", "乙街道", "乙街道"])
    assert present_levels(two_streets) == (Level.STREET, Level.COMMUNITY, Level.GRID)
    one_street = _row(4, ["东", "东", "西", "西"], ["甲街道"] * 4)
    assert present_levels(one_street) == (Level.COMMUNITY, Level.GRID)
    # One grid without a street: drawn by street it would vanish, so streets are not a level.
    gap = _row(4, ["东", "东", "西", "西"], ["甲街道", "甲街道", "乙街道", None])
    assert present_levels(gap) == (Level.COMMUNITY, Level.GRID)
    blank = _row(3, ["东", "东", "西"], ["甲街道", " ", "乙街道"])
    assert present_levels(blank) == (Level.COMMUNITY, Level.GRID)
    assert present_levels(_row(2, ["东", "东"], [None, None]).drop(columns=[s.STREET])) == (Level.GRID,)


def test_the_sample_street_has_communities_and_the_generated_district_has_streets() -> None:
    assert present_levels(load_dataset().grids) == (Level.COMMUNITY, Level.GRID)
    district = make_district_grids(np.random.default_rng(3), n_streets=4)
    assert present_levels(district) == (Level.STREET, Level.COMMUNITY, Level.GRID)
    streets = level_shapes(district, Level.STREET)
    assert len(streets) == 4 and streets[N_GRIDS].sum() == len(district)


def test_a_unit_is_the_union_of_its_grids_named_in_order() -> None:
    grids = _row(4, ["西", "东", "东", "西"], ["甲街道"] * 4)
    shapes = level_shapes(grids, Level.COMMUNITY).set_index(s.COMMUNITY)
    assert list(shapes.index) == ["东", "西"]
    assert shapes.loc["东", N_GRIDS] == 2 and shapes.loc["西", N_GRIDS] == 2
    assert shapely.equals(shapes.loc["东", "geometry"], shapely.box(0.001, 0, 0.003, 0.001))
    assert shapely.equals(shapes.loc["西", "geometry"],
                          shapely.union(shapely.box(0, 0, 0.001, 0.001), shapely.box(0.003, 0, 0.004, 0.001)))
    grid_level = level_shapes(grids, Level.GRID)
    assert list(grid_level[s.GRID_ID]) == ["g0", "g1", "g2", "g3"] and set(grid_level[N_GRIDS]) == {1}


def test_kept_shapes_are_copies_and_follow_a_renamed_unit() -> None:
    grids = _row(2, ["东", "西"], ["甲街道"] * 2)
    first = level_shapes(grids, Level.COMMUNITY)
    first.loc[0, s.COMMUNITY] = "changed"
    assert list(level_shapes(grids, Level.COMMUNITY)[s.COMMUNITY]) == ["东", "西"]
    renamed = grids.assign(**{s.COMMUNITY: ["北", "西"]})
    assert list(level_shapes(renamed, Level.COMMUNITY)[s.COMMUNITY]) == ["北", "西"]


def test_totals_are_sums_of_the_member_grids_counting_missing_grids_as_zero() -> None:
    grids = _row(5, ["东", "东", "西", "西", "南"], ["甲", "甲", "甲", "乙", "乙"])
    counts = pd.Series({"g0": 3, "g1": 4, "g3": 10, "g4": 1, "elsewhere": 99})
    assert level_totals(counts, grids, Level.COMMUNITY).to_dict() == {"东": 7, "南": 1, "西": 10}
    assert level_totals(counts, grids, Level.STREET).to_dict() == {"乙": 11, "甲": 7}
    assert level_totals(counts, grids, Level.GRID).to_dict() == {"g0": 3, "g1": 4, "g2": 0, "g3": 10, "g4": 1}
    # aligned with level_shapes, row for row
    assert list(level_totals(counts, grids, Level.STREET).index) == list(level_shapes(grids, Level.STREET)[s.STREET])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50)), min_size=1, max_size=30))
def test_every_level_keeps_every_issue_and_every_grid(rows: list[tuple[int, int]]) -> None:
    names = [f"社区{c}" for c, _ in rows]
    grids = _row(len(rows), names, [f"街道{c % 2}" for c, _ in rows])
    counts = pd.Series({f"g{i}": n for i, (_, n) in enumerate(rows)})
    for level in present_levels(grids):
        totals = level_totals(counts, grids, level)
        shapes = level_shapes(grids, level)
        assert totals.sum() == counts.sum()
        assert shapes[N_GRIDS].sum() == len(grids)
        # the units tile the grids: same area, no overlap
        assert shapely.area(shapes.geometry).sum() == pytest.approx(shapely.area(grids.geometry).sum(), rel=1e-6)
        assert shapely.area(shapely.union_all(shapes.geometry.to_numpy())) == pytest.approx(
            shapely.area(shapes.geometry).sum(), rel=1e-6)
        for name, total in totals.items():
            members = [f"g{i}" for i in range(len(rows)) if grids[level.value].iloc[i] == name]
            assert total == counts[members].sum()


def test_readable_zoom_grows_by_one_per_halving_of_the_width_and_with_latitude() -> None:
    side = 300 / levels.DEGREE_M  # 300 m at the equator
    square = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, side, side)], crs=4326)
    # 2**z = 156543.03 * 28 / 300 -> z = log2(14610.7) = 13.83
    assert readable_zoom(square) == pytest.approx(13.835, abs=0.01)
    half = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, side / 2, side / 2)], crs=4326)
    assert readable_zoom(half) == pytest.approx(readable_zoom(square) + 1, abs=1e-6)
    # at 60 degrees north a degree of longitude is half as long, and a Mercator pixel half as many metres
    north = gpd.GeoDataFrame(geometry=[shapely.box(0, 60, 2 * side, 60 + side)], crs=4326)
    assert readable_zoom(north) == pytest.approx(readable_zoom(square) - 1, abs=0.02)
    assert readable_zoom(square, min_pixels=56) == pytest.approx(readable_zoom(square) + 1, abs=1e-6)
    assert readable_zoom(gpd.GeoDataFrame(geometry=[], crs=4326)) == 0.0


def test_a_title_names_the_street_only_when_the_layer_has_one() -> None:
    assert sole_unit(load_dataset().grids, Level.STREET) is not None  # the sample street office's own layer
    assert sole_unit(make_district_grids(np.random.default_rng(3), n_streets=4), Level.STREET) is None
    assert sole_unit(_row(2, ["东", "西"], ["甲街道", None]), Level.STREET) is None  # not every grid names it
