"""Issues stored by month: GeoParquet 1.1 files with bbox covering, unchanged months shared between generations.

A generation's issues are the folder ``issues/`` with one file per local month of the report
(``2026-03.parquet``) and ``_manifest.json`` naming each month's file, row count and content digest.
Three things follow:

- a new week's ledger rewrites the months it touched; every other month is hard-linked from the
  previous generation (its digest is unchanged), so publishing costs the new rows, not the history;
- engines that do not fit a city's history in memory (``geo.cube.dask_cube``) read the months as
  partitions, and the ``bbox`` covering column (GeoParquet 1.1) lets a reader skip row groups by
  area;
- a month is the unit a reader can ask for (``months=``) without reading the rest.

Row order: months in order, and inside a month the order the writer gave (stable).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo import schema as s
from geo.crs import point_coords
from geo.store.files import fsync_file, link_or_copy, write_bytes

ISSUES_DIR = "issues"
MANIFEST = "_manifest.json"  # pyarrow's dataset reader skips names starting with "_"
NO_MONTH = "none"


def month_keys(issues: pd.DataFrame) -> np.ndarray:
    """``YYYY-MM`` of each report in the ledger's own zone (``none`` for a missing time)."""
    local = issues[s.REPORTED_AT].dt.tz_localize(None).to_numpy().astype("datetime64[M]")
    # Written once per distinct month, not per row (a million strings were 0.5 s of the import; strftime 20x that)
    months, which = np.unique(local, return_inverse=True)
    names = np.datetime_as_string(months, unit="M").astype(object)
    names[np.isnat(months)] = NO_MONTH
    return names[which.reshape(-1)]


def _digest(frame: gpd.GeoDataFrame) -> str:
    """Content digest of a month: every attribute cell and the point coordinates."""
    attrs = pd.util.hash_pandas_object(pd.DataFrame(frame.drop(columns=s.GEOMETRY)), index=False).to_numpy()
    xy = np.column_stack(point_coords(frame.geometry.to_numpy())) if len(frame) else np.empty((0, 2))
    h = hashlib.sha256(attrs.tobytes())
    h.update(np.ascontiguousarray(xy, dtype=np.float64).tobytes())
    h.update(",".join(frame.columns).encode())
    return h.hexdigest()[:32]


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / ISSUES_DIR / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


#: Months written at once: pyarrow encodes and compresses without the GIL, and a month's fsync waits on the
#: disk, so four threads keep two cores busy.
WRITE_THREADS = 4


def write_issue_months(issues: gpd.GeoDataFrame, generation: Path, previous: Path | None) -> dict[str, int]:
    """Write ``issues`` into ``generation/issues/`` by month; returns ``{"written": n, "linked": m}``.

    Points are stored in GeoParquet's native ``point`` encoding (two coordinate columns) rather than
    WKB: a third faster to write, read by any GeoParquet 1.1 reader; older generations' WKB months
    are read alike.
    """
    out = generation / ISSUES_DIR
    out.mkdir()
    before = read_manifest(previous) if previous is not None else {}
    months = month_keys(issues)
    order = np.argsort(months, kind="stable")
    sorted_months = months[order]
    # Month boundaries; an empty table is kept as one empty part (its columns and types survive).
    bounds = (np.flatnonzero(np.r_[True, sorted_months[1:] != sorted_months[:-1], True]) if len(issues)
              else np.array([0, 0]))

    def one(a: int, b: int) -> tuple[str, dict[str, Any], str]:
        month = str(sorted_months[a]) if len(issues) else NO_MONTH
        part = issues.iloc[order[a:b]]
        digest = _digest(part)
        name = f"{month}.parquet"
        old = before.get(month)
        if old and old["digest"] == digest and previous is not None and (previous / ISSUES_DIR / old["file"]).exists():
            link_or_copy(previous / ISSUES_DIR / old["file"], out / name)
            done = "linked"
        else:
            # Straight into the generation's temporary folder (the folder is renamed into place only
            # when complete), then fsync'd like every other file of a commit.
            part.to_parquet(out / name, index=False, write_covering_bbox=True, geometry_encoding=_encoding(part))
            fsync_file(out / name)
            done = "written"
        return month, {"file": name, "rows": int(b - a), "digest": digest}, done

    with concurrent.futures.ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        results = list(pool.map(lambda ab: one(*ab), itertools.pairwise(bounds)))  # in month order
    manifest = {month: entry for month, entry, _ in results}
    counts = {"written": sum(d == "written" for *_, d in results), "linked": sum(d == "linked" for *_, d in results)}
    write_bytes(out / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
    return counts


def _encoding(part: gpd.GeoDataFrame) -> str:
    """``geoarrow`` (native points) when every geometry is a point or missing and at least one is present
    (geopandas cannot encode an all-missing column natively), else ``WKB``."""
    geoms = part.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms[~shapely.is_missing(geoms)])
    return "geoarrow" if len(kinds) and bool(np.all(kinds == shapely.GeometryType.POINT)) else "WKB"


def read_issue_months(generation: Path, months: Sequence[str] | None = None) -> gpd.GeoDataFrame | None:
    """The issues of a generation (all months, or the ``months`` named), months in order."""
    manifest = read_manifest(generation)
    if not manifest and not (generation / ISSUES_DIR).is_dir():
        return None
    chosen = sorted(manifest) if months is None else [m for m in sorted(manifest) if m in set(months)]
    files = [generation / ISSUES_DIR / manifest[m]["file"] for m in chosen]
    if not files:
        return None
    # The covering column serves readers that filter by area; the table has no such field, and reading it
    # would only be dropped (two copies of 32 MB at a million rows).
    schemas = [pq.read_schema(f) for f in files]
    columns = [[c for c in schema.names if c != "bbox"] for schema in schemas]
    if not all(_native_points(schema) for schema in schemas):
        parts = [gpd.read_parquet(f, columns=cols) for f, cols in zip(files, columns, strict=True)]
        frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        return _one_chunk(gpd.GeoDataFrame(frame, geometry=s.GEOMETRY, crs=parts[0].crs).reset_index(drop=True))
    # Native points: the months joined as one Arrow table, each column one chunk, then one conversion.
    # A column of thirteen chunks made every take of a filter's rows ten times slower (12 ms, not 1, per
    # string column at a million rows), and converting month by month cost a third more.
    table = pa.concat_tables([pq.read_table(f, columns=cols) for f, cols in zip(files, columns, strict=True)],
                             promote_options="default").combine_chunks()
    return gpd.GeoDataFrame.from_arrow(table, geometry=s.GEOMETRY)


def _native_points(schema: pa.Schema) -> bool:
    """Whether a month file's geometry is GeoArrow points (what :func:`_encoding` writes for point months)."""
    meta = schema.metadata or {}
    geo = json.loads(meta.get(b"geo", b"{}"))
    return bool(geo.get("columns", {}).get(s.GEOMETRY, {}).get("encoding") == "point")


def _one_chunk(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with every Arrow-backed column in one chunk (a take over many chunks is ten times slower)."""
    for col in frame.columns:
        values = frame[col].array
        if isinstance(values, pd.arrays.ArrowStringArray | pd.arrays.ArrowExtensionArray):
            chunked = pa.chunked_array(pa.array(values))
            if chunked.num_chunks > 1:
                frame[col] = pd.Series(type(values)(chunked.combine_chunks()), index=frame.index)
    return frame


def month_files(generation: Path) -> list[Path]:
    """The month files of a generation, in month order (what a partitioned reader takes)."""
    manifest = read_manifest(generation)
    return [generation / ISSUES_DIR / manifest[m]["file"] for m in sorted(manifest)]
