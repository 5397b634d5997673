"""Grid priorities (整治优先级) built on the forecast: where to send inspectors, where the workload is.

``measure_grids`` measures, per management grid at ``as_of`` (reports before it only):

* **expected**: issues expected in the next 4 weeks with a 90 % interval (geo.forecast, grids as
  units, the method the backtest chose), and per km²;
* **past_mean**: the grid's own mean per 4 weeks over the last year, so the forecast can be read as a
  change against the grid's past;
* **overdue** and **open**: open cases past their deadline, and all open cases, at ``as_of``;
* **repeat_places**: places (30 m) with a repeat report in the last 8 weeks;
* **blind_spot** and **public_share**: whether the grid's patrol misses significantly more than the rest of
  the street's over the last year (:mod:`geo.stats.patrol_gap`), and the share others reported;
* **flagged_cells**: the grid's 100 m cells among the forecast's top 5 % of the street's area (the
  cells the priority map outlines; a cell belongs to the grid holding its centre).

``score`` ranks in one of two modes a planner switches between:

``inspect`` (where to send inspectors; the default)
    Expected issues per km², the ranking the backtest measures (docs/forecast.md). Weights on overdue
    cases, repeat places and the rise against the grid's past can be added; each part is scaled to
    0..1 by the largest grid and the score is the weighted mean times 100. With the default weights
    the order is the forecast's.
``workload``
    Expected issues plus open and overdue cases, in cases (each weighted, default 1): where the work
    of the next four weeks will be.

Ranks are deterministic (score, then overdue, then grid id). Each grid's reasons say the expected
count with its interval first, then the facts that tell it apart, with their numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.categories import CategoryTable
from geo.cube.dataset import Dataset
from geo.forecast.backtest import Backtest
from geo.forecast.methods import Method
from geo.forecast.report import choose_method, forecast_units
from geo.forecast.scoring import flagged
from geo.ops.rectification import KpiPolicy, deadline_lights
from geo.ops.recurrence import flag_recurrences
from geo.stats.patrol_gap import patrol_gap

Mode = Literal["inspect", "workload"]
MODES: Final[tuple[Mode, ...]] = ("inspect", "workload")
#: Default weights per mode (docs/forecast.md): ``inspect`` is the forecast alone, as backtested.
DEFAULT_WEIGHTS: Final[dict[Mode, dict[str, float]]] = {
    "inspect": {"forecast": 1.0, "overdue": 0.0, "repeat": 0.0, "rise": 0.0},
    "workload": {"forecast": 1.0, "open": 1.0, "overdue": 1.0},
}
HORIZON_DAYS: Final = 28.0
RECENT_WEEKS: Final = 8
#: The recurrence rule's window (a report within this many days after a close-out repeats it).
RECURRENCE_DAYS: Final = 90.0
#: The share of the street's area the forecast flags (the backtest's decisive share).
FLAGGED_SHARE: Final = 0.05
#: A category needs this many issues before its hotspot classes count (the bulletin's rule).
MIN_CATEGORY_ISSUES: Final = 30
#: A rise or fall against the grid's own past is worded from this ratio on.
NOTABLE_CHANGE: Final = 1.25
TOP_REASONS: Final = 3


def measure_grids(dataset: Dataset, as_of: pd.Timestamp, *, policy: KpiPolicy | None = None,
                  categories: Sequence[str] | None = None, method: Method | Literal["auto"] = "auto",
                  cell_size_m: float | None = None) -> pd.DataFrame:
    """The measurements per grid (see the module notes), one row per grid in grid-id order.

    The first half of :func:`measure_with_cells`, for callers that do not draw the flagged cells.
    """
    return measure_with_cells(dataset, as_of, policy=policy, categories=categories, method=method,
                              cell_size_m=cell_size_m)[0]


#: What the deadline lights and the repeat-place search read from the live issues.
LIVE_COLUMNS = (s.ISSUE_ID, s.CATEGORY, s.REPORTED_AT, s.STATUS, s.CLOSED_AT, s.DEADLINE_AT, s.HANDLING, s.GRID_ID,
                s.SOURCE, s.GEOMETRY)
#: The patrol gap of a priority reason is measured over this many days before ``as_of`` (the past year).
GAP_DAYS: Final = 365


def measure_with_cells(dataset: Dataset, as_of: pd.Timestamp, *, policy: KpiPolicy | None = None,
                       categories: Sequence[str] | None = None, method: Method | Literal["auto"] = "auto",
                       cell_size_m: float | None = None,
                       calibrated: Backtest | None = None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """The measurements per grid, and the forecast's flagged cells they count (rank order).

    Columns: ``grid_id``, ``expected``, ``lower``, ``upper``, ``expected_per_km2``, ``area_km2``,
    ``past_mean``, ``top_category``, ``overdue``, ``open``, ``repeat_places``, ``flagged_cells``.
    Issues are the live, non-suspect ones of ``categories`` (all by default). ``method="auto"``
    (the default) forecasts with the backtest's winner on the history before ``as_of``; the
    dashboard passes the winner it has already measured, and ``calibrated``: the backtest whose
    calibration of that method applies (:mod:`geo.forecast.calibration`).
    """
    policy = policy or KpiPolicy(dataset.categories)
    grids, issues = dataset.grids, dataset.issues
    if method == "auto":  # once, for both unit kinds
        calibrated = choose_method(issues, grids, as_of, categories=categories, horizon_days=HORIZON_DAYS,
                                   cell_size_m=cell_size_m)
        method = calibrated.winner
    by_grid = forecast_units(issues, grids, as_of, units="grids", categories=categories, method=method,
                             horizon_days=HORIZON_DAYS, calibrated=calibrated).table.set_index("unit_id")
    cells = forecast_units(issues, grids, as_of, units="cells", categories=categories, method=method,
                           horizon_days=HORIZON_DAYS, cell_size_m=cell_size_m, calibrated=calibrated)
    ids = [str(g) for g in grids[s.GRID_ID]]
    out = pd.DataFrame(index=pd.Index(ids, name=s.GRID_ID))
    for col in ("expected", "lower", "upper", "expected_per_km2", "area_km2", "past_mean", "top_category"):
        out[col] = by_grid[col].reindex(out.index)
    top = flagged(np.arange(len(cells.table)), cells.table["area_km2"].to_numpy(), FLAGGED_SHARE)
    hot = cells.table.iloc[top]
    hot = hot[hot["expected"] > 0].reset_index(drop=True)
    out["flagged_cells"] = hot[s.GRID_ID].value_counts().reindex(out.index, fill_value=0).astype(int)

    live = (issues[s.STATUS] != "void") & (issues[s.REPORTED_AT] < as_of) & issues[s.GRID_ID].notna()
    if s.SUSPECT_POINT in issues:
        live &= ~issues[s.SUSPECT_POINT].astype(bool)
    if categories:
        live &= issues[s.CATEGORY].isin(list(categories))
    # Only what the lights and the repeat search read: every column of a million rows was 300 MB held
    # for a moment on the first open of 总览 (the process's peak).
    live_issues = issues[[c for c in LIVE_COLUMNS if c in issues.columns]].take(np.flatnonzero(live.to_numpy()))
    lights = deadline_lights(live_issues, policy, as_of)
    grid = lights[s.GRID_ID].astype(str)
    out["overdue"] = grid[lights["light"] == "red"].value_counts().reindex(out.index, fill_value=0).astype(int)
    out["open"] = grid.value_counts().reindex(out.index, fill_value=0).astype(int)
    since = as_of - pd.Timedelta(weeks=RECENT_WEEKS)
    recent = live_issues[live_issues[s.REPORTED_AT] >= since]
    # A place is the first report of a chain of repeats: several repeats there count as one place.
    # A recent report's earlier case was closed at most RECURRENCE_DAYS before it: the search needs the
    # recent reports and the cases closed since then, not a city's years (exact, and 10x less work).
    start = since - pd.Timedelta(days=RECURRENCE_DAYS)
    window = (live_issues[s.REPORTED_AT] >= since) | (live_issues[s.CLOSED_AT] >= start).fillna(False)
    chain = flag_recurrences(live_issues[window.to_numpy(dtype=bool)],
                             window_days=RECURRENCE_DAYS).reindex(recent.index)
    places = pd.DataFrame({"grid": recent[s.GRID_ID].astype(str), "place": chain}).dropna().drop_duplicates()
    out["repeat_places"] = places["grid"].value_counts().reindex(out.index, fill_value=0).astype(int)
    year = live_issues[(live_issues[s.REPORTED_AT] >= as_of - pd.Timedelta(days=GAP_DAYS)).to_numpy(dtype=bool)]
    gap = patrol_gap(year[s.GRID_ID], year[s.SOURCE]).table.reindex(out.index)
    out["blind_spot"] = gap["blind_spot"].fillna(False).astype(bool)
    out["public_share"] = gap["share"]
    out["rest_public_share"] = gap["rest_share"]
    return out.reset_index(), hot


@dataclass(frozen=True)
class Names:
    """Category display names for the sentences."""

    zh: Mapping[str, str]
    en: Mapping[str, str]

    @classmethod
    def of(cls, categories: CategoryTable) -> Names:
        """The Chinese and English names of every category in ``categories``."""
        table = categories.table
        codes = table.index.astype(str)
        return cls(dict(zip(codes, table["name_zh"].astype(str), strict=True)),
                   dict(zip(codes, table["name_en"].astype(str), strict=True)))


def credible_density(expected: pd.Series, area_km2: pd.Series) -> pd.Series:
    """Expected problems per km² that a small grid earns only with the counts to back it.

    A gamma-Poisson (empirical-Bayes) estimate: each grid's density is pooled with the street's
    average density, the average weighted as one typical grid's worth of area (the median grid's):

        credible = (expected + average * median_area) / (area + median_area)

    A grid of typical size lies halfway between its own density and the street's; a tiny grid is
    drawn towards the average in proportion to how little area backs its count, a large grid keeps
    nearly its own. The weight is the standard credibility ``area / (area + median_area)``: no
    threshold is tuned, and the order of grids of equal area is unchanged.

    Examples
    --------
    A 0.07 km² grid with 28 expected problems beside grids with ten and four times as many: its raw
    density (400) was 2.9 times the next; credibly it leads by 1.1 times.

    >>> credible_density(pd.Series([28.0, 280.0, 100.0]), pd.Series([0.07, 2.0, 1.0])).round(1).tolist()
    [150.4, 137.6, 116.4]
    """
    e, a = expected.astype(float), area_km2.astype(float)
    ok = e.notna() & a.gt(0)
    if not ok.any():
        return pd.Series(np.nan, index=expected.index)
    average = float(e[ok].sum() / a[ok].sum())
    prior_area = float(a[ok].median())
    return ((e + average * prior_area) / (a + prior_area)).where(ok)


def _parts(raw: pd.DataFrame, mode: Mode) -> pd.DataFrame:
    if mode == "workload":
        return pd.DataFrame({"forecast": raw["expected"].astype(float), "open": raw["open"].astype(float),
                             "overdue": raw["overdue"].astype(float)}, index=raw.index)

    def by_max(values: pd.Series) -> pd.Series:
        top = float(values.max()) if len(values) else 0.0
        return values.astype(float) / top if top > 0 else values.astype(float) * 0.0

    past = raw["past_mean"].astype(float)
    rise = np.where(past > 0, raw["expected"].astype(float) / past.where(past > 0, 1.0), 1.0)
    return pd.DataFrame({
        # Not the raw density, which let a tiny grid's few reports rank first: see credible_density.
        "forecast": by_max(credible_density(raw["expected"], raw["area_km2"]).fillna(0.0)),
        "overdue": by_max(raw["overdue"]),
        "repeat": by_max(raw["repeat_places"]),
        "rise": np.clip(np.log2(np.maximum(rise, 1.0)), 0, 1),  # a doubling or more counts fully
    }, index=raw.index)


def _phrases(row: pd.Series, names: Names) -> dict[str, tuple[str, str]]:
    cat = str(row.get("top_category") or "")
    cat_zh, cat_en = names.zh.get(cat, cat), names.en.get(cat, cat)
    exp, lo, hi = float(row["expected"]), int(row["lower"]), int(row["upper"])
    past = float(row["past_mean"])
    ratio = exp / past if past > 0 else float("nan")
    # Counts with separators, as the cards write them (超期未结 1,045 件, not 1045).
    out = {
        "forecast": (f"预计4周 {exp:,.0f} 件（{lo:,}–{hi:,}）" + (f"，以{cat_zh}为主" if cat else ""),
                     f"{exp:,.0f} expected in 4 weeks ({lo:,}–{hi:,})" + (f", mostly {cat_en}" if cat else "")),
        "overdue": (f"超期未结 {int(row['overdue']):,} 件", f"{int(row['overdue']):,} overdue open cases"),
        "repeat": (f"反复发生 {int(row['repeat_places']):,} 处", f"repeat reports at {int(row['repeat_places']):,} places"),
        "cells": (f"{int(row['flagged_cells']):,} 个重点方格", f"{int(row['flagged_cells']):,} flagged cells"),
        "open": (f"未结 {int(row['open']):,} 件", f"{int(row['open']):,} open cases"),
    }
    if bool(row.get("blind_spot", False)):
        share, rest = float(row["public_share"]), float(row["rest_public_share"])
        out["patrol_gap"] = (f"巡查盲区：近一年 {share:.0f}% 由他人上报（其余网格 {rest:.0f}%）",
                             f"patrol blind spot: {share:.0f}% reported by others in the past year (rest {rest:.0f}%)")
    if np.isfinite(ratio) and ratio >= NOTABLE_CHANGE:
        out["rise"] = (f"比近一年平均多 {(ratio - 1) * 100:.0f}%", f"{(ratio - 1) * 100:.0f}% above its past year")
    elif np.isfinite(ratio) and ratio <= 1 / NOTABLE_CHANGE:
        out["rise"] = (f"比近一年平均少 {(1 - ratio) * 100:.0f}%", f"{(1 - ratio) * 100:.0f}% below its past year")
    return out


def _reasons(row: pd.Series, names: Names, mode: Mode) -> tuple[str, str]:
    words = _phrases(row, names)
    order = ["forecast", "patrol_gap", "overdue", "rise", "repeat", "cells"] if mode == "inspect" else [
        "forecast", "overdue", "open", "patrol_gap", "rise", "repeat"]
    present = {"patrol_gap": "patrol_gap" in words, "overdue": int(row["overdue"]) > 0,
               "repeat": int(row["repeat_places"]) > 0,
               "cells": int(row["flagged_cells"]) > 0, "open": int(row["open"]) > 0, "rise": "rise" in words,
               "forecast": True}
    keys = [k for k in order if present[k]][:TOP_REASONS]
    return "，".join(words[k][0] for k in keys), ", ".join(words[k][1] for k in keys)


def score(raw: pd.DataFrame, weights: Mapping[str, float] | None = None, *, mode: Mode = "inspect",
          names: Names | None = None) -> pd.DataFrame:
    """Scores, ranks and reasons from :func:`measure_grids`'s measurements.

    Raises
    ------
    ValueError
        For an unknown mode or reason, a negative weight or weights summing to zero.
    """
    if mode not in MODES:
        raise ValueError(f"unknown priority mode {mode!r}; choose one of {', '.join(MODES)}")
    allowed = DEFAULT_WEIGHTS[mode]
    weights = dict(allowed if weights is None else weights)
    unknown = set(weights) - set(allowed)
    if unknown or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError(f"weights must be non-negative over {tuple(allowed)} and not all zero, got {weights}")
    names = names or Names({}, {})
    parts = _parts(raw, mode)
    total = sum(weights.values()) if mode == "inspect" else 1.0
    scale = 100.0 if mode == "inspect" else 1.0
    contrib = pd.DataFrame({k: parts[k] * weights.get(k, 0.0) / total * scale for k in allowed}, index=raw.index)
    out = raw.copy()
    out["credible_per_km2"] = credible_density(raw["expected"], raw["area_km2"])
    out["score"] = contrib.sum(axis=1).round(6)  # rounding keeps float noise from breaking exact ties
    for k in allowed:
        out[f"part_{k}"] = contrib[k]
    out = out.sort_values(["score", "overdue", s.GRID_ID], ascending=[False, False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    words = [_reasons(row, names, mode) for _, row in out.iterrows()]
    out["reasons_zh"] = [w[0] for w in words]
    out["reasons_en"] = [w[1] for w in words]
    return out.reset_index(drop=True)


def pareto(ranked: pd.DataFrame, n: int) -> float:
    """Share (0..1) of open problems held by the top ``n`` grids of a ranked table."""
    total = float(ranked["open"].sum())
    return float(ranked.nsmallest(n, "rank")["open"].sum()) / total if total else 0.0
