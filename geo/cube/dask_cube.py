"""The daily cube of a history too large for one machine's memory, on a Dask cluster.

The workspace keeps its issues by month (:mod:`geo.store.partitions`), so each month is a
partition: ``dask-geopandas`` reads the months (only the columns the rule needs), every worker
applies :func:`geo.cube.daily.daily_counts` to its months, and the partial cubes are added. A
worker holds one month at a time, so memory per worker follows the largest month, not the history.

``scheduler=None`` starts a ``LocalCluster`` on this machine (tests, one server); any
``dask.distributed`` scheduler address runs it on that cluster, whose workers must see the same
files (a shared volume or the same path on each host).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.cube.daily import COLUMNS, add_cubes, daily_counts, empty_cube
from geo.store.partitions import month_files


@dataclass(frozen=True)
class DaskRun:
    """A cube built on Dask, with what it cost."""

    cube: pd.DataFrame
    partitions: int
    seconds: float
    workers: int
    #: The largest peak resident memory of any worker process, in GB.
    peak_worker_gb: float


def workspace_files(generation_dir: Path) -> list[Path]:
    """The Parquet files holding a generation's issues: its months, or a format-2 generation's one file."""
    files = month_files(generation_dir)
    if files:
        return files
    single = generation_dir / "issues.parquet"
    return [single] if single.exists() else []


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux


def dask_daily_cube(files: Sequence[Path], *, scheduler: str | None = None, n_workers: int = 2,
                    memory_limit: str = "3GB") -> DaskRun:
    """The daily cube of the issues in ``files`` (GeoParquet), one partition per file."""
    import dask_geopandas
    from distributed import Client, LocalCluster

    if not files:
        return DaskRun(empty_cube(), 0, 0.0, 0, 0.0)
    start = time.perf_counter()
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, memory_limit=memory_limit,
                               dashboard_address=None, processes=True)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        frame = dask_geopandas.read_parquet([str(f) for f in files], columns=list(COLUMNS))
        meta = empty_cube()
        parts = frame.map_partitions(daily_counts, meta=meta).to_delayed()
        cubes = client.compute(parts, sync=True)
        cube = add_cubes(list(cubes))
        peaks = client.run(_peak_gb)
        return DaskRun(cube, len(parts), time.perf_counter() - start, len(peaks), max(peaks.values(), default=0.0))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
