"""Folium maps: weighted heatmap and grid choropleth over the grid outlines.

No Streamlit here: these functions return folium maps that the pages hand to ``st_folium`` and
notebooks display directly. Every string that came from a ledger or a grid layer is HTML-escaped
before it reaches a tooltip or legend, since Leaflet writes tooltips as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from dashboard.assets import localize
from dashboard.components.geojson import CELL_DECIMALS, DECIMALS, GeoJsonLayer, escaped_features, html_text, script_json
from dashboard.components.heat import HeatLayer
from dashboard.components.legend import PALETTE, ZERO_COLOUR, Legend, class_breaks, count_classes, count_legend
from dashboard.components.levels import LevelSwitch, add_level_fills, fill_class, grid_band, legend_class, street_band_end
from dashboard.components.orientation import add_orientation
from dashboard.components.reference import Reference, add_reference
from geo import schema as s
from geo.crs import geometries_to_gcj02, wgs84_to_gcj02
from geo.cube.aggregate import HeatPayload
from geo.cube.levels import Level
from geo.stats.density import MercatorImage

#: The heat layer uses the same ramp instead of Leaflet.heat's default rainbow (blue-lime-red), whose
#: green and red a red-green colour-blind reader cannot tell apart. Stops spread over the upper
#: range, where the default puts its colours too (low densities fade out through the opacity).
HEAT_GRADIENT: Final = dict(zip((0.25, 0.4, 0.55, 0.7, 0.85, 1.0), PALETTE, strict=True))
OUTLINE: Final = "#3b4a5a"
HIGHLIGHT: Final = "#08519c"
#: Feature property holding a unit's row position (see ``clicked_unit``).
UNIT_KEY: Final = "gw_unit"
@dataclass(frozen=True)
class Basemap:
    """A tile layer: URL template, attribution, subdomains, and whether it is drawn in GCJ-02 (AMap)."""

    key: str
    url: str | None
    attribution: str = ""
    subdomains: str = "abc"
    gcj02: bool = False


#: Basemaps offered in the sidebar; a custom intranet server comes from GRIDWATCH_TILES (see shell.py).
BASEMAPS: Final = {
    "none": Basemap("none", None),
    "osm": Basemap("osm", "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
                   '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    # AMap tiles are drawn in GCJ-02: everything we draw over them is shifted the same way.
    "amap": Basemap("amap", "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                    "&x={x}&y={y}&z={z}", "&copy; 高德地图 AutoNavi", subdomains="1234", gcj02=True),
}


def _display(frame: gpd.GeoDataFrame, tiles: Basemap | None) -> gpd.GeoDataFrame:
    """``frame`` as drawn over ``tiles``: shifted to GCJ-02 for AMap, unchanged otherwise (never stored)."""
    if tiles is None or not tiles.gcj02:
        return frame
    return frame.set_geometry(geometries_to_gcj02(frame.geometry.to_numpy()), crs=frame.crs)


class FocusWithoutScroll(MacroElement):
    """Stop Leaflet's keyboard handler from scrolling the page when the map is clicked.

    On the first mousedown Leaflet focuses the map container; inside streamlit-folium's iframe that
    scrolls the *page* until the whole map is in view, so on a laptop screen the map jumps under the
    pointer and the click lands elsewhere (found by the browser test). Focusing with
    ``preventScroll`` keeps keyboard panning and removes the jump.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            if (!map.keyboard) { return; }
            // The handler is bound when enabled: swap the method, then re-enable to rebind it.
            map.keyboard.disable();
            map.keyboard._onMouseDown = function () {
                if (this._focused) { return; }
                this._map._container.focus({preventScroll: true});
            };
            map.keyboard.enable();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class PlainControls(MacroElement):
    """A metric scale bar only, and no "Leaflet" link in the corner: a Chinese screen shows no English
    ("1000 ft", "Leaflet"); a tile server's own attribution, when one is drawn, stays."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            L.control.scale({metric: true, imperial: false}).addTo(map);
            if (map.attributionControl) { map.attributionControl.setPrefix(false); }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class Playback(MacroElement):
    """Play/pause and a week slider that recolour a GeoJSON layer from a precomputed colour table.

    Our own few lines of JavaScript (no plugin, no CDN). The payload is the colour class of every grid
    in every week (grids x weeks small integers) plus the week labels: bounded by the grid count, never
    by the number of issues.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map, layer) {
            var codes = {{ this.codes_json }}, palette = {{ this.palette_json }}, weeks = {{ this.weeks_json }};
            var k = weeks.length - 1, timer = null;
            var box = L.control({position: "topright"});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", "gw-playback");
                div.style.cssText = "background:rgba(255,255,255,.93);padding:6px 10px;border-radius:4px;"
                    + "font:13px sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)";
                div.innerHTML = '<button type="button" class="gw-play" style="width:2.2em">&#9654;</button> '
                    + '<input class="gw-week" type="range" min="0" max="' + (weeks.length - 1) + '" value="' + k
                    + '" style="width:180px;vertical-align:middle"> <span class="gw-label"></span>';
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo(map);
            var root = box.getContainer(), play = root.querySelector(".gw-play"),
                slider = root.querySelector(".gw-week"), label = root.querySelector(".gw-label");
            function show(i) {
                k = i; slider.value = i; label.textContent = weeks[i];
                layer.eachLayer(function (l) {
                    var row = codes[l.feature.properties.{{ this.key }}];
                    l.setStyle({fillColor: palette[row[i]]});
                });
            }
            slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
            play.addEventListener("click", function () {
                if (timer) { clearInterval(timer); timer = null; play.innerHTML = "&#9654;"; return; }
                play.innerHTML = "&#10074;&#10074;";
                timer = setInterval(function () { show((k + 1) % weeks.length); }, {{ this.interval_ms }});
            });
            show(k);
        })({{ this._parent.get_name() }}, {{ this.layer_name }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: folium.GeoJson, codes: list[list[int]], palette: Sequence[str], weeks: Sequence[str],
                 *, interval_ms: int = 700) -> None:
        super().__init__()
        self._name = "Playback"
        self.layer_name = layer.get_name()
        self.codes_json = script_json(codes)
        self.palette_json = script_json(list(palette))
        self.weeks_json = script_json(list(weeks))  # shown through textContent: no HTML escaping
        self.key = UNIT_KEY
        self.interval_ms = int(interval_ms)


def playback_map(grids: gpd.GeoDataFrame, weekly: pd.DataFrame, labels: Mapping[str, str], *,
                 tiles: Basemap | None = None, reference: Reference | None = None) -> folium.Map:
    """Weekly grid counts as an animation: ``weekly`` has a row per week (labels as index) and a column per grid.

    One colour scale (quantile classes over every grid-week) so weeks compare; the browser receives
    grids x weeks class numbers, not issues.
    """
    grids = _display(grids, tiles)
    values = weekly.reindex(columns=list(grids[s.GRID_ID]), fill_value=0).to_numpy(dtype=float)  # (weeks, grids)
    breaks = class_breaks(values.ravel())
    offset = len(PALETTE) - len(breaks)
    palette = [ZERO_COLOUR, *PALETTE[offset:]]
    codes = np.where(values > 0, np.searchsorted(breaks, values, side="left") + 1, 0)
    codes = np.minimum(codes, len(palette) - 1).T.astype(int).tolist()  # per grid, per week
    frame = grids[[s.GRID_ID, s.GRID_NAME, s.COMMUNITY, "geometry"]].assign(**{UNIT_KEY: np.arange(len(grids))})
    m = base_map(grids, tiles=tiles, reference=reference)
    layer = GeoJsonLayer(
        escaped_features(frame, [s.GRID_ID, s.GRID_NAME, s.COMMUNITY, UNIT_KEY]),
        style={"fillColor": ZERO_COLOUR, "color": OUTLINE, "weight": 1, "fillOpacity": 0.8},
        tooltip=_tooltip([s.GRID_NAME, s.COMMUNITY], [labels["grid"], labels["community"]]),
    )
    layer.add_to(m)
    add_orientation(m, grids)
    Playback(layer, codes, palette, [str(w) for w in weekly.index]).add_to(m)
    count_legend(values.ravel(), breaks, labels["count_legend_title"]).add_to(m)
    return localize(m)


def base_map(grids: gpd.GeoDataFrame, *, tiles: Basemap | None = None, height: int = 620,
             padding_top_left: tuple[int, int] = (0, 0), reference: Reference | None = None) -> folium.Map:
    """A map fitted to ``grids`` with no basemap by default (intranets often have no tiles).

    ``grids`` must already be in display coordinates (see ``_display``). A tile server that cannot be
    reached leaves the background plain; everything we draw is ours and still shows.
    ``padding_top_left`` keeps the fitted grids clear of a box drawn there (the big screen's KPIs).
    ``reference``: the workspace's reference layers (roads with names), drawn in a pane of their own
    (:mod:`dashboard.components.reference`).
    """
    minx, miny, maxx, maxy = grids.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=14, tiles=None,
                   control_scale=False, height=height, prefer_canvas=False)
    PlainControls().add_to(m)
    if tiles is not None and tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution or "tiles", name="basemap",
                         subdomains=tiles.subdomains, max_zoom=19).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=padding_top_left, padding_bottom_right=(8, 8))
    FocusWithoutScroll().add_to(m)
    add_reference(m, reference, gcj02=tiles is not None and tiles.gcj02)
    return m


def _tooltip(fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonTooltip:
    # Values are escaped already (escaped_features); aliases are our own translated labels, escaped alike.
    return folium.GeoJsonTooltip(fields=list(fields), aliases=[html_text(a) for a in aliases],
                                 sticky=True)


def add_grid_outlines(m: folium.Map, grids: gpd.GeoDataFrame, labels: Mapping[str, str]) -> None:
    """Thin grid outlines with a name/community tooltip, drawn above the heat layer (clickable: ``UNIT_KEY``)."""
    data = escaped_features(grids.assign(**{UNIT_KEY: np.arange(len(grids))}),
                            [s.GRID_ID, s.GRID_NAME, s.COMMUNITY, UNIT_KEY])
    GeoJsonLayer(
        data,
        name=labels["grids"],
        style={"color": OUTLINE, "weight": 1.2, "fillOpacity": 0.0, "opacity": 0.8},
        highlight={"weight": 3, "color": "#08519c"},
        tooltip=_tooltip([s.GRID_NAME, s.COMMUNITY, s.GRID_ID],
                         [labels["grid"], labels["community"], labels["grid_id"]]),
    ).add_to(m)


def heat_intensity(payload: HeatPayload) -> np.ndarray:
    """Leaflet.heat rows ``[lat, lon, intensity]`` (an ``(n, 3)`` array) with intensity scaled to ``0..1``.

    Leaflet.heat saturates at ``max = 1``; raw cell counts would paint every cell red, so weights
    are divided by their 98th percentile and capped at 1.
    """
    pts = payload.points
    if len(pts) == 0:
        return np.empty((0, 3))
    scale = max(float(np.quantile(pts[:, 2], 0.98)), 1.0)
    weight = np.minimum(pts[:, 2] / scale, 1.0)
    return np.column_stack([np.round(pts[:, 0], DECIMALS), np.round(pts[:, 1], DECIMALS),
                            np.round(weight, 3)])


def heatmap(grids: gpd.GeoDataFrame, payload: HeatPayload, labels: Mapping[str, str], *,
            tiles: Basemap | None = None, highlight: str | None = None,
            reference: Reference | None = None) -> folium.Map:
    """Heatmap of a weighted payload under the grid outlines.

    The payload is already aggregated server-side (:func:`geo.cube.aggregate.heat_payload`), so the
    browser never receives more points than its cap.
    """
    grids = _display(grids, tiles)
    if tiles is not None and tiles.gcj02 and len(payload.points):
        lon, lat = wgs84_to_gcj02(payload.points[:, 1], payload.points[:, 0])
        payload = replace(payload, points=np.column_stack([lat, lon, payload.points[:, 2]]))
    m = base_map(grids, tiles=tiles, reference=reference)
    HeatLayer(heat_intensity(payload), name=labels["heat"], radius=18, blur=14, min_opacity=0.25,
              max_zoom=17, gradient=HEAT_GRADIENT).add_to(m)
    add_grid_outlines(m, grids, labels)
    add_orientation(m, grids)
    add_highlight(m, grids, highlight)
    ramp = list(HEAT_GRADIENT.values())
    Legend(labels["heat_legend_title"],
           [(c, labels["heat_low"] if i == 0 else labels["heat_high"] if i == len(ramp) - 1 else "")
            for i, c in enumerate(ramp)]).add_to(m)
    return localize(m)


def add_highlight(m: folium.Map, grids: gpd.GeoDataFrame, grid_id: str | None) -> None:
    """A thick outline around one grid (the one selected in a table or clicked), not clickable itself."""
    if grid_id is None:
        return
    chosen = grids[grids[s.GRID_ID] == grid_id]
    if chosen.empty:
        return
    GeoJsonLayer(escaped_features(chosen, [s.GRID_ID]), interactive=False,
                 style={"color": HIGHLIGHT, "weight": 4, "fillOpacity": 0.0}).add_to(m)


def choropleth(grids: gpd.GeoDataFrame, counts: pd.Series, labels: Mapping[str, str], *,
               tiles: Basemap | None = None, highlight: str | None = None, priority: Sequence[str] = (),
               padding_top_left: tuple[int, int] = (0, 0), levels: bool = True,
               reference: Reference | None = None) -> folium.Map:
    """Grid choropleth of ``counts`` (indexed by grid_id) with grid, community, count tooltips.

    Features carry ``UNIT_KEY`` (the grid's row in ``grids``), so a click can name the grid; ``highlight``
    outlines one grid; ``priority`` (grid ids in rank order) are numbered as in the list beside the map.
    With ``levels`` (for additive counts only: a score does not sum) the map also carries street and
    community totals and shows the level that is readable at the zoom (:mod:`dashboard.components.levels`).
    """
    grids = _display(grids, tiles)
    frame = grids[[s.GRID_ID, s.GRID_NAME, s.COMMUNITY, "geometry"]].copy()
    frame["count"] = frame[s.GRID_ID].map(counts).fillna(0).astype(int)
    frame["colour"], breaks = count_classes(frame["count"].to_numpy())
    frame[UNIT_KEY] = np.arange(len(frame))
    data = escaped_features(frame, [s.GRID_ID, s.GRID_NAME, s.COMMUNITY, "count", "colour", UNIT_KEY])
    m = base_map(grids, tiles=tiles, padding_top_left=padding_top_left, reference=reference)
    layer = GeoJsonLayer(
        data,
        name=labels["choropleth"],
        style={"color": OUTLINE, "weight": 1, "fillOpacity": 0.78, "className": fill_class(Level.GRID)},
        fill_from="colour", highlight={"weight": 3, "color": "#08519c"},
        tooltip=_tooltip([s.GRID_NAME, s.COMMUNITY, "count"],
                         [labels["grid"], labels["community"], labels["count"]]),
    )
    layer.add_to(m)
    bands = add_level_fills(m, grids, frame.set_index(s.GRID_ID)["count"], labels) if levels else []
    grid_legend = legend_class(Level.GRID) if bands else ""
    add_orientation(m, grids, priority=priority, streets_until=street_band_end(bands))
    add_highlight(m, grids, highlight)
    title = labels["count_legend_grid" if bands else "count_legend_title"]
    count_legend(frame["count"].to_numpy(), breaks, title, grid_legend).add_to(m)
    if bands:
        LevelSwitch([*bands, grid_band(bands, layer)]).add_to(m)
    return localize(m)


#: The forecast's flagged cells: a dark outline and a light fill, readable over any choropleth class.
FLAGGED_STYLE: Final = {"color": "#3f007d", "weight": 1.6, "fillColor": "#807dba", "fillOpacity": 0.35}


def add_flagged_cells(m: folium.Map, cells: gpd.GeoDataFrame, labels: Mapping[str, str], *,
                      tiles: Basemap | None = None) -> None:
    """The forecast's flagged cells (``rank``, ``expected``, ``reasons``) over a grid map, with tooltips.

    With a ``UNIT_KEY`` column (the row of the cell's grid) a click on a cell selects that grid.

    ``cells`` is bounded by the flagged share of the area (5 %), so the payload stays small.
    """
    if cells.empty:
        return
    keys = ["rank", "expected", "reasons", *([UNIT_KEY] if UNIT_KEY in cells else [])]
    frame = _display(cells, tiles)[[*keys, "geometry"]]
    data = escaped_features(frame, keys)  # UNIT_KEY: a click on a cell selects the grid it lies in
    GeoJsonLayer(
        data, name=labels["flagged_cells"],
        style=FLAGGED_STYLE,
        tooltip=_tooltip(["rank", "reasons"], [labels["cell_rank"], labels["reasons"]]),
    ).add_to(m)


#: Gi* classes: ColorBrewer RdBu (diverging, colour-blind safe), grey for not significant.
GI_COLOURS: Final = {"hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "not_significant": "#f0f0f0",
                     "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac"}
#: Emerging classes: warm for hot, cool for cold, darker for stronger, grey for no pattern.
EMERGING_COLOURS: Final = {
    "new_hot": "#fcbba1", "consecutive_hot": "#fc9272", "intensifying_hot": "#a50f15", "persistent_hot": "#de2d26",
    "diminishing_hot": "#fb6a4a", "sporadic_hot": "#fdd0a2", "oscillating_hot": "#c994c7", "historical_hot": "#8c6d31",
    "new_cold": "#c6dbef", "consecutive_cold": "#9ecae1", "intensifying_cold": "#08519c", "persistent_cold": "#3182bd",
    "diminishing_cold": "#6baed6", "sporadic_cold": "#deebf7", "oscillating_cold": "#9e9ac8", "historical_cold": "#636363",
    "no_pattern": "#f0f0f0",
}


#: Local Moran classes: RdBu ends for clusters, light tints for outliers, grey for not significant.
MORAN_COLOURS: Final = {"HH": "#b2182b", "HL": "#f4a582", "LH": "#92c5de", "LL": "#2166ac", "not_significant": "#f0f0f0"}


def clicked_unit(returned: Mapping[str, Any] | None, n_units: int) -> int | None:
    """Row position of the unit last clicked on a ``class_map`` (from st_folium's return), if any."""
    feature = (returned or {}).get("last_active_drawing") or {}
    key = (feature.get("properties") or {}).get(UNIT_KEY)
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < n_units:
        return key
    return None


def density_map(grids: gpd.GeoDataFrame, image: MercatorImage, labels: Mapping[str, str], legend_title: str, *,
                tiles: Basemap | None = None, reference: Reference | None = None) -> folium.Map:
    """The density image (YlOrRd in six equal steps of the peak, clear below 5 %) over the grid outlines."""
    grids = _display(grids, tiles)
    values = image.values
    peak = float(values.max()) if values.size else 0.0
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    m = base_map(grids, tiles=tiles, reference=reference)
    items: list[tuple[str, str]] = []
    if peak > 0:
        edges = np.linspace(0.05 * peak, peak, len(PALETTE) + 1)
        step = np.clip(np.searchsorted(edges, values, side="right") - 1, -1, len(PALETTE) - 1)
        colours = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in PALETTE], dtype=np.uint8)
        shown = (values >= edges[0]) & (step >= 0)
        rgba[shown, :3] = colours[step[shown]]
        rgba[shown, 3] = 190
        items = [(PALETTE[i], f"{edges[i]:,.0f}–{edges[i + 1]:,.0f}") for i in range(len(PALETTE))]
    (south, west), (north, east) = image.bounds
    if tiles is not None and tiles.gcj02:  # the GCJ-02 shift is near-uniform over a street: move the corners
        (west, east), (south, north) = wgs84_to_gcj02(np.array([west, east]), np.array([south, north]))
    folium.raster_layers.ImageOverlay(rgba, bounds=[[south, west], [north, east]], origin="upper",
                                      mercator_project=False, name=legend_title).add_to(m)
    add_grid_outlines(m, grids, labels)
    add_orientation(m, grids)
    Legend(legend_title, items).add_to(m)
    return localize(m)


def class_map(units: gpd.GeoDataFrame, column: str, colours: Mapping[str, str], class_label: Mapping[str, str],
              fields: Sequence[str], aliases: Sequence[str], legend_title: str, *,
              tiles: Basemap | None = None, grids: gpd.GeoDataFrame | None = None,
              reference: Reference | None = None) -> folium.Map:
    """Units coloured by a categorical class column, with a legend of the classes present.

    ``class_label`` translates class codes for the tooltip and legend; ``fields``/``aliases`` pick
    the tooltip rows. Classes absent from the data are left out of the legend. With ``grids`` (units
    that are cells), the management grids are outlined over the cells with their labels, so a hot cell
    can be tied to the grid responsible for it; the outlines let clicks through to the cells.
    """
    units = _display(units, tiles)
    frame = units.copy()
    frame["colour"] = frame[column].map(colours).fillna("#f0f0f0")
    frame["label"] = frame[column].map(class_label).fillna(frame[column])
    # The row position travels with each feature, so a click names the unit without trusting its text.
    frame[UNIT_KEY] = np.arange(len(frame))
    data = escaped_features(frame, [*fields, "label", "colour", UNIT_KEY],
                            decimals=CELL_DECIMALS if grids is not None else DECIMALS)
    m = base_map(units, tiles=tiles, reference=reference)
    GeoJsonLayer(
        data,
        style={"color": "#7a7a7a", "weight": 0.6, "fillOpacity": 0.8}, fill_from="colour",
        highlight={"weight": 2.5, "color": "#08519c"},
        tooltip=_tooltip([*fields, "label"], [*aliases, legend_title]),
    ).add_to(m)
    if grids is not None:
        shown = _display(grids, tiles)
        GeoJsonLayer(escaped_features(shown, [s.GRID_ID]), interactive=False,
                     style={"color": OUTLINE, "weight": 1.8, "fillOpacity": 0.0, "opacity": 0.9}).add_to(m)
        add_orientation(m, shown)
    shown_classes = set(frame[column].to_numpy(dtype=object))
    present = [c for c in colours if c in shown_classes]
    Legend(legend_title, [(colours[c], class_label.get(c, c)) for c in present]).add_to(m)
    return localize(m)


def preview_map(outlines: gpd.GeoDataFrame | None, lon: np.ndarray | None = None, lat: np.ndarray | None = None, *,
                tooltip_columns: Sequence[str] = (), height: int = 360,
                point_tips: Sequence[str] | None = None) -> folium.Map | None:
    """The import wizard's check: polygon outlines (a grid layer being chosen) and sample points.

    Bounded: the caller passes at most a few thousand points; tooltips are escaped layer values.
    ``point_tips`` (one text per point, escaped here) draws each point larger with its text on hover:
    the busiest exact positions with their counts.
    ``None`` when there is nothing to draw.
    """
    frames = []
    if outlines is not None and len(outlines):
        frames.append(outlines.total_bounds)
    if lon is not None and lat is not None and len(lon):
        frames.append(np.array([lon.min(), lat.min(), lon.max(), lat.max()]))
    if not frames:
        return None
    b = np.vstack(frames)
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12, tiles=None, control_scale=False,
                   height=height)
    PlainControls().add_to(m)
    if outlines is not None and len(outlines):
        cols = [c for c in tooltip_columns if c in outlines.columns]
        layer = outlines[[*cols, "geometry"]].copy()
        for c in cols:
            layer[c] = layer[c].astype("string").fillna("")
        data = escaped_features(layer, cols)
        GeoJsonLayer(data, style={"color": OUTLINE, "weight": 1.2, "fillOpacity": 0.05},
                     tooltip=_tooltip(cols, cols) if cols else None).add_to(m)
    if lon is not None and lat is not None and len(lon):
        points = folium.FeatureGroup(name="points")
        tips = list(point_tips) if point_tips is not None else [None] * len(lon)
        for x, y, tip in zip(lon.tolist(), lat.tolist(), tips, strict=True):
            folium.CircleMarker([y, x], radius=2 if tip is None else 7, weight=0 if tip is None else 1, fill=True,
                                fill_color="#d7301f", fill_opacity=0.7, color="#67000d",
                                tooltip=None if tip is None else html.escape(str(tip))).add_to(points)
        points.add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    FocusWithoutScroll().add_to(m)
    return localize(m)
