"""Count maps that follow the zoom: street, community and grid fills, each with its own legend."""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from dashboard.components import maps
from dashboard.components.legend import Legend
from dashboard.components.levels import LevelSwitch, zoom_bands
from dashboard.components.orientation import MapLabels
from dashboard.i18n import map_labels
from geo import schema as s
from geo.cube.levels import Level, present_levels
from geo.sample import load_dataset
from geo.synthetic.district import make_district_grids

BREAKOUT = "</script><script>alert(1)</script>"


def _district() -> gpd.GeoDataFrame:
    """Eight 300 m grids in a row: two streets of two communities each, two grids per community."""
    side = 300 / 111_195
    boxes = [shapely.box(117 + i * side, 31.8, 117 + (i + 1) * side, 31.8 + side) for i in range(8)]
    return gpd.GeoDataFrame({s.GRID_ID: [f"g{i}" for i in range(8)],
                             s.GRID_NAME: [f"第{i}网格" for i in range(8)],
                             s.COMMUNITY: ["东社区", "东社区", "西社区", "西社区", "南社区", "南社区", "北社区", BREAKOUT],
                             s.STREET: ["甲街道"] * 4 + ["乙街道"] * 4}, geometry=boxes, crs=4326)


def _layers(m: maps.folium.Map) -> dict[str, dict]:
    """The GeoJSON of each named layer on ``m``, as the page's script carries it."""
    return {child.layer_name: json.loads(child.data_json) for child in m._children.values()
            if isinstance(child, maps.folium.GeoJson) and getattr(child, "layer_name", None)}


def test_a_count_map_carries_street_and_community_totals_beside_the_grids() -> None:
    grids = _district()
    counts = pd.Series({"g0": 1, "g1": 2, "g2": 3, "g4": 10, "g6": 5, "g7": 4})
    labels = map_labels("zh")
    m = maps.choropleth(grids, counts, labels)
    layers = _layers(m)
    street = layers[f"{labels['choropleth']} · 街道"]
    assert {f["properties"]["street"]: (f["properties"]["count"], f["properties"]["n_grids"])
            for f in street["features"]} == {"甲街道": (6, 4), "乙街道": (19, 4)}
    community = layers[f"{labels['choropleth']} · 社区"]
    by_name = {f["properties"]["community"]: f["properties"]["count"] for f in community["features"]}
    escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert by_name == {"东社区": 3, "西社区": 3, "南社区": 10, "北社区": 5, escaped: 4}
    # one legend per level, each on its own scale, told apart by class for the switch
    legends = [c for c in m._children.values() if isinstance(c, Legend)]
    classes = sorted(json.loads(leg.css_class_json) for leg in legends)
    assert classes == ["gw-legend gw-legend-community", "gw-legend gw-legend-grid", "gw-legend gw-legend-street"]
    street_legend = next(leg for leg in legends if "street" in json.loads(leg.css_class_json))
    body = json.loads(street_legend.body_json)
    assert "各街道问题数" in body and "19" in body
    # two streets (6 and 19), two classes besides the zero swatch, split at their median 12.5 rounded up:
    # no range that no street is in
    assert body.count("<div><span") == 3 and "6–13</div>" in body and "14–19</div>" in body
    switch = [c for c in m._children.values() if isinstance(c, LevelSwitch)]
    assert len(switch) == 1
    bands = switch[0].bands
    assert [b["zoom_to"] for b in bands] == ["true", "true", "false"]  # streets and communities zoom in on a click
    assert bands[0]["lo"] == -1.0 and bands[-1]["hi"] == 99.0
    assert all(a["hi"] == b["lo"] and a["lo"] <= a["hi"] for a, b in itertools.pairwise(bands))


def test_labels_name_the_streets_below_the_street_band_and_text_stays_inert() -> None:
    grids = _district()
    m = maps.choropleth(grids, pd.Series({"g0": 1}), map_labels("en"))
    labels = next(c for c in m._children.values() if isinstance(c, MapLabels))
    bands = zoom_bands(grids, present_levels(grids))
    assert labels.streets_until == f"{bands[0][2]:.3f}"
    assert sorted(r[2] for r in json.loads(labels.streets_json)) == ["乙街道", "甲街道"]
    assert labels.outlines != "null"  # community outlines step aside at street zoom
    html = m.get_root().render()
    assert BREAKOUT not in html


def test_zoom_bands_step_from_streets_to_grids_as_units_get_smaller() -> None:
    grids = make_district_grids(np.random.default_rng(5), n_streets=4)
    bands = zoom_bands(grids, present_levels(grids))
    assert [lv for lv, _, _ in bands] == [Level.STREET, Level.COMMUNITY, Level.GRID]
    (_, s_lo, s_hi), (_, c_lo, c_hi), (_, g_lo, g_hi) = bands
    assert s_lo == -1.0 and s_hi == c_lo and c_hi == g_lo and g_hi == 99.0
    # 300 m grids at 31.8 N are 28 px wide from zoom 13.6; communities of about 25 grids two zooms sooner
    assert 13.4 < g_lo < 13.8 and 1.5 < g_lo - c_lo < 3.0


def test_a_score_map_and_a_one_level_layer_have_no_switch() -> None:
    grids = _district()
    flat = maps.choropleth(grids, pd.Series({"g0": 1}), map_labels("zh"), levels=False)
    assert not [c for c in flat._children.values() if isinstance(c, LevelSwitch)]
    assert len([c for c in flat._children.values() if isinstance(c, Legend)]) == 1
    one = grids.assign(**{s.COMMUNITY: "东社区", s.STREET: "甲街道"})
    alone = maps.choropleth(one, pd.Series({"g0": 1}), map_labels("zh"))
    assert not [c for c in alone._children.values() if isinstance(c, LevelSwitch)]


def test_the_sample_street_steps_from_communities_to_grids_without_streets() -> None:
    data = load_dataset()
    m = maps.choropleth(data.grids, data.issues[s.GRID_ID].value_counts(), map_labels("zh"))
    switch = next(c for c in m._children.values() if isinstance(c, LevelSwitch))
    assert len(switch.bands) == 2
    labels = next(c for c in m._children.values() if isinstance(c, MapLabels))
    assert labels.streets_until == "null" and labels.streets_json == "[]"
    community = next(d for name, d in _layers(m).items() if name.endswith("社区"))
    assert sum(f["properties"]["count"] for f in community["features"]) == data.issues[s.GRID_ID].notna().sum()
