"""Campaign effect: exact rate ratios by hand, the segmented model on constructed series, honest wording."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.sample import SAMPLE_DIR
from geo.stats.campaign import campaign_effect, describe, rate_ratio, segmented_poisson


def test_rate_ratio_is_exact_clopper_pearson() -> None:
    rr = rate_ratio(before=10, after=5, days_before=30, days_after=30)
    assert rr.ratio == 0.5
    # Independent: the Clopper-Pearson interval of 5 of 15 from beta quantiles, mapped q -> q / (1 - q).
    q_low, q_high = beta.ppf(0.025, 5, 11), beta.ppf(0.975, 6, 10)
    assert rr.low == pytest.approx(q_low / (1 - q_low), rel=1e-9)
    assert rr.high == pytest.approx(q_high / (1 - q_high), rel=1e-9)
    assert rr.low < 1 < rr.high and rr.verdict == "no_detectable_change"  # 10 -> 5 is not evidence
    strong = rate_ratio(before=100, after=50, days_before=30, days_after=30)
    assert strong.high < 1 and strong.verdict == "decrease"
    # Unequal windows: 50 in 10 days after vs 100 in 40 days before is twice the daily rate.
    assert rate_ratio(100, 50, 40, 10).ratio == pytest.approx(2.0)
    assert rate_ratio(1, 2, 30, 30).verdict == "too_few"


def _series(mu: np.ndarray, seed: int = 3) -> pd.Series:
    t = np.arange(-len(mu) // 2, len(mu) // 2)
    return pd.Series(np.random.default_rng(seed).poisson(mu), index=t)


def test_segmented_model_sees_a_level_drop() -> None:
    t = np.arange(-30, 30)
    fit = segmented_poisson(_series(np.where(t < 0, 20.0, 10.0)))
    assert fit is not None and fit.level_high < 1 and 0.4 < fit.level_ratio < 0.6 and fit.verdict == "decrease"


def test_a_trend_already_under_way_is_not_the_campaigns_doing() -> None:
    t = np.arange(-40, 40)
    series = _series(30 * np.exp(-0.02 * (t + 40)))  # falling steadily all along, no step
    before, after = int(series[series.index < 0].sum()), int(series[series.index >= 0].sum())
    assert rate_ratio(before, after, 280, 280).verdict == "decrease"  # the naive reading is fooled
    fit = segmented_poisson(series)
    assert fit is not None and fit.verdict == "no_detectable_change"  # the segmented one is not
    assert segmented_poisson(series.iloc[35:]) is None  # 5 weeks before: too short to fit


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))


def test_planted_posters_street_halves_after_the_campaign(sample: Dataset, truth: dict) -> None:
    effect = campaign_effect(sample.issues, pd.Timestamp(truth["campaign_start"]), category="posters")
    street = next(h for h in truth["hotspots"] if h["name"] == "commercial_street")
    row = effect.by_grid.set_index(s.GRID_ID).loc[street["grid_id"]]
    assert row["verdict"] == "decrease" and 0.4 < row["ratio"] < 0.65  # planted: to half
    # Illegal structures had no campaign: nothing to claim.
    other = campaign_effect(sample.issues, pd.Timestamp(truth["campaign_start"]), category="illegal_structure")
    assert other.overall.verdict == "no_detectable_change"
    text = describe(other)
    assert "未见可确认的变化" in text and "下降" not in text and "季节性未能扣除" in text
    assert "No change can be confirmed" in describe(other, "en")


def test_nothing_before_the_campaign_is_said_in_words_not_nan() -> None:
    """LA's ledger: no reports in the window before the date; "上升 nan%（率比 inf）" used to appear."""
    from geo.stats.campaign import CampaignEffect, rate_ratio

    effect = CampaignEffect(pd.Timestamp("2019-12-28", tz="Asia/Shanghai"), None, rate_ratio(0, 9745, 28.0, 28.0),
                            None, pd.DataFrame())
    for lang in ("zh", "en"):
        text = describe(effect, lang)
        assert "nan" not in text and "inf" not in text and "9745" in text
    assert "无法计算变化幅度" in describe(effect)
