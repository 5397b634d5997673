"""The forecast methods by name: what the command line, the pages and the stored backtest call them.

Kept apart from :mod:`geo.forecast.model` (which needs SciPy) so a caller that only names a method,
such as ``python -m geo``'s argument parser, does not pay for the model.
"""

from __future__ import annotations

from typing import Final, Literal

Method = Literal["learned", "recent", "all_history", "kde_recent", "decayed_30", "decayed_60", "decayed_120"]
METHODS: Final[tuple[Method, ...]] = ("learned", "recent", "all_history", "kde_recent", "decayed_30", "decayed_60",
                                      "decayed_120")
#: The naive maps a learned or decayed method has to beat.
BASELINES: Final[tuple[Method, ...]] = ("recent", "all_history", "kde_recent")
#: The half-life (days) of each decayed-history method.
DECAYED: Final[dict[Method, float]] = {"decayed_30": 30.0, "decayed_60": 60.0, "decayed_120": 120.0}
