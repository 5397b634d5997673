"""Writing tables for people: CSV/Excel with spreadsheet formula injection neutralised.

A ledger cell such as ``=HYPERLINK("http://evil","点我")`` must reach the reader as text, not as a
formula Excel evaluates. Following OWASP's advice, text cells that start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return get a leading apostrophe; so does every line of a cell that starts
so after a line break (Excel, LibreOffice and Python's csv read a bare CR in an unquoted field as a
new row). Numbers are left alone, also as text (``-71.0341`` stays a longitude a spreadsheet can sum),
and every CSV field is quoted, so no break inside a value can start a row.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from geo.csv_guard import safe_frame, to_safe_csv
from geo.schema import ISSUE_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd

def to_safe_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook (one sheet per entry, names cut to Excel's 31 characters), formulas neutralised.

    Time zones are dropped from datetimes (Excel has none); the local wall time is kept.
    """
    import io

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            out = safe_frame(frame)
            for col in out.columns:
                if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
            out.to_excel(writer, sheet_name=str(name)[:31], index=False)
    return buffer.getvalue()


def export_issues(issues: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write issues with the canonical columns, WGS84, in the format the extension names.

    ``.geojson``, ``.gpkg``: spatial layers. ``.csv`` (UTF-8 with BOM) and ``.xlsx``: a table with
    ``lon``/``lat`` columns and formula injection neutralised. Times are written as local ISO 8601.

    Raises
    ------
    ValueError
        For an unsupported extension.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    cols = [c for c in ISSUE_COLUMNS if c in issues.columns and c != "geometry"]
    extra = [c for c in ("suspect_point", "likely_duplicate_of") if c in issues.columns]
    frame = issues[[*cols, *extra, "geometry"]].copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype("string")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".geojson", ".gpkg"):
        frame.to_file(path, driver="GeoJSON" if suffix == ".geojson" else "GPKG")
        return path
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table.insert(len(table.columns), "lon", frame.geometry.x.round(7))
    table.insert(len(table.columns), "lat", frame.geometry.y.round(7))
    if suffix == ".csv":
        path.write_bytes(to_safe_csv(table))
    elif suffix == ".xlsx":
        safe_frame(table).to_excel(path, index=False)
    else:
        raise ValueError(f"unsupported export format {suffix!r}; use .geojson, .gpkg, .csv or .xlsx")
    return path
