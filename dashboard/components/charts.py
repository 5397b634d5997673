"""Altair charts (no Streamlit calls; pages display them)."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

#: Okabe-Ito, a palette distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
             "#999999", "#882255")


def weekly_chart(weekly: pd.DataFrame, names: Mapping[str, str], *, week_label: str,
                 count_label: str, category_label: str) -> alt.Chart:
    """Line chart of weekly counts, one line per category.

    Parameters
    ----------
    weekly
        Rows are period starts, columns category codes (as in ``AnalysisResult.weekly``).
    names
        Display name per category code (already in the user's language).
    """
    long = weekly.rename(columns=dict(names)).rename_axis("period_start").reset_index()
    long = long.melt(id_vars="period_start", var_name="category", value_name="count")
    # Label each week by its last day, as leaders read "the week ending ...".
    long["week_end"] = (pd.to_datetime(long["period_start"]) + pd.Timedelta(days=6)).dt.tz_localize(None)
    domain = [names[c] for c in weekly.columns]
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("week_end:T", title=week_label, axis=alt.Axis(format="%Y-%m-%d")),
            y=alt.Y("count:Q", title=count_label),
            color=alt.Color("category:N", title=category_label,
                            scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
            tooltip=[alt.Tooltip("week_end:T", title=week_label, format="%Y-%m-%d"),
                     alt.Tooltip("category:N", title=category_label),
                     alt.Tooltip("count:Q", title=count_label)],
        )
        .properties(height=420)
    )
