"""Fault and load tests with real processes: concurrent imports with readers, imports killed at random.

Everything runs on this machine (files, or a PostGIS server on loopback) and is bounded in count
and time. Both backends face the same checks: every row of every ledger is accounted for.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.ingest.imports import import_grids, import_ledger
from geo.store import DATABASE_URL_ENV, IssueStore, Workspace

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"

#: A reader in its own process: every read must be one whole generation, i.e. the issues it sees
#: are exactly the rows the ledgers logged in that generation said were imported.
READER = """
import json, sys, time
from geo.store import open_store
store = open_store(sys.argv[1])
seen, deadline = set(), time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    state = store.read("issues", "imports")
    logged = sum(r["imported"] for r in state.imports if r.get("kind") == "ledger")
    held = 0 if state.issues is None else len(state.issues)
    if held != logged:
        print(json.dumps({"torn": [state.generation, held, logged]})); sys.exit(1)
    seen.add(state.generation)
    time.sleep(0.02)
print(json.dumps({"generations_seen": sorted(seen)}))
"""


def env_for(store: IssueStore) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    url = getattr(store, "url", "")
    if url:
        env[DATABASE_URL_ENV] = url
    env["PYTHONPATH"] = str(ROOT)
    return env


def folder_of(store: IssueStore) -> Path:
    return store.root if isinstance(store, Workspace) else store.uploads_dir.parent  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample ledger cut into four ledgers with disjoint issue ids (5,368 or 5,367 rows each)."""
    ledger = pd.read_csv(SAMPLE / "ledger.csv", dtype=str, keep_default_na=False)
    folder = tmp_path_factory.mktemp("parts")
    paths = []
    for i in range(4):
        path = folder / f"part{i}.csv"
        ledger.iloc[i::4].to_csv(path, index=False)
        paths.append(path)
    return paths


def test_concurrent_imports_all_land_and_readers_never_see_half(make_store: Callable[[], IssueStore],
                                                                 parts: list[Path]) -> None:
    store = make_store()
    import_grids(store, SAMPLE / "grids.geojson")
    env = env_for(store)
    workspace = str(folder_of(store))
    readers = [subprocess.Popen([sys.executable, "-c", READER, workspace, "25"], env=env, stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    writers = [subprocess.Popen([sys.executable, "-m", "geo", "import", str(p), "--workspace", workspace], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in parts]
    outs = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0] * 4, [o[1] for o in outs]
    reports = [json.loads(o[0]) for o in outs]
    rows = sum(len(pd.read_csv(p, dtype=str)) for p in parts)
    assert sum(r["imported"] for r in reports) == rows == 21470
    state = store.read()
    assert len(state.issues) == rows and state.issues[s.ISSUE_ID].is_unique
    assert sorted(r["source"] for r in state.imports if r["kind"] == "ledger") == [p.name for p in parts]
    assert state.generation == 5  # grids, then four imports one after the other
    for reader in readers:
        out, _ = reader.communicate(timeout=60)
        assert reader.returncode == 0, out
        assert json.loads(out.strip().splitlines()[-1])["generations_seen"]


@pytest.fixture(scope="module")
def kill_ledgers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A first ledger with 2,000 cases reopened, and the whole sample ledger that closes them again.

    Returns both paths and how many of the 2,000 the second import updates (those whose real
    status differs from 待处置 with no closing time).
    """
    ledger = pd.read_csv(SAMPLE / "ledger.csv", dtype=str, keep_default_na=False)
    folder = tmp_path_factory.mktemp("kill")
    first = ledger.iloc[:10_000].copy()
    head = first.index[:2000]
    changed = int(((ledger.loc[head, "处置状态"] != "待处置") | (ledger.loc[head, "办结时间"] != "")).sum())
    first.loc[head, ["处置状态", "办结时间"]] = ["待处置", ""]
    paths = folder / "first.csv", folder / "second.csv"
    first.to_csv(paths[0], index=False)
    ledger.to_csv(paths[1], index=False)
    return paths[0], paths[1], changed


def snapshot(store: IssueStore) -> tuple[int, pd.DataFrame, int, list[dict]]:
    state = store.read()
    return state.generation, state.issues, len(state.history), state.imports


#: Kill times are drawn over this window: process start (about 2 s here) and the whole import.
KILL_WINDOW_S = 7.0


@pytest.mark.parametrize("backend", ["embedded", "postgis"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after_s=st.floats(min_value=0.0, max_value=KILL_WINDOW_S))
def test_an_import_killed_at_any_moment_leaves_the_store_as_it_was(
        backend: str, after_s: float, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        kill_ledgers: tuple[Path, Path, int]) -> None:
    """SIGKILL at a random moment of the second import: the store holds the first state or the whole second."""
    from geo.store import open_store

    first_path, second_path, changed = kill_ledgers
    url = request.getfixturevalue("postgis_url") if backend == "postgis" else ""
    # A new workspace per example (the PostGIS key is the folder's name, so it must be unique too).
    store = open_store(tmp_path_factory.mktemp("killed") / f"ws{uuid.uuid4().hex[:10]}", database_url=url)
    import_grids(store, SAMPLE / "grids.geojson")
    first = import_ledger(store, first_path)
    gen0, issues0, history0, log0 = snapshot(store)
    cmd = [sys.executable, "-m", "geo", "import", str(second_path), "--workspace", str(folder_of(store))]
    proc = subprocess.Popen(cmd, env=env_for(store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=after_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    gen, issues, history, log = snapshot(store)
    event("killed before the commit" if gen == gen0 else "committed before the kill")
    if gen == gen0:  # killed before the commit: exactly the first state
        pd.testing.assert_frame_equal(issues, issues0)
        assert (history, log) == (history0, log0)
    else:  # killed after the commit (or it finished): the whole second import
        assert gen == gen0 + 1 and len(issues) == 21470
        assert (log[-1]["imported"], log[-1]["updated"]) == (21470 - first.imported, changed)
        assert history > history0 and len(log) == len(log0) + 1
    # The next import cleans up what the killed one left and lands.
    again = import_ledger(store, second_path)
    assert again.read == 21470 and len(store.load_issues()) == 21470
    if isinstance(store, Workspace):
        assert not list(store.generations_dir.glob("*.tmp-*")) and not list(store.root.glob("*.tmp-*"))
        assert max(int(p.name) for p in store.generations_dir.iterdir()) == store.generation()
        shutil.rmtree(store.root, ignore_errors=True)


def test_concurrent_imports_from_threads_of_one_process_all_land(make_store: Callable[[], IssueStore],
                                                                  parts: list[Path]) -> None:
    """The dashboard's case: every browser session is a thread of one Streamlit process."""
    from concurrent.futures import ThreadPoolExecutor

    store = make_store()
    import_grids(store, SAMPLE / "grids.geojson")
    with ThreadPoolExecutor(max_workers=4) as pool:
        summaries = list(pool.map(lambda p: import_ledger(store, p), parts))
    assert sorted(s.generation for s in summaries) == [2, 3, 4, 5]
    assert sum(s.imported for s in summaries) == len(store.load_issues()) == 21470
