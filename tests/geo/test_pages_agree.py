"""The numbers a leader reads on two pages are the same number: open, overdue, outside, suspect.

Each page reads its figure through a different route (总览's card through ``kpi_table``, the community league
through ``kpi_table(by=...)``, 督办清单 through ``deadline_lights``, 地图 through ``run_analysis``, 热点
through ``run_hotspots``, the sidebar and the scope line through ``Dataset.scope``). A real ledger once showed
超期未结 16,434 on the card and 16,432 in the community table, 25 outside the grids on 地图 and 2 on 热点:
each pair is asserted equal here, on the sample street and on a real ledger with cases outside its grids.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo import localtime
from geo import schema as s
from geo.cube.analysis import run_analysis
from geo.cube.dataset import Dataset, open_workspace
from geo.cube.filter import IssueFilter
from geo.ingest.imports import import_grids, import_ledger
from geo.ingest.mapping import LedgerMapping
from geo.ops.rectification import KpiPolicy, deadline_lights, kpi_table, open_count, with_community
from geo.stats.hotspot_analysis import run_hotspots
from geo.store import Workspace

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


@pytest.fixture(scope="module")
def la(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    ws = Workspace(tmp_path_factory.mktemp("la"))
    import_grids(ws, REAL / "la_neighborhood_councils_2019.geojson.gz", id_field="nc_id", name_field="name")
    import_ledger(ws, REAL / "la_myla311_2018-01-01_to_01-04.csv.gz", mapping=LedgerMapping(tz="America/Los_Angeles"))
    return open_workspace(ws)


@pytest.fixture(params=["sample", "la"])
def data(request: pytest.FixtureRequest) -> Dataset:
    return request.getfixturevalue(request.param)


def _scoped(data: Dataset) -> pd.DataFrame:
    columns = [c for c in data.issues.columns if c != "geometry"]
    return with_community(data.select(IssueFilter(), columns=columns), data.grids)


def test_overdue_and_open_agree_between_cards_leagues_and_the_list(data: Dataset) -> None:
    issues = _scoped(data)
    policy = KpiPolicy(data.categories)
    end = localtime.next_midnight(issues[s.REPORTED_AT].max())
    start = localtime.add_days(end, -7)
    card = kpi_table(issues, policy, start=start, end=end)
    lights = deadline_lights(issues, policy, end)
    assert card["overdue_open"].iloc[0] == (lights["light"] == "red").sum() > 0
    assert open_count(issues, end) == len(lights)
    for by in (s.COMMUNITY, s.GRID_ID, s.DEPARTMENT, s.CATEGORY):
        league = kpi_table(issues, policy, start=start, end=end, by=by)
        # The league keeps the no-community / no-department row, so its rows add up to the card.
        for column in ("overdue_open", "reported", "due", "closed", "carried_overdue"):
            assert league[column].sum() == card[column].iloc[0], (by, column)


def test_outside_the_grids_is_one_count_on_map_and_hotspots(data: Dataset) -> None:
    on_map = run_analysis(data, IssueFilter()).outside
    assert on_map == int(data.issues[s.OUTSIDE_GRIDS].sum() - (data.issues[s.OUTSIDE_GRIDS]
                                                                & ~data.mask(IssueFilter())).sum())
    for cells in ("grid", "square", "hex"):
        result = run_hotspots(data, cells=cells)
        assert result.choices["issues_outside_units"] == on_map, cells
        assert result.choices["issues_analysed"] + on_map == data.scope(IssueFilter()).counted, cells


def test_suspect_left_out_is_one_count_in_sidebar_scope_line_and_hotspots(data: Dataset) -> None:
    scope = data.scope(IssueFilter())
    # What the toggle would add: the suspect records that are not void (a void record on the pile stays out).
    live = data.issues[s.STATUS].ne("void").to_numpy()
    assert scope.suspect == int((data.index.suspect & live).sum())
    assert run_hotspots(data, cells="square").choices["suspect_points_excluded"] == scope.suspect


def test_la_has_cases_outside_its_grids_so_the_comparison_bites(la: Dataset) -> None:
    assert run_analysis(la, IssueFilter()).outside > 0
