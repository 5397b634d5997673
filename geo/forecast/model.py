"""Expected issues per unit for the next period, from reports before an origin only.

Four methods, all returning expected counts for the horizon (so they can be calibrated and summed):

``learned`` (the default)
    A Poisson regression per category (statsmodels GLM) on four facts about each unit's past, all
    on a log scale: reports with a decay of months (half-life 240 days), reports of the last 28
    days, weeks with at least one report (half-life 480 days: places where problems *recur*, not
    one burst of duplicate reports) and the decayed reports of the neighbouring units (pooling
    towards the neighbourhood, the empirical-Bayes idea for units with little history). The
    weights are fitted on the unit's own past: four windows of the horizon that end before the
    origin, each predicted from what was known at its start. A fast-moving category therefore
    weighs the recent term more, a stable one the long history; the intercept follows the current
    level. Over-dispersion (Pearson chi² / df) widens the 90 % interval (negative binomial).
``recent``
    Reports of the last 28 days, scaled to the horizon (naive baseline).
``all_history``
    All reports before the origin, as a rate over the history (naive baseline).
``kde_recent``
    A quartic kernel density of the last 28 days (ArcGIS's default radius), per cell (baseline).
``decayed_30``, ``decayed_60``, ``decayed_120``
    Every report before the origin weighted by its age (half-life 30, 60 or 120 days) as a rate over the
    decayed history, a fifth of it shared with the neighbouring units (light smoothing, mass kept). The
    range of half-lives spans "last month matters" to "last season matters"; an independent test on a
    real city found them level with or ahead of the learned model (issue 28). Not naive baselines: the
    backtest compares them with the learned model, and the nested choice picks among all.

The origin is a local day; nothing reported at or after it is read (``tests/geo/test_forecast.py``
shuffles the future and checks the forecast does not move).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from scipy import stats
from scipy.signal import fftconvolve

from geo.forecast.calibration import Calibration
from geo.forecast.events import Events
from geo.forecast.methods import DECAYED, METHODS, Method
from geo.forecast.units import Units
from geo.stats.density import default_bandwidth_m, quartic_kernel

#: The share of a decayed rate given to the neighbouring units (the rest stays on the unit itself).
DECAYED_SMOOTHING: Final = 0.2
#: Half-lives (days) of the decayed history and of the decayed count of active weeks.
HISTORY_HALF_LIFE: Final = 240.0
WEEKS_HALF_LIFE: Final = 480.0
RECENT_DAYS: Final = 28.0
#: Training windows (each one horizon long, a week apart, all ending before the origin).
TRAINING_WINDOWS: Final = 4
#: A category needs this many reports in its training windows to fit; else it falls back to its rate.
MIN_TRAINING_REPORTS: Final = 20
#: ... and this many to get slopes of its own (fewer: the slopes shared by all categories).
MIN_OWN_FIT: Final = 400
INTERVAL: Final = 0.90
#: A fitted weight beyond this (on a log scale) means the fit ran off (quasi-separation): refused.
MAX_SLOPE: Final = 8.0
#: Rows a regression is fitted on at most (see ``_fit``).
MAX_FIT_ROWS: Final = 30_000
FEATURES: Final = ("history", "recent", "weeks", "neighbours")
#: The regression's terms: the log features and "any report here or next door before".
TERMS: Final = (*FEATURES, "ever_reported")


@dataclass(frozen=True)
class UnitForecast:
    """Expected issues per unit in ``[origin, origin + horizon)``.

    Attributes
    ----------
    expected
        ``(n_units,)`` expected issues over the chosen categories.
    by_category
        ``(n_units, n_categories)`` the same per category (``categories`` order).
    lower, upper
        90 % predictive interval of each unit's count.
    method
        The method asked for; ``fallbacks`` lists categories that had too little history to fit and
        were forecast from their decayed rate instead.
    coefficients
        Per category, the intercept and the fitted weights of ``TERMS``, for the calculation notes.
    """

    expected: np.ndarray
    by_category: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    categories: tuple[str, ...]
    method: Method
    origin_day: float
    horizon_days: float
    fallbacks: tuple[str, ...] = ()
    coefficients: dict[str, tuple[float, ...]] = field(default_factory=dict)


class FeatureCache:
    """Features per ``(category, day)``: a backtest asks for the same training days again and again."""

    def __init__(self, events: Events, units: Units) -> None:
        self.events, self.units = events, units
        self._store: dict[tuple[int, float], np.ndarray] = {}
        #: The last fitted weights per set of categories: the next origin's fit starts from them
        #: (a week later the answer barely moves, so IRLS needs a few steps instead of a dozen).
        self.last_params: dict[tuple[int, ...], np.ndarray] = {}

    def features(self, category: int, day: float) -> np.ndarray:
        """``(n_units, 4)`` raw features at ``day`` (see ``FEATURES``), from reports before ``day``."""
        key = (category, day)
        if key not in self._store:
            if len(self._store) > 256:
                self._store.clear()
            self._store[key] = _features(self.events, self.units, category, day)
        return self._store[key]


def _decayed_exposure(span_days: float, half_life: float) -> float:
    """The integral of the decay weight over the observed history: decayed sums become rates.

    Without it, a young workspace's sums grow week after week and every forecast overshoots.
    """
    rate = math.log(2) / half_life
    return (1 - math.exp(-rate * max(span_days, 1.0))) / rate


def _features(events: Events, units: Units, category: int, day: float) -> np.ndarray:
    """Per unit: decayed reports per year, reports of the last 28 days, decayed weeks with a report per
    year, and the neighbours' decayed reports per year.

    Per year, not per day: the regression takes ``log(1 + x)``, which is only log-like for x of 1 and
    more; a rate per day would make it linear and the forecast explode at the busiest places.
    """
    hi = int(np.searchsorted(events.day, day, side="left"))
    mine = events.category[:hi] == category
    unit, age = events.unit[:hi][mine], day - events.day[:hi][mine]
    n = events.n_units
    span = day - events.first_day() if len(events) else 1.0
    decayed = np.bincount(unit, weights=np.exp(-math.log(2) * age / HISTORY_HALF_LIFE), minlength=n)
    history = decayed * 365.0 / _decayed_exposure(span, HISTORY_HALF_LIFE)
    recent = np.bincount(unit[age <= RECENT_DAYS], minlength=n).astype(float)
    week = np.floor(age / 7.0).astype(np.int64)
    slots = int(week.max(initial=0)) + 1
    pairs = np.unique(unit * slots + week)
    active = np.bincount(pairs // slots, weights=np.exp(-math.log(2) * (pairs % slots) * 7.0 / WEEKS_HALF_LIFE),
                         minlength=n)
    weeks = active * 365.0 / _decayed_exposure(span, WEEKS_HALF_LIFE)
    return np.column_stack([history, recent, weeks, units.neighbour_mean(history)])


def _design(raw: np.ndarray) -> np.ndarray:
    """log(1 + feature) and whether the unit (or its neighbours) had any report: a unit never reported
    gets its own level, so the many empty cells of a city are not priced like the quietest busy ones."""
    return np.column_stack([np.log1p(raw), (raw.max(axis=1) > 0).astype(float)])


@dataclass(frozen=True)
class _Fit:
    """A fitted Poisson regression: intercept per category, slopes on ``TERMS``, dispersion, bounds."""

    intercepts: dict[int, float]
    slopes: np.ndarray
    dispersion: float
    #: The largest value of each log feature seen in training: forecasts do not extrapolate beyond it.
    ceiling: np.ndarray
    #: No unit is forecast more than twice the most any unit had in a training window (plus one).
    cap: float

    def mean(self, category: int, features: np.ndarray) -> np.ndarray:
        x = np.minimum(_design(features), self.ceiling)
        return np.asarray(np.minimum(np.exp(np.clip(self.intercepts[category] + x @ self.slopes, -50, 20)), self.cap))


def _training(cache: FeatureCache, category: int, origin: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Design rows and targets of one category's training windows (empty when the past is too short)."""
    events, first = cache.events, cache.events.first_day()
    xs, ys = [], []
    for j in range(TRAINING_WINDOWS):
        start = origin - horizon - 7.0 * j
        if start - first < RECENT_DAYS:
            break
        xs.append(_design(cache.features(category, start)))
        ys.append(events.counts(start, start + horizon, category=category))
    if not xs:
        return np.zeros((0, len(TERMS))), np.zeros(0)
    return np.vstack(xs), np.concatenate(ys)


def _fit(cache: FeatureCache, categories: Sequence[int], origin: float, horizon: float) -> _Fit | None:
    """One Poisson regression over ``categories`` (an intercept each, shared slopes), or ``None``.

    Units that had no report at all share one design row per category: they are fitted as one
    weighted row (exact for the Poisson score equations), so a city's empty cells cost nothing.
    """
    blocks, targets, weights, owners = [], [], [], []
    for c in categories:
        x, y = _training(cache, c, origin, horizon)
        if len(y) == 0 or y.sum() == 0:
            continue
        empty = ~x.any(axis=1)
        w = np.ones(int((~empty).sum()))
        if empty.any():
            x = np.vstack([x[~empty], x[empty][:1]])
            y = np.concatenate([y[~empty], [float(y[empty].mean())]])
            w = np.concatenate([w, [float(empty.sum())]])
        blocks.append(x)
        targets.append(y)
        weights.append(w)
        owners.append(np.full(len(y), c))
    if not blocks or sum(float((t * w).sum()) for t, w in zip(targets, weights, strict=True)) < MIN_TRAINING_REPORTS:
        return None
    x, y, w, owner = np.vstack(blocks), np.concatenate(targets), np.concatenate(weights), np.concatenate(owners)
    if len(y) > MAX_FIT_ROWS:
        # A city: keep every row with a report and a fixed-seed sample of the rest, weighted by the
        # inverse of the sampling rate (the score equations stay unbiased; the fit costs a bounded size).
        zero = np.flatnonzero((y == 0) & (w == 1))
        rate = max((MAX_FIT_ROWS - (len(y) - len(zero))) / max(len(zero), 1), 0.05)
        if rate < 1:
            drop = zero[np.random.default_rng(0).random(len(zero)) >= rate]
            w = w.copy()
            w[zero] = 1.0 / rate
            keep = np.ones(len(y), dtype=bool)
            keep[drop] = False
            x, y, w, owner = x[keep], y[keep], w[keep], owner[keep]
    present = sorted(set(owner.tolist()))
    dummies = (owner[:, None] == np.array(present)[None, :]).astype(float)
    design = np.column_stack([dummies, x])
    key = tuple(present)
    start = cache.last_params.get(key)
    import statsmodels.api as sm  # 0.7 s to import: only the learned model needs it, not a page's first open
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # hasconst: the category dummies sum to one (an implicit constant); said so, statsmodels skips
            # the two rank computations it would spend finding that out (a tenth of a backtest).
            result = sm.GLM(y, design, family=sm.families.Poisson(), freq_weights=w, hasconst=True).fit(
                maxiter=100, start_params=start if start is not None and len(start) == design.shape[1] else None)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    params = np.asarray(result.params, dtype=float)
    # A dry season's flooding: a handful of reports in the windows and the fit runs off to weights of
    # +150 and -120 on collinear terms (measured on Houston, Dec 2019). Such a fit is refused; the
    # category then takes the weights shared by all categories, or its decayed rate.
    if not (getattr(result, "converged", True) and np.all(np.isfinite(params))
            and np.abs(params[len(set(owner.tolist())):]).max(initial=0.0) <= MAX_SLOPE):
        return None
    cache.last_params[key] = params
    df = max(float(w.sum()) - design.shape[1], 1.0)
    dispersion = float(result.pearson_chi2) / df
    k = len(present)
    return _Fit({c: float(params[i]) for i, c in enumerate(present)}, params[k:],
                max(dispersion if math.isfinite(dispersion) else 1.0, 1.0), x.max(axis=0), 2.0 * float(y.max()) + 1.0)


def _rate(events: Events, category: int | None, origin: float, horizon: float) -> np.ndarray:
    """All reports before ``origin`` as a rate over the history, scaled to the horizon.

    A record shorter than the horizon is not stretched to fill it: one report nine days before the
    origin is one expected in the next four weeks, not 28 / 9 = 3.1 (found by the sparse-history
    property test). Shorter records say too little about a rate to multiply it.
    """
    first = events.first_day()
    span = max(origin - first, horizon, 1.0) if math.isfinite(first) else max(horizon, 1.0)
    return events.counts(-math.inf, origin, category=category) * horizon / span


def _decayed(events: Events, units: Units, category: int, origin: float, horizon: float,
             half_life: float) -> np.ndarray:
    """Reports before ``origin`` weighted by ``2 ** (-age / half_life)``, as a rate over the decayed
    history (:func:`_decayed_exposure`), scaled to the horizon and lightly smoothed (mass kept)."""
    hi = int(np.searchsorted(events.day, origin, side="left"))
    mine = events.category[:hi] == category
    age = origin - events.day[:hi][mine]
    decayed = np.bincount(events.unit[:hi][mine], weights=np.exp(-math.log(2) * age / half_life),
                          minlength=events.n_units)
    span = origin - events.first_day() if len(events) else 1.0
    rate = decayed * horizon / _decayed_exposure(max(span, horizon), half_life)
    if rate.sum() == 0:
        return rate
    smooth = (1 - DECAYED_SMOOTHING) * rate + DECAYED_SMOOTHING * units.neighbour_mean(rate)
    return np.asarray(smooth * rate.sum() / max(float(smooth.sum()), 1e-12))


def _kde(events: Events, units: Units, recent: np.ndarray) -> np.ndarray:
    """Kernel-smoothed recent counts (mass preserved); neighbour-averaged for grids."""
    if recent.sum() == 0:
        return recent
    lattice = units.lattice
    if lattice is None:
        smooth = 0.5 * recent + 0.5 * units.neighbour_mean(recent)
        return np.asarray(smooth * recent.sum() / max(float(smooth.sum()), 1e-12))
    row, col = lattice.active // lattice.nx, lattice.active % lattice.nx
    hit = np.repeat(np.arange(len(recent)), recent.astype(np.int64))
    try:
        bandwidth = default_bandwidth_m(col[hit] * lattice.size_m, row[hit] * lattice.size_m)
    except ValueError:  # all at one place
        bandwidth = lattice.size_m
    raster = np.zeros((lattice.ny, lattice.nx))
    raster[row, col] = recent
    smooth = np.clip(fftconvolve(raster, quartic_kernel(max(bandwidth / lattice.size_m, 1.0)), mode="same"), 0, None)
    out = smooth[row, col]
    return np.asarray(out * recent.sum() / max(float(out.sum()), 1e-12))


def _interval(mean: np.ndarray, variance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central ``INTERVAL`` predictive interval: negative binomial with this mean and variance."""
    tail = (1 - INTERVAL) / 2
    mean = np.maximum(mean, 0.0)
    over = variance > mean * (1 + 1e-9)
    lower, upper = stats.poisson.ppf(tail, mean), stats.poisson.ppf(1 - tail, mean)
    if over.any():
        m, v = mean[over], variance[over]
        n, p = m * m / (v - m), m / v
        lower[over], upper[over] = stats.nbinom.ppf(tail, n, p), stats.nbinom.ppf(1 - tail, n, p)
    return np.nan_to_num(lower), np.nan_to_num(upper)


def predict(events: Events, units: Units, origin_day: float, *, horizon_days: float = 28.0,
            method: Method = "learned", cache: FeatureCache | None = None, intervals: bool = True,
            calibration: Calibration | None = None) -> UnitForecast:
    """Expected issues per unit in ``[origin_day, origin_day + horizon_days)``, from reports before it.

    Parameters
    ----------
    events
        The issues (see :class:`geo.forecast.events.Events`); only those before ``origin_day`` are read.
    units
        The units ``events`` were assigned to.
    method
        One of ``METHODS``.
    cache
        Share one across the origins of a backtest (features are reused as training rows).
    intervals
        ``False`` skips the intervals (a backtest ranks and does not need them; they come back as NaN).
    calibration
        The backtest's calibration of this method (:mod:`geo.forecast.calibration`, categories in
        ``events.categories`` order): the expected counts are brought to the level it measured, and on
        cells the 90 % range is its negative binomial (the coverage the backtest checked). On grids,
        where it was not checked, only the level applies and the range stays the model's own.
    """
    if method not in METHODS:
        raise ValueError(f"unknown forecast method {method!r}; choose one of {', '.join(METHODS)}")
    if not horizon_days > 0:
        raise ValueError(f"the horizon must be > 0 days, got {horizon_days}")
    cache = cache or FeatureCache(events, units)
    n, k = events.n_units, len(events.categories)
    by_cat = np.zeros((n, k))
    variance = np.zeros(n)
    fallbacks: list[str] = []
    coefficients: dict[str, tuple[float, ...]] = {}
    pooled, own = None, {}
    if method == "learned":
        # Shared slopes borrow strength across categories; a category with a long record of its own
        # gets its own slopes (a fast-moving one then leans on the recent term).
        for c in range(k):
            if _training(cache, c, origin_day, horizon_days)[1].sum() >= MIN_OWN_FIT:
                own[c] = _fit(cache, [c], origin_day, horizon_days)
        rest = [c for c in range(k) if own.get(c) is None]
        pooled = _fit(cache, range(k), origin_day, horizon_days) if rest else None
    for c, code in enumerate(events.categories):
        if method == "learned":
            fit = own.get(c) or pooled
            if fit is None or c not in fit.intercepts:
                fallbacks.append(code)
                raw = cache.features(c, origin_day)[:, 0]
                total = float(_rate(events, c, origin_day, horizon_days).sum())
                mu, phi = raw * total / max(float(raw.sum()), 1e-12), 1.0
            else:
                coefficients[code] = (fit.intercepts[c], *(float(b) for b in fit.slopes))
                mu, phi = fit.mean(c, cache.features(c, origin_day)), fit.dispersion
        elif method == "recent":
            mu, phi = events.counts(origin_day - RECENT_DAYS, origin_day, category=c) * horizon_days / RECENT_DAYS, 1.0
        elif method == "all_history":
            mu, phi = _rate(events, c, origin_day, horizon_days), 1.0
        elif method in DECAYED:
            mu, phi = _decayed(events, units, c, origin_day, horizon_days, DECAYED[method]), 1.0
        else:
            recent = events.counts(origin_day - RECENT_DAYS, origin_day, category=c)
            mu, phi = _kde(events, units, recent) * horizon_days / RECENT_DAYS, 1.0
        by_cat[:, c] = mu
        variance += phi * mu * (calibration.level[c] if calibration is not None else 1.0)
    raw = by_cat.copy()
    if calibration is not None:
        by_cat *= calibration.level
    expected = by_cat.sum(axis=1)
    if intervals and calibration is not None and units.lattice is not None:
        _, lower, upper = calibration.interval(raw)
    elif intervals:
        lower, upper = _interval(expected, variance)
    else:
        lower = upper = np.full(n, np.nan)
    return UnitForecast(expected, by_cat, lower, upper, events.categories, method, float(origin_day),
                        float(horizon_days), tuple(fallbacks), coefficients)


def ranking(forecast: UnitForecast, units: Units, tie_break: np.ndarray | None = None) -> np.ndarray:
    """Unit indices, most expected issues per km² first (ties: ``tie_break`` larger first, then index)."""
    density = forecast.expected / np.maximum(units.area_km2, 1e-12)
    keys = [np.arange(len(density))]
    if tie_break is not None:
        keys.append(-np.asarray(tie_break, dtype=float))
    keys.append(-np.round(density, 12))
    return np.lexsort(keys)
