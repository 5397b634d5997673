"""The embedded store: a workspace folder of GeoParquet generations, no server needed.

Layout (format 3)::

    FORMAT                 {"format_version": 3}
    CURRENT                the committed generation number: the atomic pointer readers follow
    generations/000007/    one folder per generation, complete in itself
        issues/            canonical issues by local month (GeoParquet 1.1, WGS84, bbox covering), grid_id
                           joined at import, with _manifest.json (geo.store.partitions); format 2 kept
                           them in one issues.parquet, still read
        grids.parquet      management grids (GeoParquet, WGS84)
        history.parquet    status changes seen across re-imports
        imports.jsonl      one JSON record per import, oldest first
        mapping.json       the ledger mapping used by the latest import
        rejects/           one CSV of rejected rows per import (formula injection neutralised)
    uploads/               uploaded files, kept as data (never executed)
    .lock                  the writers' lock (filelock)

A writer takes the lock, stages its changes, writes them into ``generations/NNNNNN.tmp-<uuid>/``
(files it did not change, and months of issues whose content is unchanged, are hard-linked from the
previous generation, so a generation costs only what changed), renames the folder into place and
then replaces ``CURRENT``. A reader resolves ``CURRENT`` once and reads that folder, so it sees
the old generation or the new one, never a mix.
A writer killed at any point leaves ``CURRENT`` on the previous generation; its leftovers (a
``.tmp-`` folder, or a renamed folder beyond ``CURRENT``) are removed by the next writer. The last
``keep_generations`` generations are kept (undo builds on them).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import filelock
import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from geo import schema as s
from geo.store.chain import head, sealed
from geo.store.files import FILES, LEGACY, REJECTS, fsync_dir, link_or_copy, safe_ref, write_bytes
from geo.store.migrations import MIGRATIONS
from geo.store.partitions import ISSUES_DIR, read_issue_months, read_manifest, write_issue_months
from geo.store.protocol import (
    KEEP_GENERATIONS,
    ReadConveniences,
    StagedWrites,
    State,
    StoreError,
    check_parts,
    check_restorable,
    empty_history,
)

#: This store's layout version (3: issues by month). Older Gridwatch versions refuse a newer one.
FORMAT_VERSION = 3


class Workspace(ReadConveniences):
    """A workspace folder (created on first write).

    Parameters
    ----------
    root
        The folder.
    lock_timeout_s
        How long a writer waits for another writer before giving up with :class:`StoreError`.
    keep_generations
        Committed generations kept on disk (older ones are removed after a commit).

    Examples
    --------
    >>> ws = Workspace(tmp / "ws")                         # doctest: +SKIP
    >>> with ws.transaction() as tx:                       # doctest: +SKIP
    ...     tx.put_grids(grids)
    >>> ws.generation()                                    # doctest: +SKIP
    1
    """

    def __init__(self, root: str | Path, *, lock_timeout_s: float = 600.0, keep_generations: int = KEEP_GENERATIONS) -> None:
        self.root = Path(root)
        self.lock_timeout_s = lock_timeout_s
        self.keep_generations = max(2, keep_generations)
        self.label = f"workspace {self.root}"

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    # --- layout --------------------------------------------------------------------------
    @property
    def generations_dir(self) -> Path:
        return self.root / "generations"

    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"

    def generation_dir(self, generation: int) -> Path:
        return self.generations_dir / f"{generation:06d}"

    def format_version(self) -> int:
        """The layout version on disk: 2 with a FORMAT file, 1 for flat files, 0 when empty."""
        path = self.root / "FORMAT"
        if path.exists():
            try:
                return int(json.loads(path.read_text(encoding="utf-8"))["format_version"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreError(f"{self.label}: unreadable FORMAT file ({exc})") from exc
        if any((self.root / name).exists() for name in LEGACY):
            return 1
        return 0

    # --- reading -------------------------------------------------------------------------
    def generation(self) -> int:
        """The committed generation (0 for an empty workspace)."""
        self._ensure_current_format()
        path = self.root / "CURRENT"
        try:
            return int(path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            return 0

    def read(self, *parts: str) -> State:
        """The asked-for parts (all by default) of the committed generation, read consistently."""
        wanted = check_parts(parts)
        for _attempt in range(3):
            generation = self.generation()
            try:
                return self._read_generation(generation, wanted)
            except FileNotFoundError:
                continue  # pruned or migrated under us: resolve the pointer again
        raise StoreError(f"{self.label}: generation {generation} vanished while reading; try again")

    def _read_generation(self, generation: int, wanted: frozenset[str]) -> State:
        if generation == 0:
            return State(generation=0)
        folder = self.generation_dir(generation)
        if not folder.is_dir():
            raise FileNotFoundError(folder)
        return State(generation=generation, **{part: _read_part(folder, part) for part in wanted})

    def rejects(self, ref: str) -> bytes | None:
        """The rejects CSV an import recorded under ``ref`` (``None`` once it is gone)."""
        generation = self.generation()
        if generation == 0:
            return None
        path = self.generation_dir(generation) / REJECTS / safe_ref(ref)
        return path.read_bytes() if path.is_file() else None

    def status(self) -> dict[str, Any]:
        """Counts for outside checks, read from file metadata (no table is loaded)."""
        generation = self.generation()
        folder = self.generation_dir(generation)

        def rows(name: str) -> int:
            path = folder / name
            return pq.ParquetFile(path).metadata.num_rows if generation and path.exists() else 0

        log = folder / FILES["imports"]
        logged = sum(1 for line in log.read_text(encoding="utf-8").splitlines() if line.strip()) \
            if generation and log.exists() else 0
        return {"backend": "embedded", "workspace": str(self.root), "generation": generation,
                "format_version": FORMAT_VERSION if generation else self.format_version(),
                "issues": sum(m["rows"] for m in read_manifest(folder).values()) if generation and
                (folder / ISSUES_DIR).is_dir() else rows(FILES["issues"]),
                "grids": rows(FILES["grids"]),
                "history_rows": rows(FILES["history"]), "imports_logged": logged}

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        """Lock, stage changes, and publish them as one new generation when the block ends.

        An exception inside the block publishes nothing.

        Raises
        ------
        StoreError
            If another writer holds the lock longer than ``lock_timeout_s``.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self.root / ".lock"), timeout=self.lock_timeout_s)
        try:
            lock.acquire()
        except filelock.Timeout as exc:
            raise StoreError(f"{self.label} is busy with another import; try again in a minute") from exc
        try:
            self._migrate_locked()
            base = self._current_locked()
            self._clean_locked(base)
            tx = _Transaction(self, base)
            yield tx
            if tx.changed:
                self._commit_locked(tx)
        finally:
            lock.release()

    def _current_locked(self) -> int:
        path = self.root / "CURRENT"
        return int(path.read_text(encoding="ascii").strip()) if path.exists() else 0

    def _clean_locked(self, current: int) -> None:
        """Remove what killed writers left: temp folders and renamed folders beyond CURRENT."""
        for stray in self.root.glob("*.tmp-*"):
            stray.unlink(missing_ok=True)
        if not self.generations_dir.is_dir():
            return
        for folder in self.generations_dir.iterdir():
            stem = folder.name.split(".", 1)[0]
            if ".tmp-" in folder.name or (stem.isdigit() and int(stem) > current):
                shutil.rmtree(folder, ignore_errors=True)

    def _commit_locked(self, tx: _Transaction) -> None:
        new = tx.generation
        self.generations_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.generations_dir / f"{new:06d}.tmp-{uuid.uuid4().hex}"
        tmp.mkdir()
        previous = self.generation_dir(tx.base) if tx.base else None
        for part, name in FILES.items():
            if part == "issues":
                self._commit_issues(tx, tmp, previous)
            elif part in tx.staged:
                if tx.staged[part] is not None:  # None: the part is absent (an undo back before it existed)
                    _write_part(tmp / name, part, tx.staged[part])
            elif previous is not None and (previous / name).exists():
                link_or_copy(previous / name, tmp / name)
        (tmp / REJECTS).mkdir()
        if previous is not None and (previous / REJECTS).is_dir():
            for old in (previous / REJECTS).iterdir():
                link_or_copy(old, tmp / REJECTS / old.name)
        for ref, data in tx.new_rejects.items():
            write_bytes(tmp / REJECTS / ref, data)
        fsync_dir(tmp / REJECTS)
        fsync_dir(tmp)
        os.rename(tmp, self.generation_dir(new))
        fsync_dir(self.generations_dir)
        self._write_pointer(new)
        self._prune_locked(new)

    def _commit_issues(self, tx: _Transaction, tmp: Path, previous: Path | None) -> None:
        """Issues by month: staged ones written (unchanged months linked), else the previous ones linked."""
        if "issues" in tx.staged:
            if tx.staged["issues"] is not None:
                write_issue_months(tx.staged["issues"], tmp, previous)
        elif previous is not None and (previous / ISSUES_DIR).is_dir():
            (tmp / ISSUES_DIR).mkdir()
            for f in (previous / ISSUES_DIR).iterdir():
                link_or_copy(f, tmp / ISSUES_DIR / f.name)
        elif previous is not None and (previous / FILES["issues"]).exists():
            link_or_copy(previous / FILES["issues"], tmp / FILES["issues"])  # a format-2 generation

    def _write_pointer(self, generation: int) -> None:
        tmp = self.root / f"CURRENT.tmp-{uuid.uuid4().hex}"
        write_bytes(tmp, f"{generation}\n".encode("ascii"))
        os.replace(tmp, self.root / "CURRENT")
        fsync_dir(self.root)

    def _prune_locked(self, current: int) -> None:
        for folder in self.generations_dir.iterdir():
            if folder.name.isdigit() and int(folder.name) <= current - self.keep_generations:
                shutil.rmtree(folder, ignore_errors=True)

    # --- format versions -----------------------------------------------------------------
    def _ensure_current_format(self) -> None:
        version = self.format_version()
        if version > FORMAT_VERSION:
            raise StoreError(f"{self.label} has format {version}, newer than this Gridwatch reads "
                             f"({FORMAT_VERSION}): upgrade Gridwatch")
        if 0 < version < FORMAT_VERSION:
            with self.transaction():
                pass  # the transaction migrates under the lock

    def _migrate_locked(self) -> None:
        version = self.format_version()
        if version > FORMAT_VERSION:
            raise StoreError(f"{self.label} has format {version}, newer than this Gridwatch reads ({FORMAT_VERSION})")
        while 0 < version < FORMAT_VERSION:
            MIGRATIONS[version](self)
            version += 1
        if version == 0:
            write_bytes(self.root / "FORMAT", json.dumps({"format_version": FORMAT_VERSION}).encode() + b"\n")


def _read_part(folder: Path, part: str) -> Any:
    path = folder / FILES[part]
    if part == "issues":
        if (folder / ISSUES_DIR).is_dir():
            months = read_issue_months(folder)
            return s.conform_issues(months) if months is not None else None
        return s.conform_issues(gpd.read_parquet(path)) if path.exists() else None  # format 2
    if part == "grids":
        return gpd.read_parquet(path) if path.exists() else None
    if part == "history":
        return pd.read_parquet(path) if path.exists() else empty_history()
    if part == "imports":
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # mapping
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _write_part(path: Path, part: str, value: Any) -> None:
    if part in ("issues", "grids", "history"):
        buf = io.BytesIO()
        value.to_parquet(buf, index=False)
        write_bytes(path, buf.getvalue())
    elif part == "imports":
        write_bytes(path, "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in value).encode())
    else:
        write_bytes(path, (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode())


class _Transaction(StagedWrites):
    """Changes staged on the locked generation ``base``; published as ``base + 1``."""

    def __init__(self, ws: Workspace, base: int) -> None:
        self._ws = ws
        self.base = base
        self.generation = base + 1
        self.staged: dict[str, Any] = {}
        self.new_rejects: dict[str, bytes] = {}

    @property
    def changed(self) -> bool:
        return bool(self.staged or self.new_rejects)

    def _base_part(self, part: str) -> Any:
        if part in self.staged:
            return self.staged[part]
        if self.base == 0:
            return State(generation=0).__getattribute__(part)
        return _read_part(self._ws.generation_dir(self.base), part)

    def load_issues(self) -> gpd.GeoDataFrame | None:
        return self._base_part("issues")

    def load_grids(self) -> gpd.GeoDataFrame | None:
        return self._base_part("grids")

    def load_history(self) -> pd.DataFrame:
        return cast(pd.DataFrame, self._base_part("history"))

    def load_mapping(self) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self._base_part("mapping"))

    def add_history(self, rows: pd.DataFrame) -> None:
        if len(rows):
            self.staged["history"] = pd.concat([self.load_history(), s.conform_history(rows)], ignore_index=True)

    def add_rejects(self, name: str, csv_bytes: bytes) -> str:
        ref = safe_ref(name)
        self.new_rejects[ref] = csv_bytes
        return ref

    def log(self, record: dict[str, Any]) -> None:
        before = self._base_part("imports")  # read under the writer's lock: the last committed record
        self.staged["imports"] = [*before, sealed({**record, "generation": self.generation}, head(before))]

    def restore(self, generation: int) -> None:
        """Stage the issues, grids, history and mapping of an earlier generation (the log is kept).

        Raises
        ------
        StoreError
            If that generation is no longer kept.
        """
        check_restorable(generation, self.base)
        parts = ("issues", "grids", "history", "mapping")
        if generation == 0:
            for part in parts:
                self.staged[part] = getattr(State(generation=0), part)
            return
        folder = self._ws.generation_dir(generation)
        if not folder.is_dir():
            raise StoreError(f"{self._ws.label}: generation {generation} is no longer kept "
                             f"(the store keeps the last {self._ws.keep_generations})")
        for part in parts:
            self.staged[part] = _read_part(folder, part)
