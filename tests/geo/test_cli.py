import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main
from geo.forecast import METHODS
from geo.store import Workspace

ROOT = Path(__file__).resolve().parents[2]


def test_counts_prints_summary_and_writes_the_cube(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cube.csv"
    assert main(["counts", "--category", "posters", "--top", "2", "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"read": 21470, "imported": 21470, "rejected": 0, "duplicates": 0, "outside_grids": 0}
    assert [g["rank"] for g in doc["top_grids"]] == [1, 2]
    assert doc["top_grids"][0]["grid_id"] == "340104012003001"  # the planted poster street
    cube = pd.read_csv(out)
    assert set(cube["category"]) == {"posters"} and len(cube) == 35 * 54


def test_unreadable_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "geo", "counts", "--ledger", str(tmp_path / "nope.csv")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "not found" in proc.stderr
    assert proc.stdout == ""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, cwd=ROOT, check=False)


def test_import_prints_one_json_line_that_reconciles(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    proc = run_cli("import", "tests/fixtures/ledgers/18_bad_dates.csv", "--workspace", str(ws),
                   "--grids", "data/sample/grids.geojson")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    doc = json.loads(lines[0])
    assert list(doc) == ["read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points"]
    assert doc["read"] == doc["imported"] + doc["updated"] + doc["rejected"] + doc["duplicates"] == 4
    assert doc["rejected"] == 3 and doc["outside_grids"] == 0  # 117.25, 31.85 lies inside the sample street
    rejects = list((ws / "generations").glob("*/rejects/*.csv"))
    assert len(rejects) == 1 and "source_row" in rejects[0].read_text(encoding="utf-8-sig").splitlines()[0]


def test_mapping_file_and_crs_option(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"crs": "EPSG:4527", "tz": "Asia/Shanghai"}), encoding="utf-8")
    proc = run_cli("import", "tests/fixtures/ledgers/12_projected_with_crs.csv", "--workspace", str(tmp_path / "ws"),
                   "--grids", "data/sample/grids.geojson", "--mapping", str(mapping))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imported"] == 2
    saved = Workspace(tmp_path / "ws").read("mapping").mapping
    assert saved["crs"] == "EPSG:4527"
    proc = run_cli("import", "tests/fixtures/ledgers/13_gcj02.csv", "--workspace", str(tmp_path / "ws"), "--crs", "gcj02")
    assert proc.returncode == 0 and json.loads(proc.stdout)["imported"] == 1


def test_import_grids_and_export(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    proc = run_cli("import-grids", "data/sample/grids.geojson", "--workspace", str(ws))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"grids": 35, "repaired": [], "overlaps": [], "gaps": 0, "gap_area_m2": 0.0,
                                       "moved": 0, "now_outside": 0, "now_inside": 0, "damaged_names": []}
    assert run_cli("import", "tests/fixtures/ledgers/27_formula_injection.csv", "--workspace", str(ws)).returncode == 0
    out = tmp_path / "issues.csv"
    proc = run_cli("export", "--workspace", str(ws), "--out", str(out))
    assert proc.returncode == 0 and json.loads(proc.stdout)["rows"] == 1
    exported = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert exported["address"].tolist() == ["'=HYPERLINK(\"http://x\",\"点我\")"]
    assert exported["description"].tolist() == ["'@SUM(A1)"]


@pytest.mark.parametrize("args", [
    ("import", "tests/fixtures/ledgers/33_not_a_ledger.pdf", "--grids", "data/sample/grids.geojson"),
    ("import", "tests/fixtures/ledgers/01_utf8.csv"),  # no grids in the workspace yet
    ("import", "tests/fixtures/ledgers/01_utf8.csv", "--grids", "data/sample/grids.geojson", "--crs", "EPSG:999999"),
    ("export", "--out", "x.csv"),  # nothing to export
])
def test_failures_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = run_cli(*args, "--workspace", str(tmp_path / "empty"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1


def test_hotspots_command_writes_cells_and_choices(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    imported = run_cli("import", "data/sample/ledger.csv", "--workspace", str(ws), "--grids", "data/sample/grids.geojson")
    assert imported.returncode == 0
    out = tmp_path / "parking.csv"
    proc = run_cli("hotspots", "--workspace", str(ws), "--category", "parking", "--cells", "square:100", "--emerging",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    cells = pd.read_csv(out)
    assert list(cells.columns) == ["cell_id", "count", "z", "p", "class", "emerging"]
    assert cells["count"].sum() == 5_463  # parking issues, voided and suspect-pile records excluded
    assert (cells["class"] == "hot_99").sum() > 10 and "consecutive_hot" in set(cells["emerging"])
    choices = json.loads((tmp_path / "parking.csv.choices.json").read_text(encoding="utf-8"))
    assert choices["units"] == "square_cells" and choices["cell_size_m"] == 100
    # The pile holds 19 live parking records (counted from ledger.csv with the csv module).
    assert choices["suspect_points_excluded"] == 19 and choices["fdr"] == "benjamini_hochberg"
    assert choices["time_steps"] == 54 and choices["last_day"] == "2026-11-15"
    grid = tmp_path / "grid.geojson"
    assert run_cli("hotspots", "--workspace", str(ws), "--out", str(grid)).returncode == 0
    assert len(json.loads(grid.read_text(encoding="utf-8"))["features"]) == 35
    hexes = tmp_path / "posters.geojson"
    proc = run_cli("hotspots", "--workspace", str(ws), "--category", "posters", "--cells", "hex:100", "--outliers",
                   "--emerging", "--out", str(hexes))
    assert proc.returncode == 0, proc.stderr
    features = json.loads(hexes.read_text(encoding="utf-8"))["features"]
    props = pd.DataFrame([f["properties"] for f in features])
    assert all(len(f["geometry"]["coordinates"][0]) == 7 for f in features)  # hexagons: 6 corners + closing
    assert list(props.columns) == ["cell_id", "count", "z", "p", "class", "moran_class", "emerging"]
    assert "diminishing_hot" in set(props["emerging"]) and "HH" in set(props["moran_class"])
    choices = json.loads((tmp_path / "posters.geojson.choices.json").read_text(encoding="utf-8"))
    assert choices["units"] == "hex_cells" and choices["neighbourhood"] == "hex_contiguity"
    assert choices["outlier_method"] == "local_moran"
    assert choices["suspect_points_excluded"] == 7  # the pile's posters only (hand count: 7 of its 90 records)
    monthly = run_cli("hotspots", "--workspace", str(ws), "--cells", "grid", "--emerging", "--step", "month",
                      "--outlier-fdr", "--out", str(tmp_path / "monthly.csv"))
    assert monthly.returncode == 0, monthly.stderr
    monthly_choices = json.loads((tmp_path / "monthly.csv.choices.json").read_text(encoding="utf-8"))
    # 378 days of data (2025-11-03 .. 2026-11-15) in 30-day steps aligned to the end: 13 steps.
    assert monthly_choices["step_days"] == 30 and monthly_choices["time_steps"] == 13
    assert monthly_choices["outlier_fdr"] == "benjamini_hochberg"
    assert "moran_class" in pd.read_csv(tmp_path / "monthly.csv").columns
    auto = run_cli("hotspots", "--workspace", str(ws), "--cells", "square", "--out", str(tmp_path / "auto.csv"))
    assert auto.returncode == 0, auto.stderr
    auto_choices = json.loads((tmp_path / "auto.csv.choices.json").read_text(encoding="utf-8"))
    assert auto_choices["cell_size_rule"] == "mean_count_5" and auto_choices["cell_size_m"] == 50.0
    bad = run_cli("hotspots", "--workspace", str(ws), "--cells", "hex:wide", "--out", str(grid))
    assert bad.returncode == 2 and "hex[:METRES]" in bad.stderr


def test_forecast_and_backtest_commands(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run_cli("import", "data/sample/ledger.csv", "--workspace", str(ws), "--grids",
                   "data/sample/grids.geojson").returncode == 0
    out = tmp_path / "grids.geojson"
    proc = run_cli("forecast", "--workspace", str(ws), "--as-of", "2026-06-01", "--units", "grids", "--method", "learned",
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["units"] == 35
    doc = json.loads(out.read_text(encoding="utf-8"))
    props = pd.DataFrame([f["properties"] for f in doc["features"]])
    assert sorted(props["rank"]) == list(range(1, 36)) and props["as_of"].eq("2026-06-01").all()
    assert {"unit_id", "expected", "lower", "upper", "reasons_zh", "reasons_en", "method"} <= set(props.columns)
    assert (props["lower"] <= props["expected"]).all() and props["reasons_zh"].nunique() == 35
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 117 < lon < 118 and 31 < lat < 32  # WGS84
    week = tmp_path / "cells.geojson"
    proc = run_cli("forecast", "--workspace", str(ws), "--as-of", "2026-06-01", "--horizon-days", "7", "--category",
                   "parking", "litter", "--out", str(week))
    assert proc.returncode == 0, proc.stderr
    cells = pd.DataFrame([f["properties"] for f in json.loads(week.read_text(encoding="utf-8"))["features"]])
    assert len(cells) == 654 and set(cells["top_category"]) <= {"parking", "litter", ""}
    assert cells.sort_values("rank")["expected_per_km2"].is_monotonic_decreasing
    proc = run_cli("backtest", "--workspace", str(ws), "--origins", "3", "--area", "0.01,0.05", "--category", "parking")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["origins"] == 3 and result["categories"] == ["parking"] and result["cell_size_m"] == 100
    assert len(result["summary"]) == 14 and result["winner"] in METHODS  # 7 methods at 2 shares; nothing nested
    assert result["sentence_zh"].startswith("过去 3 周的检验还太少")
    bad = run_cli("forecast", "--workspace", str(ws), "--as-of", "2026-06-01", "--category", "budget", "--out", str(out))
    assert bad.returncode == 2 and bad.stderr.startswith("error: unknown category budget")


def test_users_undo_audit_and_export_commands(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    added = subprocess.run([sys.executable, "-m", "geo", "users", "add", "王芳", "--role", "clerk", "--file", str(users),
                            "--password-stdin"], input="a long enough secret\n", capture_output=True, text=True,
                           cwd=ROOT, check=False)
    assert added.returncode == 0, added.stderr
    assert "a long enough secret" not in added.stdout + added.stderr + users.read_text(encoding="utf-8")
    listed = run_cli("users", "list", "--file", str(users))
    assert json.loads(listed.stdout) == {"王芳": "clerk"}
    ws = tmp_path / "ws"
    assert run_cli("import", "data/sample/ledger.csv", "--workspace", str(ws), "--grids",
                   "data/sample/grids.geojson").returncode == 0
    audit = json.loads(run_cli("audit", "--workspace", str(ws)).stdout)
    assert [r["kind"] for r in audit] == ["ledger", "grids"] and audit[0]["actor"].startswith("cli:")
    assert len(audit[0]["sha256"]) == 64
    undone = run_cli("undo", "--workspace", str(ws), "--generation", "2")
    assert undone.returncode == 0, undone.stderr
    assert json.loads(undone.stdout)["issues_after"] == 0
    assert json.loads(run_cli("status", "--workspace", str(ws)).stdout)["issues"] == 0
    bad = run_cli("undo", "--workspace", str(ws), "--generation", "3")
    assert bad.returncode == 2 and "not an import" in bad.stderr
    assert run_cli("undo", "--workspace", str(ws), "--generation", "1").returncode == 0  # the grids too
    assert run_cli("import", "data/sample/ledger.csv", "--workspace", str(ws), "--grids",
                   "data/sample/grids.geojson").returncode == 0
    out = tmp_path / "issues.csv"
    exported = run_cli("export", "--workspace", str(ws), "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    trail = pd.read_csv(tmp_path / "issues.csv.audit.csv", encoding="utf-8-sig")
    assert trail["kind"].tolist() == ["ledger", "grids", "undo", "undo", "ledger", "grids"]
    # .json: the ledger as Open311 GeoReport v2 service requests, every stored issue once.
    feed = run_cli("export", "--workspace", str(ws), "--out", str(tmp_path / "requests.json"))
    assert feed.returncode == 0, feed.stderr
    requests = json.loads((tmp_path / "requests.json").read_text(encoding="utf-8"))
    assert len(requests) == json.loads(feed.stdout)["rows"] and {"service_request_id", "lat", "long"} <= set(requests[0])
    verified = run_cli("audit", "--workspace", str(ws), "--verify")
    check = json.loads(verified.stdout)
    assert verified.returncode == 0 and check["holds"] and check["sealed"] == 6
    assert check["head"] == trail["hash"].iloc[0]  # the export carries the chain to its head


def test_grids_of_unknown_fields_import_from_the_command_line_as_in_the_wizard(tmp_path: Path) -> None:
    """`import --grids` asked for a grid_id field NYC's community districts do not have (BoroCD)."""
    ws = tmp_path / "ws"
    proc = run_cli("import", "tests/fixtures/real/nyc_nikeiubel_assocrules_2013-12-25.csv.gz", "--workspace", str(ws),
                   "--grids", "tests/fixtures/real/nyc_community_districts_dcp2013.geojson.gz")
    assert proc.returncode == 0, proc.stderr
    grids = json.loads(run_cli("status", "--workspace", str(ws)).stdout)["grids"]
    assert grids == 71
    named = run_cli("import-grids", "data/sample/grids.geojson", "--workspace", str(tmp_path / "sample"))
    assert named.returncode == 0 and json.loads(named.stdout)["grids"] == 35  # our own names still win



def test_the_hotspot_steps_are_the_statistics_steps() -> None:
    # The parser names them without importing the statistics (SciPy): the two lists must not drift apart.
    from geo import cli
    from geo.stats.hotspot_analysis import STEP_DAYS

    assert cli.STEPS == tuple(STEP_DAYS)
