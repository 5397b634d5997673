"""Where problems will be next: expected issues per cell and per grid, and how well that was predicted.

``units`` (cells or grids), ``events`` (issues as arrays), ``model`` (the forecast methods),
``scoring`` (PAI, hit rate, PEI*, calibration) and ``backtest`` (rolling weekly origins). The
design and the measured results are in docs/forecast.md.
"""

from geo.forecast.backtest import METHOD_NAMES, Backtest, run_backtest, weekly_origins
from geo.forecast.events import Events, day_of, local_days
from geo.forecast.model import BASELINES, METHODS, Method, UnitForecast, predict, ranking
from geo.forecast.scoring import AREA_SHARES, capture, flagged
from geo.forecast.units import FORECAST_CELL_M, Units, forecast_cell_size

__all__ = [
    "AREA_SHARES", "BASELINES", "FORECAST_CELL_M", "METHODS", "METHOD_NAMES", "Backtest", "Events", "Method",
    "UnitForecast", "Units", "capture", "day_of", "flagged", "forecast_cell_size", "local_days", "predict",
    "ranking", "run_backtest", "weekly_origins",
]
