"""Campaign effect (专项整治成效): before/after rate ratios and a segmented Poisson regression.

Two readings, both honest about uncertainty (``docs/rectification.md``):

* **Rate ratio** after/before, per day of exposure, with an exact confidence interval: conditional on
  the total, the after count is binomial with ``p = r Ta / (r Ta + Tb)``, so the Clopper-Pearson
  interval for ``p`` maps to one for the ratio ``r``. Exact, so it stays right for a grid with 3 issues.
* **Segmented (interrupted time series) Poisson regression** on weekly counts, when the series has at
  least ``MIN_WEEKS_SIDE`` weeks each side: ``log mu = b0 + b1 t + b2 post + b3 t_post`` (+ an annual
  sine/cosine pair once two years are available), quasi-Poisson scale. ``exp(b2)`` is the level change
  beyond the pre-campaign trend: a rate ratio that does not mistake a trend already under way for the
  campaign's effect.

The wording never claims more than the interval supports: "no detectable change" when it spans 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from geo import localtime
from geo import schema as s
from geo.ingest.times import written_date

#: Weeks needed each side of the campaign for the segmented regression.
MIN_WEEKS_SIDE: Final = 8
#: Weeks needed in all before an annual seasonal term is fitted.
SEASONAL_WEEKS: Final = 104
Verdict = Literal["decrease", "increase", "no_detectable_change", "too_few"]


@dataclass(frozen=True)
class RateRatio:
    """After/before rate ratio with its exact 95 % interval and two-sided p."""

    before: int
    after: int
    days_before: float
    days_after: float
    ratio: float
    low: float
    high: float
    p: float

    @property
    def verdict(self) -> Verdict:
        """What the interval supports."""
        if self.before + self.after < 5:
            return "too_few"
        if self.high < 1:
            return "decrease"
        if self.low > 1:
            return "increase"
        return "no_detectable_change"


def rate_ratio(before: int, after: int, days_before: float, days_after: float, *, level: float = 0.95) -> RateRatio:
    """Exact conditional rate ratio ``(after / days_after) / (before / days_before)``."""
    if days_before <= 0 or days_after <= 0:
        raise ValueError("both windows need a positive length")
    n = before + after
    scale = days_before / days_after
    if n == 0:
        return RateRatio(before, after, days_before, days_after, float("nan"), 0.0, float("inf"), 1.0)
    test = binomtest(after, n, p=days_after / (days_after + days_before))
    ci = test.proportion_ci(confidence_level=level, method="exact")

    def to_ratio(q: float) -> float:
        return float("inf") if q >= 1 else q / (1 - q) * scale

    ratio = float("inf") if before == 0 else after / before * scale
    return RateRatio(before, after, days_before, days_after, ratio, to_ratio(ci.low), to_ratio(ci.high),
                     float(test.pvalue))


@dataclass(frozen=True)
class SegmentedFit:
    """Level and slope change at the campaign from a segmented Poisson regression on weekly counts."""

    weeks_before: int
    weeks_after: int
    level_ratio: float
    level_low: float
    level_high: float
    level_p: float
    slope_ratio: float
    seasonal: bool
    dispersion: float

    @property
    def verdict(self) -> Verdict:
        """What the level-change interval supports."""
        if self.level_high < 1:
            return "decrease"
        if self.level_low > 1:
            return "increase"
        return "no_detectable_change"


def weekly_counts(times: pd.Series, campaign_start: pd.Timestamp, *, first: pd.Timestamp,
                  last: pd.Timestamp) -> pd.Series:
    """Counts per 7-day week aligned to the campaign start (week 0 starts on it), zeros kept.

    Only whole weeks inside ``[first, last)`` are kept, so a partial week at either end does not
    look like a drop.
    """
    # Weeks of seven local calendar days from the campaign's start (geo.localtime), not 168-hour steps.
    origin = localtime.day_number(campaign_start)
    k_first = -(-(localtime.first_day_from(first) - origin) // 7)  # the first whole week
    k_last = (localtime.day_number(last) - origin) // 7  # exclusive
    week = pd.Series((localtime.local_days(times) - origin) // 7, index=times.index)
    counts = week[(week >= k_first) & (week < k_last)].value_counts()
    return counts.reindex(range(k_first, k_last), fill_value=0).sort_index()


def segmented_poisson(weekly: pd.Series) -> SegmentedFit | None:
    """Fit the segmented regression to counts indexed by week relative to the campaign (0 = first after).

    Returns ``None`` when there are fewer than ``MIN_WEEKS_SIDE`` weeks on either side.
    """
    import statsmodels.api as sm

    t = weekly.index.to_numpy(dtype=float)
    post = (t >= 0).astype(float)
    n_before, n_after = int((post == 0).sum()), int(post.sum())
    if n_before < MIN_WEEKS_SIDE or n_after < MIN_WEEKS_SIDE:
        return None
    columns = [np.ones_like(t), t, post, t * post]
    seasonal = len(t) >= SEASONAL_WEEKS
    if seasonal:
        columns += [np.sin(2 * np.pi * t / 52.1775), np.cos(2 * np.pi * t / 52.1775)]
    x = np.column_stack(columns)
    y = weekly.to_numpy(dtype=float)
    # Quasi-Poisson: ledgers are overdispersed (campaign weeks, holidays); the Pearson scale widens the CI.
    fit = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
    low, high = fit.conf_int()[2]
    return SegmentedFit(n_before, n_after, float(np.exp(fit.params[2])), float(np.exp(low)), float(np.exp(high)),
                        float(fit.pvalues[2]), float(np.exp(fit.params[3])), seasonal, float(fit.scale))


@dataclass(frozen=True)
class CampaignEffect:
    """The campaign's effect overall and per grid."""

    campaign_start: pd.Timestamp
    category: str | None
    overall: RateRatio
    segmented: SegmentedFit | None
    by_grid: pd.DataFrame


def campaign_effect(issues: pd.DataFrame, campaign_start: pd.Timestamp, *, category: str | None = None,
                    window_days: float | None = None) -> CampaignEffect:
    """Before/after comparison around ``campaign_start`` for live issues (of ``category``).

    Parameters
    ----------
    window_days
        Compare this many days each side; default: equal windows as long as the shorter side allows
        (equal windows keep seasonality from masquerading as an effect as far as the data allows).
    """
    live = issues[issues[s.STATUS] != "void"]
    if category is not None:
        live = live[live[s.CATEGORY] == category]
    times = live[s.REPORTED_AT]
    first, last = issues[s.REPORTED_AT].min(), issues[s.REPORTED_AT].max()
    first = first.normalize()
    last = localtime.next_midnight(last)
    side = min((campaign_start - first) / pd.Timedelta(days=1), (last - campaign_start) / pd.Timedelta(days=1))
    if window_days is not None:
        side = min(side, window_days)
    if side <= 0:
        raise ValueError(f"the campaign start {campaign_start} is outside the data ({first} to {last})")
    lo, hi = campaign_start - pd.Timedelta(days=side), campaign_start + pd.Timedelta(days=side)
    before_mask = (times >= lo) & (times < campaign_start)
    after_mask = (times >= campaign_start) & (times < hi)
    overall = rate_ratio(int(before_mask.sum()), int(after_mask.sum()), side, side)
    segmented = segmented_poisson(weekly_counts(times, campaign_start, first=first, last=last))
    # Counts per grid by codes: one pass over the issues, not one comparison of all of them per grid.
    codes, gids = pd.factorize(live[s.GRID_ID].astype("string"), sort=True, use_na_sentinel=True)
    located = codes >= 0
    n_before = np.bincount(codes[located & before_mask.to_numpy()], minlength=len(gids))
    n_after = np.bincount(codes[located & after_mask.to_numpy()], minlength=len(gids))
    rows = []
    for gid, nb, na in zip(gids, n_before, n_after, strict=True):
        rr = rate_ratio(int(nb), int(na), side, side)
        rows.append({s.GRID_ID: gid, "before": rr.before, "after": rr.after, "ratio": rr.ratio, "low": rr.low,
                     "high": rr.high, "p": rr.p, "verdict": rr.verdict})
    by_grid = pd.DataFrame(rows, columns=[s.GRID_ID, "before", "after", "ratio", "low", "high", "p", "verdict"])
    return CampaignEffect(campaign_start, category, overall, segmented, by_grid)


def describe(effect: CampaignEffect, lang: Literal["zh", "en"] = "zh") -> str:
    """One or two sentences a leader can read, claiming no more than the intervals support."""
    rr, seg = effect.overall, effect.segmented
    day = written_date(effect.campaign_start, lang)
    change = abs(1 - rr.ratio) * 100 if np.isfinite(rr.ratio) else float("nan")
    # The interval said as a range of percentages a leader reads; the ratio itself is in the table below.
    lo, hi = sorted((abs(1 - rr.low) * 100, abs(1 - rr.high) * 100))
    span = f"{(rr.low - 1) * 100:+.0f}% 至 {(rr.high - 1) * 100:+.0f}%"
    span_en = f"{(rr.low - 1) * 100:+.0f}% to {(rr.high - 1) * 100:+.0f}%"
    texts = {
        "decrease": {"zh": f"{day} 整治后日均上报下降 {change:.0f}%（可信度 95% 的范围：下降 {lo:.0f}%–{hi:.0f}%）。",
                     "en": f"After {day}, reports per day fell by {change:.0f}% (95 % likely range: "
                           f"{lo:.0f}–{hi:.0f}% lower)."},
        "increase": {"zh": f"{day} 整治后日均上报上升 {change:.0f}%（可信度 95% 的范围：上升 {lo:.0f}%–{hi:.0f}%）。",
                     "en": f"After {day}, reports per day rose by {change:.0f}% (95 % likely range: "
                           f"{lo:.0f}–{hi:.0f}% higher)."},
        "no_detectable_change": {"zh": f"{day} 前后日均上报未见可确认的变化（变化可能在 {span} 之间）。",
                                 "en": f"No change can be confirmed around {day} (the change may lie anywhere "
                                       f"from {span_en})."},
        "too_few": {"zh": f"{day} 前后问题太少，无法判断成效。", "en": f"Too few issues around {day} to judge."},
    }
    if rr.before == 0 and rr.after > 0:  # nothing before: a rise with no base to measure it against
        return {"zh": f"{day} 之前的同样长的时段内没有上报（{rr.after} 件均在之后），无法计算变化幅度；"
                      "请检查数据是否覆盖整治前。",
                "en": f"No reports in the same length of time before {day} ({rr.after} after it): the change "
                      "cannot be measured; check that the data cover the time before the campaign."}[lang]
    text = texts[rr.verdict][lang]
    if seg is not None:
        if seg.verdict == "no_detectable_change":
            text += {"zh": "但扣除整治前本来就有的升降趋势后，变化不明显。",
                     "en": " Allowing for the trend there was before, the change is not clear."}[lang]
        else:
            text += {"zh": "扣除整治前本来就有的升降趋势后，变化依然明显。",
                     "en": " It holds after allowing for the trend there was before."}[lang]
        if not seg.seasonal:
            text += {"zh": "数据不足两年，季节性未能扣除。",
                     "en": " With less than two years of data, seasonality is not removed."}[lang]
    return text
