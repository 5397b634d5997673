"""A district's map in Chromium: streets zoomed out, communities between, grids zoomed in; a click on a
street zooms to it. Each level shows its own legend and only its own fills."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.ingest.imports import import_grids, import_ledger
from geo.store import Workspace
from geo.synthetic.district import write_district
from tests.browser.conftest import SHOTS, Server
from tests.browser.test_offline_map import map_frame, open_page

pytestmark = pytest.mark.browser

#: Visible fills per level and the text of the legend on show.
STATE = """() => ({
    street: document.querySelectorAll('path.gw-fill-street').length,
    community: document.querySelectorAll('path.gw-fill-community').length,
    grid: document.querySelectorAll('path.gw-fill-grid').length,
    legend: [...document.querySelectorAll('.gw-legend')].filter(e => e.style.display !== 'none')
        .map(e => e.querySelector('b').textContent),
})"""


@pytest.fixture(scope="module")
def district_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Four streets (16 communities, 400 grids) with 20,000 issues, imported as a clerk would."""
    root = tmp_path_factory.mktemp("district")
    files = write_district(root / "files", 20_000, n_streets=4)
    ws = Workspace(root / "ws")
    import_grids(ws, files["grids"])
    import_ledger(ws, files["ledger"])
    srv = Server(env={"GRIDWATCH_WORKSPACE": str(Path(ws.root))})
    yield srv
    srv.stop()


def _zoom(frame: object, button: str, times: int) -> None:
    for _ in range(times):
        frame.click(f".leaflet-control-zoom-{button}")
        frame.wait_for_timeout(450)  # Leaflet's zoom animation


#: The Leaflet map's zoom in the component's frame.
ZOOM = "() => Object.values(window).find(v => v instanceof L.Map).getZoom()"
#: Fills each level draws (4 streets, 16 communities, 400 grids) and its legend's title.
LEVELS = {"street": (4, "各街道问题数（件）"), "community": (16, "各社区问题数（件）"), "grid": (400, "各网格问题数（件）")}


def _level(state: dict) -> str:
    """The one level a map state draws, checked whole: its fills all there, the others none, its legend alone."""
    drawn = [name for name in LEVELS if state[name]]
    assert len(drawn) == 1, state
    name = drawn[0]
    assert state[name] == LEVELS[name][0] and state["legend"] == [LEVELS[name][1]], state
    return name


def test_the_map_steps_through_streets_communities_and_grids(browser: object, district_server: Server) -> None:
    page, traffic = open_page(browser, district_server.url)
    frame = map_frame(page, timeout_s=120)
    seen = [_level(frame.evaluate(STATE))]
    for _ in range(6):  # zoom out until the streets show
        if seen[-1] == "street":
            break
        _zoom(frame, "out", 1)
        seen.append(_level(frame.evaluate(STATE)))
    # coarser at every step out, through every level, none skipped
    order = list(LEVELS)
    assert [order.index(x) for x in seen] == sorted((order.index(x) for x in seen), reverse=True)
    assert {"street", "community"} <= set(seen)
    page.screenshot(path=str(SHOTS / "levels_streets_zh.png"), full_page=True)
    # A click on a street zooms to it (in the same map: no rerun resets the view), and its communities or
    # grids take over.
    zoom_before = frame.evaluate(ZOOM)
    frame.evaluate("() => document.querySelector('path.gw-fill-street').dispatchEvent("
                   "new MouseEvent('click', {bubbles: true}))")
    frame.wait_for_timeout(1500)
    frame = map_frame(page)
    assert frame.evaluate(ZOOM) > zoom_before
    assert _level(frame.evaluate(STATE)) in {"community", "grid"}
    for _ in range(6):  # and zooming in ends at the grids
        if _level(frame.evaluate(STATE)) == "grid":
            break
        _zoom(frame, "in", 1)
    assert _level(frame.evaluate(STATE)) == "grid"
    page.screenshot(path=str(SHOTS / "levels_grids_zh.png"), full_page=True)
    assert traffic.external() == [] and traffic.failed == []
    page.close()


def test_english_legends_follow_the_level_too(browser: object, district_server: Server) -> None:
    page, traffic = open_page(browser, f"{district_server.url}/?lang=en")
    frame = map_frame(page, timeout_s=120)
    shown = []
    for _ in range(6):
        shown.append(frame.evaluate(STATE)["legend"])
        if shown[-1] == ["Issues per street"]:
            break
        _zoom(frame, "out", 1)
    assert ["Issues per street"] in shown and ["Issues per community"] in shown
    assert all(len(legend) == 1 for legend in shown)
    assert traffic.external() == [] and traffic.failed == []
    page.close()
