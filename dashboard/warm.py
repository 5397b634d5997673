"""Reading the workspace when the server starts, and again when an import lands, before anyone asks.

``streamlit run`` reads a district's generation on the first visit: 7-10 s at a million issues before
the first leader sees 总览 (reading a million rows, building their points and the filter index, the
first KPI pass, importing the map libraries). ``python -m dashboard`` (what ``make demo`` and the
deployment run) starts the same Streamlit server with a thread that does that work first, in the
server's own process, so the caches the pages read are already full: :func:`preload` imports the
pages' libraries, :func:`warm` reads the newest generation and computes what 总览's first open
computes for the default filter (and 考核评价's first table), and :func:`watch` does it again whenever
the store's generation moves (the nightly import), so the first visit after it is as fast as any.

The thread uses the pages' own cached functions (``dashboard.data``), never a copy of them; a test
checks that after :func:`warm` the overview's first open reads nothing and computes no KPI pass.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

import pandas as pd
from streamlit import runtime

from dashboard.data import (
    DataSource,
    current_month,
    dataset,
    evaluation,
    evaluation_settings,
    ranked_grids,
    street_index,
    week_changes,
    week_kpis,
)
from geo import schema as s
from geo.cube.filter import IssueFilter
from geo.cube.levels import Level, level_shapes
from geo.ingest.tables import LedgerError
from geo.ops.rectification import period_bounds

LOG = logging.getLogger("gridwatch.warm")
#: How often the watcher asks the store for its generation (a ``stat`` of the pointer file).
WATCH_EVERY_S = 30.0


def warm(source: DataSource | None = None) -> DataSource | None:
    """Read ``source`` (the configured workspace by default) and fill 总览's caches for the default filter.

    Returns the source warmed, or ``None`` when the workspace holds nothing yet (the pages say so).
    """
    source = source or DataSource.from_env()
    try:
        data = dataset(source)
    except LedgerError:
        return None
    data.index  # noqa: B018 - the filter codes every page reads
    # The sidebar's defaults: the whole record, every category, community, grid and status.
    times = data.issues[s.REPORTED_AT]
    first, last = times.min().date(), times.max().date()
    flt = IssueFilter(start=first, end=last)
    last_day = pd.Timestamp(last, tz=times.dt.tz)
    start, end = period_bounds(last_day, 7)
    week_kpis(source, flt, start, end)
    ranked_grids(source, end, ())
    week_changes(source, flt, end)
    for level in (Level.STREET, Level.COMMUNITY):
        level_shapes(data.grids, level)
    # 总览's and 大屏's index card, which is also 考核评价's whole-street row; then that page's first table
    # (区域 by grid, this month against the last), so neither first open evaluates the whole period.
    street_index(source, flt, last_day)
    profile = evaluation_settings(source)[0].default
    for period in current_month(last_day):
        evaluation(source, flt, profile, "area", "grid", *period)
    return source


#: What the first visit imports besides :mod:`dashboard.data`: the map and chart builders, and with them
#: folium (its templates compile on import) and Altair, about 1.3 s of a cold first visit. Not
#: :mod:`dashboard.components.view` nor what imports it: ``streamlit_folium`` declares its component
#: when imported, and Streamlit registers a component only from a script's thread, so imported here the
#: map's frame would answer 404 in every session (seen in the browser).
PAGE_MODULES = ("dashboard.components.maps", "dashboard.components.charts")


def preload() -> None:
    """Import the pages' heavy libraries (:data:`PAGE_MODULES`), so the first visit does not."""
    for name in PAGE_MODULES:
        importlib.import_module(name)


def watch(every_s: float = WATCH_EVERY_S, *, stop: threading.Event | None = None) -> None:
    """Import the pages' modules, warm now, then whenever the configured store's generation moves on (until
    ``stop`` is set)."""
    stop = stop or threading.Event()
    try:
        preload()
    except Exception:  # as below: the page will import it and say why
        LOG.exception("importing the pages' modules failed")
    warmed: DataSource | None = None
    while not stop.is_set():
        try:
            source = DataSource.from_env()
            if source != warmed:
                began = time.perf_counter()
                warmed = warm(source)
                LOG.info("warmed %s generation %s in %.1f s", source.workspace, source.version,
                         time.perf_counter() - began)
        except Exception:  # a failed warm-up must never stop the server; the page will say why
            LOG.exception("warming the workspace failed; the first visit reads it instead")
        stop.wait(every_s)


def start_watching(every_s: float = WATCH_EVERY_S) -> threading.Event:
    """:func:`watch` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    # The thread has no session, by design: Streamlit's warning about that would repeat every call.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_not_ours)
    def serve() -> None:
        # After Streamlit's runtime exists, so the caches filled are the ones the sessions read.
        while not runtime.exists() and not stop.wait(0.2):
            pass
        watch(every_s, stop=stop)

    threading.Thread(target=serve, name=THREAD_NAME, daemon=True).start()
    return stop


THREAD_NAME = "gridwatch-warm"


def _not_ours(record: logging.LogRecord) -> bool:
    """Drops Streamlit's "missing ScriptRunContext" warning for the warm-up thread only."""
    return threading.current_thread().name != THREAD_NAME
