from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.imports import import_grids, import_ledger, safe_filename, store_upload
from geo.ingest.ledger import read_ledger
from geo.ingest.tables import LedgerError
from geo.schema import LIKELY_DUPLICATE_OF, SUSPECT_POINT
from geo.store import Workspace
from tests.conftest import square_grids

H = "问题编号,问题类型,上报时间,经度,纬度,处置状态,办结时间\n"
NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    path = tmp_path / "grids.geojson"
    square_grids().to_file(path, driver="GeoJSON")
    import_grids(ws, path)
    return ws


def ledger(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(H + body, encoding="utf-8")
    return path


def test_reimport_updates_status_and_keeps_history(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    first = ledger(tmp_path, "week1.csv",
                   "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\nB,垃圾,2026-03-02 10:00,1.5,0.5,处置中,\n")
    s1 = import_ledger(ws, first, now=NOW)
    assert s1.counts() == {"read": 2, "imported": 2, "updated": 0, "rejected": 0, "duplicates": 0,
                           "outside_grids": 0, "suspect_points": 0}
    second = ledger(tmp_path, "week2.csv",
                    "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00\n"  # closed since
                    "B,垃圾,2026-03-02 10:00,1.5,0.5,处置中,\n"  # unchanged
                    "C,乱停乱放,2026-03-04 08:00,5,5,待处置,\n"  # new, outside every grid
                    "C,乱停乱放,2026-03-04 08:00,5,5,待处置,\n")  # exact duplicate row
    s2 = import_ledger(ws, second, now=NOW + dt.timedelta(days=7))
    assert s2.counts() == {"read": 4, "imported": 1, "updated": 1, "rejected": 0, "duplicates": 2,
                           "outside_grids": 1, "suspect_points": 0}
    issues = ws.load_issues().set_index(s.ISSUE_ID)
    assert issues.at["A", s.STATUS] == "closed"
    assert issues.at["A", s.CLOSED_AT] == pd.Timestamp("2026-03-03 12:00", tz="Asia/Shanghai")
    assert pd.isna(issues.at["C", s.GRID_ID]) and issues.at["C", s.OUTSIDE_GRIDS]
    history = ws.load_history()
    status_changes = history[history["field"] == "status"]
    assert status_changes[["issue_id", "old", "new", "source"]].values.tolist() == [["A", "open", "closed", "week2.csv"]]
    log = ws.imports()
    assert [(e["kind"], e["source"]) for e in log] == [("grids", "grids.geojson"), ("ledger", "week1.csv"),
                                                        ("ledger", "week2.csv")]
    assert log[2]["updated"] == 1 and [e["generation"] for e in log] == [1, 2, 3]


def test_rejects_are_written_with_row_numbers_and_neutralised(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    path = ledger(tmp_path, "bad.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n=cmd|' /C calc'!A0,垃圾,,0.5,0.5,待处置,\n")
    summary = import_ledger(ws, path, now=NOW)
    assert summary.rejected == 1 and summary.rejects_ref is not None
    rejects = pd.read_csv(io.BytesIO(ws.rejects(summary.rejects_ref)), dtype=str, encoding="utf-8-sig")
    assert rejects["source_row"].tolist() == ["3"]
    assert rejects["reason"].tolist() == ["missing reported time"]
    assert rejects["问题编号"].tolist() == ["'=cmd|' /C calc'!A0"]  # a formula no more


def test_import_needs_grids(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no grids yet"):
        import_ledger(Workspace(tmp_path / "empty"), ledger(tmp_path, "x.csv", ""))


def test_double_submissions_and_piles_are_flagged_not_dropped(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    rows = ["D1,垃圾,2026-03-02 09:00:00,0.50000,0.50000,待处置,",
            "D2,垃圾,2026-03-02 09:05:00,0.50003,0.50003,待处置,",  # ~5 m and 5 min later: a repeat
            "D3,乱停乱放,2026-03-02 09:06:00,0.50003,0.50003,待处置,",  # other category: not a repeat
            "D4,垃圾,2026-03-02 09:30:00,0.50003,0.50003,待处置,"]  # 25 min later: not a repeat
    cats = ["垃圾", "乱停乱放", "牛皮癣", "占道经营"]
    # A pile: 60 reports on one point, 4 categories in the ledger's own mix, 6 days, minutes apart
    # (no addresses, so the "collects everything" signature must carry it: 50 records or more).
    rows += [f"P{i},{cats[i % 4]},2026-03-{1 + i % 6:02d} 10:{i:02d},1.25,1.75,待处置," for i in range(60)]
    summary = import_ledger(ws, ledger(tmp_path, "f.csv", "\n".join(rows) + "\n"), now=NOW)
    issues = ws.load_issues().set_index(s.ISSUE_ID)
    assert summary.imported == 64 and summary.suspect_points == 60
    assert issues[LIKELY_DUPLICATE_OF].dropna().to_dict() == {"D2": "D1"}
    assert issues.loc[[f"P{i}" for i in range(60)], SUSPECT_POINT].all()
    assert not issues.loc[["D1", "D2", "D3", "D4"], SUSPECT_POINT].any()


def test_grid_import_repairs_and_reports(tmp_path: Path) -> None:
    grids = square_grids()
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # self-intersecting
    grids.loc[0, "geometry"] = bowtie
    grids.loc[3, "geometry"] = shapely.box(0.9, 1.0, 2.0, 2.0)  # overlaps D, leaves no hole
    grids.loc[2, "geometry"] = shapely.Polygon([(0, 1), (1, 1), (1, 2), (0, 2)]).difference(shapely.box(0.2, 1.2, 0.4, 1.4))
    path = tmp_path / "g.geojson"
    grids.to_file(path, driver="GeoJSON")
    report = import_grids(Workspace(tmp_path / "ws"), path, min_area_m2=1.0)
    assert report.grids == 4 and report.repaired == ["B"]
    assert [(o["a"], o["b"]) for o in report.overlaps] == [("D", "C")]
    assert report.gaps >= 1  # the hole cut into D
    stored = Workspace(tmp_path / "ws").load_grids()
    assert stored.is_valid.all()


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"), ("台账 2026年3月.xlsx", "台账_2026年3月.xlsx"), (".hidden.csv", "upload.hidden.csv"),
    ("a;rm -rf /.csv", "upload.csv"), ("C:\\Users\\x\\ledger.csv", "ledger.csv"), ("", "upload"),
    ("<script>.csv", "_script_.csv"),
])
def test_uploaded_names_are_sanitised(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_uploads_land_inside_the_workspace(tmp_path: Path) -> None:
    path = store_upload(Workspace(tmp_path), "../../evil.csv", b"x", now=NOW)
    assert path.parent.parent == tmp_path / "uploads" and path.parent.name.startswith("20260310T080000")
    assert path.name == "evil.csv" and path.read_bytes() == b"x"
    again = store_upload(Workspace(tmp_path), "../../evil.csv", b"y", now=NOW)
    assert again != path and path.read_bytes() == b"x"  # same name, same instant: kept apart


cell = st.one_of(st.just(""), st.text(max_size=6), st.sampled_from(["0", "117.25", "31.85", "200", "-0.5", "NaN", "=1+1"]),
                 st.sampled_from(["2026-03-05", "2026/3/5 9:00", "昨天", "45356", "03/05/2026 09:00:00 PM"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cell, st.sampled_from(["垃圾", "乱停乱放", "?", ""]), cell, cell, cell), max_size=25))
def test_no_row_is_ever_lost(rows: list[tuple[str, str, str, str, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["问题编号", "问题类型", "上报时间", "经度", "纬度"], dtype="string")
    result = read_ledger(frame)
    assert result.read == len(frame)
    assert len(result.issues) + len(result.rejects) + result.duplicates == len(frame)
    assert result.rejects["reason"].notna().all()
    assert result.issues[s.ISSUE_ID].is_unique
    if len(result.issues):
        assert result.issues.geometry.x.between(-180, 180).all() and result.issues.geometry.y.between(-90, 90).all()
    json.dumps(result.summary())  # plain ints, printable


def test_gpkg_export_roundtrip(tmp_path: Path) -> None:
    from geo.report.export import export_issues

    ws = workspace(tmp_path)
    import_ledger(ws, ledger(tmp_path, "l.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"), now=NOW)
    for suffix in ("gpkg", "geojson", "csv", "xlsx"):
        out = export_issues(ws.load_issues(), tmp_path / f"out.{suffix}")
        back = gpd.read_file(out) if suffix in ("gpkg", "geojson") else (
            pd.read_csv(out, encoding="utf-8-sig") if suffix == "csv" else pd.read_excel(out))
        assert len(back) == 1 and back["issue_id"].tolist() == ["A"]
        assert {"category", "reported_at", "status", "grid_id"} <= set(back.columns)


@pytest.mark.parametrize(("columns", "expected"), [
    (["OBJECTID", "网格编码", "网格名称", "所属社区", "网格员", "geometry"],
     {"id": "网格编码", "name": "网格名称", "community": "所属社区", "cadres": "网格员"}),
    (["name", "waddress", "service_re", "nc_id", "geometry"], {"id": "nc_id", "name": "name", "community": "service_re"}),
    (["OBJECTID", "POLYID", "SNBNAME", "geometry"], {"id": "OBJECTID", "name": "SNBNAME"}),  # Houston
])
def test_grid_fields_are_guessed_from_real_layers(columns: list[str], expected: dict[str, str]) -> None:
    from geo.ingest.mapping import guess_grid_fields

    assert guess_grid_fields(columns) == expected


def test_grid_fields_unknown_headers_are_guessed_from_the_values() -> None:
    """Madrid's barrios (CODBDT, GEOCODIGO, MOVEMENT_ID, DISPLAY_NAME): no alias matches the id, a header
    says which column is the name, and the values pick the first complete, distinct column as the id."""
    from geo.ingest.mapping import guess_grid_fields

    layer = pd.DataFrame({"CODBDT": [860645, 860646, 860647], "GEOCODIGO": ["079011", "079012", "079013"],
                          "MOVEMENT_ID": [1, 1, 1], "DISPLAY_NAME": ["011 Palacio", "012 Embajadores", "013 Cortes"]})
    assert guess_grid_fields(layer.columns, layer) == {"id": "CODBDT", "name": "DISPLAY_NAME"}
    # A name column known by its values alone (letters, distinct); a repeated or numeric column is not one.
    plain = pd.DataFrame({"K": [None, 2, 3], "CODE": ["a1", "a2", "a3"], "ZONE": ["N", "N", "S"],
                          "LABEL": ["Sol", "Cortes", "Palacio"]})
    assert guess_grid_fields(plain.columns, plain) == {"id": "CODE", "name": "LABEL"}
    assert guess_grid_fields(["X", "Y"], pd.DataFrame({"X": [1, 1], "Y": [2, 3]})) == {"id": "Y"}
