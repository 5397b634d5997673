"""The embedded workspace store: a folder of GeoParquet files, no server needed.

Layout of a workspace folder::

    issues.parquet     canonical issues (GeoParquet, WGS84), grid_id joined at import
    grids.parquet      management grids (GeoParquet, WGS84)
    history.parquet    status changes seen across re-imports
    imports.jsonl      one JSON summary per import, oldest first
    mapping.json       the ledger mapping used by the latest import
    rejects/           one CSV of rejected rows per import (formula injection neutralised)

A PostGIS backend for shared deployments would implement the same :class:`IssueStore` protocol.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo import schema as s
from geo.mapping import LedgerMapping

HISTORY_COLUMNS = ("issue_id", "changed_at", "field", "old", "new", "source")


class IssueStore(Protocol):
    """What the importer and the analysis need from a store."""

    def load_issues(self) -> gpd.GeoDataFrame | None: ...
    def save_issues(self, issues: gpd.GeoDataFrame) -> None: ...
    def load_grids(self) -> gpd.GeoDataFrame | None: ...
    def save_grids(self, grids: gpd.GeoDataFrame) -> None: ...
    def load_history(self) -> pd.DataFrame: ...
    def append_history(self, rows: pd.DataFrame) -> None: ...
    def record_import(self, summary: dict[str, Any]) -> None: ...
    def imports(self) -> list[dict[str, Any]]: ...


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write next to ``path`` and rename, so a crash never leaves half a file behind."""
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Workspace:
    """A workspace folder (created on first write)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def issues_path(self) -> Path:
        return self.root / "issues.parquet"

    @property
    def grids_path(self) -> Path:
        return self.root / "grids.parquet"

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    def version(self) -> tuple[float, float]:
        """Modification times of the issues and grids files (0 when missing): a cache key."""
        return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in (self.issues_path, self.grids_path))  # type: ignore[return-value]

    def _ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def load_issues(self) -> gpd.GeoDataFrame | None:
        if not self.issues_path.exists():
            return None
        # Times come back in the zone they were imported in (GeoParquet keeps it).
        issues = gpd.read_parquet(self.issues_path)
        for col in s.LATER_ISSUE_COLUMNS:  # a workspace imported before the column existed
            if col not in issues.columns:
                issues[col] = pd.Series(pd.NA, index=issues.index, dtype="string")
        return issues

    def save_issues(self, issues: gpd.GeoDataFrame) -> None:
        self._ensure()
        _atomic_parquet(issues, self.issues_path)

    def load_grids(self) -> gpd.GeoDataFrame | None:
        if not self.grids_path.exists():
            return None
        return gpd.read_parquet(self.grids_path)

    def save_grids(self, grids: gpd.GeoDataFrame) -> None:
        self._ensure()
        _atomic_parquet(s.validate_grids(grids), self.grids_path)

    def load_history(self) -> pd.DataFrame:
        path = self.root / "history.parquet"
        if not path.exists():
            return pd.DataFrame({c: pd.Series(dtype="string") for c in HISTORY_COLUMNS})
        return pd.read_parquet(path)

    def append_history(self, rows: pd.DataFrame) -> None:
        if rows.empty:
            return
        self._ensure()
        both = pd.concat([self.load_history(), rows[list(HISTORY_COLUMNS)].astype("string")], ignore_index=True)
        _atomic_parquet(both, self.root / "history.parquet")

    def record_import(self, summary: dict[str, Any]) -> None:
        self._ensure()
        with open(self.root / "imports.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")

    def imports(self) -> list[dict[str, Any]]:
        path = self.root / "imports.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def save_mapping(self, mapping: LedgerMapping) -> None:
        self._ensure()
        (self.root / "mapping.json").write_text(mapping.to_json() + "\n", encoding="utf-8")
