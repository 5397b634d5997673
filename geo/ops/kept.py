"""The priority measures kept with the store generation they were measured on (like the backtest).

A district's priority list forecasts a million issues on 100 m cells: 3-4 s, which every new
dashboard process paid on its first open of 总览 before it could show five grids. The measures depend
only on the generation and the recipe (as-of day, categories, method), so they are written once to
``derived/`` beside the backtest and read back by any process in milliseconds. ``python -m geo
backtest`` keeps the default list too, so after a nightly import and backtest nobody waits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.categories import CategoryTable
from geo.cube.dataset import Dataset
from geo.forecast import Backtest, Method
from geo.forecast.stored import derived_dir, write_atomic
from geo.ops.priority import measure_with_cells

#: Recipes kept per folder (a few generations' default lists and the category lists people open).
KEEP = 32
#: Raise when what the measures mean changes (a new column, another horizon): older files are then not read.
VERSION = 1


def priorities_key(generation: int, as_of: pd.Timestamp, categories: Sequence[str], method: Method,
                   table: CategoryTable | None = None, calibration: str = "") -> str:
    """File stem of one recipe on one generation (categories sorted: the same set is the same file).

    ``table`` (the category table's time limits and handling decide what is overdue) is part of the recipe.
    """
    rules = table.table.to_csv() if table is not None else ""
    recipe = (f"{VERSION}|{pd.Timestamp(as_of).isoformat()}|{','.join(sorted(categories)) or 'all'}|{method}|{rules}"
              f"|{calibration}")
    return f"priorities-g{generation:06d}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def calibration_key(calibrated: Backtest | None) -> str:
    """The part of a priorities recipe a backtest's calibration adds (empty without one)."""
    if calibrated is None:
        return ""
    return calibrated.params.round(6).to_csv() + f"{calibrated.tail:.6g}|{calibrated.calibration_origins}"


def load_priorities(folder: Path, key: str) -> tuple[pd.DataFrame, gpd.GeoDataFrame] | None:
    """The kept measures and flagged cells, or ``None`` (not kept, or unreadable: measured again)."""
    if not (folder / f"{key}.json").is_file():
        return None
    try:
        return (pd.read_parquet(folder / f"{key}.measures.parquet"),
                gpd.read_parquet(folder / f"{key}.cells.parquet"))
    except (OSError, ValueError):
        return None


def save_priorities(folder: Path, key: str, measures: pd.DataFrame, cells: gpd.GeoDataFrame) -> None:
    """Write both tables atomically, then the header (its presence means complete); prune old recipes."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{key}.measures.parquet", lambda p: measures.reset_index(drop=True).to_parquet(p))
    write_atomic(folder / f"{key}.cells.parquet", lambda p: cells.reset_index(drop=True).to_parquet(p))
    write_atomic(folder / f"{key}.json", lambda p: Path(p).write_text(json.dumps({"rows": len(measures)}), encoding="utf-8"))
    heads = sorted(folder.glob("priorities-g*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in heads[KEEP:]:
        for p in folder.glob(f"{old.stem}.*"):
            p.unlink(missing_ok=True)


def kept_priorities(workspace: str, dataset: Dataset, as_of: pd.Timestamp, *, categories: Sequence[str] = (),
                    method: Method, calibrated: Backtest | None = None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """:func:`geo.ops.priority.measure_with_cells` of ``dataset`` for this recipe: read when kept, else measured
    and kept. The dashboard and ``python -m geo backtest`` call this, so they measure once per generation."""
    folder = derived_dir(workspace)
    key = priorities_key(dataset.generation, as_of, categories, method, dataset.categories,
                         calibration_key(calibrated))
    found = load_priorities(folder, key)
    if found is not None:
        return found
    measures, cells = measure_with_cells(dataset, as_of, categories=list(categories) or None, method=method,
                                         calibrated=calibrated)
    if dataset.generation:  # a dataset read from files has no generation to key it by
        save_priorities(folder, key, measures, cells)
    return measures, cells
