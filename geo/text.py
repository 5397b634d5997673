"""Ledger text as the rest of Gridwatch reads it: one rule for what a blank cell is.

A cell of spaces is as empty as a missing one (clerks pad fields; Excel exports ``" "``), so every
reader that counts, matches or names by a text column goes through :func:`stripped_text`.
"""

from __future__ import annotations

import pandas as pd


def stripped_text(values: pd.Series) -> pd.Series:
    """``values`` as pandas' ``string`` dtype, stripped, with empty cells as ``<NA>``.

    Examples
    --------
    >>> stripped_text(pd.Series([" 张三 ", "", "  ", None, 7])).tolist()
    ['张三', <NA>, <NA>, <NA>, '7']
    """
    text = values.astype("string").str.strip()
    return text.mask(text.eq(""))
