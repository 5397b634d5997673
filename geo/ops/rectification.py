"""Rectification KPIs (整改考核): due, closed, on time, rework, overdue, days to close, grades, lights.

Definitions follow the published 数字城管 evaluations (结案率 = 结案数 / 应结案数, 按期结案率 =
按期结案数 / 应结案数, 返工率 = 返工数 / 应结案数, grades A-E at 90/75/60/40) and are written out, with
the choices we made where the standards are silent, in ``docs/rectification.md``. In short, for a
period ``[start, end)`` evaluated at ``as_of`` (default ``end``):

* **reported** (立案/上报): live (not voided) issues reported in the period;
* **due** (应结案): reported ones that are closed by ``as_of`` or whose deadline has passed by then
  (a case still within its time limit is not yet due);
* **closed** (结案): due ones closed by ``as_of``; **on time** (按期): closed no later than the deadline;
* **reopened** (返工): due ones whose status went from closed back to open (seen in the history);
* **overdue open** (超期未结): issues of any period still open at ``as_of`` past their deadline.

The deadline is the ledger's own 截止时间 when it has one, else the report time plus the category's
time limit (the workspace's override, else the category table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import localtime
from geo import schema as s
from geo.categories import CategoryTable

#: Grade thresholds on the composite score (A >= 90, B 75-90, C 60-75, D 40-60, E < 40).
GRADES: Final = ((90.0, "A"), (75.0, "B"), (60.0, "C"), (40.0, "D"), (-np.inf, "E"))
#: Composite score weights (documented in docs/rectification.md).
COMPOSITE_WEIGHTS: Final = {"close_rate": 0.25, "on_time_rate": 0.35, "no_rework_rate": 0.15, "no_overdue_rate": 0.25}
#: The best grade a unit can get while this share of its cases due (the period's due cases plus the
#: overdue backlog carried in) is still open past its deadline: a large backlog never reads A.
OVERDUE_CAPS: Final = ((40.0, "D"), (25.0, "C"), (10.0, "B"))
#: Deadline lights for open cases: share of the time limit used.
YELLOW_AT: Final = 0.8
RED_AT: Final = 1.0
#: KPI columns in table order.
KPI_COLUMNS: Final = ("reported", "due", "closed", "on_time", "reopened", "close_rate", "on_time_rate",
                      "rework_rate", "overdue_open", "carried_overdue", "overdue_share", "max_days_overdue",
                      "median_days_to_close", "p90_days_to_close", "on_site_share", "score", "grade")


@dataclass(frozen=True)
class KpiPolicy:
    """How deadlines are set: the category table, per-workspace overrides, the ledger's own deadlines."""

    categories: CategoryTable
    limit_overrides: Mapping[str, float] = field(default_factory=dict)
    use_ledger_deadline: bool = True

    def limit_days(self, code: str) -> float:
        """Time limit of a category in days (override first)."""
        return float(self.limit_overrides.get(code, self.categories.limit_days(code)))


def _days(delta: pd.Series) -> pd.Series:
    """A timedelta series in days (float; ``NaN`` where ``NaT``)."""
    return cast("pd.Series[pd.Timedelta]", delta) / pd.Timedelta(days=1)


def deadlines(issues: pd.DataFrame, policy: KpiPolicy) -> pd.Series:
    """Each issue's deadline: the ledger's, else report time + the category's time limit.

    The importer already fills a missing deadline with the category table's limit, so a deadline equal
    to ``reported + table limit`` (to the second) is treated as that default: a workspace override for
    the category replaces it. A deadline the ledger set otherwise is kept.
    """
    reported = issues[s.REPORTED_AT]
    tz = reported.dt.tz
    dtype = pd.DatetimeTZDtype("ns", tz)
    category = issues[s.CATEGORY].astype("string")
    uniques = [str(c) for c in pd.unique(category.dropna())]
    limits = category.map({c: policy.limit_days(c) for c in uniques}).astype(float)
    computed = (reported + pd.to_timedelta(limits, unit="D")).astype(dtype)
    if not (policy.use_ledger_deadline and s.DEADLINE_AT in issues):
        return computed
    given = pd.to_datetime(issues[s.DEADLINE_AT])
    # An all-empty column reads back tz-naive; a ledger deadline is local time like the report time.
    given = (given.dt.tz_localize(tz) if given.dt.tz is None else given.dt.tz_convert(tz)).astype(dtype)
    if policy.limit_overrides:
        table = category.map({c: policy.categories.limit_days(c) for c in uniques}).astype(float)
        default = (reported + pd.to_timedelta(table, unit="D")).astype(dtype)
        is_default = (given - default).abs() <= pd.Timedelta(seconds=1)
        overridden = category.isin(list(policy.limit_overrides)).fillna(False)
        given = given.mask(is_default.fillna(False) & overridden)
    return given.fillna(computed)


def reopened_ids(history: pd.DataFrame) -> set[str]:
    """Issues whose status went from ``closed`` back to an open status in the import history (返工)."""
    if history.empty:
        return set()
    status = history[history["field"] == s.STATUS]
    back = status[(status["old"] == "closed") & status["new"].isin(s.OPEN_STATUSES)]
    return set(back["issue_id"].astype(str))


def capped_grade(score: float, overdue_share: float) -> str:
    """The grade of ``score``, no better than the cap its overdue share allows (:data:`OVERDUE_CAPS`).

    Examples
    --------
    >>> capped_grade(95.0, 3.0), capped_grade(95.0, 30.0), capped_grade(50.0, 30.0)
    ('A', 'C', 'D')
    """
    letter = grade(score)
    if not letter or not np.isfinite(overdue_share):
        return letter
    for share, cap in OVERDUE_CAPS:
        if overdue_share >= share:
            return max(letter, cap)  # letters sort A < B < ... < E: the worse of the two
    return letter


def league_order(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """A league table in the order a leader reads it: by grade (A first, ungraded last), then score.

    Sorting by score alone would put a capped D above a C (the backlog cap can lower a high score).
    """
    letter = table["grade"].replace("", "Z").fillna("Z")
    return (table.assign(_g=letter).sort_values(["_g", "score", by], ascending=[True, False, True],
                                                na_position="last", kind="stable").drop(columns="_g"))


_TERMS: Final = {"close_rate": ("结案率", "close rate"), "on_time_rate": ("按期结案率", "on-time rate"),
                 "no_rework_rate": ("(100−返工率)", "(100 − rework rate)"),
                 "no_overdue_rate": ("(100−超期占比)", "(100 − overdue share)")}


def grade_bands(grades: tuple[tuple[float, str], ...] = GRADES) -> list[str]:
    """The grade bands in words, best first: ``['A ≥ 90', 'B 75–90', ..., 'E < 40']``."""
    floors = [f for f, _ in grades]
    bands = []
    for i, (floor, letter) in enumerate(grades):
        if i == 0:
            bands.append(f"{letter} ≥ {floor:.0f}")
        elif np.isfinite(floor):
            bands.append(f"{letter} {floor:.0f}–{floors[i - 1]:.0f}")
        else:
            bands.append(f"{letter} < {floors[i - 1]:.0f}")
    return bands


def grade_rule(lang: Literal["zh", "en"] = "zh") -> str:
    """The composite and its grades in words, written from :data:`COMPOSITE_WEIGHTS`, :data:`GRADES` and
    :data:`OVERDUE_CAPS` themselves: the dashboard's 计算说明 and every bulletin print this, so the printed
    rule is the one that gave the printed grades.

    Examples
    --------
    >>> score, bands, caps, _ = grade_rule("zh").split("；")
    >>> score
    '综合得分 = 0.25×结案率 + 0.35×按期结案率 + 0.15×(100−返工率) + 0.25×(100−超期占比)'
    >>> bands, caps
    ('A ≥ 90，B 75–90，C 60–75，D 40–60，E < 40', '超期占比 ≥ 10% 最高 B，≥ 25% 最高 C，≥ 40% 最高 D')
    """
    zh = lang == "zh"
    terms = " + ".join(
        f"{w:.2f}{'×' if zh else ' × '}{_TERMS[k][0 if zh else 1]}" for k, w in COMPOSITE_WEIGHTS.items())
    bands = grade_bands(GRADES)
    caps = sorted(OVERDUE_CAPS)
    if zh:
        cap_text = "，".join(f"≥ {share:.0f}% 最高 {cap}" for share, cap in caps)
        return (f"综合得分 = {terms}；{'，'.join(bands)}；超期占比 {cap_text}；无应结案则不评级。")
    cap_text = ", ".join(f"{share:.0f} % or more caps it at {cap}" for share, cap in caps)
    return (f"Score = {terms}; {', '.join(bands)}; an overdue share of {cap_text}; no grade when nothing was due.")


def grade(score: float) -> str:
    """A-E for a composite score; empty when there is nothing to grade (NaN).

    Graded on the score as printed (one decimal): 59.99999 reads 60.0 and is a C, never a D beside "60.0".

    Examples
    --------
    >>> grade(59.99999), grade(59.94), grade(float("nan"))
    ('C', 'D', '')
    """
    if not np.isfinite(score):
        return ""
    shown = round(float(score), 1)
    return next(letter for floor, letter in GRADES if shown >= floor)


#: What each KPI needs from the ledger beyond a report time: a KPI whose need the ledger does not meet
#: is shown as 「该台账无此信息」, never as 0 % or a grade (:func:`unsaid`).
KPI_NEEDS: Final[dict[str, frozenset[str]]] = {
    **dict.fromkeys(("due", "closed", "close_rate", "rework_rate", "overdue_open", "overdue_share", "open_now"),
                    frozenset({"status"})),
    **dict.fromkeys(("on_time", "on_time_rate", "median_days_to_close", "p90_days_to_close", "score", "grade"),
                    frozenset({"status", "closed_at"})),
    "on_site_share": frozenset({"handling"}),
}


def unsaid(issues: pd.DataFrame) -> frozenset[str]:
    """The facts a workspace's ledger never gives: ``status`` (every live case unknown), ``closed_at``
    (no closed case has a close time), ``handling`` (no case says how it was handled)."""
    live = issues[(issues[s.STATUS] != "void").to_numpy(dtype=bool, na_value=True)]
    if not len(live):
        return frozenset()
    out = set()
    if (live[s.STATUS] == "unknown").all():
        out.add("status")
    closed = live[s.STATUS] == "closed"
    if "status" in out or (closed.any() and live.loc[closed, s.CLOSED_AT].isna().all()):
        out.add("closed_at")
    if live[s.HANDLING].isna().all():
        out.add("handling")
    return frozenset(out)


def open_at(issues: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """The one definition of an open case at ``as_of``, read by the cards, the league tables, the
    deadline lights and the 督办清单 alike: reported by then, its state known and not void, and not
    closed by then (a closed status without a close time is closed, its time unknown)."""
    status = issues[s.STATUS].astype("string")
    closed_at = issues[s.CLOSED_AT]
    reported = (issues[s.REPORTED_AT] <= as_of).to_numpy(dtype=bool, na_value=False)
    counted = status.isin(sorted(s.OPEN_STATUSES | {"closed"})).to_numpy(dtype=bool, na_value=False)
    closed = (status == "closed").to_numpy(dtype=bool, na_value=False) & \
        (closed_at.isna() | (closed_at <= as_of)).to_numpy(dtype=bool, na_value=True)
    return reported & counted & ~closed


def case_table(issues: pd.DataFrame, policy: KpiPolicy, as_of: pd.Timestamp, reopened: set[str]) -> pd.DataFrame:
    """One row per live issue with the facts every KPI is counted from."""
    live = issues[issues[s.STATUS] != "void"]
    deadline = deadlines(live, policy)
    is_closed = live[s.STATUS] == "closed"
    closed_at = live[s.CLOSED_AT].where(is_closed)
    # A ledger that says "closed" without saying when is closed, time unknown: counted in 结案率, left
    # out of on-time and time-to-close (never taken as still open, which made a snapshot's closed rows overdue).
    untimed = (is_closed & closed_at.isna()).fillna(False).astype(bool)
    closed = (closed_at.notna() & (closed_at <= as_of)) | untimed
    is_open = pd.Series(open_at(live, as_of), index=live.index)
    known = (live[s.STATUS] != "unknown").to_numpy(dtype=bool, na_value=True)
    return pd.DataFrame({
        "reported_at": live[s.REPORTED_AT],
        "deadline": deadline,
        "closed": closed,
        "on_time": closed & (closed_at <= deadline),
        "untimed": untimed,
        "due": closed | ((deadline <= as_of) & known),
        "open_overdue": is_open & (deadline < as_of),
        "days_overdue": _days(as_of - deadline).where(is_open & (deadline < as_of)),
        "days_to_close": _days(closed_at - live[s.REPORTED_AT]).where(closed),
        "on_site": (live[s.HANDLING] == "on_site").fillna(False).astype(bool),
        "handling_known": live[s.HANDLING].notna(),
        "reopened": live[s.ISSUE_ID].astype(str).isin(reopened),
    }, index=live.index)


def kpi_table(issues: pd.DataFrame, policy: KpiPolicy, *, start: pd.Timestamp, end: pd.Timestamp,
              as_of: pd.Timestamp | None = None, by: str | None = None, reopened: set[str] | None = None,
              cases: pd.DataFrame | None = None) -> pd.DataFrame:
    """KPIs for the period ``[start, end)`` at ``as_of``, overall (``by=None``) or per ``by`` column.

    Parameters
    ----------
    by
        ``grid_id``, ``community`` (joined from the issues' grid), ``department``, ``category`` or None.
    reopened
        Ids of reopened issues (:func:`reopened_ids` on the workspace history).
    cases
        ``case_table(issues, policy, as_of, reopened)`` when already made: several tables at one ``as_of``
        (a page's cards and league tables) share it instead of deriving every deadline again.

    Returns
    -------
    pandas.DataFrame
        One row per group (or one row), the columns of :data:`KPI_COLUMNS`; rates in percent.
        Overdue counts include open issues reported before the period (a backlog is still a backlog).
    """
    as_of = end if as_of is None else as_of
    if cases is None:
        cases = case_table(issues, policy, as_of, reopened or set())
    in_period = (cases["reported_at"] >= start) & (cases["reported_at"] < end)
    keys = (issues.loc[cases.index, by].astype("string").fillna("") if by else pd.Series("", index=cases.index))
    cohort = cases[in_period]
    cohort_keys = keys[in_period]
    due = cohort[cohort["due"]]
    due_keys = cohort_keys[cohort["due"]]
    g = due.groupby(due_keys)
    out = pd.DataFrame({
        "reported": cohort.groupby(cohort_keys).size(),
        "due": g.size(),
        "closed": g["closed"].sum(),
        "on_time": g["on_time"].sum(),
        "untimed": g["untimed"].sum(),
        "reopened": g["reopened"].sum(),
        "median_days_to_close": g["days_to_close"].median(),
        "p90_days_to_close": g["days_to_close"].quantile(0.9),
        # Among the cases whose handling the ledger gives (NaN, not 0 %, when it gives none).
        "on_site_share": (cohort.groupby(cohort_keys)["on_site"].sum()
                          / cohort.groupby(cohort_keys)["handling_known"].sum().where(lambda n: n > 0) * 100),
    })
    backlog = cases[cases["open_overdue"]]
    out["overdue_open"] = backlog.groupby(keys[cases["open_overdue"]]).size()
    out["max_days_overdue"] = backlog.groupby(keys[cases["open_overdue"]])["days_overdue"].max()
    # Overdue cases reported before the period: the backlog the unit carries into it.
    carried = cases["open_overdue"] & (cases["reported_at"] < start)
    out["carried_overdue"] = cases[carried].groupby(keys[carried]).size()
    counts = ["reported", "due", "closed", "on_time", "untimed", "reopened", "overdue_open", "carried_overdue"]
    out[counts] = out[counts].fillna(0).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        due_n = out["due"].where(out["due"] > 0)
        out["close_rate"] = out["closed"] / due_n * 100
        # On time among the cases whose timing is known: NaN (no grade) when the ledger gives no close times.
        timed_n = (out["due"] - out["untimed"]).where(lambda n: n > 0)
        out["on_time_rate"] = out["on_time"] / timed_n * 100
        out["rework_rate"] = out["reopened"] / due_n * 100
        # 超期未结 against the cases due: the period's due cases plus the overdue backlog carried in.
        base = (out["due"] + out["carried_overdue"]).where(lambda b: b > 0)
        out["overdue_share"] = (out["overdue_open"] / base * 100).clip(upper=100)
    out["score"] = (COMPOSITE_WEIGHTS["close_rate"] * out["close_rate"]
                    + COMPOSITE_WEIGHTS["on_time_rate"] * out["on_time_rate"]
                    + COMPOSITE_WEIGHTS["no_rework_rate"] * (100 - out["rework_rate"])
                    + COMPOSITE_WEIGHTS["no_overdue_rate"] * (100 - out["overdue_share"].fillna(0)))
    out["grade"] = [capped_grade(sc, sh) for sc, sh in zip(out["score"], out["overdue_share"], strict=True)]
    out = out[list(KPI_COLUMNS)]
    if by is None:
        return out.reset_index(drop=True) if len(out) else pd.DataFrame([{c: 0 for c in KPI_COLUMNS}])
    return out.rename_axis(by).reset_index().sort_values(by, kind="stable").reset_index(drop=True)


def deadline_lights(issues: pd.DataFrame, policy: KpiPolicy, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open (live, not closed) issues at ``as_of`` with their deadline light and days overdue.

    ``light`` is ``green`` below 80 % of the time limit used, ``yellow`` from 80 % to 100 %, ``red``
    past the deadline. Sorted most overdue first, then oldest report, then id (deterministic).
    """
    open_ = issues[open_at(issues, as_of)]
    deadline = deadlines(open_, policy)
    span = _days(deadline - open_[s.REPORTED_AT])
    used = _days(as_of - open_[s.REPORTED_AT]) / span.where(span > 0)
    light = np.where(used >= RED_AT, "red", np.where(used >= YELLOW_AT, "yellow", "green"))
    light = np.where(span.to_numpy() <= 0, np.where(deadline.to_numpy() < as_of, "red", "yellow"), light)
    out = open_.assign(deadline=deadline, used_share=used, light=light,
                       days_overdue=_days(as_of - deadline).clip(lower=0))
    return out.sort_values(["days_overdue", s.REPORTED_AT, s.ISSUE_ID], ascending=[False, True, True], kind="stable")


def open_count(issues: pd.DataFrame, as_of: pd.Timestamp) -> int:
    """How many issues are open at ``as_of``: ``len(deadline_lights(issues, policy, as_of))`` without the lights.

    The KPI cards need the count only; the lights' deadlines and sort cost most of a second at a million issues.
    """
    return int(open_at(issues, as_of).sum())


def period_bounds(last_day: pd.Timestamp, days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of the ``days`` days ending with the local day ``last_day`` (end = its next midnight)."""
    end = localtime.next_midnight(last_day)
    return localtime.add_days(end, -days), end


def iso_week_bounds(week: str, tz: str = s.DEFAULT_TZ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[Monday, next Monday)`` of an ISO week such as ``2026-W45``, in local time.

    Raises
    ------
    ValueError
        For text that is not ``YYYY-Www`` with a week that exists.
    """
    import datetime as dt

    try:
        year, _, number = week.strip().upper().partition("-W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError as err:
        raise ValueError(f"week must look like 2026-W45, got {week!r}") from err
    start = localtime.localize(pd.Timestamp(monday), tz)
    return start, localtime.add_days(start, 7)


def with_community(issues: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    """``issues`` with the ``community`` of their grid (empty outside every grid), for league tables."""
    # Through Arrow (index_in, take): a Series.map of a million grid ids cost 0.4 s.
    ids = pa.array(grids[s.GRID_ID].astype("string")).cast(pa.large_string())
    names = pa.array(grids[s.COMMUNITY].astype("string"))
    where = pc.index_in(pa.array(issues[s.GRID_ID].astype("string")).cast(pa.large_string()), value_set=ids)
    return issues.assign(**{s.COMMUNITY: pd.Series(pd.array(pc.take(names, where), dtype=pd.StringDtype("pyarrow")),
                                                   index=issues.index)})
