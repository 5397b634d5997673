"""Generated data as files: grids as deterministic GeoJSON, ledgers as the CSV a clerk exports."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely

from geo import schema as s
from geo.synthetic.roads import roads_geojson, street_roads
from geo.synthetic.street import DEFAULT_SEED, generate_sample


def grids_geojson(grids: gpd.GeoDataFrame, *, decimals: int = 7) -> str:
    """Deterministic GeoJSON text of the grids (rounded coordinates, fixed key order)."""
    features = []
    for row in grids.itertuples(index=False):
        geom = shapely.set_precision(row.geometry, 10.0 ** -decimals)
        rounded = json.loads(shapely.to_geojson(geom))
        features.append({
            "type": "Feature",
            "properties": {c: getattr(row, c) for c in (s.GRID_ID, s.GRID_NAME, s.COMMUNITY, s.STREET, s.CADRES)},
            "geometry": rounded,
        })
    doc = {"type": "FeatureCollection", "name": "grids",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Generate the sample street and write ``grids.geojson``, ``ledger.csv``, ``ground_truth.json`` and
    ``roads.geojson`` (its named roads, a reference layer: :mod:`geo.synthetic.roads`).

    The ledger is UTF-8 with a BOM, as Excel on Chinese Windows exports CSV.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    street = generate_sample(seed)
    paths = {"grids": out / "grids.geojson", "ledger": out / "ledger.csv", "truth": out / "ground_truth.json",
             "roads": out / "roads.geojson"}
    paths["grids"].write_text(grids_geojson(street.grids), encoding="utf-8")
    street.ledger.to_csv(paths["ledger"], index=False, encoding="utf-8-sig", lineterminator="\n")
    paths["truth"].write_text(json.dumps(street.truth(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["roads"].write_text(roads_geojson(street_roads(street.grids)), encoding="utf-8")
    return paths
