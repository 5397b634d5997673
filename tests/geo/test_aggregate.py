import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube.aggregate import count_cube, heat_payload, period_starts

TZ = "Asia/Shanghai"
END = pd.Timestamp("2026-01-08", tz=TZ)  # exclusive end: the last week is Jan 1..7


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def test_periods_are_half_open_and_aligned_to_the_end() -> None:
    times = pd.Series([ts("2026-01-07 23:59"), ts("2026-01-01 00:00"), ts("2025-12-31 23:59"),
                       ts("2026-01-08 00:00")])
    got = period_starts(times, end=END)
    assert got.tolist()[:3] == [ts("2026-01-01"), ts("2026-01-01"), ts("2025-12-25")]
    assert pd.isna(got.iloc[3])  # at the exclusive end: outside every period
    with pytest.raises(ValueError):
        period_starts(times, end=END, period_days=0)


def issues_frame(rows: list[tuple[str | None, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        s.GRID_ID: pd.array([r[0] for r in rows], dtype="string"),
        s.CATEGORY: [r[1] for r in rows],
        s.REPORTED_AT: pd.Series([ts(r[2]) for r in rows]),
    })


def test_cube_counts_by_hand_with_zeros_kept() -> None:
    frame = issues_frame([
        ("g1", "litter", "2026-01-02 10:00"),
        ("g1", "litter", "2026-01-03 10:00"),
        ("g1", "parking", "2025-12-26 10:00"),
        ("g2", "parking", "2026-01-07 23:00"),
        (None, "parking", "2026-01-05 10:00"),  # outside every grid: not in any grid's count
        ("g2", "litter", "2025-12-01 10:00"),  # before the window
        ("g9", "litter", "2026-01-02 10:00"),  # a grid not on the axis
    ])
    cube = count_cube(frame, grid_ids=["g1", "g2"], categories=["litter", "parking"], end=END, n_periods=2)
    assert len(cube) == 2 * 2 * 2
    got = cube.set_index([s.GRID_ID, s.CATEGORY, "period_start"])["count"].to_dict()
    w1, w2 = ts("2025-12-25"), ts("2026-01-01")
    assert got == {
        ("g1", "litter", w1): 0, ("g1", "litter", w2): 2,
        ("g1", "parking", w1): 1, ("g1", "parking", w2): 0,
        ("g2", "litter", w1): 0, ("g2", "litter", w2): 0,
        ("g2", "parking", w1): 0, ("g2", "parking", w2): 1,
    }


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["g1", "g2", "g3", None]), st.sampled_from(["a", "b"]),
                          st.integers(0, 60 * 24 * 40)), max_size=80))
def test_cube_sums_to_the_issues_inside_grids_and_window(rows: list[tuple[str | None, str, int]]) -> None:
    start = END - pd.Timedelta(days=28)
    frame = pd.DataFrame({
        s.GRID_ID: pd.array([r[0] for r in rows], dtype="string"),
        s.CATEGORY: [r[1] for r in rows],
        s.REPORTED_AT: pd.Series([END - pd.Timedelta(days=35) + pd.Timedelta(minutes=r[2]) for r in rows],
                                 dtype=f"datetime64[ns, {TZ}]"),
    })
    cube = count_cube(frame, grid_ids=["g1", "g2", "g3"], categories=["a", "b"], end=END, n_periods=4)
    t = frame[s.REPORTED_AT]
    expected = int((frame[s.GRID_ID].notna() & (t >= start) & (t < END)).sum())
    assert cube["count"].sum() == expected
    assert (cube["count"] >= 0).all() and len(cube) == 3 * 2 * 4


def scatter(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(117.24, 117.27, n), rng.uniform(31.84, 31.86, n)),
                            crs=s.STORAGE_CRS)


def test_heat_payload_keeps_every_issue_and_respects_the_cap() -> None:
    pts = scatter(5000)
    full = heat_payload(pts, cell_size_m=1.0, max_points=50_000)
    assert full.points[:, 2].sum() == 5000 == full.n_issues
    capped = heat_payload(pts, cell_size_m=1.0, max_points=100)
    assert len(capped.points) <= 100
    assert capped.points[:, 2].sum() == 5000
    assert capped.cell_size_m > 1.0 and np.log2(capped.cell_size_m).is_integer()


def test_a_pile_at_one_point_stays_at_that_point() -> None:
    pile = gpd.GeoDataFrame(geometry=[shapely.Point(117.25, 31.85)] * 40, crs=s.STORAGE_CRS)
    payload = heat_payload(pd.concat([pile, scatter(10)]), cell_size_m=15)
    top = payload.points[np.argmax(payload.points[:, 2])]
    assert top[2] == 40
    assert top[0] == pytest.approx(31.85, abs=1e-12) and top[1] == pytest.approx(117.25, abs=1e-12)


def test_empty_input_gives_an_empty_payload() -> None:
    payload = heat_payload(scatter(0))
    assert payload.points.shape == (0, 3) and payload.n_issues == 0
