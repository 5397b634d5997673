"""Timing helpers shared by the benchmark scripts (median of repeats, gc between runs)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(fn: Callable[[], Any], *, repeats: int = 3) -> tuple[float, Any]:
    """Median wall time of ``fn()`` over ``repeats`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def report(rows: list[tuple[str, float, float]]) -> None:
    """Print ``name, ours, naive, ratio`` rows as a Markdown table."""
    print("| measure | Gridwatch | naive | naive / Gridwatch |")
    print("| --- | --- | --- | --- |")
    for name, ours, naive in rows:
        print(f"| {name} | {ours:.4g} | {naive:.4g} | {naive / ours:.1f}x |")
