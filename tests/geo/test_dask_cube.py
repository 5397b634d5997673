"""The daily cube: one rule, in memory and on a Dask LocalCluster, equal row for row."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from geo import schema as s
from geo.cube.daily import add_cubes, daily_counts
from geo.cube.dask_cube import dask_daily_cube, workspace_files
from geo.ingest.imports import import_grids, import_ledger
from geo.sample import ensure_sample_workspace
from geo.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
HEADER = "问题编号,问题类型,上报时间,经度,纬度,处置状态,办结时间\n"


def test_the_rule_by_hand(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    grids = tmp_path / "grids.geojson"
    grids.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"grid_id": "G1"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]}), encoding="utf-8")
    import_grids(ws, grids)
    ledger = tmp_path / "w.csv"
    ledger.write_text(HEADER + "A,垃圾,2026-02-28 23:30,0.5,0.5,待处置,\n"   # 28 Feb, local time
                               "B,垃圾,2026-02-28 08:00,0.5,0.6,待处置,\n"
                               "C,垃圾,2026-03-01 00:10,0.5,0.7,待处置,\n"   # next month: its own partition
                               "D,垃圾,2026-03-01 09:00,0.5,0.8,已作废,\n"   # void: not counted
                               "E,乱停乱放,2026-03-01 09:00,5,5,待处置,\n", encoding="utf-8")  # outside: no grid
    import_ledger(ws, ledger)
    cube = daily_counts(ws.load_issues())
    assert cube.astype({"day": str}).values.tolist() == [["G1", "litter", "2026-02-28", 2],
                                                          ["G1", "litter", "2026-03-01", 1]]
    files = workspace_files(ws.generation_dir(ws.generation()))
    assert [f.name for f in files] == ["2026-02.parquet", "2026-03.parquet"]
    per_month = add_cubes([daily_counts(pd.read_parquet(f)) for f in files])
    pd.testing.assert_frame_equal(per_month, cube)


def test_dask_cube_equals_the_in_memory_cube_on_the_sample(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(ensure_sample_workspace().root, ws.root)
    import_grids(ws, ROOT / "data" / "sample" / "grids.geojson")  # a new generation: issues written by month
    files = workspace_files(ws.generation_dir(ws.generation()))
    assert len(files) == 13  # 2025-11 .. 2026-11
    run = dask_daily_cube(files, n_workers=2)
    expected = daily_counts(ws.load_issues())
    pd.testing.assert_frame_equal(run.cube, expected)
    assert run.partitions == 13 and run.workers == 2 and 0 < run.peak_worker_gb < 3
    assert int(expected["count"].sum()) == int((ws.load_issues()[s.GRID_ID].notna()
                                                & (ws.load_issues()[s.STATUS] != "void")
                                                & ~ws.load_issues()[s.SUSPECT_POINT]).sum())
    out = subprocess.run([sys.executable, "-m", "geo", "cube", "--workspace", str(ws.root), "--engine", "dask",
                          "--out", str(tmp_path / "c.parquet")], capture_output=True, text=True, cwd=ROOT, check=True)
    doc = json.loads(out.stdout)
    assert doc["rows"] == len(expected) and doc["partitions"] == 13
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "c.parquet"), expected)
