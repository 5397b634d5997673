"""The backtest kept with the store generation it scored, so it is computed once, not on every first open.

The rolling backtest replays a year of weekly forecasts: seconds on a street, about two minutes on a
district's million issues. Its result depends only on the stored issues (one generation) and the
recipe (categories, horizon), so it is written once beside the workspace as three small Parquet
tables and a JSON header, keyed by both, and read back by every process: the dashboard, the bulletin
and ``python -m geo backtest`` agree on the winner because they read the same file.

Files are written to a temporary name and renamed, so a reader never sees half a result; a later
generation simply has other file names (old ones are pruned to the newest :data:`KEEP`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from geo.forecast.backtest import Backtest

KEEP: Final = 8
#: The tables of a kept backtest, and the version of what they hold (2: nested choice, calibrated ranges).
PARTS: Final = ("scores", "summary", "calibration", "ranges", "params")
FORMAT: Final = 2
#: Where derived results live when the workspace is not a local folder (a PostGIS store).
CACHE_ENV: Final = "GRIDWATCH_CACHE_DIR"


def cache_base() -> Path:
    """The machine's cache directory for Gridwatch (``GRIDWATCH_CACHE_DIR``, else ``~/.cache/gridwatch``)."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "gridwatch")


def derived_dir(workspace: str) -> Path:
    """``<workspace>/derived`` for a workspace folder, else a per-workspace folder in the cache directory."""
    root = Path(workspace)
    if root.is_dir():
        return root / "derived"
    return cache_base() / hashlib.sha256(workspace.encode()).hexdigest()[:16]


def backtest_key(generation: int, categories: tuple[str, ...], horizon_days: float) -> str:
    """File stem of one recipe on one generation (categories sorted: the same set is the same file)."""
    cats = ",".join(sorted(categories)) or "all"
    digest = hashlib.sha256(f"{cats}|{horizon_days:g}".encode()).hexdigest()[:12]
    return f"backtest-g{generation:06d}-{digest}"


def save_backtest(bt: Backtest, folder: Path, key: str) -> None:
    """Write ``bt`` under ``folder/key`` atomically (tables first, the header last: its presence means done)."""
    folder.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        frame: pd.DataFrame = getattr(bt, part)
        write_atomic(folder / f"{key}.{part}.parquet", lambda p, f=frame: f.reset_index(drop=True).to_parquet(p))
    header = {"winner": bt.winner, "horizon_days": bt.horizon_days, "categories": list(bt.categories),
              "cell_size_m": bt.cell_size_m, "n_units": bt.n_units, "tail": bt.tail,
              "calibration_origins": bt.calibration_origins, "format": FORMAT}
    write_atomic(folder / f"{key}.json", lambda p: Path(p).write_text(json.dumps(header), encoding="utf-8"))
    _prune(folder)


def is_kept(folder: Path, key: str) -> bool:
    """Whether a complete backtest of this version is kept under ``key`` (its header says so; cheap)."""
    try:
        return bool(json.loads((folder / f"{key}.json").read_text(encoding="utf-8")).get("format") == FORMAT)
    except (OSError, ValueError, AttributeError):
        return False


def load_backtest(folder: Path, key: str) -> Backtest | None:
    """The stored result, or ``None`` when it is not there (or unreadable: it is then computed again)."""
    head = folder / f"{key}.json"
    if not head.is_file():
        return None
    try:
        meta = json.loads(head.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:  # kept by an older version: computed again, not misread
            return None
        parts = {p: pd.read_parquet(folder / f"{key}.{p}.parquet") for p in PARTS}
    except (OSError, ValueError):
        return None
    from geo.forecast.backtest import Backtest  # here: naming and finding kept files must not load SciPy

    return Backtest(parts["scores"], parts["summary"], parts["calibration"], meta["winner"],
                    float(meta["horizon_days"]), tuple(meta["categories"]), meta["cell_size_m"], int(meta["n_units"]),
                    parts["ranges"], parts["params"], float(meta["tail"]), int(meta["calibration_origins"]))


def stored_backtest(workspace: str, generation: int, issues: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, *,
                    categories: tuple[str, ...] = (), horizon_days: float = 28.0,
                    cancel: Callable[[], bool] | None = None) -> Backtest:
    """The backtest of generation ``generation`` (its ``issues`` and ``grids``) for this recipe: read when
    kept, else run and kept. The dashboard, ``python -m geo backtest`` and the bulletin call this, so
    they agree on the winner and compute it once. ``cancel``: see :func:`run_backtest`."""
    folder, key = derived_dir(workspace), backtest_key(generation, categories, horizon_days)
    found = load_backtest(folder, key)
    if found is not None:
        return found
    from geo.forecast.backtest import run_backtest

    bt = run_backtest(issues, grids, categories=categories or None, horizon_days=horizon_days, cancel=cancel)
    save_backtest(bt, folder, key)
    return bt


def write_atomic(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place (never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _prune(folder: Path) -> None:
    """Keep the results of the newest :data:`KEEP` generations."""
    gens = sorted({p.name.split("-")[1] for p in folder.glob("backtest-g*.json")}, reverse=True)
    for old in gens[KEEP:]:
        for p in folder.glob(f"backtest-{old}-*"):
            p.unlink(missing_ok=True)
