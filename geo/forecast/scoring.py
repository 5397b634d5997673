"""How well a ranking of units pointed at the problems that came next (predictive-hotspot measures).

For a flagged share ``a`` of the area (the first units of the ranking until their area reaches
``a`` of the total):

* **hit rate**: the share of the period's problems that fell in the flagged units;
* **PAI** (Chainey, Tompson & Uhlig 2008): hit rate divided by ``a`` (1 = random targeting);
* **PEI\\*** (Hunt 2016): the problems captured divided by the most that *any* choice of units
  of the same area could have captured, from 0 to 1.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

#: Shares of the area the measures are taken at: 1 % to 20 %, the PAI/PEI* curve of the 预测检验 page.
AREA_SHARES: Final = (0.01, 0.02, 0.05, 0.10, 0.15, 0.20)


def flagged(order: np.ndarray, area_km2: np.ndarray, share: float) -> np.ndarray:
    """The first units of ``order`` whose area reaches ``share`` of the total (at least one unit).

    >>> flagged(np.array([2, 0, 1, 3]), np.ones(4), 0.5).tolist()
    [2, 0]
    """
    if not 0 < share <= 1:
        raise ValueError(f"the flagged share of area must be in (0, 1], got {share}")
    cumulative = np.cumsum(area_km2[order])
    k = int(np.searchsorted(cumulative, share * float(area_km2.sum()) * (1 - 1e-12), side="left")) + 1
    return order[:min(k, len(order))]


def densest_first(observed: np.ndarray, area_km2: np.ndarray) -> np.ndarray:
    """The units by observed count per km², densest first (ties by index): the best any ranking could do."""
    return np.lexsort((np.arange(len(observed)), -observed / area_km2))


def capture(order: np.ndarray, observed: np.ndarray, area_km2: np.ndarray, share: float, *,
            best_order: np.ndarray | None = None) -> dict[str, float]:
    """Hit rate, PAI and PEI* of one ranking against one period's observed counts per unit.

    ``best_order``: :func:`densest_first` of ``observed`` when the caller has it (a backtest scores many
    rankings against one period).

    >>> capture(np.array([0, 1, 2, 3]), np.array([3.0, 0, 1, 0]), np.ones(4), 0.25)
    {'hit_rate': 0.75, 'pai': 3.0, 'pei_star': 1.0, 'area_share': 0.25}
    """
    top = flagged(order, area_km2, share)
    total = float(observed.sum())
    area = float(area_km2[top].sum()) / float(area_km2.sum())
    if total == 0:
        return {"hit_rate": float("nan"), "pai": float("nan"), "pei_star": float("nan"), "area_share": area}
    hit = float(observed[top].sum()) / total
    # The best possible choice of the same area: densest observed units first.
    best = flagged(densest_first(observed, area_km2) if best_order is None else best_order, area_km2, share)
    best_hit = float(observed[best].sum()) / total
    return {"hit_rate": hit, "pai": hit / area, "pei_star": hit / best_hit if best_hit > 0 else float("nan"),
            "area_share": area}


def calibration_bins(expected: np.ndarray, observed: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Forecast against observed per decile of the forecast, for one origin.

    Units are sorted by expected count and cut into ``bins`` groups of equal size; each row sums the
    group's expected and observed counts (a backtest adds the origins up; a calibrated forecast has
    equal sums in every decile).

    >>> calibration_bins(np.array([0.1, 0.2, 3.0, 4.0]), np.array([0.0, 1.0, 2.0, 5.0]), bins=2)
       decile  expected  observed  units
    0       1       0.3       1.0      2
    1       2       7.0       7.0      2
    """
    expected, observed = np.asarray(expected, float), np.asarray(observed, float)
    order = np.lexsort((np.arange(len(expected)), expected))
    group = np.empty(len(order), dtype=np.int64)
    group[order] = np.minimum(np.arange(len(order)) * bins // max(len(order), 1), bins - 1)
    # bincount, not a pandas groupby: a backtest calls this per origin and method (2 of its 8 s on the sample).
    present = np.unique(group)
    return pd.DataFrame({"decile": present + 1,
                         "expected": np.bincount(group, weights=expected, minlength=bins)[present],
                         "observed": np.bincount(group, weights=observed, minlength=bins)[present],
                         "units": np.bincount(group, minlength=bins)[present]})
