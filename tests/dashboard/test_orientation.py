"""Orientation on maps: labels, community outlines, priority numbers, cells named by grid, the case layer."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from dashboard.components import maps
from dashboard.components.orientation import CaseLayer, MapLabels, add_cases, cell_places, short_label
from dashboard.i18n import map_labels
from geo import schema as s
from geo.cube.dataset import Dataset

BREAKOUT = "</script><script>alert(1)</script>"


def _grids() -> gpd.GeoDataFrame:
    """Four squares in two communities: east (A, B) and west (C, D); B is the widest."""
    boxes = [shapely.box(0.010, 0, 0.020, 0.01), shapely.box(0.020, 0, 0.035, 0.01),
             shapely.box(-0.010, 0, 0.0, 0.01), shapely.box(0.0, 0, 0.010, 0.01)]
    return gpd.GeoDataFrame({s.GRID_ID: ["A", "B", "C", "D"],
                             s.GRID_NAME: ["东区第1网格", "东区第2网格", "西区第1网格", BREAKOUT],
                             s.COMMUNITY: ["东区", "东区", "西区", "西区"]}, geometry=boxes, crs=4326)


def _script_data(html: str, element: str, name: str) -> object:
    """The JSON a MacroElement embedded as ``var name = ...`` in the rendered page."""
    block = html[html.index(f"var {name} = ", html.index(element) if element in html else 0):]
    text = block[len(f"var {name} = "):]
    return json.JSONDecoder().raw_decode(text)[0]


def test_short_labels_drop_the_community_prefix_only_when_it_is_one() -> None:
    assert short_label("青石社区第4网格", "青石社区") == "第4网格"
    assert short_label("青石社区", "青石社区") == "青石社区"  # nothing would be left
    assert short_label("Lakeside 3", None) == "Lakeside 3"


def test_labels_priority_numbers_and_their_text_cannot_break_out_of_the_script() -> None:
    grids = _grids()
    m = maps.choropleth(grids, pd.Series({"A": 3, "B": 9}), map_labels("zh"), priority=["B", "D"])
    html = m.get_root().render()
    assert BREAKOUT not in html and "\\u003c/script\\u003e" in html
    labels = [e for e in m._children.values() if isinstance(e, MapLabels)]
    assert len(labels) == 1
    rows = json.loads(labels[0].grids_json)
    # Widest first (it wins a collision); the community prefix dropped; the breakout name kept as text.
    assert [r[2] for r in rows] == ["第2网格", "第1网格", "第1网格", BREAKOUT]
    assert [r[2] for r in json.loads(labels[0].communities_json)] == ["东区", "西区"]
    # The numbers of the list: 1 on B, 2 on D, each at a point inside its grid, and labels keep clear of them.
    ranks = json.loads(labels[0].ranks_json)
    assert [r[2:] for r in ranks] == [[1, "东区第2网格"], [2, BREAKOUT]]
    assert shapely.contains_xy(grids.geometry[1], *ranks[0][:2]) and shapely.contains_xy(grids.geometry[3], *ranks[1][:2])
    assert "setIcon" not in html  # no folium marker (created with Leaflet's default image icon, then fetched)


def test_cells_are_named_by_the_grid_holding_their_centre_and_its_part(sample: Dataset) -> None:
    grids = _grids()
    cells = gpd.GeoDataFrame(geometry=[shapely.box(0.033, 0.008, 0.034, 0.009),   # B's north-east corner
                                       shapely.box(-0.0055, 0.0045, -0.0045, 0.0055),  # C's centre
                                       shapely.box(0.0, -0.003, 0.001, -0.002)],  # outside: nearest is D (or C)
                             crs=4326)
    places = cell_places(cells, grids)
    assert places[s.GRID_ID].tolist()[:2] == ["B", "C"] and places["part"].tolist()[:2] == ["ne", "c"]
    assert places[s.GRID_ID].iloc[2] in {"C", "D"} and places["part"].iloc[2] in {"s", "se", "sw"}
    # On the sample street every 100 m cell centre inside the street is named by the grid that holds it.
    from geo.stats.hotspot_analysis import run_hotspots

    units = run_hotspots(sample, cells="square", cell_size_m=100.0).units.to_crs(4326)
    named = cell_places(units, sample.grids)
    held = gpd.sjoin(gpd.GeoDataFrame(geometry=shapely.centroid(units.geometry.to_numpy()), crs=4326),
                     sample.grids[[s.GRID_ID, "geometry"]], predicate="within", how="inner")
    assert len(held) > 0.85 * len(units)  # cells along the edge have their centre outside
    assert (named[s.GRID_ID].to_numpy()[held.index] == held[s.GRID_ID].to_numpy()).mean() > 0.99


def test_the_case_layer_sends_only_the_cases_given_as_text() -> None:
    m = maps.choropleth(_grids(), pd.Series(dtype=int), map_labels("zh"))
    before = m.get_root().render().count("innerHTML")
    cases = pd.DataFrame({"lat": [0.005, 0.006], "lon": [0.015, 0.025], "category": ["litter", "parking"],
                          s.ISSUE_ID: ["Q1", "Q2"], s.ADDRESS: [BREAKOUT, None]})
    add_cases(m, cases, {s.ISSUE_ID: "问题编号", s.ADDRESS: "地址"})
    layer = next(e for e in m._children.values() if isinstance(e, CaseLayer))
    rows = json.loads(layer.rows_json)
    assert rows == [[0.005, 0.015, 0, "Q1", BREAKOUT], [0.006, 0.025, 1, "Q2", ""]]
    html = m.get_root().render()
    # The popup is built with textContent: the layer adds no innerHTML to the page.
    assert BREAKOUT not in html and html.count("innerHTML") == before and "textContent" in html
