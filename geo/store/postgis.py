"""The PostGIS store for shared deployments: the same protocol, one SQL transaction per commit.

Tables (created on first use; several workspaces share them, keyed by ``workspace``; ``gw_snapshots``
holds the last ``KEEP_GENERATIONS`` states of issues, grids and mapping for undo)::

    gw_workspaces(name, generation, tz, mapping)   one row per workspace: the generation counter
    gw_issues(workspace, issue_id, <stored issue columns>, geom)   PRIMARY KEY (workspace, issue_id)
    gw_grids(workspace, grid_id, <stored grid columns>, geom)
    gw_history(workspace, seq, generation, <history columns>)
    gw_imports(workspace, generation, record jsonb)
    gw_rejects(workspace, ref, generation, csv bytea)

The issue and grid columns come from :mod:`geo.schema`, so both backends store the same thing.
A writer opens one transaction, takes ``pg_advisory_xact_lock`` on the workspace, locks its
``gw_workspaces`` row, stages its changes and on commit upserts issues (``COPY`` into a temporary
table, then ``INSERT ... ON CONFLICT (workspace, issue_id) DO UPDATE``), appends history, the log
record and the rejects, and bumps the generation, all before ``COMMIT``. A killed writer's
transaction is rolled back by the server. Readers use one ``REPEATABLE READ`` read-only
transaction per :meth:`PostgisStore.read`, so the parts they get belong to one generation.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.store.chain import sealed
from geo.store.postgis_read import GRID_COLS, ISSUE_COLS, _read_grids, _read_history, _read_issues, _read_state
from geo.store.protocol import (
    KEEP_GENERATIONS,
    ReadConveniences,
    StagedWrites,
    State,
    StoreError,
    check_parts,
    check_restorable,
)

_SQL_TYPES = {"string": "text", "tz": "timestamptz", "bool": "boolean"}
#: This backend's table layout (each backend has its own: the embedded store's is
#: geo.store.embedded.FORMAT_VERSION, 3 since issues are kept by month).
FORMAT_VERSION = 2
#: Serialises the first creation of the tables between processes (any fixed 64-bit key).
_DDL_LOCK = 0x67726964
#: Database URLs whose tables this process has created or checked.
_READY: set[str] = set()


def _ddl() -> list[str]:
    issue_cols = ", ".join(f"{c} {_SQL_TYPES[s.STORED_ISSUE_DTYPES[c]]}" for c in ISSUE_COLS if c != s.ISSUE_ID)
    grid_cols = ", ".join(f"{c} text" for c in GRID_COLS if c != s.GRID_ID)
    history_cols = ", ".join(f"{c} text" for c in s.HISTORY_COLUMNS)
    return [
        "CREATE EXTENSION IF NOT EXISTS postgis",
        "CREATE TABLE IF NOT EXISTS gw_workspaces (name text PRIMARY KEY, generation bigint NOT NULL DEFAULT 0, "
        "format_version int NOT NULL, tz text, mapping jsonb)",
        f"CREATE TABLE IF NOT EXISTS gw_issues (workspace text NOT NULL, issue_id text NOT NULL, {issue_cols}, "
        "geom geometry(Point, 4326), PRIMARY KEY (workspace, issue_id))",
        "CREATE INDEX IF NOT EXISTS gw_issues_geom ON gw_issues USING gist (geom)",
        f"CREATE TABLE IF NOT EXISTS gw_grids (workspace text NOT NULL, grid_id text NOT NULL, {grid_cols}, "
        "geom geometry(Geometry, 4326) NOT NULL, PRIMARY KEY (workspace, grid_id))",
        f"CREATE TABLE IF NOT EXISTS gw_history (workspace text NOT NULL, seq bigserial, generation bigint NOT NULL, "
        f"{history_cols}, PRIMARY KEY (workspace, seq))",
        "CREATE TABLE IF NOT EXISTS gw_imports (workspace text NOT NULL, generation bigint NOT NULL, record jsonb NOT NULL, "
        "PRIMARY KEY (workspace, generation))",
        "CREATE TABLE IF NOT EXISTS gw_rejects (workspace text NOT NULL, ref text NOT NULL, generation bigint NOT NULL, "
        "csv bytea NOT NULL, PRIMARY KEY (workspace, ref))",
        # What issues, grids and mapping were after each commit that changed them (GeoParquet or JSON;
        # NULL = absent): the generations an undo restores, as the embedded store keeps them as folders.
        "CREATE TABLE IF NOT EXISTS gw_snapshots (workspace text NOT NULL, generation bigint NOT NULL, part text NOT NULL, "
        "payload bytea, PRIMARY KEY (workspace, part, generation))",
        # The first generation with snapshots (a workspace older than undo starts keeping them later).
        "ALTER TABLE gw_workspaces ADD COLUMN IF NOT EXISTS snapshots_from bigint",
        # Who filed each report (the inspector evaluation), added after workspaces existed.
        f"ALTER TABLE gw_issues ADD COLUMN IF NOT EXISTS {s.REPORTER} text",
    ]


def _schema_complete(conn: Any) -> bool:
    """Whether the newest of :func:`_ddl`'s changes is in place (so every earlier one is): then a new process
    runs no DDL at all. ``ALTER TABLE ... IF NOT EXISTS`` takes its table's exclusive lock even when it
    changes nothing, so a process starting beside a running import deadlocked with it (seen in the
    concurrent-import test: AccessExclusiveLock waiting on RowExclusiveLock)."""
    row = conn.execute("SELECT to_regclass('gw_snapshots') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                       "information_schema.columns WHERE table_name = 'gw_issues' "
                       "AND column_name = %s AND table_schema = current_schema())", (s.REPORTER,)).fetchone()
    return bool(row and row[0])


def _ewkb_hex(geoms: np.ndarray) -> list[str | None]:
    with_srid = shapely.set_srid(geoms, 4326)
    out = shapely.to_wkb(with_srid, hex=True, include_srid=True)
    return [None if g is None else str(g) for g in out]


def _cells(frame: pd.DataFrame, cols: list[str]) -> list[list[Any]]:
    """Rows for COPY: text, ISO timestamps, booleans; missing values as None."""
    columns = []
    for c in cols:
        series = frame[c]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            values = [None if pd.isna(v) else v.isoformat() for v in series]
        elif series.dtype == bool:
            values = series.tolist()
        else:
            values = [None if pd.isna(v) else str(v) for v in series.astype("string")]
        columns.append(values)
    return [list(r) for r in zip(*columns, strict=True)] if columns else []


class PostgisStore(ReadConveniences):
    """A workspace kept in PostgreSQL + PostGIS.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/database`` (libpq syntax).
    workspace
        The workspace's key in the database.
    folder
        A local folder for uploaded files.
    lock_timeout_s
        How long a writer waits for another writer of the same workspace.
    """

    def __init__(self, url: str, *, workspace: str, folder: str | Path | None = None,
                 lock_timeout_s: float = 600.0) -> None:
        self.url = url
        self.workspace = workspace
        self.uploads_dir = Path(folder) / "uploads" if folder is not None else None
        self.lock_timeout_s = lock_timeout_s
        # Named as people know it (its folder), not by its random key.
        self.label = f"postgis workspace {Path(folder).name if folder is not None else workspace}"

    def __repr__(self) -> str:
        return f"PostgisStore(workspace={self.workspace!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostgisStore) and (other.url, other.workspace) == (self.url, self.workspace)

    def __hash__(self) -> int:
        return hash((self.url, self.workspace))

    # --- connections ---------------------------------------------------------------------
    def _connect(self) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"cannot reach the database for {self.label}: {first}") from exc
        if self.url not in _READY and _schema_complete(conn):
            _READY.add(self.url)
        if self.url not in _READY:  # the tables exist: once per database and process
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
                for stmt in _ddl():
                    conn.execute(stmt)
            _READY.add(self.url)
        return conn

    # --- reading -------------------------------------------------------------------------
    def generation(self) -> int:
        with self._connect() as conn:
            row = conn.execute("SELECT generation FROM gw_workspaces WHERE name = %s", (self.workspace,)).fetchone()
        return int(row[0]) if row else 0

    def read(self, *parts: str) -> State:
        wanted = check_parts(parts)
        with self._connect() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _read_state(conn, self.workspace, wanted)

    def rejects(self, ref: str) -> bytes | None:
        with self._connect() as conn:
            row = conn.execute("SELECT csv FROM gw_rejects WHERE workspace = %s AND ref = %s",
                               (self.workspace, ref)).fetchone()
        return bytes(row[0]) if row else None

    def status(self) -> dict[str, Any]:
        with self._connect() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute("SELECT generation, format_version FROM gw_workspaces WHERE name = %s",
                               (self.workspace,)).fetchone()

            def count(table: str) -> int:
                return int(conn.execute(f"SELECT count(*) FROM {table} WHERE workspace = %s",
                                        (self.workspace,)).fetchone()[0])

            return {"backend": "postgis", "workspace": self.workspace, "generation": int(row[0]) if row else 0,
                    "format_version": int(row[1]) if row else FORMAT_VERSION, "issues": count("gw_issues"),
                    "grids": count("gw_grids"), "history_rows": count("gw_history"),
                    "imports_logged": count("gw_imports")}

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_PgTransaction]:
        """One SQL transaction holding the workspace's advisory lock; committed when the block ends."""
        import psycopg

        with self._connect() as conn:
            try:
                with conn.transaction():
                    conn.execute(f"SET LOCAL lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'")
                    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                                 (f"gridwatch:{self.workspace}",))
                    conn.execute("INSERT INTO gw_workspaces (name, generation, format_version) VALUES (%s, 0, %s) "
                                 "ON CONFLICT (name) DO NOTHING", (self.workspace, FORMAT_VERSION))
                    base = int(conn.execute("SELECT generation FROM gw_workspaces WHERE name = %s FOR UPDATE",
                                            (self.workspace,)).fetchone()[0])
                    tx = _PgTransaction(conn, self.workspace, base)
                    yield tx
                    if tx.changed:
                        tx.commit()
            except psycopg.errors.LockNotAvailable as exc:
                raise StoreError(f"{self.label} is busy with another import; try again in a minute") from exc


class _PgTransaction(StagedWrites):
    """Changes staged inside one SQL transaction; written by :meth:`commit` before COMMIT."""

    def __init__(self, conn: Any, workspace: str, base: int) -> None:
        self._conn = conn
        self._ws = workspace
        self.base = base
        self.generation = base + 1
        self.staged: dict[str, Any] = {}
        self.new_rejects: dict[str, bytes] = {}
        self.records: list[dict[str, Any]] = []
        self.history: list[pd.DataFrame] = []
        #: Set by :meth:`restore`: history rows of later generations are dropped at commit.
        self.history_upto: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.staged or self.new_rejects or self.records or self.history or self.history_upto is not None)

    def _tz(self) -> str:
        row = self._conn.execute("SELECT tz FROM gw_workspaces WHERE name = %s", (self._ws,)).fetchone()
        return (row[0] if row else None) or s.DEFAULT_TZ

    def load_issues(self) -> gpd.GeoDataFrame | None:
        if "issues" in self.staged:
            return self.staged["issues"]
        return _read_issues(self._conn, self._ws, self._tz())

    def load_grids(self) -> gpd.GeoDataFrame | None:
        if "grids" in self.staged:
            return self.staged["grids"]
        return _read_grids(self._conn, self._ws)

    def load_history(self) -> pd.DataFrame:
        return pd.concat([_read_history(self._conn, self._ws), *self.history], ignore_index=True)

    def load_mapping(self) -> dict[str, Any] | None:
        if "mapping" in self.staged:
            return cast("dict[str, Any] | None", self.staged["mapping"])
        row = self._conn.execute("SELECT mapping FROM gw_workspaces WHERE name = %s", (self._ws,)).fetchone()
        return row[0] if row else None

    def add_history(self, rows: pd.DataFrame) -> None:
        if len(rows):
            self.history.append(s.conform_history(rows))

    def add_rejects(self, name: str, csv_bytes: bytes) -> str:
        self.new_rejects[name] = csv_bytes
        return name

    def log(self, record: dict[str, Any]) -> None:
        self.records.append({**record, "generation": self.generation})

    def restore(self, generation: int) -> None:
        """Stage the issues, grids, history and mapping of an earlier generation (the log is kept).

        Raises
        ------
        StoreError
            If that generation is no longer kept.
        """
        check_restorable(generation, self.base)
        first = self._conn.execute("SELECT snapshots_from FROM gw_workspaces WHERE name = %s", (self._ws,)).fetchone()
        first = first[0] if first else None
        kept_from = max(self.base - KEEP_GENERATIONS + 1, 1 if first is None else int(first))
        if first is None or (generation and generation < kept_from) or (generation == 0 and int(first) > 1):
            raise StoreError(f"generation {generation} is no longer kept (the store keeps the last {KEEP_GENERATIONS} "
                             f"generations{'' if first is None else f', from generation {first} on'})")
        rows = self._conn.execute(
            "SELECT DISTINCT ON (part) part, payload FROM gw_snapshots WHERE workspace = %s AND generation <= %s "
            "ORDER BY part, generation DESC", (self._ws, generation)).fetchall()
        found = {part: (bytes(payload) if payload is not None else None) for part, payload in rows}
        for part in ("issues", "grids"):
            data = found.get(part)
            self.staged[part] = s.conform_issues(gpd.read_parquet(io.BytesIO(data))) if data and part == "issues" else (
                gpd.read_parquet(io.BytesIO(data)) if data else None)
        mapping = found.get("mapping")
        self.staged["mapping"] = json.loads(mapping) if mapping else None
        self.history_upto = generation

    def commit(self) -> None:
        """Write everything staged; the caller's SQL transaction makes it one commit."""
        from psycopg.types.json import Jsonb

        conn, ws, gen = self._conn, self._ws, self.generation
        if "grids" in self.staged:
            grids = self.staged["grids"]
            conn.execute("DELETE FROM gw_grids WHERE workspace = %s", (ws,))
        if self.staged.get("grids") is not None:
            cols = ", ".join(GRID_COLS)
            with conn.cursor().copy(f"COPY gw_grids (workspace, {cols}, geom) FROM STDIN") as copy:
                for cells, geom in zip(_cells(grids, GRID_COLS), _ewkb_hex(grids.geometry.to_numpy()), strict=True):
                    copy.write_row([ws, *cells, geom])
        if "issues" in self.staged and self.staged["issues"] is None:
            conn.execute("DELETE FROM gw_issues WHERE workspace = %s", (ws,))
        elif "issues" in self.staged:
            issues = self.staged["issues"]
            tz = str(issues[s.REPORTED_AT].dt.tz) if len(issues) else None
            if tz:
                conn.execute("UPDATE gw_workspaces SET tz = %s WHERE name = %s", (tz, ws))
            cols = ", ".join(ISSUE_COLS)
            conn.execute("CREATE TEMP TABLE gw_issues_stage (LIKE gw_issues INCLUDING DEFAULTS) ON COMMIT DROP")
            with conn.cursor().copy(f"COPY gw_issues_stage (workspace, {cols}, geom) FROM STDIN") as copy:
                for cells, geom in zip(_cells(issues, ISSUE_COLS), _ewkb_hex(issues.geometry.to_numpy()),
                                       strict=True):
                    copy.write_row([ws, *cells, geom])
            conn.execute("DELETE FROM gw_issues i WHERE i.workspace = %s AND NOT EXISTS "
                         "(SELECT 1 FROM gw_issues_stage t WHERE t.issue_id = i.issue_id)", (ws,))
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*ISSUE_COLS[1:], "geom"])
            conn.execute(f"INSERT INTO gw_issues (workspace, {cols}, geom) SELECT workspace, {cols}, geom "
                         f"FROM gw_issues_stage ON CONFLICT (workspace, issue_id) DO UPDATE SET {updates}")
        if self.history_upto is not None:
            conn.execute("DELETE FROM gw_history WHERE workspace = %s AND generation > %s", (ws, self.history_upto))
        for rows in self.history:
            hcols = ", ".join(s.HISTORY_COLUMNS)
            with conn.cursor().copy(f"COPY gw_history (workspace, generation, {hcols}) FROM STDIN") as copy:
                for cells in _cells(rows, list(s.HISTORY_COLUMNS)):
                    copy.write_row([ws, gen, *cells])
        if "mapping" in self.staged:
            mapping = self.staged["mapping"]
            conn.execute("UPDATE gw_workspaces SET mapping = %s WHERE name = %s",
                         (Jsonb(mapping) if mapping is not None else None, ws))
        self._snapshot()
        for ref, data in self.new_rejects.items():
            conn.execute("INSERT INTO gw_rejects (workspace, ref, generation, csv) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT (workspace, ref) DO UPDATE SET csv = EXCLUDED.csv", (ws, ref, gen, data))
        if self.records:  # sealed under the workspace's lock: the previous record is the last committed one
            last = conn.execute("SELECT record->>'hash' FROM gw_imports WHERE workspace = %s "
                                "ORDER BY generation DESC LIMIT 1", (ws,)).fetchone()
            prev = (last[0] if last else None) or ""
            for record in self.records:
                chained = sealed(_jsonable(record), prev)
                prev = chained["hash"]
                conn.execute("INSERT INTO gw_imports (workspace, generation, record) VALUES (%s, %s, %s)",
                             (ws, gen, Jsonb(chained)))
        conn.execute("UPDATE gw_workspaces SET generation = %s WHERE name = %s", (gen, ws))

    def _snapshot(self) -> None:
        """Keep what issues, grids and mapping are after this commit, and prune beyond the kept window."""
        conn, ws, gen = self._conn, self._ws, self.generation
        first = conn.execute("SELECT snapshots_from FROM gw_workspaces WHERE name = %s", (ws,)).fetchone()[0]
        # The first snapshot of a workspace keeps every part, so each later state can be rebuilt.
        parts = ("issues", "grids", "mapping") if first is None else tuple(p for p in ("issues", "grids", "mapping")
                                                                           if p in self.staged)
        if first is None:
            conn.execute("UPDATE gw_workspaces SET snapshots_from = %s WHERE name = %s", (gen, ws))
        loaders: dict[str, Any] = {"issues": self.load_issues, "grids": self.load_grids, "mapping": self.load_mapping}
        for part in parts:
            value: Any = self.staged[part] if part in self.staged else loaders[part]()
            if value is None:
                payload = None
            elif part == "mapping":
                payload = json.dumps(value, ensure_ascii=False).encode("utf-8")
            else:
                buf = io.BytesIO()
                value.to_parquet(buf, index=False)
                payload = buf.getvalue()
            conn.execute("INSERT INTO gw_snapshots (workspace, generation, part, payload) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT (workspace, part, generation) DO UPDATE SET payload = EXCLUDED.payload",
                         (ws, gen, part, payload))
        # Older snapshots go, except the newest one at or before the window's start (the state there).
        cutoff = gen - KEEP_GENERATIONS
        conn.execute("DELETE FROM gw_snapshots o WHERE o.workspace = %s AND o.generation < %s AND o.generation < "
                     "(SELECT max(k.generation) FROM gw_snapshots k WHERE k.workspace = o.workspace AND k.part = o.part "
                     "AND k.generation <= %s)", (ws, cutoff, cutoff))


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    import json

    out: dict[str, Any] = json.loads(json.dumps(record, ensure_ascii=False, default=str))
    return out
