"""Merging a read ledger into the stored issues: new ids added, changed ones updated with history rows.

Vectorised throughout (Arrow's hash join for the ids, comparisons in the stored dtypes): a new
week's ledger against a district's million stored issues costs about a second, not the minute a
Python set or string formatting of every timestamp would.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import schema as s

#: Fields a re-import may change; a change of any of them is an update with history.
UPDATABLE = (s.STATUS, s.STATUS_RAW, s.CLOSED_AT, s.DEADLINE_AT, s.DEPARTMENT, s.HANDLING, s.PHOTO_BEFORE,
             s.PHOTO_AFTER, s.REPORTER)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality treating two missing values as equal."""
    both_na = (a.isna() & b.isna()).to_numpy()
    eq = (a == b).fillna(False).to_numpy(dtype=bool)
    return both_na | eq


def positions_in(values: pd.Series, among: pd.Series) -> np.ndarray:
    """Position of each of ``values`` in ``among`` (-1 when absent): Arrow's hash join, no Python set.

    At a district's million ids pandas' ``isin`` on Arrow strings walks a Python list (seconds);
    ``pyarrow.compute.index_in`` hashes in C++.
    """
    found = pc.index_in(pa.array(values.astype(str).to_numpy(dtype=object)),
                        value_set=pa.array(among.astype(str).to_numpy(dtype=object)))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def merge_ledger(existing: gpd.GeoDataFrame | None, incoming: gpd.GeoDataFrame, *, ledger_columns: dict[str, str],
           stamp: str, name: str) -> tuple[gpd.GeoDataFrame, int, int, int, pd.DataFrame, np.ndarray]:
    """New ids are added, known ids with a changed updatable field updated (with history rows).

    Returns the merged table (the stored rows in their order, then the fresh ones), the fresh and
    updated counts, the unchanged count, the history, and which merged rows this ledger touched.
    """
    history = pd.DataFrame(columns=list(s.HISTORY_COLUMNS))
    if existing is None or not len(existing):
        return incoming, len(incoming), 0, 0, history, np.ones(len(incoming), dtype=bool)
    # One workspace, one zone: a later ledger is converted to the zone of the first.
    zone = existing[s.REPORTED_AT].dt.tz
    for col in (s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT):
        incoming[col] = incoming[col].dt.tz_convert(zone)
    at = positions_in(incoming[s.ISSUE_ID], existing[s.ISSUE_ID])
    known = at >= 0
    fresh = incoming[~known]
    again = incoming[known].reset_index(drop=True)
    where = at[known]  # the stored row of each known incoming row
    base = existing.reset_index(drop=True)
    old = base.iloc[where].reset_index(drop=True)
    changed = np.zeros(len(again), dtype=bool)
    frames = []
    # A ledger without photo columns says nothing about photos: it must not erase earlier ones.
    updatable = [c for c in UPDATABLE if c not in s.LATER_ISSUE_COLUMNS or c in ledger_columns]
    for col in updatable:
        before, after = old[col], again[col]
        # Compare in the stored dtype (times as times); text only for the rows that changed: formatting
        # a million timestamps as strings costs seconds per column.
        diff = ~(_same(before, after) if before.dtype == after.dtype else
                 _same(before.astype("string"), after.astype("string")))
        changed |= diff
        if diff.any():
            frames.append(pd.DataFrame({"issue_id": again.loc[diff, s.ISSUE_ID].to_numpy(), "changed_at": stamp,
                                        "field": col, "old": before[diff].astype("string").fillna("<NA>").to_numpy(),
                                        "new": after[diff].astype("string").fillna("<NA>").to_numpy(), "source": name}))
    rows = where[changed]
    for col in updatable:
        base.iloc[rows, base.columns.get_loc(col)] = again.loc[changed, col].to_numpy()
    merged = pd.concat([base, fresh], ignore_index=True)
    touched = np.zeros(len(merged), dtype=bool)
    touched[rows] = True
    touched[len(base):] = True
    if frames:
        history = pd.concat(frames, ignore_index=True)
    return merged, len(fresh), int(changed.sum()), int((~changed).sum()), history, touched
