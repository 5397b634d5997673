"""The embedded store's file layout and its durable file primitives (fsync'd writes, links, safe names)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FILES = {"issues": "issues.parquet", "grids": "grids.parquet", "history": "history.parquet",
         "imports": "imports.jsonl", "mapping": "mapping.json"}
REJECTS = "rejects"
#: Files of a format-1 workspace (flat, no generations), moved into generation 1 on first open.
LEGACY = (*FILES.values(), REJECTS)


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
    _fsync(path)


def fsync_file(path: Path) -> None:
    """Flush a file another writer produced (pyarrow's Parquet writer) to disk."""
    _fsync(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links
        shutil.copy2(src, dst)


def safe_ref(ref: str) -> str:
    """A rejects reference as a bare file name (never a path that could leave the folder)."""
    name = Path(str(ref).replace("\\", "/")).name
    if not name or name in {".", ".."} or name != str(ref).replace("\\", "/").split("/")[-1]:
        raise ValueError(f"not a rejects file name: {ref!r}")
    return name
