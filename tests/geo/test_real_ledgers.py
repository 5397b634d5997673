"""Real 311 ledgers as published (LA, NYC) import with every row accounted for and points where they belong.

The oracle is computed independently from the raw files with the standard library's csv module.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo import schema as s
from geo.ingest.grid_layers import read_grids
from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.join import assign_grids
from geo.ingest.ledger import read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.store import Workspace

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
LA = REAL / "la_myla311_2018-01-01_to_01-04.csv.gz"
NYC_2022 = REAL / "nyc_fedhere_PyBOOT_2022-05-01.csv.gz"
NYC_2013 = REAL / "nyc_nikeiubel_assocrules_2013-12-25.csv.gz"
#: US 311 request types onto our categories (what a user's mapping file would say).
US_CATEGORIES = {"Illegal Dumping Pickup": "litter", "Bulky Items": "clutter", "Graffiti Removal": "posters",
                 "Illegal Parking": "parking", "Blocked Driveway": "parking", "Dirty Conditions": "litter",
                 "Homeless Encampment": "other"}


def raw_rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def la() -> tuple[list[dict[str, str]], object]:
    mapping = LedgerMapping(tz="America/Los_Angeles", categories=US_CATEGORIES)
    return raw_rows(LA), read_ledger(LA, mapping=mapping)


def test_la_rows_reconcile_exactly(la) -> None:
    rows, result = la
    no_coords = sum(1 for r in rows if not r["Latitude"].strip() or not r["Longitude"].strip())
    exact_dups = len(rows) - len({tuple(r.values()) for r in rows})
    assert no_coords == 1_102  # as PROVENANCE says for this file
    assert result.read == len(rows) == 10_000
    assert result.summary() == {"read": 10_000, "imported": 10_000 - no_coords - exact_dups,
                                "rejected": no_coords, "duplicates": exact_dups}
    assert set(result.rejects["reason"]) == {"missing coordinates"}
    # Every imported id is one of the ledger's SR numbers, once.
    ids = result.issues[s.ISSUE_ID]
    assert ids.is_unique and set(ids) <= {r["SRNumber"] for r in rows}


def test_la_times_and_categories_follow_the_raw_text(la) -> None:
    rows, result = la
    first = result.issues.set_index(s.ISSUE_ID).loc["1-870704814"]
    # 01/01/2018 12:00:09 AM, Los Angeles local time.
    assert str(first[s.REPORTED_AT]) == "2018-01-01 00:00:09-08:00"
    assert first[s.CATEGORY] == "clutter" and first[s.CATEGORY_RAW] == "Bulky Items"
    bulky = sum(1 for r in rows if r["RequestType"] == "Bulky Items" and r["Latitude"].strip())
    assert int((result.issues[s.CATEGORY_RAW] == "Bulky Items").sum()) <= bulky


def test_la_points_fall_in_their_neighborhood_council(la) -> None:
    _rows, result = la
    councils = read_grids(REAL / "la_neighborhood_councils_2019.geojson.gz", id_field="nc_id", name_field="name")
    joined = assign_grids(result.issues, councils)
    raw = {r["SRNumber"]: r["NC"].strip() for r in _rows}
    labelled = joined[joined[s.ISSUE_ID].map(raw).fillna("").str.len() > 0]
    same = (labelled[s.GRID_ID].fillna("") == labelled[s.ISSUE_ID].map(raw)).mean()
    assert same >= 0.98  # PROVENANCE: 98.4 % over all LA files


@pytest.fixture(scope="module")
def nyc_2022() -> tuple[list[dict[str, str]], object]:
    mapping = LedgerMapping(tz="America/New_York", crs="EPSG:2263", categories=US_CATEGORIES,
                            columns={"lon": "X Coordinate (State Plane)", "lat": "Y Coordinate (State Plane)"})
    return raw_rows(NYC_2022), read_ledger(NYC_2022, mapping=mapping)


def test_nyc_state_plane_feet_land_within_a_metre_of_the_published_lat_lon(nyc_2022) -> None:
    rows, result = nyc_2022
    no_xy = sum(1 for r in rows if not r["X Coordinate (State Plane)"].strip())
    assert result.summary()["rejected"] == no_xy and result.read == len(rows) == 924
    published = {r["Unique Key"]: (float(r["Longitude"]), float(r["Latitude"])) for r in rows if r["Latitude"].strip()}
    got = result.issues[result.issues[s.ISSUE_ID].isin(published)]
    ref = gpd.GeoSeries(gpd.points_from_xy(*zip(*got[s.ISSUE_ID].map(published), strict=True)), crs=4326)
    dist = got.geometry.to_crs(32618).distance(ref.to_crs(32618).set_axis(got.index))
    assert len(dist) > 800
    assert np.percentile(dist, 99) < 1.0  # state plane is published to the foot


def test_nyc_points_fall_in_their_community_district(nyc_2022) -> None:
    rows, result = nyc_2022
    districts = read_grids(REAL / "nyc_community_districts_dcp2013.geojson.gz", id_field="BoroCD")
    boro = {"MANHATTAN": 1, "BRONX": 2, "BROOKLYN": 3, "QUEENS": 4, "STATEN ISLAND": 5}

    def boro_cd(label: str) -> str:
        num, _, name = label.partition(" ")
        return str(boro[name] * 100 + int(num)) if num.isdigit() and name in boro else ""

    label = {r["Unique Key"]: boro_cd(r["Community Board"]) for r in rows}
    joined = assign_grids(result.issues, districts)
    want = joined[s.ISSUE_ID].map(label)
    ok = want != ""
    assert ok.sum() > 800
    assert (joined.loc[ok, s.GRID_ID] == want[ok]).mean() >= 0.99  # PROVENANCE: 99.3 %
    assert int(joined[s.OUTSIDE_GRIDS].sum()) == 0  # PROVENANCE: none outside all polygons


def test_nyc_2013_date_only_times_and_import_reconcile(tmp_path: Path) -> None:
    rows = raw_rows(NYC_2013)
    ws = Workspace(tmp_path / "nyc")
    import_grids(ws, REAL / "nyc_community_districts_dcp2013.geojson.gz", id_field="BoroCD")
    mapping = LedgerMapping(tz="America/New_York", categories=US_CATEGORIES)
    summary = import_ledger(ws, NYC_2013, mapping=mapping)
    no_coords = sum(1 for r in rows if not r["Latitude"].strip())
    assert summary.read == len(rows) == 2_386
    assert summary.read == summary.imported + summary.updated + summary.rejected + summary.duplicates
    assert summary.rejected == no_coords
    issues = ws.load_issues()
    midnight = (issues[s.REPORTED_AT].dt.strftime("%H:%M:%S") == "00:00:00").sum()
    raw_midnight = sum(1 for r in rows if r["Created Date"].endswith("12:00:00 AM") and r["Latitude"].strip())
    assert midnight == raw_midnight  # date-only entries stay at local midnight, not shifted by a zone
    # Re-importing the same file changes nothing and counts every row as a duplicate or reject.
    again = import_ledger(ws, NYC_2013, mapping=mapping)
    assert (again.imported, again.updated, again.duplicates) == (0, 0, summary.imported + summary.duplicates)


@pytest.fixture(scope="module")
def la_dataset(tmp_path_factory: pytest.TempPathFactory) -> object:
    from geo.cube.dataset import open_workspace

    ws = Workspace(tmp_path_factory.mktemp("la"))
    import_grids(ws, REAL / "la_neighborhood_councils_2019.geojson.gz", id_field="nc_id", name_field="name")
    import_ledger(ws, LA, mapping=LedgerMapping(tz="America/Los_Angeles", categories=US_CATEGORIES))
    return open_workspace(ws)


@pytest.mark.parametrize(("cells", "size", "category"), [
    ("grid", None, "litter"), ("square", 250.0, None), ("hex", 500.0, "litter"), ("square", None, "clutter"),
    ("hex", None, None),
])
def test_la_hotspot_classes_match_an_independent_esda_computation(la_dataset, cells, size, category) -> None:
    """Classes on a real ledger nobody on the team made: our Gi* bins equal esda's z + esda's FDR cut-off."""
    from geo.cube.filter import IssueFilter
    from geo.stats.esda_oracle import esda_gi_star_bins
    from geo.stats.hotspot_analysis import run_hotspots

    flt = IssueFilter(categories=(category,) if category else ())
    result = run_hotspots(la_dataset, flt, cells=cells, cell_size_m=size)
    assert result.neighbours is not None
    theirs = esda_gi_star_bins(result.units["count"].to_numpy(), result.neighbours)
    ours = result.units["bin"].to_numpy()
    assert (ours == theirs).all(), np.flatnonzero(ours != theirs)[:10]
    assert (theirs != 0).sum() >= 3  # real hot or cold spots to agree on, not an empty comparison


def test_nyc_kpis_equal_an_independent_computation_from_the_raw_ledger() -> None:
    """KPIs on a real ledger (NYC 311, 25 Dec 2013, with its own Due Dates), recomputed with the csv module."""
    import datetime as dt

    import pandas as pd

    from geo.categories import read_categories
    from geo.ops.rectification import KpiPolicy, kpi_table

    mapping = LedgerMapping(tz="America/New_York", categories=US_CATEGORIES)
    issues = read_ledger(NYC_2013, mapping=mapping).issues
    start, end = pd.Timestamp("2013-12-25", tz="America/New_York"), pd.Timestamp("2013-12-26", tz="America/New_York")
    as_of = pd.Timestamp("2013-12-31", tz="America/New_York")
    ours = kpi_table(issues, KpiPolicy(read_categories()), start=start, end=end, as_of=as_of,
                     by=s.DEPARTMENT).set_index(s.DEPARTMENT)

    def when(text: str) -> dt.datetime | None:
        return dt.datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p") if text else None

    table = read_categories().with_synonyms(US_CATEGORIES)

    def limit_days(label: str) -> float:
        return table.limit_days(table.match(label) or "other")

    cut = dt.datetime(2013, 12, 31)
    oracle: dict[str, dict[str, int]] = {}
    for r in raw_rows(NYC_2013):
        if not r["Latitude"].strip() or not r["Longitude"].strip():
            continue  # rejected at import (missing coordinates), as PROVENANCE counts them
        created, closed = when(r["Created Date"]), when(r["Closed Date"])
        due = when(r["Due Date"]) or created + dt.timedelta(days=limit_days(r["Complaint Type"]))
        is_closed = r["Status"] == "Closed" and closed is not None and closed <= cut
        k = oracle.setdefault(r["Agency"], {"reported": 0, "due": 0, "closed": 0, "on_time": 0, "overdue_open": 0})
        k["reported"] += 1
        if is_closed or due <= cut:
            k["due"] += 1
            k["closed"] += is_closed
            k["on_time"] += is_closed and closed <= due
        k["overdue_open"] += (not is_closed) and due < cut
    assert set(ours.index) == set(oracle)
    for agency, expected in oracle.items():
        got = ours.loc[agency, list(expected)].astype(int).to_dict()
        assert got == expected, agency
    hpd = oracle["HPD"]
    assert ours.loc["HPD", "close_rate"] == pytest.approx(100 * hpd["closed"] / hpd["due"])
