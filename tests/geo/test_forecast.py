"""The forecast: no look-ahead, hand-checked baselines and scores, calibration on a known process."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.forecast import Events, Units, capture, day_of, flagged, predict, ranking, run_backtest, weekly_origins
from geo.forecast.report import forecast_units
from geo.forecast.scoring import calibration_bins

TZ = "Asia/Shanghai"
#: A 1 km x 1 km street near Hefei, as one grid (and its 100 m cells).
LON0, LAT0 = 117.25, 31.85
DLON, DLAT = 995 / (111_320 * np.cos(np.radians(LAT0))), 995 / 110_885  # inside 10 x 10 cells of 100 m


def one_grid() -> gpd.GeoDataFrame:
    box = shapely.box(LON0, LAT0, LON0 + DLON, LAT0 + DLAT)
    return gpd.GeoDataFrame({s.GRID_ID: ["g1"], s.GRID_NAME: ["一"], s.COMMUNITY: ["东"]}, geometry=[box], crs=4326)


def issues_at(points: list[tuple[float, float]], times: list[str], categories: list[str]) -> gpd.GeoDataFrame:
    """Issues at fractions (fx, fy) of the street's extent."""
    geoms = [shapely.Point(LON0 + fx * DLON, LAT0 + fy * DLAT) for fx, fy in points]
    return gpd.GeoDataFrame({
        s.ISSUE_ID: [f"i{i}" for i in range(len(points))], s.CATEGORY: categories, s.STATUS: ["closed"] * len(points),
        s.REPORTED_AT: pd.to_datetime(pd.Series(times, dtype=object), format="ISO8601").dt.tz_localize(TZ),
        s.GRID_ID: ["g1"] * len(points),
        s.SUSPECT_POINT: [False] * len(points),
    }, geometry=geoms, crs=4326)


def test_baselines_by_hand() -> None:
    grids = one_grid()
    units = Units.of_cells(grids, size_m=100)
    # Three reports in the cell at (0.05, 0.05) on 1, 20 and 25 May; one at (0.55, 0.55) on 30 May; one after.
    issues = issues_at([(0.05, 0.05)] * 3 + [(0.55, 0.55), (0.55, 0.55)],
                       ["2026-05-01 08:00", "2026-05-20 09:00", "2026-05-25 10:00", "2026-05-30 11:00", "2026-06-02 12:00"],
                       ["litter"] * 5)
    events = Events.from_issues(issues, units)
    origin = day_of("2026-06-01")
    a, b = units.lattice.assign(issues.geometry.iloc[[0, 3]])
    recent = predict(events, units, origin, horizon_days=28, method="recent").expected
    # The last 28 days (from 4 May): two reports in a, one in b; scaled 28/28.
    assert recent[a] == 2 and recent[b] == 1 and recent.sum() == 3
    history = predict(events, units, origin, horizon_days=7, method="all_history").expected
    span = origin - day_of("2026-05-01 08:00")  # 30.67 days of history
    assert history[a] == pytest.approx(3 * 7 / span) and history[b] == pytest.approx(7 / span)
    kde = predict(events, units, origin, method="kde_recent").expected
    assert kde.sum() == pytest.approx(3) and kde[a] < 2 and (kde > 0).sum() > 2  # mass kept, spread around


def test_scores_by_hand() -> None:
    observed = np.array([5.0, 0, 3, 2, 0, 0, 0, 0, 0, 0])
    area = np.ones(10)
    order = np.array([2, 3, 0, 1, 4, 5, 6, 7, 8, 9])
    assert flagged(order, area, 0.2).tolist() == [2, 3]
    got = capture(order, observed, area, 0.2)
    # Flagged 20 % of the area holds 5 of 10 problems: hit 0.5, PAI 2.5; the best two cells hold 8.
    assert got == pytest.approx({"hit_rate": 0.5, "pai": 2.5, "pei_star": 5 / 8, "area_share": 0.2})
    assert capture(order, observed, area, 0.1)["pai"] == pytest.approx(3.0)
    table = calibration_bins(np.arange(10.0), observed, bins=5)
    assert table["expected"].tolist() == [1, 5, 9, 13, 17] and table["observed"].tolist() == [5, 5, 0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=1, max_size=40), st.floats(0.01, 1.0))
def test_flagged_area_reaches_the_share_and_no_more_than_one_unit_beyond(values: list[float], share: float) -> None:
    area = np.array(values) + 0.5
    order = np.argsort(-area, kind="stable")
    top = flagged(order, area, share)
    assert area[top].sum() >= share * area.sum() * (1 - 1e-9)
    assert area[top[:-1]].sum() < share * area.sum()


def _stationary(seed: int, weeks: int = 60) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A known process: 100 cells, 5 hot ones (2 a week each), 20 warm (0.3), the rest quiet (0.02)."""
    rng = np.random.default_rng(seed)
    rates = np.full(100, 0.02)
    rates[:5], rates[5:25] = 2.0, 0.3
    points, times = [], []
    start = pd.Timestamp("2025-01-06")
    for week in range(weeks):
        for cell, n in enumerate(rng.poisson(rates)):
            for _ in range(n):
                row, col = divmod(cell, 10)
                points.append(((col + rng.uniform(0.2, 0.8)) / 10, (row + rng.uniform(0.2, 0.8)) / 10))
                times.append(str(start + pd.Timedelta(days=7 * week + rng.uniform(0, 7))))
    return issues_at(points, times, ["parking"] * len(points)), rates


def test_learned_forecast_is_calibrated_and_finds_the_hot_cells() -> None:
    issues, rates = _stationary(1)
    grids = one_grid()
    units = Units.of_cells(grids, size_m=100)
    events = Events.from_issues(issues, units)
    origin = day_of("2026-01-05")
    forecast = predict(events, units, origin, horizon_days=28, method="learned")
    assert forecast.fallbacks == ()
    assert forecast.expected.sum() == pytest.approx(4 * rates.sum(), rel=0.15)  # 4 weeks of the true rate
    hot = set(units.lattice.assign(gpd.GeoSeries([shapely.Point(LON0 + (c + 0.5) / 10 * DLON, LAT0 + 0.05 * DLAT)
                                                  for c in range(5)], crs=4326)).tolist())
    assert set(ranking(forecast, units)[:5].tolist()) == hot
    inside = (forecast.lower <= 8) & (forecast.upper >= 8)  # a hot cell's true 4-week mean is 8
    assert inside[list(hot)].all()


def _shuffle_future(issues: gpd.GeoDataFrame, as_of: pd.Timestamp, seed: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    out = issues.copy()
    future = np.flatnonzero((out[s.REPORTED_AT] >= as_of).to_numpy())
    perm = rng.permutation(future)
    out.iloc[future, out.columns.get_loc("geometry")] = out.geometry.iloc[perm].to_numpy()
    out.iloc[future, out.columns.get_loc(s.CATEGORY)] = out[s.CATEGORY].iloc[perm].to_numpy()
    out.iloc[future, out.columns.get_loc(s.GRID_ID)] = out[s.GRID_ID].iloc[perm].to_numpy()
    shift = pd.to_timedelta(rng.uniform(0, 40, len(future)), unit="D")
    out.iloc[future, out.columns.get_loc(s.REPORTED_AT)] = (out[s.REPORTED_AT].iloc[future] + shift).to_numpy()
    return out


@pytest.mark.parametrize("units", ["cells", "grids"])
def test_shuffling_the_future_changes_no_forecast(sample: Dataset, units: str) -> None:
    as_of = pd.Timestamp("2026-06-01", tz=TZ)
    kw = {"units": units, "method": "auto", "horizon_days": 28.0}
    before = forecast_units(sample.issues, sample.grids, as_of, **kw)
    after = forecast_units(_shuffle_future(sample.issues, as_of, 7), sample.grids, as_of, **kw)
    assert before.method == after.method
    pd.testing.assert_frame_equal(before.table.drop(columns="geometry"), after.table.drop(columns="geometry"))
    # ... and the future did change: the same call one week later sees the shuffled rows.
    later = pd.Timestamp("2026-06-15", tz=TZ)
    assert not forecast_units(sample.issues, sample.grids, later, units=units, method="recent").table["expected"].equals(
        forecast_units(_shuffle_future(sample.issues, as_of, 7), sample.grids, later, units=units,
                       method="recent").table["expected"])


def test_weekly_origins_are_mondays_with_the_horizon_inside_the_data() -> None:
    issues, _ = _stationary(2, weeks=20)
    units = Units.of_cells(one_grid(), size_m=100)
    events = Events.from_issues(issues, units)
    origins = weekly_origins(events, 28)
    # 20 weeks from Monday 6 January: the first origin 56 days on (3 March), the last a horizon before
    # the data end (21 April): 8 Mondays.
    assert len(origins) == 8
    days = [pd.Timestamp("1970-01-01") + pd.Timedelta(days=o) for o in origins]
    assert {d.day_name() for d in days} == {"Monday"}
    assert np.diff(origins).tolist() == [7.0] * (len(origins) - 1)
    assert origins[-1] + 28 <= np.floor(events.last_day()) + 1
    assert origins[0] >= events.first_day() + 56


def test_backtest_on_a_known_process_prefers_history_to_chance() -> None:
    issues, _ = _stationary(3, weeks=40)
    bt = run_backtest(issues, one_grid(), cell_size_m=100, max_origins=10)
    assert bt.n_origins == 10 and bt.n_units == 100
    # The five hot cells (5 % of the area) hold 10 of ~17 weekly reports: PAI near 12 for a good method.
    assert bt.mean("learned") > 9 and bt.mean("all_history") > 9
    assert bt.mean("learned", measure="pei_star") > 0.85
    assert bt.winner in {"learned", "all_history"}
    # Chosen in advance from the 8th origin on (four known before it): the sentence speaks of those 3 weeks.
    assert "过去 3 周" in bt.sentence("zh") and "Over the last 3 weeks" in bt.sentence("en")


def test_a_short_history_says_so_instead_of_scoring() -> None:
    issues, _ = _stationary(4, weeks=6)
    bt = run_backtest(issues, one_grid(), cell_size_m=100)
    assert bt.n_origins == 0
    assert bt.sentence("zh").startswith("历史太短") and bt.sentence("en").startswith("The history is too short")


def test_origins_skip_gaps_in_the_record() -> None:
    """Weeks 0-11 and 20-39 hold reports, 12-19 none: no origin may sit where its horizon or its four
    weeks before fall in the gap."""
    issues, _ = _stationary(5, weeks=40)
    week = ((issues[s.REPORTED_AT].dt.tz_localize(None) - pd.Timestamp("2025-01-06")).dt.days // 7).to_numpy()
    gappy = issues[(week < 12) | (week >= 20)]
    units = Units.of_cells(one_grid(), size_m=100)
    origins = weekly_origins(Events.from_issues(gappy, units), 28)
    weeks = [int((pd.Timestamp("1970-01-01") + pd.Timedelta(days=o) - pd.Timestamp("2025-01-06")).days // 7)
             for o in origins]
    # Before the gap: the first Monday with 56 days of history is week 9, whose horizon (9-12) reaches the
    # gap. After it: week 24 (history 20-23) to week 36 (horizon 36-39, the data's last week).
    assert weeks == list(range(24, 37))


def test_sample_reasons_differ_between_cells_and_name_facts(sample: Dataset) -> None:
    result = forecast_units(sample.issues, sample.grids, "2026-10-05", method="learned",
                            names=({"parking": "乱停乱放"}, {"parking": "Disorderly parking"}))
    top = result.table.head(10)
    assert top["rank"].tolist() == list(range(1, 11))
    assert top["reasons_zh"].nunique() == 10
    assert (top["expected"].diff().dropna() <= 1e-9).all()  # rank order is expected order (equal cells)
    # 2025-11-03 to 2026-10-05 is 336 days: 48 weeks on record, not a year.
    assert top["reasons_zh"].iloc[0].startswith("预计4周 ") and "有记录的 48 周中" in top["reasons_zh"].iloc[0]
    assert (result.table["lower"] <= result.table["expected"]).all()
    assert (result.table["upper"] >= np.floor(result.table["expected"])).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 0.99), st.floats(0.01, 0.99), st.floats(0, 119), st.sampled_from(["a", "b"])),
                min_size=1, max_size=80))
@example([(0.5, 0.5, 111.0, "a")])  # one report nine days before the origin: was stretched to 3.1 in four weeks
def test_learned_forecast_stays_finite_and_bounded_on_sparse_histories(rows: list[tuple]) -> None:
    """Few reports make a Poisson fit run off (weights of +150/-120 on Houston's dry-season flooding):
    such fits are refused and no unit is forecast more than the data can support."""
    start = pd.Timestamp("2026-01-01")
    issues = issues_at([(x, y) for x, y, _, _ in rows], [str(start + pd.Timedelta(days=d)) for _, _, d, _ in rows],
                       [c for *_, c in rows])
    units = Units.of_cells(one_grid(), size_m=100)
    events = Events.from_issues(issues, units)
    forecast = predict(events, units, day_of("2026-05-01"), method="learned")
    assert np.isfinite(forecast.expected).all() and (forecast.expected >= 0).all()
    assert forecast.expected.max() <= 2 * len(rows) + 1
    assert np.isfinite(forecast.upper).all() and (forecast.lower <= forecast.upper).all()


def test_a_short_record_is_not_called_a_year(sample) -> None:  # type: ignore[no-untyped-def]
    """Twenty weeks of history: the reasons count weeks out of the 20 on record, not "of the last 52"."""
    first = sample.issues["reported_at"].min().normalize().tz_localize(None)
    as_of = first + pd.Timedelta(days=140)
    table = forecast_units(sample.issues, sample.grids, as_of, method="all_history").table
    assert set(table["weeks_on_record"]) == {20}
    with_weeks = table[table["weeks_with_reports"] > 0]
    assert len(with_weeks) and with_weeks["reasons_en"].str.contains(r"of the 20 weeks on record").all()
    assert with_weeks["reasons_zh"].str.contains("有记录的 20 周中").all()
    assert not table["reasons_en"].str.contains("of the last 52 weeks").any()
