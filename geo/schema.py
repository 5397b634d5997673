"""The canonical issue and grid records: column names, allowed values, validation.

Every module of ``geo`` speaks these names; the ledger's own headers are mapped onto them by
:mod:`geo.ingest.ledger`. Times are tz-aware, geometries are WGS84 points (EPSG:4326).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import pandas as pd

#: Storage CRS for every geometry Gridwatch keeps.
STORAGE_CRS: Final = "EPSG:4326"
#: Ledgers record local wall-clock time; this zone is assumed when a timestamp has none.
DEFAULT_TZ: Final = "Asia/Shanghai"

# --- issue columns -------------------------------------------------------------------------
ISSUE_ID: Final = "issue_id"
CATEGORY: Final = "category"
CATEGORY_RAW: Final = "category_raw"
REPORTED_AT: Final = "reported_at"
STATUS: Final = "status"
STATUS_RAW: Final = "status_raw"
CLOSED_AT: Final = "closed_at"
DEADLINE_AT: Final = "deadline_at"
HANDLING: Final = "handling"
DEPARTMENT: Final = "department"
SOURCE: Final = "source"
DESCRIPTION: Final = "description"
ADDRESS: Final = "address"
#: Photo references before and after rectification (整改前/整改后照片): links or file names, as text.
PHOTO_BEFORE: Final = "photo_before"
PHOTO_AFTER: Final = "photo_after"
#: Who filed the report (上报人/巡查员/监督员), as text: the inspector evaluation counts by it. A person's name:
#: shown only to clerks and admins (:mod:`geo.ops.evaluation`).
REPORTER: Final = "reporter"
GRID_ID: Final = "grid_id"
#: True when the point lies in no management grid (kept, never dropped).
OUTSIDE_GRIDS: Final = "outside_grids"
GEOMETRY: Final = "geometry"
#: The grid the clerk wrote in the ledger (compared with the join), kept as text.
GRID_RAW: Final = "grid_raw"
#: Quality flags recomputed over the whole workspace at every import (see :mod:`geo.ingest.quality`).
SUSPECT_POINT: Final = "suspect_point"
LIKELY_DUPLICATE_OF: Final = "likely_duplicate_of"

ISSUE_COLUMNS: Final[tuple[str, ...]] = (
    ISSUE_ID,
    CATEGORY,
    CATEGORY_RAW,
    REPORTED_AT,
    STATUS,
    STATUS_RAW,
    CLOSED_AT,
    DEADLINE_AT,
    HANDLING,
    DEPARTMENT,
    SOURCE,
    DESCRIPTION,
    ADDRESS,
    PHOTO_BEFORE,
    PHOTO_AFTER,
    REPORTER,
    GRID_ID,
    OUTSIDE_GRIDS,
    GEOMETRY,
)

# --- grid columns --------------------------------------------------------------------------
GRID_NAME: Final = "grid_name"
COMMUNITY: Final = "community"
STREET: Final = "street"
CADRES: Final = "cadres"
#: The one implicit community of grids whose layer names none (language-neutral: shown as is).
NO_COMMUNITY: Final = "—"
#: Columns added to the schema after workspaces already existed: filled with <NA> when such a
#: workspace is opened, so old imports keep working without a re-import.
LATER_ISSUE_COLUMNS: Final[tuple[str, ...]] = (PHOTO_BEFORE, PHOTO_AFTER, REPORTER)

GRID_COLUMNS: Final[tuple[str, ...]] = (GRID_ID, GRID_NAME, COMMUNITY, STREET, CADRES, GEOMETRY)

# Reference layers (roads, buildings, points of interest drawn under the grids; geo.ingest.reference).
REFERENCE_KIND: Final = "kind"
REFERENCE_NAME: Final = "name"
REFERENCE_KINDS: Final[tuple[str, ...]] = ("road", "building", "poi")
REFERENCE_COLUMNS: Final[tuple[str, ...]] = (REFERENCE_KIND, REFERENCE_NAME, GEOMETRY)

# --- what a store keeps ---------------------------------------------------------------------
#: Every column of a stored issue, in order, with its pandas dtype ("tz" = tz-aware timestamp,
#: "geometry" = WGS84 point). Both store backends write exactly these and read them back the same.
STORED_ISSUE_DTYPES: Final[dict[str, str]] = {
    **{c: "string" for c in ISSUE_COLUMNS},
    REPORTED_AT: "tz", CLOSED_AT: "tz", DEADLINE_AT: "tz",
    OUTSIDE_GRIDS: "bool",
    GRID_RAW: "string",
    SUSPECT_POINT: "bool",
    LIKELY_DUPLICATE_OF: "string",
    GEOMETRY: "geometry",
}
STORED_ISSUE_COLUMNS: Final[tuple[str, ...]] = tuple(
    [c for c in STORED_ISSUE_DTYPES if c != GEOMETRY] + [GEOMETRY])
STORED_GRID_DTYPES: Final[dict[str, str]] = {
    GRID_ID: "string", GRID_NAME: "string", COMMUNITY: "string", STREET: "string", CADRES: "string",
    GEOMETRY: "geometry",
}
#: One row per changed field of an issue seen across re-imports; all text.
HISTORY_COLUMNS: Final[tuple[str, ...]] = ("issue_id", "changed_at", "field", "old", "new", "source")
#: Keys every import log record carries (the summary's counts, plus when, what and the generation).
IMPORT_LOG_KEYS: Final[tuple[str, ...]] = ("at", "source", "kind", "generation", "read", "imported", "updated",
                                           "rejected", "duplicates")

# --- allowed values ------------------------------------------------------------------------
#: ``unknown``: the ledger says nothing of the case's state (no status and no close time column): neither
#: open nor closed, so it is in no rate, no backlog and no grade (never "all open", which made every case overdue).
STATUSES: Final[tuple[str, ...]] = ("open", "assigned", "rectified", "closed", "void", "unknown")
#: Statuses that still need work; ``rectified`` waits for the close-out check (核查销号).
OPEN_STATUSES: Final[frozenset[str]] = frozenset({"open", "assigned", "rectified"})
HANDLINGS: Final[tuple[str, ...]] = ("on_site", "referred")
SOURCES: Final[tuple[str, ...]] = ("patrol", "supervision", "hotline", "public", "video")
#: Sources that are the city's own finds (主动发现: patrols and cameras) and those where someone else had to
#: report the problem (监督举报: supervision, the hotline, the public): what a patrol missed.
FOUND_SOURCES: Final[frozenset[str]] = frozenset({"patrol", "video"})
REPORTED_SOURCES: Final[frozenset[str]] = frozenset({"supervision", "hotline", "public"})


class SchemaError(ValueError):
    """A table does not follow the canonical schema; the message names the offending column."""


def conform_issues(issues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stored issue columns in order and with their stored dtypes, validated.

    Columns added to the schema after a workspace was written (``LATER_ISSUE_COLUMNS``) and the
    quality flags are filled when absent, so every store reads back the same frame.

    Raises
    ------
    SchemaError
        If a canonical column is missing or a value breaks :func:`validate_issues`.
    """
    out = issues.copy(deep=False)  # columns are replaced, never written into (a deep copy was 0.25 s at 1M)
    for col in (*LATER_ISSUE_COLUMNS, GRID_RAW, LIKELY_DUPLICATE_OF):
        if col not in out.columns:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="string")
    if SUSPECT_POINT not in out.columns:
        out[SUSPECT_POINT] = False
    validate_issues(out)
    for col, kind in STORED_ISSUE_DTYPES.items():
        if kind == "string":
            out[col] = out[col].astype("string")
        elif kind == "bool":
            out[col] = out[col].fillna(False).astype(bool)
    return gpd.GeoDataFrame(out[list(STORED_ISSUE_COLUMNS)], geometry=GEOMETRY, crs=STORAGE_CRS)


def conform_grids(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stored grid columns in order, as strings, validated (see :func:`validate_grids`)."""
    validate_grids(grids)
    out = grids[list(STORED_GRID_DTYPES)].copy()
    for col, kind in STORED_GRID_DTYPES.items():
        if kind == "string":
            out[col] = out[col].astype("string")
    return gpd.GeoDataFrame(out, geometry=GEOMETRY, crs=STORAGE_CRS)


def conform_history(rows: pd.DataFrame) -> pd.DataFrame:
    """History rows with exactly :data:`HISTORY_COLUMNS`, as text.

    Raises
    ------
    SchemaError
        If a history column is missing.
    """
    missing = [c for c in HISTORY_COLUMNS if c not in rows.columns]
    if missing:
        raise SchemaError(f"history rows lack the columns {missing}; expected {list(HISTORY_COLUMNS)}")
    return rows[list(HISTORY_COLUMNS)].astype("string").reset_index(drop=True)


def validate_issues(issues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check that ``issues`` follows the canonical issue schema.

    Parameters
    ----------
    issues
        A table as produced by :func:`geo.ingest.ledger.read_ledger` and :func:`geo.ingest.join.assign_grids`.

    Returns
    -------
    GeoDataFrame
        The same object, for chaining.

    Raises
    ------
    SchemaError
        On a missing column, a wrong CRS, naive timestamps, unknown statuses or duplicate ids.
    """
    missing = [c for c in ISSUE_COLUMNS if c not in issues.columns]
    if missing:
        raise SchemaError(f"issues lack the columns {missing}; expected all of {list(ISSUE_COLUMNS)}")
    if issues.crs is None or issues.crs.to_epsg() != 4326:
        raise SchemaError(f"issues must be stored in {STORAGE_CRS}, got {issues.crs}")
    for col in (REPORTED_AT, CLOSED_AT, DEADLINE_AT):
        dtype = issues[col].dtype
        if not isinstance(dtype, pd.DatetimeTZDtype):
            raise SchemaError(f"column {col!r} must hold tz-aware timestamps, got dtype {dtype}")
    bad_status = sorted(set(issues[STATUS].dropna().unique()) - set(STATUSES))  # unique first: a set of 1M is slow
    if bad_status:
        raise SchemaError(f"unknown status values {bad_status}; allowed: {list(STATUSES)}")
    bad_handling = sorted(set(issues[HANDLING].dropna().unique()) - set(HANDLINGS))
    if bad_handling:
        raise SchemaError(f"unknown handling values {bad_handling}; allowed: {list(HANDLINGS)}")
    if issues[ISSUE_ID].duplicated().any():
        dup = issues.loc[issues[ISSUE_ID].duplicated(), ISSUE_ID].iloc[0]
        raise SchemaError(f"issue_id must be unique; {dup!r} occurs more than once")
    return issues


def validate_grids(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check that ``grids`` follows the canonical grid schema (unique ids, polygons, WGS84).

    Raises
    ------
    SchemaError
        On a missing column, a wrong CRS, duplicate or empty ids, or non-polygon geometries.
    """
    missing = [c for c in GRID_COLUMNS if c not in grids.columns]
    if missing:
        raise SchemaError(f"grids lack the columns {missing}; expected all of {list(GRID_COLUMNS)}")
    if grids.crs is None or grids.crs.to_epsg() != 4326:
        raise SchemaError(f"grids must be stored in {STORAGE_CRS}, got {grids.crs}")
    ids = grids[GRID_ID]
    if ids.isna().any() or (ids.astype(str).str.strip() == "").any():
        raise SchemaError("every grid needs a non-empty grid_id")
    if ids.duplicated().any():
        raise SchemaError(f"grid_id must be unique; {ids[ids.duplicated()].iloc[0]!r} repeats")
    kinds = set(grids.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"grids must be polygons, found {sorted(kinds)}")
    return grids
