"""Loading and caching: the only module that talks to Streamlit's caches.

Caches are keyed on small hashable recipes (paths, modification times, frozen filter
dataclasses), never on GeoDataFrames, so a key costs microseconds to hash.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geo.pipeline import SAMPLE_DIR, AnalysisResult, Dataset, IssueFilter, load_dataset, run_analysis

#: The browser never receives more heat points than this, however large the ledger.
MAX_HEAT_POINTS = 50_000


@dataclass(frozen=True)
class DataSource:
    """Where the data comes from; the modification times make an edited file a new cache key."""

    ledger: str
    grids: str
    ledger_mtime: float
    grids_mtime: float

    @classmethod
    def from_env(cls) -> DataSource:
        """``GRIDWATCH_LEDGER`` and ``GRIDWATCH_GRIDS``, else the bundled sample street."""
        ledger = Path(os.environ.get("GRIDWATCH_LEDGER") or SAMPLE_DIR / "ledger.csv")
        grids = Path(os.environ.get("GRIDWATCH_GRIDS") or SAMPLE_DIR / "grids.geojson")
        mtime = lambda p: p.stat().st_mtime if p.exists() else 0.0  # noqa: E731 - missing files fail on load
        return cls(str(ledger), str(grids), mtime(ledger), mtime(grids))


@st.cache_resource(show_spinner=False, max_entries=4)
def dataset(source: DataSource) -> Dataset:
    """The joined dataset (read and joined once per file version; shared, treat as read-only)."""
    return load_dataset(source.ledger, source.grids)


@st.cache_data(show_spinner=False, max_entries=64)
def analysis(source: DataSource, flt: IssueFilter) -> AnalysisResult:
    """Counts, rankings, weekly series and heat payloads for one filter."""
    return run_analysis(dataset(source), flt, max_heat_points=MAX_HEAT_POINTS)
