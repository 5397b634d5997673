"""Undo an import: the workspace goes back to the generation before it, and the undo is logged.

The store keeps its last generations (``KEEP_GENERATIONS``: folders in the embedded workspace,
snapshots in PostGIS), so undoing is a new commit whose issues, grids, history and mapping are an
earlier generation's, exactly. The audit trail is not rolled back: it gains an ``undo`` record
naming what was undone and by whom. Undoing an import also undoes every change after it (a later
ledger may have updated the same issues); the 数据 page says which before the admin confirms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from geo.admin.access import Actor, require
from geo.store import IssueStore

#: Log kinds an undo can take back.
UNDOABLE = ("ledger", "grids", "mapping")


@dataclass(frozen=True)
class UndoPlan:
    """What undoing the change at ``generation`` does: back to ``restores``, taking back ``undoes``."""

    generation: int
    restores: int
    undoes: tuple[dict[str, Any], ...]


def undone_by(log: list[dict[str, Any]]) -> dict[int, int]:
    """Generation of each change taken back by an undo -> the generation of that undo.

    An undo at ``u`` that restored ``r`` took back every change committed in ``r + 1 .. u - 1``.
    """
    out: dict[int, int] = {}
    for record in log:
        if record.get("kind") == "undo":
            u, r = int(record["generation"]), int(record["restores"])
            for g in range(r + 1, u):
                out.setdefault(g, u)
    return out


def in_effect(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The undoable changes of a store's log not taken back yet, newest first (what an admin may undo)."""
    gone = undone_by(log)
    return [r for r in reversed(log) if r.get("kind") in UNDOABLE and int(r.get("generation", -1)) not in gone]


def plan_undo(log: list[dict[str, Any]], generation: int) -> UndoPlan:
    """The changes an undo of ``generation`` takes back: it and every later change still in effect.

    Raises
    ------
    ValueError
        If no import, grid or mapping change was committed as ``generation``.
    """
    target = [r for r in log if int(r.get("generation", -1)) == generation and r.get("kind") in UNDOABLE]
    if not target:
        raise ValueError(f"generation {generation} is not an import, grid or mapping change")
    gone = undone_by(log)
    if generation in gone:
        raise ValueError(f"generation {generation} was undone already (by generation {gone[generation]})")
    later = tuple(r for r in log if int(r.get("generation", -1)) >= generation and r.get("kind") in UNDOABLE
                  and int(r.get("generation", -1)) not in gone)
    return UndoPlan(generation, generation - 1, later)


def undo_import(store: IssueStore, generation: int, *, actor: Actor | None = None,
                now: dt.datetime | None = None) -> dict[str, Any]:
    """Roll ``store`` back to the state before the change committed as ``generation``.

    Returns the log record written (``kind`` ``undo``).

    Raises
    ------
    geo.admin.access.AccessDenied
        If ``actor`` (the command line's when ``None``) is not an admin.
    ValueError
        If ``generation`` is not an undoable change.
    geo.store.StoreError
        If the generation before it is no longer kept.
    """
    who = require(actor, "undo")
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    with store.transaction() as tx:
        plan = plan_undo(store.imports(), generation)  # under the writer's lock: the log cannot move
        before = tx.load_issues()
        tx.restore(plan.restores)
        after = tx.load_issues()
        record = {"at": stamp, "kind": "undo", "actor": who.name, "role": who.role, "source": "",
                  "undoes": generation, "restores": plan.restores,
                  "undone": [{"generation": r.get("generation"), "kind": r.get("kind"), "source": r.get("source", ""),
                              "sha256": r.get("sha256")} for r in plan.undoes],
                  "read": 0, "imported": 0, "updated": 0, "rejected": 0, "duplicates": 0,
                  "issues_before": 0 if before is None else len(before),
                  "issues_after": 0 if after is None else len(after)}
        tx.log(record)
    return {**record, "generation": tx.generation}
