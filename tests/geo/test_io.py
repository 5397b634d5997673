from pathlib import Path

import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.grid_layers import read_grids
from geo.ingest.ledger import _repeated_rows, read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ingest.tables import LedgerError
from geo.sample import SAMPLE_DIR

HEADER = "问题编号,问题类型,上报时间,经度,纬度,地址,问题描述,处置状态,办结时间\n"


def write(tmp_path: Path, body: str, *, name: str = "ledger.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding=encoding)
    return path


def test_sample_ledger_loads_completely() -> None:
    result = read_ledger(SAMPLE_DIR / "ledger.csv")
    assert result.summary() == {"read": 21470, "imported": 21470, "rejected": 0, "duplicates": 0}
    issues = result.issues
    assert str(issues[s.REPORTED_AT].dt.tz) == "Asia/Shanghai"
    assert issues.crs.to_epsg() == 4326
    first = issues.iloc[0]
    # Hand-checked against the first data row of data/sample/ledger.csv.
    assert first[s.ISSUE_ID] == "QS202511030001"
    assert first[s.CATEGORY] == "posters" and first[s.CATEGORY_RAW] == "非法小广告"
    assert first[s.REPORTED_AT] == pd.Timestamp("2025-11-03 07:39:28", tz="Asia/Shanghai")
    assert first[s.STATUS] == "closed" and first[s.HANDLING] == "on_site"  # 立行立改
    assert first[s.CLOSED_AT] == pd.Timestamp("2025-11-04 21:02:46", tz="Asia/Shanghai")
    assert first[s.DEADLINE_AT] == pd.Timestamp("2025-11-04 07:39:28", tz="Asia/Shanghai")
    assert first[s.SOURCE] == "patrol" and first[s.DEPARTMENT] == "社区网格站"  # 网格巡查
    assert (first.geometry.x, first.geometry.y) == (117.250695, 31.856548)


def test_every_bad_row_is_accounted_for_with_a_reason(tmp_path: Path) -> None:
    body = (
        "A1,私搭乱建,2024-03-05 09:00,117.25,31.85,路1号,ok,已办结,2024-03-06 10:00\n"
        "A2,乱停乱放,2024-03-05 09:00,,31.85,路2号,no lon,待处置,\n"
        "A3,乱停乱放,2024-03-05 09:00,东经117,31.85,路3号,text lon,待处置,\n"
        "A4,垃圾,2024-03-05 09:00,0,0,路4号,null island,待处置,\n"
        "A5,垃圾,2024-03-05 09:00,217.25,31.85,路5号,out of range,待处置,\n"
        "A6,垃圾,上周二,117.25,31.85,路6号,bad time,待处置,\n"
        "A1,垃圾,2024-03-07 09:00,117.25,31.85,路7号,same id other content,待处置,\n"
        "A1,私搭乱建,2024-03-05 09:00,117.25,31.85,路1号,ok,已办结,2024-03-06 10:00\n"
        "A9,噪音扰民,2024年3月8日,117.26,31.86,路9号,unknown label,神秘状态,\n"
    )
    result = read_ledger(write(tmp_path, body))
    assert result.summary() == {"read": 9, "imported": 2, "rejected": 6, "duplicates": 1}
    reasons = dict(zip(result.rejects["source_row"], result.rejects["reason"], strict=True))
    assert reasons == {
        3: "missing coordinates",
        4: "coordinates are not numbers",
        5: "coordinates are (0, 0), a placeholder",
        6: "coordinates out of range for WGS84",
        7: "unparseable reported time: 上周二",
        8: "duplicate issue_id (first seen at row 2)",
    }
    assert list(result.rejects.columns[:3]) == ["source_row", "reason", "问题编号"]
    a9 = result.issues.set_index(s.ISSUE_ID).loc["A9"]
    assert a9[s.CATEGORY] == "other" and a9[s.CATEGORY_RAW] == "噪音扰民"
    assert a9[s.STATUS] == "open"  # unknown status, no closing time
    assert result.unmapped_statuses.to_dict() == {"神秘状态": 1}
    assert result.unmapped_categories.to_dict() == {"噪音扰民": 1}


def test_gb18030_csv_is_detected(tmp_path: Path) -> None:
    path = write(tmp_path, "B1,占道经营,2024/3/5 14:02,117.25,31.85,青石路,流动摊贩,处置中,\n", encoding="gb18030")
    result = read_ledger(path)
    assert result.issues[s.CATEGORY].tolist() == ["street_vending"]
    assert result.issues[s.STATUS].tolist() == ["assigned"]


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "no_coords.csv"
    path.write_text("问题编号,问题类型,上报时间\nX,垃圾,2024-01-01\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"lacks the required fields \['lon', 'lat'\].*问题编号"):
        read_ledger(path)


def test_unreadable_files_are_ledger_errors(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="not found"):
        read_ledger(tmp_path / "missing.csv")
    odd = tmp_path / "ledger.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(LedgerError, match="unsupported ledger format"):
        read_ledger(odd)


def test_ids_are_generated_deterministically_when_absent(tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("类型,上报时间,经度,纬度\n垃圾,2024-01-01 08:00,117.25,31.85\n垃圾,2024-01-01 09:00,117.25,31.85\n",
                    encoding="utf-8")
    ids1 = read_ledger(path).issues[s.ISSUE_ID].tolist()
    ids2 = read_ledger(path).issues[s.ISSUE_ID].tolist()
    assert ids1 == ids2 and len(set(ids1)) == 2 and all(i.startswith("GW") for i in ids1)


def test_projected_coordinates_are_converted(tmp_path: Path) -> None:
    # 117.25 E 31.85 N in UTM 50N is about (429 180 m, 3 524 060 m).
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 32650, always_xy=True).transform(117.25, 31.85)
    path = write(tmp_path, f"C1,垃圾,2024-01-01,{x:.2f},{y:.2f},路,desc,已办结,2024-01-01\n")
    point = read_ledger(path, mapping=LedgerMapping(crs="EPSG:32650")).issues.geometry.iloc[0]
    assert shapely.equals_exact(point, shapely.Point(117.25, 31.85), tolerance=1e-6)


def test_excel_ledger_reads_like_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"问题编号": ["E1"], "问题类型": ["牛皮癣"], "上报时间": ["2024-03-05 10:00:00"],
                          "经度": ["117.25"], "纬度": ["31.85"]})
    path = tmp_path / "ledger.xlsx"
    frame.to_excel(path, index=False)
    issues = read_ledger(path).issues
    assert issues[s.CATEGORY].tolist() == ["posters"]
    # Without a deadline column, the deadline is reported + the category's limit (1 day).
    assert issues[s.DEADLINE_AT].iloc[0] == pd.Timestamp("2024-03-06 10:00", tz="Asia/Shanghai")


def test_sample_grids_follow_the_schema() -> None:
    grids = read_grids(SAMPLE_DIR / "grids.geojson")
    assert len(grids) == 35
    assert grids[s.GRID_ID].str.fullmatch(r"340104012\d{6}").all()
    assert grids.is_valid.all()


def test_grid_layer_without_the_id_field_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "g.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},'
                    '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}', encoding="utf-8")
    with pytest.raises(LedgerError, match="lacks the id field 'grid_id'"):
        read_grids(path)
    assert read_grids(path, id_field="name")[s.GRID_ID].tolist() == ["x"]


def test_open311_georeport_v2_fields_are_recognised() -> None:
    from geo.ingest.mapping import guess_columns

    headers = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
               "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat",
               "long"]
    assert guess_columns(headers) == {
        "issue_id": "service_request_id", "category": "service_name", "reported_at": "requested_datetime",
        "lon": "long", "lat": "lat", "address": "address", "description": "description", "status": "status",
        "deadline_at": "expected_datetime", "department": "agency_responsible"}


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["A1", "A2", ""]), st.sampled_from(["垃圾", "停车"]),
                               st.sampled_from(["x", "y", None])), max_size=12), key=st.sampled_from(["id", "cat"]))
def test_repeated_rows_equal_pandas_duplicated(rows: list[tuple], key: str) -> None:
    raw = pd.DataFrame(rows, columns=["id", "cat", "addr"], dtype="str")
    expected = raw.astype("string").fillna("").duplicated(keep="first")
    pd.testing.assert_series_equal(_repeated_rows(raw, key), expected, check_names=False)


def test_the_sheet_with_the_ledger_is_read_and_the_others_are_named(tmp_path: Path) -> None:
    """A notes sheet or a chart before the ledger is common; a hidden scratch sheet with a header is not it."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    from dashboard.errors import explain
    from geo.ingest.ledger import read_ledger
    from geo.ingest.tables import LedgerError

    header = ["问题编号", "问题类型", "上报时间", "经度", "纬度"]
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本表为青石街道问题台账，每周一更新"])
    scratch = wb.create_sheet("草稿")
    scratch.append(header)
    scratch.append(["X1", "垃圾", "2026-03-01 08:00", "117.25", "31.85"])
    scratch.sheet_state = "hidden"
    data = wb.create_sheet("台账")
    data.append(header)
    data.append(["A1", "垃圾", "2026-03-02 09:00", "117.25", "31.85"])
    chart = wb.create_chartsheet("图表", 0)
    bars = BarChart()
    bars.add_data(Reference(data, min_col=4, min_row=1, max_row=2))
    chart.add_chart(bars)
    wb.save(tmp_path / "book.xlsx")
    assert read_ledger(tmp_path / "book.xlsx").issues[s.ISSUE_ID].tolist() == ["A1"]

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为青石街道问题台账"])
    wb.create_sheet("汇总").append(["合计", 3])
    wb.save(tmp_path / "no_ledger.xlsx")
    with pytest.raises(LedgerError) as caught:
        read_ledger(tmp_path / "no_ledger.xlsx")
    said, _ = explain(caught.value, "zh")
    assert said.startswith("工作表“说明”中缺少必需的列（问题类型、上报时间、经度 / X、纬度 / Y）") and "（汇总）" in said


def test_a_zip_of_a_csv_reads_the_csv_and_an_encrypted_zip_says_so(tmp_path: Path) -> None:
    import zipfile

    from dashboard.errors import explain

    body = "问题编号,问题类型,上报时间,经度,纬度\nA,垃圾,2026-03-02 09:00,117.25,31.85\n"
    with zipfile.ZipFile(tmp_path / "ledger.zip", "w") as archive:
        archive.writestr("说明.txt", "本压缩包为三月台账\n")
        archive.writestr("空表.csv", "")  # an empty file beside the ledger does not stop it
        archive.writestr("台账.csv", body)
    assert read_ledger(tmp_path / "ledger.zip").issues[s.ISSUE_ID].tolist() == ["A"]
    with zipfile.ZipFile(tmp_path / "locked.zip", "w") as archive:
        archive.writestr("台账.csv", body)
    data = bytearray((tmp_path / "locked.zip").read_bytes())  # the "encrypted" bit, as a password tool sets it
    data[data.find(b"PK\x03\x04") + 6] |= 1
    data[data.find(b"PK\x01\x02") + 8] |= 1
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    with pytest.raises(LedgerError) as caught:
        read_ledger(tmp_path / "locked.zip")
    assert explain(caught.value, "zh")[0] == "压缩文件“locked.zip”设有密码：请先解压，再上传其中的文件。"


def test_of_several_layers_the_one_with_the_ledger_is_read(tmp_path: Path) -> None:
    """A GeoPackage whose ledger is an attribute table beside a one-feature layer imported the stray layer."""
    import sqlite3

    import geopandas as gpd

    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame({"note": ["x"]}, geometry=[shapely.Point(117.25, 31.85)], crs=4326).to_file(
        path, layer="stray_point", driver="GPKG")
    table = pd.DataFrame({"问题编号": ["A", "B"], "问题类型": ["垃圾", "乱停乱放"], "上报时间": ["2026-03-02 09:00"] * 2,
                          "经度": ["117.25", "117.26"], "纬度": ["31.85", "31.86"]})
    con = sqlite3.connect(path)
    try:
        table.to_sql("台账", con, index=False)
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('台账', 'attributes', '台账')")
        con.commit()
    finally:
        con.close()
    result = read_ledger(path)
    assert result.issues[s.ISSUE_ID].tolist() == ["A", "B"] and result.summary()["imported"] == 2


@pytest.mark.parametrize(("raised", "said"), [
    (OSError(28, "No space left on device"), "服务器磁盘已满"),
    (LedgerError("cannot read x.zip as a spatial layer: '/vsizip//tmp/x.zip' not recognized as being in a supported "
                 "file format."), "文件无法识别为地理图层"),
    (LedgerError("cannot read big.geojson as a spatial layer: ... set OGR_GEOJSON_MAX_OBJ_SIZE to a bigger value"),
     "请在 GIS 软件中另存为 GeoPackage"),
])
def test_system_and_gdal_wording_reaches_a_clerk_as_a_sentence(raised: Exception, said: str) -> None:
    """No errno line, no /vsizip/ path, no GDAL configuration option on a clerk's screen."""
    from dashboard.errors import explain

    sentence, detail = explain(raised, "zh")
    assert said in sentence and detail is None and "vsizip" not in sentence and "Errno" not in sentence
