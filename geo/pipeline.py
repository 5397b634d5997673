"""The public face of the library: what a notebook, the command line, the bulletin or a page starts from.

Everything a caller outside ``geo/`` needs is named here (and in ``geo.__all__``), so the rooms behind it
(``ingest``, ``store``, ``cube``, ``stats``, ``forecast``, ``ops``, ``report``) can move without breaking
a notebook.

Examples
--------
>>> from geo.pipeline import IssueFilter, load_dataset, run_analysis
>>> result = run_analysis(load_dataset(), IssueFilter(categories=("parking",)))
>>> int(result.grid_counts["count"].sum()) == result.n_issues - result.outside
True

Not yet here: the answers computed once per store generation by one bounded worker (issue 26); today
``dashboard/data.py`` still composes the KPI tables, the backtest winner and the priorities per view.
"""

from __future__ import annotations

from geo.cube.analysis import AnalysisResult, heat_of, run_analysis
from geo.cube.dataset import Dataset, Scope, open_workspace
from geo.cube.filter import ALL, IssueFilter
from geo.ingest.imports import import_grids, import_ledger
from geo.ops.rectification import KpiPolicy, deadline_lights, kpi_table, open_count
from geo.report.bulletin import build_bulletin
from geo.sample import load_dataset
from geo.stats.hotspot_analysis import run_hotspots
from geo.store import open_store

__all__ = [
    "ALL",
    "AnalysisResult",
    "Dataset",
    "IssueFilter",
    "KpiPolicy",
    "Scope",
    "build_bulletin",
    "deadline_lights",
    "heat_of",
    "import_grids",
    "import_ledger",
    "kpi_table",
    "load_dataset",
    "open_count",
    "open_store",
    "open_workspace",
    "run_analysis",
    "run_hotspots",
]
