"""Reading ledgers and grid layers into canonical GeoDataFrames.

Every ledger row ends in exactly one of three places: the issues, the rejects (with the source row
number and a reason), or the duplicate count. ``read == imported + rejected + duplicates`` holds for
every call and is checked before returning.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import itertools
import warnings
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import schema as s
from geo.categories import CategoryTable, read_categories
from geo.crs import guess_projected_crs, parse_crs, to_wgs84
from geo.excel import READ_PROBLEM, SheetError, read_excel
from geo.limits import InputLimits, InputTooLarge, scan_archive
from geo.mapping import HANDLING_VALUES, SOURCE_VALUES, STATUS_VALUES, LedgerMapping, guess_columns, map_series
from geo.times import parse_local_times

REQUIRED_FIELDS = ("category", "reported_at", "lon", "lat")
#: Extra column kept from the ledger: the grid the clerk wrote down (compared with the join later).
GRID_RAW = s.GRID_RAW
#: 1-based row number in the source file, counting the header as row 1.
SOURCE_ROW = "source_row"
#: Reported times before this are typos or placeholders (1900-01-01), never real ledger entries.
EARLIEST_REPORT = dt.date(2000, 1, 1)
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


#: Formats a ledger may come in (by file extension).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")
#: Columns added when a ledger comes as a point layer: the coordinates of its geometry.
GEOM_X, GEOM_Y = "__geometry_x", "__geometry_y"


def _read_excel(path: Path) -> pd.DataFrame:
    """An Excel sheet as strings, read within bounded memory (see :mod:`geo.excel`)."""
    try:
        return read_excel(path)
    except SheetError as exc:
        raise LedgerError(str(exc)) from exc


def detect_encoding(sample: bytes) -> str:
    """The text encoding of a CSV from its first bytes: BOMs, UTF-8, else charset-normalizer.

    UTF-8 is tried strictly first (a cut multi-byte character at the end of the sample is
    allowed); otherwise charset-normalizer chooses among the encodings Chinese ledgers come in
    (GB18030, which covers GBK and GB2312; Big5 from Taiwan or Hong Kong; UTF-16 from some
    exports; Windows-1252 from English-language systems). GB18030 decodes almost any bytes, so
    guessing it blindly turns Big5 into mojibake.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample, cp_isolation=list(CSV_ENCODINGS)).best()
    return best.encoding if best is not None else "gb18030"


#: Encodings charset-normalizer may choose for a CSV that is not UTF-8.
CSV_ENCODINGS = ("gb18030", "big5", "utf_16_le", "utf_16_be", "cp1252")


def _read_csv(path: Path, *, limits: InputLimits) -> pd.DataFrame:
    """A CSV as strings: encoding detected, rows longer than the header kept and explained."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            sample = fh.read(256 * 1024)
    except (OSError, EOFError) as exc:
        raise LedgerError(f"cannot read {path.name}: {exc}") from exc
    encoding = detect_encoding(sample)
    try:
        first_line = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[:1]
    except LookupError:
        first_line = []
    sep = detect_separator(first_line[0]) if first_line else ","
    if first_line:
        check_headers(next(csv.reader(first_line, delimiter=sep), []), name=path.name)
    try:
        frame = _parse_csv(path, encoding=encoding, limits=limits, sep=sep)
    except UnicodeDecodeError as exc:
        raise LedgerError(f"cannot decode {path.name} as {encoding}: save it as UTF-8 and try again") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LedgerError(f"cannot parse CSV {path.name}: {' '.join(str(exc).split())}") from exc
    if len(frame) > limits.max_rows:
        raise LedgerError(f"{path.name} has more than {limits.max_rows:,} rows; split it by month")
    return frame


#: Field separators a ledger export may use; the header line decides which.
SEPARATORS = (",", ";", "\t", "|")


def detect_separator(header: str) -> str:
    """The separator that splits the header line into the most recognised fields (``,`` on a tie).

    Exports from European-locale Excel use ``;``; some platforms write tab-separated text.

    Examples
    --------
    >>> detect_separator("问题编号;问题类型;上报时间;经度;纬度")
    ';'
    """
    from geo.mapping import guess_columns

    def known(sep: str) -> int:
        cells = [c.strip() for c in next(csv.reader([header], delimiter=sep), [])]
        try:
            return len(guess_columns([c for c in cells if c]))
        except ValueError:
            return 0

    return max(SEPARATORS, key=lambda sep: (known(sep), sep == ","))


def _parse_csv(path: Path, *, encoding: str, limits: InputLimits, sep: str = ",") -> pd.DataFrame:
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "encoding": encoding,
                               "nrows": limits.max_rows + 1, "sep": sep}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        # index_col=False: a row with one field more than the header (a trailing comma) must not
        # turn its first cell into the index and shift every column.
        frame = pd.read_csv(path, index_col=False, **options)
    if not any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        return frame
    # Some rows are longer than the header: read every field, keep the empty extras silent, and
    # mark rows whose extra cells hold values (their columns are shifted or unnamed).
    header = list(frame.columns)
    width = _max_fields(path, encoding=encoding, limit=limits.max_rows + 1, sep=sep)
    names = [*header, *[f"__extra_{j}" for j in range(width - len(header))]]
    full = pd.read_csv(path, header=None, skiprows=1, names=names, **options)
    extras = full[names[len(header):]]
    loaded = extras.fillna("").astype(str).apply(lambda c: c.str.strip()).ne("").any(axis=1)
    out = full[header].copy()
    out[READ_PROBLEM] = pd.array(np.where(loaded, f"the row has more cells than the header's {len(header)}: "
                                          "values beyond the last column (a shifted row?)", ""), dtype="string")
    return out


def _max_fields(path: Path, *, encoding: str, limit: int, sep: str) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        return max((len(r) for r in itertools.islice(csv.reader(fh, delimiter=sep), limit + 1)), default=0)


def check_headers(names: Sequence[object], *, name: str) -> None:
    """Refuse a header row in which two columns read the same once blanks are stripped.

    A repeated header (two 问题类型 columns, or ``地址`` and ``地址 ``) leaves it unclear which
    column is meant; pandas would silently rename one of them.

    Raises
    ------
    LedgerError
        Naming the repeated header and both column positions.
    """
    seen: dict[str, int] = {}
    for i, raw in enumerate(names):
        key = "" if raw is None else str(raw).strip()
        if not key:
            continue
        if key in seen:
            raise LedgerError(f"{name}: the header {key!r} appears twice (columns {seen[key] + 1} and {i + 1}); "
                              "rename or delete one of them")
        seen[key] = i


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:limit]


def _check_archive(path: Path) -> None:
    """Measure a zip by decompressing it in bounded chunks before GDAL opens it."""
    try:
        scan_archive(path)
    except InputTooLarge as exc:
        raise LedgerError(str(exc)) from exc
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc


def check_declared_crs(layer: gpd.GeoDataFrame, *, name: str) -> None:
    """Refuse a layer whose coordinates contradict its declared CRS, naming the likely one.

    A ``.prj`` copied from another layer is common: metres declared while the numbers are degrees
    (the points land in the Gulf of Guinea, near 0, 0), or degrees declared for metres.

    Raises
    ------
    LedgerError
        With the declared CRS and the CRS the numbers suggest.
    """
    if layer.crs is None or not len(layer) or layer.geometry.isna().all():
        return
    bounds = layer.geometry.dropna().bounds
    if bounds.empty:
        return
    xs = np.concatenate([bounds["minx"].to_numpy(), bounds["maxx"].to_numpy()])
    ys = np.concatenate([bounds["miny"].to_numpy(), bounds["maxy"].to_numpy()])
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return
    xs, ys = xs[ok], ys[ok]
    crs = CRS(layer.crs)
    declared = crs.to_string()
    if crs.is_projected:
        looks_degrees = (np.abs(xs) <= 180).all() and (np.abs(ys) <= 90).all() and \
            float(xs.max() - xs.min()) < 5 and float(ys.max() - ys.min()) < 5
        if looks_degrees:
            raise LedgerError(f"{name} declares {declared} (metres or feet) but its coordinates look like degrees "
                              "(longitude, latitude): likely EPSG:4326 (WGS84) or EPSG:4490 (CGCS2000); fix its .prj")
    elif crs.is_geographic and ((np.abs(xs) > 180).any() or (np.abs(ys) > 90).any()):
        guess = guess_projected_crs(xs, ys) or "a projected CRS"
        raise LedgerError(f"{name} declares {declared} (degrees) but its coordinates are metres or feet: "
                          f"likely {guess}; fix its .prj")


def _read_spatial(path: Path) -> pd.DataFrame:
    """A point layer's attributes as strings, with its geometry's coordinates in two columns."""
    import pyogrio

    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    if path.suffix.lower() == ".zip":
        _check_archive(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's warnings about a broken file: the error says enough
            layer = pyogrio.read_dataframe(source)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise LedgerError(f"cannot read {path.name} as a spatial layer: {_one_line(exc)}") from exc
    check_declared_crs(layer, name=path.name)
    geoms = layer.geometry
    kinds = set(geoms.dropna().geom_type)
    if not kinds <= {"Point"}:
        raise LedgerError(f"{path.name} must hold points, found {sorted(kinds)}")
    if layer.crs is not None and CRS(layer.crs) != CRS(s.STORAGE_CRS):
        geoms = geoms.to_crs(s.STORAGE_CRS)
    frame = pd.DataFrame(layer.drop(columns="geometry")).astype("string").fillna("")
    frame[GEOM_X] = pd.array([f"{g.x!r}" if g is not None and not g.is_empty else "" for g in geoms], dtype="string")
    frame[GEOM_Y] = pd.array([f"{g.y!r}" if g is not None and not g.is_empty else "" for g in geoms], dtype="string")
    frame[SOURCE_ROW] = np.arange(1, len(frame) + 1)  # feature number: a layer has no header row
    return frame


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a ledger file as strings, keeping every cell's raw text.

    CSV encodings: UTF-8 (with or without BOM) and UTF-16 by their marks, else detected
    (GB18030, a superset of GBK and GB2312, or Big5). Excel: the first sheet, read only as far as
    its values reach, header found below title rows, merged cells filled. GeoJSON, GeoPackage and
    zipped Shapefile point layers: attributes plus the point coordinates (converted to WGS84).

    Raises
    ------
    LedgerError
        If the file does not exist, the format is unknown, or it cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise LedgerError(f"ledger file not found: {path.name}")
    suffix = path.suffix.lower()
    if path.name.lower().endswith((".csv.gz", ".txt.gz")):
        suffix = ".csv"  # pandas decompresses by the name
    if suffix in {".xlsx", ".xlsm"}:
        return _read_excel(path)
    if suffix in SPATIAL_SUFFIXES:
        return _read_spatial(path)
    if suffix in {".csv", ".txt"}:
        return _read_csv(path, limits=InputLimits.from_env())
    raise LedgerError(
        f"unsupported ledger format {suffix!r} ({path.name}); use one of {', '.join(TABLE_SUFFIXES + SPATIAL_SUFFIXES)}"
    )


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
    check_headers(list(raw.columns), name=getattr(source, "name", "the ledger"))
    raw.columns = [str(c).strip() for c in raw.columns]
    problem = raw.pop(READ_PROBLEM).fillna("") if READ_PROBLEM in raw.columns else None
    try:
        used = guess_columns([c for c in raw.columns if c not in (GEOM_X, GEOM_Y)], overrides=mapping.columns)
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc
    if GEOM_X in raw.columns and ("lon" not in used or "lat" not in used):
        used["lon"], used["lat"] = GEOM_X, GEOM_Y  # a point layer: its geometry is the location
    missing = [f for f in REQUIRED_FIELDS if f not in used]
    if missing:
        raise LedgerError(
            f"the ledger lacks the required fields {missing}; headers seen: {list(raw.columns)}. "
            "Name them with a column mapping."
        )

    # Exact duplicate rows (an export run twice, a copy-paste) are counted, not imported.
    dup_mask = raw.astype("string").fillna("").duplicated(keep="first")
    duplicates = int(dup_mask.sum())
    raw, source_row = raw[~dup_mask], source_row[~dup_mask]

    def col(name: str) -> pd.Series:
        if name in used:
            return raw[used[name]].astype("string").str.strip().replace("", pd.NA)
        return pd.Series(pd.NA, index=raw.index, dtype="string")

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def reject(mask: pd.Series | np.ndarray, why: str | pd.Series) -> None:
        fresh = pd.Series(np.asarray(mask, dtype=bool), index=raw.index) & reason.isna()
        reason[fresh] = why if isinstance(why, str) else why[fresh]

    if problem is not None:  # the reader could not take the row as it stands (see geo.excel)
        problem = problem[raw.index]
        reject(problem != "", problem)

    # Coordinates
    x_txt, y_txt = col("lon"), col("lat")
    # Thousands separators and full-width digits (１１７.２５) appear in hand-kept sheets.
    def number(text: pd.Series) -> pd.Series:
        folded = text.str.normalize("NFKC").str.replace(",", "", regex=False).str.strip()
        return pd.to_numeric(folded, errors="coerce").astype("float64")

    x, y = number(x_txt), number(y_txt)
    reject(x_txt.isna() | y_txt.isna(), "missing coordinates")
    reject(x.isna() | y.isna(), "coordinates are not numbers")
    reject((x == 0) & (y == 0), "coordinates are (0, 0), a placeholder")
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
    reject(reported.isna(), "unparseable reported time: " + reported_txt.fillna(""))

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
            s.PHOTO_BEFORE: col("photo_before")[keep],
            s.PHOTO_AFTER: col("photo_after")[keep],
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
        swapped=int(swapped[keep.to_numpy()].sum()),
    )
    if result.read != len(source_row) + duplicates:  # the accounting invariant, never violated
        raise AssertionError("ledger row accounting failed: rows went missing")
    return result


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
        shown = text.fillna("")
        reject(text.str.match(_NO_DAY, na=False).fillna(False).astype(bool),
               f"{label} time has no day: " + shown)
        reject((parsed < earliest).fillna(False).astype(bool),
               f"{label} time before {EARLIEST_REPORT.year}: " + shown + "; check the year")
        reject((parsed >= latest).fillna(False).astype(bool),
               f"{label} time in the future: " + shown + "; check the date")


def read_grid_layer(path: str | Path) -> gpd.GeoDataFrame:
    """A grid layer as GDAL reads it (all its own columns), in WGS84, for choosing its fields.

    Raises
    ------
    LedgerError
        If the file cannot be read, has no CRS, its CRS contradicts its numbers, or it holds no polygons.
    """
    name = Path(path).name
    lowered = str(path).lower()
    source = f"/vsizip/{path}" if lowered.endswith(".zip") else f"/vsigzip/{path}" if lowered.endswith(".gz") else str(path)
    if lowered.endswith(".zip"):
        _check_archive(Path(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = gpd.read_file(source)
    except Exception as exc:
        raise LedgerError(f"cannot read grid layer {name}: {_one_line(exc)}") from exc
    if layer.crs is None:
        raise LedgerError(f"grid layer {name} has no CRS: add its .prj file (or save it as GeoPackage)")
    check_declared_crs(layer, name=name)
    kinds = set(layer.geom_type.dropna())
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise LedgerError(f"grid layer {name} must hold polygons, found {sorted(kinds) or 'nothing'}")
    return layer.to_crs(s.STORAGE_CRS)


def read_grids(
    path: str | Path,
    *,
    id_field: str = s.GRID_ID,
    name_field: str = s.GRID_NAME,
    community_field: str = s.COMMUNITY,
    cadres_field: str = s.CADRES,
    repair: bool = True,
) -> gpd.GeoDataFrame:
    """Read management grid polygons into the canonical grid schema (WGS84).

    Missing optional fields (name, community, street, cadres) are filled with the id or blanks.
    With ``repair`` (the default) invalid polygons are fixed with ``make_valid`` (keeping their
    polygonal parts); the ids of repaired grids are listed in ``result.attrs["repaired"]``.

    Raises
    ------
    LedgerError
        If the file cannot be read, has no CRS, lacks the id field, or holds no polygons.
    """
    name = Path(path).name
    grids = read_grid_layer(path)
    if id_field not in grids.columns:
        raise LedgerError(f"grid layer lacks the id field {id_field!r}; fields: {list(grids.columns)}")

    def text(field_name: str, fallback: pd.Series | None = None) -> pd.Series:
        if field_name in grids.columns:
            return grids[field_name].astype("string")
        return fallback if fallback is not None else pd.Series(pd.NA, index=grids.index, dtype="string")

    geoms = grids.geometry
    repaired: list[str] = []
    if repair:
        bad = ~geoms.is_valid & geoms.notna()
        if bad.any():
            fixed = shapely.make_valid(geoms[bad].to_numpy())
            # make_valid may return a collection with stray lines: keep the polygonal parts.
            fixed = np.array([shapely.union_all([p for p in shapely.get_parts(g)
                                                 if p.geom_type in ("Polygon", "MultiPolygon")]) for g in fixed])
            geoms = geoms.copy()
            geoms[bad] = fixed
            repaired = grids.loc[bad, id_field].astype(str).tolist()
    ids = grids[id_field].astype("string")
    out = gpd.GeoDataFrame(
        {
            s.GRID_ID: ids,
            s.GRID_NAME: text(name_field, ids),
            s.COMMUNITY: text(community_field).fillna(s.NO_COMMUNITY),
            s.STREET: text(s.STREET),
            s.CADRES: text(cadres_field),
        },
        geometry=geoms.to_crs(s.STORAGE_CRS),
        crs=s.STORAGE_CRS,
    )
    try:
        s.validate_grids(out)
    except s.SchemaError as exc:
        raise LedgerError(f"grid layer {name}: {exc}") from exc
    out.attrs["repaired"] = repaired
    return out
