"""Priority scores: properties (monotone in overdue, ranks a permutation, deterministic ties) and the sample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.pipeline import SAMPLE_DIR, Dataset
from geo.priority import DEFAULT_WEIGHTS, Names, measure_grids, pareto, score


def raw_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[s.GRID_ID, "hot_level", "hot_category", "trend_ratio", "trend_rising", "overdue",
                                       "recurrences", "severity", "top_severity_category", "top_severity_count", "open"])


grid_rows = st.lists(
    st.tuples(st.integers(0, 3), st.floats(0.2, 5), st.booleans(), st.integers(0, 50), st.integers(0, 30),
              st.floats(0, 200), st.integers(0, 80)),
    min_size=1, max_size=25)


def _raw(rows: list[tuple]) -> pd.DataFrame:
    return raw_table([(f"g{i:02d}", h, "parking", r, up, o, rc, sv, "parking", 1, op)
                      for i, (h, r, up, o, rc, sv, op) in enumerate(rows)])


@settings(max_examples=150, deadline=None)
@given(grid_rows, st.data())
def test_raising_a_grids_overdue_never_lowers_its_score(rows: list[tuple], data: st.DataObject) -> None:
    raw = _raw(rows)
    i = data.draw(st.integers(0, len(raw) - 1))
    extra = data.draw(st.integers(1, 40))
    before = score(raw).set_index(s.GRID_ID).loc[raw.at[i, s.GRID_ID], "score"]
    raised = raw.copy()
    raised.at[i, "overdue"] += extra
    after = score(raised).set_index(s.GRID_ID).loc[raw.at[i, s.GRID_ID], "score"]
    assert after >= before - 1e-9


@settings(max_examples=150, deadline=None)
@given(grid_rows, st.dictionaries(st.sampled_from(list(DEFAULT_WEIGHTS)), st.floats(0, 1), min_size=1))
def test_ranks_are_a_permutation_and_scores_bounded(rows: list[tuple], weights: dict[str, float]) -> None:
    if sum(weights.values()) <= 0:
        weights = DEFAULT_WEIGHTS
    ranked = score(_raw(rows), weights)
    assert sorted(ranked["rank"]) == list(range(1, len(rows) + 1))
    assert ranked["score"].between(0, 100 + 1e-9).all()
    assert (np.diff(ranked["score"].to_numpy()) <= 1e-9).all()  # rank order is score order


def test_ties_break_on_overdue_then_grid_id() -> None:
    raw = raw_table([("b", 0, "", 1.0, False, 0, 0, 0.0, "", 0, 0), ("a", 0, "", 1.0, False, 0, 0, 0.0, "", 0, 0),
                     ("c", 0, "", 1.0, False, 0, 0, 0.0, "", 0, 0)])
    assert score(raw)[s.GRID_ID].tolist() == ["a", "b", "c"]
    only_overdue = {"overdue": 1.0}
    raw.loc[raw[s.GRID_ID] == "c", "overdue"] = 4
    assert score(raw, only_overdue)[s.GRID_ID].tolist() == ["c", "a", "b"]


def test_reasons_read_as_sentences_by_hand() -> None:
    raw = raw_table([("g1", 3, "parking", 1.5, True, 6, 0, 10.0, "parking", 4, 9),
                     ("g2", 0, "", 1.0, False, 2, 0, 20.0, "litter", 8, 3)])
    names = Names({"parking": "乱停乱放", "litter": "垃圾"}, {"parking": "Disorderly parking", "litter": "Litter"})
    ranked = score(raw, names=names).set_index(s.GRID_ID)
    # g1: hotspot 1 * 0.30, trend log2(1.5) = 0.585 * 0.15, overdue 1 * 0.25, severity 0.5 * 0.15 -> 71.27
    assert ranked.at["g1", "score"] == pytest.approx(100 * (0.30 + 0.15 * np.log2(1.5) + 0.25 + 0.15 * 0.5), abs=1e-4)
    assert ranked.at["g1", "reasons_zh"] == "乱停乱放 99% 热点，超期未结 6 件，近 8 周上升 50%"
    assert ranked.at["g1", "reasons_en"].startswith("Disorderly parking hot spot at 99%, 6 overdue open cases")
    # g2: severity 20 / 20 * 0.15 = 0.15 outweighs overdue 2 / 6 * 0.25 = 0.083, so it leads.
    assert ranked.at["g2", "reasons_zh"] == "近 8 周垃圾 8 件，超期未结 2 件"
    assert pareto(score(raw), 1) == pytest.approx(9 / 12)


def test_weights_are_validated() -> None:
    raw = raw_table([("g1", 0, "", 1.0, False, 0, 0, 0.0, "", 0, 0)])
    for bad in ({"overdue": -1.0}, {"budget": 1.0}, {"overdue": 0.0}):
        with pytest.raises(ValueError, match="weights"):
            score(raw, bad)


def test_planted_problem_grids_lead_the_sample_street(sample: Dataset) -> None:
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    ranked = score(measure_grids(sample, pd.Timestamp("2026-11-16", tz="Asia/Shanghai")))
    top = set(ranked.nsmallest(8, "rank")[s.GRID_ID])
    planted = {h["grid_id"] for h in truth["hotspots"]}
    assert planted <= top, planted - top
    pile_grid = sample.issues.loc[sample.issues["suspect_point"], s.GRID_ID].iloc[0]
    assert pile_grid not in set(ranked.nsmallest(3, "rank")[s.GRID_ID])  # the false pile drives nothing
