"""Answers computed once per store generation, by one bounded worker per workspace, never by a page view.

The rolling backtest that picks the forecast method is the one answer too slow for a page: ten CPU-seconds
on the sample street, two minutes on a district's million issues. It depends only on the stored issues (a
generation) and the recipe (categories, horizon), so it is computed once per pair and kept beside the
workspace (:mod:`geo.forecast.stored`), together with the priority list measured with its winner.

Who computes it
    A *worker* process (``python -m geo answers --workspace W``). Callers never run it themselves: they
    :func:`request` a recipe (a small file in ``derived/queue/``) and :func:`start_worker`. The rules:

    * **one worker per workspace**: the worker holds ``derived/worker.lock`` (``flock``) while it works; a
      second one started meanwhile exits at once, and the first picks the new request up (it looks at the
      queue again after letting the lock go, so a request written at that moment is never stranded);
    * **at most one per CPU** across workspaces: a worker takes one of ``os.cpu_count()`` slot locks in the
      cache directory before computing, and waits for one otherwise;
    * **cancelled when a newer generation appears**: the backtest asks between weekly origins whether the
      store has moved on; requests for an older generation are dropped unread;
    * **ended with the server**: a worker started by the dashboard is given its pid and stops when that
      process is gone (the dashboard also terminates its workers when it exits);
    * a recipe that fails is written to ``derived/failed-<key>.txt`` (one line) and not retried for that
      generation: the pages say so instead of waiting.

After a change
    :func:`schedule` requests the default view's recipes (:data:`DEFAULT_RECIPES`) and starts a detached
    worker: ``python -m geo import`` and ``undo`` call it, the dashboard calls it after the wizard's import
    and when its watcher sees the generation move.

Modes (``GRIDWATCH_ANSWERS``)
    ``worker`` (the default) as above; ``inline`` computes in the caller's process when asked (the test
    suite and notebooks, where a second process is a nuisance) and schedules nothing.

Examples
--------
>>> from geo.answers import Recipe
>>> Recipe(("parking", "litter")).categories        # a set of categories: the same set is the same recipe
('litter', 'parking')
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from geo import localtime
from geo import schema as s
from geo.errors import one_line
from geo.forecast.stored import backtest_key, cache_base, derived_dir, is_kept, load_backtest, stored_backtest
from geo.store import open_store

if TYPE_CHECKING:  # the worker loads them; an import that only queues a request does not (SciPy: a second)
    from geo.cube.dataset import Dataset
    from geo.forecast.backtest import Backtest

LOG = logging.getLogger("gridwatch.answers")

MODE_ENV: Final = "GRIDWATCH_ANSWERS"
Mode = Literal["worker", "inline"]
QUEUE: Final = "queue"
LOCK: Final = "worker.lock"
LOG_FILE: Final = "worker.log"
#: How often a waiting worker looks for a free CPU slot (and whether it should still wait).
POLL_S: Final = 0.5


def mode() -> Mode:
    """The configured mode: ``inline`` when ``GRIDWATCH_ANSWERS=inline``, else ``worker``."""
    return "inline" if os.environ.get(MODE_ENV, "").strip().lower() == "inline" else "worker"


@dataclass(frozen=True)
class Recipe:
    """What one backtest answers: the categories it forecasts (a set; empty = all) and the horizon in days."""

    categories: tuple[str, ...] = ()
    horizon_days: float = 28.0

    def __post_init__(self) -> None:
        # Sorted and unique, so ("b", "a") and ("a", "b") are one recipe and one file.
        object.__setattr__(self, "categories", tuple(sorted(dict.fromkeys(self.categories))))
        object.__setattr__(self, "horizon_days", float(self.horizon_days))

    def key(self, generation: int) -> str:
        """The file stem of this recipe's answers on ``generation``."""
        return backtest_key(generation, self.categories, self.horizon_days)


#: What the default view reads: every category at the four-week horizon (总览, 优先级, 大屏, the bulletin).
DEFAULT_RECIPES: Final = (Recipe(),)


def kept(workspace: str, generation: int, recipe: Recipe) -> Backtest | None:
    """The backtest of ``recipe`` on ``generation`` when a worker (or the command line) has kept it."""
    return load_backtest(derived_dir(workspace), recipe.key(generation))


def failure(workspace: str, generation: int, recipe: Recipe) -> str | None:
    """Why the worker could not compute ``recipe`` on ``generation`` (one line), or ``None``."""
    path = derived_dir(workspace) / f"failed-{recipe.key(generation)}.txt"
    try:
        return path.read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return None


def pending(workspace: str, generation: int, recipe: Recipe) -> bool:
    """Whether ``recipe`` on ``generation`` waits in the queue (or is being computed)."""
    return (derived_dir(workspace) / QUEUE / f"{recipe.key(generation)}.json").is_file()


def request(workspace: str, generation: int, recipe: Recipe) -> bool:
    """Queue ``recipe`` for ``generation`` unless it is kept, failed or already queued.

    Returns whether a request was written. Written before :func:`start_worker` looks at the lock, so a
    worker finishing at that moment still sees it.
    """
    folder = derived_dir(workspace)
    key = recipe.key(generation)
    entry = folder / QUEUE / f"{key}.json"
    if entry.is_file() or is_kept(folder, key) or (folder / f"failed-{key}.txt").is_file():
        return False
    entry.parent.mkdir(parents=True, exist_ok=True)
    body = {"generation": generation, "categories": list(recipe.categories), "horizon_days": recipe.horizon_days,
            "requested": time.time()}
    tmp = entry.with_name(f".tmp-{uuid.uuid4().hex}")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    os.replace(tmp, entry)
    return True


def worker_running(workspace: str) -> bool:
    """Whether a worker holds this workspace's lock now."""
    path = derived_dir(workspace) / LOCK
    if not path.is_file():
        return False
    with _locked(path, wait=False) as held:
        return not held


def start_worker(workspace: str, *, parent: int | None = None) -> subprocess.Popen[bytes] | None:
    """Start ``python -m geo answers`` for ``workspace`` unless one is working on it already.

    The lock is taken here and handed to the new process (an inherited descriptor), so two callers a
    moment apart cannot both start one (a new Python process takes a second to reach its own lock).
    ``parent``: the worker stops when this process is gone (the dashboard passes its own pid). Without
    it the worker runs in its own session and finishes its queue (after a command-line import).
    Returns the process started, or ``None``.
    """
    folder = derived_dir(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # a worker holds the workspace; it looks at the queue again before it lets go
        command = [sys.executable, "-m", "geo", "answers", "--workspace", workspace, "--lock-fd", str(fd)]
        if parent is not None:
            command += ["--parent", str(parent)]
        with open(folder / LOG_FILE, "ab") as log:
            # cwd: where ``geo`` is importable from (the repository; an installed package needs none).
            return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(fd,),
                                    cwd=Path(__file__).resolve().parents[1], start_new_session=parent is None)
    finally:
        os.close(fd)  # the child's copy keeps the lock (a flock belongs to the open file, shared by both)


def schedule(workspace: str, generation: int | None = None, *, parent: int | None = None,
             recipes: tuple[Recipe, ...] = DEFAULT_RECIPES) -> subprocess.Popen[bytes] | None:
    """Request ``recipes`` for the workspace's current generation and start a worker (``worker`` mode only).

    What an import, an undo or a mapping change calls once it has published its generation.
    """
    if mode() != "worker":
        return None
    if generation is None:
        generation = open_store(workspace).generation()
    if generation <= 0:
        return None
    if not [recipe for recipe in recipes if request(workspace, generation, recipe)]:
        return None
    return start_worker(workspace, parent=parent)


def compute(workspace: str, dataset: Dataset, recipe: Recipe, *,
            cancel: Callable[[], bool] | None = None) -> Backtest:
    """The backtest of ``recipe`` on ``dataset`` and, for the four-week horizon, the priority list measured
    with its winner (as of the day after the last report), both kept with the generation.

    What the worker runs and what ``python -m geo backtest`` runs: one recipe, composed here only.
    ``cancel`` is asked between weekly origins; when it answers true, :class:`Cancelled` is raised.
    """
    from geo.ops.kept import kept_priorities

    bt = stored_backtest(workspace, dataset.generation, dataset.issues, dataset.grids,
                         categories=recipe.categories, horizon_days=recipe.horizon_days, cancel=cancel)
    if recipe.horizon_days == 28.0 and len(dataset.issues):
        as_of = localtime.next_midnight(dataset.issues[s.REPORTED_AT].max())
        kept_priorities(workspace, dataset, as_of, categories=recipe.categories, method=bt.winner, calibrated=bt)
    return bt


def run_worker(workspace: str, *, parent: int | None = None, lock_fd: int | None = None) -> int:
    """Compute every queued recipe of the workspace's current generation; the number computed.

    Exits at once when another worker holds the workspace; returns when the queue is empty, and stops
    (``SystemExit``) when ``parent`` is given and gone. ``lock_fd``: the workspace lock, already held
    (handed over by :func:`start_worker`).
    """
    folder = derived_dir(workspace)
    (folder / QUEUE).mkdir(parents=True, exist_ok=True)
    orphaned = _orphan_check(parent)
    done = 0
    while True:
        with _held(lock_fd) if lock_fd is not None else _locked(folder / LOCK, wait=False) as held:
            if not held:
                return done
            with _cpu_slot(orphaned):
                done += _drain(workspace, folder, orphaned)
        lock_fd = None
        # A request written after the last look and before the lock was let go: take it, or the worker
        # its writer started (which found the lock still held) takes it.
        if not _entries(folder):
            return done


def _drain(workspace: str, folder: Path, orphaned: Callable[[], bool]) -> int:
    from geo.cube.dataset import open_workspace
    from geo.forecast.backtest import Cancelled

    store = open_store(workspace)
    dataset: Dataset | None = None
    done = 0
    while True:
        if orphaned():
            raise SystemExit("the dashboard that started this worker has stopped")
        generation = store.generation()
        current: list[tuple[Path, Recipe]] = []
        for path, queued, recipe in _entries(folder):
            if queued == generation:
                current.append((path, recipe))
            else:  # an older generation's answers nobody will read (a page asks again for a newer one)
                path.unlink(missing_ok=True)
        if not current:
            return done
        path, recipe = current[0]
        if dataset is None or dataset.generation != generation:
            dataset = open_workspace(store)

        def cancel(generation: int = generation) -> bool:
            return orphaned() or store.generation() != generation

        started = time.perf_counter()
        try:
            compute(workspace, dataset, recipe, cancel=cancel)
        except Cancelled:
            LOG.info("cancelled %s: the store moved on", recipe.key(generation))
            continue  # the entry is stale now and dropped on the next look
        except Exception as exc:  # one recipe's failure is written down, the queue goes on
            (folder / f"failed-{recipe.key(generation)}.txt").write_text(one_line(exc), encoding="utf-8")
            LOG.warning("failed %s: %s", recipe.key(generation), one_line(exc))
        else:
            done += 1
            LOG.info("kept %s in %.1f s", recipe.key(generation), time.perf_counter() - started)
        path.unlink(missing_ok=True)


def _entries(folder: Path) -> list[tuple[Path, int, Recipe]]:
    """The queued requests (file, generation, recipe), oldest first; an unreadable one is dropped."""
    found: list[tuple[float, str, Path, int, Recipe]] = []
    for path in (folder / QUEUE).glob("*.json"):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            recipe = Recipe(tuple(str(c) for c in body["categories"]), float(body["horizon_days"]))
            found.append((float(body["requested"]), path.name, path, int(body["generation"]), recipe))
        except (OSError, ValueError, TypeError, KeyError):
            path.unlink(missing_ok=True)
    return [(path, generation, recipe) for _, _, path, generation, recipe in sorted(found, key=lambda x: x[:2])]


def _orphan_check(parent: int | None) -> Callable[[], bool]:
    """A test for "the process that started me is gone" (re-parented, so ``getppid`` changed)."""
    if parent is None:
        return lambda: False
    return lambda: os.getppid() != parent


@contextlib.contextmanager
def _locked(path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (yields whether it was taken; ``wait=False`` does not block)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _held(fd: int) -> Iterator[bool]:
    """A lock already taken on ``fd`` (inherited from :func:`start_worker`): let go and closed at the end."""
    try:
        yield True
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def _cpu_slot(orphaned: Callable[[], bool]) -> Iterator[int]:
    """One of ``os.cpu_count()`` slots shared by every worker on the machine (waits for a free one)."""
    slots = cache_base() / "slots"
    n = max(1, os.cpu_count() or 1)
    while True:
        for i in range(n):
            with _locked(slots / f"slot-{i}.lock", wait=False) as held:
                if held:
                    yield i
                    return
        if orphaned():
            raise SystemExit("the dashboard that started this worker has stopped")
        time.sleep(POLL_S)
