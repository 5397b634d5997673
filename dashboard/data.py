"""Loading and caching: the only module that talks to Streamlit's caches.

Caches are keyed on small hashable recipes (paths, modification times, frozen filter
dataclasses), never on GeoDataFrames, so a key costs microseconds to hash.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo import answers, localtime
from geo import schema as s
from geo.admin.access import SignInGuard, UserFile
from geo.answers import Recipe, compute
from geo.categories import unmapped_share
from geo.crs import parse_crs, to_wgs84
from geo.cube.aggregate import HeatPayload
from geo.cube.analysis import AnalysisResult, heat_of, run_analysis
from geo.cube.dataset import Dataset, Scope, open_workspace
from geo.cube.filter import ALL, IssueFilter
from geo.forecast import Backtest, Method
from geo.forecast.stored import derived_dir, is_kept, load_backtest
from geo.ingest.grid_layers import read_grid_layer
from geo.ingest.preview import numbers, point_checks
from geo.ingest.reference import reference_folder, reference_layers
from geo.ingest.tables import raw_headers, read_table
from geo.ingest.times import parse_local_times
from geo.ops.changes import category_changes
from geo.ops.evaluation import Evaluation, evaluate
from geo.ops.kept import kept_priorities
from geo.ops.priority import Mode, Names, score
from geo.ops.profiles import EvaluationConfigError, Settings, load_settings, shipped_settings
from geo.ops.rectification import (
    KpiPolicy,
    case_table,
    deadline_lights,
    kpi_table,
    open_count,
    reopened_ids,
    unsaid,
    with_community,
)
from geo.ops.recurrence import flag_recurrences, recurrence_by_grid
from geo.report.bulletin import Bulletin, build_bulletin
from geo.sample import SAMPLE_WORKSPACE, ensure_sample_store
from geo.stats.campaign import CampaignEffect, campaign_effect
from geo.stats.density import DensitySurface, MercatorImage, kernel_density, to_web_mercator_image
from geo.stats.hotspot_analysis import HotspotResult, run_hotspots
from geo.stats.patrol_gap import PatrolGap, patrol_gap
from geo.stats.trends import compare_periods, hour_weekday, series, trend_table
from geo.store import IssueStore, open_store

if TYPE_CHECKING:
    from dashboard.components.reference import Reference

#: The browser never receives more heat points than this, however large the ledger.
MAX_HEAT_POINTS = 50_000
#: ... nor more hotspot cells than this (and fewer over many grids, see ``max_map_cells``).
MAX_MAP_CELLS = 3_000
#: What a hotspot map may weigh, and what it costs: about 500 bytes a cell (its place in words, class and
#: confidence) and 330 bytes a grid for the outlines and labels drawn over the cells (measured at 1M
#: issues on 1,200 grids: 1.79 MB for 2,806 cells).
MAP_BUDGET_BYTES, CELL_BYTES, GRID_OVERLAY_BYTES = 1_900_000, 500, 330


def max_map_cells(n_grids: int) -> int:
    """The most hotspot cells a map over ``n_grids`` outlined grids can carry within the 2 MB budget.

    >>> max_map_cells(35), max_map_cells(1_200), max_map_cells(3_000)
    (3000, 3000, 1820)
    """
    room = (MAP_BUDGET_BYTES - GRID_OVERLAY_BYTES * n_grids) // CELL_BYTES
    return int(min(MAX_MAP_CELLS, max(500, room)))


#: What the 地图 page's layers cost besides the heat points: about 450 bytes a grid (outline, tooltip and
#: label), 200 kB for the close-zoom case layer, 30 bytes a heat point (measured: 100,000 issues on 1,200
#: grids sent 2.24 MB with 50,000 points).
MAP_GRID_BYTES, CASE_LAYER_BYTES, HEAT_POINT_BYTES = 450, 200_000, 30


def max_heat_points(n_grids: int) -> int:
    """The most heat points the 地图 page can carry over ``n_grids`` grids within the 2 MB budget.

    >>> max_heat_points(35), max_heat_points(1_200), max_heat_points(3_000)
    (50000, 38666, 11666)
    """
    room = (MAP_BUDGET_BYTES - MAP_GRID_BYTES * n_grids - CASE_LAYER_BYTES) // HEAT_POINT_BYTES
    return int(min(MAX_HEAT_POINTS, max(5_000, room)))


#: The density image is no larger than this many pixels on its longer side.
MAX_DENSITY_PX = 480


@dataclass(frozen=True)
class DataSource:
    """The workspace the app shows; its store generation makes every commit a new cache key."""

    workspace: str
    version: int

    @classmethod
    def from_env(cls) -> DataSource:
        """``GRIDWATCH_WORKSPACE``, else the sample street (imported on first use).

        With ``GRIDWATCH_DATABASE_URL`` set the workspace lives in PostGIS (see :mod:`geo.store`).
        """
        path = os.environ.get("GRIDWATCH_WORKSPACE")
        root = Path(path) if path else SAMPLE_WORKSPACE
        if not path:
            ensure_sample_store()
        return cls(str(root), store_of(str(root)).generation())


@st.cache_resource(show_spinner=False, max_entries=8)
def store_of(workspace: str) -> IssueStore:
    """The store handle of a workspace (shared across sessions: it holds no data, only where it is)."""
    return open_store(workspace)


def reference_layer(source: DataSource) -> Reference:
    """The workspace's reference layers (roads with names; :mod:`geo.ingest.reference`), re-read when one
    is imported (its files' modification times key the cache)."""
    folder = reference_folder(store_of(source.workspace))
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.glob("*.parquet"))) if folder.is_dir() else ()
    return _reference_layer(source.workspace, stamp)


@st.cache_resource(show_spinner=False, max_entries=4)
def _reference_layer(workspace: str, stamp: tuple[tuple[str, int], ...]) -> Reference:
    # A resource, not data: read-only and shared, so a rerun neither copies the layer nor places its labels.
    # Imported here: the component brings folium, which the warm-up loads on purpose later (test_warm).
    from dashboard.components.reference import Reference

    return Reference.of(reference_layers(store_of(workspace)))


@st.cache_resource(show_spinner=False, max_entries=4)
def user_file(path: str) -> UserFile:
    """The local user file (a handle: it reads the file on every check, so a new user counts at once)."""
    return UserFile(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def sign_in_guard(users_path: str) -> SignInGuard:
    """The failed-sign-in counter shared by every session, logging beside the user file."""
    return SignInGuard(Path(users_path).with_name("security.log"))


class HeldDatasets:
    """The datasets this process holds: the newest generation of each workspace, read once.

    A district's generation is most of the process's memory (about 0.7 GB at a million issues).
    ``st.cache_resource`` keyed by generation kept the last four, so after the nightly import the
    process held two; here the newer one replaces the older as soon as it is read. A store always
    reads its newest generation, so a session that asks for an older one (it began its run before the
    import landed) is given the newest held: it moves to it on its next rerun anyway. Sessions asking
    at the same time share one read (the warm start and the first visitor, see :mod:`dashboard.warm`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading: dict[str, threading.Lock] = {}
        self._held: dict[str, Dataset] = {}

    def _fresh(self, source: DataSource) -> Dataset | None:
        held = self._held.get(source.workspace)
        return held if held is not None and held.generation >= source.version else None

    def get(self, source: DataSource) -> Dataset:
        """The dataset of ``source``'s generation or a newer one: held, or read now (once per workspace at a time)."""
        with self._lock:
            if (held := self._fresh(source)) is not None:
                return held
            reading = self._reading.setdefault(source.workspace, threading.Lock())
        with reading:
            with self._lock:
                if (held := self._fresh(source)) is not None:
                    return held
            data = open_workspace(store_of(source.workspace))
            with self._lock:
                current = self._held.get(source.workspace)
                if current is None or current.generation < data.generation:
                    self._held[source.workspace] = data
                del current  # no reference left here to a replaced generation: the collection frees it
            settle_memory()
            return data

    def versions(self) -> dict[str, int]:
        """The generation held per workspace."""
        with self._lock:
            return {ws: d.generation for ws, d in self._held.items()}


def settle_memory() -> None:
    """After a generation is read: one full collection, then what survives is kept out of later ones.

    A district's generation holds a million shapely points, and Python's cyclic collector tracks each:
    the first full collection after a read scanned them for 0.19 s in the middle of a leader's filter
    change (measured at 1M), and every later full collection would again. ``gc.freeze`` leaves the
    survivors to reference counting alone, which still frees a replaced generation; ``gc.unfreeze``
    first lets this collection find the cycles among what was frozen before (the old generation's).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False)
def held_datasets() -> HeldDatasets:
    """The process's one holder of datasets (shared by every session)."""
    return HeldDatasets()


def dataset(source: DataSource) -> Dataset:
    """The workspace's joined issues and grids (read once per generation; shared, treat as read-only)."""
    return held_datasets().get(source)


@st.cache_data(show_spinner=False, max_entries=64)
def scope(source: DataSource, flt: IssueFilter) -> Scope:
    """What a filter counts and leaves out, for the line every page prints (three masks: kept per filter)."""
    return dataset(source).scope(flt)


@st.cache_data(show_spinner=False, max_entries=64)
def analysis(source: DataSource, flt: IssueFilter) -> AnalysisResult:
    """Counts, rankings and weekly series for one filter (small tables: heat payloads are `heat`)."""
    return run_analysis(dataset(source), flt)


@st.cache_data(show_spinner=False, max_entries=64)
def heat(source: DataSource, flt: IssueFilter) -> HeatPayload:
    """The heat payload of a filter (its categories are the sidebar's; computed only when a page shows it)."""
    return heat_of(dataset(source), flt, ALL, max_points=max_heat_points(len(dataset(source).grids)))


#: The close-zoom case layer holds at most this many cases (the newest of the filter): about 200 kB.
MAX_CASES_SHOWN = 1_000
#: A case's description is cut to this many characters in its popup (the detail panel has it whole).
CASE_TEXT_CHARS = 60


@st.cache_data(show_spinner=False, max_entries=8)
def ledger_unsaid(source: DataSource) -> frozenset[str]:
    """What the workspace's ledger never gives (status, close times, handling), once per generation."""
    return unsaid(dataset(source).issues)


@st.cache_data(show_spinner=False, max_entries=8)
def other_share(source: DataSource) -> tuple[float, list[tuple[str, int]]]:
    """The workspace's share of 其他 and its largest unmapped raw labels (once per generation)."""
    issues = dataset(source).issues
    return unmapped_share(issues[s.CATEGORY], issues[s.CATEGORY_RAW])


@st.cache_data(show_spinner=False, max_entries=16)
def newest_cases(source: DataSource, flt: IssueFilter, limit: int = MAX_CASES_SHOWN) -> tuple[pd.DataFrame, int]:
    """The newest ``limit`` located cases passing ``flt`` (for the map's case layer), and how many pass in all.

    Taken through the coded index: a million issues cost one partition of their report times, not a sort.
    """
    data = dataset(source)
    rows = np.flatnonzero(data.mask(flt) & np.isfinite(data.points.lon))
    total = len(rows)
    if total > limit:
        times = data.issues[s.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(
            dtype="datetime64[ns]")[rows].astype(np.int64)
        rows = rows[np.argpartition(-times, limit - 1)[:limit]]
    cases = pd.DataFrame(data.issues.iloc[rows][[s.ISSUE_ID, s.CATEGORY, s.STATUS, s.REPORTED_AT, s.ADDRESS,
                                                  s.DESCRIPTION]])
    cases[s.DESCRIPTION] = cases[s.DESCRIPTION].astype("string").str.slice(0, CASE_TEXT_CHARS)
    cases = cases.assign(lon=data.points.lon[rows], lat=data.points.lat[rows])
    return cases.sort_values(s.REPORTED_AT, ascending=False, kind="stable").reset_index(drop=True), total


@st.cache_data(show_spinner=False, max_entries=8)
def ledger_preview(path: str, mtime: float) -> tuple[list[str], pd.DataFrame]:
    """Headers and first five rows of an uploaded ledger (read once per file, not per rerun).

    Raises
    ------
    geo.ingest.tables.LedgerError
        If the file cannot be read (not cached: the next run tries again).
    """
    raw = read_table(path)
    headers = raw_headers(raw)
    return headers, raw[headers].head(5)


@st.cache_data(show_spinner=False, max_entries=4)
def grid_layer(path: str, mtime: float) -> gpd.GeoDataFrame:
    """An uploaded grid layer with all its own columns, in WGS84 (small: a street's or district's grids)."""
    return read_grid_layer(path)


@st.cache_data(show_spinner=False, max_entries=16)
def ledger_column(path: str, mtime: float, column: str, limit: int | None = None) -> pd.Series:
    """One column of an uploaded ledger as text (the first ``limit`` rows when given)."""
    raw = read_table(path)
    values = raw[column].astype("string") if column in raw.columns else pd.Series(dtype="string")
    return values.head(limit) if limit else values


@st.cache_data(show_spinner=False, max_entries=8)
def ledger_points(path: str, mtime: float, columns: tuple[tuple[str, str], ...], crs: str, tz: str,
                  workspace: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The wizard's position checks on a whole uploaded ledger (:func:`geo.ingest.preview.point_checks`):
    the ten busiest exact positions with the import's verdict, and the far points' positions (at most 2,000)."""
    used = dict(columns)

    def column(field: str) -> pd.Series:
        return ledger_column(path, mtime, used[field]) if field in used else pd.Series(dtype="string")

    x, y = numbers(column("lon")), numbers(column("lat"))
    lon, lat = to_wgs84(x, y, parse_crs(crs))
    n = len(lon)
    times = parse_local_times(column("reported_at").reindex(range(n)), tz=tz)
    busiest, far = point_checks(lon, lat, times, column("category").reindex(range(n)),
                                column("address").reindex(range(n)), store_of(workspace).read("grids").grids)
    return busiest, far, lon[far][:2000], lat[far][:2000]


@st.cache_data(show_spinner=False, max_entries=32)
def hotspots(source: DataSource, flt: IssueFilter, cells: str, cell_size_m: float | None,
             outliers: bool = False, outlier_fdr: bool = False, step_days: int = 7) -> HotspotResult:
    """Gi*, emerging classes (with each unit's history per step) and optionally local Moran."""
    return run_hotspots(dataset(source), flt, cells=cells, cell_size_m=cell_size_m, outliers=outliers,
                        outlier_fdr=outlier_fdr, emerging=True, period_days=step_days,
                        max_cells=max_map_cells(len(dataset(source).grids)))


@st.cache_data(show_spinner=False, max_entries=16)
def density(source: DataSource, flt: IssueFilter, bandwidth_m: float | None) -> tuple[MercatorImage, DensitySurface]:
    """Quartic kernel density for one filter, resampled to a bounded web-map image."""
    issues = dataset(source).select(flt)
    surface = kernel_density(issues.geometry, bandwidth_m=bandwidth_m)
    # The raster itself is not sent: only the image (at most MAX_DENSITY_PX square).
    return to_web_mercator_image(surface, max_px=MAX_DENSITY_PX), replace(surface, values=np.empty((0, 0)))


@st.cache_data(show_spinner=False, max_entries=16)
def recurrences(source: DataSource, flt: IssueFilter, radius_m: float, window_days: float) -> pd.DataFrame:
    """Per grid: issues, repeat reports and the repeat rate for one filter and rule."""
    issues = dataset(source).select(flt)
    return recurrence_by_grid(issues, flag_recurrences(issues, radius_m=radius_m, window_days=window_days))


#: What the KPIs, deadline lights, campaign effect and weekly changes read.
SCOPED_COLUMNS = (s.ISSUE_ID, s.CATEGORY, s.GRID_ID, s.REPORTED_AT, s.CLOSED_AT, s.DEADLINE_AT, s.STATUS,
                  s.HANDLING, s.DEPARTMENT)
#: ... and what the open-case list shows besides: taken for the open cases only (two text columns of a
#: million rows were 60 MB taken on every KPI call).
CASE_TEXT_COLUMNS = (s.ADDRESS, s.DESCRIPTION)


def _scoped(source: DataSource, flt: IssueFilter) -> pd.DataFrame:
    """Issues in the filter's categories, communities and grids, every date and status.

    Periods are chosen per page, and a KPI needs every status (a status filter would empty 结案率).
    """
    data = dataset(source)
    return with_community(data.select(_undated(flt), columns=SCOPED_COLUMNS), data.grids)


def kpi_tables(source: DataSource, flt: IssueFilter,
               requests: tuple[tuple[pd.Timestamp, pd.Timestamp, str | None], ...],
               open_at: tuple[pd.Timestamp, ...] = ()) -> tuple[tuple[pd.DataFrame, ...], tuple[int, ...]]:
    """The KPI table of each ``(start, end, by)`` request and the open cases at each moment, from one pass.

    The same tables as one ``kpi_table`` call each and counts as ``len(open_cases(...))`` (tested), but the rows
    of the scope are taken once for the whole page: 总览's and 大屏's cards, 整改's cards and league tables (four
    passes over a million rows were 1.1 s of 整改's first open).
    """
    # Keyed on the filter as the scope reads it (no dates, no statuses: the periods are the requests'), so
    # 总览 and 大屏 asking the same periods share one cached answer whatever dates the sidebar holds.
    return _kpi_tables(source, _undated(flt), requests, open_at)


def week_kpis(source: DataSource, flt: IssueFilter, start: pd.Timestamp,
              end: pd.Timestamp) -> tuple[tuple[pd.DataFrame, pd.DataFrame], tuple[int, int]]:
    """This week's and last week's KPI rows and the open cases at this week's end and start: the one
    request of 总览's and 大屏's cards (and of the warm start, :mod:`dashboard.warm`), so all three share
    one cached answer."""
    (now, before), (open_now, open_before) = kpi_tables(source, flt, ((start, end, None),
                                                                      (localtime.add_days(start, -7), start, None)),
                                                        (end, start))
    return (now, before), (open_now, open_before)


def _undated(flt: IssueFilter) -> IssueFilter:
    return replace(flt, start=None, end=None, statuses=())


@st.cache_data(show_spinner=False, max_entries=32)
def _kpi_tables(source: DataSource, flt: IssueFilter,
                requests: tuple[tuple[pd.Timestamp, pd.Timestamp, str | None], ...],
                open_at: tuple[pd.Timestamp, ...]) -> tuple[tuple[pd.DataFrame, ...], tuple[int, ...]]:
    issues = _scoped(source, flt)
    policy = KpiPolicy(dataset(source).categories)
    cases = {end: case_table(issues, policy, end, set()) for end in dict.fromkeys(end for _, end, _ in requests)}
    tables = tuple(kpi_table(issues, policy, start=start, end=end, by=by, cases=cases[end])
                   for start, end, by in requests)
    return tables, tuple(open_count(issues, moment) for moment in open_at)


#: What the evaluation reads besides the KPI columns.
EVALUATION_COLUMNS = (*SCOPED_COLUMNS, s.SOURCE, s.REPORTER, s.LIKELY_DUPLICATE_OF)


def evaluation_settings(source: DataSource) -> tuple[Settings, str | None]:
    """The workspace's evaluation settings and, when its ``evaluation.toml`` is not valid, the one-line error
    (the shipped profiles are used meanwhile: a typo in a weight never takes the page down)."""
    path = Path(source.workspace) / "evaluation.toml"
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return _settings(source.workspace, stamp)


@st.cache_data(show_spinner=False, max_entries=8)
def _settings(workspace: str, stamp: int) -> tuple[Settings, str | None]:
    try:
        return load_settings(workspace), None
    except EvaluationConfigError as err:
        return shipped_settings(), str(err)


@st.cache_data(show_spinner=False, max_entries=64)
def evaluation(source: DataSource, flt: IssueFilter, profile: str, subject: str, level: str,
               start: pd.Timestamp, end: pd.Timestamp) -> Evaluation:
    """One evaluation table (:func:`geo.ops.evaluation.evaluate`) in the sidebar's scope, every status."""
    data = dataset(source)
    settings, _ = evaluation_settings(source)
    issues = data.select(_undated(flt), columns=EVALUATION_COLUMNS)
    return evaluate(issues, data.grids, KpiPolicy(data.categories), settings.profiles[profile], subject,  # type: ignore[arg-type]
                    level=level, start=start, end=end, reopened=_reopened(source))


@dataclass(frozen=True)
class StreetIndex:
    """The whole street's on-target index for the month holding the data's last day, under the workspace's
    profile, against the month before (总览's and 大屏's card)."""

    index: float
    light: str
    change: float
    profile: str


def current_month(last_day: pd.Timestamp) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]:
    """The month holding ``last_day``, to the end of that day (a deadline still to come is not missed), and
    the month before it: what 总览's index card and 考核评价's default period compare."""
    from geo.ops.evaluation import period_of, previous_period

    start, end = period_of("month", last_day)
    return (start, min(end, localtime.next_midnight(last_day))), previous_period("month", start)


def street_index(source: DataSource, flt: IssueFilter, last_day: pd.Timestamp) -> StreetIndex:
    """This month's index (to the data's last day) and its change against last month."""
    settings, _ = evaluation_settings(source)
    this, before = current_month(last_day)
    now = evaluation(source, flt, settings.default, "area", "all", *this).table
    then = evaluation(source, flt, settings.default, "area", "all", *before).table
    value = float(now["index"].iloc[0]) if len(now) else float("nan")
    prior = float(then["index"].iloc[0]) if len(then) else float("nan")
    return StreetIndex(value, str(now["light"].iloc[0]) if len(now) else "", value - prior, settings.default)


@st.cache_data(show_spinner=False, max_entries=8)
def _reopened(source: DataSource) -> set[str]:
    return reopened_ids(store_of(source.workspace).load_history())


@st.cache_data(show_spinner=False, max_entries=32)
def patrol_gaps(source: DataSource, flt: IssueFilter, level: str = s.GRID_ID) -> PatrolGap:
    """Patrol finds against outside reports per grid (or community) in the sidebar's scope and dates."""
    data = dataset(source)
    issues = data.select(replace(flt, statuses=()), columns=(s.GRID_ID, s.SOURCE, s.STATUS))
    live = issues[(issues[s.STATUS] != "void").to_numpy(dtype=bool, na_value=True)]
    units = live[s.GRID_ID] if level == s.GRID_ID else with_community(live, data.grids)[s.COMMUNITY].replace("", pd.NA)
    return patrol_gap(units, live[s.SOURCE])


@st.cache_data(show_spinner=False, max_entries=16)
def open_cases(source: DataSource, flt: IssueFilter, as_of: pd.Timestamp) -> pd.DataFrame:
    """Open cases at ``as_of`` with their deadline lights, most overdue first."""
    data = dataset(source)
    lights = pd.DataFrame(deadline_lights(_scoped(source, flt), KpiPolicy(data.categories), as_of))
    rows = data.issues.index.get_indexer(lights.index)  # the scoped rows keep the issues' labels
    return lights.assign(**{c: data.issues[c].take(rows).array for c in CASE_TEXT_COLUMNS})


@st.cache_data(show_spinner=False, max_entries=16)
def campaign(source: DataSource, flt: IssueFilter, start: pd.Timestamp, category: str | None) -> CampaignEffect:
    """Before/after comparison around a campaign start."""
    return campaign_effect(_scoped(source, flt), start, category=category)


#: The method pages rank with while the workspace's backtest is still being computed by the worker: the
#: cheapest (8 s on a million issues, the learned model 40 s), and the winner on the generated district and
#: the sample street.
PROVISIONAL_METHOD: Method = "all_history"


@st.cache_data(show_spinner=False, max_entries=32)
def _kept_backtest(folder: str, key: str) -> Backtest | None:
    return load_backtest(Path(folder), key)


@st.cache_data(show_spinner=False, max_entries=16)
def _inline_backtest(source: DataSource, recipe: Recipe) -> Backtest:
    return compute(source.workspace, dataset(source), recipe)


@st.cache_resource(show_spinner=False)
def _workers() -> list[subprocess.Popen[bytes]]:
    """The answers workers this server started (shared by every session), terminated when it exits."""
    started: list[subprocess.Popen[bytes]] = []

    def stop() -> None:
        for worker in started:
            if worker.poll() is None:
                worker.terminate()
        for worker in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=5)

    atexit.register(stop)
    return started


def _start_worker(workspace: str) -> None:
    workers = _workers()
    workers[:] = [w for w in workers if w.poll() is None]  # reap the finished (no zombies)
    worker = answers.start_worker(workspace, parent=os.getpid())
    if worker is not None:
        workers.append(worker)


def request_answers(source: DataSource) -> None:
    """Queue the default view's answers for ``source``'s generation and start the worker (after an import
    in the wizard, and when the watcher sees the generation move): computed once, before anyone asks."""
    if answers.mode() != "worker":
        return
    if any(answers.request(source.workspace, source.version, r) for r in answers.DEFAULT_RECIPES):
        _start_worker(source.workspace)


def backtest(source: DataSource, categories: tuple[str, ...], horizon_days: float = 28.0) -> Backtest | None:
    """The rolling backtest of the forecast methods on the workspace, kept with its store generation.

    Read when kept (the answers worker, the command line or another session computed it). Otherwise a
    page never computes it (ten CPU-seconds on a street, two minutes on a district): the recipe is queued
    for the workspace's one answers worker (:mod:`geo.answers`) and ``None`` returned; the pages say so,
    rank provisionally with :data:`PROVISIONAL_METHOD` and refresh when it is kept
    (:func:`dashboard.shell.refresh_when_kept`). With ``GRIDWATCH_ANSWERS=inline`` (the tests) it is
    computed in the request instead.
    """
    recipe = Recipe(categories, horizon_days)
    folder, key = derived_dir(source.workspace), recipe.key(source.version)
    if is_kept(folder, key):
        kept = _kept_backtest(str(folder), key)
        if kept is not None:
            return kept
    if answers.mode() == "inline":
        return _inline_backtest(source, recipe)
    answers.request(source.workspace, source.version, recipe)
    if answers.pending(source.workspace, source.version, recipe):  # not when it failed: the page says why
        _start_worker(source.workspace)  # unless one works on the workspace already (a lock test, no fork)
    return None


def backtest_failure(source: DataSource, categories: tuple[str, ...], horizon_days: float = 28.0) -> str | None:
    """Why the worker could not compute this backtest (one line), or ``None``."""
    return answers.failure(source.workspace, source.version, Recipe(categories, horizon_days))


def winner(source: DataSource, categories: tuple[str, ...]) -> Method:
    """The method the backtest supports for these categories: what every priority uses by default.

    Measured on the whole history (the 预测检验 page shows the same backtest), so 总览, 优先级, 大屏
    and the bulletin rank with one method; while a large workspace's backtest runs, all of them use
    :data:`PROVISIONAL_METHOD` (and say so).
    """
    bt = backtest(source, categories)
    return bt.winner if bt is not None else PROVISIONAL_METHOD


#: The priority map draws at most this many flagged cells (the first by rank; a city's 5 % is thousands).
MAX_FLAGGED_SHOWN = 1_500


def _priorities(source: DataSource, as_of: pd.Timestamp,
                categories: tuple[str, ...]) -> tuple[pd.DataFrame, gpd.GeoDataFrame, int]:
    """One forecast for the priority measurements and the flagged cells (at most ``MAX_FLAGGED_SHOWN``
    kept, with the total): 总览, 优先级 and 大屏 share it."""
    return _priorities_checked(source, as_of, categories, backtest(source, categories) is not None)


@st.cache_data(show_spinner=False, max_entries=8)
def _priorities_checked(source: DataSource, as_of: pd.Timestamp, categories: tuple[str, ...],
                        checked: bool) -> tuple[pd.DataFrame, gpd.GeoDataFrame, int]:
    # ``checked`` is part of the key: the provisional answer must not outlive the backtest's arrival.
    checked_bt = backtest(source, categories) if checked else None  # its winner and its calibration
    measures, cells = kept_priorities(source.workspace, dataset(source), as_of, categories=categories,
                                      method=checked_bt.winner if checked_bt is not None else PROVISIONAL_METHOD,
                                      calibrated=checked_bt)
    return measures, cells.head(MAX_FLAGGED_SHOWN), len(cells)


def grid_measures(source: DataSource, as_of: pd.Timestamp, categories: tuple[str, ...] = ()) -> pd.DataFrame:
    """The priority measurements per grid at ``as_of`` (scoring with the user's weights is cheap)."""
    return _priorities(source, as_of, categories)[0]


def ranked_grids(source: DataSource, as_of: pd.Timestamp, categories: tuple[str, ...] = (), mode: Mode = "inspect",
                 weights: tuple[tuple[str, float], ...] | None = None) -> pd.DataFrame:
    """The grids scored, ranked and given their reasons (one row a grid): kept per recipe, since writing a
    district's 1,200 reasons cost 0.2 s on every rerun of 总览, 优先级 and 大屏."""
    return _ranked(source, as_of, categories, mode, weights, backtest(source, categories) is not None)


@st.cache_data(show_spinner=False, max_entries=32)
def _ranked(source: DataSource, as_of: pd.Timestamp, categories: tuple[str, ...], mode: Mode,
            weights: tuple[tuple[str, float], ...] | None, checked: bool) -> pd.DataFrame:
    # ``checked`` keys the provisional ranking apart from the one with the backtest's winner.
    return score(grid_measures(source, as_of, categories), dict(weights) if weights is not None else None, mode=mode,
                 names=Names.of(dataset(source).categories))


def flagged_cells(source: DataSource, as_of: pd.Timestamp,
                  categories: tuple[str, ...] = ()) -> tuple[gpd.GeoDataFrame, int]:
    """The forecast's top 5 % of the area in 100 m cells (at most ``MAX_FLAGGED_SHOWN``), and how many
    there are in all (the page says so when it shows fewer)."""
    _, cells, total = _priorities(source, as_of, categories)
    return cells, total


@st.cache_data(show_spinner=False, max_entries=8)
def bulletin(source: DataSource, week: str, lang: str = "zh") -> Bulletin:
    """The weekly bulletin (workbook and HTML) for an ISO week in the page's language, as the command line
    writes it."""
    data = dataset(source)
    settings, _ = evaluation_settings(source)
    return build_bulletin(data, week, policy=KpiPolicy(data.categories),
                          reopened=reopened_ids(store_of(source.workspace).load_history()), method=winner(source, ()),
                          profile=settings.profile, lang="en" if lang == "en" else "zh")


@st.cache_data(show_spinner=False, max_entries=4)
def bulletin_pdf(source: DataSource, week: str, lang: str = "zh") -> bytes:
    """The bulletin's PDF (A4, Chinese font embedded): built when the download is clicked, then kept."""
    return bulletin(source, week, lang).pdf()


@st.cache_data(show_spinner=False, max_entries=16)
def week_changes(source: DataSource, flt: IssueFilter, end: pd.Timestamp) -> pd.DataFrame:
    """Each category's week ending at ``end`` against its four weeks before."""
    return category_changes(_scoped(source, flt), end)


#: What the series, the two-period comparison and the weekday x hour table read.
TREND_COLUMNS = (s.REPORTED_AT, s.CATEGORY, s.GRID_ID)


def _trend_scope(source: DataSource, flt: IssueFilter, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The filtered issues with their community: ``columns`` only when given (a million rows of every
    column cost a second, of these three a tenth of that)."""
    data = dataset(source)
    return with_community(data.select(flt, columns=columns), data.grids)


@st.cache_data(show_spinner=False, max_entries=32)
def trends(source: DataSource, flt: IssueFilter, by: str, freq: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts per period and group, and each group's trend (Mann-Kendall, Theil-Sen)."""
    table = series(_trend_scope(source, flt, TREND_COLUMNS), by, freq="month" if freq == "month" else "week")
    return table, trend_table(table)


@st.cache_data(show_spinner=False, max_entries=32)
def period_comparison(source: DataSource, flt: IssueFilter, by: str, a: tuple[pd.Timestamp, pd.Timestamp],
                      b: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """Two date ranges compared per group (the filter's own dates do not apply: the ranges do)."""
    return compare_periods(_trend_scope(source, replace(flt, start=None, end=None), TREND_COLUMNS), by, a, b)


@st.cache_data(show_spinner=False, max_entries=16)
def weekly_rhythm(source: DataSource, flt: IssueFilter) -> pd.DataFrame:
    """Reports per weekday and hour."""
    return hour_weekday(_trend_scope(source, flt, TREND_COLUMNS))


@st.cache_data(show_spinner=False, max_entries=64)
def grid_detail(source: DataSource, flt: IssueFilter, grid_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One grid under the filter: its issues (newest first), weekly counts per category, its open cases now."""
    one = replace(flt, grids=(grid_id,))
    issues = _trend_scope(source, one).sort_values(s.REPORTED_AT, ascending=False)
    weekly = series(issues, s.CATEGORY) if len(issues) else pd.DataFrame()
    as_of = localtime.next_midnight(dataset(source).issues[s.REPORTED_AT].max())
    cases = open_cases(source, replace(one, statuses=()), as_of)
    return pd.DataFrame(issues.drop(columns="geometry")), weekly, cases
