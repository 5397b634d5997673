"""Server-side time of the dashboard on the sample street, cached vs uncached, in one run.

Measured with Streamlit's AppTest (the script run, not the browser): the first page open in a fresh
process, a rerun after a filter change, and the same filter change with every cache cleared (the
naive app that reloads and re-joins the ledger on every interaction).

Run: ``.venv/bin/python benchmarks/bench_dashboard.py``
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from benchmarks.common import report

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    first_open = timed(at.run)
    communities = ["望江社区", "新华社区", "南湖社区", "青石社区"]
    cached, uncached = [], []
    for comm in communities:
        cached.append(timed(lambda c=comm: at.sidebar.multiselect(key="gw_communities").set_value([c]).run()))
    for comm in communities:
        def cold(c: str = comm) -> None:
            st.cache_data.clear()
            st.cache_resource.clear()
            at.sidebar.multiselect(key="gw_communities").set_value([c]).run()
        uncached.append(timed(cold))
    page_switch = timed(lambda: at.switch_page("app_pages/ranking.py").run())
    assert not at.exception
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(f"first page open (cold process, includes reading and joining the ledger): {first_open:.2f} s")
    print(f"switch to the ranking page: {page_switch:.3f} s")
    report([("filter change, server side (s)", med(cached), med(uncached))])


if __name__ == "__main__":
    main()
