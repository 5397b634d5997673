"""Where problems will be next: expected issues per cell and per grid, and how well that was predicted.

``units`` (cells or grids), ``events`` (issues as arrays), ``model`` (the forecast methods),
``scoring`` (PAI, hit rate, PEI*, calibration) and ``backtest`` (rolling weekly origins). The
design and the measured results are in docs/forecast.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from geo.forecast.methods import BASELINES, METHODS, Method

if TYPE_CHECKING:
    from geo.forecast.backtest import METHOD_NAMES, Backtest, run_backtest, weekly_origins
    from geo.forecast.events import Events, day_of, local_days
    from geo.forecast.model import UnitForecast, predict, ranking
    from geo.forecast.scoring import AREA_SHARES, capture, flagged
    from geo.forecast.units import FORECAST_CELL_M, Units, forecast_cell_size

# The rest load when first used (PEP 562): the model and the backtest need SciPy (about a second of
# start-up), which a command that only names a method, or imports a ledger, never uses.
_LAZY = {
    "METHOD_NAMES": "backtest", "Backtest": "backtest", "run_backtest": "backtest", "weekly_origins": "backtest",
    "Events": "events", "day_of": "events", "local_days": "events",
    "UnitForecast": "model", "predict": "model", "ranking": "model",
    "AREA_SHARES": "scoring", "capture": "scoring", "flagged": "scoring",
    "FORECAST_CELL_M": "units", "Units": "units", "forecast_cell_size": "units",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"geo.forecast.{_LAZY[name]}"), name)

__all__ = [
    "AREA_SHARES", "BASELINES", "FORECAST_CELL_M", "METHODS", "METHOD_NAMES", "Backtest", "Events", "Method",
    "UnitForecast", "Units", "capture", "day_of", "flagged", "forecast_cell_size", "local_days", "predict",
    "ranking", "run_backtest", "weekly_origins",
]
