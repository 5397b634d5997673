"""Reading management-grid polygon layers into the canonical grid schema (WGS84)."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema as s
from geo.ingest.tables import LedgerError, check_archive, check_declared_crs, one_line


def read_grid_layer(path: str | Path) -> gpd.GeoDataFrame:
    """A grid layer as GDAL reads it (all its own columns), in WGS84, for choosing its fields.

    Raises
    ------
    LedgerError
        If the file cannot be read, has no CRS, its CRS contradicts its numbers, or it holds no polygons.
    """
    layer = read_vector_layer(path, what="grid layer")
    kinds = set(layer.geom_type.dropna())
    if not kinds or not kinds <= {"Polygon", "MultiPolygon"}:
        raise LedgerError(f"grid layer {Path(path).name} must hold polygons, found {sorted(kinds) or 'nothing'}")
    return layer


def read_vector_layer(path: str | Path, *, what: str) -> gpd.GeoDataFrame:
    """A vector file (GeoJSON, GeoPackage, Shapefile, in a zip or gzip too) in WGS84, its CRS checked.

    ``what`` names the layer in messages ("grid layer", "reference layer").
    """
    name = Path(path).name
    lowered = str(path).lower()
    source = f"/vsizip/{path}" if lowered.endswith(".zip") else f"/vsigzip/{path}" if lowered.endswith(".gz") else str(path)
    if lowered.endswith(".zip"):
        check_archive(Path(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = gpd.read_file(source)
    except Exception as exc:
        raise LedgerError(f"cannot read {what} {name}: {one_line(exc)}") from exc
    if layer.crs is None:
        raise LedgerError(f"{what} {name} has no CRS: add its .prj file (or save it as GeoPackage)")
    check_declared_crs(layer, name=name)
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
            named: pd.Series = grids[field_name].astype("string")
            return named
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
