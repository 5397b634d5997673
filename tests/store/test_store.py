"""The store protocol, on both backends: round trips, all-or-nothing commits, generations, formats."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo import schema as s
from geo.cli import main
from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.tables import LedgerError
from geo.store import IssueStore, StoreError, Workspace
from tests.conftest import square_grids

LEDGER = "问题编号,问题类型,上报时间,经度,纬度,处置状态,办结时间\n"


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(LEDGER + body, encoding="utf-8")
    return path


def with_grids(store: IssueStore, tmp_path: Path) -> IssueStore:
    path = tmp_path / "grids.geojson"
    square_grids().to_file(path, driver="GeoJSON")
    import_grids(store, path)
    return store


def test_an_empty_store_is_generation_zero(make_store: Callable[[], IssueStore]) -> None:
    store = make_store()
    state = store.read()
    assert state.generation == 0 and state.issues is None and state.grids is None
    assert state.history.empty and state.imports == [] and store.status()["issues"] == 0


def test_imports_round_trip_the_same_on_both_backends(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = with_grids(make_store(), tmp_path)
    one = write(tmp_path, "w1.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\nB,乱停乱放,2026-03-02 10:00,1.5,0.5,待处置,\n")
    two = write(tmp_path, "w2.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00\n"
                                    "C,垃圾,2026-03-04 08:00,9,9,待处置,\n")
    import_ledger(store, one)
    summary = import_ledger(store, two)
    assert (summary.imported, summary.updated, summary.generation) == (1, 1, 3)
    state = store.read()
    assert state.generation == 3
    issues = state.issues.set_index(s.ISSUE_ID)
    assert list(state.issues.columns) == list(s.STORED_ISSUE_COLUMNS)
    assert issues.at["A", s.CLOSED_AT] == pd.Timestamp("2026-03-03 12:00", tz="Asia/Shanghai")
    assert issues.at["A", s.STATUS] == "closed" and issues.at["B", s.GRID_ID] == "A"
    assert bool(issues.at["C", s.OUTSIDE_GRIDS]) and pd.isna(issues.at["C", s.GRID_ID])
    assert state.history[["issue_id", "field", "old", "new"]].values.tolist()[:1] == [["A", "status", "open", "closed"]]
    assert [r["kind"] for r in state.imports] == ["grids", "ledger", "ledger"]
    assert [r["generation"] for r in state.imports] == [1, 2, 3]
    assert all(len(r["sha256"]) == 64 for r in state.imports)
    status = store.status()
    # Each backend has its own layout version (embedded 3: issues by month; PostGIS 2).
    assert status["format_version"] == (3 if status["backend"] == "embedded" else 2)
    assert status | {"workspace": None, "backend": None, "format_version": None} == {
        "backend": None, "workspace": None, "generation": 3, "format_version": None, "issues": 3, "grids": 4,
        "history_rows": 3, "imports_logged": 3}  # status, status_raw, closed_at of A


def test_both_backends_store_exactly_the_same_frame(make_store: Callable[[], IssueStore], tmp_path: Path,
                                                    sample_workspace: Workspace) -> None:
    """The sample street imported into this backend reads back equal to the embedded reference."""
    store = make_store()
    import_grids(store, "data/sample/grids.geojson")
    import_ledger(store, "data/sample/ledger.csv")
    mine = store.read("issues", "grids")
    ref = sample_workspace.read("issues", "grids")
    a = mine.issues.sort_values(s.ISSUE_ID).reset_index(drop=True)
    b = ref.issues.sort_values(s.ISSUE_ID).reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert a.geometry.geom_equals_exact(b.geometry, 0).all()
    g1 = mine.grids.sort_values(s.GRID_ID).reset_index(drop=True)
    g2 = ref.grids.sort_values(s.GRID_ID).reset_index(drop=True)
    assert g1[s.GRID_ID].tolist() == g2[s.GRID_ID].tolist()
    assert g1.geometry.normalize().geom_equals_exact(g2.geometry.normalize(), 1e-12).all()


def test_a_failing_transaction_publishes_nothing(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = with_grids(make_store(), tmp_path)
    import_ledger(store, write(tmp_path, "w1.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    before = store.read()
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        issues = tx.load_issues()
        tx.put_issues(issues.assign(status="closed"))
        tx.add_history(pd.DataFrame([dict.fromkeys(s.HISTORY_COLUMNS, "x")]))
        tx.log({"kind": "ledger", "source": "half.csv"})
        raise RuntimeError("boom")
    after = store.read()
    assert after.generation == before.generation
    pd.testing.assert_frame_equal(after.issues, before.issues)
    assert after.imports == before.imports and len(after.history) == len(before.history)


def test_a_bad_value_fails_before_anything_is_written(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = with_grids(make_store(), tmp_path)
    import_ledger(store, write(tmp_path, "w1.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    with store.transaction() as tx, pytest.raises(s.SchemaError, match="nonsense"):
        tx.put_issues(tx.load_issues().assign(status="nonsense"))
    assert store.generation() == 2 and store.load_issues()[s.STATUS].tolist() == ["open"]


def test_a_ledger_before_grids_is_one_clear_error(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = make_store()
    with pytest.raises(LedgerError, match="no grids yet"):
        import_ledger(store, write(tmp_path, "w.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    assert store.generation() == 0


def test_grid_reimport_rejoins_stored_issues(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = with_grids(make_store(), tmp_path)
    import_ledger(store, write(tmp_path, "w.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"
                                                  "B,垃圾,2026-03-02 09:00,1.5,0.5,待处置,\n"
                                                  "C,垃圾,2026-03-02 09:00,0.5,1.5,待处置,\n"))
    # Grid "B" ([0,1]x[0,1]) is removed; grid "A" now also covers the lower left square.
    grids = square_grids()
    grids = grids[grids[s.GRID_ID] != "B"].copy()
    grids.loc[grids[s.GRID_ID] == "A", "geometry"] = gpd.GeoSeries.from_wkt(["POLYGON((0 0,2 0,2 1,0 1,0 0))"]).values
    grids = grids[grids[s.GRID_ID] != "D"]
    path = tmp_path / "grids2.geojson"
    grids.to_file(path, driver="GeoJSON")
    report = import_grids(store, path)
    assert (report.moved, report.now_outside, report.now_inside) == (1, 1, 0)
    issues = store.load_issues().set_index(s.ISSUE_ID)
    assert issues.at["A", s.GRID_ID] == "A" and issues.at["B", s.GRID_ID] == "A"
    assert pd.isna(issues.at["C", s.GRID_ID]) and bool(issues.at["C", s.OUTSIDE_GRIDS])


def test_rejects_are_kept_in_the_store(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = with_grids(make_store(), tmp_path)
    summary = import_ledger(store, write(tmp_path, "bad.csv", "A,垃圾,,0.5,0.5,待处置,\n"))
    data = store.rejects(summary.rejects_ref)
    assert data is not None and "missing reported time" in data.decode("utf-8-sig")
    assert store.rejects("nope.csv") is None


def test_status_command_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = with_grids(Workspace(tmp_path / "ws"), tmp_path)
    assert main(["status", "--workspace", str(ws.root)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"backend": "embedded", "workspace": str(ws.root), "generation": 1, "format_version": 3,
                   "issues": 0, "grids": 4, "history_rows": 0, "imports_logged": 1}


# --- embedded specifics ---------------------------------------------------------------------------------------
def test_a_format_1_workspace_is_migrated_on_first_open(tmp_path: Path) -> None:
    """Format 1 kept flat files rewritten in place; they become generation 1 with nothing lost."""
    ws = with_grids(Workspace(tmp_path / "new"), tmp_path)
    import_ledger(ws, write(tmp_path, "bad.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\nB,垃圾,,0.5,0.5,待处置,\n"))
    state = ws.read()
    old = tmp_path / "old"
    (old / "rejects").mkdir(parents=True)
    state.issues.to_parquet(old / "issues.parquet")
    state.grids.to_parquet(old / "grids.parquet")
    (old / "rejects" / "x_rejects.csv").write_text("source_row,reason\n3,missing reported time\n", encoding="utf-8")
    records = [{k: v for k, v in r.items() if k not in ("kind", "generation", "sha256")} for r in state.imports]
    records[-1]["rejects_file"] = str(old / "rejects" / "x_rejects.csv")
    (old / "imports.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (old / "issues.parquet.tmp").write_bytes(b"half a file")  # what format 1 left when killed
    migrated = Workspace(old)
    assert migrated.format_version() == 1
    got = migrated.read()
    assert migrated.format_version() == 3 and got.generation == 1  # 1 -> 2 -> 3
    pd.testing.assert_frame_equal(got.issues, state.issues)
    assert got.imports[-1]["rejects_ref"] == "x_rejects.csv" and migrated.rejects("x_rejects.csv").startswith(b"source")
    assert sorted(p.name for p in old.iterdir()) == [".lock", "CURRENT", "FORMAT", "generations"]


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "FORMAT").write_text('{"format_version": 99}', encoding="utf-8")
    with pytest.raises(StoreError, match="format 99"):
        Workspace(tmp_path / "ws").read()


def test_leftovers_of_a_killed_commit_are_cleaned_and_never_read(tmp_path: Path) -> None:
    ws = with_grids(Workspace(tmp_path / "ws"), tmp_path)
    stray_tmp = ws.generations_dir / "000002.tmp-deadbeef"
    stray_tmp.mkdir()
    renamed = ws.generation_dir(2)  # renamed into place, killed before CURRENT moved
    renamed.mkdir()
    (renamed / "issues.parquet").write_bytes(b"not parquet")
    assert ws.read().generation == 1 and ws.load_issues() is None
    import_ledger(ws, write(tmp_path, "w.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    assert not stray_tmp.exists() and ws.generation() == 2 and len(ws.load_issues()) == 1


def test_unchanged_files_are_hard_linked_not_copied(tmp_path: Path) -> None:
    ws = with_grids(Workspace(tmp_path / "ws"), tmp_path)
    import_ledger(ws, write(tmp_path, "w.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    a, b = ws.generation_dir(1) / "grids.parquet", ws.generation_dir(2) / "grids.parquet"
    assert os.stat(a).st_ino == os.stat(b).st_ino


def test_old_generations_are_pruned(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", keep_generations=3)
    for i in range(6):
        with ws.transaction() as tx:
            tx.put_mapping({"n": i})
    assert sorted(p.name for p in ws.generations_dir.iterdir()) == ["000004", "000005", "000006"]
    assert ws.read("mapping").mapping == {"n": 5}


def test_a_busy_lock_is_a_clear_error(tmp_path: Path) -> None:
    import filelock

    ws = Workspace(tmp_path / "ws", lock_timeout_s=0.2)
    ws.root.mkdir()
    with filelock.FileLock(str(ws.root / ".lock")), pytest.raises(StoreError, match="busy"), ws.transaction():
        pass


def test_category_choices_remap_stored_issues_and_later_imports(make_store: Callable[[], IssueStore],
                                                                 tmp_path: Path) -> None:
    from geo.categories import read_categories
    from geo.ingest.imports import category_labels, remap_categories

    store = with_grids(make_store(), tmp_path)
    import_ledger(store, write(tmp_path, "w1.csv", "A,Graffiti,2026-03-02 09:00,0.5,0.5,待处置,\n"
                                                   "B,噪音扰民,2026-03-02 10:00,0.5,0.5,待处置,\n"
                                                   "C,噪音扰民,2026-03-02 11:00,0.5,0.5,待处置,\n"))
    labels = category_labels(store.load_issues()[s.CATEGORY_RAW], read_categories())
    assert labels.values.tolist() == [["噪音扰民", 2, "other", False], ["Graffiti", 1, "posters", True]]
    assert remap_categories(store, {"噪音扰民": "street_vending"}) == 2
    issues = store.load_issues().set_index(s.ISSUE_ID)
    assert issues[s.CATEGORY].to_dict() == {"A": "posters", "B": "street_vending", "C": "street_vending"}
    assert store.read("mapping").mapping["categories"] == {"噪音扰民": "street_vending"}
    assert store.imports()[-1]["kind"] == "mapping"
    assert (store.load_history()["field"] == "category").sum() == 2
    # A later ledger with the same label maps it the same way without being told again.
    import_ledger(store, write(tmp_path, "w2.csv", "D,噪音扰民,2026-03-03 09:00,0.5,0.5,待处置,\n"))
    assert store.load_issues().set_index(s.ISSUE_ID).at["D", s.CATEGORY] == "street_vending"
    with pytest.raises(ValueError, match="unknown category codes"):
        remap_categories(store, {"x": "nonsense"})


def test_issues_are_kept_by_month_and_an_unchanged_month_is_linked(tmp_path: Path) -> None:
    """A new week's ledger rewrites its own month; the history's months are hard links to the last generation."""
    ws = with_grids(Workspace(tmp_path / "ws"), tmp_path)
    import_ledger(ws, write(tmp_path, "w1.csv", "A,垃圾,2026-02-27 09:00,0.5,0.5,待处置,\n"
                                                "B,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    g2 = ws.generation_dir(ws.generation()) / "issues"
    assert sorted(p.name for p in g2.iterdir()) == ["2026-02.parquet", "2026-03.parquet", "_manifest.json"]
    import_ledger(ws, write(tmp_path, "w2.csv", "C,垃圾,2026-03-09 09:00,1.5,0.5,待处置,\n"))
    g3 = ws.generation_dir(ws.generation()) / "issues"
    assert (g3 / "2026-02.parquet").stat().st_ino == (g2 / "2026-02.parquet").stat().st_ino  # linked
    assert (g3 / "2026-03.parquet").stat().st_ino != (g2 / "2026-03.parquet").stat().st_ino  # rewritten
    assert ws.load_issues()[s.ISSUE_ID].tolist() == ["A", "B", "C"]
    assert ws.status()["issues"] == 3
    import pyarrow.parquet as pq
    meta = json.loads(pq.read_schema(g3 / "2026-03.parquet").metadata[b"geo"])
    assert meta["version"].startswith("1.1") and "covering" in meta["columns"]["geometry"]  # GeoParquet 1.1 bbox


def test_months_store_points_natively_and_keep_missing_and_empty_apart(tmp_path: Path) -> None:
    """Located months use GeoParquet's point encoding; a month without any location stays WKB; nothing changes on reading."""
    import pyarrow.parquet as pq
    import shapely

    from geo.store.partitions import read_issue_months, write_issue_months

    times = pd.to_datetime(["2026-02-01 09:00", "2026-02-02 09:00", "2026-02-03 09:00", "2026-03-01 09:00"]
                           ).tz_localize("Asia/Shanghai")
    issues = gpd.GeoDataFrame({s.ISSUE_ID: ["A", "B", "C", "D"], s.REPORTED_AT: times},
                              geometry=[shapely.Point(117.2, 31.8), None, shapely.Point(), None], crs=s.STORAGE_CRS)
    (tmp_path / "g").mkdir()
    assert write_issue_months(issues, tmp_path / "g", None) == {"written": 2, "linked": 0}
    encoding = {m: json.loads(pq.read_schema(tmp_path / "g" / "issues" / f"{m}.parquet").metadata[b"geo"])
                ["columns"]["geometry"]["encoding"] for m in ("2026-02", "2026-03")}
    assert encoding == {"2026-02": "point", "2026-03": "WKB"}
    back = read_issue_months(tmp_path / "g")
    assert back[s.ISSUE_ID].tolist() == ["A", "B", "C", "D"]
    assert back.geometry.isna().tolist() == [False, True, False, True]
    assert back.geometry.is_empty.tolist() == [False, False, True, False]
    assert back.geometry.iloc[0].equals(shapely.Point(117.2, 31.8))


def test_months_read_back_as_one_frame_with_every_column_in_one_chunk(tmp_path: Path) -> None:
    """Three native-point months read as one table: the frame geopandas gives month by month, but each Arrow
    column in one chunk (a filter's take over a chunk per month was ten times slower)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    from geo.store.partitions import month_files, read_issue_months, write_issue_months

    times = pd.to_datetime(["2026-01-05 09:00", "2026-02-02 09:00", "2026-02-03 10:00", "2026-03-01 09:00"]
                           ).tz_localize("Asia/Shanghai")
    issues = gpd.GeoDataFrame({s.ISSUE_ID: pd.array(["A", "B", "C", "D"], dtype="string"), s.REPORTED_AT: times,
                               s.CATEGORY: pd.array(["litter", None, "parking", "litter"], dtype="string")},
                              geometry=[shapely.Point(117.2, 31.8), None, shapely.Point(117.3, 31.9),
                                        shapely.Point(117.1, 31.7)], crs=s.STORAGE_CRS)
    (tmp_path / "g").mkdir()
    write_issue_months(issues, tmp_path / "g", None)
    back = read_issue_months(tmp_path / "g")
    parts = [gpd.read_parquet(f, columns=[c for c in pq.read_schema(f).names if c != "bbox"])
             for f in month_files(tmp_path / "g")]
    month_by_month = pd.concat(parts, ignore_index=True)
    assert len(parts) == 3 and isinstance(back, gpd.GeoDataFrame) and back.crs == parts[0].crs
    assert back.drop(columns="geometry").equals(month_by_month.drop(columns="geometry"))
    assert back.geometry.isna().tolist() == [False, True, False, False]
    assert bool(back.geometry.geom_equals(month_by_month.geometry)[[0, 2, 3]].all())
    assert [pa.chunked_array(pa.array(back[c].array)).num_chunks for c in (s.ISSUE_ID, s.CATEGORY)] == [1, 1]
    assert [pa.chunked_array(pa.array(month_by_month[c].array)).num_chunks for c in (s.ISSUE_ID,)] == [3]


def test_month_keys_are_local_months_and_none_for_a_missing_time() -> None:
    from geo.store.partitions import NO_MONTH, month_keys

    # 23:30 on 31 January in Shanghai is 15:30 UTC: still January; the month is the ledger's own.
    times = pd.Series(pd.to_datetime(["2026-01-31 23:30", None, "2026-02-01 00:10", "2025-12-05 08:00",
                                      "2026-01-02 09:00"]).tz_localize("Asia/Shanghai"))
    keys = month_keys(pd.DataFrame({s.REPORTED_AT: times}))
    assert keys.tolist() == ["2026-01", NO_MONTH, "2026-02", "2025-12", "2026-01"]
    assert month_keys(pd.DataFrame({s.REPORTED_AT: times.iloc[:0]})).tolist() == []


def test_two_folders_of_one_name_never_share_a_postgis_workspace(tmp_path: Path, postgis_url: str) -> None:
    """The README's own ``--workspace ws/`` in two offices' folders were one workspace in one database."""
    from geo.store import KEY_FILE, open_store, workspace_key

    east, west = tmp_path / "east" / "ws", tmp_path / "west" / "ws"
    a = with_grids(open_store(east, database_url=postgis_url), tmp_path)
    import_ledger(a, write(tmp_path, "a.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    b = open_store(west, database_url=postgis_url)
    assert b.read().generation == 0 and b.read().issues is None  # the other office's ws/ is empty
    assert workspace_key(east) != workspace_key(west) and len(workspace_key(east)) == 32
    # The same folder by another spelling is the same workspace; its key survives a reopen.
    again = open_store(tmp_path / "east" / "sub" / ".." / "ws", database_url=postgis_url)
    assert again.read().generation == a.read().generation == 2
    assert (east / KEY_FILE).read_text().strip() == workspace_key(east)
    # A hostile key file is refused with a sentence, never used in a query.
    (west / KEY_FILE).write_text("x'; DROP TABLE gw_workspaces; --")
    with pytest.raises(StoreError, match="does not hold a workspace id"):
        open_store(west, database_url=postgis_url)
    assert "ws" in a.label and workspace_key(east) not in a.label  # people read the folder's name


def _tamper(store: IssueStore, how: str) -> None:
    """Change the stored trail behind the store's back, as someone with file or database access could."""
    if isinstance(store, Workspace):
        path = store.generation_dir(store.generation()) / "imports.jsonl"
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        if how == "edit":
            records[1]["actor"] = "someone else"
        else:
            del records[1]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return
    with store._connect() as conn:  # type: ignore[attr-defined]
        if how == "edit":
            conn.execute("UPDATE gw_imports SET record = jsonb_set(record, '{actor}', '\"someone else\"') "
                         "WHERE workspace = %s AND generation = 2", (store.workspace,))  # type: ignore[attr-defined]
        else:
            conn.execute("DELETE FROM gw_imports WHERE workspace = %s AND generation = 2",
                         (store.workspace,))  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["edit", "delete"])
def test_the_audit_trail_shows_an_edited_or_deleted_record(make_store: Callable[[], IssueStore], tmp_path: Path,
                                                           how: str) -> None:
    from geo.admin.audit import audit_table, check_trail

    store = with_grids(make_store(), tmp_path)
    import_ledger(store, write(tmp_path, "a.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"))
    import_ledger(store, write(tmp_path, "b.csv", "B,垃圾,2026-03-03 09:00,0.5,0.5,待处置,\n"))
    check = check_trail(store.imports())
    assert check.holds and check.sealed == 3 and check.unchained == 0 and len(check.head) == 64
    trail = audit_table(store.imports())  # exported with the chain: a copy can be checked on its own
    assert trail["prev_hash"].tolist()[-1] == "" and trail["hash"].tolist()[0] == check.head
    _tamper(store, how)
    broken = check_trail(store.imports())
    assert not broken.holds and broken.problems
    word = "changed after it was written" if how == "edit" else "before it is missing"
    assert any(word in p for p in broken.problems), broken.problems


def test_control_characters_are_handled_the_same_on_both_backends(make_store: Callable[[], IssueStore],
                                                                  tmp_path: Path) -> None:
    """NUL imported on the embedded store and failed on PostGIS ("cannot contain NUL"); a BOM inside the
    file stayed in an id (a re-import never matched it); a trailing ^Z became a row."""
    store = with_grids(make_store(), tmp_path)
    path = tmp_path / "controls.csv"
    path.write_bytes((LEDGER.rstrip("\n") + ",问题描述\n"
                      "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,,门口\x00堆放\n"
                      "\ufeffB,垃圾,2026-03-02 10:00,1.5,0.5,待处置,,正常\x07描述\n"
                      "\x1a").encode("utf-8"))
    summary = import_ledger(store, path)
    assert (summary.read, summary.imported, summary.rejected) == (2, 2, 0)
    issues = store.read("issues").issues.set_index(s.ISSUE_ID)
    assert sorted(issues.index) == ["A", "B"]
    assert issues.at["A", s.DESCRIPTION] == "门口堆放" and issues.at["B", s.DESCRIPTION] == "正常描述"
    again = import_ledger(store, write(tmp_path, "b.csv", "B,垃圾,2026-03-02 10:00,1.5,0.5,已办结,2026-03-03 09:00\n"))
    assert (again.imported, again.updated) == (0, 1)  # the BOM-less id matches the stored one
