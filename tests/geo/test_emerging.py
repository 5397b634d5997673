from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import kendalltau

from geo.stats.emerging import CLASSES, NO_PATTERN, MannKendall, classify, mann_kendall

T = 10
UP, DOWN, FLAT = MannKendall(40, 3.0, 0.003), MannKendall(-40, -3.0, 0.003), MannKendall(2, 0.1, 0.9)


def bins(*on: int, n: int = T) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(on)] = True
    return out


NONE = bins()
ALL = np.ones(T, dtype=bool)


def test_mann_kendall_by_hand() -> None:
    mk = mann_kendall(np.array([1, 2, 3, 4, 5.0]))
    # S = 10, Var = 5 * 4 * 15 / 18 = 16.667, z = (10 - 1) / sqrt(16.667) = 2.2045.
    assert mk.s == 10 and mk.z == pytest.approx(9 / math.sqrt(250 / 15), abs=1e-12)
    assert mk.p == pytest.approx(math.erfc(mk.z / math.sqrt(2)), abs=1e-12)
    assert mann_kendall(np.array([3, 3, 3.0])).p == 1.0  # all tied: no trend


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=3, max_size=30))
def test_mann_kendall_s_matches_kendall_tau(values: list[int]) -> None:
    x = np.array(values, dtype=float)
    mk = mann_kendall(x)
    n = len(x)
    expected = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    assert mk.s == expected
    if len(set(values)) > 1:
        # tau-b with ties only in x: S = tau_b * sqrt(n0 (n0 - n2)), n0 = n(n-1)/2, n2 = tied pairs.
        tau = kendalltau(np.arange(n), x, variant="b").statistic
        n0 = n * (n - 1) / 2
        n2 = sum(c * (c - 1) / 2 for c in np.unique(x, return_counts=True)[1])
        assert mk.s == pytest.approx(tau * math.sqrt(n0 * (n0 - n2)), abs=1e-9)


@pytest.mark.parametrize(("hot", "cold", "trend", "expected"), [
    (bins(9), NONE, FLAT, "new_hot"),  # significant only in the final step
    (bins(7, 8, 9), NONE, FLAT, "consecutive_hot"),  # a final run of 3, never hot before
    (ALL, NONE, UP, "intensifying_hot"),  # >= 90 % hot, final hot, significant upward trend
    (ALL, NONE, FLAT, "persistent_hot"),  # >= 90 % hot, no trend
    (ALL, NONE, DOWN, "diminishing_hot"),  # >= 90 % hot, final hot, significant downward trend
    (bins(1, 3, 6, 8, 9), NONE, FLAT, "sporadic_hot"),  # on and off, never cold
    (bins(1, 3), NONE, FLAT, "sporadic_hot"),  # on and off, not hot at the end
    (bins(5, 9), bins(2), FLAT, "oscillating_hot"),  # hot at the end, cold before
    (bins(*range(9)), NONE, FLAT, "historical_hot"),  # 90 % hot, not the final step
    (NONE, bins(9), FLAT, "new_cold"),
    (NONE, bins(7, 8, 9), FLAT, "consecutive_cold"),
    (NONE, ALL, DOWN, "intensifying_cold"),  # colder and colder: z keeps falling
    (NONE, ALL, FLAT, "persistent_cold"),
    (NONE, ALL, UP, "diminishing_cold"),
    (NONE, bins(0, 4, 9), FLAT, "sporadic_cold"),
    (bins(2), bins(4, 9), FLAT, "oscillating_cold"),
    (NONE, bins(*range(9)), FLAT, "historical_cold"),
    (NONE, NONE, UP, NO_PATTERN),
    (bins(2), bins(5), FLAT, NO_PATTERN),  # both, and nothing at the end
])
def test_each_esri_class_on_a_constructed_series(hot: np.ndarray, cold: np.ndarray, trend: MannKendall,
                                                 expected: str) -> None:
    assert classify(hot, cold, trend) == expected


def test_the_seventeen_classes_are_all_reachable() -> None:
    assert len(CLASSES) == 17
    reached = {classify(h, c, t) for h, c, t, _ in [
        (bins(9), NONE, FLAT, 0), (bins(7, 8, 9), NONE, FLAT, 0), (ALL, NONE, UP, 0), (ALL, NONE, FLAT, 0),
        (ALL, NONE, DOWN, 0), (bins(1, 3), NONE, FLAT, 0), (bins(5, 9), bins(2), FLAT, 0), (bins(*range(9)), NONE, FLAT, 0),
        (NONE, bins(9), FLAT, 0), (NONE, bins(7, 8, 9), FLAT, 0), (NONE, ALL, DOWN, 0), (NONE, ALL, FLAT, 0),
        (NONE, ALL, UP, 0), (NONE, bins(0, 4), FLAT, 0), (bins(2), bins(4, 9), FLAT, 0), (NONE, bins(*range(9)), FLAT, 0),
        (NONE, NONE, FLAT, 0)]}
    assert reached == set(CLASSES)


def test_planted_hotspots_on_the_sample_street(sample) -> None:
    import json

    import geopandas as gpd
    import pandas as pd
    import shapely

    from geo import schema as s
    from geo.cube.aggregate import period_starts
    from geo.cube.dataset import filter_issues
    from geo.cube.filter import IssueFilter
    from geo.sample import SAMPLE_DIR
    from geo.stats.cells import SquareLattice
    from geo.stats.emerging import emerging_hotspots

    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    lattice = SquareLattice.covering(sample.grids.geometry, size_m=100)
    nb = lattice.neighbours()
    issues = filter_issues(sample.issues, sample.grids, IssueFilter())
    end, weeks = pd.Timestamp("2026-11-16", tz="Asia/Shanghai"), 54
    start = end - pd.Timedelta(days=7 * weeks)
    week = ((period_starts(issues[s.REPORTED_AT], end=end) - start) / pd.Timedelta(days=7)).astype(int).to_numpy()
    cell = lattice.assign(issues.geometry)
    got = {}
    for h in truth["hotspots"]:
        cat = h["categories"][0]
        m = (issues[s.CATEGORY] == cat).to_numpy()
        cube = np.zeros((len(lattice.active), weeks))
        np.add.at(cube, (cell[m], week[m]), 1)
        result = emerging_hotspots(cube, nb)
        c = lattice.assign(gpd.GeoSeries([shapely.Point(h["lon"], h["lat"])], crs=4326))[0]
        got[h["name"]] = (result.classes[c], result.hot[c], result.trend_z[c])
    assert got["metro_exit"][0] in {"new_hot", "consecutive_hot"}  # appears after the metro opens
    for name in ("wet_market", "back_alleys", "residential_parking"):
        assert got[name][0] in {"persistent_hot", "intensifying_hot"}, (name, got[name][0])
    # The fading street: halved by the campaign but still hot every week, with a falling trend:
    # Esri's "diminishing hot" (hot >= 90 % of steps including the last, significant downward trend).
    cls, hot, trend_z = got["commercial_street"]
    assert cls == "diminishing_hot" and hot.mean() >= 0.9 and hot[-1] and trend_z < -3


def test_vectorised_mann_kendall_equals_the_scalar_one() -> None:
    from geo.stats.emerging import mann_kendall_rows

    rng = np.random.default_rng(5)
    rows = np.vstack([rng.integers(0, 4, size=(50, 20)).astype(float), rng.normal(size=(50, 20)), np.zeros((1, 20))])
    s, z, p = mann_kendall_rows(rows)
    for i, row in enumerate(rows):
        mk = mann_kendall(row)
        assert (s[i], z[i], p[i]) == pytest.approx((mk.s, mk.z, mk.p), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6).flatmap(lambda t: st.lists(st.lists(st.integers(0, 3), min_size=t, max_size=t),
                                                      min_size=1, max_size=6)))
def test_vectorised_mann_kendall_equals_the_scalar_one_on_any_ties_and_lengths(rows: list[list[int]]) -> None:
    from geo.stats.emerging import mann_kendall_rows

    x = np.asarray(rows, dtype=float)
    s, z, p = mann_kendall_rows(x)
    for i, row in enumerate(x):
        mk = mann_kendall(row)
        assert (s[i], z[i], p[i]) == pytest.approx((mk.s, mk.z, mk.p), abs=1e-12)
