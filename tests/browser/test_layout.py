"""Layout that fits: at 1366x768 and 1920x1080, in Chinese and English, no label, name or column is cut off.

Each page is opened in Chromium and every box that clips its overflow (``overflow: hidden``, an ellipsis)
is compared with its content (``scrollWidth`` against ``clientWidth``), as is text running past the right
edge of the window (``tests/browser/cutoff.js``). The data grid draws on a canvas and sizes its columns to
their content (scrolling sideways when needed), so long text (the reasons of a priority list) is shown in
static tables, which wrap, and is checked here. Screenshots of the matrix land in ``artifacts/screenshots``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.conftest import SHOTS, Server, Traffic

pytestmark = pytest.mark.browser
CUTOFF = (Path(__file__).with_name("cutoff.js")).read_text(encoding="utf-8")
PAGES = ("", "map", "hotspots", "trends", "rectification", "evaluation", "priority", "forecast", "ranking", "data",
         "bigscreen")
SIZES = ((1366, 768), (1920, 1080))
BUSY = "() => !!document.querySelector('[data-testid=stStatusWidget], [data-testid=stSpinner], [data-testid=stSkeleton]')"


def _settle(page: object, timeout_s: float = 90.0) -> None:
    """Until the page has run: a heading is drawn (the big screen's is an h3) and nothing ran for a second."""
    page.wait_for_selector("[data-testid=stMain] h1, [data-testid=stMain] h3", timeout=int(timeout_s * 1000))
    deadline, quiet = time.monotonic() + timeout_s, 0
    while quiet < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(350)
        quiet = 0 if page.evaluate(BUSY) else quiet + 1


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_nothing_is_cut_off_on_any_page(browser: object, server: Server, width: int, height: int, lang: str) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    traffic = Traffic(page)
    refused: list[str] = []  # the security headers' policy must not break any page (dashboard/security_headers.py)
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    found = {}
    for path in PAGES:
        page.goto(f"{server.url}/{path}{'?lang=en' if lang == 'en' else ''}", wait_until="domcontentloaded")
        _settle(page)
        cut = page.evaluate(CUTOFF)
        if cut:
            found[path or "overview"] = cut
        # The app scrolls inside its own container: grow the window to the content for a whole-page picture.
        tall = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(max(int(tall), height), 8000)})
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / f"layout_{width}_{lang}_{path or 'overview'}.png"))
        page.set_viewport_size({"width": width, "height": height})
    assert found == {}
    assert refused == []
    assert traffic.external() == []
    page.close()
