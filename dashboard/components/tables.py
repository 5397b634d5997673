"""Tables shown on pages (plain DataFrames with translated headers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from dashboard.components.text import plain
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


#: Streamlit's data grid draws rows (and the header) 35 px tall, inside a 1 px border.
ROW_PX = 35


def table_height(rows: int, max_rows: int = 12) -> int:
    """The height of a ``st.dataframe`` showing ``rows`` rows (at most ``max_rows``, then it scrolls).

    Exactly the rows and the header: a guessed height (``38 * (n + 1)``) ends the table in a blank row.

    >>> table_height(3)
    143
    """
    return (min(max(rows, 1), max_rows) + 1) * ROW_PX + 3


def markdown_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for ``st.table``, which renders every cell and header as Markdown: text escaped, numbers kept.

    ``st.table`` wraps long text (the reasons of a priority list) where ``st.dataframe`` cuts it off, but a
    grid named ``![x](http://…)`` would become an image: every text cell goes through :func:`plain`.

    >>> markdown_safe(pd.DataFrame({"网格": ["![x](http://e)"], "排名": [1]}))["网格"].iloc[0]
    '\\\\!\\\\[x\\\\]\\\\(http\\\\://e\\\\)'
    """
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):  # st.table would print 633.1 as 633.1000
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:,.10g}")
        elif not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else plain(v))
    out.columns = [plain(c) for c in out.columns]
    return out
