"""GeoJSON for the maps: ledger text escaped for a tooltip's HTML and for branca's templates, bounds precomputed.

Every layer drawn over a map goes through :func:`escaped_geojson` (its properties) and
:class:`GeoJsonLayer` (its bounds): ``st_folium`` asks a map for its bounds on every rerun, and folium
finds them by walking every coordinate of every feature in Python (0.09 s for a district's cells).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Coordinates to 6 decimals (about 0.1 m) keep the payload small without visible change.
DECIMALS: Final = 6


#: Analysis cells (50 m and more) need no finer than 5 decimals (about 1 m): a tenth less payload per cell.
CELL_DECIMALS: Final = 5


def escaped_geojson(frame: gpd.GeoDataFrame, columns: Sequence[str], *, decimals: int = DECIMALS) -> dict[str, Any]:
    """GeoJSON of ``frame`` with only ``columns`` as properties, text HTML-escaped.

    Numbers stay numbers; everything else becomes escaped text (``<NA>`` becomes empty).
    Coordinates are rounded to ``decimals`` (:data:`DECIMALS`). Column-wise and vectorised (it runs on every rerun
    of a map page, for up to thousands of cells): escaping works on distinct values, geometries go
    through shapely's array functions, and the collection is parsed once.
    """
    props = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            props[col] = values
        else:
            text = values.astype("string").fillna("")
            props[col] = text.map({u: html_text(u) for u in pd.unique(text)})
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    geometry_json = shapely.to_geojson(geoms)
    props_json = props.to_json(orient="records", lines=True, force_ascii=False, double_precision=10).splitlines()
    features = ",".join(f'{{"type":"Feature","properties":{p},"geometry":{g}}}'
                        for p, g in zip(props_json, geometry_json, strict=True))
    return with_bbox(json.loads(f'{{"type":"FeatureCollection","features":[{features}]}}'), shapely.total_bounds(geoms))


def html_text(text: str) -> str:
    """``text`` for a tooltip's HTML: escaped, and with ``{`` as ``&#123;`` so no Jinja delimiter survives
    (a map's data is rendered inside branca's templates; see :mod:`dashboard.components.view`).

    >>> html_text("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;&#123;&#123; 7*7 }}&lt;/b&gt;'
    """
    return html.escape(text).replace("{", "&#123;")


class GeoJsonLayer(folium.GeoJson):
    """``folium.GeoJson`` that takes its bounds from the collection's ``bbox`` member (RFC 7946) when it has one."""

    def _get_self_bounds(self) -> list[list[float | None]]:
        bbox = self.data.get("bbox") if isinstance(self.data, dict) else None
        if bbox is not None and len(bbox) == 4:
            west, south, east, north = bbox
            return [[south, west], [north, east]]
        return super()._get_self_bounds()


def with_bbox(doc: dict[str, Any], bounds: np.ndarray) -> dict[str, Any]:
    """``doc`` with the ``bbox`` member ``bounds`` (west, south, east, north), unless they are not finite (nothing drawn)."""
    if np.all(np.isfinite(bounds)):
        doc["bbox"] = [float(v) for v in bounds]
    return doc
