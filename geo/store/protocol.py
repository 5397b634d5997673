"""What every store backend offers: consistent reads at one generation, all-or-nothing writes.

A *generation* is the state after one committed change (an import, a grid change). Readers see
one whole generation; a writer stages its changes in a :class:`Transaction` and publishes them at
once, or not at all. Generations number from 1; an empty store is generation 0.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo import schema as s

#: Generations a store keeps readable (and so restorable by an undo).
KEEP_GENERATIONS = 20


class StoreError(RuntimeError):
    """A store cannot be opened or written (locked too long, newer format, unreachable server)."""


def empty_history() -> pd.DataFrame:
    """A history table with no rows and the stored columns."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in s.HISTORY_COLUMNS})


@dataclass(frozen=True)
class State:
    """What a store held at one generation (only the parts asked for are filled)."""

    generation: int
    issues: gpd.GeoDataFrame | None = None
    grids: gpd.GeoDataFrame | None = None
    history: pd.DataFrame = field(default_factory=empty_history)
    imports: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, Any] | None = None


#: The parts :meth:`IssueStore.read` can return.
PARTS = frozenset({"issues", "grids", "history", "imports", "mapping"})


class Transaction(Protocol):
    """Staged changes on top of the generation a writer locked (reads see the staged values)."""

    generation: int  # the generation this transaction will publish

    def load_issues(self) -> gpd.GeoDataFrame | None: ...
    def load_grids(self) -> gpd.GeoDataFrame | None: ...
    def load_history(self) -> pd.DataFrame: ...
    def load_mapping(self) -> dict[str, Any] | None: ...
    def put_issues(self, issues: gpd.GeoDataFrame) -> None: ...
    def put_grids(self, grids: gpd.GeoDataFrame) -> None: ...
    def add_history(self, rows: pd.DataFrame) -> None: ...
    def put_mapping(self, mapping: dict[str, Any]) -> None: ...
    def add_rejects(self, name: str, csv_bytes: bytes) -> str: ...
    def log(self, record: dict[str, Any]) -> None: ...
    def restore(self, generation: int) -> None: ...


class IssueStore(Protocol):
    """The one protocol every caller uses: the embedded workspace and PostGIS implement it."""

    #: A short human name for messages ("workspace ws/", "postgis gridwatch/ws").
    label: str

    def generation(self) -> int: ...
    def read(self, *parts: str) -> State: ...
    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def rejects(self, ref: str) -> bytes | None: ...
    def status(self) -> dict[str, Any]: ...

    # Conveniences: each reads the current generation.
    def load_issues(self) -> gpd.GeoDataFrame | None: ...
    def load_grids(self) -> gpd.GeoDataFrame | None: ...
    def load_history(self) -> pd.DataFrame: ...
    def imports(self) -> list[dict[str, Any]]: ...


class ReadConveniences:
    """``load_*`` helpers shared by the backends, each one :meth:`read` of a single part."""

    def read(self, *parts: str) -> State:  # pragma: no cover - provided by the backend
        raise NotImplementedError

    def load_issues(self) -> gpd.GeoDataFrame | None:
        return self.read("issues").issues

    def load_grids(self) -> gpd.GeoDataFrame | None:
        return self.read("grids").grids

    def load_history(self) -> pd.DataFrame:
        return self.read("history").history

    def imports(self) -> list[dict[str, Any]]:
        return self.read("imports").imports


class StagedWrites:
    """The puts both backends' transactions share: validated frames kept in ``self.staged`` until commit."""

    staged: dict[str, Any]

    def put_issues(self, issues: gpd.GeoDataFrame) -> None:
        self.staged["issues"] = s.conform_issues(issues)

    def put_grids(self, grids: gpd.GeoDataFrame) -> None:
        self.staged["grids"] = s.conform_grids(grids)

    def put_mapping(self, mapping: dict[str, Any]) -> None:
        self.staged["mapping"] = dict(mapping)


def check_restorable(generation: int, current: int) -> None:
    """Refuse a restore target that is not ``current`` or earlier (the transaction publishes ``current + 1``).

    Raises
    ------
    ValueError
        Unless ``0 <= generation <= current``.
    """
    if not 0 <= generation <= current:
        raise ValueError(f"can only restore an earlier generation (0 to {current}), got {generation}")


def check_parts(parts: tuple[str, ...]) -> frozenset[str]:
    """The requested parts (all when none are named), refusing unknown names."""
    unknown = sorted(set(parts) - PARTS)
    if unknown:
        raise ValueError(f"unknown store parts {unknown}; known: {sorted(PARTS)}")
    return frozenset(parts) if parts else PARTS
