"""Street names with no internet: the sample's roads, named along them, at street zoom on every map page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from geo.ingest.reference import read_reference_layer
from geo.sample import SAMPLE_DIR
from tests.browser.conftest import SHOTS, Server

pytestmark = pytest.mark.browser
FIND_MAP = "() => Object.values(window).find(v => v && window.L && v instanceof L.Map)"


@pytest.mark.parametrize("path", ["", "map", "hotspots", "bigscreen"])
def test_street_names_are_readable_at_street_zoom_offline(browser: object, server: Server, path: str) -> None:
    roads = read_reference_layer(SAMPLE_DIR / "roads.geojson")
    names = set(roads["name"])
    lon, lat = roads.geometry.iloc[2].interpolate(0.5, normalized=True).coords[0]  # 潜山路's middle
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    outside: list[str] = []

    def cut(route: object) -> None:  # the office has no internet: anything not ours fails
        host = urlparse(route.request.url).hostname
        if host in {"localhost", "127.0.0.1"} or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", cut)
    page.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
    page.wait_for_selector("iframe", timeout=90_000)
    frame = None
    for _ in range(120):
        for f in page.frames:
            try:
                if f.evaluate(f"() => !!({FIND_MAP.removeprefix('() => ')})"):
                    frame = f
                    break
            except Exception:  # a frame still loading
                continue
        if frame is not None:
            break
        page.wait_for_timeout(500)
    assert frame is not None, "no map on the page"
    frame.evaluate(f"() => ({FIND_MAP.removeprefix('() => ')}).setView([{lat}, {lon}], 16, {{animate: false}})")
    page.wait_for_timeout(1200)
    shown = frame.evaluate("() => [...document.querySelectorAll('.gw-road')].filter(e => e.offsetParent)"
                           ".map(e => e.textContent)")
    assert "潜山路" in shown and set(shown) <= names, shown
    # Readable: at least 12 px, dark on a white halo, not clipped off the map.
    size = frame.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.gw-road')).fontSize)")
    assert size >= 12
    page.screenshot(path=str(SHOTS / f"street_names_{path or 'overview'}.png"))
    assert outside == [], outside
    page.close()
