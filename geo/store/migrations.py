"""Embedded store format migrations: each turns one layout version into the next, under the writers' lock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from geo.store.files import FILES, LEGACY, REJECTS, fsync_dir, write_bytes

if TYPE_CHECKING:
    from geo.store.embedded import Workspace


def _migrate_1_to_2(ws: Workspace) -> None:
    """Format 1 (flat files, rewritten in place) -> format 2: the flat files become generation 1."""
    target = ws.generation_dir(1)
    shutil.rmtree(target, ignore_errors=True)  # a migration killed half-way starts again
    target.mkdir(parents=True)
    for name in LEGACY:
        src = ws.root / name
        if src.is_dir():
            shutil.copytree(src, target / name)
        elif src.exists():
            shutil.copy2(src, target / name)
    (target / REJECTS).mkdir(exist_ok=True)
    log = target / FILES["imports"]
    if log.exists():  # format 1 logged an absolute rejects path; format 2 a name in the generation
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        for rec in records:
            if rec.get("rejects_file"):
                rec["rejects_ref"] = Path(rec["rejects_file"]).name
            rec.setdefault("kind", "ledger")
            rec.setdefault("generation", 1)
        log.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records), encoding="utf-8")
    fsync_dir(target)
    write_bytes(ws.root / "FORMAT", json.dumps({"format_version": 2}).encode() + b"\n")
    ws._write_pointer(1)
    for name in LEGACY:
        src = ws.root / name
        if src.is_dir():
            shutil.rmtree(src)
        else:
            src.unlink(missing_ok=True)
    for stray in ws.root.glob("*.parquet.tmp"):
        stray.unlink()


def _migrate_2_to_3(ws: Workspace) -> None:
    """Format 2 -> 3: nothing to move. Old generations keep their ``issues.parquet`` (still read); the
    next commit writes issues by month. The new number keeps older Gridwatch versions out."""
    write_bytes(ws.root / "FORMAT", json.dumps({"format_version": 3}).encode() + b"\n")


#: ``version -> function`` turning that version into the next; applied in order under the lock.
MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}
