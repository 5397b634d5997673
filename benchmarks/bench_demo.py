"""``make demo`` from nothing: the sample built, the server started, 总览 fully drawn, every page's spinners.

What a new user of a fresh clone waits for (after pip): ``python -m geo prepare-sample`` builds the sample
street's workspace (in a fresh folder, with a fresh cache: nothing kept from an earlier run), then
``python -m dashboard`` starts, and Chromium opens 总览. Measured:

* seconds from the start to 总览 fully drawn (the five KPI cards, the map's grids, the top-grids table,
  no spinner left);
* the longest spinner seen on 总览 and then on every page (polled every 0.1 s in the page);
* seconds until the backtest is kept and 总览 has redrawn with it (the provisional caption gone);
* the answers worker processes left after the server has stopped (must be 0).

Two routes in the same run: the answers worker (``GRIDWATCH_ANSWERS`` unset, what ``make demo`` runs),
and the naive route before it (``inline``: the first 总览 computes the backtest in its request).

Run: ``.venv/bin/python -m benchmarks.bench_demo [--route worker|inline|both]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
DRAWN = ("() => { const f = [...document.querySelectorAll('iframe')].find(i => i.offsetHeight > 0 && "
         "i.contentDocument && i.contentDocument.querySelector('path.leaflet-interactive'));"
         " return !!f && document.querySelectorAll('[data-testid=stMetric]').length >= 5"
         " && !!document.querySelector('[data-testid=stTable]')"
         " && !document.querySelector('[data-testid=stSpinner]'); }")
SPINNING = "() => !!document.querySelector('[data-testid=stSpinner]')"
PROVISIONAL = ("() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
               ".some(c => c.innerText.includes('后台'))")
PAGES = ("map", "hotspots", "trends", "rectification", "priority", "forecast", "ranking", "bigscreen")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers_left(marker: str) -> int:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if "geo answers" in line and marker in line)


def _watch(page: object, done: str, timeout_s: float) -> tuple[float, float]:
    """Seconds until ``done`` holds, and the longest spinner meanwhile (polled every 0.1 s)."""
    start = time.perf_counter()
    longest, since = 0.0, None
    while time.perf_counter() - start < timeout_s:
        now = time.perf_counter()
        if page.evaluate(SPINNING):
            since = now if since is None else since
            longest = max(longest, now - since)
        else:
            since = None
        if page.evaluate(done):
            return now - start, longest
        page.wait_for_timeout(100)
    raise TimeoutError(f"not done after {timeout_s:.0f} s")


def run(route: str, timeout_s: float = 300.0) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix=f"gridwatch-demo-{route}-"))
    env = {**os.environ, "GRIDWATCH_SAMPLE_WORKSPACE": str(scratch / "sample"),
           "GRIDWATCH_CACHE_DIR": str(scratch / "cache")}
    env.pop("GRIDWATCH_WORKSPACE", None)
    env.pop("GRIDWATCH_ANSWERS", None)
    if route == "inline":
        env["GRIDWATCH_ANSWERS"] = "inline"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geo", "prepare-sample"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    prepared = time.perf_counter() - started
    port = _port()
    log = (scratch / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "dashboard", "--server.port", str(port), "--server.headless",
                               "true", "--server.address", "127.0.0.1"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    result: dict[str, object] = {"route": route, "prepare_sample_s": round(prepared, 1)}
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.perf_counter() - started > timeout_s:
                    raise
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(url, wait_until="domcontentloaded")
            _, spinner = _watch(page, DRAWN, timeout_s)
            result["overview_drawn_s"] = round(time.perf_counter() - started, 1)
            result["overview_longest_spinner_s"] = round(spinner, 1)
            if route == "worker":
                result["provisional_at_first"] = bool(page.evaluate(PROVISIONAL))
                _watch(page, f"() => !({PROVISIONAL.removeprefix('() => ')})", timeout_s)
                result["checked_and_redrawn_s"] = round(time.perf_counter() - started, 1)
            spinners = {}
            for path in PAGES:
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector("[data-testid=stMain] h1, [data-testid=stMain] h3", timeout=int(timeout_s * 1000))
                _, spinners[path] = _watch(page, "() => !document.querySelector('[data-testid=stSpinner],"
                                                 " [data-testid=stSkeleton]')", timeout_s)
                spinners[path] = round(spinners[path], 1)
            result["longest_spinner_by_page_s"] = spinners
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    time.sleep(1.0)
    result["workers_left_after_stop"] = _workers_left(str(scratch))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--route", choices=["worker", "inline", "both"], default="both")
    args = parser.parse_args()
    routes = ["worker", "inline"] if args.route == "both" else [args.route]
    results = [run(route) for route in routes]
    if len(results) == 2:
        worker, inline = results
        results.append({"inline_over_worker_overview_drawn": round(
            float(inline["overview_drawn_s"]) / float(worker["overview_drawn_s"]), 2)})
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
