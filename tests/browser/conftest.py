"""A running Gridwatch server and a headless Debian Chromium driven by Playwright.

Playwright cannot download its own browser offline, so it drives ``/usr/bin/chromium``
(``make test`` installs it when missing). Set ``GRIDWATCH_SKIP_BROWSER=1`` to skip these tests
explicitly on a machine that cannot have Chromium; a missing browser is otherwise a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
#: Screenshots land here for people to look at (ignored by git).
SHOTS = ROOT / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The dashboard as deployed (``python -m dashboard``: Streamlit plus the warm start) on a free local port."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = open(ROOT / "artifacts" / f"streamlit-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log.name}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # busy (a warm-up in its thread): killed, and reaped like any child
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if os.environ.get("GRIDWATCH_SKIP_BROWSER") == "1":
        pytest.skip("GRIDWATCH_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make test` (it installs it) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    (ROOT / "artifacts").mkdir(exist_ok=True)
    srv = Server()
    yield srv
    srv.stop()


def _base_path_probe(url: str) -> bool:
    """Streamlit's own probe on a deep link: ``/trends/_stcore/health`` 404s, then it uses ``/``."""
    path = urlparse(url).path
    return path.count("/") > 2 and path.endswith(("/_stcore/health", "/_stcore/host-config"))


class Traffic:
    """Every request a page makes, and every failure or error response."""

    def __init__(self, page: object) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        # ERR_ABORTED is the page cancelling a request itself (a rerun removed the iframe that asked),
        # not a resource that failed to load; every other failure counts.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and not _base_path_probe(r.url)
                and self.failed.append(f"{r.url} HTTP {r.status}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def external(self) -> list[str]:
        """Requests to any host other than the app's own."""
        local = {"localhost", "127.0.0.1"}
        return [u for u in self.requests
                if urlparse(u).scheme in {"http", "https", "ws", "wss"} and urlparse(u).hostname not in local]
