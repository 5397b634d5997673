"""Rolling-origin backtest: how well each method's flagged area held the next period's problems.

Origins are Mondays 00:00 (local), one week apart, the last one a full horizon before the data
ends; each origin's forecast reads only reports before it and is scored on the horizon after it.
All methods are scored on the same cells, so the comparison is fair; the winner at 5 % of area is
what the priority list uses by default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.forecast.events import Events
from geo.forecast.model import BASELINES, METHODS, FeatureCache, Method, predict, ranking
from geo.forecast.scoring import AREA_SHARES, calibration_bins, capture
from geo.forecast.units import Units

#: A Monday (1970-01-05) in days since 1970-01-01: weekly origins are this plus multiples of 7.
MONDAY: Final = 4.0
MAX_ORIGINS: Final = 52
#: History an origin needs before it (a first month has nothing to learn from).
MIN_HISTORY_DAYS: Final = 56.0
#: The share of area the winner is chosen at (and the sentences speak of).
DECISIVE_SHARE: Final = 0.05

METHOD_NAMES: Final[dict[str, dict[Method, str]]] = {
    "zh": {"learned": "预测模型", "recent": "近 4 周次数", "all_history": "全部历史次数", "kde_recent": "近 4 周热力密度"},
    "en": {"learned": "forecast model", "recent": "last 4 weeks' counts", "all_history": "all-history counts",
           "kde_recent": "density of the last 4 weeks"},
}


def weekly_origins(events: Events, horizon_days: float, *, max_origins: int = MAX_ORIGINS) -> list[float]:
    """The last ``max_origins`` Mondays with ``MIN_HISTORY_DAYS`` before and a full horizon after them,
    the data covering both: every week of the horizon and of the four weeks before holds a report.

    A ledger of separate extracts (LA's four windows of 3-9 days over two years) has no such Monday:
    an origin inside a gap would score a forecast against weeks nobody recorded.
    """
    if len(events) == 0:
        return []
    end = math.floor(events.last_day()) + 1.0  # the day after the last report: the horizon must fit before it
    first = events.first_day() + MIN_HISTORY_DAYS
    last = end - horizon_days
    start = MONDAY + 7.0 * math.ceil((first - MONDAY) / 7.0)
    if start > last:
        return []
    days = np.arange(start, last + 1e-9, 7.0)
    # Weeks (from the first Monday before the data) that hold at least one report.
    base = MONDAY + 7.0 * math.floor((events.first_day() - MONDAY) / 7.0)
    held = np.bincount(((events.day - base) // 7).astype(np.int64)) > 0
    before, after = 4, max(math.ceil(horizon_days / 7.0), 1)

    def covered(origin: float) -> bool:
        w = round((origin - base) / 7.0)
        window = held[max(w - before, 0):w + after]
        return len(window) == before + after and bool(window.all())

    return [float(d) for d in days if covered(float(d))][-max_origins:]


@dataclass(frozen=True)
class Backtest:
    """The scores of every method at every origin, and their summary.

    Attributes
    ----------
    scores
        One row per origin, method and share: ``origin`` (Timestamp), ``method``, ``share``,
        ``hit_rate``, ``pai``, ``pei_star``, ``observed`` (the period's problems).
    summary
        Per method and share: the means of ``hit_rate``, ``pai``, ``pei_star`` over origins with problems.
    calibration
        Per method and decile: summed ``expected`` and ``observed`` over the origins.
    winner
        The method with the highest mean PAI at ``DECISIVE_SHARE`` (the earlier in ``METHODS`` on a tie).
    """

    scores: pd.DataFrame
    summary: pd.DataFrame
    calibration: pd.DataFrame
    winner: Method
    horizon_days: float
    categories: tuple[str, ...]
    cell_size_m: float | None
    n_units: int

    @property
    def n_origins(self) -> int:
        """Origins scored."""
        return int(self.scores["origin"].nunique()) if len(self.scores) else 0

    def mean(self, method: Method, share: float = DECISIVE_SHARE, measure: str = "pai") -> float:
        """One summary figure (NaN when absent)."""
        row = self.summary[(self.summary["method"] == method) & np.isclose(self.summary["share"], share)]
        return float(row[measure].iloc[0]) if len(row) else float("nan")

    def best_baseline(self, share: float = DECISIVE_SHARE) -> Method:
        """The naive baseline with the highest mean PAI at ``share``."""
        baselines = [m for m in BASELINES if m in set(self.summary["method"])]
        return max(baselines, key=lambda m: (np.nan_to_num(self.mean(m, share), nan=-1.0), -METHODS.index(m)))

    def sentence(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The result in plain words, in ``lang``."""
        names = METHOD_NAMES[lang]
        if self.n_origins == 0 or not math.isfinite(self.mean(self.winner)):
            return ("历史太短或有中断，还无法检验预测：需要连续至少 8 周有记录，再加一个预测期。" if lang == "zh" else
                    "The history is too short or has gaps to test a forecast: it needs 8 weeks of reports in a row and "
                    "one forecast period more.")
        pct, weeks = round(DECISIVE_SHARE * 100), round(self.horizon_days / 7)
        hit, pai = self.mean(self.winner, measure="hit_rate"), self.mean(self.winner)
        base = self.best_baseline()
        base_pai, learned = self.mean(base), self.mean("learned")
        other = base_pai if self.winner == "learned" else learned
        digits = 2 if round(other, 1) == round(pai, 1) else 1  # "4.1 against 4.1" would read as a tie
        if lang == "zh":
            span = f"随后 {weeks} 周" if weeks > 1 else "下周"
            text = (f"过去 {self.n_origins} 周，按「{names[self.winner]}」标出的 {pct}% 区域平均容纳了{span} "
                    f"{hit:.0%} 的问题，是随机的 {pai:.{digits}f} 倍")
            if self.winner == "learned":
                return text + f"；最好的简单办法「{names[base]}」为 {base_pai:.{digits}f} 倍。"
            return text + f"；预测模型为 {learned:.{digits}f} 倍，这里简单办法更好，优先级默认采用它。"
        span = f"the next {weeks} weeks" if weeks > 1 else "the next week"
        text = (f"Over the last {self.n_origins} weeks, the {pct}% of the area flagged by the {names[self.winner]} "
                f"held {hit:.0%} of the problems of {span} on average, {pai:.{digits}f} times what random targeting gets")
        if self.winner == "learned":
            return text + f"; the best simple method ({names[base]}) reached {base_pai:.{digits}f} times."
        return (text + f"; the forecast model reached {learned:.{digits}f} times, so the simple method is better "
                "here and the priority list uses it by default.")


class Cancelled(Exception):
    """A backtest stopped by its ``cancel`` callback before it finished."""


def run_backtest(issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, *, categories: Sequence[str] | None = None,
                 horizon_days: float = 28.0, shares: Sequence[float] = AREA_SHARES,
                 cell_size_m: float | None = None, max_origins: int = MAX_ORIGINS,
                 methods: Sequence[Method] = METHODS, cancel: Callable[[], bool] | None = None) -> Backtest:
    """Score every method at weekly origins on fine cells (see the module notes).

    ``cancel`` is asked before each origin; when it answers true the run stops with :class:`Cancelled`
    (a worker whose store has moved on to a newer generation).

    >>> from geo.sample import load_dataset
    >>> d = load_dataset()
    >>> bt = run_backtest(d.issues, d.grids, max_origins=4)
    >>> bt.n_origins, bt.winner in METHODS
    (4, True)
    """
    chosen = tuple(categories) if categories else None
    # A ledger too short or too gappy to score (LA's extracts, a new street) is told so at once: the
    # 100 m lattice of a city takes seconds to build, and the grids answer the same question.
    on_grids = Events.from_issues(issues, Units.of_grids(grids), categories=chosen)
    if not weekly_origins(on_grids, horizon_days, max_origins=max_origins):
        empty = pd.DataFrame(columns=["origin", "method", "share", "observed", "hit_rate", "pai", "pei_star",
                                      "area_share"])
        summary = pd.DataFrame(columns=["method", "share", "hit_rate", "pai", "pei_star", "area_share", "origins"])
        calibration = pd.DataFrame(columns=["method", "decile", "expected", "observed", "units"])
        return Backtest(empty, summary, calibration, "learned" if "learned" in methods else methods[0],
                        float(horizon_days), on_grids.categories, cell_size_m, 0)
    units = Units.of_cells(grids, size_m=cell_size_m)
    events = Events.from_issues(issues, units, categories=chosen)
    cache = FeatureCache(events, units)
    rows: list[dict[str, object]] = []
    calib: list[pd.DataFrame] = []
    for origin in weekly_origins(events, horizon_days, max_origins=max_origins):
        if cancel is not None and cancel():
            raise Cancelled("the backtest was cancelled")
        observed = events.counts(origin, origin + horizon_days)
        history = events.counts(-math.inf, origin)
        when = pd.Timestamp("1970-01-01") + pd.Timedelta(days=origin)
        for method in methods:
            forecast = predict(events, units, origin, horizon_days=horizon_days, method=method, cache=cache,
                                intervals=False)
            order = ranking(forecast, units, tie_break=history)
            for share in shares:
                rows.append({"origin": when, "method": method, "share": float(share), "observed": float(observed.sum()),
                             **capture(order, observed, units.area_km2, share)})
            calib.append(calibration_bins(forecast.expected, observed).assign(method=method))
    scores = pd.DataFrame(rows, columns=["origin", "method", "share", "observed", "hit_rate", "pai", "pei_star",
                                         "area_share"])
    valid = scores[scores["observed"] > 0]
    summary = (valid.groupby(["method", "share"], sort=False)[["hit_rate", "pai", "pei_star", "area_share"]]
               .mean().reset_index())
    summary["origins"] = valid.groupby(["method", "share"], sort=False).size().to_numpy() if len(valid) else []
    calibration = (pd.concat(calib).groupby(["method", "decile"], sort=False)[["expected", "observed", "units"]]
                   .sum().reset_index() if calib else
                   pd.DataFrame(columns=["method", "decile", "expected", "observed", "units"]))
    decisive = summary[np.isclose(summary["share"], DECISIVE_SHARE)] if len(summary) else summary
    if len(decisive):
        best = max(methods, key=lambda m: (float(decisive.loc[decisive["method"] == m, "pai"].fillna(-1).max()),
                                           -METHODS.index(m)))
    else:
        best = "learned" if "learned" in methods else methods[0]
    return Backtest(scores, summary, calibration, best, float(horizon_days), events.categories,
                    units.cell_size_m, len(units))
