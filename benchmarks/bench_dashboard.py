"""Server-side time of the dashboard on the sample street, cached vs uncached, in one run.

Measured with Streamlit's AppTest (the script run, not the browser): the first page open in a fresh
process, a rerun after a change to a new filter and back to one already seen, against the naive
design measured in the same run (re-read the ledger CSV and re-join it on every interaction).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py``
"""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from benchmarks.common import report
from geo.cube.analysis import run_analysis
from geo.cube.filter import IssueFilter
from geo.sample import SAMPLE_DIR, load_dataset

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    first_open = timed(at.run)
    communities = ["望江社区", "新华社区", "南湖社区", "青石社区"]
    new_filter = [timed(lambda c=comm: at.sidebar.multiselect(key="gw_communities").set_value([c]).run())
                  for comm in communities]
    revisit = [timed(lambda c=comm: at.sidebar.multiselect(key="gw_communities").set_value([c]).run())
               for comm in communities]
    page_switch = timed(lambda: at.switch_page("app_pages/ranking.py").run())
    assert not at.exception
    # Every page: its first open in this session, then a filter change on it (server side, as above).
    pages = ["overview", "map", "hotspots", "trends", "rectification", "priority", "ranking", "data"]
    per_page = []
    for name in pages:
        opened = timed(lambda n=name: at.switch_page(f"app_pages/{n}.py").run())
        changed = timed(lambda: at.sidebar.multiselect(key="gw_communities").set_value(["杏林社区"]).run())
        back = timed(lambda: at.sidebar.multiselect(key="gw_communities").set_value([]).run())
        assert not at.exception, name
        per_page.append((name, opened, max(changed, back)))
    # Drill-down: what a click on a grid costs (the rerun that draws the outline and the detail panel).
    at.switch_page("app_pages/map.py").run()
    clicks = []
    for grid in ("340104012001004", "340104012001002", "340104012003002"):
        at.session_state["gw_detail_grid"] = grid
        clicks.append(timed(at.run))
        assert not at.exception and at.subheader, grid

    # The naive design: every interaction re-reads the ledger CSV and re-joins it, then analyses.
    def naive(comm: str) -> None:
        data = load_dataset(SAMPLE_DIR / "ledger.csv", SAMPLE_DIR / "grids.geojson")
        run_analysis(data, IssueFilter(communities=(comm,)))

    naive_times = [timed(lambda c=comm: naive(c)) for comm in communities]
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(f"first page open (cold process, includes opening the workspace): {first_open:.2f} s")
    print(f"switch to the ranking page: {page_switch:.3f} s")
    print("| page | first open (s, goal < 3) | filter change (s, goal < 1) |")
    print("| --- | --- | --- |")
    for name, opened, changed in per_page:
        print(f"| {name} | {opened:.2f} | {changed:.2f} |")
    print(f"grid click on the map page (outline + detail panel), slowest of 3: {max(clicks):.2f} s")
    report([("filter change to a new filter, server side (s)", med(new_filter), med(naive_times)),
            ("filter change back to a seen filter (s)", med(revisit), med(naive_times))])


if __name__ == "__main__":
    main()
