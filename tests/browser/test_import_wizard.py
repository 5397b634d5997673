"""A clerk's path through the browser on real files: LA's boundaries and ledger into an empty workspace,
without a terminal, then a correct 总览. Runs Debian's chromium against a real server, no internet."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.store import Workspace
from tests.browser.conftest import SHOTS, Server, Traffic
from tests.browser.test_offline_map import settle

ROOT = Path(__file__).resolve().parents[2]
LA = ROOT.parent / "shared" / "data" / "la-311"
GRIDS = LA / "la_neighborhood_councils_2019.geojson"
LEDGER = LA / "raw" / "myla311_2018-01-01_to_01-04.csv"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not LEDGER.exists(), reason="../shared/data is not beside this checkout")]


def test_a_clerk_imports_la_grids_and_ledger_in_the_browser(browser: object, tmp_path: Path) -> None:
    ws = tmp_path / "la"
    srv = Server(env={"GRIDWATCH_WORKSPACE": str(ws)})
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 3200})  # type: ignore[attr-defined]
        traffic = Traffic(page)
        page.goto(f"{srv.url}/overview", wait_until="networkidle")  # an empty workspace: on to the 数据 page
        settle(page, 4)
        assert page.get_by_text("第一步：网格边界").count() == 1 and page.url.endswith("/data")
        page.set_input_files("input[type=file] >> nth=0", str(GRIDS))
        settle(page, 4)
        # The id field was guessed from the layer's own columns (nc_id), the name field too.
        assert page.get_by_text("nc_id", exact=True).count() >= 1
        page.get_by_role("button", name="导入网格").click()
        settle(page, 4)
        assert page.get_by_text("已导入 99 个网格", exact=False).count() == 1
        page.set_input_files("input[type=file] >> nth=1", str(LEDGER))
        settle(page, 6)
        assert page.get_by_text("第三步：问题类型对应").count() == 1
        assert page.get_by_text("落在网格内", exact=False).count() == 1
        page.get_by_role("button", name="导入", exact=True).click(timeout=90_000)
        # The import runs in a spinner (no status widget to settle on): wait for its summary, however long
        # a loaded machine takes.
        page.get_by_text("读取 10,000 行", exact=False).wait_for(timeout=180_000)
        settle(page, 2)
        page.screenshot(path=str(SHOTS / "wizard_la_zh.png"), full_page=True)
        assert page.get_by_text("读取 10,000 行", exact=False).count() == 1
        status = Workspace(ws).status()
        assert status["grids"] == 99 and status["issues"] + 0 > 8000 and status["generation"] == 2
        page.goto(f"{srv.url}/overview", wait_until="networkidle")
        settle(page, 6)
        page.screenshot(path=str(SHOTS / "wizard_la_overview_zh.png"))
        body = page.inner_text("body")
        assert "本周总览" in body and "inf" not in body and "Traceback" not in body
        assert "Bulky Items" not in body  # the LA types arrive as our categories, not raw labels
        assert not traffic.external(), traffic.external()
    finally:
        srv.stop()
