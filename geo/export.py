"""Writing tables for people: CSV/Excel with spreadsheet formula injection neutralised.

A ledger cell such as ``=HYPERLINK("http://evil","点我")`` must reach the reader as text, not as a
formula Excel evaluates. Following OWASP's advice, text cells that start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return get a leading apostrophe; numbers are left alone.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
