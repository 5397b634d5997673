"""The warm start: the server reads the workspace before the first visit, and holds one generation."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data as data
from dashboard import warm
from geo.ingest.imports import import_ledger
from geo.sample import SAMPLE_DIR, ensure_sample_workspace
from geo.store import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")


def _counting(monkeypatch: pytest.MonkeyPatch, name: str, calls: list[str]) -> None:
    original: Callable[..., Any] = getattr(data, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(data, name, counted)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A copy of the sample workspace of its own (so no other test has filled its caches)."""
    shutil.copytree(ensure_sample_workspace().root, tmp_path / "ws", symlinks=True)
    monkeypatch.setenv("GRIDWATCH_WORKSPACE", str(tmp_path / "ws"))
    return Workspace(tmp_path / "ws")


def test_after_the_warm_up_the_first_visit_reads_nothing_and_computes_no_kpi_pass(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("open_workspace", "case_table", "score", "category_changes", "evaluate"):
        _counting(monkeypatch, name, calls)
    source = warm.warm()
    assert source == data.DataSource(str(workspace.root), workspace.generation())
    assert sorted(set(calls)) == ["case_table", "category_changes", "evaluate", "open_workspace", "score"]
    calls.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and at.title[0].value == "本周总览"
    # 总览's first open found everything it reads already there: the generation, the KPI pass, the
    # scored list, the week's changes and the month's index. (If the page asks for something else, warm it too.)
    assert calls == []
    # 考核评价 opens on the whole street and 区域 by grid for this month against the last: all kept.
    at.switch_page("app_pages/evaluation.py").run()
    assert not at.exception and at.title[0].value == "考核评价"
    assert calls == []


def test_the_watcher_warms_a_new_generation_when_an_import_lands(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    original = data.open_workspace
    monkeypatch.setattr(data, "open_workspace", lambda store: reads.append(store.generation()) or original(store))
    stop = threading.Event()
    watcher = threading.Thread(target=warm.watch, args=(0.05,), kwargs={"stop": stop}, daemon=True)
    watcher.start()
    try:
        first, root = workspace.generation(), str(workspace.root)
        _wait(lambda: data.held_datasets().versions().get(root) == first)
        import_ledger(workspace, SAMPLE_DIR / "ledger.csv")  # the nightly import: a new generation
        _wait(lambda: data.held_datasets().versions().get(root) == first + 1)
        assert reads == [first, first + 1]  # each generation read once, before anyone asked
    finally:
        stop.set()
        watcher.join(timeout=30)


def _wait(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = threading.Event()
    timer = threading.Timer(timeout_s, deadline.set)
    timer.start()
    try:
        while not condition():
            if deadline.wait(0.05):
                raise AssertionError("the watcher did not warm in time")
    finally:
        timer.cancel()


def test_a_newer_generation_replaces_the_held_one(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    original = data.open_workspace
    monkeypatch.setattr(data, "open_workspace", lambda store: reads.append(store.generation()) or original(store))
    held = data.HeldDatasets()
    first = workspace.generation()
    old = data.DataSource(str(workspace.root), first)
    a = held.get(old)
    assert held.get(old) is a and a.generation == first and reads == [first]  # held: read once
    import_ledger(workspace, SAMPLE_DIR / "ledger.csv")
    new = data.DataSource(str(workspace.root), first + 1)
    b = held.get(new)
    assert b is not a and b.generation == first + 1 and held.versions() == {str(workspace.root): first + 1}
    # a session that began before the import asks for the older one: it gets the held newer one, unread
    assert held.get(old) is b and reads == [first, first + 1]


def test_a_read_generation_is_kept_out_of_full_collections_and_a_replaced_one_is_freed(
        workspace: Workspace) -> None:
    """Its points are frozen (a full collection scanned a million of them mid filter change); the old
    generation's frames are still freed once a newer one replaces it, cycles and all."""
    held = data.HeldDatasets()
    first = workspace.generation()
    a = held.get(data.DataSource(str(workspace.root), first))
    points = a.issues.geometry.to_numpy()
    assert gc.get_freeze_count() >= len(points)
    tracked = {id(o) for o in gc.get_objects()}
    assert id(points[0]) not in tracked and id(points[-1]) not in tracked  # frozen: no full collection scans it
    old_issues = weakref.ref(a.issues)
    del a, points, tracked
    import_ledger(workspace, SAMPLE_DIR / "ledger.csv")
    b = held.get(data.DataSource(str(workspace.root), first + 1))
    assert b.generation == first + 1 and old_issues() is None


def test_sessions_asking_at_once_share_one_read(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    original = data.open_workspace
    gate = threading.Event()

    def slow(store: Workspace) -> Any:
        reads.append(store.generation())
        gate.wait(10)
        return original(store)

    monkeypatch.setattr(data, "open_workspace", slow)
    held = data.HeldDatasets()
    source = data.DataSource(str(workspace.root), workspace.generation())
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(held.get(source))) for _ in range(4)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(timeout=60)
    assert len(got) == 4 and all(g is got[0] for g in got) and len(reads) == 1


def test_the_warm_up_imports_the_pages_libraries_but_declares_no_component() -> None:
    """folium and Altair are about 1.3 s of a cold first visit: a fresh interpreter has neither until preload.
    streamlit_folium must stay out: a component declared outside a script's thread is never registered
    (the map's frame would answer 404 to every session)."""
    code = ("import sys; from dashboard import warm; before = {m for m in ('folium', 'altair') if m in sys.modules}; "
            "warm.preload(); print(sorted(before), all(m in sys.modules for m in ('folium', 'altair', *warm.PAGE_MODULES)), "
            "'streamlit_folium' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split("\n")[0] == "[] True False"
