"""The heat layer: Leaflet.heat rows sent as one array, serialised once.

``folium.plugins.HeatMap`` validates every point in Python (``validate_location`` per row), finds its
bounds by walking them, and renders the rows through Jinja's ``tojson`` into a template branca then
compiles: for the 29,000 heat points of a million-issue district, 0.45 s of 地图's rerun under the
profiler, most of its filter change. :class:`HeatLayer` is still a ``HeatMap`` (the same script, the plugin's JavaScript
served by the app), but checks the rows as one NumPy array, takes the bounds from their extremes and
hands its script to the figure as text (:func:`dashboard.components.geojson.render_as_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from branca.element import Figure, JavascriptLink
from folium.plugins import HeatMap
from jinja2 import Template

from dashboard.components.geojson import render_as_text, script_json


class HeatLayer(HeatMap):
    """Leaflet.heat over ``rows`` (``[lat, lon, intensity]``, finite), with ``HeatMap``'s options.

    Raises
    ------
    ValueError
        When a row is not three finite numbers.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.heatLayer({{ this.rows_json }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: np.ndarray, *, name: str | None = None, min_opacity: float = 0.5,
                 max_zoom: int = 18, radius: int = 25, blur: int = 15,
                 gradient: Mapping[float, str] | None = None) -> None:
        # HeatMap's own __init__ validates row by row; the Layer underneath is set up as it would.
        super(HeatMap, self).__init__(name=name, overlay=True, control=True, show=True)
        self._name = "HeatMap"
        array = np.asarray(rows, dtype=float).reshape(-1, 3)
        if not np.isfinite(array).all():
            raise ValueError("heat rows must be finite [lat, lon, intensity]")
        self.rows = array
        self.rows_json = script_json(array.tolist())
        # Leaflet.heat's option names (HeatMap camel-cases its keyword arguments); a gradient's stops as keys.
        options: dict[str, Any] = {"minOpacity": min_opacity, "maxZoom": max_zoom, "radius": radius, "blur": blur}
        if gradient:
            options["gradient"] = {str(stop): colour for stop, colour in gradient.items()}
        self.options_json = script_json(options)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement: renders into the figure
        """The plugin's script link, as ``JSCSSMixin`` adds it, then the layer's script as text."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "a layer renders inside a map's figure"
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        render_as_text(self, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        if not len(self.rows):
            return [[None, None], [None, None]]
        low, high = self.rows[:, :2].min(axis=0), self.rows[:, :2].max(axis=0)
        return [[float(low[0]), float(low[1])], [float(high[0]), float(high[1])]]
