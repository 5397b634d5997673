"""What lets a leader find their way on a map without a basemap: names, communities, priority numbers, cases.

Intranet deployments often have no tile server, so the map itself must say where things are:

* community outlines, drawn heavier than grid outlines (stepping aside while the map shows streets,
  see :mod:`dashboard.components.levels`);
* labels that follow the zoom: community names wherever they fit, and grid labels once most grids in
  view are large enough on screen to carry one; a label is drawn only where it fits its shape and
  collides with no label already placed (communities first, then larger grids), so labels never
  smear together; street names instead while the map shows streets;
* the priority grids as numbered circles, the same numbers as the list beside the map;
* at close zoom, the newest cases of the filter as points that open the case in a popup.

Our own few lines of JavaScript (no plugin, no CDN). Every text reaches the page through
``textContent`` (never ``innerHTML``), so a grid named ``<img onerror=...>`` is only ever text.
No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from dashboard.components.geojson import GeoJsonLayer, escaped_features, script_json
from geo import schema as s
from geo.cube.levels import Level, level_shapes

COMMUNITY_LINE: Final = "#27313b"
RANK_FILL: Final = "#08306b"
#: Cases appear from this zoom (street level: a 300 m grid is about 500 px across).
CASES_MIN_ZOOM: Final = 16
CSS: Final = """<style>
.leaflet-container { background: #f4f2ec; }
.gw-place { position: absolute; transform: translate(-50%, -50%); white-space: nowrap; pointer-events: none;
  font: 12px/1.2 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1d2733;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }
.gw-place.gw-community { font-size: 14px; font-weight: 700; color: #27313b; }
.gw-rank { width: 24px; height: 24px; margin: -12px 0 0 -12px; border-radius: 50%; background: #08306b; color: #fff;
  border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.5); font: 700 13px/20px sans-serif; text-align: center; }
.gw-case-popup b { display: inline-block; min-width: 4.5em; color: #555; font-weight: 400; }
</style>"""


def short_label(name: str, community: str | None) -> str:
    """A grid's label on the map: its name without the community prefix when it has one.

    Inside a community's outline "第4网格" is unambiguous and fits a grid three times more often than
    "青石社区第4网格"; the tooltip keeps the full name.

    >>> short_label("青石社区第4网格", "青石社区")
    '第4网格'
    >>> short_label("Market Square", "Old Town")
    'Market Square'
    """
    name = str(name)
    if community and name.startswith(community) and len(name) > len(community):
        return name[len(community):].lstrip(" -·_")
    return name


class MapLabels(MacroElement):
    """Grid and community labels that follow the zoom and never overlap (see the module docstring).

    ``grids`` rows are ``[lon, lat, text, width_deg]`` (largest grids first); ``communities`` the same
    for communities; ``ranks`` rows ``[lon, lat, rank, name]`` are the priority numbers, drawn always
    and kept clear by the labels (a number's tooltip is the grid's name); numbers that would overlap
    move out along a spiral with a leader line to their grid.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var grids = {{ this.grids_json }}, communities = {{ this.communities_json }},
                ranks = {{ this.ranks_json }}, streets = {{ this.streets_json }},
                streetsUntil = {{ this.streets_until }}, outlines = {{ this.outlines }};
            var layer = L.layerGroup().addTo(map);
            var rankMarks = ranks.map(function (r) {
                var dot = document.createElement("div"), tip = document.createElement("span");
                dot.className = "gw-rank";
                dot.textContent = String(r[2]);
                tip.textContent = r[2] + ". " + r[3];
                return {
                    mark: L.marker([r[1], r[0]], {icon: L.divIcon({className: "", html: dot, iconSize: [0, 0]}),
                                                  keyboard: false, zIndexOffset: 1000}).bindTooltip(tip).addTo(map),
                    line: L.polyline([[r[1], r[0]], [r[1], r[0]]], {color: "#08306b", weight: 1.5,
                                                                    interactive: false}).addTo(map),
                    spot: L.circleMarker([r[1], r[0]], {radius: 3, weight: 0, fillColor: "#08306b", fillOpacity: 1,
                                                        interactive: false})
                };
            });
            // Numbers that would cover each other (small central grids at a city's zoom) move out along a
            // spiral until free, with a leader line to their grid: every number stays readable.
            function placeRanks() {
                var placed = [];
                ranks.forEach(function (r, i) {
                    var home = map.latLngToContainerPoint([r[1], r[0]]), at = home, step = 0;
                    function clear(p) {
                        return placed.every(function (q) { return Math.abs(p.x - q.x) >= 27 || Math.abs(p.y - q.y) >= 27; });
                    }
                    while (!clear(at) && step < 64) {
                        step++;
                        var angle = step * 0.9, radius = 16 + 6 * step;
                        at = L.point(home.x + radius * Math.cos(angle), home.y + radius * Math.sin(angle));
                    }
                    placed.push(at);
                    var m = rankMarks[i], moved = at.distanceTo(home) > 1, where = map.containerPointToLatLng(at);
                    m.mark.setLatLng(where);
                    m.line.setLatLngs([[r[1], r[0]], moved ? where : [r[1], r[0]]]);
                    if (moved && !map.hasLayer(m.spot)) { m.spot.addTo(map); }
                    if (!moved && map.hasLayer(m.spot)) { map.removeLayer(m.spot); }
                });
                return placed;
            }
            var measure = document.createElement("canvas").getContext("2d");
            function make(row, cls, font) {
                var span = document.createElement("span");
                span.className = "gw-place " + cls;
                span.textContent = row[2];
                measure.font = font;
                var icon = L.divIcon({className: "", html: span, iconSize: [0, 0]});
                return {x: row[0], y: row[1], dx: row[3], w: measure.measureText(row[2]).width + 6,
                        h: cls ? 18 : 15, m: L.marker([row[1], row[0]], {icon: icon, interactive: false,
                                                                         keyboard: false})};
            }
            var gridItems = grids.map(function (r) { return make(r, "", "12px sans-serif"); });
            var communityItems = communities.map(function (r) {
                return make(r, "gw-community", "bold 14px sans-serif"); });
            var streetItems = streets.map(function (r) { return make(r, "gw-community", "bold 14px sans-serif"); });
            function layout() {
                var size = map.getSize(), kept = [];
                placeRanks().forEach(function (p) { kept.push([p.x - 15, p.y - 15, p.x + 15, p.y + 15]); });
                var c = map.getCenter(),
                    perDeg = map.latLngToContainerPoint([c.lat, c.lng + 1]).x - map.latLngToContainerPoint(c).x;
                function free(b) {
                    for (var i = 0; i < kept.length; i++) {
                        var k = kept[i];
                        if (b[0] < k[2] && b[2] > k[0] && b[1] < k[3] && b[3] > k[1]) { return false; }
                    }
                    return true;
                }
                function place(items, wanted) {
                    items.forEach(function (it) {
                        var p = map.latLngToContainerPoint([it.y, it.x]);
                        var b = [p.x - it.w / 2, p.y - it.h / 2, p.x + it.w / 2, p.y + it.h / 2];
                        var inside = b[2] > 0 && b[3] > 0 && b[0] < size.x && b[1] < size.y;
                        var show = wanted && inside && it.dx * perDeg >= 0.8 * it.w && free(b);
                        if (show) { kept.push(b); if (!layer.hasLayer(it.m)) { layer.addLayer(it.m); } }
                        else if (layer.hasLayer(it.m)) { layer.removeLayer(it.m); }
                    });
                }
                // Grid labels once most grids in view are wide enough to carry one; community names before.
                var inView = 0, fit = 0;
                gridItems.forEach(function (it) {
                    var p = map.latLngToContainerPoint([it.y, it.x]);
                    if (p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y) {
                        inView++; if (it.dx * perDeg >= 0.8 * it.w) { fit++; }
                    }
                });
                var gridMode = communityItems.length === 0 || (inView > 0 && fit >= 0.5 * inView);
                // Zoomed out to the streets (the map fills streets there): street names and street
                // outlines only; community outlines and names return with the community fills.
                var streetMode = streetsUntil !== null && map.getZoom() < streetsUntil;
                if (outlines) {
                    if (streetMode && map.hasLayer(outlines)) { map.removeLayer(outlines); }
                    if (!streetMode && !map.hasLayer(outlines)) { outlines.addTo(map); }
                }
                place(streetItems, streetMode);
                // Community names first (they say where you are); grid labels fill the space left.
                place(communityItems, !streetMode);
                place(gridItems, gridMode && !streetMode);
            }
            map.on("zoomend moveend resize", layout);
            map.whenReady(layout);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, grids: list[list[object]], communities: list[list[object]],
                 ranks: list[list[object]], *, streets: list[list[object]] | None = None,
                 streets_until: float | None = None, outlines: folium.GeoJson | None = None) -> None:
        super().__init__()
        self._name = "MapLabels"
        self.grids_json = script_json(grids)
        self.communities_json = script_json(communities)
        self.ranks_json = script_json(ranks)
        self.streets_json = script_json(streets or [])
        self.streets_until = "null" if streets_until is None else f"{float(streets_until):.3f}"
        self.outlines = outlines.get_name() if outlines is not None else "null"


def _label_rows(frame: gpd.GeoDataFrame, texts: Sequence[str]) -> list[list[object]]:
    """``[lon, lat, text, width_deg]`` per shape at a point inside it, widest first (they win collisions)."""
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    bounds = shapely.bounds(frame.geometry.to_numpy())
    width = bounds[:, 2] - bounds[:, 0]
    order = np.argsort(-width, kind="stable")
    x, y = shapely.get_x(points), shapely.get_y(points)
    return [[round(float(x[i]), 6), round(float(y[i]), 6), str(texts[i]), round(float(width[i]), 6)] for i in order]


def add_orientation(m: folium.Map, grids: gpd.GeoDataFrame, *, priority: Sequence[str] = (),
                    streets_until: float | None = None) -> None:
    """Community outlines, zoom-aware labels and the priority numbers over a map of ``grids``.

    ``grids`` are in display coordinates; ``priority`` lists grid ids in rank order (numbered 1, 2, ...).
    ``streets_until`` is the zoom below which the map shows streets (:mod:`dashboard.components.levels`):
    there labels name the streets and community outlines step aside.
    """
    root = m.get_root()
    assert isinstance(root, Figure)  # a folium Map's root is its branca Figure, which has the header
    root.header.add_child(Element(CSS), name="gw_orientation_css")
    communities = level_shapes(grids, Level.COMMUNITY)
    outlines = None
    if len(communities) > 1:  # one community's outline is the map's edge: nothing to tell apart
        outlines = GeoJsonLayer(escaped_features(communities, []), interactive=False,
                                style={"color": COMMUNITY_LINE, "weight": 2.6, "fillOpacity": 0.0, "opacity": 0.9})
        outlines.add_to(m)
    streets = level_shapes(grids, Level.STREET) if streets_until is not None else None
    names = grids[s.GRID_NAME].fillna(grids[s.GRID_ID]).astype(str).to_numpy()
    community = grids[s.COMMUNITY].to_numpy() if s.COMMUNITY in grids else [None] * len(grids)
    texts = [short_label(n, c if isinstance(c, str) else None) for n, c in zip(names, community, strict=True)]
    MapLabels(_label_rows(grids, texts),
              _label_rows(communities, list(communities[s.COMMUNITY])) if len(communities) > 1 else [],
              _rank_rows(grids, priority),
              streets=_label_rows(streets, list(streets[s.STREET])) if streets is not None else None,
              streets_until=streets_until, outlines=outlines).add_to(m)


def _rank_rows(grids: gpd.GeoDataFrame, priority: Sequence[str]) -> list[list[object]]:
    """``[lon, lat, rank, name]`` at a point inside each priority grid (1 = first), for the numbered circles.

    Drawn by :class:`MapLabels` rather than as folium markers: a folium marker is created with Leaflet's
    default image icon first, which the browser then fetches (and an intranet may not serve).
    """
    by_id = grids.set_index(s.GRID_ID)
    rows: list[list[object]] = []
    for rank, grid_id in enumerate(priority, start=1):
        if grid_id not in by_id.index:
            continue
        row = by_id.loc[grid_id]
        p = shapely.point_on_surface(row.geometry)
        name = row.get(s.GRID_NAME)
        rows.append([round(p.x, 6), round(p.y, 6), rank, name if isinstance(name, str) else str(grid_id)])
    return rows


class CaseLayer(MacroElement):
    """Individual cases as points from ``min_zoom`` on; a click opens the case (fields set by textContent)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var rows = {{ this.rows_json }}, fields = {{ this.fields_json }}, colours = {{ this.colours_json }};
            var layer = L.layerGroup();
            rows.forEach(function (r) {
                var dot = L.circleMarker([r[0], r[1]], {radius: 5, weight: 1, color: "#222",
                                                        fillColor: colours[r[2]], fillOpacity: 0.9});
                dot.bindPopup(function () {
                    var box = document.createElement("div");
                    box.className = "gw-case-popup";
                    fields.forEach(function (label, i) {
                        var line = document.createElement("div"), b = document.createElement("b");
                        b.textContent = label;
                        line.appendChild(b);
                        line.appendChild(document.createTextNode(String(r[3 + i])));
                        box.appendChild(line);
                    });
                    return box;
                }, {maxWidth: 320});
                layer.addLayer(dot);
            });
            function toggle() {
                if (map.getZoom() >= {{ this.min_zoom }}) { layer.addTo(map); } else { map.removeLayer(layer); }
            }
            map.on("zoomend", toggle);
            toggle();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[object]], fields: Sequence[str], colours: Sequence[str], *,
                 min_zoom: int = CASES_MIN_ZOOM) -> None:
        super().__init__()
        self._name = "CaseLayer"
        self.rows_json = script_json(rows)
        self.fields_json = script_json(list(fields))
        self.colours_json = script_json(list(colours))
        self.min_zoom = int(min_zoom)


#: Okabe-Ito: the category colour of a case point (colour-blind safe), cycled past eight categories.
CASE_COLOURS: Final = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")


def add_cases(m: folium.Map, cases: pd.DataFrame, fields: Mapping[str, str], *,
              min_zoom: int = CASES_MIN_ZOOM) -> None:
    """The ``cases`` (columns ``lat``, ``lon``, ``category`` and the ``fields`` keys) as a close-zoom layer.

    ``fields`` maps a column to its label in the popup, in order. The caller bounds ``cases`` (the
    newest N of the filter); values are sent as text and set with ``textContent``.
    """
    if cases.empty:
        return
    codes = pd.factorize(cases["category"], sort=True)[0]
    columns = [cases[c].astype("string").fillna("").to_numpy() for c in fields]
    rows = [[round(float(lat), 6), round(float(lon), 6), int(code) % len(CASE_COLOURS), *(str(col[i]) for col in columns)]
            for i, (lat, lon, code) in enumerate(zip(cases["lat"], cases["lon"], codes, strict=True))]
    CaseLayer(rows, list(fields.values()), CASE_COLOURS, min_zoom=min_zoom).add_to(m)


#: Compass parts of a grid, by the angle of a cell's offset from the grid's centre (0 = east, counter-clockwise).
_PARTS: Final = ("e", "ne", "n", "nw", "w", "sw", "s", "se")


def cell_places(cells: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """Where each cell lies for a reader: the grid holding its centre and the part of that grid.

    Returns one row per cell (same order): ``grid_id`` (the grid containing the cell's centre, else the
    nearest grid) and ``part`` (``"c"`` within the middle third of the grid's extent, else a compass
    part ``"n"``, ``"ne"``, ...). Both frames in WGS84; east-west distances are scaled by the latitude.

    >>> import shapely, geopandas as gpd
    >>> grids = gpd.GeoDataFrame({"grid_id": ["A"]}, geometry=[shapely.box(0, 0, 0.01, 0.01)], crs=4326)
    >>> cells = gpd.GeoDataFrame(geometry=[shapely.box(0.008, 0.008, 0.009, 0.009),
    ...                                    shapely.box(0.0045, 0.0045, 0.0055, 0.0055)], crs=4326)
    >>> cell_places(cells, grids)["part"].tolist()
    ['ne', 'c']
    """
    if cells.empty or grids.empty:
        return pd.DataFrame({s.GRID_ID: pd.Series(dtype=object), "part": pd.Series(dtype=object)})
    centres = shapely.centroid(cells.geometry.to_numpy())
    tree = shapely.STRtree(grids.geometry.to_numpy())
    which = np.full(len(cells), -1)
    hit_cell, hit_grid = tree.query(centres, predicate="within")
    which[hit_cell[::-1]] = hit_grid[::-1]  # the first grid listed wins where borders touch
    missing = np.flatnonzero(which < 0)
    if missing.size:
        which[missing] = tree.query_nearest(centres[missing], all_matches=False)[1]
    grid_geoms = grids.geometry.to_numpy()[which]
    middle = shapely.centroid(grid_geoms)
    bounds = shapely.bounds(grid_geoms)
    k = np.cos(np.radians(shapely.get_y(middle)))
    dx = (shapely.get_x(centres) - shapely.get_x(middle)) * k
    dy = shapely.get_y(centres) - shapely.get_y(middle)
    half = np.maximum((bounds[:, 2] - bounds[:, 0]) * k, bounds[:, 3] - bounds[:, 1]) / 2
    sector = np.round(np.degrees(np.arctan2(dy, dx)) / 45).astype(int) % 8
    part = np.where(np.hypot(dx, dy) <= half / 3, "c", np.asarray(_PARTS)[sector])
    return pd.DataFrame({s.GRID_ID: grids[s.GRID_ID].to_numpy()[which], "part": part})
