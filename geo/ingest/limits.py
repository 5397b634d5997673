"""Limits on what an input may cost: cells read from a sheet, rows, bytes an archive expands to.

Nothing a file claims about itself (a sheet's ``<dimension>``, a zip member's declared size) is
trusted: sheets are read as they stream, up to the last row and column that hold values, and
archives are measured by decompressing them in bounded chunks. Each limit has a clear message and
an environment variable to raise it on a deployment that needs more.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path


class InputTooLarge(ValueError):
    """An input exceeds a configured limit; the message says which and how to raise it."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class InputLimits:
    """The limits in force (defaults fit a district's yearly ledger on a 24 GiB machine).

    Attributes
    ----------
    max_cells
        Cells in the block a sheet's values span (last row x last column holding a value).
    max_rows
        Data rows of one ledger.
    max_archive_bytes
        Bytes the members of a zip (xlsx, zipped Shapefile) may expand to, together.
    max_archive_members
        Members of a zip.
    """

    max_cells: int = 30_000_000
    max_rows: int = 5_000_000
    max_archive_bytes: int = 768 * 1024 * 1024
    max_archive_members: int = 2_000

    @classmethod
    def from_env(cls) -> InputLimits:
        """``GRIDWATCH_MAX_CELLS``, ``GRIDWATCH_MAX_ROWS``, ``GRIDWATCH_MAX_ARCHIVE_MB`` over the defaults."""
        base = cls()
        return cls(max_cells=_env_int("GRIDWATCH_MAX_CELLS", base.max_cells),
                   max_rows=_env_int("GRIDWATCH_MAX_ROWS", base.max_rows),
                   max_archive_bytes=_env_int("GRIDWATCH_MAX_ARCHIVE_MB", base.max_archive_bytes >> 20) << 20,
                   max_archive_members=base.max_archive_members)


@dataclass(frozen=True)
class ArchiveScan:
    """What a bounded pass over a zip found: its real expanded size and which XML markers occur."""

    expanded_bytes: int
    members: int
    #: ``marker -> member names`` for the byte markers asked for (e.g. ``b"<f"`` for formulas).
    markers: dict[bytes, list[str]]
    #: ``marker -> occurrences over all members`` for the markers asked to be counted.
    counts: dict[bytes, int] = field(default_factory=dict)


def scan_archive(path: str | Path, *, limits: InputLimits | None = None,
                 markers: tuple[bytes, ...] = (), count: tuple[bytes, ...] = ()) -> ArchiveScan:
    """Decompress every member of a zip in 1 MiB chunks, refusing it once it grows past the limit.

    ``markers``: which members hold each of these bytes; ``count``: how often each of these occurs in all
    members together (counted in the same pass, across chunk boundaries).

    Raises
    ------
    InputTooLarge
        When the members expand to more than ``limits.max_archive_bytes`` or are too many.
    ValueError
        When the file is not a readable zip.
    """
    limits = limits or InputLimits.from_env()
    name = Path(path).name
    found: dict[bytes, list[str]] = {m: [] for m in markers}
    counts = dict.fromkeys(count, 0)
    # What is kept of a chunk for the next: one byte less than the longest marker, so a marker across the
    # boundary is seen and none is seen twice.
    keep = max((len(m) for m in (*markers, *count)), default=1) - 1
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_archive_members:
                raise InputTooLarge(f"{name} holds {len(infos):,} files, over the limit of "
                                    f"{limits.max_archive_members:,}")
            for info in infos:
                tail = b""
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > limits.max_archive_bytes:
                            raise InputTooLarge(
                                f"{name} expands to more than {limits.max_archive_bytes >> 20:,} MB; "
                                "split it, or raise GRIDWATCH_MAX_ARCHIVE_MB")
                        window = tail + chunk
                        for marker in markers:
                            if info.filename not in found[marker] and marker in window:
                                found[marker].append(info.filename)
                        for marker in count:  # the tail is shorter than a marker: nothing is counted twice
                            counts[marker] += window.count(marker) - tail.count(marker)
                        tail = window[len(window) - keep:] if keep else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error, OSError) as exc:
        raise ValueError(f"{name} is not a readable zip archive ({exc})") from exc
    return ArchiveScan(expanded_bytes=total, members=len(infos), markers=found, counts=counts)
