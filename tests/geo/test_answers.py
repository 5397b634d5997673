"""The answers worker: one per workspace, one per CPU, stale requests dropped, cancelled on a new generation,
stopped with the process that started it, a failure written down once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo import answers
from geo.answers import Recipe
from geo.cube import dataset as dataset_module
from geo.forecast.backtest import Cancelled, run_backtest


@dataclass
class FakeStore:
    """A store whose generation the test moves."""

    gen: int = 5

    def generation(self) -> int:
        return self.gen


@dataclass
class FakeDataset:
    generation: int


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(answers, "open_store", lambda workspace: fake)
    monkeypatch.setattr(dataset_module, "open_workspace", lambda st: FakeDataset(st.generation()))  # the worker imports it
    return fake


def queued(workspace: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted((workspace / "derived" / "queue").glob("*.json"))]


def test_a_recipe_is_a_set_of_categories() -> None:
    assert Recipe(("b", "a", "b")) == Recipe(("a", "b"))
    assert Recipe(("b", "a")).key(3) == Recipe(("a", "b"), 28).key(3) != Recipe(("a", "b"), 7).key(3)
    assert Recipe().key(3) != Recipe().key(4)


def test_a_recipe_is_requested_once(tmp_path: Path) -> None:
    assert answers.request(str(tmp_path), 5, Recipe())
    assert not answers.request(str(tmp_path), 5, Recipe())  # already queued
    assert answers.pending(str(tmp_path), 5, Recipe()) and not answers.pending(str(tmp_path), 6, Recipe())
    assert queued(tmp_path) == [{"generation": 5, "categories": [], "horizon_days": 28.0,
                                 "requested": queued(tmp_path)[0]["requested"]}]


def test_the_worker_computes_the_current_generation_and_drops_the_stale(
        tmp_path: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[tuple[int, Recipe]] = []
    monkeypatch.setattr(answers, "compute", lambda ws, d, r, cancel=None: computed.append((d.generation, r)))
    answers.request(str(tmp_path), 4, Recipe())  # an import came after it: nobody will read it
    answers.request(str(tmp_path), 5, Recipe(("parking",)))
    answers.request(str(tmp_path), 5, Recipe((), 7))
    assert answers.run_worker(str(tmp_path)) == 2
    assert computed == [(5, Recipe(("parking",))), (5, Recipe((), 7))]  # oldest request first
    assert queued(tmp_path) == []


def test_a_failure_is_written_once_and_the_queue_goes_on(
        tmp_path: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def compute(ws: str, d: FakeDataset, r: Recipe, cancel: object = None) -> None:
        if r.categories:
            raise ValueError("no such\ncategory")

    monkeypatch.setattr(answers, "compute", compute)
    answers.request(str(tmp_path), 5, Recipe(("nope",)))
    answers.request(str(tmp_path), 5, Recipe())
    assert answers.run_worker(str(tmp_path)) == 1
    assert answers.failure(str(tmp_path), 5, Recipe(("nope",))) == "no such category"
    assert answers.failure(str(tmp_path), 5, Recipe()) is None
    assert not answers.request(str(tmp_path), 5, Recipe(("nope",)))  # not retried on this generation
    assert answers.request(str(tmp_path), 6, Recipe(("nope",)))  # a new generation may well succeed


def test_a_new_generation_cancels_the_running_recipe(
        tmp_path: Path, store: FakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def compute(ws: str, d: FakeDataset, r: Recipe, cancel: object = None) -> None:
        seen.append(d.generation)
        if d.generation == 5:
            store.gen = 6  # an import lands while the backtest runs
            assert callable(cancel) and cancel()
            raise Cancelled("stopped")

    monkeypatch.setattr(answers, "compute", compute)
    answers.request(str(tmp_path), 5, Recipe())
    assert answers.run_worker(str(tmp_path)) == 0
    assert seen == [5] and queued(tmp_path) == []  # generation 5's request is dropped, not retried
    answers.request(str(tmp_path), 6, Recipe())
    assert answers.run_worker(str(tmp_path)) == 1 and seen == [5, 6]


def test_a_second_worker_leaves_the_workspace_to_the_first(tmp_path: Path, store: FakeStore) -> None:
    answers.request(str(tmp_path), 5, Recipe())
    with answers._locked(tmp_path / "derived" / answers.LOCK, wait=False) as held:
        assert held and answers.worker_running(str(tmp_path))
        assert answers.run_worker(str(tmp_path)) == 0
    assert len(queued(tmp_path)) == 1 and not answers.worker_running(str(tmp_path))


def test_no_slot_no_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every CPU slot taken the worker waits, and gives up when its server is gone."""
    monkeypatch.setenv("GRIDWATCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    monkeypatch.setattr(answers, "POLL_S", 0.01)
    looks = iter([False, False, True])
    with answers._locked(tmp_path / "slots" / "slot-0.lock", wait=False) as held:
        assert held
        with pytest.raises(SystemExit), answers._cpu_slot(lambda: next(looks)):
            pytest.fail("computed without a slot")
    with answers._cpu_slot(lambda: False) as slot:  # free again
        assert slot == 0


def test_one_process_per_workspace_and_it_stops_without_its_server(tmp_path: Path) -> None:
    answers.request(str(tmp_path), 1, Recipe())
    # pid 1 is not the worker's parent: "the server that started me is gone" from its first look.
    first = answers.start_worker(str(tmp_path), parent=1)
    assert first is not None
    assert answers.start_worker(str(tmp_path), parent=1) is None  # the lock went with the first, at once
    assert first.wait(timeout=60) != 0
    assert "has stopped" in (tmp_path / "derived" / answers.LOG_FILE).read_text()
    assert len(queued(tmp_path)) == 1  # left for the next worker
    assert not answers.worker_running(str(tmp_path))


def test_schedule_queues_the_default_view_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    monkeypatch.setattr(answers, "start_worker", lambda ws, parent=None: started.append(ws))
    monkeypatch.setenv(answers.MODE_ENV, "inline")
    assert answers.schedule(str(tmp_path), 3) is None and started == [] and not queued(tmp_path)
    monkeypatch.setenv(answers.MODE_ENV, "worker")
    answers.schedule(str(tmp_path), 3)
    answers.schedule(str(tmp_path), 3)  # nothing new to ask for: no second process
    assert started == [str(tmp_path)] and [q["generation"] for q in queued(tmp_path)] == [3]


def test_the_backtest_stops_when_cancelled(sample) -> None:  # type: ignore[no-untyped-def]
    asked: list[float] = []

    def cancel() -> bool:
        asked.append(time.monotonic())
        return len(asked) > 2

    with pytest.raises(Cancelled):
        run_backtest(sample.issues, sample.grids, cancel=cancel)
    assert len(asked) == 3  # asked before every origin, stopped at the third


def test_the_command_line_runs_the_worker(tmp_path: Path) -> None:
    """``python -m geo answers`` on an empty queue: nothing to do, a clean exit."""
    done = subprocess.run([sys.executable, "-m", "geo", "answers", "--workspace", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"computed": 0}
