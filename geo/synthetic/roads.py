"""The sample street's roads with their names: a reference layer, so the demo shows street names offline.

Four roads run east-west and four north-south across the street, gently curved, with a ring road along
its outline; names from :data:`geo.synthetic.vocab.ROADS`. They are drawn from the grids alone, so the
bundled ledger (generated before them) does not change.
"""

from __future__ import annotations

import json
from typing import Final

import geopandas as gpd
import numpy as np
import shapely

from geo import schema as s
from geo.synthetic.street_grids import METRIC_EPSG

EAST_WEST: Final = ("长江西路", "望江西路", "潜山路", "南湖路")
NORTH_SOUTH: Final = ("青石路", "荷花路", "新华街", "杏林路")
RING: Final = "科学大道"


def street_roads(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Named road centre lines across the street of ``grids`` (WGS84: ``kind``, ``name``, geometry)."""
    metric = grids.to_crs(METRIC_EPSG)
    outline = shapely.union_all(metric.geometry.to_numpy())
    minx, miny, maxx, maxy = outline.bounds
    width, height = maxx - minx, maxy - miny
    t = np.linspace(0.0, 1.0, 60)
    lines, names = [], []
    for i, name in enumerate(EAST_WEST):
        y = miny + height * (0.2 + 0.2 * i) + 0.03 * height * np.sin(2 * np.pi * t + i)
        lines.append(shapely.LineString(np.column_stack([minx - 50 + (width + 100) * t, y])))
        names.append(name)
    for i, name in enumerate(NORTH_SOUTH):
        x = minx + width * (0.2 + 0.2 * i) + 0.03 * width * np.sin(2 * np.pi * t + 2 * i)
        lines.append(shapely.LineString(np.column_stack([x, miny - 50 + (height + 100) * t])))
        names.append(name)
    inside = outline.buffer(-15)  # the crossing roads end at the ring road, just inside the outline
    clipped = [shapely.intersection(line, inside) for line in lines]
    ring = shapely.simplify(outline.exterior if hasattr(outline, "exterior") else outline.boundary, 5.0)
    frame = gpd.GeoDataFrame({s.REFERENCE_KIND: "road", s.REFERENCE_NAME: [*names, RING]},
                             geometry=[*clipped, ring], crs=METRIC_EPSG)
    return frame[~frame.geometry.is_empty].to_crs(s.STORAGE_CRS).reset_index(drop=True)


def roads_geojson(roads: gpd.GeoDataFrame, *, decimals: int = 7) -> str:
    """Deterministic GeoJSON text of the roads (rounded coordinates, fixed key order)."""
    features = [{"type": "Feature", "properties": {"name": row.name, "kind": row.kind},
                 "geometry": json.loads(shapely.to_geojson(shapely.set_precision(row.geometry, 10.0 ** -decimals)))}
                for row in roads.itertuples(index=False)]
    doc = {"type": "FeatureCollection", "name": "roads",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}, "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
