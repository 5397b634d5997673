"""What a ledger does not say stays unknown: no status column is not "all open", no handling column is not
"all on site", a closed status without a close time is closed."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geo import schema as s
from geo.categories import read_categories
from geo.ingest.ledger import read_ledger
from geo.ops.rectification import KpiPolicy, kpi_table, open_count

TODAY = dt.date(2026, 3, 20)
START, END = pd.Timestamp("2026-03-01", tz="Asia/Shanghai"), pd.Timestamp("2026-03-15", tz="Asia/Shanghai")


def frame(**extra: list[str]) -> pd.DataFrame:
    base = {"问题类型": ["垃圾", "乱停乱放", "垃圾"], "经度": ["1", "2", "3"], "纬度": ["1", "2", "3"],
            "上报时间": ["2026-03-02 09:00", "2026-03-03 10:00", "2026-03-04 11:00"]}
    return pd.DataFrame(base | extra)


def kpis(issues: pd.DataFrame) -> pd.Series:
    return kpi_table(issues, KpiPolicy(read_categories()), start=START, end=END).iloc[0]


def test_no_status_and_no_close_time_is_unknown_not_open() -> None:
    issues = read_ledger(frame(), today=TODAY).issues
    assert issues[s.STATUS].tolist() == ["unknown"] * 3
    row = kpis(issues)
    # Nothing can be said to be closed, open or overdue: no rate, no backlog, no grade (was 超期占比 100 %, E).
    assert row["due"] == 0 and row["overdue_open"] == 0 and row["grade"] == ""
    assert pd.isna(row["close_rate"]) and pd.isna(row["overdue_share"])
    assert open_count(issues, END) == 0


def test_no_handling_column_is_unknown_not_on_site() -> None:
    issues = read_ledger(frame(), today=TODAY).issues
    assert issues[s.HANDLING].isna().all()
    assert pd.isna(kpis(issues)["on_site_share"])  # was 立行立改 89.9 % from the categories' defaults
    known = read_ledger(frame(处置方式=["立行立改", "派遣处置", ""]), today=TODAY).issues
    assert kpis(known)["on_site_share"] == 50.0  # among the cases whose handling is known


def test_a_close_time_column_without_status_decides_closed_or_open() -> None:
    issues = read_ledger(frame(办结时间=["2026-03-02 12:00", "", ""]), today=TODAY).issues
    assert issues[s.STATUS].tolist() == ["closed", "open", "open"]


def test_closed_without_a_close_time_counts_closed_and_not_on_time() -> None:
    issues = read_ledger(frame(处置状态=["已办结", "已办结", "待处置"]), today=TODAY).issues
    assert issues[s.STATUS].tolist() == ["closed", "closed", "open"]
    row = kpis(issues)
    assert (row["closed"], row["due"]) == (2, 3)  # the open litter case is past its one-day limit
    assert row["on_time_rate"] == 0.0  # of the one due case whose timing is known (still open, overdue)
    assert pd.isna(row["median_days_to_close"])
    only_closed = kpis(read_ledger(frame(处置状态=["已办结"] * 3), today=TODAY).issues)
    assert only_closed["close_rate"] == 100.0 and pd.isna(only_closed["on_time_rate"])  # not 0 %, not E
