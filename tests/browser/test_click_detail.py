"""Laptop first (1366x768): a click on a grid brings its detail into view (it opens under the map, below the
fold, and before the page scrolled to it a click seemed to do nothing); the maps of 地图 and 热点 start high."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS, Server
from tests.browser.test_offline_map import GRID_PATH, map_frame, open_page

pytestmark = pytest.mark.browser


def test_a_click_on_a_grid_scrolls_its_detail_into_view(browser: object, server: Server) -> None:
    page, traffic = open_page(browser, server.url, height=768)  # 总览 on a laptop
    frame = map_frame(page)
    grid = frame.locator(GRID_PATH).first
    grid.click(force=True)  # a grid cell is convex: its box centre is inside it
    heading = page.get_by_role("heading", name="（", exact=False).last
    try:
        heading.wait_for(timeout=30_000)
    finally:
        page.screenshot(path=str(SHOTS / "overview_click_detail_1366.png"), full_page=True)
    page.wait_for_timeout(2000)  # the smooth scroll
    box = heading.bounding_box()
    assert box is not None and 0 <= box["y"] <= 768 - box["height"], box
    page.screenshot(path=str(SHOTS / "overview_click_detail_1366.png"))
    assert traffic.external() == []
    page.close()


@pytest.mark.parametrize("path", ["map", "hotspots"])
def test_the_map_starts_in_the_upper_half_of_a_laptop_screen(browser: object, server: Server, path: str) -> None:
    """The controls and figures share a row above it (measured: 地图 220 px, 热点 317 px; were 399 and 483)."""
    page, _ = open_page(browser, f"{server.url}/{path}", height=768)
    frame = map_frame(page)
    assert frame is not None
    top = page.evaluate("() => Math.min(...[...document.querySelectorAll('iframe')]"
                        ".filter(f => f.offsetHeight > 100).map(f => f.getBoundingClientRect().top))")
    assert 0 < top <= 768 / 2, top
    page.close()
