"""A large workspace's backtest runs in the background: pages rank provisionally and say so, then use it."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data as data
from geo.sample import ensure_sample_workspace

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def test_pages_do_not_wait_for_a_large_backtest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(ensure_sample_workspace().root, copy)
    shutil.rmtree(copy / "derived", ignore_errors=True)  # nothing kept yet: a fresh import
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(copy))
    monkeypatch.setattr(data, "INLINE_BACKTEST_MAX", 0)  # the sample counts as large here
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/priority.py").run()
    assert not at.exception
    assert any("后台" in c.value and "全部历史" in c.value for c in at.caption), [c.value for c in at.caption]
    at.switch_page("app_pages/forecast.py").run()
    assert any("后台" in i.value for i in at.info) and not at.success
    deadline = time.monotonic() + 240
    while not list((copy / "derived").glob("backtest-*.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    at.run()  # the kept result, written by the `python -m geo backtest` process: the page shows the check
    assert not at.exception and at.success and "倍" in at.success[0].value
