"""The server's security headers, on the wire and in Chromium: every response carries them, no page of ours
breaks under the policy (maps, charts, the big screen), and another site cannot frame the dashboard."""

from __future__ import annotations

import urllib.request

import pytest

from dashboard.security_headers import HEADERS
from tests.browser.conftest import Server

pytestmark = pytest.mark.browser
PAGES = ("", "map", "hotspots", "trends", "rectification", "evaluation", "priority", "forecast", "ranking", "data",
         "bigscreen")


def _headers(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return {k.lower(): v for k, v in resp.headers.items()}


def test_every_kind_of_response_carries_the_headers(server: Server) -> None:
    # The page, the health probe, a local Leaflet asset (dashboard/static, served at /app/static).
    for path in ("/", "/_stcore/health", "/app/static/vendor/leaflet/leaflet.js"):
        got = _headers(server.url + path)
        for name, value in HEADERS:
            assert got.get(name.decode()) == value.decode(), (path, name)


def test_no_page_breaks_under_the_policy(browser: object, server: Server) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    refused: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.on("requestfailed", lambda r: "BLOCKED_BY" in (r.failure or "") and refused.append(f"{r.url} {r.failure}"))
    drawn = {}
    for path in PAGES:
        page.goto(f"{server.url}/{path}", wait_until="networkidle", timeout=180_000)
        page.wait_for_timeout(3000)
        frames = [f for f in page.frames if "streamlit_folium" in (f.url or "") and not f.is_detached()]
        drawn[path or "overview"] = sum(
            f.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length") for f in frames)
    assert refused == []
    assert all(drawn[p] > 0 for p in ("overview", "map", "hotspots", "priority", "bigscreen")), drawn
    page.close()


def test_another_site_cannot_frame_the_dashboard(browser: object, server: Server) -> None:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    # A page of another origin (about:blank's data URL) framing the dashboard: the browser refuses to draw it.
    page.set_content(f"<iframe id='f' src='{server.url}/' width='800' height='600'></iframe>")
    page.wait_for_timeout(4000)
    framed = page.frame_locator("#f").locator("[data-testid=stApp]")
    assert framed.count() == 0
    assert any("frame-ancestors" in m or "X-Frame-Options" in m for m in messages), messages
    page.close()
