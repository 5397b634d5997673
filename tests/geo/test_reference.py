"""Reference layers: an office's roads (with names), buildings and places, read in any CRS, kept in WGS84."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

import geo.ingest.reference as ref
from geo import schema as s
from geo.ingest.reference import guess_name_field, import_reference, read_reference_layer, reference_layers
from geo.ingest.tables import LedgerError
from geo.sample import SAMPLE_DIR, ensure_sample_workspace
from geo.store import Workspace
from geo.synthetic.roads import street_roads


def _roads(crs: int = 4326) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(117.250, 31.849), (117.262, 31.849)]),   # about 1.1 km
             shapely.LineString([(117.255, 31.845), (117.255, 31.853)]),   # about 0.9 km
             shapely.LineString([(117.251, 31.846), (117.252, 31.846)])]   # about 95 m
    frame = gpd.GeoDataFrame({"OBJECTID": [1, 2, 3], "道路名称": ["青石路", "<b>荷花路</b>", None]},
                             geometry=lines, crs=4326)
    return frame.to_crs(crs)


def test_a_projected_geopackage_is_read_in_wgs84_with_its_names(tmp_path: Path) -> None:
    path = tmp_path / "roads.gpkg"
    _roads(32650).to_file(path)  # UTM 50N, as a surveying bureau keeps it
    layer = read_reference_layer(path)
    assert list(layer.columns) == [s.REFERENCE_KIND, s.REFERENCE_NAME, "geometry"]
    assert layer.crs.to_epsg() == 4326 and set(layer[s.REFERENCE_KIND]) == {"road"}
    # The name field is found by its header; a missing name is empty text, markup stays text.
    assert layer[s.REFERENCE_NAME].tolist() == ["青石路", "<b>荷花路</b>", ""]
    start = shapely.get_coordinates(layer.geometry.iloc[0])[0]
    assert np.allclose(start, [117.250, 31.849], atol=1e-7)


def test_without_a_known_header_the_most_varied_text_column_names_the_features() -> None:
    frame = _roads().rename(columns={"道路名称": "ROTULO"}).assign(kind_code=["A", "A", "A"])
    assert guess_name_field(frame) == "ROTULO"  # OBJECTID is a number, kind_code says one thing
    assert guess_name_field(frame.drop(columns=["ROTULO", "kind_code"])) == ""


def test_a_named_field_that_is_not_there_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    _roads().to_file(path)
    with pytest.raises(LedgerError, match=r"has no field 'NAME'; its fields are OBJECTID, 道路名称"):
        read_reference_layer(path, name_field="NAME")


def test_an_import_keeps_the_largest_features_under_the_cap_and_replaces_its_layer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "roads.geojson"
    _roads().to_file(path)
    ws = Workspace(tmp_path / "ws")
    monkeypatch.setattr(ref, "MAX_FEATURES", 2)
    result = import_reference(ws, path)
    assert (result.layer, result.read, result.kept, result.kind, result.name_field) == ("roads", 3, 2, "road", "道路名称")
    kept = reference_layers(ws)
    assert kept[s.REFERENCE_NAME].tolist() == ["青石路", "<b>荷花路</b>"]  # the 95 m lane is the one left out
    monkeypatch.setattr(ref, "MAX_FEATURES", 20_000)
    import_reference(ws, path)  # the same name again: replaced, not added
    assert len(reference_layers(ws)) == 3 and set(reference_layers(ws)["layer"]) == {"roads"}


def test_a_layer_with_no_crs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    doc = json.loads(_roads().to_json())
    doc["features"] = [dict(f, geometry={"type": "LineString", "coordinates": [[500000, 3500000], [501000, 3500000]]})
                       for f in doc["features"]]
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:32650"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_reference_layer(path).crs.to_epsg() == 4326  # declared: read and converted
    shp = tmp_path / "noprj"
    shp.mkdir()
    _roads().rename(columns={"道路名称": "NAME"}).to_file(shp / "roads.shp")
    (shp / "roads.prj").unlink()
    with pytest.raises(LedgerError, match="has no CRS"):
        read_reference_layer(shp / "roads.shp")


def test_the_sample_ships_its_named_roads_and_its_workspace_draws_them() -> None:
    bundled = gpd.read_file(SAMPLE_DIR / "roads.geojson")
    drawn = street_roads(gpd.read_file(SAMPLE_DIR / "grids.geojson"))
    assert bundled["name"].tolist() == drawn["name"].tolist() and len(drawn) == 9
    assert all(shapely.hausdorff_distance(a, b) < 1e-6 for a, b in zip(bundled.geometry, drawn.geometry, strict=True))
    layers = reference_layers(ensure_sample_workspace())
    assert set(layers["name"]) >= {"青石路", "潜山路", "科学大道"} and set(layers["layer"]) == {"roads"}


def test_the_command_line_imports_a_reference_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geo.cli import main

    path = tmp_path / "lanes.geojson"
    _roads().to_file(path)
    assert main(["import-reference", "--workspace", str(tmp_path / "ws"), str(path), "--as", "streets"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said == {"layer": "streets", "read": 3, "kept": 3, "kind": "road", "name_field": "道路名称"}
    assert set(reference_layers(Workspace(tmp_path / "ws"))["layer"]) == {"streets"}
    assert main(["import-reference", "--workspace", str(tmp_path / "ws"), str(path), "--name-field", "NOPE"]) == 2
    assert capsys.readouterr().err.startswith("error: reference layer lanes.geojson has no field 'NOPE'")
