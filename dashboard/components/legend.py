"""Colour classes and legend boxes of our maps: quantile classes over a sequential palette, and
static HTML controls (legend, KPI overlay) whose text is escaped before it reaches the page.

No Streamlit here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from dashboard.components.geojson import script_json

#: ColorBrewer YlOrRd (sequential; distinguishable by lightness for colour-blind readers).
PALETTE: Final = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
ZERO_COLOUR: Final = "#f0f0f0"


def class_breaks(values: np.ndarray, n_classes: int = len(PALETTE)) -> np.ndarray:
    """Upper bounds of up to ``n_classes`` quantile classes over the positive values.

    Quantiles (not equal intervals) because issue counts are skewed: one market grid would
    otherwise put every other grid in the lowest class.
    """
    positive = np.asarray(values, dtype=float)
    positive = positive[positive > 0]
    if positive.size == 0:
        return np.array([], dtype=float)
    qs = np.quantile(positive, np.linspace(0, 1, n_classes + 1)[1:])
    return np.unique(np.ceil(qs))


def colour_for(value: float, breaks: np.ndarray) -> str:
    """Palette colour of ``value`` given upper class bounds (grey for zero)."""
    if value <= 0 or breaks.size == 0:
        return ZERO_COLOUR
    idx = int(np.searchsorted(breaks, value, side="left"))
    offset = len(PALETTE) - len(breaks)  # few classes use the darker end of the palette
    return PALETTE[min(offset + idx, len(PALETTE) - 1)]


class HtmlControl(MacroElement):
    """A static box of our own HTML drawn as a Leaflet control (no plugin, no CDN).

    ``body`` must already be escaped HTML; it travels as a JSON string literal.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var box = L.control({position: {{ this.position_json }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class_json }});
                div.innerHTML = {{ this.body_json }};
                div.style.cssText = {{ this.style_json }};
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, body: str, *, position: str, css_class: str, style: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.body_json = script_json(body)
        self.position_json = script_json(position)
        self.css_class_json = script_json(css_class)
        self.style_json = script_json(style)


class Legend(HtmlControl):
    """The legend box (bottom right): a title and colour swatches with escaped labels."""

    def __init__(self, title: str, items: Sequence[tuple[str, str]], *, css_class: str = "") -> None:
        rows = "".join(
            f'<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
            f'background:{colour};border:1px solid #999"></span>{html.escape(label)}</div>'
            for colour, label in items
        )
        super().__init__(f"<b>{html.escape(title)}</b>{rows}", position="bottomright",
                         css_class=f"gw-legend {css_class}".strip(),
                         style="background:rgba(255,255,255,.92);padding:6px 9px;font:12px/1.5 sans-serif;"
                               "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)")
        self._name = "Legend"


class KpiOverlay(HtmlControl):
    """Large KPI figures drawn over the map (top left), for the command-centre screen. Text is escaped."""

    def __init__(self, title: str, items: Sequence[tuple[str, str]]) -> None:
        rows = "".join(f'<div style="margin-top:6px"><span style="color:#555">{html.escape(label)}</span>'
                       f'<br><b style="font-size:30px">{html.escape(value)}</b></div>' for label, value in items)
        super().__init__(f"<b style='font-size:18px'>{html.escape(title)}</b>{rows}", position="topleft",
                         css_class="gw-kpis",
                         style="background:rgba(255,255,255,.93);padding:10px 16px;border-radius:6px;"
                               "font:16px/1.35 sans-serif;box-shadow:0 1px 6px rgba(0,0,0,.35);margin-left:54px")
        self._name = "KpiOverlay"


def count_classes(counts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The colour of each count and the class bounds behind them (:func:`class_breaks`).

    No more classes than distinct positive counts: four streets get at most four classes, so the legend
    never lists a range that no unit is in.
    """
    distinct = len(np.unique(counts[counts > 0]))
    breaks = class_breaks(counts, n_classes=max(1, min(len(PALETTE), distinct)))
    return [colour_for(v, breaks) for v in counts], breaks


def count_legend(counts: np.ndarray, breaks: np.ndarray, title: str, css_class: str = "") -> Legend:
    """The legend of :func:`count_classes`: grey for 0, then each class's range of counts."""
    items = [(ZERO_COLOUR, "0")]
    positive = counts[counts > 0]
    lower = int(positive.min()) if len(positive) else 1
    offset = len(PALETTE) - len(breaks)
    for i, upper in enumerate(breaks):
        items.append((PALETTE[offset + i], f"{lower}–{int(upper)}" if upper > lower else f"{lower}"))
        lower = int(upper) + 1
    return Legend(title, items, css_class=css_class)
