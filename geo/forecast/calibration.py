"""What a planner is told about a forecast, measured only on what was known before it.

Two things are fitted on earlier origins and judged on the next one (nested), so that no score shown
was chosen on the weeks it is scored on:

**The method.** At each weekly origin the method is the one with the best mean PAI at 5 % of the area
over the earlier origins whose four weeks had already passed (an origin's outcome is known only a
horizon later). The 预测检验 page shows the scores of these choices, not of the method that looks best
in hindsight.

**The range and the level.** The raw methods over- or under-forecast the total (a winter's burst carried
into spring), and their Poisson ranges are far too narrow where problems are clustered. From the
calibration origins (the last :data:`CALIBRATION_ORIGINS` weekly origins whose outcome is known: a
quarter) three things are estimated per category of the chosen method:

* the **level**: the median over the calibration origins of realised over expected in total,
  ``(y + 1/2) / (mu + 1/2)`` (a half report on each side keeps a category never forecast or never seen
  finite). The median, not the ratio of sums: a burst (Houston's floods) would otherwise raise the
  level of the whole next quarter, and the typical period would be over-forecast (measured: a median
  of 0.80 on Houston with the ratio of sums, 0.87 with the median). A burst thus no longer lifts the
  level of the quarter after it; the learned model's own recent term still carries part of one for a
  few weeks (Houston, docs/forecast.md). One factor more, the same median over all categories
  together, makes the typical total right, not only each category's;
* the **over-dispersion** ``alpha`` of a negative binomial with variance ``mu + alpha mu^2`` (the moment
  estimator of Cameron & Trivedi: ``sum((y - mu)^2 - y) / sum(mu^2)``, at least 0);
* the interval's **tail**: the 90 % interval is ``[q(t), q(1 - t)]`` of that negative binomial, with
  ``t`` chosen so that it held 90 % of the realised counts *of the cells that had a report* in the
  calibration origins. That is the coverage the issue asks for, and the honest one: counted over all
  cells, the many quiet cells that get ``[0, 0]`` and see nothing make any interval look right.
  A cell gets an upper bound of at least 1 exactly when its chance of a report exceeds ``t``.

The live forecast (the priority list, ``python -m geo forecast``) uses the calibration of the last
origins, kept with the backtest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

#: Weekly origins a calibration reads: the last quarter whose outcome is known.
CALIBRATION_ORIGINS: Final = 13
#: Fewer earlier origins than this and nothing is chosen or calibrated at an origin (it is not scored nested).
MIN_CALIBRATION_ORIGINS: Final = 4
#: The share of realised counts (in cells with a report) the interval is meant to hold.
TARGET_COVERAGE: Final = 0.90


@dataclass(frozen=True)
class Outcome:
    """What one method's forecast at one origin met: per-category sums over all units, and the units
    that had a report (their expected counts per category and their realised totals)."""

    sum_mu: np.ndarray
    sum_mu2: np.ndarray
    sum_y: np.ndarray
    sum_ymu: np.ndarray
    sum_y2: np.ndarray
    reported_mu: np.ndarray
    reported_y: np.ndarray

    @classmethod
    def of(cls, by_category: np.ndarray, observed_by_category: np.ndarray) -> Outcome:
        """From ``(n_units, n_categories)`` expected and realised counts."""
        mu, y = np.asarray(by_category, float), np.asarray(observed_by_category, float)
        total = y.sum(axis=1)
        hit = total > 0
        return cls(mu.sum(axis=0), (mu * mu).sum(axis=0), y.sum(axis=0), (y * mu).sum(axis=0), (y * y).sum(axis=0),
                   mu[hit], total[hit])


@dataclass(frozen=True)
class Calibration:
    """Per category ``level`` and ``alpha``; the interval's ``tail``; ``origins`` it was fitted on.

    Examples
    --------
    >>> cal = Calibration(np.array([0.5]), np.array([0.0]), 0.05, 4)
    >>> expected, lower, upper = cal.interval(np.array([[4.0], [0.0]]))
    >>> expected.tolist(), lower.tolist(), upper.tolist()
    ([2.0, 0.0], [0.0, 0.0], [5.0, 0.0])
    """

    level: np.ndarray
    alpha: np.ndarray
    tail: float
    origins: int

    @classmethod
    def identity(cls, n_categories: int, tail: float = (1 - TARGET_COVERAGE) / 2) -> Calibration:
        """No correction: the raw forecast with a Poisson 90 % interval (too few origins to learn one)."""
        return cls(np.ones(n_categories), np.zeros(n_categories), tail, 0)

    def moments(self, by_category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per unit the corrected expected count and its variance."""
        mu = np.asarray(by_category, float) * self.level
        return mu.sum(axis=1), (mu + self.alpha * mu * mu).sum(axis=1)

    def interval(self, by_category: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per unit: corrected expected count, lower and upper bound."""
        mean, variance = self.moments(by_category)
        lower, upper = _quantiles(mean, variance, self.tail)
        return mean, lower, upper

    def judge(self, outcome: Outcome) -> tuple[float, float]:
        """On one origin: the share of cells with a report whose count the interval held, and realised over
        expected in total."""
        mean, variance = self.moments(outcome.reported_mu)
        low_ok, high_ok = _held(mean, variance, outcome.reported_y, self.tail)
        coverage = float((low_ok & high_ok).mean()) if len(outcome.reported_y) else float("nan")
        expected = float((outcome.sum_mu * self.level).sum())
        return coverage, float(outcome.sum_y.sum()) / expected if expected > 0 else float("nan")


def _nb(mean: np.ndarray, variance: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Negative binomial ``(n, p)`` for each mean and variance; ``poisson`` marks those with none over."""
    mean = np.maximum(mean, 0.0)
    over = variance > mean * (1 + 1e-9)
    safe_v = np.where(over, variance, 2 * mean + 1.0)
    n = np.where(over, mean * mean / np.maximum(safe_v - mean, 1e-300), 1.0)
    p = np.where(over, mean / safe_v, 0.5)
    return n, p, ~over


def _cdf(k: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    n, p, poisson = _nb(mean, variance)
    out = stats.nbinom.cdf(k, np.maximum(n, 1e-300), p)
    if poisson.any():
        out[poisson] = stats.poisson.cdf(k[poisson], np.maximum(mean[poisson], 0.0))
    return np.asarray(np.nan_to_num(out, nan=1.0))


def _quantiles(mean: np.ndarray, variance: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    n, p, poisson = _nb(mean, variance)
    lower = stats.nbinom.ppf(tail, np.maximum(n, 1e-300), p)
    upper = stats.nbinom.ppf(1 - tail, np.maximum(n, 1e-300), p)
    if poisson.any():
        lower[poisson] = stats.poisson.ppf(tail, np.maximum(mean[poisson], 0.0))
        upper[poisson] = stats.poisson.ppf(1 - tail, np.maximum(mean[poisson], 0.0))
    zero = mean <= 0
    lower[zero], upper[zero] = 0.0, 0.0
    return np.nan_to_num(lower), np.nan_to_num(upper)


def _held(mean: np.ndarray, variance: np.ndarray, y: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """Whether ``q(tail) <= y`` and ``y <= q(1 - tail)`` (``q`` the quantile: the least k with F(k) >= level)."""
    return _cdf(y, mean, variance) >= tail, _cdf(y - 1, mean, variance) < 1 - tail


def fit(outcomes: Sequence[Outcome], n_categories: int) -> Calibration:
    """The calibration the ``outcomes`` (of one method at the calibration origins) support."""
    if len(outcomes) < MIN_CALIBRATION_ORIGINS:
        return Calibration.identity(n_categories)
    sum_y = np.sum([o.sum_y for o in outcomes], axis=0)
    level = np.median([(o.sum_y + 0.5) / (o.sum_mu + 0.5) for o in outcomes], axis=0)
    # ... and one factor on top, so that the typical total (not only each category's) is met: the median
    # over the origins of realised over level-corrected expected, all categories together.
    totals = [(float(o.sum_y.sum()) + 0.5) / (float((o.sum_mu * level).sum()) + 0.5) for o in outcomes]
    level = level * float(np.median(totals))
    # The moment estimator on the level-corrected means: sum((y - f mu)^2 - y) / sum((f mu)^2).
    sq = (np.sum([o.sum_y2 for o in outcomes], axis=0) - 2 * level * np.sum([o.sum_ymu for o in outcomes], axis=0)
          + level ** 2 * np.sum([o.sum_mu2 for o in outcomes], axis=0) - sum_y)
    mu2 = level ** 2 * np.sum([o.sum_mu2 for o in outcomes], axis=0)
    alpha = np.where(mu2 > 0, np.maximum(sq, 0.0) / np.maximum(mu2, 1e-300), 0.0)
    # The tail: each reported cell's count is held by [q(t), q(1-t)] for every t up to
    # g = min(F(y), 1 - F(y-1)); the interval holds TARGET_COVERAGE of them at the matching quantile of g.
    partial = Calibration(level, alpha, 0.5, len(outcomes))
    g_all = []
    for o in outcomes:
        if len(o.reported_y):
            mean, variance = partial.moments(o.reported_mu)
            g_all.append(np.minimum(_cdf(o.reported_y, mean, variance),
                                    1 - _cdf(o.reported_y - 1, mean, variance)))
    if not g_all:
        return Calibration(level, alpha, (1 - TARGET_COVERAGE) / 2, len(outcomes))
    g = np.concatenate(g_all)
    tail = float(np.quantile(g, 1 - TARGET_COVERAGE, method="lower"))
    # Strictly inside (0, 1/2): a tail of 0 is an interval without an upper end.
    return Calibration(level, alpha, min(max(tail, 1e-9), 0.5), len(outcomes))


def known_before(origins: Sequence[float], i: int, horizon_days: float) -> list[int]:
    """Indices of the origins whose whole horizon had passed by origin ``i`` (their outcome was known).

    >>> known_before([0.0, 7.0, 14.0, 21.0, 28.0, 35.0], 5, 28.0)
    [0, 1]
    """
    return [j for j in range(i) if origins[j] + horizon_days <= origins[i]]


def nested_choice(pai: pd.DataFrame, methods: Sequence[str], origins: Sequence[float],
                  horizon_days: float) -> dict[int, str]:
    """Per origin index, the method with the best mean PAI over the origins known before it.

    ``pai``: rows = origin index, columns = method, NaN where the origin had no problems. Origins with
    fewer than :data:`MIN_CALIBRATION_ORIGINS` known before them get no choice.
    """
    chosen: dict[int, str] = {}
    for i in range(len(origins)):
        known = known_before(origins, i, horizon_days)
        if len(known) < MIN_CALIBRATION_ORIGINS:
            continue
        means = pai.loc[known, list(methods)].mean()
        best = max(methods, key=lambda m: (-1.0 if math.isnan(float(means[m])) else float(means[m]),
                                           -list(methods).index(m)))
        chosen[i] = best
    return chosen
