import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo import schema as s
from geo.cube.aggregate import count_cube
from geo.cube.analysis import heat_of, run_analysis
from geo.cube.dataset import Dataset, filter_issues
from geo.cube.filter import ALL, IssueFilter

ROOT = Path(__file__).resolve().parents[2]


def test_default_analysis_counts_every_non_void_non_suspect_issue(sample: Dataset) -> None:
    result = run_analysis(sample)
    non_void = int(((sample.issues[s.STATUS] != "void") & ~sample.issues["suspect_point"]).sum())
    assert non_void == 21_470 - 271 - 89  # 271 voided; 89 non-void records on the office pile
    assert result.n_issues == non_void
    assert result.cube["count"].sum() == non_void  # no sample issue lies outside the grids
    assert result.grid_counts["count"].sum() == non_void
    assert int(result.weekly.to_numpy().sum()) == non_void
    assert sorted(result.grid_counts["rank"]) == list(range(1, 36))
    assert heat_of(sample, IssueFilter(), ALL).n_issues == non_void
    # Weeks are aligned to the end: the last period ends the day after the last report.
    assert result.period_end.date() == dt.date(2026, 11, 16)
    assert len(result.weekly) == 54


def test_ranking_is_by_count_then_grid_id(sample: Dataset) -> None:
    ranked = run_analysis(sample).grid_counts
    keys = list(zip(-ranked["count"], ranked[s.GRID_ID], strict=True))
    assert keys == sorted(keys)


def test_filters_combine(sample: Dataset) -> None:
    flt = IssueFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), categories=("parking", "litter"),
                      communities=("望江社区",))
    got = filter_issues(sample.issues, sample.grids, flt)
    local = got[s.REPORTED_AT].dt.tz_convert("Asia/Shanghai")
    assert len(got) > 0
    assert local.min().date() >= flt.start and local.max().date() <= flt.end
    assert set(got[s.CATEGORY]) == {"parking", "litter"}
    grids_in = set(sample.grids.loc[sample.grids[s.COMMUNITY] == "望江社区", s.GRID_ID])
    assert set(got[s.GRID_ID]) <= grids_in
    result = run_analysis(sample, flt)
    assert set(result.grids[s.COMMUNITY]) == {"望江社区"}
    assert result.cube["count"].sum() == len(got)
    assert list(result.weekly.columns) == ["parking", "litter"]
    assert len(result.weekly) == 5  # 31 days -> 5 weeks ending 2026-03-31


def test_suspect_pile_only_on_request(sample: Dataset) -> None:
    assert int(sample.issues["suspect_point"].sum()) == 90  # exactly the planted office pile
    default = filter_issues(sample.issues, sample.grids, IssueFilter())
    included = filter_issues(sample.issues, sample.grids, IssueFilter(include_suspect=True))
    assert len(included) - len(default) == 89  # one of the 90 pile records is voided


def test_void_cases_only_on_request(sample: Dataset) -> None:
    n_void = int((sample.issues[s.STATUS] == "void").sum())
    assert n_void > 0
    with_void = filter_issues(sample.issues, sample.grids, IssueFilter(include_void=True, include_suspect=True))
    assert len(with_void) == len(sample.issues)


def test_heat_payloads_are_bounded(sample: Dataset) -> None:
    result = run_analysis(sample)
    for payload in (heat_of(sample, IssueFilter(), c, max_points=500) for c in (ALL, *result.categories)):
        assert len(payload.points) <= 500
    assert np.isclose(heat_of(sample, IssueFilter(), ALL, max_points=500).points[:, 2].sum(), result.n_issues)


def test_grid_and_status_filters(sample: Dataset) -> None:
    grid = "340104012001004"
    by_grid = filter_issues(sample.issues, sample.grids, IssueFilter(grids=(grid,)))
    expected = ((sample.issues[s.GRID_ID] == grid) & (sample.issues[s.STATUS] != "void")
                & ~sample.issues["suspect_point"]).sum()
    assert len(by_grid) == expected and set(by_grid[s.GRID_ID]) == {grid}
    open_only = filter_issues(sample.issues, sample.grids, IssueFilter(statuses=("open", "assigned")))
    assert set(open_only[s.STATUS]) == {"open", "assigned"}
    both = filter_issues(sample.issues, sample.grids, IssueFilter(grids=(grid,), statuses=("closed",)))
    assert len(both) == (by_grid[s.STATUS] == "closed").sum()


def _by_hand(issues, grids, flt: IssueFilter):
    """The filter rule written out on the frame, column by column (the oracle for the coded index)."""
    day = issues[s.REPORTED_AT].dt.date
    keep = pd.Series(True, index=issues.index)
    if flt.start is not None:
        keep &= day >= flt.start
    if flt.end is not None:
        keep &= day <= flt.end
    if flt.categories:
        keep &= issues[s.CATEGORY].isin(flt.categories)
    if flt.communities:
        keep &= issues[s.GRID_ID].isin(grids.loc[grids[s.COMMUNITY].isin(flt.communities), s.GRID_ID]).fillna(False)
    if flt.grids:
        keep &= issues[s.GRID_ID].isin(flt.grids).fillna(False)
    if flt.statuses:
        keep &= issues[s.STATUS].isin(flt.statuses).fillna(False)
    if not flt.include_void:
        keep &= issues[s.STATUS] != "void"
    if not flt.include_suspect:
        keep &= ~issues[s.SUSPECT_POINT]
    return issues[keep.to_numpy(dtype=bool)]


@pytest.mark.parametrize("flt", [
    IssueFilter(), IssueFilter(include_void=True, include_suspect=True), IssueFilter(categories=("parking", "litter")),
    IssueFilter(communities=("望江社区", "新华社区")), IssueFilter(statuses=("open", "assigned"), include_void=True),
    IssueFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 5, 31), grids=("340104012001004", "340104012003002")),
    IssueFilter(categories=("no_such_code",)), IssueFilter(communities=("不存在的社区",)),
])
def test_the_coded_filter_selects_the_rows_of_the_written_rule(sample: Dataset, flt: IssueFilter) -> None:
    by_frame = _by_hand(sample.issues, sample.grids, flt)
    assert sample.select(flt).index.equals(by_frame.index)
    assert filter_issues(sample.issues, sample.grids, flt).index.equals(by_frame.index)
    # ... and the cube from codes is the cube from the filtered frame.
    result = run_analysis(sample, flt)
    cats = list(result.categories)
    if result.cube.empty:  # no grid in the chosen communities: nothing to count on either route
        assert len(result.grids) == 0 and len(by_frame) == 0
        return
    expected = count_cube(by_frame, grid_ids=list(result.grids[s.GRID_ID]), categories=cats, end=result.period_end,
                          n_periods=result.cube["period_start"].nunique())
    pd.testing.assert_frame_equal(result.cube, expected)


def test_counts_by_grid_from_the_index_equal_the_rows(sample: Dataset) -> None:
    flt = IssueFilter(categories=("parking",), communities=("望江社区",))
    end = sample.issues[s.REPORTED_AT].max().normalize()
    start = end - pd.Timedelta(days=7)
    rows = sample.select(flt)
    rows = rows[(rows[s.REPORTED_AT] >= start) & (rows[s.REPORTED_AT] < end)]
    expected = rows[s.GRID_ID].value_counts()
    got = sample.counts_by_grid(flt, start, end)
    assert got.sum() == len(rows.dropna(subset=[s.GRID_ID])) > 0
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_scope_counts_what_a_filter_leaves_out(sample: Dataset) -> None:
    issues = sample.issues
    void = (issues[s.STATUS] == "void").to_numpy()
    pile = issues["suspect_point"].to_numpy(dtype=bool)
    parking = (issues[s.CATEGORY] == "parking").to_numpy()
    # Written out on the frame: counted = live and off the pile; each exclusion is what asking for it would add.
    scope = sample.scope(IssueFilter(categories=("parking",)))
    assert scope.counted == int((parking & ~void & ~pile).sum()) == 5463
    assert scope.void == int((parking & void & ~pile).sum()) and scope.suspect == int((parking & pile & ~void).sum())
    assert sample.scope(IssueFilter()) == type(scope)(counted=21110, void=270, suspect=89)
    included = sample.scope(IssueFilter(include_suspect=True))
    assert included.suspect == 0 and included.counted == 21110 + 89


def test_the_sample_is_ready_once_built_and_the_command_says_whether_it_built(tmp_path: Path) -> None:
    from geo.sample import ensure_sample_workspace, sample_ready

    target = tmp_path / "sample"
    assert not sample_ready(target)  # the dashboard then says it is importing the sample
    ensure_sample_workspace(target)
    assert sample_ready(target)
    (target / "CURRENT").unlink()
    assert not sample_ready(target)
    proc = subprocess.run([sys.executable, "-m", "geo", "prepare-sample"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert json.loads(proc.stdout)["generation"] >= 1
