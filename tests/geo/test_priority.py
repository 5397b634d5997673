"""Priorities on the forecast: two modes, tunable weights, deterministic ties, reasons that tell grids apart."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import schema as s
from geo.cube.dataset import Dataset
from geo.ops.priority import DEFAULT_WEIGHTS, Names, measure_grids, pareto, score
from geo.sample import SAMPLE_DIR

COLUMNS = [s.GRID_ID, "expected", "lower", "upper", "expected_per_km2", "area_km2", "past_mean", "top_category",
           "overdue", "open", "repeat_places", "flagged_cells"]


def raw_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


grid_rows = st.lists(st.tuples(st.floats(0, 200), st.floats(0.1, 5), st.floats(0, 200), st.integers(0, 50),
                               st.integers(0, 80), st.integers(0, 30), st.integers(0, 9)), min_size=1, max_size=25)


def _raw(rows: list[tuple]) -> pd.DataFrame:
    return raw_table([(f"g{i:02d}", e, int(e * 0.7), int(e * 1.3) + 1, e / a, a, p, "parking", o, op + o, r, c)
                      for i, (e, a, p, o, op, r, c) in enumerate(rows)])


@settings(max_examples=120, deadline=None)
@given(grid_rows, st.data(), st.sampled_from(["inspect", "workload"]))
def test_raising_a_grids_overdue_never_lowers_its_score(rows: list[tuple], data: st.DataObject, mode: str) -> None:
    raw = _raw(rows)
    weights = DEFAULT_WEIGHTS[mode] | {"overdue": 0.5}  # type: ignore[index]
    i = data.draw(st.integers(0, len(raw) - 1))
    before = score(raw, weights, mode=mode).set_index(s.GRID_ID).loc[raw.at[i, s.GRID_ID], "score"]  # type: ignore[arg-type]
    raised = raw.copy()
    raised.at[i, "overdue"] += data.draw(st.integers(1, 40))
    after = score(raised, weights, mode=mode).set_index(s.GRID_ID).loc[raw.at[i, s.GRID_ID], "score"]  # type: ignore[arg-type]
    assert after >= before - 1e-9


@settings(max_examples=120, deadline=None)
@given(grid_rows, st.dictionaries(st.sampled_from(list(DEFAULT_WEIGHTS["inspect"])), st.floats(0, 1), min_size=1))
def test_ranks_are_a_permutation_and_scores_bounded(rows: list[tuple], weights: dict[str, float]) -> None:
    if sum(weights.values()) <= 0:
        weights = DEFAULT_WEIGHTS["inspect"]
    ranked = score(_raw(rows), weights)
    assert sorted(ranked["rank"]) == list(range(1, len(rows) + 1))
    assert ranked["score"].between(0, 100 + 1e-9).all()
    assert (np.diff(ranked["score"].to_numpy()) <= 1e-9).all()  # rank order is score order


def test_default_inspect_order_is_credible_density_and_workload_adds_cases() -> None:
    # a: 10 expected on 1 km2; b: 12 on 4 km2 with 9 overdue; c: 3 on 0.1 km2.
    raw = raw_table([("a", 10.0, 6, 15, 10.0, 1.0, 10.0, "", 0, 2, 0, 1),
                     ("b", 12.0, 7, 18, 3.0, 4.0, 12.0, "", 9, 11, 0, 0),
                     ("c", 3.0, 1, 6, 30.0, 0.1, 3.0, "", 0, 0, 0, 2)])
    # Credible densities (geo.ops.priority.credible_density): the street's 25 expected on 5.1 km2 weighted as
    # one median grid (1 km2): c's 30 per km2 on 0.1 km2 is mostly the average, and a leads.
    avg = 25 / 5.1
    cred = {"a": (10 + avg) / 2, "b": (12 + avg) / 5, "c": (3 + avg) / 1.1}
    assert score(raw)[s.GRID_ID].tolist() == ["a", "c", "b"]
    assert score(raw).set_index(s.GRID_ID)["score"].to_dict() == pytest.approx(
        {k: 100 * v / cred["a"] for k, v in cred.items()})
    workload = score(raw, mode="workload").set_index(s.GRID_ID)["score"]
    assert workload.to_dict() == pytest.approx({"a": 12.0, "b": 32.0, "c": 3.0})  # expected + open + overdue
    assert score(raw, {"forecast": 0.5, "overdue": 0.5})[s.GRID_ID].tolist() == ["b", "a", "c"]


def test_ties_break_on_overdue_then_grid_id() -> None:
    raw = raw_table([(g, 0.0, 0, 0, 0.0, 1.0, 0.0, "", 0, 0, 0, 0) for g in ("b", "a", "c")])
    assert score(raw)[s.GRID_ID].tolist() == ["a", "b", "c"]
    raw.loc[raw[s.GRID_ID] == "c", "overdue"] = 4
    assert score(raw)[s.GRID_ID].tolist() == ["c", "a", "b"]


def test_reasons_read_as_sentences_by_hand() -> None:
    raw = raw_table([("g1", 12.4, 7, 19, 12.4, 1.0, 8.0, "parking", 6, 9, 2, 3),
                     ("g2", 5.0, 2, 9, 2.5, 2.0, 10.0, "litter", 0, 3, 0, 0)])
    names = Names({"parking": "乱停乱放", "litter": "垃圾"}, {"parking": "Disorderly parking", "litter": "Litter"})
    ranked = score(raw, names=names).set_index(s.GRID_ID)
    assert ranked.at["g1", "reasons_zh"] == "预计4周 12 件（7–19），以乱停乱放为主，超期未结 6 件，比近一年平均多 55%"
    assert ranked.at["g1", "reasons_en"] == ("12 expected in 4 weeks (7–19), mostly Disorderly parking, "
                                             "6 overdue open cases, 55% above its past year")
    assert ranked.at["g2", "reasons_zh"] == "预计4周 5 件（2–9），以垃圾为主，比近一年平均少 50%"
    assert pareto(score(raw), 1) == pytest.approx(9 / 12)


def test_a_blind_spot_reason_is_worded_by_hand() -> None:
    raw = raw_table([("g1", 12.4, 7, 19, 12.4, 1.0, 8.0, "parking", 0, 9, 0, 0)]).assign(
        blind_spot=True, public_share=72.0, rest_public_share=35.2)
    ranked = score(raw, names=Names({"parking": "乱停乱放"}, {"parking": "Disorderly parking"}))
    assert ranked.at[0, "reasons_zh"] == ("预计4周 12 件（7–19），以乱停乱放为主，"
                                          "巡查盲区：近一年 72% 由他人上报（其余网格 35%），比近一年平均多 55%")


def test_weights_and_modes_are_validated() -> None:
    raw = raw_table([("g1", 0.0, 0, 0, 0.0, 1.0, 0.0, "", 0, 0, 0, 0)])
    for bad in ({"overdue": -1.0}, {"budget": 1.0}, {"forecast": 0.0}, {"open": 1.0}):
        with pytest.raises(ValueError, match="weights"):
            score(raw, bad)
    with pytest.raises(ValueError, match="mode"):
        score(raw, mode="budget")  # type: ignore[arg-type]


def test_planted_problem_grids_lead_the_sample_street_and_reasons_differ(sample: Dataset) -> None:
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    ranked = score(measure_grids(sample, pd.Timestamp("2026-11-16", tz="Asia/Shanghai")), names=Names.of(sample.categories))
    top = set(ranked.nsmallest(10, "rank")[s.GRID_ID])
    planted = {h["grid_id"] for h in truth["hotspots"]}
    assert planted <= top, planted - top
    pile_grid = sample.issues.loc[sample.issues["suspect_point"], s.GRID_ID].iloc[0]
    assert pile_grid not in set(ranked.nsmallest(3, "rank")[s.GRID_ID])  # the false pile drives nothing
    assert ranked["reasons_zh"].nunique() == len(ranked)  # every grid's reasons are its own
    assert ranked["flagged_cells"].sum() > 0 and (ranked["lower"] <= ranked["expected"]).all()
    # The planted patrol blind spot says so in its reasons, with its share against the rest's; no other grid does.
    blind = sample.grids.set_index(s.GRID_NAME).loc[truth["patrol_blind_spot"], s.GRID_ID]
    gap = ranked[ranked["reasons_zh"].str.contains("巡查盲区")]
    assert gap[s.GRID_ID].tolist() == [blind]
    assert "由他人上报（其余网格" in gap["reasons_zh"].iloc[0] and "patrol blind spot" in gap["reasons_en"].iloc[0]


def test_a_category_filter_forecasts_that_category_only(sample: Dataset) -> None:
    as_of = pd.Timestamp("2026-11-16", tz="Asia/Shanghai")
    parking = measure_grids(sample, as_of, categories=["parking"])
    everything = measure_grids(sample, as_of)
    assert set(parking["top_category"].replace("", np.nan).dropna()) == {"parking"}
    assert parking["expected"].sum() < everything["expected"].sum()
