"""Map components: offline assets, escaped text, bounded payloads, honest legends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from folium.plugins import MarkerCluster

from dashboard import assets
from dashboard.components import legend, maps
from dashboard.components.geojson import GeoJsonLayer, escaped_features, escaped_geojson
from dashboard.i18n import map_labels
from geo import schema as s
from geo.cube.analysis import heat_of, run_analysis
from geo.cube.dataset import Dataset
from geo.cube.filter import ALL, IssueFilter
from tests.conftest import square_grids

EVIL = '<img src=x onerror=alert(1)>'
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def rendered(m: folium.Map) -> str:
    return m.get_root().render()


def test_heatmap_loads_only_local_assets(sample: Dataset) -> None:
    result = run_analysis(sample)
    html = rendered(maps.heatmap(result.grids, heat_of(sample, IssueFilter(), ALL), map_labels("zh")))
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "/app/static/vendor/leaflet-heat/leaflet_heat.min.js" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    # The heat ramp is ColorBrewer YlOrRd, in the layer and in its legend, not Leaflet.heat's rainbow.
    gradient = re.search(r'"gradient": \{(.*?)\}', html, re.S)
    assert gradient is not None and re.findall(r'"?([\d.]+)"?: "(#\w+)"', gradient.group(1)) == [
        ("0.25", "#ffffb2"), ("0.4", "#fed976"), ("0.55", "#feb24c"), ("0.7", "#fd8d3c"), ("0.85", "#f03b20"),
        ("1.0", "#bd0026")]
    assert all(c in html for c in legend.PALETTE) and "#00ff00" not in html and "#0000ff" not in html


def test_choropleth_loads_only_local_assets(sample: Dataset) -> None:
    result = run_analysis(sample)
    counts = result.grid_counts.set_index(s.GRID_ID)["count"]
    html = rendered(maps.choropleth(result.grids, counts, map_labels("en")))
    assert not EXTERNAL.search(html)
    assert "Issues" in html  # the English legend title


def test_an_asset_without_a_local_copy_is_refused() -> None:
    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)  # needs leaflet.markercluster, which is not vendored
    with pytest.raises(assets.OfflineAssetError, match="markercluster"):
        assets.localize(m)


def test_every_local_url_points_at_a_copied_file(tmp_path: Path) -> None:
    vendor = assets.ensure_assets(tmp_path / "vendor")
    for url in filter(None, assets._LOCAL_URLS.values()):
        rel = url.removeprefix(assets.URL_PREFIX + "/")
        assert (vendor / rel).is_file(), rel
    assert (vendor / "leaflet/images/marker-icon.png").is_file()
    # Idempotent: a second call copies nothing new and keeps the files.
    before = {p: p.stat().st_mtime_ns for p in vendor.rglob("*") if p.is_file()}
    assets.ensure_assets(vendor)
    assert before == {p: p.stat().st_mtime_ns for p in vendor.rglob("*") if p.is_file()}


def hostile_grids() -> gpd.GeoDataFrame:
    grids = square_grids()
    grids[s.GRID_NAME] = [EVIL, "正常", "a&b", '"quoted"']
    grids[s.COMMUNITY] = ["<script>alert(2)</script>", "东", "西", "西"]
    return grids


def test_ledger_text_is_escaped_in_tooltips_and_legends() -> None:
    grids = hostile_grids()
    counts = pd.Series([3, 0, 1, 7], index=grids[s.GRID_ID])
    html = rendered(maps.choropleth(grids, counts, {**map_labels("zh"), "count_legend_title": "<b>x</b>",
                                                   "count_legend_grid": "<b>x</b>"}))
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    # Inside the GeoJSON, Jinja's tojson writes "&" as \u0026: in JS the value is "&lt;img …&gt;".
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    # (pandas writes "/" as "\/" in JSON text: the same string in JS)
    assert re.search(r"\\u0026lt;script\\u0026gt;alert\(2\)\\u0026lt;\\?/script\\u0026gt;", html)
    # Even our own labels are escaped in the legend (its HTML travels as script JSON: "&" as \u0026).
    assert "\\u0026lt;b\\u0026gt;x\\u0026lt;/b\\u0026gt;" in html


def test_escaped_geojson_keeps_numbers_and_blanks_missing_text() -> None:
    grids = square_grids()
    grids["n"] = [1, 2, 3, 4]
    grids.loc[0, s.COMMUNITY] = None
    doc = escaped_geojson(grids, [s.GRID_ID, s.COMMUNITY, "n"])
    props = [f["properties"] for f in doc["features"]]
    assert props[0] == {s.GRID_ID: "B", s.COMMUNITY: "", "n": 1}
    assert isinstance(props[3]["n"], int)


def test_a_layer_writes_its_features_once_as_script_safe_text() -> None:
    """The features reach the script as the text they were joined into (no dicts in between), escaped for a
    tooltip's HTML and for the script and branca's templates; folium sees one feature and the bbox."""
    grids = square_grids()
    grids[s.GRID_NAME] = ["</script><b>", "{{ 7*7 }}", "{% if 1 %}", "a&b"]
    features = escaped_features(grids, [s.GRID_ID, s.GRID_NAME])
    assert not re.search(r"[<>&]|\{[{%#]", features.text)
    names = {f["properties"][s.GRID_ID]: f["properties"][s.GRID_NAME] for f in features.to_dict()["features"]}
    assert names == {"B": "&lt;/script&gt;&lt;b&gt;", "A": "&#123;&#123; 7*7 }}", "D": "&#123;% if 1 %}", "C": "a&amp;b"}
    m = folium.Map(location=[1, 1], zoom_start=5, tiles=None)
    layer = GeoJsonLayer(features, tooltip=folium.GeoJsonTooltip(fields=[s.GRID_NAME]))
    layer.add_to(m)
    html = m.get_root().render()
    assert html.count(features.text) == 1 and len(layer.data["features"]) == 1
    assert layer.get_bounds() == [[0.0, 0.0], [2.0, 2.0]]
    # folium still checks a tooltip's fields against the features' properties
    with pytest.raises(AssertionError, match="not available"):
        other = folium.Map(location=[1, 1], zoom_start=5, tiles=None)
        GeoJsonLayer(features, tooltip=folium.GeoJsonTooltip(fields=["cadres"])).add_to(other)
        other.get_root().render()


def test_heat_intensity_is_scaled_to_one_and_rounded(sample: Dataset) -> None:
    payload = heat_of(sample, IssueFilter(), ALL)
    rows = np.array(maps.heat_intensity(payload))
    assert rows.shape == payload.points.shape
    assert rows[:, 2].max() == 1.0 and rows[:, 2].min() > 0
    assert np.allclose(rows[:, :2], payload.points[:, :2], atol=1e-6)


def test_the_heat_layer_is_folium_s_heat_map_without_its_python_walk(sample: Dataset) -> None:
    """The same rows, options, bounds and plugin as ``folium.plugins.HeatMap``, checked as one array and
    written into the page as text (folium validated each row and compiled the rows as a template)."""
    from folium.plugins import HeatMap

    from dashboard.components.geojson import RenderedScript
    from dashboard.components.heat import HeatLayer

    rows = maps.heat_intensity(heat_of(sample, IssueFilter(), ALL))
    ours, theirs = folium.Map(tiles=None), folium.Map(tiles=None)
    layer = HeatLayer(rows, name="h", radius=18, blur=14, min_opacity=0.25, max_zoom=17, gradient=maps.HEAT_GRADIENT)
    layer.add_to(ours)
    folium_layer = HeatMap(rows.tolist(), name="h", radius=18, blur=14, min_opacity=0.25, max_zoom=17,
                           gradient=maps.HEAT_GRADIENT)
    folium_layer.add_to(theirs)
    assert layer.get_bounds() == folium_layer.get_bounds()
    html = rendered(ours)
    assert isinstance(ours.get_root().script._children[layer.get_name()], RenderedScript)
    call = re.search(r"L\.heatLayer\((\[.*?\]\]), (\{.*?\}\})\);", html, re.S)
    assert call is not None
    assert np.array_equal(np.array(json.loads(call.group(1))), rows)
    assert json.loads(call.group(2)) == {"minOpacity": 0.25, "maxZoom": 17, "radius": 18, "blur": 14,
                                         "gradient": {str(k): v for k, v in maps.HEAT_GRADIENT.items()}}
    assert html.count("leaflet_heat.min.js") == 1  # the plugin's script, linked as HeatMap links it
    with pytest.raises(ValueError, match="finite"):
        HeatLayer(np.array([[31.8, float("nan"), 1.0]]))
    empty = HeatLayer(np.empty((0, 3)))
    assert empty.get_bounds() == [[None, None], [None, None]]


def test_class_breaks_and_colours() -> None:
    breaks = legend.class_breaks(np.array([0, 0, 1, 2, 3, 4, 5, 6, 100]))
    assert breaks[-1] == 100 and list(breaks) == sorted(set(breaks))
    assert legend.colour_for(0, breaks) == legend.ZERO_COLOUR
    assert legend.colour_for(100, breaks) == legend.PALETTE[-1]
    assert legend.colour_for(1, breaks) != legend.colour_for(100, breaks)
    # A single non-zero value uses the darkest colour, not the palest.
    one = legend.class_breaks(np.array([0, 5]))
    assert legend.colour_for(5, one) == legend.PALETTE[-1]
    assert legend.class_breaks(np.zeros(3)).size == 0


def test_plain_keeps_ledger_text_literal_in_markdown() -> None:
    from dashboard.components.text import plain

    evil = "![x](http://evil.example/a.png) <b>粗</b> [点我](javascript:alert(1)) *强调*"
    escaped = plain(evil)
    assert "\\!\\[x\\]\\(http\\:" in escaped and "\\<b\\>" in escaped and "\\*强调\\*" in escaped
    # Every special character is escaped, so no markdown construct survives (the browser test renders it).
    assert not any(ch in escaped.replace("\\" + ch, "") for ch in "![]()<>*")


def test_amap_basemap_shifts_what_we_draw_to_gcj02(sample: Dataset) -> None:
    import pandas as pd

    from dashboard.components.maps import BASEMAPS, choropleth
    from geo.crs import wgs84_to_gcj02

    labels = map_labels("zh")
    counts = pd.Series(dtype=int)
    plain_map = choropleth(sample.grids, counts, labels).get_root().render()
    amap = choropleth(sample.grids, counts, labels, tiles=BASEMAPS["amap"]).get_root().render()
    assert "autonavi.com" not in plain_map and "tile.openstreetmap" not in plain_map
    assert "webrd0{s}.is.autonavi.com" in amap
    assert "高德地图".encode("unicode_escape").decode() in amap  # the attribution (JSON-escaped in the page)
    # The first grid's first vertex, shifted exactly as the GCJ-02 forward transform says (Hefei: ~0.5 km).
    x, y = sample.grids.geometry.iloc[0].exterior.coords[0]
    gx, gy = wgs84_to_gcj02(np.array([x]), np.array([y]))
    assert f"[{gx[0]:.6f},{gy[0]:.6f}]".replace(".000000", "") in amap.replace(" ", "") or \
        f"[{round(gx[0], 6)},{round(gy[0], 6)}]" in amap.replace(" ", "")
    assert f"[{round(x, 6)},{round(y, 6)}]" not in amap.replace(" ", "")
    shift_m = np.hypot((gx[0] - x) * 94_500, (gy[0] - y) * 111_000)
    assert 300 < shift_m < 800
    osm = choropleth(sample.grids, counts, labels, tiles=BASEMAPS["osm"]).get_root().render()
    assert "tile.openstreetmap.org" in osm and f"[{round(x, 6)},{round(y, 6)}]" in osm.replace(" ", "")


def test_playback_payload_is_bounded_by_grids_and_weeks(sample: Dataset) -> None:
    import json as _json

    result = run_analysis(sample)
    weekly = result.cube.pivot_table(index="period_start", columns="grid_id", values="count", aggfunc="sum")
    weekly.index = [d.strftime("%Y-%m-%d") for d in weekly.index]
    m = maps.playback_map(sample.grids, weekly, map_labels("zh"))
    page = m.get_root().render()
    codes = _json.loads(re.search(r"var codes = (\[\[.*?\]\]),", page).group(1))
    assert len(codes) == 35 and {len(row) for row in codes} == {54}  # grids x weeks, nothing per issue
    # The busiest grid-week gets the darkest class; a zero week the zero colour.
    values = weekly[list(sample.grids[s.GRID_ID])].to_numpy()
    week, grid = np.unravel_index(np.argmax(values), values.shape)
    assert codes[grid][week] == max(max(row) for row in codes)
    assert len(page) < 200_000


def test_dates_in_prose_follow_the_language() -> None:
    import datetime as dt

    from dashboard.i18n import fmt_date

    assert fmt_date(dt.date(2026, 11, 5), "zh") == "2026年11月5日"
    assert fmt_date(dt.date(2026, 11, 5), "en") == "5 Nov 2026"
    # A tz-aware time is written on its own local day (23:30 in Shanghai is not yet the next day).
    import pandas as pd

    late = pd.Timestamp("2026-11-05 23:30", tz="Asia/Shanghai")
    assert fmt_date(late, "zh") == "2026年11月5日"


def test_iso_weeks_are_written_with_their_days() -> None:
    from dashboard.i18n import fmt_week

    assert fmt_week("2026-W45", "zh") == "2026年第45周（11月2日–11月8日）"
    assert fmt_week("2026-W45", "en") == "Week 45, 2026 (2 Nov–8 Nov)"
    # ISO week 1 of 2026 starts in December 2025.
    assert fmt_week("2026-W01", "zh") == "2026年第1周（12月29日–1月4日）"


def test_ledger_times_show_their_local_hour_in_tables() -> None:
    import pandas as pd

    from dashboard.i18n import local_naive

    times = pd.Series(pd.to_datetime(["2026-11-05 23:30"]).tz_localize("Asia/Shanghai"))
    assert local_naive(times).iloc[0] == pd.Timestamp("2026-11-05 23:30")


def test_a_grids_weekly_bars_stack_its_categories_per_week() -> None:
    import pandas as pd

    from dashboard.components.charts import stacked_weekly_chart

    weeks = pd.to_datetime(["2026-11-02", "2026-11-09"]).tz_localize("Asia/Shanghai")
    weekly = pd.DataFrame({"parking": [2, 0], "litter": [1, 3]}, index=weeks)
    chart = stacked_weekly_chart(weekly, {"parking": "乱停乱放", "litter": "垃圾"}, week_label="周", count_label="问题数",
                                 category_label="类型", fmt="%Y年%-m月%-d日")
    data = chart.data.sort_values(["week_end", "category"])
    # Zero segments are left out; each bar sits on the week's last day (Sunday).
    assert data[["week_end", "category", "count"]].astype(str).values.tolist() == [
        ["2026-11-08", "乱停乱放", "2"], ["2026-11-08", "垃圾", "1"],
        ["2026-11-15", "垃圾", "3"]]
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["x"]["axis"]["format"] == "%Y年%-m月%-d日"


def test_kpi_changes_and_rates_are_written_per_language() -> None:
    from dashboard.i18n import fmt_change, fmt_pct

    assert fmt_pct(97.46) == "97.5%" and fmt_pct(float("nan")) == "—"
    assert fmt_change(374, 373, "zh") == "+1" and fmt_change(320, 322, "en") == "-2"
    assert fmt_change(97.5, 96.9, "zh", points=True) == "+0.6 个百分点"
    assert fmt_change(97.5, 96.9, "en", points=True) == "+0.6 pp"
    # No change, or nothing to compare with: no arrow (Streamlit would colour "+0.0" as a rise).
    assert fmt_change(90.04, 90.0, "zh", points=True) is None
    assert fmt_change(90.0, float("nan"), "en", points=True) is None


#: Jinja syntax in ledger text. Evaluated, each would leave a mark its own text never holds: Q1Q2, R1R2,
#: the server's process id between two Ps (through a shell-capable global), and nothing for the comment.
JINJA = ["{{ 'Q1' ~ 'Q2' }}", "{% if 1 %}R1{% endif %}R2", "{{ 'P' ~ cycler.__init__.__globals__.os.getpid() ~ 'P' }}",
         "{#c#}"]


def test_jinja_in_ledger_text_is_never_evaluated_even_by_a_full_render() -> None:
    """Template injection: branca compiles each element's rendered script as a template when the whole
    figure renders, so text that opens a Jinja delimiter must not survive into any map's script."""
    from dashboard.components.orientation import add_cases

    grids = square_grids()
    grids[s.GRID_NAME] = JINJA
    grids[s.COMMUNITY] = ["{{ 'S1' ~ 'S2' }}", "东", "{% raw %}", "西"]
    grids[s.STREET] = ["{{ 'W1' ~ 'W2' }}", "{{ 'W1' ~ 'W2' }}", "乙", "乙"]  # street fills and labels too
    counts = pd.Series([3, 0, 1, 7], index=grids[s.GRID_ID])
    labels = map_labels("zh")
    units = grids.assign(cls=["hot_99", "not_significant", "cold_95", "hot_90"], unit_id=JINJA)
    cases = pd.DataFrame({"category": "litter", s.ADDRESS: JINJA, s.DESCRIPTION: JINJA, "lon": 117.2, "lat": 31.8})
    built = [
        maps.choropleth(grids, counts, labels, priority=list(grids[s.GRID_ID][:2])),
        maps.class_map(units, "cls", maps.GI_COLOURS, {"hot_99": "{{ 'T1' ~ 'T2' }}"}, ["unit_id"], ["单元"],
                       "{{ 'U1' ~ 'U2' }}", grids=grids),
        maps.preview_map(grids, np.array([117.2]), np.array([31.8]), tooltip_columns=(s.GRID_NAME, s.COMMUNITY)),
    ]
    with_cases = maps.choropleth(grids, counts, labels)
    add_cases(with_cases, cases, {s.ADDRESS: "{{ 'V1' ~ 'V2' }}", s.DESCRIPTION: "描述"})
    built.append(with_cases)
    for m in built:
        assert m is not None
        html = m.get_root().render()  # what st_folium(render=True) did on every rerun
        for mark in ("Q1Q2", "R1R2", "S1S2", "T1T2", "U1U2", "V1V2", "W1W2"):
            assert mark not in html
        assert not re.search(r"P\d+P", html)
        assert "Q1" in html  # the text itself survives, inert
    assert "W1" in built[0].get_root().render()  # the street level was drawn


def test_layer_bounds_come_from_the_bbox_and_equal_folium_walking_the_coordinates() -> None:
    from dashboard.components.geojson import GeoJsonLayer

    grids = square_grids()
    doc = escaped_geojson(grids, [s.GRID_ID])
    assert doc["bbox"] == [0.0, 0.0, 2.0, 2.0]  # the 2 x 2 unit squares of square_grids
    ours = GeoJsonLayer(doc).get_bounds()
    walked = folium.GeoJson({k: v for k, v in doc.items() if k != "bbox"}).get_bounds()
    assert ours == walked == [[0.0, 0.0], [2.0, 2.0]]


def test_layers_style_in_the_browser_and_reach_the_page_as_text_not_as_a_template() -> None:
    """Our GeoJSON layer: one style object and the fill read from a property in JavaScript (no Python per
    feature, no switch over feature ids), its script added to the figure as rendered text."""
    from dashboard.components.geojson import GeoJsonLayer, RenderedScript

    grids = square_grids().assign(colour=["#111111", "#222222", "#333333", "#444444"])
    m = folium.Map(location=[1, 1], zoom_start=5, tiles=None)
    layer = GeoJsonLayer(escaped_geojson(grids, [s.GRID_ID, "colour"]), style={"weight": 2}, fill_from="colour",
                         highlight={"weight": 5}, tooltip=folium.GeoJsonTooltip(fields=[s.GRID_ID]))
    layer.add_to(m)
    html = m.get_root().render()
    script = m.get_root().script._children[layer.get_name()]
    assert isinstance(script, RenderedScript)
    text = script.render()
    assert text.count('"#111111"') == 1  # the colour travels once, in the data
    assert "switch" not in text and 'style.fillColor = feature.properties["colour"]' in text
    assert 'Object.assign({}, {"weight": 2})' in text and 'setStyle({"weight": 5})' in text
    assert f"{layer.get_name()}.addTo({m.get_name()});" in html  # folium's own add, as for any layer
    assert ".bindTooltip(" in html  # folium's tooltip still binds to it
    # what st_folium reads: the element's own script, the same text
    assert layer._template.module.script(layer, {}) == text


def test_reference_roads_are_drawn_with_their_names_as_text(sample: Dataset) -> None:
    from dashboard.components.reference import Reference, label_rows
    from geo.ingest.reference import read_reference_layer
    from geo.sample import SAMPLE_DIR

    roads = read_reference_layer(SAMPLE_DIR / "roads.geojson")
    hostile = roads.assign(name=[EVIL, *roads["name"].iloc[1:]])
    counts = run_analysis(sample).grid_counts.set_index(s.GRID_ID)["count"]
    html = rendered(maps.choropleth(sample.grids, counts, map_labels("zh"), reference=Reference.of(hostile)))
    assert '"gw-reference"' in html and ".gw-road" in html  # the pane and the labels' style
    assert "潜山路" in html and EVIL not in html  # names travel as script-safe JSON, drawn through textContent
    assert "imperial: false" in html and "setPrefix(false)" in html  # no "1000 ft", no "Leaflet" link
    assert not EXTERNAL.search(html)
    # Labels every 600 m along each named road, the longest first; the ring road (10.3 km) leads with 17.
    rows = label_rows(roads)
    assert rows[0][4] == "科学大道" and sum(r[4] == "科学大道" for r in rows) == 17
    assert len(rows) == sum(int((length - 300) // 600) + 1 for length in roads.to_crs(32650).length if length > 300)
    without = rendered(maps.choropleth(sample.grids, counts, map_labels("zh")))
    assert "gw-reference" not in without
    # Over AMap's GCJ-02 tiles the labels move with the roads (about 500 m here), as everything drawn does.
    amap = rendered(maps.choropleth(sample.grids, counts, map_labels("zh"), reference=Reference.of(roads),
                                    tiles=maps.BASEMAPS["amap"]))
    first = rows[0]
    assert f"[{first[0]}, {first[1]}," not in amap.replace('"', "") and f"{first[0]}" not in amap
