"""Formula injection neutralised in every table Gridwatch writes (CSV here; the workbooks and exports of
:mod:`geo.report.export` use :func:`safe_frame` too).

A spreadsheet runs a cell that starts with ``= + - @`` (or a tab or CR) as a formula; a bare CR inside a
field starts a new row in Excel, LibreOffice and Python's csv, so every line of a cell is guarded and every
field is quoted. A number written as text stays a number. It sits at the top of ``geo/`` because the
importer's rejects file and the reports both write with it: the importer must not depend on the reports.
"""

from __future__ import annotations

import csv
import re
from typing import Final

import pandas as pd

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LINES = re.compile(r"(\r\n|\r|\n)")


def neutralise_formula(value: object) -> object:
    """``value`` with a leading apostrophe on each line a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise_formula("=1+1"), neutralise_formula("-71.0341"), neutralise_formula("ok\\r=cmd")
    ("'=1+1", '-71.0341', "ok\\r'=cmd")
    """
    if not isinstance(value, str):
        return value
    if _NUMBER.fullmatch(value.strip()):
        return value  # a number written as text is data, not a formula
    parts = _LINES.split(value)
    changed = False
    for i in range(0, len(parts), 2):  # the lines; the odd items are the breaks between them
        # The cell's own start always (the whole value is no number); a later line unless it is one.
        if parts[i].startswith(FORMULA_PREFIXES) and (i == 0 or not _NUMBER.fullmatch(parts[i].strip())):
            parts[i] = "'" + parts[i]
            changed = True
    return "".join(parts) if changed else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise_formula, na_action="ignore")
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel shows Chinese correctly) with formulas neutralised."""
    return safe_frame(frame).to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8-sig")
