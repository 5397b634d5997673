"""Showing a folium map in the page: the one place that calls ``st_folium``.

``st_folium(render=True)`` (its default) renders the whole branca figure first. branca wraps every
element's rendered script in a new ``Element`` and compiles it as a Jinja template, then renders it
again: any ``{{ ... }}`` in user text (a grid name, an address) was evaluated on the server, a
template injection, and a district's 1.2 MB cell layer was lexed twice per rerun (0.2 s). The map
needs none of it: ``st_folium`` takes the script of each element, the header and the html itself.
So maps are shown with ``render=False``, and the text escaping (``geojson.escaped_geojson``,
``geojson.script_json``) also breaks Jinja's delimiters, for any code that renders a root.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
from streamlit_folium import st_folium


def show_map(m: folium.Map, *, key: str, height: int, returned_objects: Sequence[str] = ()) -> dict[str, Any] | None:
    """Draw ``m`` across the column; returns what ``returned_objects`` asks of the browser (clicks)."""
    return st_folium(m, key=key, height=height, use_container_width=True, returned_objects=list(returned_objects),
                     render=False)
