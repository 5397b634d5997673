"""A forecast as a table of units with plain reasons: what the command writes and the maps show.

``forecast_units`` resolves the method (``"auto"``: the backtest winner on the history before the
origin), forecasts, ranks (most expected per km² first: the order the default priority acts in)
and words each unit's reasons from facts a cadre can check in the ledger.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.forecast.backtest import MAX_ORIGINS, Backtest, run_backtest
from geo.forecast.events import Events, day_of, local_days
from geo.forecast.methods import METHODS, Method
from geo.forecast.model import UnitForecast, predict, ranking
from geo.forecast.units import UnitKind, Units

#: Weekly origins the automatic method choice scores: the same year as the 预测检验 page, so the
#: page's winner is the method the priority list and the command use.
AUTO_ORIGINS: Final = MAX_ORIGINS
YEAR_DAYS: Final = 364.0


@dataclass(frozen=True)
class Forecasted:
    """A ranked forecast: ``table`` has one row per unit (WGS84 polygons) in rank order."""

    table: gpd.GeoDataFrame
    forecast: UnitForecast
    units: Units
    method: Method
    #: The backtest that chose the method (``None`` when the method was given).
    backtest: Backtest | None


def choose_method(issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, as_of: pd.Timestamp, *,
                  categories: Sequence[str] | None = None, horizon_days: float = 28.0,
                  cell_size_m: float | None = None, max_origins: int = AUTO_ORIGINS) -> Backtest:
    """The backtest on the reports before ``as_of`` only (its winner is the default method)."""
    before = issues[local_days(issues[s.REPORTED_AT]) < _origin(as_of)]
    return run_backtest(before, grids, categories=categories, horizon_days=horizon_days,
                        cell_size_m=cell_size_m, max_origins=max_origins)


def _origin(as_of: pd.Timestamp | str) -> float:
    """The origin day: 00:00 local of ``as_of``'s date."""
    ts = pd.Timestamp(as_of)
    return day_of((ts.tz_localize(None) if ts.tzinfo is not None else ts).normalize())


def _facts(events: Events, origin: float, horizon: float) -> pd.DataFrame:
    """Checkable facts per unit: reports of the last 4 weeks, weeks with a report in the last year,
    and the unit's own mean per horizon over the last year (its past, to compare the forecast with)."""
    recent = events.counts(origin - 28.0, origin)
    lo = int(np.searchsorted(events.day, origin - YEAR_DAYS))
    hi = int(np.searchsorted(events.day, origin))
    unit, week = events.unit[lo:hi], np.floor((origin - events.day[lo:hi]) / 7.0).astype(np.int64)
    weeks = np.bincount(np.unique(unit * 53 + week) // 53, minlength=events.n_units)
    span = min(YEAR_DAYS, max(origin - events.first_day(), 1.0)) if len(events) else YEAR_DAYS
    past = np.bincount(unit, minlength=events.n_units) * horizon / span
    # The weeks the record holds of the last year: "30 of the last 52 weeks" is wrong when only 31 exist.
    on_record = min(52, math.ceil(span / 7.0))
    return pd.DataFrame({"recent_4w": recent.astype(int), "weeks_with_reports": weeks.astype(int), "past_mean": past,
                         "weeks_on_record": np.full(events.n_units, on_record, dtype=int)})


def _words(row: Mapping[Hashable, Any], names: tuple[Mapping[str, str], Mapping[str, str]],
           weeks: int) -> tuple[str, str]:
    expected, lo, hi = float(row["expected"]), int(row["lower"]), int(row["upper"])
    cat = str(row["top_category"])
    zh = [f"预计{weeks}周 {expected:.1f} 件（{lo}–{hi}）"]
    en = [f"expected {expected:.1f} in {weeks} weeks ({lo}–{hi})"]
    if int(row["recent_4w"]):
        zh.append(f"近4周 {int(row['recent_4w'])} 件")
        en.append(f"{int(row['recent_4w'])} in the last 4 weeks")
    if int(row["weeks_with_reports"]):
        n, of = int(row["weeks_with_reports"]), int(row.get("weeks_on_record", 52))
        zh.append(f"近一年 {n} 周有报告" if of >= 52 else f"有记录的 {of} 周中 {n} 周有报告")
        en.append(f"reports in {n} of the last 52 weeks" if of >= 52 else f"reports in {n} of the {of} weeks on record")
    if cat:
        zh.append(f"以{names[0].get(cat, cat)}为主")
        en.append(f"mostly {names[1].get(cat, cat)}")
    return "，".join(zh), ", ".join(en)


def forecast_units(issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, as_of: pd.Timestamp | str, *,
                   horizon_days: float = 28.0, categories: Sequence[str] | None = None,
                   units: UnitKind = "cells", method: Method | Literal["auto"] = "auto",
                   cell_size_m: float | None = None,
                   names: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {}),
                   calibrated: Backtest | None = None) -> Forecasted:
    """Forecast ``[as_of, as_of + horizon)`` per unit from the reports before ``as_of`` only.

    Parameters
    ----------
    as_of
        The origin, a local date (reports at or after its 00:00 are never read).
    units
        ``"cells"`` (squares of ``cell_size_m``, default 100 m) or ``"grids"``.
    method
        ``"auto"`` (the backtest winner at 5 % of area on the history before ``as_of``) or one of
        ``METHODS``.
    names
        Category display names (Chinese, English) for the reasons.
    calibrated
        A backtest whose calibration applies (its winner is ``method``); with ``"auto"`` the backtest run
        here calibrates.

    Returns
    -------
    Forecasted
        ``table`` columns: ``unit_id``, ``grid_id`` (the grid holding the unit's centre), ``rank``,
        ``expected``, ``lower``, ``upper`` (90 %), ``expected_per_km2``, ``area_km2``,
        ``top_category``, ``recent_4w``, ``weeks_with_reports`` (of ``weeks_on_record``: at most 52), ``past_mean``,
        ``reasons_zh``,
        ``reasons_en``, ``geometry``.
    """
    as_of = pd.Timestamp(as_of)
    if method != "auto" and method not in METHODS:
        raise ValueError(f"unknown forecast method {method!r}; choose auto or one of {', '.join(METHODS)}")
    origin = _origin(as_of)
    backtest = None
    if method == "auto":
        before = issues[local_days(issues[s.REPORTED_AT]) < origin]
        backtest = choose_method(before, grids, as_of, categories=categories, horizon_days=horizon_days,
                                 cell_size_m=cell_size_m)
        method = backtest.winner
    where = Units.of_cells(grids, size_m=cell_size_m) if units == "cells" else Units.of_grids(grids)
    events = Events.from_issues(issues, where, categories=tuple(categories) if categories else None, before=origin)
    checked = backtest if backtest is not None else calibrated
    calibration = (checked.calibration_for(events.categories)
                   if checked is not None and checked.winner == method else None)
    result = predict(events, where, origin, horizon_days=horizon_days, method=method, calibration=calibration)
    history = events.counts(-math.inf, origin)
    order = ranking(result, where, tie_break=history)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    top = (np.array(result.categories, dtype=object)[np.argmax(result.by_category, axis=1)]
           if result.by_category.shape[1] else np.full(len(where), "", dtype=object))
    top = np.where(result.expected > 0, top, "")
    table = pd.DataFrame({
        "unit_id": list(where.ids), s.GRID_ID: list(where.grid_of), "rank": rank,
        "expected": np.round(result.expected, 3), "lower": result.lower.astype(int), "upper": result.upper.astype(int),
        "expected_per_km2": np.round(result.expected / where.area_km2, 3), "area_km2": np.round(where.area_km2, 6),
        "top_category": top,
    })
    table = pd.concat([table, _facts(events, origin, horizon_days).round({"past_mean": 3})], axis=1)
    weeks = max(round(horizon_days / 7), 1)
    words = [_words(row, names, weeks) for row in table.to_dict("records")]
    table["reasons_zh"] = [w[0] for w in words]
    table["reasons_en"] = [w[1] for w in words]
    frame = gpd.GeoDataFrame(table, geometry=where.polygons.to_numpy(), crs="EPSG:4326")
    return Forecasted(frame.sort_values("rank").reset_index(drop=True), result, where, method, backtest)
