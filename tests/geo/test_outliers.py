import numpy as np
import pytest

from geo.cube.dataset import Dataset, filter_issues
from geo.cube.filter import IssueFilter
from geo.stats.cells import SquareLattice
from geo.stats.esda_oracle import esda_local_moran_is
from geo.stats.outliers import local_moran
from geo.stats.weights import build_contiguity
from tests.geo.test_hotspots import grid3x3


def test_local_moran_by_hand_and_against_esda() -> None:
    polys, ids = grid3x3()
    nb = build_contiguity(polys, ids)
    x = np.array([1, 2, 3, 4, 50, 6, 7, 8, 9.0])
    r = local_moran(x, nb, permutations=99)
    z = x - 10
    # Centre: its 8 neighbours average 5 -> lag -5; I = (n - 1) z lag / sum z^2 = 8 * 40 * -5 / 1860.
    assert r.i[4] == pytest.approx(8 * 40 * -5 / (z**2).sum(), abs=1e-12)
    assert np.abs(r.i - esda_local_moran_is(x, nb)).max() < 1e-9


def test_classes_and_seeded_p(sample: Dataset) -> None:
    lattice = SquareLattice.covering(sample.grids.geometry, size_m=100)
    nb = lattice.neighbours()
    counts = lattice.counts(filter_issues(sample.issues, sample.grids, IssueFilter(categories=("street_vending",))).geometry)
    r1, r2 = local_moran(counts, nb), local_moran(counts, nb)
    assert (r1.p == r2.p).all()  # seeded: the same answer twice
    assert np.abs(r1.i - esda_local_moran_is(counts, nb)).max() < 1e-9
    market = int(np.argmax(counts))  # the planted wet market's busiest cell
    assert r1.classes[market] == "HH" and r1.p[market] <= 0.01
    assert set(r1.classes) <= {"", "HH", "LL", "HL", "LH"}
    fdr = local_moran(counts, nb, fdr=True)
    assert (fdr.classes != "").sum() <= (r1.classes != "").sum()  # FDR only removes
    assert r1.p.min() >= 1 / 1000  # the pseudo-p floor at 999 permutations


def test_no_variance_means_no_classes() -> None:
    polys, ids = grid3x3()
    r = local_moran(np.full(9, 3.0), build_contiguity(polys, ids))
    assert (r.i == 0).all() and (r.p == 1).all() and (r.classes == "").all()
