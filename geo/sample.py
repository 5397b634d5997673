"""The bundled sample street: where it is, its workspace built on first use, and files read and joined.

The sample lives in the repository (``data/sample``); ``GRIDWATCH_SAMPLE_DIR`` points elsewhere (an
installed package has no repository beside it). Its workspace is built under ``.workspace/sample`` in the
repository, or ``GRIDWATCH_SAMPLE_WORKSPACE``. This module sits at the top of ``geo/`` because it uses the
importers and the cube alike: the cube no longer imports the importers to build it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

import filelock

from geo import schema as s
from geo.categories import CategoryTable, read_categories
from geo.cube.dataset import Dataset
from geo.ingest.grid_layers import read_grids
from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.join import assign_grids
from geo.ingest.ledger import read_ledger
from geo.ingest.quality import flag_suspect_points
from geo.ingest.reference import import_reference
from geo.store import IssueStore, Workspace, open_store

#: Where the sample's files are, when not beside the package.
SAMPLE_DIR_ENV: Final = "GRIDWATCH_SAMPLE_DIR"
#: Where the sample's workspace is built, when not in the repository.
SAMPLE_WORKSPACE_ENV: Final = "GRIDWATCH_SAMPLE_WORKSPACE"
_REPOSITORY = Path(__file__).resolve().parent.parent
#: The bundled sample street (``data/sample`` of the repository, or ``GRIDWATCH_SAMPLE_DIR``).
SAMPLE_DIR: Final = Path(os.environ.get(SAMPLE_DIR_ENV) or _REPOSITORY / "data" / "sample")
#: Where the sample street's workspace is built on first use (git-ignored).
SAMPLE_WORKSPACE: Final = Path(os.environ.get(SAMPLE_WORKSPACE_ENV) or _REPOSITORY / ".workspace" / "sample")
SAMPLE_SOURCES: Final = (SAMPLE_DIR / "grids.geojson", SAMPLE_DIR / "ledger.csv", SAMPLE_DIR / "roads.geojson")


def load_dataset(
    ledger_path: str | Path | None = None,
    grids_path: str | Path | None = None,
    *,
    categories: CategoryTable | None = None,
) -> Dataset:
    """Read a ledger and its grids and join them (the sample street by default).

    Raises
    ------
    geo.ingest.tables.LedgerError
        If either file cannot be read.
    """
    categories = categories or read_categories()
    ledger = read_ledger(ledger_path or SAMPLE_DIR / "ledger.csv", categories=categories)
    grids = read_grids(grids_path or SAMPLE_DIR / "grids.geojson").sort_values(s.GRID_ID)
    issues = assign_grids(ledger.issues, grids)
    issues[s.SUSPECT_POINT] = flag_suspect_points(issues).to_numpy()
    return Dataset(issues=issues, grids=grids.reset_index(drop=True), categories=categories, ledger=ledger)


def sample_ready(path: Path = SAMPLE_WORKSPACE) -> bool:
    """Whether the sample street's workspace is built and newer than its files (``ensure_sample_workspace`` is cheap).

    The dashboard asks first, so a first visit can say it is importing the sample instead of a blank page.
    """
    pointer = path / "CURRENT"
    return pointer.exists() and all(p.stat().st_mtime <= pointer.stat().st_mtime for p in SAMPLE_SOURCES)


def ensure_sample_workspace(path: Path = SAMPLE_WORKSPACE) -> Workspace:
    """The sample street as a workspace, imported from ``data/sample`` on first use.

    Cheap when it exists (a few ``stat`` calls: it runs on every dashboard rerun); rebuilt when the
    sample files are newer than the workspace (after ``make sample``). Several sessions starting
    at once build it once: the build runs under a lock beside the folder and into a fresh folder
    that is renamed into place, so nobody sees a half-built sample.
    """
    sources = SAMPLE_SOURCES

    def fresh() -> bool:
        return sample_ready(path)

    if not fresh():
        path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(str(path.with_name(path.name + ".build.lock")), timeout=600):
            if not fresh():
                staging = path.with_name(f"{path.name}.build-{os.getpid()}")
                shutil.rmtree(staging, ignore_errors=True)
                import_grids(Workspace(staging), sources[0])
                import_ledger(Workspace(staging), sources[1])
                import_reference(Workspace(staging), SAMPLE_DIR / "roads.geojson", layer="roads")
                old = path.with_name(f"{path.name}.old-{os.getpid()}")
                if path.exists():
                    path.rename(old)
                staging.rename(path)
                shutil.rmtree(old, ignore_errors=True)
    return Workspace(path)


def ensure_sample_store() -> IssueStore:
    """The sample street in the configured store: the embedded workspace, or PostGIS when
    ``GRIDWATCH_DATABASE_URL`` is set (imported there on first use, as workspace ``sample``)."""
    store = open_store(SAMPLE_WORKSPACE)
    if isinstance(store, Workspace):
        return ensure_sample_workspace()
    if store.generation() == 0:
        with filelock.FileLock(str(SAMPLE_WORKSPACE.with_name("sample.pg.lock")), timeout=600):
            if store.generation() == 0:  # another process may have imported it meanwhile
                import_grids(store, SAMPLE_DIR / "grids.geojson")
                import_ledger(store, SAMPLE_DIR / "ledger.csv")
                import_reference(store, SAMPLE_DIR / "roads.geojson", layer="roads")
    return store
