"""Reading a ledger file as strings: CSV (detected encoding), Excel, point layers; header and CRS checks."""

from __future__ import annotations

import codecs
import csv
import gzip
import itertools
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo import schema as s
from geo.crs import guess_projected_crs
from geo.ingest.excel import INTERNAL, READ_PROBLEM, SOURCE_ROW, SheetError, clean_header, is_internal, read_excel
from geo.ingest.limits import InputLimits, InputTooLarge, scan_archive
from geo.ingest.mapping import guess_columns

__all__ = ["GEOM_X", "GEOM_Y", "READ_PROBLEM", "SOURCE_ROW", "LedgerError", "check_headers", "is_internal",
           "raw_headers", "read_table"]


class LedgerError(ValueError):
    """A ledger cannot be read at all (unknown format, missing required columns, bad encoding)."""



#: Formats a ledger may come in (by file extension).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip", ".shp")
#: Columns added when a ledger comes as a point layer: the coordinates of its geometry.
GEOM_X, GEOM_Y = INTERNAL + "geometry_x", INTERNAL + "geometry_y"


def _read_excel(path: Path) -> pd.DataFrame:
    """An Excel sheet as strings, read within bounded memory (see :mod:`geo.ingest.excel`)."""
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

    def known(sep: str) -> int:
        cells = [c.strip() for c in next(csv.reader([header], delimiter=sep), [])]
        try:
            return len(guess_columns([c for c in cells if c]))
        except ValueError:
            return 0

    return max(SEPARATORS, key=lambda sep: (known(sep), sep == ","))


def _parse_csv(path: Path, *, encoding: str, limits: InputLimits, sep: str = ",") -> pd.DataFrame:
    if encoding == "utf-8-sig":
        fast = _parse_csv_arrow(path, limits=limits, sep=sep)
        if fast is not None:
            fast.columns = [clean_header(c) for c in fast.columns]
            return fast
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "encoding": encoding,
                               "nrows": limits.max_rows + 1, "sep": sep}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        # index_col=False: a row with one field more than the header (a trailing comma) must not
        # turn its first cell into the index and shift every column.
        frame: pd.DataFrame | None
        try:
            frame = pd.read_csv(path, index_col=False, **options)
        except pd.errors.ParserError:  # a row two or more fields longer than the header: the wide route
            frame = None
    if frame is not None and not any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        frame.columns = [clean_header(c) for c in frame.columns]
        return frame
    # Some rows are longer than the header: read every field, keep the empty extras silent, and
    # mark rows whose extra cells hold values (their columns are shifted or unnamed); the rest import.
    header = list(frame.columns) if frame is not None else list(pd.read_csv(path, nrows=0, **{
        k: v for k, v in options.items() if k != "nrows"}).columns)
    width = _max_fields(path, encoding=encoding, limit=limits.max_rows + 1, sep=sep)
    names = [*header, *[f"{INTERNAL}extra_{j}" for j in range(width - len(header))]]
    full: pd.DataFrame = pd.read_csv(path, header=None, skiprows=1, names=names, **options)
    extras = full[names[len(header):]]
    loaded = extras.fillna("").astype(str).apply(lambda c: c.str.strip()).ne("").any(axis=1)
    out = full[header].copy()
    out.columns = [clean_header(c) for c in header]
    out[READ_PROBLEM] = pd.array(np.where(loaded, f"the row has more cells than the header's {len(header)}: "
                                          "values beyond the last column (a shifted row?)", ""), dtype="string")
    return out


#: Arrow's CSV reader hands over this much text at a time (its batches: a row limit is checked per batch).
_ARROW_BLOCK_BYTES = 16 << 20


def _parse_csv_arrow(path: Path, *, limits: InputLimits, sep: str) -> pd.DataFrame | None:
    """A well-formed UTF-8 CSV as strings through Arrow's reader (about 2x pandas' at a million rows), or
    ``None`` for anything it cannot read the way pandas would: ragged rows, bad bytes, unnamed columns.

    The result equals ``pd.read_csv(dtype=str, keep_default_na=False)`` cell for cell (tested): every
    column is text, an empty cell is ``""``, the BOM is dropped. ``None`` sends the file to the pandas
    route, which explains ragged rows and decoding errors; only its cost is paid twice, never its memory
    (batches are counted against the row limit as they come).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # Arrow opens the file itself (its own buffered reads, gzip by the name's ending): through a Python
    # file object every block would cross the GIL and the route would be no faster than pandas'.
    compression = "gzip" if path.name.lower().endswith(".gz") else None
    try:
        with pa.input_stream(str(path), compression=compression) as fh:
            header = pacsv.open_csv(fh, read_options=pacsv.ReadOptions(block_size=1 << 16),
                                    parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                                    ).schema.names
        # pandas names unnamed columns "Unnamed: n"; in a one-column file it skips a line of blanks, which
        # Arrow reads as a row (with two or more columns that line is short, and Arrow refuses it).
        if len(header) < 2 or any(not name.strip() for name in header):
            return None
        text = pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                    strings_can_be_null=False, quoted_strings_can_be_null=False)
        with pa.input_stream(str(path), compression=compression) as fh:
            reader = pacsv.open_csv(fh, read_options=pacsv.ReadOptions(block_size=_ARROW_BLOCK_BYTES),
                                    parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                                    convert_options=text)
            batches, rows = [], 0
            for batch in reader:
                batches.append(batch)
                rows += batch.num_rows
                if rows > limits.max_rows:  # the caller refuses it; nothing past the limit is held
                    break
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, OSError):
        return None
    table = pa.Table.from_batches(batches, schema=reader.schema)
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str": what read_csv(dtype=str) gives
    frame: pd.DataFrame = table.to_pandas(types_mapper=lambda t: text_dtype if t == pa.string() else None)
    return frame


def _max_fields(path: Path, *, encoding: str, limit: int, sep: str) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        return max((len(r) for r in itertools.islice(csv.reader(fh, delimiter=sep), limit + 1)), default=0)


def raw_headers(frame: pd.DataFrame) -> list[str]:
    """The ledger's own columns of a frame from :func:`read_table` (what a clerk maps), in order."""
    return [str(c) for c in frame.columns if not is_internal(c)]


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


def one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:limit]


def check_archive(path: Path) -> None:
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


def _zip_members(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a zip, refused in one line when it is not one or is password protected."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise LedgerError(f"{path.name} is not a readable zip archive: {one_line(exc)}") from None
    if any(m.flag_bits & 0x1 for m in members):
        raise LedgerError(f"{path.name} is encrypted (password protected): unpack it and upload the file inside")
    return members


def _header_score(fields: Sequence[object]) -> int:
    """How many ledger fields a layer's or a table's column names name."""
    try:
        return len(guess_columns([str(f) for f in fields if str(f).strip()]))
    except ValueError:
        return 2


def _table_in_zip(path: Path, members: list[zipfile.ZipInfo]) -> pd.DataFrame | None:
    """A zip holding a CSV or workbook (and no Shapefile): that table, read as if uploaded alone. Of several,
    the one whose header names the most ledger fields (the archive is measured first: bounded work)."""
    tables = [m for m in members if Path(m.filename).suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm")
              and not Path(m.filename).name.startswith(("._", "~$"))]
    if not tables or any(m.filename.lower().endswith(".shp") for m in members):
        return None
    with tempfile.TemporaryDirectory(prefix="gridwatch-zip-") as folder, zipfile.ZipFile(path) as archive:
        best: tuple[int, pd.DataFrame] | None = None
        failure: LedgerError | None = None
        for number, member in enumerate(tables):
            target = Path(folder) / f"member{number}{Path(member.filename).suffix.lower()}"
            with archive.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            try:
                frame = read_table(target)
            except LedgerError as exc:  # a notes file beside the ledger that reads as no table
                failure = exc
                continue
            score = _header_score(raw_headers(frame))
            if best is None or score > best[0]:
                best = (score, frame)
        if best is None and failure is not None:
            raise LedgerError(f"{path.name}: {failure}") from failure
        return best[1] if best else None


def _pick_layer(source: str, name: str) -> str | None:
    """The layer holding the ledger: of several (a GeoPackage's attribute tables beside its layers, a zip
    of Shapefiles), the one whose fields name the most ledger fields, a point layer first on a tie."""
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's warnings about a broken file: the error says enough
            layers = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio's DataSourceError and friends: GDAL's words are not for a clerk
        raise LedgerError(f"cannot read {name} as a spatial layer: {one_line(exc)}") from exc
    if len(layers) <= 1:
        return None
    scored = []
    for position, (layer, geometry) in enumerate(layers):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fields = list(pyogrio.read_info(source, layer=layer)["fields"])
        except Exception:  # an unreadable layer is not the ledger
            continue
        has_points = str(geometry or "").lower().endswith("point")
        scored.append((_header_score(fields) + 2 * has_points, -position, str(layer)))
    if not scored:
        return None
    return max(scored)[2]


def _read_spatial(path: Path) -> pd.DataFrame:
    """A point layer's attributes as strings, with its geometry's coordinates in two columns; a zip of a CSV
    or workbook as that table; of several layers, the one with the ledger (:func:`_pick_layer`)."""
    import pyogrio

    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    if path.suffix.lower() == ".zip":
        members = _zip_members(path)  # before measuring it: an encrypted member cannot be measured
        check_archive(path)
        table = _table_in_zip(path, members)
        if table is not None:
            return table
    layer_name = _pick_layer(source, path.name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's warnings about a broken file: the error says enough
            layer = pyogrio.read_dataframe(source, layer=layer_name)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise LedgerError(f"cannot read {path.name} as a spatial layer: {one_line(exc)}") from exc
    if not isinstance(layer, gpd.GeoDataFrame):  # an attribute table (its points in lon/lat columns)
        frame = pd.DataFrame(layer).astype("string").fillna("")
        frame.columns = [clean_header(c) for c in frame.columns]
        frame[SOURCE_ROW] = np.arange(1, len(frame) + 1)
        return frame
    check_declared_crs(layer, name=path.name)
    geoms = layer.geometry
    kinds = set(geoms.dropna().geom_type)
    if not kinds <= {"Point"}:
        raise LedgerError(f"{path.name} must hold points, found {sorted(kinds)}")
    if layer.crs is not None and CRS(layer.crs) != CRS(s.STORAGE_CRS):
        geoms = geoms.to_crs(s.STORAGE_CRS)
    frame = pd.DataFrame(layer.drop(columns="geometry")).astype("string").fillna("")
    frame.columns = [clean_header(c) for c in frame.columns]
    frame[GEOM_X] = pd.array([f"{g.x!r}" if g is not None and not g.is_empty else "" for g in geoms], dtype="string")
    frame[GEOM_Y] = pd.array([f"{g.y!r}" if g is not None and not g.is_empty else "" for g in geoms], dtype="string")
    frame[SOURCE_ROW] = np.arange(1, len(frame) + 1)  # feature number: a layer has no header row
    return frame


#: Control characters no ledger text means: C0 controls but tab and line breaks, DEL, a stray BOM, and
#: DOS's end-of-file mark ^Z. PostgreSQL refuses NUL in text while a Parquet file keeps it, so the two
#: backends disagreed; a BOM inside a file stayed in an id, and a re-import never matched it.
CONTROLS: Final = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]"
_CONTROL_BYTES = np.zeros(256, dtype=bool)
_CONTROL_BYTES[[*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]] = True


def may_hold_controls(text: pd.Series) -> bool:
    """False only when no cell of ``text`` (Arrow strings) can hold a :data:`CONTROLS` character.

    Read from the UTF-8 bytes of Arrow's buffers, not cell by cell: in UTF-8 a byte below 0x80 is always
    a character of its own, so a control byte anywhere is a control character, and the BOM is the one
    sequence EF BB BF. Bytes a cell does not own (a sliced array) can only answer true, which sends the
    column to the exact regex; the common answer, a clean column, costs one comparison per byte.

    >>> may_hold_controls(pd.Series(["ok，好", None], dtype="string[pyarrow]")), may_hold_controls(
    ...     pd.Series(["a\ufeffb"], dtype="string[pyarrow]"))
    (False, True)
    """
    import pyarrow as pa

    array = pa.chunked_array(pa.array(text.array))
    for chunk in array.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is None:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        low = np.flatnonzero((raw < 0x20) | (raw == 0x7F))
        if len(low) and _CONTROL_BYTES[raw[low]].any():
            return True
        lead = np.flatnonzero(raw[:-2] == 0xEF) if len(raw) > 2 else np.zeros(0, dtype=np.intp)
        if len(lead) and ((raw[lead + 1] == 0xBB) & (raw[lead + 2] == 0xBF)).any():
            return True
    return False


def without_controls(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    r"""``frame`` with :data:`CONTROLS` removed from the text of ``columns`` (all but ours by default): the
    same cells on every backend. Headers need nothing: :func:`clean_header` already drops control characters.

    The ledger's reader passes the mapped columns only: a column's bytes are screened first
    (:func:`may_hold_controls`, about 15 ms per million cells), searched with Arrow's regex kernel only
    when they may hold one (60 ms), and rewritten only when it holds a control character, and the
    columns nobody maps are never stored. A row that held nothing but control characters in them (a
    trailing ^Z line) is no row: it is dropped, as a blank line is.

    Examples
    --------
    >>> without_controls(pd.DataFrame({"id": ["\ufeffA1", "B\x002", "\x1a"]})).to_dict("list")
    {'id': ['A1', 'B2']}
    """
    columns = [c for c in (frame.columns if columns is None else columns) if c in frame.columns and not is_internal(c)]
    out: pd.DataFrame = frame
    emptied = np.zeros(len(frame), dtype=bool)
    for column in columns:
        if frame[column].dtype.kind not in "OUT" and not isinstance(frame[column].dtype, pd.StringDtype):
            continue
        text = frame[column].astype("string[pyarrow]")
        if not may_hold_controls(text):
            continue
        hit = text.str.contains(CONTROLS, regex=True).fillna(False).to_numpy(dtype=bool)
        if not hit.any():
            continue
        cleaned = text.str.replace(CONTROLS, "", regex=True)
        emptied |= hit & cleaned.fillna("").str.strip().eq("").to_numpy(dtype=bool)
        out = out.assign(**{column: cleaned.astype(frame[column].dtype)})
    if not emptied.any():
        return out
    blank = out[columns].astype("string").fillna("").apply(lambda c: c.str.strip()).eq("").all(axis=1).to_numpy()
    kept: pd.DataFrame = out.loc[~(emptied & blank)]
    return kept


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


