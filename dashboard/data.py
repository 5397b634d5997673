"""Loading and caching: the only module that talks to Streamlit's caches.

Caches are keyed on small hashable recipes (paths, modification times, frozen filter
dataclasses), never on GeoDataFrames, so a key costs microseconds to hash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.aggregate import HeatPayload
from geo.hotspot_analysis import HotspotResult, run_hotspots
from geo.io import GEOM_X, GEOM_Y, SOURCE_ROW, read_table
from geo.pipeline import AnalysisResult, Dataset, IssueFilter, ensure_sample_workspace, open_workspace, run_analysis
from geo.store import Workspace

#: The browser never receives more heat points than this, however large the ledger.
MAX_HEAT_POINTS = 50_000


@dataclass(frozen=True)
class DataSource:
    """The workspace the app shows; its files' modification times make new data a new cache key."""

    workspace: str
    version: tuple[float, float]

    @classmethod
    def from_env(cls) -> DataSource:
        """``GRIDWATCH_WORKSPACE``, else the sample street (imported on first use)."""
        path = os.environ.get("GRIDWATCH_WORKSPACE")
        ws = Workspace(Path(path)) if path else ensure_sample_workspace()
        return cls(str(ws.root), ws.version())


@st.cache_resource(show_spinner=False, max_entries=4)
def dataset(source: DataSource) -> Dataset:
    """The workspace's joined issues and grids (read once per version; shared, treat as read-only)."""
    return open_workspace(Workspace(Path(source.workspace)))


@st.cache_data(show_spinner=False, max_entries=64)
def analysis(source: DataSource, flt: IssueFilter) -> AnalysisResult:
    """Counts, rankings, weekly series and heat payloads for one filter."""
    return run_analysis(dataset(source), flt, max_heat_points=MAX_HEAT_POINTS)


@st.cache_data(show_spinner=False, max_entries=64)
def heat(source: DataSource, flt: IssueFilter, category: str) -> HeatPayload:
    """The heat payload of one category for one filter (computed only when a page shows it)."""
    return analysis(source, flt).heat(category)


@st.cache_data(show_spinner=False, max_entries=8)
def ledger_preview(path: str, mtime: float) -> tuple[list[str], pd.DataFrame]:
    """Headers and first five rows of an uploaded ledger (read once per file, not per rerun).

    Raises
    ------
    geo.io.LedgerError
        If the file cannot be read (not cached: the next run tries again).
    """
    raw = read_table(path)
    headers = [c for c in raw.columns if c not in (GEOM_X, GEOM_Y, SOURCE_ROW)]
    return headers, raw[headers].head(5)


@st.cache_data(show_spinner=False, max_entries=32)
def hotspots(source: DataSource, flt: IssueFilter, cells: str, cell_size_m: float) -> HotspotResult:
    """Gi* and emerging classes for one filter and choice of units."""
    return run_hotspots(dataset(source), flt, cells=cells, cell_size_m=cell_size_m, emerging=True)
