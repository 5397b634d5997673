"""A fresh generation in a real browser: 总览 is drawn at once with the provisional ranking, the answers worker
computes the backtest, and the open page redraws with it by itself; no worker outlives the server."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from geo.sample import ensure_sample_workspace
from tests.browser.conftest import SHOTS, Server

pytestmark = pytest.mark.browser
SPINNING = "() => !!document.querySelector('[data-testid=stSpinner]')"
PROVISIONAL = ("() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
               ".some(c => c.innerText.includes('后台'))")


def _workers(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if "geo answers" in line and marker in line]


def test_the_page_redraws_itself_when_the_worker_has_checked(browser: object, tmp_path: Path) -> None:
    copy = tmp_path / "ws"
    shutil.copytree(ensure_sample_workspace().root, copy)
    shutil.rmtree(copy / "derived", ignore_errors=True)  # as after an import: nothing kept yet
    server = Server(env={"GRIDWATCH_WORKSPACE": str(copy), "GRIDWATCH_ANSWERS": "worker"})
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(server.url, wait_until="domcontentloaded")
        page.wait_for_selector("[data-testid=stTable]", timeout=60_000)
        # Drawn, ranked provisionally (the caption says so) while the worker checks; no reload from here.
        page.wait_for_function(PROVISIONAL, timeout=10_000)
        spun, deadline = 0.0, time.monotonic() + 180
        while page.evaluate(PROVISIONAL) and time.monotonic() < deadline:
            if page.evaluate(SPINNING):
                spun += 0.1
            page.wait_for_timeout(100)
        assert not page.evaluate(PROVISIONAL), "the page did not redraw with the kept backtest"
        assert list((copy / "derived").glob("backtest-*.json"))
        assert spun < 3.0
        page.screenshot(path=str(SHOTS / "answers_redrawn.png"))
        page.close()
    finally:
        server.stop()
    time.sleep(1.0)
    assert _workers(str(copy)) == []
