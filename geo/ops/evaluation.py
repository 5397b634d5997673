"""The evaluation a street office is judged by: 区域 (grid, community, street), 部门 and 岗位 (inspectors).

For a period ``[start, end)`` evaluated at ``end`` each unit gets the indicators of its subject
(:data:`geo.ops.profiles.SHOWN`), a 0-100 score per indicator, the profile's composite and grade, and an
on-target index. The definitions of 结案率, 按期结案率, 返工率 and 超期 are the KPIs' own
(:func:`geo.ops.rectification.kpi_table`), so 整改 and 考核评价 cannot disagree; what this module adds:

* **source shares**: 监督举报率 and 主动发现率 among the period's live cases whose source is known;
* **处置率**: due cases closed or rectified (awaiting the close-out check);
* **inspectors** (the ledger's 上报人): 上报数, 有效上报率 (not void, not a likely duplicate), and 漏报:
  the cases of the inspector's grids that supervision, the hotline or the public reported. An inspector's
  grids are the grids whose 网格员 list names them (each cadre answers for the whole grid); a reporter no
  grid names answers for the grids of their own patrol finds, in the share of the grid's patrol finds
  that are theirs (so a roaming inspector's one report elsewhere does not hand them that grid's misses);
* **scores**: a rate scores itself where higher is better, 100 minus itself where lower is; a count is
  held against the median of the units evaluated beside it (立案数 per km² for areas, so a large grid is
  not punished for its size): 100 × min(1, median / own) where lower is better;
* **composite**: the profile's weights over its indicators. An indicator no problem ledger gives (the
  workflow's verification times, :data:`geo.ops.profiles.WORKFLOW_FACTS`) is left out and the other weights
  scaled up (named in :func:`geo.ops.profiles.formula`); one this ledger lacks (no status, close times,
  sources, reporters) means no composite and no grade for anyone, as on 整改; a unit missing a weighted
  indicator (nothing due) gets none either;
* **index** (CityScore): each weighted indicator against its target (target / value where lower is
  better), capped at 1.25, weighted; ≥ 1 on target, ≥ 0.9 near, else below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from geo import localtime
from geo import schema as s
from geo.crs import metric_crs_for
from geo.ops.profiles import INDICATORS, SHOWN, WORKFLOW_FACTS, Profile, Subject
from geo.ops.rectification import KpiPolicy, capped_grade, case_table, grade, kpi_table, unsaid, with_community
from geo.text import stripped_text

Level = Literal["grid", "community", "street", "all", "department", "inspector"]
PeriodKind = Literal["week", "month", "quarter"]
PERIOD_KINDS: Final[tuple[PeriodKind, ...]] = ("week", "month", "quarter")
#: The unit column of each level.
LEVEL_KEYS: Final[dict[str, str]] = {"grid": s.GRID_ID, "community": s.COMMUNITY, "street": s.STREET,
                                     "department": s.DEPARTMENT, "inspector": s.REPORTER}
#: The index is capped here, so one excellent indicator cannot hide another below target.
INDEX_CAP: Final = 1.25
#: Index bands: on target at 1, near within a tenth of it.
INDEX_ON: Final = 1.0
INDEX_NEAR: Final = 0.9
#: What separates the names in a grid's 网格员 list.
_NAME_SEP: Final = re.compile(r"[、,，;；/|\s]+")


def period_of(kind: PeriodKind, day: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of the local calendar week (ISO, Monday), month or quarter holding ``day``.

    Examples
    --------
    >>> period_of("month", pd.Timestamp("2021-10-31 23:30", tz="Europe/Madrid"))
    (Timestamp('2021-10-01 00:00:00+0200', tz='Europe/Madrid'), Timestamp('2021-11-01 00:00:00+0100', tz='Europe/Madrid'))
    >>> [t.date().isoformat() for t in period_of("quarter", pd.Timestamp("2026-05-20", tz="Asia/Shanghai"))]
    ['2026-04-01', '2026-07-01']
    """
    tz = day.tz
    date = day.tz_localize(None).date() if day.tzinfo is not None else day.date()
    if kind == "week":
        first = pd.Timestamp(date) - pd.Timedelta(days=date.weekday())
        start = localtime.localize(first, tz) if tz is not None else first
        return start, localtime.add_days(start, 7)
    months = 1 if kind == "month" else 3
    month0 = (date.month - 1) // months * months + 1
    first = pd.Timestamp(year=date.year, month=month0, day=1)
    after = first + pd.DateOffset(months=months)
    if tz is None:
        return first, after
    return localtime.localize(first, tz), localtime.localize(pd.Timestamp(after), tz)


def previous_period(kind: PeriodKind, start: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period of the same kind just before the one starting at ``start``."""
    return period_of(kind, localtime.add_days(start, -1))


def periods(kind: PeriodKind, first: pd.Timestamp, last: pd.Timestamp,
            limit: int = 60) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The periods of ``kind`` from the one holding ``last`` back to the one holding ``first``, newest first."""
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    start, end = period_of(kind, last)
    while end > first and len(out) < limit:
        out.append((start, end))
        start, end = previous_period(kind, start)
    return out


@dataclass(frozen=True)
class Evaluation:
    """One subject's evaluation table for one period under one profile.

    Attributes
    ----------
    table
        Indexed by unit (named by the level's column): the indicators of :data:`SHOWN`, ``score_<key>``
        for each weighted one, ``composite``, ``grade``, ``index`` and ``light`` (on / near / below).
    dropped
        Weighted indicators no problem ledger gives (workflow facts), left out of the composite.
    unsaid
        Weighted indicators this ledger cannot give (no status, close times, sources or reporters): then no
        unit has a composite, a grade or an index, as on 整改.
    unassigned
        Live cases of the period in no unit (outside every grid, no department, no reporter).
    """

    subject: Subject
    level: str
    profile: Profile
    start: pd.Timestamp
    end: pd.Timestamp
    table: pd.DataFrame
    dropped: frozenset[str]
    unassigned: int
    unsaid: frozenset[str] = frozenset()
    #: What the ledger never gives (:func:`missing_facts`): an indicator needing one is shown as not given.
    missing: frozenset[str] = frozenset()

    def given(self, key: str) -> bool:
        """Whether the ledger gives what indicator ``key`` needs (else its cells read 「无此信息」, never 0 %)."""
        return not (INDICATORS[key].needs & self.missing)


def missing_facts(issues: pd.DataFrame) -> frozenset[str]:
    """What the ledger never gives: :func:`geo.ops.rectification.unsaid` plus ``source`` (no known
    source), ``reporter`` (no reporter) and ``verify_times`` (a ledger has no verification times)."""
    out = set(unsaid(issues)) | {"verify_times"}
    if not issues[s.SOURCE].notna().any():
        out.add("source")
    if s.REPORTER not in issues or not issues[s.REPORTER].notna().any():
        out.add("reporter")
    return frozenset(out)


def with_grid_field(issues: pd.DataFrame, grids: pd.DataFrame, field: str) -> pd.DataFrame:
    """``issues`` with a column of their grid (``community`` or ``street``), empty outside every grid."""
    if field == s.COMMUNITY:
        return with_community(issues, grids)
    names = grids.set_index(s.GRID_ID)[field].astype("string")
    return issues.assign(**{field: issues[s.GRID_ID].astype("string").map(names).astype("string")})


def unit_areas(grids: pd.DataFrame, level: str) -> pd.Series:
    """km² per unit of an area level (grid, community, street; ``all`` is one unit keyed "")."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(grids, geometry=s.GEOMETRY, crs=s.STORAGE_CRS)
    km2 = frame.to_crs(metric_crs_for(frame)).area.to_numpy() / 1e6
    keys = (pd.Series("", index=grids.index) if level == "all" else grids[LEVEL_KEYS[level]].astype("string"))
    return pd.Series(km2, index=grids.index).groupby(keys.to_numpy()).sum()


def _source_counts(issues: pd.DataFrame, keys: pd.Series, in_period: pd.Series) -> pd.DataFrame:
    live = in_period & (issues[s.STATUS] != "void").to_numpy(dtype=bool, na_value=True)
    src = issues[s.SOURCE].astype("string")
    frame = pd.DataFrame({
        "found": src.isin(sorted(s.FOUND_SOURCES)).to_numpy(dtype=bool, na_value=False),
        "outside": src.isin(sorted(s.REPORTED_SOURCES)).to_numpy(dtype=bool, na_value=False),
    }, index=issues.index)[live]
    return frame.groupby(keys[live].to_numpy()).sum().astype(int)


def _disposed(issues: pd.DataFrame, cases: pd.DataFrame, keys: pd.Series, start: pd.Timestamp,
              end: pd.Timestamp) -> pd.Series:
    """Per unit: the period's due cases that are closed or rectified (处置)."""
    in_period = (cases["reported_at"] >= start) & (cases["reported_at"] < end) & cases["due"]
    rectified = (issues.loc[cases.index, s.STATUS] == "rectified").to_numpy(dtype=bool, na_value=False)
    done = (cases["closed"].to_numpy(dtype=bool) | rectified) & in_period.to_numpy(dtype=bool)
    return pd.Series(done, index=cases.index).groupby(keys.loc[cases.index].to_numpy()).sum()


def _cadre_pairs(grids: pd.DataFrame) -> pd.DataFrame:
    """``(reporter, grid_id)`` for every name in a grid's 网格员 list."""
    rows = []
    for grid_id, names in zip(grids[s.GRID_ID].astype(str), grids[s.CADRES].astype("string").fillna(""), strict=True):
        rows += [(name, grid_id) for name in _NAME_SEP.split(str(names)) if name]
    return pd.DataFrame(rows, columns=[s.REPORTER, s.GRID_ID])


def _inspectors(issues: pd.DataFrame, grids: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """上报数, 有效上报率, 漏报 and 漏报率 per reporter (see the module's docstring)."""
    reporter = stripped_text(issues[s.REPORTER])
    when = issues[s.REPORTED_AT]
    in_period = ((when >= start) & (when < end)).to_numpy(dtype=bool, na_value=False)
    mine = in_period & reporter.notna().to_numpy()
    void = (issues[s.STATUS] == "void").to_numpy(dtype=bool, na_value=False)
    dup = (issues[s.LIKELY_DUPLICATE_OF].notna().to_numpy() if s.LIKELY_DUPLICATE_OF in issues
           else np.zeros(len(issues), bool))
    by = reporter[mine].to_numpy()
    cadres = _cadre_pairs(grids).assign(weight=1.0)
    # Every reporter of the period and every listed cadre: a cadre who reported nothing is the first to ask about.
    names = sorted(set(by) | set(cadres[s.REPORTER]))
    out = pd.DataFrame({"reports": pd.Series(1, index=range(int(mine.sum()))).groupby(by).sum(),
                        "valid": pd.Series(~(void | dup)[mine]).groupby(by).sum()}).reindex(names).fillna(0).astype(int)
    # Each grid's live cases of the period with a known source, and those reported from outside.
    live = in_period & ~void & issues[s.GRID_ID].notna().to_numpy()
    src = issues[s.SOURCE].astype("string")
    known = src.notna().to_numpy() & live
    outside = src.isin(sorted(s.REPORTED_SOURCES)).to_numpy(dtype=bool, na_value=False) & live
    grid = issues[s.GRID_ID].astype("string")
    per_grid = pd.DataFrame({"known": known, "outside": outside}).groupby(grid.to_numpy()).sum()
    # Who answers for which grid: the 网格员 lists, else the reporter's share of the grid's patrol finds.
    listed = set(cadres[s.REPORTER])
    patrol = mine & (src == "patrol").to_numpy(dtype=bool, na_value=False) & issues[s.GRID_ID].notna().to_numpy()
    finds = pd.DataFrame({s.REPORTER: reporter[patrol].to_numpy(), s.GRID_ID: grid[patrol].to_numpy()})
    counts = finds.groupby([s.REPORTER, s.GRID_ID]).size().rename("n").reset_index()
    counts["weight"] = counts["n"] / counts.groupby(s.GRID_ID)["n"].transform("sum")
    roaming = counts[~counts[s.REPORTER].isin(listed)][[s.REPORTER, s.GRID_ID, "weight"]]
    pairs = pd.concat([cadres[cadres[s.REPORTER].isin(out.index)], roaming], ignore_index=True)
    pairs = pairs.join(per_grid, on=s.GRID_ID).fillna({"known": 0, "outside": 0})
    shared = (pairs[["known", "outside"]].mul(pairs["weight"], axis=0)).groupby(pairs[s.REPORTER]).sum()
    out["missed"] = shared["outside"].reindex(out.index)
    base = shared["known"].reindex(out.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["valid_report_rate"] = out["valid"] / out["reports"].where(out["reports"] > 0) * 100
        out["missed_rate"] = out["missed"] / base.where(base > 0) * 100
    return out.rename_axis(s.REPORTER)


def _area_or_department(issues: pd.DataFrame, grids: pd.DataFrame, policy: KpiPolicy, level: str,
                        start: pd.Timestamp, end: pd.Timestamp, reopened: set[str]) -> tuple[pd.DataFrame, int]:
    key = LEVEL_KEYS.get(level, "_unit")
    if level == "all":
        frame = issues.assign(_unit="")
    elif level in (s.COMMUNITY, s.STREET):
        frame = with_grid_field(issues, grids, key)
    else:
        frame = issues
    cases = case_table(frame, policy, end, reopened)
    kpis = kpi_table(frame, policy, start=start, end=end, by=key, cases=cases).set_index(key)
    keys = frame[key].astype("string").fillna("")
    when = frame[s.REPORTED_AT]
    in_period = ((when >= start) & (when < end)).to_numpy(dtype=bool, na_value=False)
    sources = _source_counts(frame, keys, pd.Series(in_period, index=frame.index)).reindex(kpis.index, fill_value=0)
    known = (sources["found"] + sources["outside"]).where(lambda n: n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        kpis["public_share"] = sources["outside"] / known * 100
        kpis["found_share"] = sources["found"] / known * 100
        disposed = _disposed(frame, cases, keys, start, end).reindex(kpis.index, fill_value=0)
        kpis["dispose_rate"] = disposed / kpis["due"].where(kpis["due"] > 0) * 100
    kpis["on_time_dispose_rate"] = kpis["on_time_rate"]
    unassigned = int(kpis["reported"][""]) if "" in kpis.index and level != "all" else 0
    if level != "all":
        kpis = kpis.drop(index="", errors="ignore")
    return kpis.rename_axis(key if level != "all" else None), unassigned


def _score(values: pd.Series, key: str, exposure: pd.Series | None) -> pd.Series:
    """An indicator as a 0-100 score (see the module's docstring)."""
    ind = INDICATORS[key]
    if key == "overdue_share":
        values = values.fillna(0.0)  # nothing due and no backlog: nothing overdue (as 整改 scores it)
    if ind.kind == "rate":
        return values if ind.better == "higher" else 100 - values
    return 100 * _peer_ratio(values, key, exposure).clip(upper=1.0)


def _peer_ratio(values: pd.Series, key: str, exposure: pd.Series | None) -> pd.Series:
    """A count against the median of its peers (per km² with ``exposure``): median / own where lower is
    better, own / median where higher is, uncapped."""
    own = values / exposure.reindex(values.index) if exposure is not None else values.astype(float)
    median = float(np.nanmedian(own)) if own.notna().any() else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        if INDICATORS[key].better == "lower":
            return pd.Series(np.where(own > 0, median / own, np.inf), index=values.index)
        return pd.Series(np.where(median > 0, own / median, np.inf), index=values.index)


def _ratio(values: pd.Series, key: str, profile: Profile, exposure: pd.Series | None) -> pd.Series:
    """An indicator against its target (the peers' median for a count), capped at :data:`INDEX_CAP`."""
    ind = INDICATORS[key]
    if key == "overdue_share":
        values = values.fillna(0.0)
    if ind.kind == "count":
        return _peer_ratio(values, key, exposure).clip(lower=0, upper=INDEX_CAP)
    target = profile.target(key)
    with np.errstate(invalid="ignore", divide="ignore"):
        if ind.better == "higher":
            raw = values / target if target > 0 else pd.Series(INDEX_CAP, index=values.index).where(values.notna())
        else:
            raw = pd.Series(np.where(values > 0, target / values, INDEX_CAP), index=values.index).where(values.notna())
    return raw.clip(lower=0, upper=INDEX_CAP)


def light(index: float) -> str:
    """``on`` (≥ 1), ``near`` (≥ 0.9), ``below``, or "" for no index."""
    if not np.isfinite(index):
        return ""
    return "on" if index >= INDEX_ON else "near" if index >= INDEX_NEAR else "below"


def evaluate(issues: pd.DataFrame, grids: pd.DataFrame, policy: KpiPolicy, profile: Profile, subject: Subject, *,
             level: str, start: pd.Timestamp, end: pd.Timestamp, reopened: set[str] | None = None) -> Evaluation:
    """The evaluation table of ``subject`` at ``level`` for ``[start, end)`` under ``profile``.

    Parameters
    ----------
    level
        ``grid``, ``community``, ``street`` or ``all`` for areas; ``department``; ``inspector``.
    """
    reopened = reopened or set()
    missing = missing_facts(issues)
    weights = profile.weights[subject]
    absent = frozenset(k for k in weights if INDICATORS[k].needs & missing)
    dropped = frozenset(k for k in absent if INDICATORS[k].needs <= WORKFLOW_FACTS)
    unsaid_weighted = absent - dropped
    exposure = None
    if subject == "inspector":
        table = _inspectors(issues, grids, start, end) if "reporter" not in missing else pd.DataFrame(
            columns=["reports", "valid", "missed", "valid_report_rate", "missed_rate"]).rename_axis(s.REPORTER)
        unassigned = 0
    else:
        table, unassigned = _area_or_department(issues, grids, policy, level, start, end, reopened)
        if subject == "area":
            exposure = unit_areas(grids, level).reindex(table.index)
    for key in SHOWN[subject]:
        if key not in table:
            table[key] = np.nan
    used = [k for k in weights if k not in dropped]
    total = sum(weights[k] for k in used)
    if total <= 0 or unsaid_weighted:  # nothing to grade by, or a term the ledger lacks: no grade (as 整改)
        used = []
    composite = pd.Series(0.0, index=table.index)
    index = pd.Series(0.0, index=table.index)
    for key in used:
        if key not in table:
            table[key] = np.nan
        table[f"score_{key}"] = _score(table[key], key, exposure if key == "reported" else None)
        composite = composite + weights[key] / total * table[f"score_{key}"]
        index = index + weights[key] / total * _ratio(table[key], key, profile,
                                                     exposure if key == "reported" else None)
    if not used:
        composite[:] = np.nan
        index[:] = np.nan
    table["composite"] = composite
    if profile.caps and "overdue_share" in table:
        table["grade"] = [capped_grade(c, sh) for c, sh in zip(composite, table["overdue_share"], strict=True)]
    else:
        table["grade"] = [grade(c) for c in composite]
    table["index"] = index
    table["light"] = [light(v) for v in index]
    return Evaluation(subject=subject, level=level, profile=profile, start=start, end=end, table=table,
                      dropped=dropped, unassigned=unassigned, unsaid=unsaid_weighted, missing=missing)


def with_change(now: Evaluation, before: Evaluation) -> pd.DataFrame:
    """``now``'s table with the previous period's composite, grade and index, and the change of each."""
    prior = before.table[["composite", "grade", "index"]].add_suffix("_before")
    out = now.table.join(prior, how="left")
    out["composite_change"] = out["composite"] - out["composite_before"]
    out["index_change"] = out["index"] - out["index_before"]
    return out


def league(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order a leader reads them: by grade (A first, ungraded last), then composite."""
    letter = table["grade"].replace("", "Z").fillna("Z")
    return (table.assign(_g=letter.to_numpy()).sort_values(["_g", "composite"], ascending=[True, False],
                                                            na_position="last", kind="stable").drop(columns="_g"))
