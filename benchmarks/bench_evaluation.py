"""The evaluation at city scale: one 区域/部门 table and the patrol gap on a generated district, against the naive
route (each unit's indicators counted with its own boolean masks, as a hand count does) in the same run.

Run: ``.venv/bin/python -m benchmarks.bench_evaluation [--issues 1000000] [--keep /tmp/d1m]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import report
from geo import schema as s
from geo.cube.dataset import open_workspace
from geo.ingest.imports import import_grids, import_ledger
from geo.ops.evaluation import evaluate, period_of
from geo.ops.profiles import PROFILES
from geo.ops.rectification import KpiPolicy
from geo.stats.patrol_gap import patrol_gap
from geo.store import Workspace
from geo.synthetic import write_district

#: The columns the page takes from the dataset (dashboard.data.EVALUATION_COLUMNS).
COLUMNS = (s.ISSUE_ID, s.CATEGORY, s.GRID_ID, s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT, s.STATUS, s.HANDLING,
           s.DEPARTMENT, s.SOURCE, s.REPORTER, s.LIKELY_DUPLICATE_OF)


def naive(issues: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per grid, masks over every issue: 立案, 应结案, 结案率, 按期结案率, 监督举报率 (what a hand count does)."""
    rows = {}
    status, closed_at, deadline = issues[s.STATUS], issues[s.CLOSED_AT], issues[s.DEADLINE_AT]
    month = (status != "void") & (issues[s.REPORTED_AT] >= start) & (issues[s.REPORTED_AT] < end)
    closed = (status == "closed") & (closed_at.isna() | (closed_at <= end))
    for grid in issues.loc[month, s.GRID_ID].dropna().unique():
        m = month & (issues[s.GRID_ID] == grid)
        due = m & (closed | (deadline <= end))
        n_due = int(due.sum())
        known = m & issues[s.SOURCE].notna()
        rows[grid] = {"reported": int(m.sum()), "close_rate": (due & closed).sum() / n_due * 100 if n_due else np.nan,
                      "public_share": (known & issues[s.SOURCE].isin(sorted(s.REPORTED_SOURCES))).sum()
                      / max(int(known.sum()), 1) * 100}
    return pd.DataFrame.from_dict(rows, orient="index")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--keep", default="", help="generate and import into this directory (reused when present)")
    args = parser.parse_args()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    ws = Workspace(root / "ws")
    if not (root / "ws" / "CURRENT").exists():
        files = write_district(root / "files", args.issues)
        import_grids(ws, files["grids"], id_field="grid_id", name_field="grid_name", community_field="community")
        import_ledger(ws, files["ledger"])
    data = open_workspace(ws)
    issues = data.issues[~data.issues[s.SUSPECT_POINT].to_numpy(dtype=bool)]
    issues = pd.DataFrame({c: issues[c] for c in COLUMNS})
    policy = KpiPolicy(data.categories)
    start, end = period_of("month", issues[s.REPORTED_AT].max() - pd.Timedelta(days=40))
    rows = []
    t0 = time.perf_counter()
    table = evaluate(issues, data.grids, policy, PROFILES["gbt30428.4"], "area", level="grid", start=start, end=end).table
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    hand = naive(issues, start, end)
    slow = time.perf_counter() - t0
    assert np.allclose(table.loc[hand.index, "reported"], hand["reported"])
    rows.append((f"区域评价 by grid, {len(issues):,} issues, {len(hand):,} grids", ours, slow))
    t0 = time.perf_counter()
    gap = patrol_gap(issues[s.GRID_ID], issues[s.SOURCE])
    rows.append((f"patrol gap over {len(gap.table):,} grids (naive: the grid table's masks)", time.perf_counter() - t0,
                 slow))
    t0 = time.perf_counter()
    people = evaluate(issues, data.grids, policy, PROFILES["gbt30428.4"], "inspector", level="inspector", start=start,
                      end=end).table
    ours = time.perf_counter() - t0
    if len(people):
        # Naive: each inspector's own masks (上报数, 有效上报), timed on 50 and scaled to all of them.
        month = (issues[s.REPORTED_AT] >= start) & (issues[s.REPORTED_AT] < end)
        sample = list(people.index[:50])
        t0 = time.perf_counter()
        for person in sample:
            mine = month & (issues[s.REPORTER] == person)
            _ = int(mine.sum()), int((mine & (issues[s.STATUS] != "void")).sum())
        slow = (time.perf_counter() - t0) * len(people) / len(sample)
        rows.append((f"岗位评价, {len(people):,} inspectors (naive timed on 50, scaled)", ours, slow))
    report(rows)


if __name__ == "__main__":
    main()
