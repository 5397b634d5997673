"""The backtest is kept with its store generation: computed once, read back equal, pruned."""

from pathlib import Path

import pandas as pd
import pytest

import geo.forecast.backtest as backtest
import geo.forecast.stored as stored
from geo.forecast import run_backtest
from geo.forecast.stored import backtest_key, derived_dir, load_backtest, save_backtest, stored_backtest


def test_kept_result_reads_back_equal_and_is_not_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            sample) -> None:
    bt = run_backtest(sample.issues, sample.grids, max_origins=3)
    save_backtest(bt, tmp_path, "backtest-g000007-x")
    back = load_backtest(tmp_path, "backtest-g000007-x")
    assert back is not None and back.winner == bt.winner and back.n_origins == 3
    pd.testing.assert_frame_equal(back.summary, bt.summary.reset_index(drop=True))
    pd.testing.assert_frame_equal(back.scores, bt.scores.reset_index(drop=True))
    assert load_backtest(tmp_path, "backtest-g000008-x") is None


def test_stored_backtest_runs_once_per_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample) -> None:
    calls = []
    real = backtest.run_backtest  # stored_backtest imports it when it runs one

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **{**kwargs, "max_origins": 2})

    monkeypatch.setattr(backtest, "run_backtest", counted)
    ws = str(tmp_path)  # a folder: kept in tmp_path/derived
    first = stored_backtest(ws, 5, sample.issues, sample.grids, categories=("parking",))
    again = stored_backtest(ws, 5, sample.issues, sample.grids, categories=("parking",))
    assert len(calls) == 1 and again.winner == first.winner
    stored_backtest(ws, 6, sample.issues, sample.grids, categories=("parking",))  # a new generation: run again
    assert len(calls) == 2
    key = backtest_key(5, ("parking",), 28.0)
    assert (derived_dir(ws) / f"{key}.json").is_file()
    assert backtest_key(3, ("b", "a"), 28.0) == backtest_key(3, ("a", "b"), 28.0) != backtest_key(4, ("a", "b"), 28.0)


def test_old_generations_are_pruned(tmp_path: Path, sample) -> None:
    bt = run_backtest(sample.issues, sample.grids, max_origins=1)
    for g in range(stored.KEEP + 3):
        save_backtest(bt, tmp_path, f"backtest-g{g:06d}-abc")
    kept = sorted(p.name.split("-")[1] for p in tmp_path.glob("*.json"))
    assert kept == [f"g{g:06d}" for g in range(3, stored.KEEP + 3)]
