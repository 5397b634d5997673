"""The server's security headers, on the wire and in Chromium: every response carries them and another site
cannot frame the dashboard. That no page of ours breaks under the policy is checked where every page is
opened anyway: ``test_layout.py`` (no policy violation on any page, both sizes and languages) and
``test_offline_map.py`` (the maps draw)."""

from __future__ import annotations

import urllib.request

import pytest

from dashboard.security_headers import HEADERS
from tests.browser.conftest import Server

pytestmark = pytest.mark.browser


def _headers(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return {k.lower(): v for k, v in resp.headers.items()}


def test_every_kind_of_response_carries_the_headers(server: Server) -> None:
    # The page, the health probe, a local Leaflet asset (dashboard/static, served at /app/static).
    for path in ("/", "/_stcore/health", "/app/static/vendor/leaflet/leaflet.js"):
        got = _headers(server.url + path)
        for name, value in HEADERS:
            assert got.get(name.decode()) == value.decode(), (path, name)


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
