"""Madrid's year as a new user brings it in through the browser: Spanish labels, a zone with daylight saving,
a UTC column, a geocoder's default pile and grid names damaged by a wrong encoding.

The expected figures on 总览 were counted by hand from the raw file with pandas and geopandas
(``scripts/hand_count.py madrid``: every weekly total, the open and overdue counts and the top five agree).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from geo.store import Workspace
from tests.browser.conftest import SHOTS, Server, Traffic
from tests.browser.test_offline_map import settle

ROOT = Path(__file__).resolve().parents[2]
MADRID = ROOT.parent / "shared" / "data" / "madrid-avisos-2021-2022"
GRIDS = MADRID / "madrid_barrios_131.geojson"
LEDGER = MADRID / "madrid_avisos_core.csv.gz"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not LEDGER.exists(), reason="../shared/data is not beside this checkout")]


def test_a_clerk_brings_madrid_in_and_reads_the_hand_counted_figures(browser: object, tmp_path: Path) -> None:
    ledger = tmp_path / "madrid_avisos_core.csv"  # what a clerk uploads: the file unpacked
    with gzip.open(LEDGER, "rb") as src, ledger.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    ws = tmp_path / "madrid"
    srv = Server(env={"GRIDWATCH_WORKSPACE": str(ws)})
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 3600})  # type: ignore[attr-defined]
        traffic = Traffic(page)
        page.goto(f"{srv.url}/data", wait_until="networkidle")
        settle(page, 4)
        page.set_input_files("input[type=file] >> nth=0", str(GRIDS))
        settle(page, 4)
        # No alias matches these headers: the values chose the id and a header said which is the name.
        assert page.get_by_text("CODBDT", exact=True).count() >= 1
        assert page.get_by_text("DISPLAY_NAME", exact=True).count() >= 1
        page.get_by_role("button", name="导入网格").click()
        settle(page, 4)
        assert page.get_by_text("已导入 131 个网格", exact=False).count() == 1
        assert page.get_by_text("个名称含有乱码", exact=False).count() == 1  # «171 San Andr�s»
        page.set_input_files("input[type=file] >> nth=1", str(ledger))
        page.get_by_text("第三步：问题类型对应").wait_for(timeout=180_000)
        settle(page, 4)
        body = page.inner_text("body")
        assert "Europe/Madrid" in body  # proposed from where the grids lie, not Asia/Shanghai
        page.screenshot(path=str(SHOTS / "wizard_madrid_steps_zh.png"), full_page=True)
        page.get_by_role("button", name="导入", exact=True).click(timeout=90_000)
        page.get_by_text("读取 102,334 行", exact=False).wait_for(timeout=300_000)
        settle(page, 2)
        page.screenshot(path=str(SHOTS / "wizard_madrid_summary_zh.png"), full_page=True)
        body = page.inner_text("body")
        assert "拒收 0 行" in body
        assert Workspace(ws).status()["issues"] == 102_334
        page.goto(f"{srv.url}/overview", wait_until="networkidle")
        page.get_by_text("本周总览").wait_for(timeout=120_000)
        settle(page, 6)
        page.screenshot(path=str(SHOTS / "wizard_madrid_overview_zh.png"))
        cards = page.locator("[data-testid=stMetric]").all_inner_texts()
        text = " ".join(cards)
        # Counted by hand (scripts/hand_count.py): the last week's reports, the overdue and the open cases.
        assert "3,652" in text and "63,685" in text and "65,991" in text, cards
        body = page.inner_text("body")
        assert "归为“其他”" in body  # Spanish labels all unmapped: the warning names the largest
        assert "inf" not in body and "Traceback" not in body
        assert not traffic.external(), traffic.external()
    finally:
        srv.stop()
