"""考核评价 in Chromium, offline, at the office laptop's and the big screen's sizes, in both languages: the on-target
index is read on the first screen, the patrol blind-spot map draws with the planted grid in its legend's colour,
and 总览 carries the same index."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS, Server, Traffic
from tests.browser.test_layout import _settle
from tests.browser.test_offline_map import wait_for_legend

pytestmark = pytest.mark.browser
WORDS = {"zh": {"index": "达标指数", "gap": "巡查盲区", "legend": "巡查盲区", "card": "本月达标"},
         "en": {"index": "On-target index", "gap": "Patrol blind spots", "legend": "Patrol blind spots", "card": "Target"}}
BLIND_FILL = "#b2182b"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_index_and_blind_spots_on_the_page(browser: object, server: Server, width: int, height: int, lang: str) -> None:
    words = WORDS[lang]
    page = browser.new_page(viewport={"width": width, "height": height})
    traffic = Traffic(page)
    page.goto(f"{server.url}/evaluation?lang={lang}", wait_until="domcontentloaded")
    _settle(page)
    index = page.locator("[data-testid=stMetric]", has_text=words["index"]).first
    box = index.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, "the index is on the first screen"
    page.locator("label", has_text=words["gap"]).first.click()
    frame = wait_for_legend(page, words["legend"])
    fills = frame.evaluate("() => [...document.querySelectorAll('path.leaflet-interactive')]"
                           ".map(p => p.getAttribute('fill'))")
    assert fills.count(BLIND_FILL) == 1, "exactly the planted grid is drawn as a blind spot"
    page.screenshot(path=str(SHOTS / f"evaluation_gap_{width}_{lang}.png"))
    page.goto(f"{server.url}/?lang={lang}", wait_until="domcontentloaded")
    _settle(page)
    card = page.locator("[data-testid=stMetric]", has_text=words["card"]).first
    card_box = card.bounding_box()
    assert card_box is not None and card_box["y"] + card_box["height"] <= height
    assert "0." in card.inner_text() or "1." in card.inner_text()
    assert traffic.external() == [] and traffic.failed == []
    page.close()
