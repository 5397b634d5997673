"""The audit trail: every import, grid change, mapping change and undo, with who, when and which file.

It is the store's log (one record per commit, written in the same transaction as the change, so a
change without its record cannot exist). Records from before sign-in existed have no actor; they
read as ``—``. Passwords never reach it: a record holds names, roles, file names and hashes only.

Each record is sealed into a hash chain as it is committed (:mod:`geo.store.chain`): :func:`check_trail`
says whether the trail is as written. The trail is never pruned (the embedded store carries the whole log
into every generation; PostGIS keeps every row), so it is kept for far longer than the 180 days asked of
it, and exports carry ``prev_hash`` and ``hash`` so a copy can be checked on its own.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from geo.store.chain import ChainCheck, verify

COLUMNS: Final = ("generation", "at", "kind", "actor", "role", "source", "sha256", "read", "imported", "updated",
                  "rejected", "duplicates", "undoes", "prev_hash", "hash")


def check_trail(records: list[dict[str, Any]]) -> ChainCheck:
    """Whether the trail (``store.imports()``, oldest first) is as written: every hash its record's, every
    link to the record before; records from before the chain are counted, not checked."""
    return verify(sorted(records, key=lambda r: int(r.get("generation") or 0)))


def audit_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per logged change (``store.imports()``), newest first, in ``COLUMNS`` (``at`` is UTC,
    ``YYYY-MM-DD HH:MM:SS``).

    >>> row = audit_table([{"at": "20261201T120000", "kind": "ledger", "generation": 2, "source": "a.csv"}]).iloc[0]
    >>> row["at"], row["actor"], row["source"]
    ('2026-12-01 12:00:00', '—', 'a.csv')
    """
    frame = pd.DataFrame([{c: r.get(c) for c in COLUMNS} for r in records], columns=list(COLUMNS))
    if frame.empty:
        return frame
    frame["at"] = pd.to_datetime(frame["at"], format="%Y%m%dT%H%M%S", errors="coerce").dt.strftime("%Y-%m-%d %H:%M:%S")
    frame["actor"] = frame["actor"].fillna("—")
    frame["role"] = frame["role"].fillna("—")
    for col in ("read", "imported", "updated", "rejected", "duplicates"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype(int)
    frame["undoes"] = pd.to_numeric(frame["undoes"], errors="coerce").astype("Int64")
    for col in ("sha256", "prev_hash", "hash"):
        frame[col] = frame[col].fillna("")
    return frame.sort_values("generation", ascending=False, kind="stable").reset_index(drop=True)
