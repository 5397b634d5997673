"""The windowed close-pair search equals the all-pairs rule it replaces."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.ingest.near_repeats import window_partners

S = 1_000_000_000


def brute(x, y, g, tq, tc, cand, radius, window, pick):
    out = np.full(len(x), -1)
    for i in range(len(x)):
        best = None
        for j in range(len(x)):
            if j == i or not cand[j] or g[j] != g[i] or (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 > radius ** 2:
                continue
            dt = tq[i] - tc[j]
            if pick == "earliest":
                if not (0 <= dt <= window and (dt > 0 or j < i)):
                    continue
                key = (tc[j], j)
                if best is None or key < best[0]:
                    best = (key, j)
            else:
                if not (0 < dt <= window):
                    continue
                key = (tc[j], j)
                if best is None or key > best[0]:
                    best = (key, j)
        out[i] = -1 if best is None else best[1]
    return out


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_equals_the_all_pairs_rule(data) -> None:
    n = data.draw(st.integers(0, 40))
    coord = st.floats(-60, 60, allow_nan=False)
    x = np.array(data.draw(st.lists(coord, min_size=n, max_size=n)))
    y = np.array(data.draw(st.lists(coord, min_size=n, max_size=n)))
    g = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=int)
    # Whole and fractional seconds, many ties: the ns-exact test behind the 1 s search.
    tq = np.array(data.draw(st.lists(st.integers(0, 3000), min_size=n, max_size=n)), dtype=np.int64) * (S // 4)
    pick = data.draw(st.sampled_from(["earliest", "latest"]))
    if pick == "earliest":
        tc, cand = tq, np.ones(n, bool)
    else:
        tc = tq - np.array(data.draw(st.lists(st.integers(-400, 400), min_size=n, max_size=n)), dtype=np.int64) * S
        cand = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    radius = data.draw(st.sampled_from([10.0, 30.0]))
    window = data.draw(st.sampled_from([60 * S, 600 * S]))
    got = window_partners(x, y, g, tq, tc, cand, radius=radius, window_ns=window, pick=pick)
    assert got.tolist() == brute(x, y, g, tq, tc, cand, radius, window, pick).tolist()


def test_a_busy_spot_over_years_pairs_only_inside_the_window() -> None:
    # 20,000 reports at one spot over 3 years: the all-pairs search pairs 400 million of them;
    # here each looks at the reports of its own ten minutes.
    rng = np.random.default_rng(1)
    n = 20_000
    t = np.sort(rng.integers(0, 3 * 365 * 86400, n)).astype(np.int64) * S
    got = window_partners(rng.normal(0, 2, n), rng.normal(0, 2, n), np.zeros(n, int), t, t, np.ones(n, bool),
                          radius=10.0, window_ns=600 * S, pick="earliest")
    gap = np.diff(t)
    # Points spread 2 m: nearly every pair is within 10 m, so a report has a partner when an earlier
    # one lies within 10 minutes, and its partner is never more than 10 minutes older.
    has = got[1:] >= 0
    assert (t[1:][has] - t[got[1:][has]] <= 600 * S).all()
    assert has[gap <= 60 * S].mean() > 0.99
    assert not has[gap > 600 * S].any()  # nothing earlier inside its window


def test_a_pair_at_the_radius_after_rounding_is_found_across_two_cells() -> None:
    # Found by the property test: 30 m + 6e-266 m apart rounds to exactly 30 m, but with cells of exactly
    # 30 m the two points lay two cells apart and the search never compared them.
    x, y = np.zeros(3), np.array([-6.1038819362781466e-266, 0.0, 30.0])
    t = np.zeros(3, dtype=np.int64)
    got = window_partners(x, y, np.zeros(3, dtype=int), t, t, np.ones(3, bool), radius=30.0, window_ns=60 * S,
                          pick="earliest")
    assert got.tolist() == brute(x, y, np.zeros(3, dtype=int), t, t, np.ones(3, bool), 30.0, 60 * S, "earliest").tolist()
    assert got[2] == 0  # the earliest within 30 m (ties: the first row)
