"""Reading a PostGIS workspace: one generation's parts, typed as the embedded store returns them."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.store.protocol import State, empty_history

ISSUE_COLS = [c for c in s.STORED_ISSUE_COLUMNS if c != s.GEOMETRY]
GRID_COLS = [c for c in s.STORED_GRID_DTYPES if c != s.GEOMETRY]


def _read_state(conn: Any, workspace: str, wanted: frozenset[str]) -> State:
    row = conn.execute("SELECT generation, tz, mapping FROM gw_workspaces WHERE name = %s", (workspace,)).fetchone()
    if row is None or int(row[0]) == 0:
        return State(generation=0)
    generation, tz, mapping = int(row[0]), row[1] or s.DEFAULT_TZ, row[2]
    fields: dict[str, Any] = {}
    if "issues" in wanted:
        fields["issues"] = _read_issues(conn, workspace, tz)
    if "grids" in wanted:
        fields["grids"] = _read_grids(conn, workspace)
    if "history" in wanted:
        fields["history"] = _read_history(conn, workspace)
    if "imports" in wanted:
        fields["imports"] = [r[0] for r in conn.execute(
            "SELECT record FROM gw_imports WHERE workspace = %s ORDER BY generation", (workspace,))]
    if "mapping" in wanted:
        fields["mapping"] = mapping
    return State(generation=generation, **fields)


def _select_layer(conn: Any, table: str, cols: list[str], workspace: str) -> tuple[pd.DataFrame, np.ndarray] | None:
    """A workspace's rows of ``table`` (ordered by its first column) and their geometries; None when empty."""
    rows = conn.execute(f"SELECT {', '.join(cols)}, ST_AsBinary(geom) FROM {table} WHERE workspace = %s "
                        f"ORDER BY {cols[0]}", (workspace,)).fetchall()
    if not rows:
        return None
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return pd.DataFrame(data, columns=cols), shapely.from_wkb(np.array([r[len(cols)] for r in rows], dtype=object))


def _read_issues(conn: Any, workspace: str, tz: str) -> gpd.GeoDataFrame | None:
    found = _select_layer(conn, "gw_issues", ISSUE_COLS, workspace)
    if found is None:
        return None
    frame, geoms = found
    for col in ISSUE_COLS:
        kind = s.STORED_ISSUE_DTYPES[col]
        if kind == "tz":
            frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_convert(tz).astype(pd.DatetimeTZDtype("ns", tz))
        elif kind == "bool":
            frame[col] = frame[col].fillna(False).astype(bool)
        else:
            frame[col] = frame[col].astype("string")
    return s.conform_issues(gpd.GeoDataFrame(frame, geometry=geoms, crs=s.STORAGE_CRS))


def _read_grids(conn: Any, workspace: str) -> gpd.GeoDataFrame | None:
    found = _select_layer(conn, "gw_grids", GRID_COLS, workspace)
    if found is None:
        return None
    frame, geoms = found
    return gpd.GeoDataFrame(frame.astype("string"), geometry=geoms, crs=s.STORAGE_CRS)


def _read_history(conn: Any, workspace: str) -> pd.DataFrame:
    cols = list(s.HISTORY_COLUMNS)
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM gw_history WHERE workspace = %s ORDER BY seq",
                        (workspace,)).fetchall()
    if not rows:
        return empty_history()
    return pd.DataFrame(rows, columns=cols).astype("string")
