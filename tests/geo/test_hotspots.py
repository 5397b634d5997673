from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube.analysis import run_analysis
from geo.cube.dataset import Dataset, filter_issues
from geo.cube.filter import IssueFilter
from geo.sample import SAMPLE_DIR
from geo.stats.cells import SquareLattice
from geo.stats.esda_oracle import esda_gi_star_z
from geo.stats.gi_star import bh_cutoff, gi_star
from geo.stats.weights import Neighbours, build_contiguity, build_distance_band


def grid3x3() -> tuple[gpd.GeoSeries, list[str]]:
    boxes = [shapely.box(117.25 + 0.001 * c, 31.85 + 0.001 * r, 117.25 + 0.001 * (c + 1), 31.85 + 0.001 * (r + 1))
             for r in range(3) for c in range(3)]
    return gpd.GeoSeries(boxes, crs=4326), [f"c{i}" for i in range(9)]


def test_gi_star_on_a_3x3_grid_by_hand() -> None:
    polys, ids = grid3x3()
    nb = build_contiguity(polys, ids)
    assert nb.cardinalities.tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3]
    x = np.array([1, 2, 3, 4, 50, 6, 7, 8, 9.0])
    r = gi_star(x, nb, fdr=False)
    # Corner c0: neighbourhood {c0, c1, c3, c4}: sum 57, W = 4, n = 9, mean 10,
    # population sd sqrt(2760 / 9 - 100) = 14.3759; z = (57 - 40) / (14.3759 * sqrt((36 - 16) / 8)).
    assert r.z[0] == pytest.approx(17 / (np.sqrt(2760 / 9 - 100) * np.sqrt(2.5)), abs=1e-12)
    assert r.z[0] == pytest.approx(0.74790, abs=1e-5)
    # Edge c1 (queen, diagonals included): {c0..c5}: sum 66, W = 6: z = (66 - 60) / (s * sqrt((54 - 36) / 8)).
    assert r.z[1] == pytest.approx(6 / (np.sqrt(2760 / 9 - 100) * 1.5), abs=1e-12)
    assert r.z[4] == 0.0  # the centre's neighbourhood is every cell: 0/0, reported as 0
    assert r.p[0] == pytest.approx(math.erfc(r.z[0] / math.sqrt(2)), abs=1e-12)  # two-sided normal p


def test_equals_esda_within_1e9_on_the_sample_grids(sample: Dataset) -> None:
    grids = sample.grids
    nb = build_contiguity(grids.geometry, list(grids[s.GRID_ID]))
    rng = np.random.default_rng(3)
    values = np.column_stack([rng.poisson(20, len(grids)), rng.poisson(3, len(grids)),
                              run_analysis(sample).grid_counts.set_index(s.GRID_ID).loc[list(grids[s.GRID_ID]), "count"]])
    ours = gi_star(values, nb).z
    for k in range(values.shape[1]):
        theirs = esda_gi_star_z(values[:, k], nb)
        assert np.nanmax(np.abs(ours[:, k] - theirs)) < 1e-9


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=9, max_size=9), st.floats(0.01, 100), st.floats(-1000, 1000))
def test_z_is_invariant_under_positive_affine_maps(counts: list[int], a: float, b: float) -> None:
    polys, ids = grid3x3()
    nb = build_contiguity(polys, ids)
    x = np.array(counts, dtype=float)
    z1, z2 = gi_star(x, nb).z, gi_star(a * x + b, nb).z
    assert np.allclose(z1, z2, atol=1e-7)


def test_bins_follow_arcgis_levels_and_fdr() -> None:
    # Sorted p against alpha k / m = 0.0125, 0.025, 0.0375, 0.05: the last p below its line is 0.02.
    assert bh_cutoff(np.array([0.001, 0.02, 0.04, 0.9]), 0.05) == 0.02
    assert bh_cutoff(np.array([0.2, 0.9]), 0.05) == 0.0
    polys, ids = grid3x3()
    nb = build_contiguity(polys, ids)
    r = gi_star(np.zeros(9), nb)
    assert (r.z == 0).all() and (r.bins == 0).all()  # no variance, nothing significant


def test_noise_stays_within_the_fdr_rate() -> None:
    # 30 x 30 square cells of pure Poisson noise, 40 seeds: hot/cold cells at 95 % (FDR) are rare.
    n = 30
    nb = SquareLattice(None, 0.0, 0.0, 1.0, n, n, np.arange(n * n)).neighbours()
    rng = np.random.default_rng(0)
    values = rng.poisson(5, size=(n * n, 40))
    bins = gi_star(values, nb, fdr=True).bins
    share = (np.abs(bins) >= 2).mean(axis=0)  # significant at 95 % or more, per seed
    assert share.max() < 0.05 and share.mean() < 0.005


def test_planted_hotspots_are_found_at_99_percent_on_100m_cells(sample: Dataset) -> None:
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    lattice = SquareLattice.covering(sample.grids.geometry, size_m=100)
    nb = lattice.neighbours()
    issues = filter_issues(sample.issues, sample.grids, IssueFilter())  # suspect pile excluded
    for h in truth["hotspots"]:
        centre = lattice.assign(gpd.GeoSeries([shapely.Point(h["lon"], h["lat"])], crs=4326))[0]
        for cat in h["categories"]:
            result = gi_star(lattice.counts(issues[issues[s.CATEGORY] == cat].geometry), nb)
            assert result.bins[centre] == 3, (h["name"], cat, result.z[centre])


def test_management_grids_dilute_single_grid_hotspots(sample: Dataset) -> None:
    # Documented limitation (docs/hotspots.md): on 35 grids a neighbourhood averages ~6 grids,
    # so the planted residential parking block is not even significant there.
    grids = sample.grids
    ids = list(grids[s.GRID_ID])
    counts = run_analysis(sample, IssueFilter(categories=("parking",))).grid_counts.set_index(s.GRID_ID)
    result = gi_star(counts.loc[ids, "count"].to_numpy(), build_contiguity(grids.geometry, ids))
    assert result.bins[ids.index("340104012006002")] == 0


def test_square_lattice_assignment_and_neighbours(sample: Dataset) -> None:
    lattice = SquareLattice.covering(sample.grids.geometry, size_m=100)
    nb = lattice.neighbours()
    assert len(nb.ids) == len(lattice.active) and 500 < len(lattice.active) < 900
    assert nb.cardinalities.max() == 8 and nb.cardinalities.min() >= 1
    pts = sample.issues.geometry
    idx = lattice.assign(pts)
    assert (idx >= 0).all()  # every point inside the street lands in an active cell
    assert lattice.counts(pts).sum() == len(pts)
    # Half-open cells: a point exactly on a cell edge belongs to the cell to its right.
    # (in the lattice's own CRS: a round trip through WGS84 would move an exact edge by float noise)
    k = int(np.flatnonzero(np.diff(lattice.active) == 1)[0])  # two side-by-side active cells
    row, col = divmod(int(lattice.active[k]), lattice.nx)
    edge = shapely.Point(lattice.x0 + 100 * (col + 1), lattice.y0 + 100 * row + 50)
    assert lattice.assign(gpd.GeoSeries([edge], crs=lattice.crs))[0] == k + 1


def test_distance_band_defaults_to_every_unit_having_a_neighbour() -> None:
    pts = gpd.GeoSeries(gpd.points_from_xy([117.25, 117.2501, 117.26, 117.2605], [31.85] * 4), crs=4326)
    nb = build_distance_band(pts, ["a", "b", "c", "d"])
    assert nb.cardinalities.tolist() == [1, 1, 1, 1] and not nb.islands
    with pytest.raises(ValueError, match="diagonal"):
        Neighbours(("a", "b"), sp.csr_matrix(np.zeros((2, 2))), "bad")
