import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from geo import schema as s
from geo.ops.recurrence import flag_recurrences, recurrence_by_grid

TO_WGS = Transformer.from_crs(32650, 4326, always_xy=True)
T = "Asia/Shanghai"


def frame(rows: list[tuple]) -> gpd.GeoDataFrame:
    ids, cats, xs, ys, reported, status, closed, grid = zip(*rows, strict=True)
    lon, lat = TO_WGS.transform([429_000 + x for x in xs], [3_524_000 + y for y in ys])
    return gpd.GeoDataFrame({
        s.ISSUE_ID: list(ids), s.CATEGORY: list(cats), s.STATUS: list(status), s.GRID_ID: list(grid),
        s.REPORTED_AT: pd.to_datetime(list(reported)).tz_localize(T),
        s.CLOSED_AT: pd.to_datetime(list(closed)).tz_localize(T),
    }, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def test_recurrence_rules_by_hand() -> None:
    issues = frame([
        ("A", "litter", 0, 0, "2026-03-01 09:00", "closed", "2026-03-02 09:00", "g1"),
        ("B", "litter", 10, 0, "2026-03-20 09:00", "open", None, "g1"),  # 10 m, 18 days after closing: yes
        ("C", "litter", 50, 0, "2026-03-20 09:00", "open", None, "g1"),  # 50 m away: no
        ("D", "litter", 0, 5, "2026-03-01 18:00", "open", None, "g1"),  # before A was closed: no
        ("E", "parking", 0, 0, "2026-03-20 09:00", "open", None, "g1"),  # other category: no
        ("F", "litter", 0, 0, "2026-07-01 09:00", "open", None, "g2"),  # 121 days later: no
        ("G", "litter", 5, 5, "2026-03-10 09:00", "closed", "2026-03-11 09:00", "g2"),  # repeats A (8 days)
        ("H", "litter", 5, 0, "2026-03-25 09:00", "open", None, "g2"),  # repeats G, the more recent close
    ])
    flags = flag_recurrences(issues)
    assert dict(zip(issues.loc[flags.notna(), s.ISSUE_ID], flags.dropna(), strict=True)) == {
        "B": "G", "G": "A", "H": "G"}
    # B is 10 m from A and ~7 m from G; G closed later (03-11) so B repeats G.
    per_grid = recurrence_by_grid(issues, flag_recurrences(issues)).set_index(s.GRID_ID)
    assert per_grid.loc["g1", ["issues", "recurrences"]].tolist() == [5, 1]
    assert per_grid.loc["g2", ["issues", "recurrences"]].tolist() == [3, 2]


def test_settable_radius_and_window() -> None:
    issues = frame([
        ("A", "litter", 0, 0, "2026-03-01 09:00", "closed", "2026-03-02 09:00", "g1"),
        ("C", "litter", 50, 0, "2026-03-20 09:00", "open", None, "g1"),
    ])
    assert flag_recurrences(issues).isna().all()
    assert flag_recurrences(issues, radius_m=60).tolist()[1] == "A"
    assert flag_recurrences(issues, radius_m=60, window_days=10).isna().all()


def test_recent_repeats_need_only_the_cases_closed_in_the_window(sample) -> None:
    """The priority's repeat places search the recent reports and the cases closed since: the same answer."""
    issues = sample.issues[sample.issues[s.STATUS] != "void"]
    as_of = issues[s.REPORTED_AT].max().normalize()
    since = as_of - pd.Timedelta(weeks=8)
    recent = issues[issues[s.REPORTED_AT] >= since]
    full = flag_recurrences(issues).reindex(recent.index)
    window = (issues[s.REPORTED_AT] >= since) | (issues[s.CLOSED_AT] >= since - pd.Timedelta(days=90)).fillna(False)
    part = flag_recurrences(issues[window.to_numpy(dtype=bool)]).reindex(recent.index)
    pd.testing.assert_series_equal(part, full)
    assert full.notna().sum() > 20
