"""Choropleth levels that follow the zoom: streets, then communities, then grids.

At a district's whole extent its 1,200 grids are a few pixels each and the grid choropleth is a
speckle; the leader reads it street by street. So a count map carries one fill layer per level of the
hierarchy (:mod:`geo.cube.levels`) and shows the finest level whose median unit is readable on screen
at the current zoom, with that level's own legend (a street's total is not on a grid's scale). A click
on a street or community zooms to it; grids keep their click (it selects the grid).

The payload is bounded by the grid layer: streets and communities add their unions, a few percent of
it (checked in the scale benchmark against the 2 MB budget). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from dashboard.components.geojson import GeoJsonLayer, escaped_features, html_text, script_json
from dashboard.components.legend import count_classes, count_legend
from dashboard.components.orientation import COMMUNITY_LINE
from geo.cube.levels import N_GRIDS, Level, level_shapes, level_totals, present_levels, readable_zoom

#: A unit shows once its median member is this wide on screen (enough for a patch of colour to read).
READABLE_PIXELS: Final = 28.0


@dataclass(frozen=True)
class Band:
    """A level's fill layer and legend, shown for zooms in ``[lo, hi)``."""

    level: Level
    layer: folium.GeoJson
    legend_class: str
    lo: float
    hi: float


def zoom_bands(grids: gpd.GeoDataFrame, levels: Sequence[Level]) -> list[tuple[Level, float, float]]:
    """``(level, lo, hi)`` per level, coarsest first: each level from the zoom its units become readable
    until the next finer level's does; the coarsest from any zoom out, the grids to any zoom in.

    A level whose units are no larger on screen than the next one's (a street of one community) gets an
    empty band and never shows.
    """
    starts = [-1.0] + [readable_zoom(level_shapes(grids, lv), min_pixels=READABLE_PIXELS) for lv in levels[1:]]
    starts = [float(z) for z in np.maximum.accumulate(starts)]  # finer levels never start before coarser ones
    return [(lv, lo, hi) for lv, lo, hi in zip(levels, starts, [*starts[1:], 99.0], strict=True)]


def fill_class(level: Level) -> str:
    """The CSS class of a level's fill paths (how the browser tests tell the levels apart)."""
    return f"gw-fill-{level.name.lower()}"


def legend_class(level: Level) -> str:
    """The CSS class of a level's legend box (the switch shows and hides it with its layer)."""
    return f"gw-legend-{level.name.lower()}"


def add_level_fills(m: folium.Map, grids: gpd.GeoDataFrame, values: pd.Series,
                    labels: Mapping[str, str]) -> list[Band]:
    """The street and community fill layers of an additive per-grid measure ``values`` (by grid id).

    Classed and explained like the grid choropleth (:func:`~dashboard.components.legend.count_classes`),
    each level on its own scale. Returns one :class:`Band` per level added, coarsest first (none when
    the grids tell no street or community apart).
    """
    levels = present_levels(grids)
    bands: list[Band] = []
    for level, lo, hi in zoom_bands(grids, levels)[:-1]:
        if hi <= lo:
            continue  # never readable before the next level is: not worth its payload
        shapes = level_shapes(grids, level)
        totals = level_totals(values, grids, level).reindex(shapes[level.value]).fillna(0)
        shapes["count"] = totals.to_numpy().astype(int)
        colours, breaks = count_classes(shapes["count"].to_numpy())
        shapes["colour"] = colours
        name = labels[level.name.lower()]
        layer = GeoJsonLayer(
            escaped_features(shapes, [level.value, "count", N_GRIDS, "colour"]),
            name=f"{labels['choropleth']} · {name}",
            style={"color": COMMUNITY_LINE, "weight": 2.2, "fillOpacity": 0.78, "className": fill_class(level)},
            fill_from="colour", highlight={"weight": 4, "color": "#08519c"},
            tooltip=folium.GeoJsonTooltip(fields=[level.value, "count", N_GRIDS], sticky=True,
                                          aliases=[html_text(a) for a in (name, labels["count"], labels["n_grids"])]),
        )
        layer.add_to(m)
        count_legend(shapes["count"].to_numpy(), breaks, labels[f"count_legend_{level.name.lower()}"],
                     legend_class(level)).add_to(m)
        bands.append(Band(level, layer, legend_class(level), lo, hi))
    return bands


def grid_band(bands: Sequence[Band], layer: folium.GeoJson) -> Band:
    """The grid layer's band: from where the finest coarser band ends, to any zoom in."""
    return Band(Level.GRID, layer, legend_class(Level.GRID), bands[-1].hi if bands else -1.0, 99.0)


def street_band_end(bands: Sequence[Band]) -> float | None:
    """The zoom where streets give way to communities (labels name streets below it), if streets show."""
    return next((b.hi for b in bands if b.level is Level.STREET and b.hi > b.lo), None)


class LevelSwitch(MacroElement):
    """Shows the band of the current zoom (layer and legend), hides the others; a click on a street or
    community zooms to it. Layers are re-added beneath everything else, so outlines, labels and the
    highlight stay on top."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map, bands) {
            function show() {
                var z = map.getZoom();
                bands.forEach(function (b) {
                    var on = z >= b.lo && z < b.hi;
                    if (on && !map.hasLayer(b.layer)) { b.layer.addTo(map); b.layer.bringToBack(); }
                    if (!on && map.hasLayer(b.layer)) { map.removeLayer(b.layer); }
                    var boxes = map.getContainer().querySelectorAll("." + b.legend);
                    for (var i = 0; i < boxes.length; i++) { boxes[i].style.display = on ? "" : "none"; }
                });
            }
            bands.forEach(function (b) {
                if (!b.zoomTo) { return; }
                b.layer.on("click", function (e) {
                    map.fitBounds(e.layer.getBounds(), {padding: [12, 12], maxZoom: Math.max(b.hi, map.getZoom() + 1)});
                });
            });
            map.on("zoomend", show);
            map.whenReady(show);
        })({{ this._parent.get_name() }}, [
            {% for b in this.bands %}{layer: {{ b.layer }}, legend: {{ b.legend }}, lo: {{ b.lo }}, hi: {{ b.hi }},
             zoomTo: {{ b.zoom_to }}},{% endfor %}
        ]);
        {% endmacro %}
        """
    )

    def __init__(self, bands: Sequence[Band]) -> None:
        super().__init__()
        self._name = "LevelSwitch"
        self.bands = [{"layer": b.layer.get_name(), "legend": script_json(b.legend_class), "lo": round(b.lo, 3),
                       "hi": round(b.hi, 3), "zoom_to": "true" if b.level is not Level.GRID else "false"}
                      for b in bands]
