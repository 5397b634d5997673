"""Tables shown on pages (plain DataFrames with translated headers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from geo import schema as s
from geo.cube.aggregate import COUNT
from geo.cube.analysis import AnalysisResult


def ranking_table(result: AnalysisResult, category_name: Callable[[str], str],
                  labels: Mapping[str, str]) -> pd.DataFrame:
    """Grids ranked by count, with each grid's share and a column per category."""
    ranked = result.grid_counts
    total = max(int(ranked[COUNT].sum()), 1)
    per_cat = result.cube.pivot_table(index=s.GRID_ID, columns=s.CATEGORY, values=COUNT, aggfunc="sum")
    per_cat = per_cat.reindex(columns=list(result.categories)).rename(columns=category_name)
    table = pd.DataFrame({
        labels["rank"]: ranked["rank"].to_numpy(),
        labels["grid"]: ranked[s.GRID_NAME].to_numpy(),
        labels["community"]: ranked[s.COMMUNITY].to_numpy(),
        labels["grid_id"]: ranked[s.GRID_ID].to_numpy(),
        labels["count"]: ranked[COUNT].to_numpy(),
        labels["share"]: (ranked[COUNT] / total).round(4).to_numpy(),
    })
    extra = per_cat.reindex(ranked[s.GRID_ID]).fillna(0).astype(int).reset_index(drop=True)
    return pd.concat([table, extra], axis=1)
