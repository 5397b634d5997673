"""The KPI batch (one pass over the scope) shows what the per-period calls show."""

from __future__ import annotations

import pandas as pd

import dashboard.data as data
from geo.cube.filter import IssueFilter
from geo.ops.rectification import KpiPolicy, deadline_lights, kpi_table, open_count
from geo.sample import ensure_sample_workspace


def test_batch_equals_the_kpi_tables_and_the_open_list() -> None:
    ws = ensure_sample_workspace()
    source = data.DataSource(str(ws.root), ws.generation())
    end = pd.Timestamp("2026-08-01", tz="Asia/Shanghai")
    start, before = end - pd.Timedelta(days=7), end - pd.Timedelta(days=14)
    for flt in (IssueFilter(), IssueFilter(categories=("parking",)), IssueFilter(include_void=True)):
        requests = ((start, end, None), (before, start, None), (start, end, "community"), (start, end, "department"))
        tables, (n_end, n_start) = data.kpi_tables(source, flt, requests, (end, start))
        for (a, b, by), table in zip(requests, tables, strict=True):
            alone = kpi_table(data._scoped(source, flt), KpiPolicy(data.dataset(source).categories), start=a, end=b, by=by)
            pd.testing.assert_frame_equal(table, alone)
        assert (n_end, n_start) == (len(data.open_cases(source, flt, end)), len(data.open_cases(source, flt, start)))
        assert n_end > 0


def test_open_count_is_the_length_of_the_lights(sample) -> None:
    policy = KpiPolicy(sample.categories)
    for day in ("2026-06-01", "2026-08-01", "2030-01-01"):
        moment = pd.Timestamp(day, tz="Asia/Shanghai")
        assert open_count(sample.issues, moment) == len(deadline_lights(sample.issues, policy, moment))


def test_the_sidebar_dates_do_not_split_the_cache() -> None:
    # The periods are the requests': 总览 (the sidebar's dates in its filter) and 大屏 (no dates) share an answer.
    import datetime as dt

    ws = ensure_sample_workspace()
    source = data.DataSource(str(ws.root), ws.generation())
    end = pd.Timestamp("2026-08-01", tz="Asia/Shanghai")
    requests = ((end - pd.Timedelta(days=7), end, None),)
    dated = IssueFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 7, 31))
    data._kpi_tables.clear()
    first = data.kpi_tables(source, dated, requests, (end,))
    calls = []
    real = data._scoped
    data._scoped = lambda *a: calls.append(a) or real(*a)  # type: ignore[assignment]
    try:
        again = data.kpi_tables(source, IssueFilter(), requests, (end,))
    finally:
        data._scoped = real  # type: ignore[assignment]
    assert calls == [] and again[1] == first[1]
    pd.testing.assert_frame_equal(again[0][0], first[0][0])


def test_a_card_without_its_facts_is_short_and_the_note_says_which() -> None:
    from dashboard.i18n import kpi_text, unsaid_note

    cards = ("close_rate", "on_time_rate", "overdue_open", "open_now")
    # Madrid's snapshot: closed cases without close times; on-time cannot be said, the close rate can.
    unsaid = frozenset({"closed_at", "handling"})
    assert kpi_text("on_time_rate", float("nan"), "zh", unsaid) == "无此信息"  # fits a laptop's card
    assert kpi_text("close_rate", 100.0, "zh", unsaid) == "100.0%"
    assert kpi_text("overdue_open", 63682, "en", unsaid) == "63,682"
    assert unsaid_note(cards, "zh", unsaid) == "「无此信息」：该台账无此信息（没有结案时间），相关指标不作计算，不按 0 计。"
    assert unsaid_note(("reported",), "zh", unsaid) is None  # no card on the row needs the missing facts
    # No status column at all: nothing open, closed or overdue can be said.
    none = frozenset({"status", "closed_at"})
    assert [kpi_text(k, 0, "en", none) for k in cards] == ["Not given"] * 4
    assert "no status and no close times" in str(unsaid_note(cards, "en", none))
