"""Rectification KPIs on hand-made ledgers with answers worked out by hand, and a published report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import schema as s
from geo.categories import read_categories
from geo.ops.rectification import KpiPolicy, deadline_lights, deadlines, grade, kpi_table, reopened_ids

TZ = "Asia/Shanghai"
START, END = pd.Timestamp("2026-03-01", tz=TZ), pd.Timestamp("2026-04-01", tz=TZ)


def ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ) if text else pd.NaT


def ledger(rows: list[tuple]) -> pd.DataFrame:
    cols = [s.ISSUE_ID, s.CATEGORY, s.REPORTED_AT, s.STATUS, s.CLOSED_AT, s.DEADLINE_AT, s.HANDLING, s.DEPARTMENT,
            s.GRID_ID]
    frame = pd.DataFrame(rows, columns=cols)
    for c in (s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT):
        frame[c] = pd.to_datetime(frame[c].map(ts), utc=True).dt.tz_convert(TZ)  # tz-aware even when all empty
    return frame


HAND = ledger([
    # id, category, reported, status, closed, ledger deadline, handling, department, grid
    ("A", "litter", "2026-03-02 10:00", "closed", "2026-03-02 18:00", None, "on_site", "社区", "g1"),  # limit 1 day
    ("B", "litter", "2026-03-05 09:00", "closed", "2026-03-10 09:00", "2026-03-08 09:00", "referred", "城管", "g1"),
    ("C", "parking", "2026-03-10 09:00", "open", None, "2026-03-12 09:00", "referred", "交警", "g2"),
    ("D", "clutter", "2026-03-31 12:00", "open", None, None, "referred", "社区", "g2"),  # due 04-03: not yet due
    ("E", "litter", "2026-03-15 09:00", "void", None, None, "on_site", "社区", "g1"),  # voided: never counted
    ("F", "parking", "2026-02-20 09:00", "assigned", None, "2026-02-25 00:00", "referred", "交警", "g2"),  # backlog
    ("G", "clutter", "2026-03-20 09:00", "closed", "2026-03-21 09:00", None, "on_site", "社区", "g1"),  # reopened once
])
HISTORY = pd.DataFrame({"issue_id": ["G", "G", "B"], "changed_at": ["x", "y", "z"], "field": [s.STATUS, s.STATUS, s.STATUS],
                        "old": ["closed", "open", "open"], "new": ["open", "closed", "closed"], "source": ["a", "b", "c"]})


@pytest.fixture(scope="module")
def policy() -> KpiPolicy:
    return KpiPolicy(read_categories())


def test_reopened_means_closed_then_open_again() -> None:
    assert reopened_ids(HISTORY) == {"G"}  # B only ever went open -> closed
    assert reopened_ids(HISTORY.iloc[0:0]) == set()


def test_overall_kpis_by_hand(policy: KpiPolicy) -> None:
    row = kpi_table(HAND, policy, start=START, end=END, reopened={"G"}).iloc[0]
    # Reported in March and live: A B C D G. Due by 04-01: A B C G (D's deadline is 04-03).
    assert (row["reported"], row["due"], row["closed"], row["on_time"], row["reopened"]) == (5, 4, 3, 2, 1)
    assert row["close_rate"] == 75.0 and row["on_time_rate"] == 50.0 and row["rework_rate"] == 25.0
    # Open past deadline at 04-01: C (20 days) and the February backlog F (35 days).
    assert row["overdue_open"] == 2 and row["max_days_overdue"] == 35.0
    # Days to close: A 0.333, G 1, B 5 -> median 1; p90 (linear) = 1 + 0.8 * (5 - 1) = 4.2.
    assert row["median_days_to_close"] == 1.0 and row["p90_days_to_close"] == pytest.approx(4.2)
    assert row["on_site_share"] == 40.0  # A and G of the five
    # 超期未结 against the cases due: 4 due in March plus F carried in from February = 5; C and F overdue: 40 %.
    assert row["carried_overdue"] == 1 and row["overdue_share"] == 40.0
    # Composite: 0.25 * 75 + 0.35 * 50 + 0.15 * (100 - 25) + 0.25 * (100 - 40) = 62.5 -> C by score,
    # but 40 % of the due cases overdue caps the grade at D.
    assert row["score"] == pytest.approx(62.5) and row["grade"] == "D"


def test_a_large_backlog_never_grades_a() -> None:
    from geo.ops.rectification import capped_grade

    # The sample street's week: 97.5 % closed, 90.3 % on time, but 291 overdue of about 650 due.
    assert capped_grade(95.0, 291 / 650 * 100) == "D"
    assert capped_grade(95.0, 12.0) == "B" and capped_grade(95.0, 9.9) == "A" and capped_grade(70.0, 12.0) == "C"
    assert capped_grade(float("nan"), 50.0) == ""  # nothing due: no grade at all


def test_kpis_by_group_and_time_limit_override(policy: KpiPolicy) -> None:
    by_grid = kpi_table(HAND, policy, start=START, end=END, by=s.GRID_ID, reopened={"G"}).set_index(s.GRID_ID)
    assert by_grid.loc["g1", ["reported", "due", "closed", "on_time"]].tolist() == [3, 3, 3, 2]
    assert by_grid.loc["g2", ["reported", "due", "closed", "overdue_open"]].tolist() == [2, 1, 0, 2]
    assert by_grid.loc["g2", "close_rate"] == 0.0 and by_grid.loc["g2", "grade"] == "E"
    by_dept = kpi_table(HAND, policy, start=START, end=END, by=s.DEPARTMENT).set_index(s.DEPARTMENT)
    assert by_dept.loc["交警", "overdue_open"] == 2 and by_dept.loc["城管", "on_time"] == 0
    # A campaign rule "litter within 6 hours": A (closed after 8 h) is now late.
    strict = KpiPolicy(policy.categories, limit_overrides={"litter": 0.25})
    assert kpi_table(HAND, strict, start=START, end=END).iloc[0]["on_time"] == 1  # G only
    # The importer fills a missing deadline with the table's limit; an override still replaces that default,
    # but not a deadline the ledger set itself (B's 03-08).
    imported = HAND.assign(**{s.DEADLINE_AT: deadlines(HAND, policy)})
    assert kpi_table(imported, strict, start=START, end=END).iloc[0]["on_time"] == 1
    assert deadlines(imported, strict).loc[1] == ts("2026-03-08 09:00")


def test_nothing_due_has_no_grade(policy: KpiPolicy) -> None:
    only_d = HAND[HAND[s.ISSUE_ID] == "D"]
    row = kpi_table(only_d, policy, start=START, end=END).iloc[0]
    assert row["reported"] == 1 and row["due"] == 0 and np.isnan(row["close_rate"]) and row["grade"] == ""


def test_published_monthly_report() -> None:
    """Tianmen, December: 立案 996, 应结案 972, 结案 911 -> 93.72 %, 按期结案 737 -> 75.82 %."""
    t0 = pd.Timestamp("2025-12-01", tz=TZ)
    rows = []
    for k in range(996):
        reported = t0 + pd.Timedelta(hours=k // 2)
        if k < 737:  # closed on time
            rows.append((f"c{k}", "litter", reported, "closed", reported + pd.Timedelta(hours=5), None))
        elif k < 911:  # closed, but late
            rows.append((f"c{k}", "litter", reported, "closed", reported + pd.Timedelta(days=3), None))
        elif k < 972:  # open past the deadline
            rows.append((f"c{k}", "litter", reported, "open", pd.NaT, None))
        else:  # reported on the last day with a 3-day limit: not yet due
            rows.append((f"c{k}", "clutter", pd.Timestamp("2025-12-31 12:00", tz=TZ), "open", pd.NaT, None))
    frame = pd.DataFrame(rows, columns=[s.ISSUE_ID, s.CATEGORY, s.REPORTED_AT, s.STATUS, s.CLOSED_AT, s.DEADLINE_AT])
    frame[s.DEADLINE_AT] = pd.to_datetime(frame[s.DEADLINE_AT], utc=True).dt.tz_convert(TZ)
    frame[s.HANDLING] = "referred"
    row = kpi_table(frame, KpiPolicy(read_categories()), start=t0, end=pd.Timestamp("2026-01-01", tz=TZ)).iloc[0]
    assert (row["reported"], row["due"], row["closed"], row["on_time"]) == (996, 972, 911, 737)
    assert round(row["close_rate"], 2) == 93.72 and round(row["on_time_rate"], 2) == 75.82


@pytest.mark.parametrize(("days", "light"), [(7.0, "green"), (8.0, "yellow"), (9.99, "yellow"), (10.0, "red"),
                                             (12.5, "red")])
def test_deadline_lights_at_80_and_100_percent(policy: KpiPolicy, days: float, light: str) -> None:
    frame = ledger([("X", "road_damage", "2026-03-01 00:00", "open", None, "2026-03-11 00:00", "referred", "市政", "g1")])
    lights = deadline_lights(frame, policy, ts("2026-03-01") + pd.Timedelta(days=days))
    assert lights["light"].tolist() == [light]
    assert lights["days_overdue"].iloc[0] == pytest.approx(max(days - 10, 0))


def test_lights_skip_closed_and_void_and_sort_most_overdue_first(policy: KpiPolicy) -> None:
    lights = deadline_lights(HAND, policy, END)
    assert lights[s.ISSUE_ID].tolist() == ["F", "C", "D"]  # 35 and 20 days overdue, then D (not yet due)
    assert lights["light"].tolist() == ["red", "red", "green"]


# Graded as printed (one decimal): 89.99 reads 90.0, an A; 89.94 reads 89.9, a B.
@pytest.mark.parametrize(("score", "letter"), [(100, "A"), (90, "A"), (89.99, "A"), (89.94, "B"), (75, "B"), (60, "C"),
                                               (59.9, "D"), (40, "D"), (39.9, "E"), (0, "E")])
def test_grades(score: float, letter: str) -> None:
    assert grade(score) == letter


def test_league_reads_by_grade_then_score() -> None:
    from geo.ops.rectification import league_order

    table = pd.DataFrame({"community": ["甲", "乙", "丙", "丁"], "score": [87.2, 87.0, 95.0, float("nan")],
                          "grade": ["D", "C", "A", ""]})
    assert league_order(table, "community")["community"].tolist() == ["丙", "乙", "甲", "丁"]
