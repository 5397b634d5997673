"""The evaluation (区域 / 部门 / 岗位), its profiles and the patrol gap, on a hand-made ledger worked out by hand."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo import schema as s
from geo.categories import read_categories
from geo.ingest.mapping import map_sources, source_by_words
from geo.ops.evaluation import evaluate, period_of, periods, previous_period, with_change
from geo.ops.profiles import PROFILES, EvaluationConfigError, formula, load_settings, parse_settings
from geo.ops.rectification import KpiPolicy, kpi_table, with_community
from geo.stats.patrol_gap import patrol_gap

TZ = "Asia/Shanghai"
START, END = pd.Timestamp("2026-03-01", tz=TZ), pd.Timestamp("2026-04-01", tz=TZ)

GRIDS = gpd.GeoDataFrame({
    s.GRID_ID: ["g1", "g2"], s.GRID_NAME: ["甲1", "乙1"], s.COMMUNITY: ["甲社区", "乙社区"], s.STREET: ["街道", "街道"],
    s.CADRES: ["张三、李四", "王五"],
}, geometry=[box(117.20, 31.80, 117.21, 31.81), box(117.21, 31.80, 117.22, 31.81)], crs=s.STORAGE_CRS)


def _ledger() -> pd.DataFrame:
    rows = [
        # id, category, reported, status, closed, deadline, department, grid, source, reporter
        ("A", "litter", "2026-03-02 10:00", "closed", "2026-03-02 18:00", "2026-03-03 10:00", "社区", "g1", "patrol",
         "张三"),
        ("B", "litter", "2026-03-05 09:00", "closed", "2026-03-10 09:00", "2026-03-08 09:00", "城管", "g1", "hotline", None),
        ("C", "parking", "2026-03-10 09:00", "open", None, "2026-03-12 09:00", "城管", "g1", "public", None),
        ("D", "clutter", "2026-03-20 09:00", "closed", "2026-03-21 09:00", "2026-03-25 09:00", "社区", "g1", "patrol",
         "张三"),
        ("E", "litter", "2026-03-15 09:00", "void", None, "2026-03-16 09:00", "社区", "g2", "patrol", "王五"),
        ("F", "parking", "2026-03-16 09:00", "rectified", None, "2026-03-18 09:00", "交警", "g2", "patrol", "赵六"),
    ]
    cols = [s.ISSUE_ID, s.CATEGORY, s.REPORTED_AT, s.STATUS, s.CLOSED_AT, s.DEADLINE_AT, s.DEPARTMENT, s.GRID_ID,
            s.SOURCE, s.REPORTER]
    frame = pd.DataFrame(rows, columns=cols)
    for c in (s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT):
        frame[c] = pd.to_datetime(frame[c], errors="coerce").dt.tz_localize(TZ)
    for c in (s.SOURCE, s.REPORTER, s.GRID_ID, s.DEPARTMENT, s.STATUS):
        frame[c] = frame[c].astype("string")
    frame[s.HANDLING] = pd.Series(["on_site", "referred", "referred", "on_site", "on_site", "referred"], dtype="string")
    frame[s.LIKELY_DUPLICATE_OF] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame


HAND = _ledger()


@pytest.fixture(scope="module")
def policy() -> KpiPolicy:
    return KpiPolicy(read_categories())


def _eval(policy: KpiPolicy, profile: str, subject: str, level: str) -> pd.DataFrame:
    return evaluate(HAND, GRIDS, policy, PROFILES[profile], subject, level=level, start=START, end=END).table  # type: ignore[arg-type]


def test_area_indicators_by_hand(policy: KpiPolicy) -> None:
    t = _eval(policy, "gbt30428.4", "area", "grid")
    g1, g2 = t.loc["g1"], t.loc["g2"]
    # g1: A B C D live, all past their deadline at 04-01; A B D closed, A D on time; C open past its deadline.
    assert (g1["reported"], g1["close_rate"], g1["on_time_rate"], g1["overdue_open"], g1["overdue_share"]) == \
        (4, 75.0, 50.0, 1, 25.0)
    # Sources: A D patrol (found), B hotline and C public (reported by others).
    assert (g1["public_share"], g1["found_share"]) == (50.0, 50.0)
    # g2: E void (never counted); F rectified awaiting the check, past its deadline: due, handled, not closed.
    assert (g2["reported"], g2["close_rate"], g2["public_share"], g2["overdue_open"]) == (1, 0.0, 0.0, 1)
    # Equal areas: 立案数 per km² 4 and 1, median 2.5 -> scores 62.5 and 100.
    assert g1["score_reported"] == pytest.approx(62.5, abs=0.1) and g2["score_reported"] == 100.0
    # 0.1×(100−50) + 0.2×62.5 + 0.3×75 + 0.4×50 = 60.0 (C); 0.1×100 + 0.2×100 + 0 + 0 = 30 (E).
    assert g1["composite"] == pytest.approx(60.0, abs=0.05) and g1["grade"] == "C"
    assert g2["composite"] == pytest.approx(30.0) and g2["grade"] == "E"
    # Index: 10/50, 2.5/4, 75/90, 50/90 weighted 0.1/0.2/0.3/0.4.
    assert g1["index"] == pytest.approx(0.1 * 0.2 + 0.2 * 0.625 + 0.3 * 75 / 90 + 0.4 * 50 / 90, abs=1e-3)
    assert g1["light"] == "below"


def test_department_by_hand(policy: KpiPolicy) -> None:
    t = _eval(policy, "gbt30428.4", "department", "department")
    city = t.loc["城管"]
    # 城管: B (closed late) and C (open) due; handled 1 of 2; on time 0 of 2; no rework.
    assert (city["due"], city["dispose_rate"], city["on_time_dispose_rate"], city["rework_rate"]) == (2, 50.0, 0.0, 0.0)
    # Due counts 2 / 2 / 1: median 2 -> 城管 scores 100 on it. 0.1×100 + 0.3×50 + 0.3×0 + 0.3×100 = 55 (D).
    assert city["composite"] == pytest.approx(55.0) and city["grade"] == "D"
    assert t.loc["交警", "dispose_rate"] == 100.0  # F rectified: handled, awaiting the close-out check


def test_inspectors_by_hand(policy: KpiPolicy) -> None:
    ev = evaluate(HAND, GRIDS, policy, PROFILES["gbt30428.4"], "inspector", level="inspector", start=START, end=END)
    t = ev.table
    assert sorted(t.index) == ["张三", "李四", "王五", "赵六"]  # 李四 is listed for g1 and reported nothing
    assert (t.loc["张三", "reports"], t.loc["张三", "valid_report_rate"]) == (2, 100.0)
    # g1's cases with a known source: 4, of which B and C came from outside: each cadre of g1 answers for both.
    assert (t.loc["张三", "missed"], t.loc["张三", "missed_rate"]) == (2, 50.0)
    assert (t.loc["李四", "reports"], t.loc["李四", "missed"]) == (0, 2) and np.isnan(t.loc["李四", "valid_report_rate"])
    assert t.loc["王五", "valid_report_rate"] == 0.0  # his one report was voided
    # 赵六 is on no list: he answers for g2 in his share (1 of 2) of its patrol finds; g2 missed nothing.
    assert t.loc["赵六", "missed_rate"] == 0.0
    # No verification times in a ledger: those 40 % are left out, 有效上报 2/3 and 漏报 1/3.
    assert ev.dropped == {"on_time_verify_rate", "on_time_check_rate"}
    assert t.loc["张三", "composite"] == pytest.approx(2 / 3 * 100 + 1 / 3 * 50) and t.loc["张三", "grade"] == "B"
    assert t.loc["王五", "composite"] == pytest.approx(100 / 3) and t.loc["王五", "grade"] == "E"
    assert "按时核实率" in formula(PROFILES["gbt30428.4"], "inspector", "zh", ev.dropped).split("台账无此信息")[1]


def test_the_product_profile_grades_as_the_rectification_page(policy: KpiPolicy) -> None:
    from geo.sample import load_dataset

    data = load_dataset()
    start, end = period_of("month", pd.Timestamp("2026-10-15", tz=TZ))
    kpis = kpi_table(with_community(data.issues, data.grids), policy, start=start, end=end,
                     by=s.COMMUNITY).set_index(s.COMMUNITY)
    ev = evaluate(data.issues, data.grids, policy, PROFILES["gridwatch"], "area", level="community", start=start,
                  end=end).table
    assert np.allclose(ev["composite"], kpis.loc[ev.index, "score"])
    assert ev["grade"].tolist() == kpis.loc[ev.index, "grade"].tolist()
    # Another profile, other grades from the same indicators: switching is seen.
    other = evaluate(data.issues, data.grids, policy, PROFILES["gbt30428.4"], "area", level="community",
                     start=start, end=end).table
    assert not np.allclose(other["composite"], ev["composite"])


def test_levels_add_up(policy: KpiPolicy) -> None:
    grid = _eval(policy, "gridwatch", "area", "grid")
    community = _eval(policy, "gridwatch", "area", "community")
    whole = _eval(policy, "gridwatch", "area", "all")
    assert grid["reported"].sum() == community["reported"].sum() == whole["reported"].iloc[0] == 5


def test_change_against_the_previous_period(policy: KpiPolicy) -> None:
    start, end = period_of("month", START)
    prev = previous_period("month", start)
    assert prev == (pd.Timestamp("2026-02-01", tz=TZ), START)
    now = evaluate(HAND, GRIDS, policy, PROFILES["gridwatch"], "area", level="grid", start=start, end=end)
    before = evaluate(HAND, GRIDS, policy, PROFILES["gridwatch"], "area", level="grid", start=prev[0], end=prev[1])
    table = with_change(now, before)
    assert table["composite_before"].isna().all()  # nothing in February: no change is printed, never 0


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Madrid", "America/New_York"])
def test_periods_are_local_calendar_periods(zone: str) -> None:
    day = pd.Timestamp("2021-11-01 00:30", tz=zone)  # Monday; in Madrid and New York the clocks changed around it
    week, month, quarter = (period_of(k, day) for k in ("week", "month", "quarter"))  # type: ignore[arg-type]
    assert [t.tz_localize(None) for t in week] == [pd.Timestamp("2021-11-01"), pd.Timestamp("2021-11-08")]
    assert month[0].tz_localize(None) == pd.Timestamp("2021-11-01") and quarter[0].month == 10
    before = previous_period("week", week[0])
    assert before[0].tz_localize(None) == pd.Timestamp("2021-10-25") and before[1] == week[0]
    listed = periods("month", pd.Timestamp("2021-09-15", tz=zone), day)
    assert [p[0].month for p in listed] == [11, 10, 9]


def test_settings_file_is_validated(tmp_path: Path) -> None:
    assert load_settings(tmp_path).default == "gridwatch"
    own = parse_settings('profile = "mine"\n[profiles.mine]\nbase = "gbt30428.4"\ntitle = "本局口径"\nversion = "2026-01"\n'
                         '[profiles.mine.weights.area]\nclose_rate = 0.5\non_time_rate = 0.5\n')
    assert own.profile.weights["area"] == {"close_rate": 0.5, "on_time_rate": 0.5}
    assert own.profile.weights["department"] == PROFILES["gbt30428.4"].weights["department"]
    bad = {
        "[targets]\nclose_rate = 120": "targets.close_rate must be a percent between 0 and 100, got 120",
        'profile = "zhejiang"': "unknown profile 'zhejiang'",
        "[profiles.x.weights.area]\nclose_rate = 0.5\non_time_rate = 0.4": "weights must sum to 1, they sum to 0.9",
        "[profiles.x.weights.area]\nclose_rat = 1": "unknown indicator 'close_rat'",
        "[profiles.x.weights.area]\nclose_rate = 1.5": "must be a weight between 0 and 1",
        "[profiles.x.weights.region]\nclose_rate = 1": "unknown subject 'region'",
        '[targets]\nclose_rate = "high"': "must be a number",
        "[targets]\nreported = 10": "a count is held against its peers' median",
        "profile = ": "not valid TOML",
        "colour = 1": "unknown key 'colour'",
    }
    for text, message in bad.items():
        with pytest.raises(EvaluationConfigError) as err:
            parse_settings(text)
        assert message in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "evaluation.toml").write_bytes(b"\xff\xfe bad")
    with pytest.raises(EvaluationConfigError, match="not UTF-8"):
        load_settings(tmp_path)


def test_formula_is_written_from_the_weights() -> None:
    assert formula(PROFILES["gridwatch"], "area").startswith(
        "综合得分 = 0.25×结案率得分 + 0.35×按期结案率得分 + 0.15×返工率得分 + 0.25×超期占比得分")
    assert "caps it at B" in formula(PROFILES["gridwatch"], "area", "en")


def test_patrol_gap_finds_the_planted_blind_spot_and_nothing_else() -> None:
    from geo.sample import load_dataset
    from geo.synthetic.street import BLIND_SPOT_GRID

    data = load_dataset()
    gap = patrol_gap(data.issues[s.GRID_ID], data.issues[s.SOURCE])
    names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
    flagged = [names[g] for g in gap.table.index[gap.table["blind_spot"]]]
    assert gap.comparable and flagged == [BLIND_SPOT_GRID]
    row = gap.table.loc[names[names == BLIND_SPOT_GRID].index[0]]
    assert row["low"] > 1 and row["share"] > row["rest_share"]


def test_patrol_gap_on_a_ledger_of_one_kind_flags_nothing() -> None:
    units = pd.Series(["a"] * 30 + ["b"] * 3)
    gap = patrol_gap(units, pd.Series(["public"] * 33, dtype="string"))
    assert not gap.comparable and not gap.table["blind_spot"].any()
    # A small grid all reported by others is not flagged on noise: 3 of 3 against a rest at 50 %.
    small = patrol_gap(pd.Series(["a"] * 40 + ["b"] * 3),
                       pd.Series(["public", "patrol"] * 20 + ["public"] * 3, dtype="string"))
    assert not small.table.loc["b", "blind_spot"] and small.table.loc["b", "p"] == pytest.approx(0.125)


@pytest.mark.parametrize(("label", "expected"), [
    # LA's request_source, Houston's channel, New York's open_data_channel, Chinese ledgers.
    ("Driver Self Report", "patrol"), ("Call", "hotline"), ("Mobile App", "public"), ("Self Service", "public"),
    ("Council's Office", "supervision"), ("Voicemail", "hotline"), ("Walk-in", "public"),
    ("Voice In", "hotline"), ("WAP", "public"), ("e-mail In", "public"), ("SMS In", "public"), ("Face2Face", "public"),
    ("ONLINE", "public"), ("PHONE", "hotline"), ("UNKNOWN", None),
    ("视频监控发现", "video"), ("网格员巡查", "patrol"), ("区督查组交办", "supervision"), ("微信公众号", "public"),
])
def test_source_words(label: str, expected: str | None) -> None:
    assert source_by_words(label) == expected
    mapped = map_sources(pd.Series([label], dtype="string")).iloc[0]
    assert (pd.isna(mapped) and expected is None) or mapped == expected


def test_a_city_whose_grids_differ_flags_only_the_grid_beyond_that_spread() -> None:
    """Grids whose channels differ by district (LA: 56 of 99 councils "significant" on a plain binomial test)
    are measured against how much the other grids spread: ordinary ones are not flagged, an extreme one is."""
    rng = np.random.default_rng(7)
    shares = rng.uniform(0.2, 0.6, 40)  # the outside share varies a lot from grid to grid
    units, sources = [], []
    for i, share in enumerate([*shares, 0.97]):  # and one grid whose patrol finds almost nothing
        n_out = round(300 * share)
        units += [f"g{i:02d}"] * 300
        sources += ["public"] * n_out + ["patrol"] * (300 - n_out)
    gap = patrol_gap(pd.Series(units), pd.Series(sources, dtype="string"))
    assert gap.table.index[gap.table["blind_spot"]].tolist() == ["g40"]
    # The plain binomial would have flagged ordinary grids too.
    from scipy import stats

    rest = gap.table["rest_share"] / 100
    plain = stats.binom.sf(gap.table["reported"] - 1, gap.table["known"], rest)
    assert (plain < 0.05 / len(plain)).sum() > 1


def test_a_ledger_without_close_times_gets_no_grade_as_on_rectification(policy: KpiPolicy) -> None:
    """Madrid's ledger says a case is closed but not when: 整改 gives no grade, and neither may 考核评价 (a
    composite without its heaviest term, 按期结案率, would be another rule under the same name)."""
    untimed = HAND.assign(**{s.CLOSED_AT: pd.Series(pd.NaT, index=HAND.index).dt.tz_localize(TZ)})
    ev = evaluate(untimed, GRIDS, policy, PROFILES["gridwatch"], "area", level="grid", start=START, end=END)
    assert ev.unsaid == {"on_time_rate"} and ev.dropped == frozenset()
    assert ev.table["composite"].isna().all() and (ev.table["grade"] == "").all() and ev.table["index"].isna().all()
    # 整改's card says the same: its grade needs close times, which this ledger never gives.
    from geo.ops.rectification import KPI_NEEDS, unsaid

    assert "closed_at" in unsaid(untimed) and "closed_at" in KPI_NEEDS["grade"]
    # The indicators themselves are still shown.
    assert ev.table.loc["g1", "close_rate"] == 75.0
