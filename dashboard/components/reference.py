"""Reference layers under the grids: an office's own roads (named along them), buildings and places.

With no internet there is no basemap; a reference layer (:mod:`geo.ingest.reference`, the sample ships
its roads) gives a leader the streets to find a red grid by. Roads are drawn as light lines in a pane of
their own between the grid fills and the labels, so clicks still reach the grids; their names follow the
roads, rotated along them, from street zoom on (:data:`LABEL_MIN_ZOOM`), without overlapping each other
or the map's own labels (checked in the page on every zoom). Our own lines of JavaScript (no plugin, no
CDN); names reach the page through ``textContent`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from dashboard.components.geojson import GeoJsonLayer, escaped_features, script_json
from geo import schema as s
from geo.crs import geometries_to_gcj02, wgs84_to_gcj02

#: The Leaflet pane reference layers draw in: above the grid fills (400), below markers and labels (600).
PANE: Final = "gw-reference"
#: Road names appear from this zoom on (about 2 m a pixel: a road's name fits a block).
LABEL_MIN_ZOOM: Final = 15
#: A name is repeated along a road every this many metres.
LABEL_EVERY_M: Final = 600.0
#: A name is placed between two points this far either side of its position on the road: 200 m is 49 px at
#: zoom 15 (a three-character name) and twice that at 16.
HALF_SPAN_M: Final = 100.0
#: At most this many label positions reach the browser, the longest roads first (a fixed payload).
MAX_LABELS: Final = 600
#: At most this many features are drawn (the layer was cut to the largest on import already).
MAX_DRAWN: Final = 5_000
CSS: Final = """<style>
.gw-road { position: absolute; white-space: nowrap; pointer-events: none; transform-origin: 0 0;
  font: 12px/1.2 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #3d4650; letter-spacing: .08em;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
</style>"""


class RoadLabels(MacroElement):
    """Road names along the roads: rows ``[lon_a, lat_a, lon_b, lat_b, text]``, a name centred between two
    points on its road (the angle is taken on screen, so it is right at any zoom and in any projection)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var rows = {{ this.rows_json }}, minZoom = {{ this.min_zoom }}, roads = [{{ this.roads }}];
            // Roads as wide as they read at the zoom: hair lines over a whole street, full width at street zoom.
            function widths() {
                var z = map.getZoom(), w = z >= 16 ? [7, 5] : z >= 15 ? [5, 3.5] : [3, 1.8];
                roads.forEach(function (layer, i) { if (layer) { layer.setStyle({weight: w[i]}); } });
            }
            map.on("zoomend", widths);
            map.whenReady(widths);
            var layer = L.layerGroup().addTo(map), measure = document.createElement("canvas").getContext("2d");
            measure.font = "12px sans-serif";
            var items = rows.map(function (r) {
                var span = document.createElement("span");
                span.className = "gw-road";
                span.textContent = r[4];
                var icon = L.divIcon({className: "", html: span, iconSize: [0, 0]});
                return {r: r, span: span, w: measure.measureText(r[4]).width * 1.1 + 8,
                        m: L.marker([(r[1] + r[3]) / 2, (r[0] + r[2]) / 2], {icon: icon, interactive: false,
                                                                               keyboard: false})};
            });
            function layout() {
                var size = map.getSize(), kept = [];
                var show = map.getZoom() >= minZoom;
                items.forEach(function (it) {
                    var a = map.latLngToContainerPoint([it.r[1], it.r[0]]),
                        b = map.latLngToContainerPoint([it.r[3], it.r[2]]);
                    var cx = (a.x + b.x) / 2, cy = (a.y + b.y) / 2, angle = Math.atan2(b.y - a.y, b.x - a.x);
                    if (angle > Math.PI / 2) { angle -= Math.PI; }   // never upside down
                    if (angle < -Math.PI / 2) { angle += Math.PI; }
                    var half = it.w / 2 + 4, inside = cx > 0 && cy > 0 && cx < size.x && cy < size.y;
                    var free = kept.every(function (k) { return Math.hypot(k[0] - cx, k[1] - cy) > k[2] + half; });
                    if (show && inside && free && a.distanceTo(b) >= it.w) {
                        kept.push([cx, cy, half]);
                        it.span.style.transform = "rotate(" + angle + "rad) translate(" + (-it.w / 2) + "px, -7px)";
                        if (!layer.hasLayer(it.m)) { layer.addLayer(it.m); }
                    } else if (layer.hasLayer(it.m)) { layer.removeLayer(it.m); }
                });
            }
            map.on("zoomend moveend resize", layout);
            map.whenReady(layout);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[object]], *, min_zoom: int = LABEL_MIN_ZOOM,
                 roads: tuple[folium.GeoJson | None, folium.GeoJson | None] = (None, None)) -> None:
        super().__init__()
        self._name = "RoadLabels"
        self.rows_json = script_json(rows)
        self.min_zoom = int(min_zoom)
        # The road layers (grey edge, white fill) whose width follows the zoom.
        self.roads = ", ".join(layer.get_name() if layer is not None else "null" for layer in roads)


def label_rows(roads: gpd.GeoDataFrame, *, every_m: float = LABEL_EVERY_M,
               limit: int = MAX_LABELS) -> list[list[object]]:
    """Label positions along the named roads: every ``every_m`` metres (the first half a step in), each
    as the two points :data:`HALF_SPAN_M` either side of it (the browser shows a name where the road
    between them is longer on screen than the name, and turns it along them); the longest roads first,
    at most ``limit`` rows.

    >>> line = gpd.GeoDataFrame({"kind": ["road"], "name": ["青石路"]},
    ...                         geometry=[shapely.LineString([(117.25, 31.84), (117.27, 31.84)])], crs=4326)
    >>> [r[4] for r in label_rows(line)]  # 1.9 km: at 300, 900 and 1500 m
    ['青石路', '青石路', '青石路']
    """
    named = roads[(roads[s.REFERENCE_KIND] == "road") & (roads[s.REFERENCE_NAME].astype(str).str.strip() != "")]
    if not len(named):
        return []
    metric_crs = named.estimate_utm_crs()
    metric = named.to_crs(metric_crs)
    order = np.argsort(-metric.length.to_numpy(), kind="stable")
    points: list[shapely.Point] = []
    names: list[str] = []
    for i in order:
        line, name = metric.geometry.iloc[i], str(metric[s.REFERENCE_NAME].iloc[i])
        for part in shapely.get_parts(line):
            length = part.length
            at = every_m / 2
            while at < length and len(names) < limit:
                for offset in (-HALF_SPAN_M, HALF_SPAN_M):
                    points.append(part.interpolate(min(max(at + offset, 0.0), length)))
                names.append(name)
                at += every_m
    if not names:
        return []
    wgs = gpd.GeoSeries(points, crs=metric_crs).to_crs(4326)
    x, y = wgs.x.to_numpy().round(6), wgs.y.to_numpy().round(6)
    return [[float(x[2 * k]), float(y[2 * k]), float(x[2 * k + 1]), float(y[2 * k + 1]), names[k]]
            for k in range(len(names))]


@dataclass(frozen=True)
class Reference:
    """A workspace's reference layers and their road-label positions (WGS84), worked out once per layer
    (``dashboard.data.reference_layer`` caches it), not on every rerun of every map."""

    layer: gpd.GeoDataFrame
    labels: list[list[object]]

    @classmethod
    def of(cls, layer: gpd.GeoDataFrame) -> Reference:
        """The features drawn (at most :data:`MAX_DRAWN`) and their labels."""
        drawn = layer.head(MAX_DRAWN)
        return cls(drawn, label_rows(drawn))


def add_reference(m: folium.Map, reference: Reference | None, *, gcj02: bool = False) -> None:
    """Draw ``reference`` under the grids' labels, names along the roads. ``gcj02``: the map is drawn over
    GCJ-02 tiles (AMap): the lines and the label positions are shifted as everything else we draw."""
    if reference is None or not len(reference.layer):
        return
    layer, labels = reference.layer, reference.labels
    if gcj02:
        layer = layer.set_geometry(geometries_to_gcj02(layer.geometry.to_numpy()), crs=layer.crs)
        labels = _gcj02_rows(labels)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(CSS), name="gw_reference_css")
    folium.map.CustomPane(PANE, z_index=450, pointer_events=False).add_to(m)
    drawn = layer
    styles = {"road": {"color": "#ffffff", "weight": 5, "opacity": 0.9},
              "building": {"color": "#c9c4b8", "weight": 0.6, "fillColor": "#dcd7cb", "fillOpacity": 0.6},
              "poi": {"color": "#7a6f5d", "weight": 1, "fillOpacity": 0.8}}
    edge = fill = None
    for kind, style in styles.items():
        part = drawn[drawn[s.REFERENCE_KIND] == kind]
        if not len(part):
            continue
        data = escaped_features(part[[s.REFERENCE_NAME, "geometry"]], [s.REFERENCE_NAME])
        layer = GeoJsonLayer(data, style=style, interactive=False, pane=PANE, circles=kind == "poi")
        if kind == "road":  # a white road with a grey edge, as on a printed street map
            edge = GeoJsonLayer(data, style={"color": "#9aa3ad", "weight": 7, "opacity": 0.7}, interactive=False,
                                pane=PANE)
            edge.add_to(m)
            fill = layer
        layer.add_to(m)
    RoadLabels(labels, roads=(edge, fill)).add_to(m)


def _gcj02_rows(rows: list[list[object]]) -> list[list[object]]:
    """Label rows with both points shifted to GCJ-02."""
    if not rows:
        return rows
    coords = np.array([[r[0], r[1], r[2], r[3]] for r in rows], dtype=float)
    ax, ay = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    bx, by = wgs84_to_gcj02(coords[:, 2], coords[:, 3])
    return [[round(float(ax[i]), 6), round(float(ay[i]), 6), round(float(bx[i]), 6), round(float(by[i]), 6), r[4]]
            for i, r in enumerate(rows)]
