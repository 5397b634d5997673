"""Hostile inputs: files that lie about their size, break the table's shape or hold impossible values.

Every case ends in a one-line error or an import whose rows are all accounted for, within bounded
memory and time. The large cases are built by editing a small workbook's XML or by compressing
zeros, so nothing big is ever held by the test itself.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import Workbook

from geo import schema as s
from geo.ingest.excel import column_letter
from geo.ingest.grid_layers import read_grids
from geo.ingest.imports import import_grids, import_ledger, safe_filename, store_upload
from geo.ingest.ledger import read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ingest.tables import LedgerError
from geo.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["问题编号", "问题类型", "上报时间", "经度", "纬度", "处置状态"]
ROWS = [["H1", "垃圾", "2026-03-05 09:00", "117.25", "31.85", "待处置"],
        ["H2", "乱停乱放", "2026-03-05 10:00", "117.251", "31.851", "已办结"]]
TODAY = dt.date(2026, 12, 1)


def workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def patch_sheet(path: Path, edit: callable) -> Path:
    """Rewrite the first sheet's XML of an xlsx with ``edit(xml) -> xml`` (to make it lie)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            dst.writestr(info, data)
    path.write_bytes(buf.getvalue())
    return path


def run_import_capped(path: Path, workspace: Path, *, memory_mb: int = 1500, seconds: int = 60,
                      extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m geo import`` in its own process with an address-space cap (real memory bound)."""
    code = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({memory_mb << 20}, {memory_mb << 20})); "
            "from geo.cli import main; sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(extra_env or {})}
    return subprocess.run([sys.executable, "-c", code, "import", str(path), "--workspace", str(workspace),
                           "--grids", str(ROOT / "data/sample/grids.geojson")],
                          capture_output=True, text=True, timeout=seconds, env=env)


def test_a_sheet_claiming_a_million_rows_reads_only_its_values(tmp_path: Path) -> None:
    """A <dimension> of A1:XFD1048576 and a merged range over the whole sheet: 2 rows, bounded."""
    path = workbook(tmp_path / "claims.xlsx", [HEADER, *ROWS])

    def lie(xml: str) -> str:
        xml = xml.replace('<dimension ref="A1:F3"/>', '<dimension ref="A1:XFD1048576"/>')
        return xml.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="G1:XFD1048576"/>'
                                            "</mergeCells>")

    patch_sheet(path, lie)
    assert path.stat().st_size < 10_000
    proc = run_import_capped(path, tmp_path / "ws")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imported"] == 2


def test_a_stray_value_at_xfd1048576_is_refused_in_one_line(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for r in [HEADER, *ROWS]:
        ws.append(r)
    ws.cell(row=1_048_576, column=16_384, value="x")
    wb.save(tmp_path / "stray.xlsx")
    proc = run_import_capped(tmp_path / "stray.xlsx", tmp_path / "ws", seconds=90)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "XFD1048576" in proc.stderr and "stray cells" in proc.stderr


def test_a_stray_empty_formatted_cell_changes_nothing(tmp_path: Path) -> None:
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    for r in [HEADER, *ROWS]:
        ws.append(r)
    ws.cell(row=1_048_576, column=16_384).font = Font(bold=True)
    wb.save(tmp_path / "styled.xlsx")
    assert read_ledger(tmp_path / "styled.xlsx", today=TODAY).summary()["imported"] == 2


def test_formula_only_rows_without_saved_values_are_counted_and_rejected(tmp_path: Path) -> None:
    path = workbook(tmp_path / "formulas.xlsx", [HEADER, *ROWS, ["=A2&\"x\"", "=B2", "=C2", "=D2", "=E2", "=F2"]])
    result = read_ledger(path, today=TODAY)
    assert result.summary() == {"read": 3, "imported": 2, "rejected": 1, "duplicates": 0}
    assert result.rejects["source_row"].tolist() == [4]
    assert "formula cells without a saved value (A4, B4" in result.rejects["reason"].iloc[0]


def test_a_zip_that_expands_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("grids.dbf", "w") as member:
            block = bytes(1 << 20)
            for _ in range(80):  # 80 MB of zeros, about 80 KB compressed
                member.write(block)
        z.writestr("grids.shp", b"")
    assert path.stat().st_size < 200_000
    os.environ["GRIDWATCH_MAX_ARCHIVE_MB"] = "50"
    try:
        with pytest.raises(LedgerError, match="expands to more than 50 MB"):
            read_grids(path)
        with pytest.raises(LedgerError, match="expands to more than 50 MB"):
            read_ledger(path)
    finally:
        del os.environ["GRIDWATCH_MAX_ARCHIVE_MB"]


@pytest.mark.parametrize("header", ["问题编号,问题类型,问题类型,上报时间,经度,纬度",
                                    "问题编号,问题类型,上报时间,经度,纬度,问题类型 "])
def test_duplicate_headers_are_one_clear_error(tmp_path: Path, header: str) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(header + "\nA,垃圾,垃圾,2026-03-05 09:00,117.25,31.85\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"the header '问题类型' appears twice \(columns \d and \d\)"):
        read_ledger(path, today=TODAY)


def test_an_unknown_time_zone_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="unknown time zone 'Asia/Shangai'"):
        read_ledger(path, mapping=LedgerMapping(tz="Asia/Shangai"))


def test_a_trailing_comma_on_every_row_shifts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text(",".join(HEADER) + "\n" + "".join(",".join(r) + ",\n" for r in ROWS), encoding="utf-8")
    result = read_ledger(path, today=TODAY)
    assert result.summary() == {"read": 2, "imported": 2, "rejected": 0, "duplicates": 0}
    assert result.issues[s.ISSUE_ID].tolist() == ["H1", "H2"]
    assert result.issues[s.STATUS].tolist() == ["open", "closed"]


def test_a_row_with_values_beyond_the_header_is_rejected_with_its_id(tmp_path: Path) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + ",\n" + ",".join(ROWS[1]) + ",surplus\n",
                    encoding="utf-8")
    result = read_ledger(path, today=TODAY)
    assert result.summary() == {"read": 2, "imported": 1, "rejected": 1, "duplicates": 0}
    assert result.rejects["问题编号"].tolist() == ["H2"] and "more cells than the header" in result.rejects["reason"][0]


def test_one_row_two_fields_too_long_is_rejected_with_its_number_and_the_rest_import(tmp_path: Path) -> None:
    """pandas' C tokenizer refuses a whole file for one row two or more fields longer than the header
    ("Expected 9 fields in line 3, saw 11"); docs/reliability.md promises the row alone is rejected."""
    path = tmp_path / "extra.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n" + ",".join(ROWS[1]) + ",surplus,more\n"
                    + ",".join(ROWS[0]).replace("H1", "H3") + "\n", encoding="utf-8")
    result = read_ledger(path, today=TODAY)
    assert result.summary() == {"read": 3, "imported": 2, "rejected": 1, "duplicates": 0}
    assert result.rejects["source_row"].tolist() == [3] and result.rejects["问题编号"].tolist() == ["H2"]
    assert result.issues[s.ISSUE_ID].tolist() == ["H1", "H3"]


def test_implausible_dates_are_rejected_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    rows = [["D1", "垃圾", "2199-03-05 09:00"], ["D2", "垃圾", "1900-01-01"], ["D3", "垃圾", "2026"],
            ["D4", "垃圾", "2026年3月"], ["D5", "垃圾", "2026-11-30 23:00"], ["D6", "垃圾", "2026-12-02 08:00"]]
    path.write_text("问题编号,问题类型,上报时间,经度,纬度\n" + "".join(",".join(r) + ",117.25,31.85\n" for r in rows),
                    encoding="utf-8")
    result = read_ledger(path, today=TODAY)
    assert result.issues[s.ISSUE_ID].tolist() == ["D5", "D6"]  # today and tomorrow are fine (clocks, zones)
    reasons = dict(zip(result.rejects["问题编号"], result.rejects["reason"], strict=True))
    assert reasons["D1"].startswith("reported time in the future: 2199-03-05")
    assert reasons["D2"].startswith("reported time before 2000: 1900-01-01")
    assert reasons["D3"] == "reported time has no day: 2026" and reasons["D4"] == "reported time has no day: 2026年3月"


def test_a_layer_whose_prj_says_metres_for_degrees_is_refused(tmp_path: Path) -> None:
    grids = gpd.GeoDataFrame({"grid_id": ["G1"]}, geometry=[shapely.box(117.2, 31.8, 117.3, 31.9)], crs="EPSG:4547")
    path = tmp_path / "grids.gpkg"
    grids.to_file(path)
    with pytest.raises(LedgerError, match=r"declares EPSG:4547 .* look like degrees .* likely EPSG:4326"):
        read_grids(path)
    points = gpd.GeoDataFrame({"问题类型": ["垃圾"], "上报时间": ["2026-03-05"]},
                              geometry=[shapely.Point(500_000, 3_500_000)], crs="EPSG:4326")
    points.to_file(tmp_path / "points.gpkg")
    with pytest.raises(LedgerError, match=r"declares EPSG:4326 \(degrees\) but its coordinates are metres"):
        read_ledger(tmp_path / "points.gpkg")


def test_a_malformed_photo_link_imports_as_text(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    import_grids(ws, ROOT / "data/sample/grids.geojson")
    path = tmp_path / "photo.csv"
    path.write_text(",".join([*HEADER, "整改前照片"]) + "\n" + ",".join([*ROWS[0], "https://["]) + "\n",
                    encoding="utf-8")
    summary = import_ledger(ws, path)
    assert summary.imported == 1 and ws.imports()[-1]["source"] == "photo.csv"


def test_a_long_chinese_upload_name_is_shortened_and_everything_is_kept(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    import_grids(ws, ROOT / "data/sample/grids.geojson")
    name = "青石街道" * 30 + "问题台账.csv"  # 126 characters, 374 bytes
    body = ",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n" + "H3,垃圾,,117.25,31.85,待处置\n"
    saved = store_upload(ws, name, body.encode("utf-8"))
    assert len(saved.name.encode("utf-8")) <= 150 and saved.suffix == ".csv"
    summary = import_ledger(ws, saved, source_name=name)
    assert (summary.imported, summary.rejected) == (1, 1) and ws.rejects(summary.rejects_ref) is not None
    assert ws.imports()[-1]["source"] == safe_filename(name)
    assert len(safe_filename(name).encode("utf-8")) <= 150 and safe_filename(name).endswith(".csv")


def test_a_big5_ledger_is_decoded_as_big5(tmp_path: Path) -> None:
    path = tmp_path / "big5.csv"
    text = "問題編號,問題類型,上報時間,經度,緯度,地址\nB1,違章搭建,2026-03-05 09:00,117.25,31.85,青石路1號院內\n"
    path.write_bytes(text.encode("big5"))
    result = read_ledger(path, today=TODAY)
    assert result.issues[s.ADDRESS].tolist() == ["青石路1號院內"]


def test_a_utf16_ledger_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes((",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n").encode("utf-16"))
    assert read_ledger(path, today=TODAY).issues[s.ISSUE_ID].tolist() == ["H1"]


def test_more_rows_than_the_limit_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(",".join(HEADER) + "\n" + "".join(f"R{i},垃圾,2026-03-05,117.25,31.85,待处置\n" for i in range(30)),
                    encoding="utf-8")
    proc = run_import_capped(path, tmp_path / "ws", extra_env={"GRIDWATCH_MAX_ROWS": "20"})
    assert proc.returncode == 2 and "more than 20 rows" in proc.stderr and "Traceback" not in proc.stderr


def test_pandas_frame_is_read_the_same(tmp_path: Path) -> None:
    frame = pd.DataFrame([ROWS[0]], columns=HEADER)
    assert read_ledger(frame, today=TODAY).issues[s.ISSUE_ID].tolist() == ["H1"]


def _second_sheet(path: Path) -> None:
    wb = Workbook()
    wb.active.title = "封面"
    wb.create_sheet("台账").append(HEADER)
    wb["台账"].append(ROWS[0])
    wb.save(path)


@pytest.mark.parametrize(("name", "make", "expect"), [
    ("tab.txt", lambda p: p.write_text("\t".join(HEADER) + "\n" + "\t".join(ROWS[0]) + "\n", encoding="utf-8"), 1),
    ("semi.csv", lambda p: p.write_text(";".join(HEADER) + "\n" + ";".join(ROWS[0]) + "\n", encoding="utf-8"), 1),
    ("cp1252.csv", lambda p: p.write_bytes("id,category,created date,longitude,latitude,address\n"
                                          "1,Graffiti,2026-03-05,117.25,31.85,Café\n".encode("cp1252")), 1),
    ("second_sheet.xlsx", _second_sheet, 1),
    ("only_bom.csv", lambda p: p.write_bytes(b"\xef\xbb\xbf"), "cannot parse CSV"),
    ("quote.csv", lambda p: p.write_text(",".join(HEADER) + '\nA,"垃圾,2026-03-05,1,2,x\n', encoding="utf-8"),
     "EOF inside string"),
    ("bad.csv.gz", lambda p: p.write_bytes(b"\x1f\x8bnot gzip"), "cannot read bad.csv.gz"),
    ("old.xlsx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)), "not a readable zip"),
    ("random.gpkg", lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x01" * 2000), "cannot read random.gpkg"),
    ("broken.geojson", lambda p: p.write_text("{not json", encoding="utf-8"), "cannot read broken.geojson"),
    ("multi.geojson", lambda p: p.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[117.25, 31.85]]},
        "properties": {}}]}), encoding="utf-8"), "must hold points"),
])
def test_odd_files_import_or_fail_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                                             make: callable, expect: int | str) -> None:
    from geo.cli import main

    path = tmp_path / name
    make(path)
    ws = tmp_path / "ws"
    code = main(["import", str(path), "--workspace", str(ws), "--grids", str(ROOT / "data/sample/grids.geojson")])
    out, err = capsys.readouterr()
    if isinstance(expect, int):
        assert code == 0, err
        counts = json.loads(out)
        assert counts["imported"] == expect and counts["read"] == counts["imported"] + counts["rejected"]
    else:
        assert code == 2 and err.count("\n") == 1 and expect in err and "Traceback" not in err
        assert Workspace(ws).status()["issues"] == 0  # nothing half-imported


@pytest.mark.parametrize("crs", ["EPSG:4326", "gcj02", "bd09", "EPSG:4490"])
def test_swapped_rows_are_fixed_in_every_degree_system(tmp_path: Path, crs: str) -> None:
    path = tmp_path / "swapped.csv"
    path.write_text("问题编号,问题类型,上报时间,经度,纬度\nS1,垃圾,2026-03-05,117.25,31.85\n"
                    "S2,垃圾,2026-03-05,31.85,117.25\n", encoding="utf-8")
    result = read_ledger(path, mapping=LedgerMapping(crs=crs), today=TODAY)
    assert result.summary()["imported"] == 2 and result.swapped == 1
    a, b = result.issues.geometry
    assert a.distance(b) < 1e-9  # the swapped row lands where the other one does


def test_a_point_at_the_smallest_float_is_the_zero_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    rows = [r[:] for r in ROWS]
    rows[1][HEADER.index("经度")], rows[1][HEADER.index("纬度")] = "4.9e-324", "-4.9e-324"
    path.write_text(",".join(HEADER) + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    result = read_ledger(path, today=TODAY)
    assert result.summary()["rejected"] == 1 and "(0, 0)" in result.rejects["reason"].iloc[0]


def _pad_shared_strings(path: Path, extra: int) -> Path:
    """The ledger as Excel writes it (every text in the shared-strings table, cells referring to it by number),
    with ``extra`` unused entries appended to the table. Written by hand: openpyxl writes inline strings."""
    rows = [HEADER, *ROWS]
    strings = list(dict.fromkeys(str(v) for row in rows for v in row))
    cells = "".join(
        f'<row r="{i}">' + "".join(f'<c r="{column_letter(j + 1)}{i}" t="s"><v>{strings.index(str(v))}</v></c>'
                                   for j, v in enumerate(row)) + "</row>" for i, row in enumerate(rows, start=1))
    entries = "".join(f"<si><t>{html.escape(v)}</t></si>" for v in strings)
    padding = "".join(f"<si><t>unused {i}</t></si>" for i in range(extra))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="'
            '/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/></Types>'),
        "_rels/.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="台账" sheetId="1" '
                            'r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{cells}</sheetData></worksheet>',
        "xl/sharedStrings.xml": (f'<sst xmlns="{main}" count="{len(strings) + extra}" '
                                 f'uniqueCount="{len(strings) + extra}">{entries}{padding}</sst>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, text in parts.items():
            out.writestr(name, text)
    return path


def test_a_huge_unused_shared_strings_table_is_refused_at_no_cost(tmp_path: Path) -> None:
    """A million unused text values beside two rows (openpyxl loads the whole table first: 1.3 GB and 25 CPU-s
    at three million): refused in one line under the 1.5 GB cap, before openpyxl reads anything."""
    path = _pad_shared_strings(tmp_path / "padded.xlsx", 1_000_000)
    assert path.stat().st_size < 8_000_000
    proc = run_import_capped(path, tmp_path / "ws")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1  # one line
    line = proc.stderr.strip()
    assert "lists 1,000,018 text values but its cells use at most 18" in line, line  # 3 rows x 6 cells, 18 texts
    # A few spare entries (a generator's leftovers) are read as usual.
    small = _pad_shared_strings(tmp_path / "spare.xlsx", 500)
    proc = run_import_capped(small, tmp_path / "ws2")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imported"] == 2
