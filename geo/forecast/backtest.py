"""Rolling-origin backtest: how well each method's flagged area held the next period's problems.

Origins are Mondays 00:00 (local), one week apart, the last one a full horizon before the data
ends; each origin's forecast reads only reports before it and is scored on the horizon after it.
All methods are scored on the same cells, so the comparison is fair; the winner at 5 % of area is
what the priority list uses by default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from geo.forecast.calibration import (
    CALIBRATION_ORIGINS,
    TARGET_COVERAGE,
    Calibration,
    Outcome,
    fit,
    known_before,
    nested_choice,
)
from geo.forecast.events import Events
from geo.forecast.methods import BASELINES, METHODS, Method
from geo.forecast.model import FeatureCache, predict, ranking
from geo.forecast.scoring import AREA_SHARES, calibration_bins, capture, densest_first
from geo.forecast.units import Units

#: A Monday (1970-01-05) in days since 1970-01-01: weekly origins are this plus multiples of 7.
MONDAY: Final = 4.0
MAX_ORIGINS: Final = 52
#: History an origin needs before it (a first month has nothing to learn from).
MIN_HISTORY_DAYS: Final = 56.0
#: The share of area the winner is chosen at (and the sentences speak of).
DECISIVE_SHARE: Final = 0.05
#: A lead over the naive methods is stated only when a sign test over the origins gives p below this.
SIGNIFICANCE: Final = 0.05
SCORE_COLUMNS: Final = ["origin", "method", "share", "observed", "hit_rate", "pai", "pei_star", "area_share"]
RANGE_COLUMNS: Final = ["origin", "chosen", "coverage", "reported_units", "expected", "observed", "ratio", "tail"]
#: What the nested choice's rows are called in ``scores`` and ``summary``.
NESTED: Final = "nested"

METHOD_NAMES: Final[dict[str, dict[Method, str]]] = {
    "zh": {"learned": "预测模型", "recent": "近 4 周次数", "all_history": "全部历史次数", "kde_recent": "近 4 周热力密度",
           "decayed_30": "加权历史（30 天）", "decayed_60": "加权历史（60 天）", "decayed_120": "加权历史（120 天）"},
    "en": {"learned": "forecast model", "recent": "last 4 weeks' counts", "all_history": "all-history counts",
           "kde_recent": "density of the last 4 weeks", "decayed_30": "decayed history (30 d)",
           "decayed_60": "decayed history (60 d)", "decayed_120": "decayed history (120 d)"},
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
    #: Per nested origin: how the range calibrated before it held (:data:`RANGE_COLUMNS`).
    ranges: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RANGE_COLUMNS))
    #: The live forecast's calibration per category (``category``, ``level``, ``alpha``) ...
    params: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["category", "level", "alpha"]))
    #: ... its interval's tail, and the origins it was fitted on.
    tail: float = 0.05
    calibration_origins: int = 0

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

    def calibration_for(self, categories: Sequence[str]) -> Calibration | None:
        """The live calibration (of :attr:`winner`) in the order of ``categories``; ``None`` when nothing was
        calibrated (a category it did not see keeps its raw level)."""
        if not self.calibration_origins or not len(self.params):
            return None
        params = self.params.set_index("category")
        level = params["level"].reindex(list(categories)).fillna(1.0).to_numpy(dtype=float)
        alpha = params["alpha"].reindex(list(categories)).fillna(0.0).to_numpy(dtype=float)
        return Calibration(level, alpha, float(self.tail), int(self.calibration_origins))

    def median(self, method: str, share: float = DECISIVE_SHARE, measure: str = "pai_median") -> float:
        """A median (or quartile: ``pai_q25``, ``pai_q75``) over the origins (NaN when absent)."""
        return self.mean(method, share, measure)  # type: ignore[arg-type]

    def lead(self, share: float = DECISIVE_SHARE) -> Lead | None:
        """The nested choice against the best naive method at ``share``, origin by origin (``None`` when
        there is no nested choice)."""
        at = self.scores[np.isclose(self.scores["share"], share) & (self.scores["observed"] > 0)]
        pai = at.pivot_table(index="origin", columns="method", values="pai")
        if NESTED not in pai or not pai[NESTED].notna().any():
            return None
        baselines = [m for m in BASELINES if m in pai]

        def median(method: str) -> float:  # -1 for a method with no score, so it is never the best
            scores = pai[method].dropna().to_numpy(dtype=float)
            return float(np.median(scores)) if len(scores) else -1.0

        best = max(baselines, key=lambda m: (median(m), -METHODS.index(m)))
        both = pai[[NESTED, best]].dropna()
        ratio = (both[NESTED] / both[best]).replace([np.inf, -np.inf], np.nan).dropna()
        wins, losses = int((ratio > 1).sum()), int((ratio < 1).sum())
        p = float(stats.binomtest(wins, wins + losses, 0.5).pvalue) if wins + losses else 1.0
        return Lead(best, float(ratio.median()) if len(ratio) else float("nan"), wins, losses, p)

    def sentence(self, lang: Literal["zh", "en"] = "zh") -> str:
        """The result in plain words, in ``lang``: the nested choice's median with its quartiles, and a lead
        over the best naive method only where a sign test over the origins supports it (p < 0.05)."""
        names = {str(k): v for k, v in METHOD_NAMES[lang].items()}
        lead = self.lead()
        if self.n_origins == 0:
            return ("历史太短或有中断，还无法检验预测：需要连续至少 8 周有记录，再加一个预测期。" if lang == "zh" else
                    "The history is too short or has gaps to test a forecast: it needs 8 weeks of reports in a row and "
                    "one forecast period more.")
        if lead is None or not math.isfinite(self.median(NESTED)):
            return (f"过去 {self.n_origins} 周的检验还太少：要事先选出方法，需要此前至少 4 个已知结果的预测期。"
                    "各方法的成绩见下表。" if lang == "zh" else
                    f"Over the last {self.n_origins} weeks there are too few checks to choose a method in advance: that "
                    "needs four earlier forecast periods with known outcomes. Each method's scores are in the table.")
        pct, weeks = round(DECISIVE_SHARE * 100), round(self.horizon_days / 7)
        n = int(self.median(NESTED, measure="origins"))
        hit, pai = self.median(NESTED, measure="hit_median"), self.median(NESTED)
        q25, q75 = self.median(NESTED, measure="pai_q25"), self.median(NESTED, measure="pai_q75")
        base, base_pai = lead.baseline, self.median(lead.baseline)
        supported = lead.p < SIGNIFICANCE and lead.ratio > 1
        if lang == "zh":
            span = f"随后 {weeks} 周" if weeks > 1 else "下周"
            text = (f"过去 {n} 周，每周用当时已知结果最好的方法（现为「{names[self.winner]}」）标出 {pct}% 的区域，"
                    f"中位容纳了{span} {hit:.0%} 的问题，是随机的 {pai:.1f} 倍（一半的周在 {q25:.1f}–{q75:.1f} 倍之间）")
            if lead.wins == lead.losses == 0:
                return text + f"；每周都与最好的简单办法「{names[base]}」成绩相同。"
            if supported:
                return text + (f"；比最好的简单办法「{names[base]}」（{base_pai:.1f} 倍）中位高 {lead.ratio - 1:.0%}，"
                               f"{lead.wins} 周更好、{lead.losses} 周更差（符号检验 p = {lead.p:.3f}）。")
            return text + (f"；与最好的简单办法「{names[base]}」（{base_pai:.1f} 倍）相比没有可靠的差别"
                           f"（{lead.wins} 周更好、{lead.losses} 周更差）。")
        span = f"the next {weeks} weeks" if weeks > 1 else "the next week"
        text = (f"Over the last {n} weeks, the {pct}% of the area flagged each week by the method best on the outcomes "
                f"known then (now the {names[self.winner]}) held a median {hit:.0%} of the problems of {span}, "
                f"{pai:.1f} times what random targeting gets (half the weeks between {q25:.1f} and {q75:.1f})")
        if lead.wins == lead.losses == 0:
            return text + f"; the same as the best simple method ({names[base]}) every week."
        if supported:
            return text + (f"; {lead.ratio - 1:.0%} above the best simple method ({names[base]}, {base_pai:.1f} times) "
                           f"in the median, better in {lead.wins} weeks and worse in {lead.losses} (sign test "
                           f"p = {lead.p:.3f}).")
        return text + (f"; no reliable difference from the best simple method ({names[base]}, {base_pai:.1f} times: "
                       f"better in {lead.wins} weeks, worse in {lead.losses}).")

    def range_sentence(self, lang: Literal["zh", "en"] = "zh") -> str:
        """How the calibrated 90 % range held, in plain words (empty when nothing was calibrated)."""
        ranges = self.ranges.dropna(subset=["coverage", "ratio"])
        if not len(ranges):
            return ""
        cov, lo, hi = ranges["coverage"].median(), ranges["coverage"].min(), ranges["coverage"].max()
        ratio = ranges["ratio"].median()
        if lang == "zh":
            return (f"90% 范围：在随后有问题的方格中，范围包含了实际次数的 {cov:.0%}（{len(ranges)} 周的中位数，"
                    f"最低 {lo:.0%}、最高 {hi:.0%}）；合计实际数与预计数之比中位为 {ratio:.2f}。范围和预计数按此前一个季度"
                    "的检验结果校准。")
        return (f"90% range: among the cells that had problems, the range held the actual count in {cov:.0%} of cases "
                f"(median of {len(ranges)} weeks, lowest {lo:.0%}, highest {hi:.0%}); actual over expected in total had "
                f"a median of {ratio:.2f}. Ranges and expected counts are calibrated on the quarter before.")


@dataclass(frozen=True)
class Lead:
    """The nested choice against the best naive ``baseline``: median per-origin PAI ratio, origins it did
    better and worse, and the two-sided sign test's p."""

    baseline: Method
    ratio: float
    wins: int
    losses: int
    p: float


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
        empty = pd.DataFrame(columns=SCORE_COLUMNS)
        summary = _summary(empty)
        calibration = pd.DataFrame(columns=["method", "decile", "expected", "observed", "units"])
        return Backtest(empty, summary, calibration, "learned" if "learned" in methods else methods[0],
                        float(horizon_days), on_grids.categories, cell_size_m, 0, pd.DataFrame(columns=RANGE_COLUMNS),
                        pd.DataFrame(columns=["category", "level", "alpha"]), (1 - TARGET_COVERAGE) / 2, 0)
    units = Units.of_cells(grids, size_m=cell_size_m)
    events = Events.from_issues(issues, units, categories=chosen)
    cache = FeatureCache(events, units)
    rows: list[dict[str, object]] = []
    calib: list[pd.DataFrame] = []
    origins = weekly_origins(events, horizon_days, max_origins=max_origins)
    outcomes: dict[tuple[int, str], Outcome] = {}
    for i, origin in enumerate(origins):
        if cancel is not None and cancel():
            raise Cancelled("the backtest was cancelled")
        observed_by_cat = np.column_stack([events.counts(origin, origin + horizon_days, category=c)
                                           for c in range(len(events.categories))])
        observed = observed_by_cat.sum(axis=1)
        history = events.counts(-math.inf, origin)
        when = pd.Timestamp("1970-01-01") + pd.Timedelta(days=origin)
        best_order = densest_first(observed, units.area_km2)  # what PEI* compares with: once per origin
        for method in methods:
            forecast = predict(events, units, origin, horizon_days=horizon_days, method=method, cache=cache,
                               intervals=False)
            order = ranking(forecast, units, tie_break=history)
            for share in shares:
                rows.append({"origin": when, "method": method, "share": float(share), "observed": float(observed.sum()),
                             **capture(order, observed, units.area_km2, share, best_order=best_order)})
            calib.append(calibration_bins(forecast.expected, observed).assign(method=method))
            outcomes[(i, method)] = Outcome.of(forecast.by_category, observed_by_cat)
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    nested, ranges = _nested(scores, outcomes, origins, methods, horizon_days, len(events.categories))
    scores = pd.concat([scores, nested], ignore_index=True) if len(nested) else scores
    summary = _summary(scores)
    calibration = (pd.concat(calib).groupby(["method", "decile"], sort=False)[["expected", "observed", "units"]]
                   .sum().reset_index() if calib else
                   pd.DataFrame(columns=["method", "decile", "expected", "observed", "units"]))
    decisive = summary[np.isclose(summary["share"], DECISIVE_SHARE)] if len(summary) else summary
    if len(decisive):
        best = max(methods, key=lambda m: (float(decisive.loc[decisive["method"] == m, "pai"].fillna(-1).max()),
                                           -METHODS.index(m)))
    else:
        best = "learned" if "learned" in methods else methods[0]
    # The live forecast's calibration: the winner's last quarter of origins (all known by now).
    last = [outcomes[(i, best)] for i in range(len(origins))][-CALIBRATION_ORIGINS:]
    live = fit(last, len(events.categories))
    params = pd.DataFrame({"category": list(events.categories), "level": live.level, "alpha": live.alpha})
    return Backtest(scores, summary, calibration, best, float(horizon_days), events.categories,
                    units.cell_size_m, len(units), ranges, params, live.tail, live.origins)



def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per method and share over the origins with problems: means, medians and quartiles, and how many."""
    valid = scores[scores["observed"] > 0]
    columns = ["method", "share", "hit_rate", "pai", "pei_star", "area_share", "pai_median", "pai_q25", "pai_q75",
               "hit_median", "pei_median", "origins"]
    if not len(valid):
        return pd.DataFrame(columns=columns)
    groups = valid.groupby(["method", "share"], sort=False)
    summary = groups[["hit_rate", "pai", "pei_star", "area_share"]].mean()
    summary["pai_median"] = groups["pai"].median()
    summary["pai_q25"] = groups["pai"].quantile(0.25)
    summary["pai_q75"] = groups["pai"].quantile(0.75)
    summary["hit_median"] = groups["hit_rate"].median()
    summary["pei_median"] = groups["pei_star"].median()
    summary["origins"] = groups.size()
    return summary.reset_index()[columns]


def _nested(scores: pd.DataFrame, outcomes: dict[tuple[int, str], Outcome], origins: list[float],
            methods: Sequence[Method], horizon_days: float, n_categories: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nested choice's scores (method ``NESTED``, with the method ``chosen``) and, per origin, how the
    range calibrated on the origins known before it held (see :mod:`geo.forecast.calibration`)."""
    when = [pd.Timestamp("1970-01-01") + pd.Timedelta(days=o) for o in origins]
    index = {w: i for i, w in enumerate(when)}
    at5 = scores[np.isclose(scores["share"], DECISIVE_SHARE) & (scores["observed"] > 0)]
    pai = (at5.assign(i=at5["origin"].map(index)).pivot_table(index="i", columns="method", values="pai")
           .reindex(index=range(len(origins)), columns=list(methods)))
    chosen = nested_choice(pai, methods, origins, horizon_days)
    nested_rows, range_rows = [], []
    for i, method in chosen.items():
        picked = scores[(scores["origin"] == when[i]) & (scores["method"] == method)]
        nested_rows.append(picked.assign(method=NESTED, chosen=method))
        known = known_before(origins, i, horizon_days)[-CALIBRATION_ORIGINS:]
        cal = fit([outcomes[(j, method)] for j in known], n_categories)
        outcome = outcomes[(i, method)]
        coverage, ratio = cal.judge(outcome)
        range_rows.append({"origin": when[i], "chosen": method, "coverage": coverage,
                           "reported_units": len(outcome.reported_y), "expected": float((outcome.sum_mu * cal.level).sum()),
                           "observed": float(outcome.sum_y.sum()), "ratio": ratio, "tail": cal.tail})
    nested = pd.concat(nested_rows, ignore_index=True) if nested_rows else pd.DataFrame(columns=[*SCORE_COLUMNS, "chosen"])
    return nested, pd.DataFrame(range_rows, columns=RANGE_COLUMNS)
