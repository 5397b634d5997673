"""Excel ledgers read within bounded memory: only the cells that hold values, as they stream.

A 5 KB workbook can claim a million rows (a stray cell at ``XFD1048576``, a merged range over
the whole sheet); loading it the ordinary way takes gigabytes. Here the sheet is streamed by
openpyxl's read-only reader with the declared dimensions reset, every row is cut after its last
value, and the block the values span is checked against :class:`~geo.ingest.limits.InputLimits` as it
grows. Merged ranges are clipped to that block and filled only into rows that hold values.
"""

from __future__ import annotations

import bisect
import itertools
import re
import warnings
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo.ingest.limits import ArchiveScan, InputLimits, InputTooLarge, scan_archive

#: Every column a reader adds to a ledger's own cells starts with this. A ledger's header never does
#: (:func:`clean_header` removes control characters from headers), so no ledger column, whatever its
#: name (``reason``, ``source_row``, ``__geometry_x``), can be taken for one of ours or collide with it.
INTERNAL = "\x00gw:"
#: Column of the raw frame telling why a row cannot be read as it stands (empty when it can).
READ_PROBLEM = INTERNAL + "read_problem"
#: 1-based row number in the source file, counting the header as row 1.
SOURCE_ROW = INTERNAL + "source_row"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufeff]")


def clean_header(name: object) -> str:
    """A header as a clerk reads it: control characters and stray BOMs removed, blanks trimmed.

    Examples
    --------
    >>> clean_header("\\ufeff问题编号\\x00 ")
    '问题编号'
    """
    return _CONTROL.sub("", "" if name is None else str(name)).strip()


def is_internal(name: object) -> bool:
    """True for a column a reader added (row numbers, read problems, a layer's coordinates)."""
    return str(name).startswith(INTERNAL)


class SheetError(ValueError):
    """An Excel file cannot be read (broken, empty, or over a limit); the message is one line."""


def column_letter(index: int) -> str:
    """``1 -> 'A'``, ``16384 -> 'XFD'``."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _cell_index(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits or 0), col


def header_row(rows: list[list[object]], *, scan: int = 20) -> int:
    """Index of the header row: the first of the top ``scan`` rows naming at least two known fields.

    Clerks put a title (``青石街道问题台账（2026年11月）``) and notes above the table.
    """
    from geo.ingest.mapping import guess_columns

    for i, row in enumerate(rows[:scan]):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if len(guess_columns(cells)) >= 2:
            return i
    return 0


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _stream_rows(path: Path, *, data_only: bool, limits: InputLimits) -> dict[int, list[Any]]:
    """``row number -> values up to its last value`` for the rows of the first sheet that hold one."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions, not our concern
        wb = load_workbook(path, read_only=True, data_only=data_only)
    try:
        ws = wb.worksheets[_sheet_index(wb)]
        ws.reset_dimensions()  # never trust the sheet's <dimension>
        rows: dict[int, list[Any]] = {}
        width = 0
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            last = len(row)
            while last and not _filled(row[last - 1]):
                last -= 1
            if not last:
                continue
            width = max(width, last)
            rows[number] = list(row[:last])
            if len(rows) > limits.max_rows:
                raise InputTooLarge(f"{path.name} has more than {limits.max_rows:,} rows; split it by month")
            if number * width > limits.max_cells:
                raise InputTooLarge(
                    f"{path.name}: the cells with values span A1:{column_letter(width)}{number} "
                    f"(over {limits.max_cells:,} cells); delete the stray cells beyond the table "
                    f"(one is in row {number}, up to column {column_letter(last)})")
        return rows
    finally:
        wb.close()


def _known_fields(rows: list[tuple[Any, ...]], *, scan: int = 20) -> int:
    """How many ledger fields the best of a sheet's top rows names (0: no header we know)."""
    from geo.ingest.mapping import guess_columns

    best = 0
    for row in rows[:scan]:
        cells = [str(c).strip() for c in row if _filled(c)]
        try:
            best = max(best, len(guess_columns(cells)))
        except ValueError:  # two cells claiming one field: still a header of sorts
            best = max(best, 2)
    return best


def _sheet_index(wb: Any) -> int:
    """The sheet with the ledger: the visible worksheet whose top rows name the most ledger fields (a
    cover sheet, a notes sheet or a pivot before the ledger is common), else the first holding any cell.
    Chart sheets are not in ``wb.worksheets``; hidden sheets count only when no visible one has a header."""
    scores: list[tuple[int, int, int]] = []  # (fields named, visible, -position)
    first_filled = None
    for i, ws in enumerate(wb.worksheets):
        ws.reset_dimensions()
        top = [row for row in itertools.islice(ws.iter_rows(values_only=True), 50) if any(_filled(v) for v in row)]
        if not top:
            continue
        first_filled = i if first_filled is None else first_filled
        scores.append((_known_fields(top), int(getattr(ws, "sheet_state", "visible") == "visible"), -i))
    if not scores:
        return 0
    fields, _visible, position = max(scores)
    return -position if fields >= 2 else (first_filled or 0)


def sheet_names(path: str | Path) -> tuple[str, list[str]]:
    """The sheet :func:`read_excel` reads and every other sheet's name (charts included), for messages
    that tell a clerk where else to look."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path, read_only=True)
    try:
        chosen = wb.worksheets[_sheet_index(wb)].title if wb.worksheets else ""
        return chosen, [name for name in wb.sheetnames if name != chosen]
    finally:
        wb.close()


def _merged_ranges(path: Path, sheet_member: str) -> list[tuple[int, int, int, int]]:
    """The first sheet's merged ranges as (min_row, min_col, max_row, max_col), parsed as a stream."""
    import zipfile

    from defusedxml.ElementTree import iterparse

    out = []
    with zipfile.ZipFile(path) as archive, archive.open(sheet_member) as src:
        for _event, elem in iterparse(src, events=("end",)):
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell" and ":" in elem.get("ref", ""):
                a, b = elem.get("ref").split(":", 1)
                (r1, c1), (r2, c2) = _cell_index(a), _cell_index(b)
                out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
            elif tag == "row":
                elem.clear()  # keep memory flat while passing over the cells
    return out


def _first_sheet_member(path: Path) -> str | None:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path, read_only=True)
    try:
        return getattr(wb.worksheets[_sheet_index(wb)], "_worksheet_path", None)
    finally:
        wb.close()


#: A shared string's entry (``<si>``) and a cell that refers to one (``t="s"``), counted in the archive scan.
_STRING_MARKERS: Final = (b"<si>", b"<si ", b't="s"', b"t='s'")
#: Shared strings allowed beyond the cells that use them (a spreadsheet program writes none unused; a
#: generator that appends a few is still read).
SPARE_STRINGS: Final = 10_000


def _check_shared_strings(scan: ArchiveScan, name: str) -> None:
    """Refuse a workbook whose shared-strings table is far larger than the cells that could use it.

    openpyxl loads the whole table before the first row: a 3 MB file of unused strings took 1.3 GB and
    25 CPU-s for two rows of data. Every entry a spreadsheet program writes is used by at least one cell,
    so more entries than cells referring to them (plus :data:`SPARE_STRINGS`) is a file no program saved
    that way, read at no cost of memory: the scan counted both while checking the archive's size.
    """
    strings = scan.counts.get(b"<si>", 0) + scan.counts.get(b"<si ", 0)
    used = scan.counts.get(b't="s"', 0) + scan.counts.get(b"t='s'", 0)
    if strings > used + SPARE_STRINGS:
        raise SheetError(f"{name} lists {strings:,} text values but its cells use at most {used:,}: it was not saved "
                         "by a spreadsheet program as it is; open it in Excel or WPS and save it again")


def read_excel(path: str | Path, *, limits: InputLimits | None = None) -> pd.DataFrame:
    """The first sheet with values, as strings: header found below any title rows, merged cells filled.

    Rows made only of formulas that Excel never calculated (no cached value) are kept and marked
    in :data:`READ_PROBLEM`, so they are rejected with a reason instead of vanishing.

    Raises
    ------
    SheetError
        If the file is not a readable workbook, holds no table, or exceeds a limit.
    """
    path = Path(path)
    limits = limits or InputLimits.from_env()
    try:
        scan = scan_archive(path, limits=limits, markers=(b"<f", b"<mergeCell "), count=_STRING_MARKERS)
        _check_shared_strings(scan, path.name)
        sheet = _first_sheet_member(path)
        values = _stream_rows(path, data_only=True, limits=limits)
        has_formulas = sheet is not None and sheet in scan.markers[b"<f"]
        formulas = _stream_rows(path, data_only=False, limits=limits) if has_formulas else {}
        merges = _merged_ranges(path, sheet) if sheet and sheet in scan.markers[b"<mergeCell "] else []
    except InputTooLarge as exc:
        raise SheetError(str(exc)) from exc
    except SheetError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types for broken files
        first = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise SheetError(f"cannot read Excel file {path.name}: {first}") from exc

    problems: dict[int, str] = {}
    for number, row in formulas.items():
        cached = values.get(number, [])
        blank = [j for j, v in enumerate(row) if isinstance(v, str) and v.startswith("=")
                 and (j >= len(cached) or not _filled(cached[j]))]
        if blank:
            cols = ", ".join(f"{column_letter(j + 1)}{number}" for j in blank[:5])
            problems[number] = (f"formula cells without a saved value ({cols}): open the file in Excel, "
                                "let it calculate, and save it again")
            values.setdefault(number, [None] * len(row))
    if not values:
        raise SheetError(f"Excel file {path.name} is empty")
    numbers = sorted(values)
    width = max(len(r) for r in values.values())
    last_row = numbers[-1]
    # A merged block shows its value in every cell it covers (a community merged over its rows),
    # clipped to the block that holds values and filled only into rows that exist.
    for r1, c1, r2, c2 in merges:
        top = values.get(r1, [])
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        if value is None or c1 > width:
            continue
        for number in numbers[bisect.bisect_left(numbers, r1):bisect.bisect_right(numbers, min(r2, last_row))]:
            row = values[number]
            hi = min(c2, width)
            if len(row) < hi:
                row.extend([None] * (hi - len(row)))
            for j in range(c1 - 1, hi):
                if not _filled(row[j]):
                    row[j] = value
    ordered = [values[n] for n in numbers]
    h = header_row(ordered)
    header_cells = ordered[h] + [None] * (width - len(ordered[h]))
    header = [clean_header(c) if _filled(c) and clean_header(c) else f"column_{j + 1}" for j, c in enumerate(header_cells)]

    def text(c: object) -> str:
        if c is None:
            return ""
        if isinstance(c, float) and c.is_integer():
            return str(int(c))
        return str(c)

    body = [(n, values[n]) for n in numbers[h + 1:]]
    frame = pd.DataFrame([[text(c) for c in r] + [""] * (width - len(r)) for _, r in body], columns=header,
                         dtype="string")
    frame[SOURCE_ROW] = pd.array([n for n, _ in body], dtype="int64")
    frame[READ_PROBLEM] = pd.array([problems.get(n, "") for n, _ in body], dtype="string")
    return frame
