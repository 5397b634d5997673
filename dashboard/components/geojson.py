"""GeoJSON for the maps: ledger text escaped for a tooltip's HTML and for branca's templates, layers styled
in the browser.

Every layer drawn over a map goes through :func:`escaped_features` (its properties, joined as text once)
and :class:`GeoJsonLayer` (its style and bounds). ``folium.GeoJson`` costs a district's map a few tenths
of a second on every rerun, all of it in Python: a style function called per feature and a JavaScript
``switch`` over every feature id, folium walking every coordinate for the bounds, and branca compiling
the rendered script (the whole collection) as a Jinja template. Our layer writes one style, takes the
fill colour from a feature property in the browser, reads the bounds from the RFC 7946 ``bbox``, and
hands its script over as text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.map import ElementAddToElement
from jinja2 import Template

#: Coordinates to 6 decimals (about 0.1 m) keep the payload small without visible change.
DECIMALS: Final = 6


#: Analysis cells (50 m and more) need no finer than 5 decimals (about 1 m): a tenth less payload per cell.
CELL_DECIMALS: Final = 5


def escaped_geojson(frame: gpd.GeoDataFrame, columns: Sequence[str], *, decimals: int = DECIMALS) -> dict[str, Any]:
    """GeoJSON of ``frame`` with only ``columns`` as properties, text HTML-escaped.

    Numbers stay numbers; everything else becomes escaped text (``<NA>`` becomes empty).
    Coordinates are rounded to ``decimals`` (:data:`DECIMALS`). The collection as a dict, for code that
    reads it; a layer takes :func:`escaped_features` (the same collection, serialised once).
    """
    return escaped_features(frame, columns, decimals=decimals).to_dict()


@dataclass(frozen=True)
class FeatureText:
    """A GeoJSON FeatureCollection serialised once, script-safe (as :func:`script_json` writes it).

    A district's cell layer is thousands of features: parsing the text back into dicts only for folium
    to serialise them again cost a tenth of a second on every rerun. :class:`GeoJsonLayer` writes
    ``text`` as it is and shows folium only ``probe``: the collection's type, ``bbox`` and first feature
    (what folium reads of a layer: the tooltip's field check and the bounds).
    """

    text: str
    probe: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The whole collection (the ``\\u`` escapes read back as the characters they stand for)."""
        return json.loads(self.text)


def escaped_features(frame: gpd.GeoDataFrame, columns: Sequence[str], *, decimals: int = DECIMALS) -> FeatureText:
    """:func:`escaped_geojson` as :class:`FeatureText`.

    Column-wise and vectorised (it runs on every rerun of a map page, for up to thousands of cells):
    escaping works on distinct values, geometries go through shapely's array functions, and the
    collection is joined as text, never built as dicts.
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
    props_json = (props.to_json(orient="records", lines=True, force_ascii=False, double_precision=10).splitlines()
                  if len(props.columns) else ["{}"] * len(frame))
    features = [f'{{"type":"Feature","properties":{p},"geometry":{g}}}'
                for p, g in zip(props_json, geometry_json, strict=True)]
    probe = with_bbox({"type": "FeatureCollection", "features": [json.loads(f) for f in features[:1]]},
                      shapely.total_bounds(geoms))
    bbox = f',"bbox":{json.dumps(probe["bbox"])}' if "bbox" in probe else ""
    return FeatureText(script_safe(f'{{"type":"FeatureCollection","features":[{",".join(features)}]{bbox}}}'), probe)


def html_text(text: str) -> str:
    """``text`` for a tooltip's HTML: escaped, and with ``{`` as ``&#123;`` so no Jinja delimiter survives
    (a map's data is rendered inside branca's templates; see :mod:`dashboard.components.view`).

    >>> html_text("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;&#123;&#123; 7*7 }}&lt;/b&gt;'
    """
    return html.escape(text).replace("{", "&#123;")


class GeoJsonLayer(folium.GeoJson):
    """A GeoJSON layer with one ``style`` for every feature, the fill colour read from the feature's
    ``fill_from`` property in the browser, and ``highlight`` under the pointer (see the module docstring).

    Still a ``folium.GeoJson`` for what builds on one: folium's tooltips, st_folium's clicks,
    ``resetStyle``. Bounds come from the collection's ``bbox`` (RFC 7946) when it has one. ``data`` is the
    collection or its :class:`FeatureText` (written into the script as it is).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
            style: function (feature) {
                var style = Object.assign({}, {{ this.style_json }});
                {%- if this.fill_from_json %}
                style.fillColor = feature.properties[{{ this.fill_from_json }}];
                {%- endif %}
                return style;
            },
            {%- if this.highlight_json %}
            onEachFeature: function (feature, layer) {
                layer.on({
                    mouseover: function (e) { e.target.setStyle({{ this.highlight_json }}); },
                    mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); }
                });
            },
            {%- endif %}
            {%- if this.pane_json %}
            pane: {{ this.pane_json }},
            {%- endif %}
            {%- if this.circles %}
            pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, {radius: 3}); },
            {%- endif %}
            interactive: {{ this.interactive_js }}
        });
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any] | FeatureText, *, style: Mapping[str, Any] | None = None,
                 fill_from: str | None = None, highlight: Mapping[str, Any] | None = None, name: str | None = None,
                 tooltip: folium.GeoJsonTooltip | None = None, interactive: bool = True, pane: str | None = None,
                 circles: bool = False) -> None:
        text = data.text if isinstance(data, FeatureText) else None
        super().__init__(data.probe if isinstance(data, FeatureText) else data, name=name, tooltip=tooltip)
        self._name = "GeoJson"
        self.style_json = script_json(dict(style or {}))
        self.fill_from_json = script_json(fill_from) if fill_from else ""
        self.highlight_json = script_json(dict(highlight)) if highlight else ""
        self.interactive_js = "true" if interactive else "false"
        # ``pane``: a Leaflet pane to draw in (reference layers sit between fills and labels); ``circles``:
        # points as small circles (Leaflet's default marker needs an image we do not ship).
        self.pane_json = script_json(pane) if pane else ""
        self.circles = circles
        self._data_json: str | None = text

    @property
    def data_json(self) -> str:
        """The collection as script-safe JSON, serialised once (st_folium asks for the script twice)."""
        if self._data_json is None:
            self._data_json = script_json(self.data)
        return self._data_json

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement: renders into the figure
        """As ``folium.Layer.render``, but the script goes to the figure as text, not as a template.

        branca's ``MacroElement.render`` wraps the rendered script in an ``Element``, which compiles it
        as a Jinja template: for a district's cell layer that is a megabyte lexed on every rerun.
        """
        render_as_text(self, **kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        bbox = self.data.get("bbox") if isinstance(self.data, dict) else None
        if bbox is not None and len(bbox) == 4:
            west, south, east, north = bbox
            return [[south, west], [north, east]]
        return super()._get_self_bounds()


def render_as_text(layer: MacroElement, **kwargs: Any) -> None:
    """Render ``layer`` (a layer on a map) as ``folium.Layer.render`` does, its script added as text.

    The layer is added to its parent (``ElementAddToElement``), its ``_template``'s script macro goes
    to the figure as a :class:`RenderedScript`, and its children render after it.
    """
    assert layer._parent is not None, "a layer renders on a map"
    layer.add_child(ElementAddToElement(element_name=layer.get_name(), element_parent_name=layer._parent.get_name()),
                    name=layer.get_name() + "_add")
    figure = layer.get_root()
    assert isinstance(figure, Figure), "a layer renders inside a map's figure"
    figure.script.add_child(RenderedScript(layer._template.module.script(layer, kwargs)), name=layer.get_name())
    for child in list(layer._children.values()):
        child.render(**kwargs)


class RenderedScript(Element):
    """Script text that is already rendered: kept as is (``Element(text)`` would compile it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


def script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element and inside a Jinja template: ``<``, ``>``, ``&`` and the ``{``
    that opens a Jinja delimiter (``{{``, ``{%``, ``{#``) as ``\\u`` escapes.

    A grid named ``</script><script>alert(1)</script>`` would otherwise end our script and start its own;
    one named ``{{ 7*7 }}`` would be evaluated wherever branca renders a map's whole figure (see
    :mod:`dashboard.components.view`). JSON's own braces never open a delimiter, so only text changes.

    >>> script_json(["</script>", "{{ 7*7 }}"])
    '["\\\\u003c/script\\\\u003e", "\\\\u007b{ 7*7 }}"]'
    """
    return script_safe(json.dumps(value, ensure_ascii=False))


def script_safe(text: str) -> str:
    """JSON text as :func:`script_json` writes it (``<``, ``>``, ``&`` and a Jinja-opening ``{`` escaped)."""
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return JINJA_OPEN.sub(r"\\u007b", text)


#: A ``{`` that starts a Jinja delimiter: ``{{``, ``{%`` or ``{#``.
JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def with_bbox(doc: dict[str, Any], bounds: np.ndarray) -> dict[str, Any]:
    """``doc`` with the ``bbox`` member ``bounds`` (west, south, east, north), unless they are not finite (nothing drawn)."""
    if np.all(np.isfinite(bounds)):
        doc["bbox"] = [float(v) for v in bounds]
    return doc
