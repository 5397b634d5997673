"""The forecast's claims on a real ledger, scored as issue 28 asks: nested, on the same cells, with spread.

Imports a shared ledger with every wizard proposal accepted (``scripts/hand_count.py``), or reads the
sample street, runs the dashboard's backtest (100 m cells, four-week horizon, the last 52 weekly origins)
for every category together and for the ledger's two largest categories, and prints per run:

* the median PAI at 5 % of the area of every method on the same cells, and of the nested choice with
  its quartiles;
* the nested choice against the best naive method: the median of the per-origin ratio and a two-sided
  sign test over the origins;
* how the calibrated 90 % range held: the median (and range) of the share of cells with a report whose
  count it held, and of realised over expected in total;
* the CPU seconds of the backtest.

Run: ``.venv/bin/python scripts/forecast_check.py <sample|houston|madrid|nyc|la> [--workspace DIR]``.
A kept workspace (``--workspace``) is imported once and read on later runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.forecast.backtest import BASELINES, DECISIVE_SHARE, NESTED, Backtest, run_backtest


def claims(bt: Backtest) -> dict[str, object]:
    """The figures the issue judges, from one backtest."""
    at5 = bt.scores[np.isclose(bt.scores["share"], DECISIVE_SHARE) & (bt.scores["observed"] > 0)]
    pai = at5.pivot_table(index="origin", columns="method", values="pai")
    medians = pai.median().round(3).to_dict()
    out: dict[str, object] = {"origins": bt.n_origins, "winner": bt.winner, "median_pai_at_5pct": medians}
    if NESTED not in pai or not pai[NESTED].notna().any():
        return out
    nested = pai[NESTED].dropna()
    best = max(BASELINES, key=lambda m: float(pai[m].median()))
    ratio = (pai.loc[nested.index, NESTED] / pai.loc[nested.index, best]).replace([np.inf, -np.inf], np.nan).dropna()
    wins, losses = int((ratio > 1).sum()), int((ratio < 1).sum())
    sign_p = float(stats.binomtest(wins, wins + losses, 0.5).pvalue) if wins + losses else float("nan")
    ranges = bt.ranges
    out |= {
        "nested_quartiles": [round(float(nested.quantile(q)), 3) for q in (0.25, 0.5, 0.75)],
        "best_naive": best, "nested_over_best_naive_median": round(float(ratio.median()), 3),
        "wins_losses": [wins, losses], "sign_test_p": round(sign_p, 4),
        "coverage_median": round(float(ranges["coverage"].median()), 3),
        "coverage_range": [round(float(ranges["coverage"].min()), 3), round(float(ranges["coverage"].max()), 3)],
        "total_ratio_median": round(float(ranges["ratio"].median()), 3),
        "total_ratio_range": [round(float(ranges["ratio"].min()), 3), round(float(ranges["ratio"].max()), 3)],
        "chosen": ranges["chosen"].value_counts().to_dict(),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", choices=["sample", "houston", "madrid", "nyc", "la"])
    parser.add_argument("--workspace", help="keep the imported workspace here (read again on later runs)")
    parser.add_argument("--categories", default="top2", help="'all' only, or 'top2' (all and the two largest)")
    args = parser.parse_args(argv)
    from geo.cube.dataset import open_workspace
    from geo.sample import load_dataset
    from geo.store import Workspace

    if args.ledger == "sample":
        data = load_dataset()
    else:
        from scripts.hand_count import LEDGERS, import_as_the_wizard_proposes

        root = Path(args.workspace or tempfile.mkdtemp(prefix=f"forecast-{args.ledger}-"))
        if not (root / "CURRENT").exists() and not any(root.glob("generations/*")):
            import_as_the_wizard_proposes(LEDGERS[args.ledger], root)
        data = open_workspace(Workspace(root))
    runs: list[tuple[str, ...]] = [()]
    if args.categories == "top2":
        top = pd.Series(data.issues["category"]).value_counts().index[:2]
        runs += [(str(c),) for c in top]
    for categories in runs:
        started = time.process_time()
        bt = run_backtest(data.issues, data.grids, categories=categories or None)
        cpu = time.process_time() - started
        print(json.dumps({"ledger": args.ledger, "categories": list(categories) or "all", "cpu_s": round(cpu, 1),
                          "cells": bt.n_units, **claims(bt)}, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
