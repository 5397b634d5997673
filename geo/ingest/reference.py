"""Reference layers an office already has: roads (with their names), buildings, points of interest.

With no internet there is no basemap, and at street zoom a leader sees grid outlines and nothing else.
Offices hold their own vector layers (the road centre lines of the surveying bureau, a building
footprint layer, a list of schools and markets); a reference layer is one of those, read from any file
the grid importer reads (GeoJSON, GeoPackage, Shapefile, zipped or not, in any CRS it declares), kept
as WGS84 GeoParquet in the workspace folder's ``reference/`` and drawn under the grids, road names
along the roads (``dashboard.components.maps``).

A reference layer is not ledger data: it has no generations and no undo (importing a layer of the same
name replaces it), and nothing is counted from it.

Examples
--------
>>> from geo.sample import SAMPLE_DIR
>>> roads = read_reference_layer(SAMPLE_DIR / "roads.geojson")
>>> sorted(roads.columns), roads["kind"].unique().tolist()
(['geometry', 'kind', 'name'], ['road'])
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo import schema as s
from geo.ingest.excel import clean_header
from geo.ingest.grid_layers import read_vector_layer
from geo.ingest.tables import LedgerError
from geo.store import IssueStore, uploads_folder
from geo.store.files import write_bytes

#: Headers that name a feature, in the spellings found in road and POI layers (lower case).
NAME_ALIASES: Final = ("name", "名称", "路名", "道路名称", "道路名", "街道名", "road_name", "roadname", "street",
                       "street_name", "st_name", "fullname", "full_name", "nombre", "nom", "label", "name_zh")
#: A reference layer is drawn in the browser: at most this many features are kept (the longest roads,
#: the largest buildings first), so a city's centre lines cannot blow the map's payload.
MAX_FEATURES: Final = 20_000
_KIND_OF_GEOMETRY: Final = {"LineString": "road", "MultiLineString": "road", "Polygon": "building",
                            "MultiPolygon": "building", "Point": "poi", "MultiPoint": "poi"}
_SAFE_NAME = re.compile(r"[^0-9A-Za-z_\-]+")


@dataclass(frozen=True)
class ReferenceImport:
    """What an import of a reference layer kept: its name in the workspace, features read and kept."""

    layer: str
    read: int
    kept: int
    kind: str
    name_field: str


def guess_name_field(layer: gpd.GeoDataFrame) -> str:
    """The column that names the features: a known header, else the text column with the most distinct
    non-numeric values (a road's name repeats over its segments, an id is a number); ``""`` when none."""
    columns = [c for c in layer.columns if c != layer.geometry.name]
    by_header = {clean_header(c).lower(): c for c in columns}
    for alias in NAME_ALIASES:
        if alias in by_header:
            return str(by_header[alias])
    best, best_count = "", 0
    for c in columns:
        values = layer[c].dropna().astype(str).str.strip()
        values = values[(values != "") & pd.to_numeric(values, errors="coerce").isna()]
        if values.nunique() > best_count:
            best, best_count = str(c), int(values.nunique())
    return best


def read_reference_layer(path: str | Path, *, name_field: str | None = None) -> gpd.GeoDataFrame:
    """A reference layer in the stored shape: ``kind`` (road / building / poi, from the geometry), ``name``
    (from ``name_field``, else :func:`guess_name_field`; empty when the layer names nothing), geometry.

    Raises
    ------
    LedgerError
        If the file cannot be read, has no CRS or no geometry, or ``name_field`` is not one of its columns.
    """
    layer = read_vector_layer(path, what="reference layer")
    layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    if not len(layer):
        raise LedgerError(f"reference layer {Path(path).name} holds no geometry")
    if name_field is not None and name_field not in layer.columns:
        raise LedgerError(f"reference layer {Path(path).name} has no field {name_field!r}; "
                          f"its fields are {', '.join(map(str, layer.columns.drop(layer.geometry.name)))}")
    field = guess_name_field(layer) if name_field is None else name_field
    names = (layer[field].astype("string").fillna("").str.strip() if field else pd.Series("", index=layer.index))
    out = gpd.GeoDataFrame({s.REFERENCE_KIND: layer.geom_type.map(_KIND_OF_GEOMETRY).fillna("poi").to_numpy(),
                            s.REFERENCE_NAME: names.to_numpy(dtype=object)},
                           geometry=layer.geometry.to_numpy(), crs=s.STORAGE_CRS)
    out.attrs["name_field"] = field
    return out


def _by_size(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The features, largest first (length of roads, area of buildings, in metres): what is kept under a cap."""
    metric = layer.to_crs(layer.estimate_utm_crs())
    size = metric.length.where(layer[s.REFERENCE_KIND] == "road", metric.area)
    return layer.iloc[size.to_numpy().argsort()[::-1]]


def reference_folder(store: IssueStore) -> Path:
    """The workspace folder's ``reference/`` (beside ``uploads/``)."""
    return uploads_folder(store).parent / "reference"


def import_reference(store: IssueStore, path: str | Path, *, name_field: str | None = None,
                     layer: str | None = None) -> ReferenceImport:
    """Read ``path`` and keep it as the workspace's reference layer ``layer`` (the file's stem by default;
    a layer of that name is replaced). At most :data:`MAX_FEATURES` features are kept, the largest first."""
    frame = read_reference_layer(path, name_field=name_field)
    read = len(frame)
    if read > MAX_FEATURES:
        frame = _by_size(frame).head(MAX_FEATURES)
    stem = _SAFE_NAME.sub("_", layer or Path(path).name.split(".")[0]).strip("_") or "layer"
    folder = reference_folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: a page drawing the map meanwhile reads the old layer or the new, never half.
    tmp = folder / f".tmp-{stem}.parquet"
    write_bytes(tmp, _parquet_bytes(frame))
    os.replace(tmp, folder / f"{stem}.parquet")
    kinds = frame[s.REFERENCE_KIND].value_counts()
    return ReferenceImport(stem, read, len(frame), str(kinds.index[0]), str(frame.attrs.get("name_field", "")))


def _parquet_bytes(frame: gpd.GeoDataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer)
    return buffer.getvalue()


def reference_layers(store: IssueStore) -> gpd.GeoDataFrame:
    """Every reference layer of the workspace, one frame (``layer`` names each feature's); empty when none."""
    frames = []
    for path in sorted(reference_folder(store).glob("*.parquet")):
        try:
            frames.append(gpd.read_parquet(path).assign(layer=path.stem))
        except (OSError, ValueError):
            continue  # a half-written or foreign file: the map draws without it
    if not frames:
        return gpd.GeoDataFrame({s.REFERENCE_KIND: [], s.REFERENCE_NAME: [], "layer": []}, geometry=[],
                                crs=s.STORAGE_CRS)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=s.STORAGE_CRS)
