"""run_hotspots as the page and the command line use it: units, automatic size, outliers, history."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.cube.filter import IssueFilter
from geo.sample import SAMPLE_DIR
from geo.stats.hotspot_analysis import parse_cells, run_hotspots


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))


def _unit_at(units: gpd.GeoDataFrame, lon: float, lat: float) -> int:
    return int(np.flatnonzero(shapely.covers(units.geometry.to_numpy(), shapely.Point(lon, lat)))[0])


@pytest.mark.parametrize(("text", "expected"), [
    ("grid", ("grid", None)), ("square", ("square", None)), ("hex:auto", ("hex", None)),
    ("square:100", ("square", 100.0)), ("hex:250.5", ("hex", 250.5)),
])
def test_parse_cells(text: str, expected: tuple) -> None:
    assert parse_cells(text) == expected


@pytest.mark.parametrize("text", ["grid:100", "hex:0", "hex:-5", "square:wide", "circle:100", "hex:nan", "square:1e9"])
def test_parse_cells_refuses_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"grid, square\[:METRES\] or hex\[:METRES\]"):
        parse_cells(text)


def test_planted_hotspots_are_hot_at_99_percent_on_hexagons(sample: Dataset, truth: dict) -> None:
    for h in truth["hotspots"]:
        result = run_hotspots(sample, IssueFilter(categories=(h["categories"][0],)), cells="hex", cell_size_m=100)
        i = _unit_at(result.units, h["lon"], h["lat"])
        assert result.units["class"].iloc[i] == "hot_99", h["name"]
    assert result.choices["units"] == "hex_cells" and result.choices["neighbourhood"] == "hex_contiguity"
    assert result.choices["mean_neighbours"] < 6  # interior hexagons have 6; the street's edge fewer


def test_automatic_cell_size_is_chosen_and_reported(sample: Dataset) -> None:
    everything = run_hotspots(sample, cells="square")
    # 5.89 km2 and 21,110 issues: sqrt(5.89e6 * 5 / 21110) = 37 m -> 50 m on the ladder.
    assert everything.choices["cell_size_m"] == 50.0 and everything.choices["cell_size_rule"] == "mean_count_5"
    posters = run_hotspots(sample, IssueFilter(categories=("posters",)), cells="square")
    assert posters.choices["cell_size_m"] > everything.choices["cell_size_m"]  # fewer issues, larger cells
    given = run_hotspots(sample, cells="square", cell_size_m=250)
    assert given.choices["cell_size_m"] == 250 and "cell_size_rule" not in given.choices


def test_suspect_pile_is_not_a_hotspot_by_default(sample: Dataset, truth: dict) -> None:
    pile = truth["suspect_pile"]
    default = run_hotspots(sample, cells="square", cell_size_m=50)
    i = _unit_at(default.units, pile["lon"], pile["lat"])
    assert default.choices["suspect_points_excluded"] == 89  # the 90 on the pile less the one voided
    assert default.units["class"].iloc[i] == "not_significant"
    included = run_hotspots(sample, IssueFilter(include_suspect=True), cells="square", cell_size_m=50)
    # The pile's 89 live records would make its cell one of the busiest of the street (a count map or a
    # heatmap would show a false hotspot there); by default the cell keeps only its ordinary issues.
    assert included.units["count"].iloc[i] - default.units["count"].iloc[i] == 89
    assert (included.units["count"] > included.units["count"].iloc[i]).sum() < 10
    # Gi* is not fooled even then: one spike among ordinary neighbours is not a cluster.
    assert included.units["class"].iloc[i] == "not_significant"


def test_local_moran_marks_planted_hotspots_high_high(sample: Dataset, truth: dict) -> None:
    market = next(h for h in truth["hotspots"] if h["name"] == "wet_market")
    result = run_hotspots(sample, IssueFilter(categories=("street_vending",)), cells="square", cell_size_m=100,
                          outliers=True)
    i = _unit_at(result.units, market["lon"], market["lat"])
    assert result.units["moran_class"].iloc[i] == "HH"
    assert set(result.units["moran_class"]) <= {"HH", "LL", "HL", "LH", "not_significant"}
    assert result.choices["outlier_fdr"] == "none" and result.outliers is not None


def test_history_of_a_unit(sample: Dataset, truth: dict) -> None:
    metro = next(h for h in truth["hotspots"] if h["name"] == "metro_exit")
    result = run_hotspots(sample, IssueFilter(categories=("parking",)), cells="grid", emerging=True)
    history = result.history(metro["grid_id"])
    assert len(history) == 54 and history["step_start"].iloc[0].isoformat() == "2025-11-03T00:00:00+08:00"
    row = result.units.set_index("unit_id").loc[metro["grid_id"]]
    assert history["count"].sum() == row["count"]
    # Independent count: the grid's parking issues in the last week of the sample.
    last = sample.issues[(sample.issues[s.GRID_ID] == metro["grid_id"]) & (sample.issues[s.CATEGORY] == "parking")
                         & (sample.issues[s.STATUS] != "void") & ~sample.issues["suspect_point"]
                         & (sample.issues[s.REPORTED_AT] >= history["step_start"].iloc[-1])]
    assert history["count"].iloc[-1] == len(last)
    assert history["z"].iloc[-8:].mean() > history["z"].iloc[:8].mean()  # the exit opened mid-year
    with pytest.raises(ValueError, match="emerging=True"):
        run_hotspots(sample, cells="grid").history(metro["grid_id"])


def test_a_cell_cap_bounds_the_map_whatever_the_size_asked(sample: Dataset) -> None:
    auto = run_hotspots(sample, IssueFilter(), cells="square", max_cells=300)
    # The automatic size aims under the cap by area; the edge cells may push it one size up.
    assert len(auto.units) <= 300 and auto.choices["cell_size_rule"] in ("mean_count_5", "capped")
    fine = run_hotspots(sample, IssueFilter(), cells="square", cell_size_m=25.0, max_cells=300)
    assert len(fine.units) <= 300 and fine.choices["cell_size_rule"] == "capped" and fine.choices["cell_size_m"] > 25
    free = run_hotspots(sample, IssueFilter(), cells="square", cell_size_m=100.0)  # the default cap: as asked
    assert free.choices["cell_size_m"] == 100.0 and "cell_size_rule" not in free.choices
