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

The backtest and the priority list it ranks with are computed once per store generation by one bounded
worker (:mod:`geo.answers`: :func:`schedule` after a change, :func:`compute` for one recipe). Not yet
here: the KPI tables, composed per view in ``dashboard/data.py`` (cheap at a street, and to be read from
the cube at a district: issue 26).
"""

from __future__ import annotations

from geo.answers import Recipe, compute, schedule
from geo.cube.analysis import AnalysisResult, heat_of, run_analysis
from geo.cube.dataset import Dataset, Scope, open_workspace
from geo.cube.filter import ALL, IssueFilter
from geo.ingest.imports import import_grids, import_ledger
from geo.ops.evaluation import Evaluation, evaluate
from geo.ops.profiles import PROFILES, Profile, load_settings
from geo.ops.rectification import KpiPolicy, deadline_lights, kpi_table, open_count
from geo.report.bulletin import build_bulletin
from geo.sample import load_dataset
from geo.stats.hotspot_analysis import run_hotspots
from geo.stats.patrol_gap import patrol_gap
from geo.store import open_store

__all__ = [
    "ALL",
    "PROFILES",
    "AnalysisResult",
    "Dataset",
    "Evaluation",
    "IssueFilter",
    "KpiPolicy",
    "Profile",
    "Recipe",
    "Scope",
    "build_bulletin",
    "compute",
    "deadline_lights",
    "evaluate",
    "heat_of",
    "import_grids",
    "import_ledger",
    "kpi_table",
    "load_dataset",
    "load_settings",
    "open_count",
    "open_store",
    "open_workspace",
    "patrol_gap",
    "run_analysis",
    "run_hotspots",
    "schedule",
]
