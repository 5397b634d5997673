"""City scale: import, flags and every page at 100k, 300k and 1M generated issues, with growth exponents.

A district is generated with :func:`geo.synthetic.write_district` (12 streets, 1,200 grids; never
committed), imported through the command line in a fresh process (wall time and peak memory of that
process), then every dashboard page is opened and given a filter change with Streamlit's AppTest in
another fresh process (server side; the process's peak memory is the app's); and, in a third, the
deployment's route: the warm-up of ``python -m dashboard`` first, then 总览's first open. Beside it, in the same
run, the naive route the import used before: an all-pairs ``STRtree.query(dwithin)`` search for
double submissions and recurrences (measured up to 300k issues: at 1M it needs more than 12 GB).

The growth exponent ``b`` of ``time ~ N^b`` is fitted over the sizes measured: 1 is linear, 2 is
all pairs.

Between the import and the pages, ``python -m geo backtest`` runs as the nightly job does (timed, in its
own process): it keeps the backtest and the default priority list with the generation, so the pages
measure the dashboard, not a background backtest sharing the two cores. ``--fresh`` skips it: the first
visit right after an import, while the dashboard's own background backtest runs.

Run: ``.venv/bin/python -m benchmarks.bench_scale [--sizes 100000,300000,1000000] [--import-only 5000000]
[--keep DIR]``
Figures and commands are recorded in ``docs/scale.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("overview", "map", "hotspots", "trends", "rectification", "priority", "forecast", "ranking", "bigscreen")

_PAGES = """
import json, resource, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=1800)
def timed(fn):
    t = time.perf_counter(); fn(); return time.perf_counter() - t
def payload(node):
    # What the browser receives for the page: the serialised size of every element (maps included).
    own = node.proto.ByteSize() if type(node).__name__ not in ("Block", "SpecialBlock", "ElementTree") and \
        hasattr(getattr(node, "proto", None), "ByteSize") else 0
    kids = getattr(node, "children", None) or {}
    return own + sum(payload(c) for c in (kids.values() if isinstance(kids, dict) else kids))
out = {"first_open": timed(at.run)}
comms = at.sidebar.multiselect(key="gw_communities").options
for page in sys.argv[2:]:
    opened = timed(lambda: at.switch_page(f"app_pages/{page}.py").run())
    size = payload(at._tree) / 1e6
    change = timed(lambda: at.sidebar.multiselect(key="gw_communities").set_value([comms[1]]).run())
    back = timed(lambda: at.sidebar.multiselect(key="gw_communities").set_value([]).run())
    out[page] = [opened, max(change, back), [str(e.value)[:120] for e in at.exception], size]
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
print(json.dumps(out))
"""

#: The route a deployment takes (``python -m dashboard``): the warm-up reads the workspace before anyone
#: visits (:mod:`dashboard.warm`), then the first visit opens 总览. Timed apart, in a fresh process.
_WARM_FIRST = """
import json, resource, sys, time
t = time.perf_counter()
from dashboard import warm
warm.preload(); warm.warm()
warmed = time.perf_counter() - t
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=1800)
t = time.perf_counter(); at.run(); first = time.perf_counter() - t
print(json.dumps({"warm_up": warmed, "first_open": first, "exceptions": [str(e.value)[:120] for e in at.exception],
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""


def whole_import(ws: Path, grids: Path, ledger: Path) -> dict:
    """``python -m geo import`` as the nightly job runs it, a process of its own: wall and CPU seconds
    (user + system, every thread) and its peak memory. The answers worker it would start is left out
    (``GRIDWATCH_ANSWERS=inline``): that is the backtest's cost, measured beside it."""
    import os
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "geo", "import", "--workspace", str(ws), "--grids", str(grids), str(ledger)],
                   cwd=ROOT, check=True, capture_output=True, env={**os.environ, "GRIDWATCH_ANSWERS": "inline"})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is the largest so far: sizes run smallest first, and the import is the
    # largest process of its size, so it is this import's peak.
    return {"wall_s": wall, "cpu_s": cpu, "peak_gb": after.ru_maxrss / 1e6}


def _child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    import os

    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def naive_pairs(issues, radius_m: float) -> float:
    """The all-pairs route: every pair within ``radius_m`` whatever their times (what the import did)."""
    from geo.crs import metric_crs_for

    pts = issues.geometry.to_crs(metric_crs_for(issues.geometry)).to_numpy()
    t = time.perf_counter()
    a, b = shapely.STRtree(pts).query(pts, predicate="dwithin", distance=radius_m)
    del a, b
    return time.perf_counter() - t


def windowed(issues) -> float:
    from geo.ingest.quality import flag_likely_duplicates
    from geo.ops.recurrence import flag_recurrences

    t = time.perf_counter()
    flag_likely_duplicates(issues)
    flag_recurrences(issues)
    return time.perf_counter() - t


def exponent(ns: list[int], ts: list[float]) -> float:
    """Least-squares slope of log t on log N."""
    if len(ns) < 2:
        return math.nan
    return float(np.polyfit(np.log(ns), np.log(np.maximum(ts, 1e-9)), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--import-only", default="", help="larger sizes to import only (e.g. 5000000)")
    parser.add_argument("--naive-max", type=int, default=300_000)
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="no nightly backtest before the pages")
    parser.add_argument("--keep", default="", help="generate and import into this directory and keep it "
                        "(DIR/wsN is then a workspace of N issues, e.g. for bench_first_visit)")
    args = parser.parse_args()
    from geo.store import Workspace
    from geo.synthetic import write_district

    sizes = [int(x) for x in args.sizes.split(",") if x]
    big = [int(x) for x in args.import_only.split(",") if x]
    rows = []
    with contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory(prefix="gw-scale-") as tmp:
        for n in [*sizes, *big]:
            files = write_district(Path(tmp) / f"d{n}", n)
            ws = Path(tmp) / f"ws{n}"
            imp = whole_import(ws, files["grids"], files["ledger"])
            row = {"n": n, "import_s": imp["wall_s"], "import_cpu_s": imp["cpu_s"], "import_gb": imp["peak_gb"]}
            if n in sizes:
                issues = Workspace(ws).load_issues()
                row["flags_s"] = windowed(issues)
                if n <= args.naive_max:
                    row["naive_pairs_s"] = naive_pairs(issues, 30.0)
                del issues
                if not args.no_pages and not args.fresh:
                    t0 = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "geo", "backtest", "--workspace", str(ws)], cwd=ROOT,
                                   check=True, capture_output=True)
                    row["backtest_s"] = time.perf_counter() - t0
                if not args.no_pages:
                    pages = _child(_PAGES, str(ROOT / "dashboard" / "app.py"), *PAGES,
                                   env={"GRIDWATCH_WORKSPACE": str(ws)})
                    row["pages"] = pages
                    row["warm"] = _child(_WARM_FIRST, str(ROOT / "dashboard" / "app.py"),
                                         env={"GRIDWATCH_WORKSPACE": str(ws)})
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| issues | import (s) | import CPU (s) | import peak (GB) | flags, windowed (s) "
          "| flags' pair search, naive (s) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        pairs = f"{r['naive_pairs_s']:.2f}" if "naive_pairs_s" in r else "—"
        flags = f"{r['flags_s']:.2f}" if "flags_s" in r else "—"
        print(f"| {r['n']:,} | {r['import_s']:.1f} | {r['import_cpu_s']:.1f} | {r['import_gb']:.2f} | {flags} | {pairs} |")
    measured = [r for r in rows if "flags_s" in r]
    naive = [r for r in measured if "naive_pairs_s" in r]
    print(f"\ngrowth exponent: import {exponent([r['n'] for r in rows], [r['import_s'] for r in rows]):.2f} "
          f"(CPU {exponent([r['n'] for r in rows], [r['import_cpu_s'] for r in rows]):.2f}), "
          f"windowed flags {exponent([r['n'] for r in measured], [r['flags_s'] for r in measured]):.2f}, "
          f"naive pair search {exponent([r['n'] for r in naive], [r['naive_pairs_s'] for r in naive]):.2f}")
    paged = [r for r in rows if "pages" in r]
    if paged:
        print("\n| page | " + " | ".join(f"{r['n']:,}: open / change (s), payload (MB)" for r in paged) + " |")
        print("| --- |" + " --- |" * len(paged))
        print("| first open (cold process) | " + " | ".join(f"{r['pages']['first_open']:.1f}" for r in paged) + " |")
        print("| warm-up, then first open (python -m dashboard) | "
              + " | ".join(f"{r['warm']['warm_up']:.1f}, then {r['warm']['first_open']:.2f}" for r in paged) + " |")
        for page in PAGES:
            cells = [f"{r['pages'][page][0]:.2f} / {r['pages'][page][1]:.2f}, {r['pages'][page][3]:.2f}" for r in paged]
            print(f"| {page} | " + " | ".join(cells) + " |")
        print("| process peak (GB) | " + " | ".join(f"{r['pages']['peak_gb']:.2f}" for r in paged) + " |")
        if all("backtest_s" in r for r in paged):
            print("| nightly backtest before the pages (s) | " + " | ".join(f"{r['backtest_s']:.0f}" for r in paged)
                  + " |")


if __name__ == "__main__":
    main()
