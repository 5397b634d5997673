"""Reading ledgers and grid layers into canonical GeoDataFrames.

Every ledger row ends in exactly one of three places: the issues, the rejects (with the source row
number and a reason), or the duplicate count. ``read == imported + rejected + duplicates`` holds for
every call and is checked before returning.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema as s
from geo.categories import CategoryTable, read_categories
from geo.crs import guess_projected_crs, parse_crs, to_wgs84
from geo.ingest.excel import clean_header, is_internal, sheet_names
from geo.ingest.mapping import HANDLING_VALUES, LedgerMapping, guess_columns, map_series, map_sources, map_statuses
from geo.ingest.tables import (
    GEOM_X,
    GEOM_Y,
    READ_PROBLEM,
    SOURCE_ROW,
    LedgerError,
    check_headers,
    raw_headers,
    read_table,
    without_controls,
)
from geo.ingest.times import parse_local_times
from geo.text import stripped_text

REQUIRED_FIELDS = ("category", "reported_at", "lon", "lat")
#: Extra column kept from the ledger: the grid the clerk wrote down (compared with the join later).
GRID_RAW = s.GRID_RAW
#: Reported times before this are typos or placeholders (1900-01-01), never real ledger entries.
EARLIEST_REPORT = dt.date(2000, 1, 1)
#: The rejects table's own columns, first in every rejects file; a ledger column of the same name is
#: kept beside them as ``reason (ledger)`` (:func:`rejects_frame`).
REJECT_ROW, REASON = "source_row", "reason"
LEDGER_SUFFIX = " (ledger)"


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
    swapped
        Imported rows whose latitude and longitude were swapped in the ledger (fixed).
    """

    issues: gpd.GeoDataFrame
    rejects: pd.DataFrame
    duplicates: int
    columns: dict[str, str]
    unmapped_categories: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    unmapped_statuses: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    swapped: int = 0

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



def _row_ids(raw: pd.DataFrame) -> pd.Series:
    """Deterministic ids for rows without one: a hash of every cell, stable across runs.

    ``hash_pandas_object`` uses a fixed key, so the same cells give the same id on any machine.
    """
    hashed = pd.util.hash_pandas_object(raw.astype("string").fillna(""), index=False)
    return pd.Series([f"GW{h:016X}" for h in hashed.to_numpy()], index=raw.index, dtype="string")


def _repeated_rows(raw: pd.DataFrame, key: str) -> pd.Series:
    """True for a row equal in every cell to an earlier row (``DataFrame.duplicated(keep="first")``).

    Two equal rows share every cell, so only rows whose ``key`` cell repeats can be duplicates: the whole-row
    comparison runs on those alone (none in a ledger with unique ids; comparing a million rows of 15 text
    columns cost 1.7 s).
    """
    text = raw[key].astype("string").fillna("")
    candidate = text.duplicated(keep=False).to_numpy()
    repeated = np.zeros(len(raw), dtype=bool)
    if candidate.any():
        repeated[candidate] = raw[candidate].astype("string").fillna("").duplicated(keep="first").to_numpy()
    return pd.Series(repeated, index=raw.index)


def _other_sheets(source: object) -> str:
    """For a workbook: the sheet read and the others' names, so a clerk knows where else the ledger may be."""
    if not isinstance(source, str | Path) or Path(source).suffix.lower() not in (".xlsx", ".xlsm"):
        return ""
    try:
        chosen, others = sheet_names(source)
    except Exception:  # the reader already said what it could; a second failure adds nothing
        return ""
    return f" (read from sheet {chosen!r}; the workbook's other sheets: {', '.join(others)})" if others else ""


def read_ledger(
    source: str | Path | pd.DataFrame,
    *,
    categories: CategoryTable | None = None,
    mapping: LedgerMapping | None = None,
    today: dt.date | None = None,
) -> LedgerImport:
    """Read a ledger into canonical issues, rejects and a duplicate count.

    Parameters
    ----------
    source
        A ledger file (CSV, Excel, GeoJSON, GeoPackage, zipped Shapefile) or a frame of raw cells.
    categories
        Category table for label mapping and time limits (default: the bundled table).
    mapping
        Column overrides, extra category synonyms, the coordinates' CRS and the time zone.
    today
        The local date that "in the future" is judged against (default: today in the ledger's zone).

    Raises
    ------
    LedgerError
        If the file cannot be read or a required column cannot be found; the message lists the
        headers that were seen.

    Notes
    -----
    Coordinates: a row whose latitude is beyond +-90 while its longitude would be a valid latitude
    is taken as swapped, fixed, and counted. Coordinates that are clearly projected (metres or
    feet) while the ledger is declared WGS84 are rejected with the likely CRS named; Gridwatch never
    converts with a guessed CRS.
    """
    mapping = mapping or LedgerMapping()
    categories = (categories or read_categories()).with_synonyms(mapping.categories)
    tz = mapping.tz or s.DEFAULT_TZ
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise LedgerError(f"unknown time zone {tz!r} in the mapping; use an IANA name such as Asia/Shanghai") from exc
    try:
        crs = parse_crs(mapping.crs)
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc
    raw = read_table(source) if not isinstance(source, pd.DataFrame) else source.astype("string")
    raw = raw.reset_index(drop=True)
    if SOURCE_ROW in raw.columns:
        source_row = raw.pop(SOURCE_ROW).astype("int64")
    else:
        source_row = pd.Series(np.arange(len(raw)) + 2, index=raw.index)
    if isinstance(source, pd.DataFrame):  # a frame of raw cells: its headers as a file's would be read
        raw.columns = [c if is_internal(c) else clean_header(c) for c in raw.columns]
    check_headers(list(raw.columns), name=getattr(source, "name", "the ledger"))
    problem = raw.pop(READ_PROBLEM).fillna("") if READ_PROBLEM in raw.columns else None
    try:
        used = guess_columns([c for c in raw.columns if c not in (GEOM_X, GEOM_Y)], overrides=mapping.columns)
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc
    used |= zoned_siblings(raw, used, keep=set(mapping.columns))
    if "issue_id" not in used:
        found = id_column(raw, taken=set(used.values()))
        if found is not None:
            used["issue_id"] = found
    if GEOM_X in raw.columns and ("lon" not in used or "lat" not in used):
        used["lon"], used["lat"] = GEOM_X, GEOM_Y  # a point layer: its geometry is the location
    missing = [f for f in REQUIRED_FIELDS if f not in used]
    if missing:
        raise LedgerError(
            f"the ledger lacks the required fields {missing}; headers seen: {raw_headers(raw)}"
            f"{_other_sheets(source)}. Name them with a column mapping."
        )

    # Control characters out of every cell we keep, before ids are compared (see tables.CONTROLS).
    raw = without_controls(raw, list(dict.fromkeys(used.values())))
    source_row = source_row.loc[raw.index]
    # Exact duplicate rows (an export run twice, a copy-paste) are counted, not imported.
    dup_mask = _repeated_rows(raw, used.get("issue_id", used["reported_at"]))
    duplicates = int(dup_mask.sum())
    raw, source_row = raw[~dup_mask], source_row[~dup_mask]

    def col(name: str) -> pd.Series:
        if name in used:
            return stripped_text(raw[used[name]])
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def reject(mask: pd.Series | np.ndarray, why: str | pd.Series | Callable[[pd.Series], pd.Series]) -> None:
        """Give rows of ``mask`` without a reason yet the reason ``why``: text, per-row text, or a function
        making the per-row text of just those rows (a message quoting the cell, built for the few rejected
        rows instead of a million)."""
        fresh = pd.Series(np.asarray(mask, dtype=bool), index=raw.index) & reason.isna()
        if not fresh.any():
            return
        if callable(why):
            why = why(fresh)
        reason[fresh] = why if isinstance(why, str) else why[fresh]

    if problem is not None:  # the reader could not take the row as it stands (see geo.ingest.excel)
        problem = problem[raw.index]
        reject(problem != "", problem)

    # Coordinates
    x_txt, y_txt = col("lon"), col("lat")
    # Thousands separators and full-width digits (１１７.２５) appear in hand-kept sheets.
    # Folded only where the cell is not a plain number already (folding a plain number changes nothing).
    def number(text: pd.Series) -> pd.Series:
        value = pd.to_numeric(text, errors="coerce").astype("float64")
        odd = (value.isna() & text.notna()).to_numpy(dtype=bool)
        if odd.any():
            folded = text[odd].str.normalize("NFKC").str.replace(",", "", regex=False).str.strip()
            value[odd] = pd.to_numeric(folded, errors="coerce").astype("float64").to_numpy()
        return value

    x, y = number(x_txt), number(y_txt)
    reject(x_txt.isna() | y_txt.isna(), "missing coordinates")
    reject(x.isna() | y.isna(), "coordinates are not numbers")
    # Zero written imprecisely is zero: 4.9e-324 (a float's last digit) is no place, in degrees or metres.
    reject((x.abs() < 1e-9) & (y.abs() < 1e-9), "coordinates are (0, 0), a placeholder")
    swapped = np.zeros(len(raw), dtype=bool)
    # Degrees of any kind (WGS84, CGCS2000, GCJ-02, BD-09): a row whose "latitude" is beyond 90 while
    # its "longitude" would be a valid latitude was typed the wrong way round; fixed per row, counted.
    in_degrees = isinstance(crs, str) or crs.is_geographic
    if in_degrees:
        guess = guess_projected_crs(x.to_numpy(), y.to_numpy())
        if guess is not None:
            reject((x.abs() > 180) | (y.abs() > 180),
                   f"coordinates look projected (metres or feet), likely {guess}; declare the CRS")
        swapped = ((y.abs() > 90) & (y.abs() <= 180) & (x.abs() <= 90)).to_numpy(dtype=bool) & reason.isna().to_numpy()
        x, y = x.where(~swapped, y), y.where(~swapped, x)
    lon_arr, lat_arr = to_wgs84(x.to_numpy(), y.to_numpy(), crs)
    lon, lat = pd.Series(lon_arr, index=raw.index), pd.Series(lat_arr, index=raw.index)
    reject(~lon.between(-180, 180) | ~lat.between(-90, 90), "coordinates out of range for WGS84")

    # Times
    reported_txt = col("reported_at")
    reported = parse_local_times(reported_txt, tz=tz)
    reject(reported_txt.isna(), "missing reported time")
    closed_txt = col("closed_at")
    closed = parse_local_times(closed_txt, tz=tz)
    deadline = parse_local_times(col("deadline_at"), tz=tz)
    _reject_implausible_times(reject, reported_txt, reported, closed_txt, closed, tz=tz, today=today)
    reject(reported.isna(), lambda rows: "unparseable reported time: " + reported_txt[rows].fillna(""))

    # Ids: the ledger's own, else a deterministic hash of the row.
    ids = col("issue_id")
    if ids.isna().any():
        ids = ids.fillna(_row_ids(raw[ids.isna()]))
    dup_id = ids.duplicated(keep="first") & reason.isna()

    def first_seen(rows: pd.Series) -> pd.Series:
        same = ids.isin(ids[rows].unique()).to_numpy()
        first = source_row[same].groupby(ids[same].to_numpy()).min()
        return "duplicate issue_id (first seen at row " + ids[rows].map(first).astype(str) + ")"

    reject(dup_id, first_seen)

    # Vocabularies
    cat_raw = col("category")
    category = categories.map_labels(cat_raw)
    unmapped_categories = categories.unmatched(cat_raw.dropna())
    status_raw = col("status")
    status = map_statuses(status_raw, mapping.statuses)
    unknown_status = status.isna() & status_raw.notna()
    unmapped_statuses = status_raw[unknown_status].value_counts()
    # With no usable status the closing time is the best evidence of the case's state; a ledger with
    # neither column says nothing of it, and that stays unknown (not "open", which made every case overdue).
    if "status" not in used and "closed_at" not in used:
        status = pd.Series("unknown", index=raw.index, dtype="string")
    status = status.fillna(pd.Series(np.where(closed.notna(), "closed", "open"), index=raw.index))
    # Codes always exist in the table (unknown labels became "other"), so a plain map is safe.
    limit_days = category.map(categories.table["limit_days"]).astype(float)
    deadline = deadline.fillna(reported + pd.to_timedelta(limit_days, unit="D"))
    # What the ledger does not say stays unknown: 立行立改占比 counts the cases whose handling it gives,
    # never the categories' usual handling (a ledger without the column read 89.9 % fixed on site).
    handling = map_series(col("handling"), HANDLING_VALUES)

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
            s.SOURCE: map_sources(col("source"))[keep],
            s.DESCRIPTION: col("description")[keep],
            s.ADDRESS: col("address")[keep],
            s.PHOTO_BEFORE: col("photo_before")[keep],
            s.PHOTO_AFTER: col("photo_after")[keep],
            s.REPORTER: col("reporter")[keep],
            s.GRID_ID: pd.Series(pd.NA, index=raw.index, dtype="string")[keep],
            s.OUTSIDE_GRIDS: pd.Series(False, index=raw.index)[keep],
            GRID_RAW: col("grid_raw")[keep],
        },
        geometry=gpd.points_from_xy(lon[keep], lat[keep]),
        crs=s.STORAGE_CRS,
    ).reset_index(drop=True)

    rejects = rejects_frame(raw[~keep], source_row[~keep], reason[~keep])
    result = LedgerImport(
        issues=s.validate_issues(issues),
        rejects=rejects.reset_index(drop=True),
        duplicates=duplicates,
        columns=used,
        unmapped_categories=unmapped_categories,
        unmapped_statuses=unmapped_statuses,
        swapped=int(swapped[keep.to_numpy()].sum()),
    )
    if result.read != len(source_row) + duplicates:  # the accounting invariant, never violated
        raise AssertionError("ledger row accounting failed: rows went missing")
    return result


_ID_HEADER = re.compile(r"(?:id|编号|号|码|number|no|key|ref)$")


def id_column(raw: pd.DataFrame, *, taken: set[str]) -> str | None:
    """A column that can only be the ledger's own id: an id-like header whose values are all present,
    all different and short without blanks (``request_id``, ``工单号``, ``Ticket No``).

    Without the ledger's id every row gets a hash of its cells, so a newer export of the same ledger
    (a status changed) would arrive as new rows; with it, the re-import updates them.
    """
    n = len(raw)
    if n == 0:
        return None
    for column in map(str, raw.columns):
        if column in taken or is_internal(column) or not _ID_HEADER.search(_key(column)):
            continue
        values = raw[column].astype("string").str.strip()
        if values.isna().any() or (values == "").any() or values.str.len().max() > 64:
            continue
        if values.str.contains(r"\s", regex=True).any() or values.nunique() != n:
            continue
        return column
    return None


_ZONE_MARK = re.compile(r"(?:utc|gmt|zulu|z)$|^(?:utc|gmt)")


def zoned_siblings(raw: pd.DataFrame, used: dict[str, str], *, keep: set[str]) -> dict[str, str]:
    """Time fields better read from a column that carries its offset: ``created_at_utc`` over ``created_at``.

    A local time without an offset is ambiguous once a year and needs the zone to be right; the same
    time written in UTC or with an offset (``Z``, ``+02:00``) is an instant. A column is taken instead of
    the guessed one when its header is the guessed header's with a UTC/GMT mark and nearly all its
    values (99 % of a sample) carry an offset. A field the clerk mapped (``keep``) is never changed.
    """
    from geo.ingest.times import has_zone

    out: dict[str, str] = {}
    taken = set(used.values())
    for field_name in ("reported_at", "closed_at", "deadline_at"):
        header = used.get(field_name)
        if header is None or field_name in keep:
            continue
        base = _key(header)
        for column in map(str, raw.columns):
            if column in taken or is_internal(column):
                continue
            key = _key(column)
            if not (key.startswith(base) or key.endswith(base)) or not _ZONE_MARK.search(key.replace(base, "", 1)):
                continue
            sample = stripped_text(raw[column]).dropna().head(1000)
            if len(sample) and float(has_zone(sample).mean()) >= 0.99:
                out[field_name] = column
                taken.add(column)
                break
    return out


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def rejects_frame(cells: pd.DataFrame, rows: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """The rejected rows as a clerk downloads them: ``source_row``, ``reason``, then the ledger's own cells.

    The ledger's columns keep their names, except one that shares a name with ours: it becomes
    ``reason (ledger)`` (and so on until unique), so a 311 export's own ``reason`` column is kept beside ours.

    Examples
    --------
    >>> cells = pd.DataFrame({"reason": ["Graffiti"], "id": ["7"]})
    >>> list(rejects_frame(cells, pd.Series([3]), pd.Series(["missing coordinates"])).columns)
    ['source_row', 'reason', 'reason (ledger)', 'id']
    """
    ours = {REJECT_ROW, REASON}
    taken = set(ours) | {str(c) for c in cells.columns}
    renamed: dict[str, str] = {}
    for column in map(str, cells.columns):
        if column in ours:
            new = column + LEDGER_SUFFIX
            while new in taken:
                new += LEDGER_SUFFIX
            taken.add(new)
            renamed[column] = new
    out = cells.rename(columns=renamed)
    out.insert(0, REASON, reasons.to_numpy())
    out.insert(0, REJECT_ROW, rows.to_numpy())
    return out.reset_index(drop=True)


#: A date with no day: a bare year (``2026``, ``2026年``) or a year and month (``2026-03``, ``2026年3月``).
_NO_DAY = r"^\s*\d{4}\s*(?:年|[-/.]\s*\d{1,2}\s*月?|年\s*\d{1,2}\s*月)?\s*$"


def _reject_implausible_times(reject: Any, reported_txt: pd.Series, reported: pd.Series, closed_txt: pd.Series,
                              closed: pd.Series, *, tz: str, today: dt.date | None) -> None:
    """Reject times no real ledger holds: no day, before 2000, or later than tomorrow.

    A bare ``2026`` would otherwise read as 1 January; ``1900-01-01`` is a spreadsheet's
    placeholder (and in Asia/Shanghai it carries the +08:05:43 local mean time offset).
    """
    local_today = today or pd.Timestamp.now(tz=tz).date()
    latest = pd.Timestamp(local_today, tz=tz) + pd.Timedelta(days=2)  # end of tomorrow
    earliest = pd.Timestamp(EARLIEST_REPORT, tz=tz)
    for label, text, parsed in (("reported", reported_txt, reported), ("closing", closed_txt, closed)):
        def quoted(before: str, after: str = "", text: pd.Series = text) -> Callable[[pd.Series], pd.Series]:
            return lambda rows: before + text[rows].fillna("") + after

        short = text.str.len().le(12).fillna(False).astype(bool)  # a date without a day is short: test only those
        reject(short & text.where(short).str.match(_NO_DAY, na=False).fillna(False).astype(bool),
               quoted(f"{label} time has no day: "))
        reject((parsed < earliest).fillna(False).astype(bool),
               quoted(f"{label} time before {EARLIEST_REPORT.year}: ", "; check the year"))
        reject((parsed >= latest).fillna(False).astype(bool),
               quoted(f"{label} time in the future: ", "; check the date"))


