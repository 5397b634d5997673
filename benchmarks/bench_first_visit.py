"""The first visit after the server starts, in a real browser: ``streamlit run`` against ``python -m dashboard``.

What a leader waits for when the server has just been (re)started: from opening the address to 总览's
KPI cards and map drawn, in Debian's Chromium through Playwright. Two routes in the same run:

* ``streamlit run dashboard/app.py`` (the naive route): the first visit reads the generation, codes the
  filters and computes the first KPI pass itself;
* ``python -m dashboard`` (:mod:`dashboard.warm`): the server reads the workspace when it starts; the
  visit comes once the warm-up has logged that it is done (the time it took is printed too).

With ``--workspace``, the warm visit to the sample street (21k issues) is measured too: what the browser
itself takes to draw the page (Streamlit's frontend, the map's frame), whatever the data; the ratio
says what a district's size adds. Also printed: the server process's resident memory after the visit.
The workspace is any imported one (``--workspace``; e.g. the 1M district of ``bench_scale``, kept with
``--keep``), the sample by default.

Run: ``.venv/bin/python -m benchmarks.bench_first_visit --workspace WS``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
READY = ("() => { const f = [...document.querySelectorAll('iframe')].find(i => i.offsetHeight > 0 && "
         "i.contentDocument && i.contentDocument.querySelector('path.leaflet-interactive'));"
         " return !!f && document.querySelectorAll('[data-testid=stMetric]').length >= 5; }")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_gb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def visit(route: str, workspace: str | None, timeout_s: float = 300.0) -> dict[str, float]:
    """Start the server by ``route`` ("run" or "warm"), then time one first visit to 总览."""
    from playwright.sync_api import sync_playwright

    port = _port()
    cmd = ([sys.executable, "-m", "streamlit", "run", "dashboard/app.py"] if route == "run"
           else [sys.executable, "-m", "dashboard"])
    env = {**os.environ, **({"GRIDWATCH_WORKSPACE": workspace} if workspace else {})}
    log = Path(f"/tmp/gridwatch-first-visit-{route}.log")
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([*cmd, "--server.port", str(port), "--server.headless", "true",
                                 "--server.address", "127.0.0.1", "--logger.level", "info"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        up_s = time.perf_counter() - started
        if route == "warm":  # the leader arrives once the warm-up is done (a restart at night, say)
            while "warmed" not in log.read_text() and time.perf_counter() - started < timeout_s:
                time.sleep(0.2)
        warm_s = time.perf_counter() - started
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            began = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            page.wait_for_function(READY, timeout=timeout_s * 1000, polling=100)
            first_s = time.perf_counter() - began
            browser.close()
        return {"server_up_s": round(up_s, 2), "ready_s": round(warm_s, 2), "first_visit_s": round(first_s, 2),
                "rss_gb": round(_rss_gb(proc.pid), 2)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default=None, help="an imported workspace (default: the sample street)")
    args = parser.parse_args()
    naive = visit("run", args.workspace)
    warmed = visit("warm", args.workspace)
    routes = {"streamlit run": naive, "python -m dashboard": warmed}
    if args.workspace:  # the browser's own share: the same warm visit to the sample street's 21k issues
        routes["python -m dashboard, sample street"] = visit("warm", None)
    print(json.dumps(routes))
    print("| route | server up (s) | ready (s) | first visit to 总览 drawn (s) | server RSS after (GB) |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in routes.items():
        print(f"| {name} | {r['server_up_s']} | {r['ready_s']} | {r['first_visit_s']} | {r['rss_gb']} |")
    print(f"first visit, naive / warm: {naive['first_visit_s'] / warmed['first_visit_s']:.1f}x")
    if args.workspace:
        sample = routes["python -m dashboard, sample street"]
        print(f"first visit, this workspace / the sample street (both warm): "
              f"{warmed['first_visit_s'] / sample['first_visit_s']:.2f}x")


if __name__ == "__main__":
    main()
