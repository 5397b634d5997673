"""The daily cube of 20 million issues on a Dask LocalCluster, against the in-memory route, in one run.

A generated district's history (20M issues over a year: 12 months, each ~1.7M rows) is written
as the workspace keeps it, one GeoParquet 1.1 file per month (each month through the real ledger
reader, join and pile flags). Then, each in a fresh process:

- the Dask engine (:func:`geo.cube.dask_cube.dask_daily_cube`, 2 workers of one thread): wall time
  and the peak memory of each worker;
- the naive route: read the five columns of all months into one process and count there;
- the reference: the in-memory rule month by month, summed; all three cubes must be equal.

Run: ``.venv/bin/python -m benchmarks.bench_dask_cube [--issues 20000000] [--dir /tmp/gw-dask]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

_NAIVE = """
import json, resource, sys, time
import pandas as pd
from geo.cube.daily import COLUMNS, daily_counts
files = sys.argv[2:]
t = time.perf_counter()
frame = pd.concat([pd.read_parquet(f, columns=list(COLUMNS)) for f in files], ignore_index=True)
cube = daily_counts(frame)
cube.to_parquet(sys.argv[1], index=False)
print(json.dumps({"seconds": time.perf_counter() - t, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""

_DASK = """
import json, sys
from pathlib import Path
from geo.cube.dask_cube import dask_daily_cube
run = dask_daily_cube([Path(f) for f in sys.argv[2:]], n_workers=2, memory_limit="3GB")
run.cube.to_parquet(sys.argv[1], index=False)
print(json.dumps({"seconds": run.seconds, "peak_worker_gb": run.peak_worker_gb, "partitions": run.partitions}))
"""


def write_months(out: Path, n_issues: int) -> list[Path]:
    """The district's months as the workspace stores them (GeoParquet 1.1 with bbox covering)."""
    from geo import schema as s
    from geo.ingest.join import assign_grids
    from geo.ingest.ledger import read_ledger
    from geo.ingest.quality import flag_suspect_points
    from geo.synthetic.district import DISTRICT_SEED, iter_district_ledger, make_district_grids

    out.mkdir(parents=True, exist_ok=True)
    grids_m = make_district_grids(np.random.default_rng(DISTRICT_SEED))
    grids = grids_m.to_crs(4326)
    grids.attrs.pop("corners", None)
    files = []
    for k, month in enumerate(iter_district_ledger(grids_m, n_issues, seed=DISTRICT_SEED + 1)):
        issues = assign_grids(read_ledger(month.drop(columns="_category")).issues, grids)
        issues[s.SUSPECT_POINT] = flag_suspect_points(issues).to_numpy()
        path = out / f"{k:02d}.parquet"
        issues.to_parquet(path, index=False, write_covering_bbox=True)
        files.append(path)
        print(f"month {k}: {len(issues):,} issues", flush=True)
    return files


def _child(code: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=20_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/gw-dask"))
    args = parser.parse_args()
    import pandas as pd

    from geo.cube.daily import add_cubes, daily_counts

    t = time.perf_counter()
    files = sorted(args.dir.glob("*.parquet")) if (args.dir / "11.parquet").exists() else write_months(args.dir, args.issues)
    print(f"history written in {time.perf_counter() - t:.0f} s: {len(files)} months", flush=True)
    names = [str(f) for f in files]
    dask_run = _child(_DASK, str(args.dir / "cube_dask.out"), *names)
    naive = _child(_NAIVE, str(args.dir / "cube_naive.out"), *names)
    reference = add_cubes([daily_counts(pd.read_parquet(f)) for f in files])
    got = pd.read_parquet(args.dir / "cube_dask.out")
    plain = pd.read_parquet(args.dir / "cube_naive.out")
    equal = got.equals(reference) and plain.equals(reference)
    print(f"\nissues counted: {int(reference['count'].sum()):,}; cube rows: {len(reference):,}; "
          f"Dask = in-memory rule = naive: {equal}")
    print("| route | wall (s) | peak memory (GB) |")
    print("| --- | --- | --- |")
    print(f"| Dask, 2 workers x 1 thread, {dask_run['partitions']} partitions | {dask_run['seconds']:.1f} | "
          f"{dask_run['peak_worker_gb']:.2f} per worker |")
    print(f"| naive: all months in one process | {naive['seconds']:.1f} | {naive['peak_gb']:.2f} |")
    print(f"naive / Dask peak memory: {naive['peak_gb'] / dask_run['peak_worker_gb']:.1f}x")
    if not equal:
        raise SystemExit("the cubes differ")


if __name__ == "__main__":
    main()
