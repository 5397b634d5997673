"""Reading ledgers and grid layers into canonical GeoDataFrames.

Every ledger row ends in exactly one of three places: the issues, the rejects (with the source row
number and a reason), or the duplicate count. ``read == imported + rejected + duplicates`` holds for
every call and is checked before returning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer

from geo import schema as s
from geo.categories import CategoryTable, read_categories
from geo.mapping import HANDLING_VALUES, SOURCE_VALUES, STATUS_VALUES, guess_columns, map_series
from geo.times import parse_local_times

REQUIRED_FIELDS = ("category", "reported_at", "lon", "lat")
#: Extra column kept from the ledger: the grid the clerk wrote down (compared with the join later).
GRID_RAW = "grid_raw"
#: 1-based row number in the source file, counting the header as row 1.
SOURCE_ROW = "source_row"
REASON = "reason"


class LedgerError(ValueError):
    """A ledger cannot be read at all (unknown format, missing required columns, bad encoding)."""


@dataclass(frozen=True)
class LedgerImport:
    """The outcome of reading one ledger.

    Attributes
    ----------
    issues
        Canonical issues (WGS84 points, tz-aware times); ``grid_id`` is still empty.
    rejects
        One row per rejected ledger row: ``source_row``, ``reason`` and the raw cells.
    duplicates
        Rows that repeat an earlier row exactly (every cell equal); counted, not imported.
    columns
        ``canonical field -> ledger header`` as used.
    unmapped_categories, unmapped_statuses
        Raw labels no vocabulary knew, with their counts (imported as ``other`` / by closing time).
    """

    issues: gpd.GeoDataFrame
    rejects: pd.DataFrame
    duplicates: int
    columns: dict[str, str]
    unmapped_categories: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    unmapped_statuses: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))

    @property
    def read(self) -> int:
        """Rows read from the source (header excluded)."""
        return len(self.issues) + len(self.rejects) + self.duplicates

    def summary(self) -> dict[str, int]:
        """Counts for a report: read, imported, rejected, duplicates."""
        return {
            "read": self.read,
            "imported": len(self.issues),
            "rejected": len(self.rejects),
            "duplicates": self.duplicates,
        }


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Excel sheet as strings, keeping every cell's raw text.

    CSV encodings tried in order: UTF-8 (with or without BOM), then GB18030 (a superset of GBK and
    GB2312, which Chinese Excel writes by default).

    Raises
    ------
    LedgerError
        If the file does not exist, the extension is unknown, or no encoding decodes it.
    """
    path = Path(path)
    if not path.is_file():
        raise LedgerError(f"ledger file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            return pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise LedgerError(f"cannot read Excel file {path.name}: {exc}") from exc
    if suffix in {".csv", ".txt"}:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            except UnicodeDecodeError:
                continue
            except pd.errors.ParserError as exc:
                raise LedgerError(f"cannot parse CSV {path.name}: {exc}") from exc
        raise LedgerError(f"cannot decode {path.name} as UTF-8 or GB18030")
    raise LedgerError(f"unsupported ledger format {suffix!r} ({path.name}); use .csv or .xlsx")


def _row_ids(raw: pd.DataFrame) -> pd.Series:
    """Deterministic ids for rows without one: a hash of every cell, stable across runs.

    ``hash_pandas_object`` uses a fixed key, so the same cells give the same id on any machine.
    """
    hashed = pd.util.hash_pandas_object(raw.astype("string").fillna(""), index=False)
    return pd.Series([f"GW{h:016X}" for h in hashed.to_numpy()], index=raw.index, dtype="string")


def read_ledger(
    source: str | Path | pd.DataFrame,
    *,
    categories: CategoryTable | None = None,
    columns: dict[str, str] | None = None,
    tz: str = s.DEFAULT_TZ,
    crs: str | int = s.STORAGE_CRS,
) -> LedgerImport:
    """Read a ledger into canonical issues, rejects and a duplicate count.

    Parameters
    ----------
    source
        A CSV/xlsx path, or a frame of raw cells already read.
    categories
        Category table for label mapping and time limits (default: the bundled table).
    columns
        ``canonical field -> header`` overrides for the automatic header guess.
    tz
        Zone of the ledger's local times.
    crs
        CRS of the coordinate columns; converted to WGS84 for storage.

    Raises
    ------
    LedgerError
        If a required column cannot be found; the message lists the headers that were seen.
    """
    categories = categories or read_categories()
    raw = read_table(source) if not isinstance(source, pd.DataFrame) else source.astype("string")
    raw = raw.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    used = guess_columns(raw.columns, overrides=columns)
    missing = [f for f in REQUIRED_FIELDS if f not in used]
    if missing:
        raise LedgerError(
            f"the ledger lacks the required fields {missing}; headers seen: {list(raw.columns)}. "
            "Name them with a column mapping."
        )
    source_row = pd.Series(np.arange(len(raw)) + 2, index=raw.index)

    # Exact duplicate rows (an export run twice, a copy-paste) are counted, not imported.
    dup_mask = raw.astype("string").fillna("").duplicated(keep="first")
    duplicates = int(dup_mask.sum())
    raw, source_row = raw[~dup_mask], source_row[~dup_mask]

    def col(name: str) -> pd.Series:
        if name in used:
            return raw[used[name]].astype("string").str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def reject(mask: pd.Series, why: str | pd.Series) -> None:
        fresh = mask & reason.isna()
        reason[fresh] = why if isinstance(why, str) else why[fresh]

    # Coordinates
    lon_txt, lat_txt = col("lon"), col("lat")
    lon = pd.to_numeric(lon_txt, errors="coerce")
    lat = pd.to_numeric(lat_txt, errors="coerce")
    reject(lon_txt.isna() | lat_txt.isna(), "missing coordinates")
    reject(lon.isna() | lat.isna(), "coordinates are not numbers")
    target = CRS(s.STORAGE_CRS)
    if CRS(crs) != target:
        fx, fy = Transformer.from_crs(CRS(crs), target, always_xy=True).transform(
            lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
        )
        lon, lat = pd.Series(fx, index=raw.index), pd.Series(fy, index=raw.index)
    reject((lon == 0) & (lat == 0), "coordinates are (0, 0), a placeholder")
    reject(~lon.between(-180, 180) | ~lat.between(-90, 90), "coordinates out of range for WGS84")

    # Times
    reported_txt = col("reported_at")
    reported = parse_local_times(reported_txt, tz=tz)
    reject(reported_txt.isna(), "missing reported time")
    reject(reported.isna(), "unparseable reported time: " + reported_txt.fillna(""))
    closed = parse_local_times(col("closed_at"), tz=tz)
    deadline = parse_local_times(col("deadline_at"), tz=tz)

    # Ids: the ledger's own, else a deterministic hash of the row.
    ids = col("issue_id")
    if ids.isna().any():
        ids = ids.fillna(_row_ids(raw[ids.isna()]))
    first_row = source_row.groupby(ids.to_numpy()).transform("min")
    dup_id = ids.duplicated(keep="first") & reason.isna()
    reject(dup_id, "duplicate issue_id (first seen at row " + first_row.astype(str) + ")")

    # Vocabularies
    cat_raw = col("category")
    category = categories.map_labels(cat_raw)
    unmapped_categories = categories.unmatched(cat_raw.dropna())
    status_raw = col("status")
    status = map_series(status_raw, STATUS_VALUES)
    unknown_status = status.isna() & status_raw.notna()
    unmapped_statuses = status_raw[unknown_status].value_counts()
    # With no usable status the closing time is the best evidence of the case's state.
    status = status.fillna(pd.Series(np.where(closed.notna(), "closed", "open"), index=raw.index))
    # Codes always exist in the table (unknown labels became "other"), so a plain map is safe.
    limit_days = category.map(categories.table["limit_days"]).astype(float)
    deadline = deadline.fillna(reported + pd.to_timedelta(limit_days, unit="D"))
    handling = map_series(col("handling"), HANDLING_VALUES)
    handling = handling.fillna(category.map(categories.table["handling"]).astype("string"))

    keep = reason.isna()
    issues = gpd.GeoDataFrame(
        {
            s.ISSUE_ID: ids[keep],
            s.CATEGORY: category[keep],
            s.CATEGORY_RAW: cat_raw[keep],
            s.REPORTED_AT: reported[keep],
            s.STATUS: status[keep],
            s.STATUS_RAW: status_raw[keep],
            s.CLOSED_AT: closed[keep],
            s.DEADLINE_AT: deadline[keep],
            s.HANDLING: handling[keep],
            s.DEPARTMENT: col("department")[keep],
            s.SOURCE: map_series(col("source"), SOURCE_VALUES)[keep],
            s.DESCRIPTION: col("description")[keep],
            s.ADDRESS: col("address")[keep],
            s.GRID_ID: pd.Series(pd.NA, index=raw.index, dtype="string")[keep],
            s.OUTSIDE_GRIDS: pd.Series(False, index=raw.index)[keep],
            GRID_RAW: col("grid_raw")[keep],
        },
        geometry=gpd.points_from_xy(lon[keep], lat[keep]),
        crs=s.STORAGE_CRS,
    ).reset_index(drop=True)

    rejects = raw[~keep].copy()
    rejects.insert(0, REASON, reason[~keep])
    rejects.insert(0, SOURCE_ROW, source_row[~keep])
    result = LedgerImport(
        issues=s.validate_issues(issues),
        rejects=rejects.reset_index(drop=True),
        duplicates=duplicates,
        columns=used,
        unmapped_categories=unmapped_categories,
        unmapped_statuses=unmapped_statuses,
    )
    if result.read != len(source_row) + duplicates:  # the accounting invariant, never violated
        raise AssertionError("ledger row accounting failed: rows went missing")
    return result


def read_grids(
    path: str | Path,
    *,
    id_field: str = s.GRID_ID,
    name_field: str = s.GRID_NAME,
    community_field: str = s.COMMUNITY,
) -> gpd.GeoDataFrame:
    """Read management grid polygons into the canonical grid schema (WGS84).

    Missing optional fields (name, community, street, cadres) are filled with the id or blanks.

    Raises
    ------
    LedgerError
        If the file cannot be read or the id field is missing.
    """
    try:
        grids = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise LedgerError(f"cannot read grid layer {Path(path).name}: {exc}") from exc
    if id_field not in grids.columns:
        raise LedgerError(f"grid layer lacks the id field {id_field!r}; fields: {list(grids.columns)}")
    if grids.crs is None:
        raise LedgerError(f"grid layer {Path(path).name} has no CRS")
    out = gpd.GeoDataFrame(
        {
            s.GRID_ID: grids[id_field].astype("string"),
            s.GRID_NAME: grids[name_field].astype("string") if name_field in grids else grids[id_field].astype("string"),
            s.COMMUNITY: grids[community_field].astype("string") if community_field in grids else pd.NA,
            s.STREET: grids[s.STREET].astype("string") if s.STREET in grids else pd.NA,
            s.CADRES: grids[s.CADRES].astype("string") if s.CADRES in grids else pd.NA,
        },
        geometry=grids.geometry.to_crs(s.STORAGE_CRS),
        crs=s.STORAGE_CRS,
    )
    return s.validate_grids(out)
