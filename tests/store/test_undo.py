"""Undo an import, on both backends: the rows come back exactly and the undo is in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from geo import schema as s
from geo.admin.access import AccessDenied, Actor
from geo.admin.undo import in_effect, plan_undo, undo_import
from geo.ingest.imports import import_grids, import_ledger, remap_categories
from geo.store import IssueStore, State, StoreError, Workspace
from tests.conftest import square_grids
from tests.store.test_store import write

CLERK = Actor("王芳", "clerk", "users")
ADMIN = Actor("李主任", "admin", "users")
VIEWER = Actor("赵科长", "viewer", "users")


def assert_same(a: State, b: State) -> None:
    """Issues, grids, history and mapping equal (the log differs by design: it records the undo)."""
    for part in ("issues", "grids"):
        left, right = getattr(a, part), getattr(b, part)
        if left is None or right is None:
            assert left is None and right is None, part
        else:
            pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.history.reset_index(drop=True), b.history.reset_index(drop=True))
    assert a.mapping == b.mapping


def _store(make_store: Callable[[], IssueStore], tmp_path: Path) -> IssueStore:
    store = make_store()
    path = tmp_path / "grids.geojson"
    square_grids().to_file(path, driver="GeoJSON")
    import_grids(store, path, actor=ADMIN)
    import_ledger(store, write(tmp_path, "w1.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"
                                                   "B,乱停乱放,2026-03-02 10:00,1.5,0.5,待处置,\n"), actor=CLERK)
    return store


def test_undo_brings_the_rows_back_exactly_and_is_logged(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = _store(make_store, tmp_path)
    before = store.read()
    wrong = write(tmp_path, "wrong.csv", "A,垃圾,2026-03-02 09:00,0.5,0.5,已办结,2026-03-03 12:00\n"
                                         "C,垃圾,2026-03-04 08:00,1.5,1.5,待处置,\n")
    summary = import_ledger(store, wrong, actor=CLERK)
    assert summary.generation == 3 and len(store.load_issues()) == 3
    logged = store.imports()[-1]
    assert (logged["actor"], logged["role"], logged["source"]) == ("王芳", "clerk", "wrong.csv")
    assert len(logged["sha256"]) == 64
    record = undo_import(store, 3, actor=ADMIN)
    after = store.read()
    assert after.generation == 4 and record["restores"] == 2
    assert_same(before, after)
    undo = after.imports[-1]
    assert (undo["kind"], undo["actor"], undo["undoes"]) == ("undo", "李主任", 3)
    assert undo["undone"][0]["source"] == "wrong.csv" and undo["issues_before"] == 3 and undo["issues_after"] == 2
    assert [r["kind"] for r in after.imports] == ["grids", "ledger", "ledger", "undo"]  # nothing erased


def test_undoing_the_first_ledger_and_later_changes(make_store: Callable[[], IssueStore], tmp_path: Path) -> None:
    store = _store(make_store, tmp_path)
    remap_categories(store, {"垃圾袋": "litter"}, actor=ADMIN)  # generation 3: a mapping change
    assert [r["generation"] for r in plan_undo(store.imports(), 2).undoes] == [2, 3]
    undo_import(store, 2, actor=ADMIN)
    state = store.read()
    assert state.issues is None and state.mapping is None and state.history.empty
    assert state.grids is not None and len(state.grids) == 4
    with pytest.raises(ValueError, match="not an import"):
        undo_import(store, 4, actor=ADMIN)  # an undo is not itself undone (import again instead)
    with pytest.raises(ValueError, match="undone already"):
        undo_import(store, 3, actor=ADMIN)
    assert [r["generation"] for r in in_effect(store.imports())] == [1]  # only the grids are still in effect


def test_only_an_admin_may_undo_and_a_viewer_may_not_import(make_store: Callable[[], IssueStore],
                                                           tmp_path: Path) -> None:
    store = _store(make_store, tmp_path)
    generation = store.generation()
    for who in (CLERK, VIEWER):
        with pytest.raises(AccessDenied, match="admin"):
            undo_import(store, 2, actor=who)
    with pytest.raises(AccessDenied, match="clerk"):
        import_ledger(store, write(tmp_path, "v.csv", "Z,垃圾,2026-03-02 09:00,0.5,0.5,待处置,\n"), actor=VIEWER)
    with pytest.raises(AccessDenied, match="admin"):
        remap_categories(store, {"垃圾袋": "litter"}, actor=CLERK)
    path = tmp_path / "g2.geojson"
    square_grids().to_file(path, driver="GeoJSON")
    with pytest.raises(AccessDenied, match="admin"):
        import_grids(store, path, actor=CLERK)
    assert store.generation() == generation  # nothing was written


def test_a_generation_beyond_the_kept_window_cannot_be_restored(tmp_path: Path) -> None:
    store = Workspace(tmp_path / "ws", keep_generations=3)
    path = tmp_path / "grids.geojson"
    square_grids().to_file(path, driver="GeoJSON")
    import_grids(store, path)
    for i in range(4):
        import_ledger(store, write(tmp_path, f"w{i}.csv", f"I{i},垃圾,2026-03-0{i + 2} 09:00,0.5,0.5,待处置,\n"))
    with pytest.raises(StoreError, match="no longer kept"):
        undo_import(store, 2)
    undo_import(store, 5)  # the newest still can
    assert len(store.load_issues()) == 3 and store.load_issues()[s.ISSUE_ID].tolist() == ["I0", "I1", "I2"]
