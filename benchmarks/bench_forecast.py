"""Forecast and backtest time (issue 13): one forecast of a street's year, and a year of weekly origins.

Ratios against the naive route in the same run:

* forecast: the learned model against the all-history baseline (what learning costs on top of counting);
* backtest: features shared across origins (``FeatureCache``: each training window's features are
  computed once) against a fresh cache per origin (every origin recomputes its four training windows).

Run ``python -m benchmarks.bench_forecast`` (part of ``make bench``). With ``../shared/data`` beside the
checkout it adds the Houston ledger (100 months, 88 super neighbourhoods) at 250 m.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from benchmarks.common import median_time, report
from geo.forecast import Events, Units, predict, run_backtest, weekly_origins
from geo.forecast.model import FeatureCache
from geo.forecast.report import forecast_units
from geo.ingest.grid_layers import read_grids
from geo.ingest.join import assign_grids
from geo.ingest.ledger import read_ledger
from geo.ingest.mapping import LedgerMapping
from geo.sample import load_dataset

MAPPING = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real" / "houston_mapping.json"
HOUSTON = Path(__file__).resolve().parents[2] / "shared" / "data" / "houston-311-2011-2019"


def _naive_backtest(issues: pd.DataFrame, grids: pd.DataFrame, origins: int) -> int:
    units = Units.of_cells(grids)
    events = Events.from_issues(issues, units)
    n = 0
    for origin in weekly_origins(events, 28.0, max_origins=origins):
        for method in ("learned", "recent", "all_history", "kde_recent"):
            predict(events, units, origin, method=method, cache=FeatureCache(events, units), intervals=False)
            n += 1
    return n


def main() -> None:
    sample = load_dataset()
    as_of = pd.Timestamp("2026-11-02")
    rows: list[tuple[str, float, float]] = []
    learned, _ = median_time(lambda: forecast_units(sample.issues, sample.grids, as_of, method="learned"))
    counted, _ = median_time(lambda: forecast_units(sample.issues, sample.grids, as_of, method="all_history"))
    rows.append(("sample street, one forecast (s): learned vs all-history counts", learned, counted))
    shared, bt = median_time(lambda: run_backtest(sample.issues, sample.grids), repeats=1)
    fresh, _ = median_time(lambda: _naive_backtest(sample.issues, sample.grids, 52), repeats=1)
    rows.append((f"sample street, backtest of {bt.n_origins} origins x 4 methods (s)", shared, fresh))
    if HOUSTON.exists():
        mapping = LedgerMapping.from_json(MAPPING)
        grids = read_grids(HOUSTON / "houston_super_neighborhoods.geojson", id_field="OBJECTID", name_field="SNBNAME")
        issues = assign_grids(read_ledger(HOUSTON / "houston_311_core.csv.gz", mapping=mapping).issues, grids)
        for size in (250.0, 100.0):
            t, bt = median_time(lambda size=size: run_backtest(issues, grids, cell_size_m=size), repeats=1)
            print(json.dumps({"houston_backtest_s": round(t, 1), "cell_m": size, "origins": bt.n_origins,
                              "cells": bt.n_units, "winner": bt.winner}))
    report(rows)


if __name__ == "__main__":
    main()
