"""Nested choice and calibrated ranges (issue 28): nothing shown was fitted on the weeks it is scored on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.forecast.backtest import NESTED, Backtest, run_backtest
from geo.forecast.calibration import Calibration, Outcome, fit, known_before, nested_choice


def test_the_choice_reads_only_origins_whose_outcome_was_known() -> None:
    origins = [7.0 * i for i in range(10)]
    # "a" is better on the first five origins, "b" far better on origins 5-7.
    pai = pd.DataFrame({"a": [2.0] * 5 + [1.0] * 5, "b": [1.0] * 5 + [50.0] * 5})
    chosen = nested_choice(pai, ["a", "b"], origins, 28.0)
    # Origin 8 (day 56) knows the outcomes of origins up to day 28 (0-4) only: "a", whatever came after.
    assert known_before(origins, 8, 28.0) == [0, 1, 2, 3, 4]
    assert chosen[8] == "a"
    # Origin 9 (day 63) also knows origin 5 (day 35): mean a = 11/6, b = 55/6.
    assert chosen[9] == "b"
    assert min(chosen) == 7  # the first origin with four known before it (days 0-21 for day 49)


def _outcome(rng: np.random.Generator, forecast: np.ndarray, truth: np.ndarray, alpha: float) -> Outcome:
    if alpha > 0:
        lam = rng.gamma(1 / alpha, alpha * truth)
    else:
        lam = truth
    y = rng.poisson(lam)
    return Outcome.of(forecast[:, None], y[:, None].astype(float))


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_a_forecast_twice_too_high_is_brought_down_and_its_range_holds(alpha: float) -> None:
    rng = np.random.default_rng(7)
    truth = rng.gamma(0.5, 2.0, size=4000)  # many quiet cells and a few busy ones
    forecast = 2.0 * truth
    cal = fit([_outcome(rng, forecast, truth, alpha) for _ in range(13)], 1)
    assert cal.level[0] == pytest.approx(0.5, rel=0.05)
    assert cal.alpha[0] == pytest.approx(alpha, abs=0.15)
    coverage, ratio = cal.judge(_outcome(rng, forecast, truth, alpha))  # a fresh period
    assert 0.86 <= coverage <= 0.94
    assert ratio == pytest.approx(1.0, abs=0.06)


def test_a_cell_with_a_real_chance_gets_an_upper_bound_of_one() -> None:
    cal = Calibration(np.array([1.0]), np.array([0.0]), 0.02, 13)
    _, lower, upper = cal.interval(np.array([[0.05], [0.01], [0.0]]))
    # P(Y >= 1) = 4.9 % and 1.0 % against a tail of 2 %: the first gets [0, 1], the second [0, 0].
    assert upper.tolist() == [1.0, 0.0, 0.0] and lower.tolist() == [0.0, 0.0, 0.0]


def test_too_few_origins_calibrate_nothing() -> None:
    cal = fit([], 3)
    assert cal.level.tolist() == [1.0, 1.0, 1.0] and cal.alpha.tolist() == [0.0, 0.0, 0.0] and cal.origins == 0


def _with_scores(nested: list[float], naive: list[float]) -> Backtest:
    origins = pd.date_range("2026-01-05", periods=len(nested), freq="7D")
    rows = [{"origin": o, "method": m, "share": 0.05, "observed": 10.0, "hit_rate": v / 20, "pai": v,
             "pei_star": 0.5, "area_share": 0.05}
            for m, values in ((NESTED, nested), ("recent", naive), ("all_history", [1.0] * len(naive)),
                              ("kde_recent", [1.0] * len(naive)), ("learned", nested))
            for o, v in zip(origins, values, strict=True)]
    from geo.forecast.backtest import _summary

    scores = pd.DataFrame(rows)
    return Backtest(scores, _summary(scores), pd.DataFrame(), "learned", 28.0, ("a",), 100.0, 10)


def test_a_lead_is_claimed_only_when_the_sign_test_supports_it() -> None:
    few = _with_scores([4.4, 4.4, 4.4, 3.6, 3.6], [4.0] * 5)  # better 3 times, worse twice
    assert few.lead().wins == 3 and few.lead().losses == 2 and few.lead().p == 1.0
    assert "没有可靠的差别" in few.sentence("zh") and "no reliable difference" in few.sentence("en")
    many = _with_scores([4.4] * 12, [4.0] * 12)
    lead = many.lead()
    assert (lead.wins, lead.losses, lead.baseline) == (12, 0, "recent") and lead.p < 0.001
    assert "高 10%" in many.sentence("zh") and "10% above" in many.sentence("en")


def test_the_sample_backtest_is_nested_and_its_ranges_hold(sample) -> None:  # type: ignore[no-untyped-def]
    bt = run_backtest(sample.issues, sample.grids)
    nested = bt.scores[bt.scores["method"] == NESTED]
    # Every nested row is the chosen method's own row at that origin, and the first origins have none.
    merged = nested.merge(bt.scores[bt.scores["method"] != NESTED], left_on=["origin", "share", "chosen"],
                          right_on=["origin", "share", "method"], suffixes=("", "_own"))
    assert len(merged) == len(nested) > 0 and np.allclose(merged["pai"], merged["pai_own"])
    assert nested["origin"].min() > bt.scores["origin"].min()
    # The issue's ranges, on the sample street (measured: coverage 0.90, ratio 1.01).
    assert 0.85 <= bt.ranges["coverage"].median() <= 0.95
    assert 0.9 <= bt.ranges["ratio"].median() <= 1.1
    assert set(bt.params["category"]) == set(bt.categories) and (bt.params["level"] > 0).all()
    assert 0 < bt.tail < 0.5
