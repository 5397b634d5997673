"""Pages never compute the backtest: the answers worker does, once; pages rank provisionally, say so and
then use it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data as data
import geo.forecast.backtest as backtest
from geo import answers
from geo.forecast import METHOD_NAMES
from geo.sample import ensure_sample_workspace

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def _no_backtest_here(*args: object, **kwargs: object) -> None:
    raise AssertionError("a page computed the backtest in the server's process")


def test_pages_do_not_wait_for_the_backtest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(ensure_sample_workspace().root, copy)
    shutil.rmtree(copy / "derived", ignore_errors=True)  # nothing kept yet: a fresh import
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(copy))
    monkeypatch.setenv(answers.MODE_ENV, "worker")
    monkeypatch.setattr(backtest, "run_backtest", _no_backtest_here)  # only the worker process may run it
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    # 总览 ranked with the provisional method and says so; the worker was started for the default recipe.
    assert any("后台" in c.value and "全部历史" in c.value for c in at.caption), [c.value for c in at.caption]
    workers = [w for w in data._workers() if w.poll() is None]
    assert len(workers) == 1
    at.switch_page("app_pages/priority.py").run()
    assert not at.exception
    assert any("后台" in c.value and "全部历史" in c.value for c in at.caption), [c.value for c in at.caption]
    at.switch_page("app_pages/forecast.py").run()
    assert any("后台" in i.value for i in at.info) and not at.success
    # Every page asked for the same recipe: still one worker, one recipe queued or running.
    assert len([w for w in data._workers() if w.poll() is None]) <= 1
    assert len(list((copy / "derived" / "queue").glob("*.json"))) <= 1
    deadline = time.monotonic() + 240
    while not list((copy / "derived").glob("backtest-*.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    at.run()  # the kept result, written by the worker: the page shows the check
    assert not at.exception and at.success and "倍" in at.success[0].value
    # The priority list now ranks with the winner (not the provisional answer cached before it came).
    at.switch_page("app_pages/priority.py").run()
    winner = METHOD_NAMES["zh"][answers.kept(str(copy), data.DataSource.from_env().version, answers.Recipe()).winner]
    captions = [c.value for c in at.caption]
    assert not any("后台" in c for c in captions) and any(f"预测方法：{winner}" in c for c in captions), captions
    # ... and the worker kept the priority list with the winner too, and has ended (its queue is empty).
    assert list((copy / "derived").glob("priorities-*"))
    for worker in data._workers():
        worker.wait(timeout=30)
    assert not list((copy / "derived" / "queue").glob("*.json"))
