"""The priority measures are kept with their generation: measured once, read back equal, keyed by the recipe."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

import geo.ops.kept as kept
from geo.forecast.stored import derived_dir
from geo.ops.kept import calibration_key, kept_priorities, priorities_key
from geo.ops.priority import measure_with_cells

AS_OF = pd.Timestamp("2026-08-01", tz="Asia/Shanghai")


def test_kept_measures_read_back_equal_and_are_not_measured_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  sample) -> None:
    data = replace(sample, generation=7)
    first, cells = kept_priorities(str(tmp_path), data, AS_OF, method="all_history")
    expected, expected_cells = measure_with_cells(data, AS_OF, method="all_history")
    pd.testing.assert_frame_equal(first, expected, check_dtype=False)
    assert len(cells) == len(expected_cells) and cells.geometry.geom_equals(expected_cells.geometry).all()

    def refuse(*_a, **_k):
        raise AssertionError("measured again")

    monkeypatch.setattr(kept, "measure_with_cells", refuse)
    again, _ = kept_priorities(str(tmp_path), data, AS_OF, method="all_history")  # read, not measured
    pd.testing.assert_frame_equal(again, first)
    with pytest.raises(AssertionError, match="measured again"):  # another generation is another file
        kept_priorities(str(tmp_path), replace(data, generation=8), AS_OF, method="all_history")
    with pytest.raises(AssertionError, match="measured again"):  # ... and so is another method
        kept_priorities(str(tmp_path), data, AS_OF, method="recent")


def test_key_is_the_recipe(sample) -> None:
    assert priorities_key(3, AS_OF, ("b", "a"), "all_history") == priorities_key(3, AS_OF, ("a", "b"), "all_history")
    assert priorities_key(3, AS_OF, (), "all_history") != priorities_key(3, AS_OF + pd.Timedelta(days=1), (),
                                                                         "all_history")
    stricter = replace(sample.categories, table=sample.categories.table.assign(limit_days=1))
    assert priorities_key(3, AS_OF, (), "all_history", sample.categories) != priorities_key(
        3, AS_OF, (), "all_history", stricter)  # other time limits: other overdue counts, another file


def test_a_dataset_read_from_files_is_not_kept(tmp_path: Path, sample) -> None:
    kept_priorities(str(tmp_path), sample, AS_OF, method="all_history")  # generation 0: nothing to key by
    assert list(derived_dir(str(tmp_path)).glob("priorities-*")) == []


def test_the_backtest_command_keeps_the_list_pages_open_with(tmp_path: Path, sample_workspace) -> None:
    import shutil

    from geo.cli import main
    from geo.cube.dataset import open_workspace
    from geo.forecast.stored import backtest_key, load_backtest
    from geo.store import Workspace

    ws = tmp_path / "ws"
    shutil.copytree(sample_workspace.root, ws, ignore=shutil.ignore_patterns("derived"))
    assert main(["backtest", "--workspace", str(ws)]) == 0
    data = open_workspace(Workspace(ws))
    bt = load_backtest(derived_dir(str(ws)), backtest_key(data.generation, (), 28.0))
    as_of = data.issues["reported_at"].max().normalize() + pd.Timedelta(days=1)  # what 总览 and 大屏 ask for
    # The list is measured with the winner and its calibration (the level the backtest measured).
    key = priorities_key(data.generation, as_of, (), bt.winner, data.categories, calibration_key(bt))
    assert (derived_dir(str(ws)) / f"{key}.json").is_file()
