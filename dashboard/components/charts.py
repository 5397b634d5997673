"""Altair charts (no Streamlit calls; pages display them)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any, Final

import altair as alt
import pandas as pd

#: Okabe-Ito, a palette distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
             "#999999", "#882255")


def _long_by_period(weekly: pd.DataFrame, names: Mapping[str, str], offset_days: int) -> pd.DataFrame:
    """``weekly`` (period starts x groups) as rows of ``category``, ``count`` and ``week_end``.

    Each period is labelled by its start plus ``offset_days`` (6: the week's last day, as leaders read
    "the week ending ..."), as a naive date so Vega does not shift it by the browser's zone.
    """
    long = weekly.rename(columns=dict(names)).rename_axis("period_start").reset_index()
    long = long.melt(id_vars="period_start", var_name="category", value_name="count")
    long["week_end"] = (pd.to_datetime(long["period_start"]) + pd.Timedelta(days=offset_days)).dt.tz_localize(None)
    return long


def weekly_chart(weekly: pd.DataFrame, names: Mapping[str, str], *, week_label: str,
                 count_label: str, category_label: str, fmt: str, offset_days: int = 6) -> alt.Chart:
    """Line chart of weekly counts, one line per category.

    Parameters
    ----------
    weekly
        Rows are period starts, columns category codes (as in ``AnalysisResult.weekly``).
    names
        Display name per category code (already in the user's language).
    offset_days, fmt
        Each point is labelled by its period start plus ``offset_days`` (6: the week's last day; 0 with
        a month format for months), written with the d3 time format ``fmt`` (the language's).
    """
    long = _long_by_period(weekly, names, offset_days)
    domain = [names[c] for c in weekly.columns]
    return (
        alt.Chart(long)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("week_end:T", title=week_label, axis=alt.Axis(format=fmt)),
            y=alt.Y("count:Q", title=count_label),
            color=alt.Color("category:N", title=category_label,
                            scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
            tooltip=[alt.Tooltip("week_end:T", title=week_label, format=fmt),
                     alt.Tooltip("category:N", title=category_label),
                     alt.Tooltip("count:Q", title=count_label)],
        )
        .properties(height=420)
    )


def stacked_weekly_chart(weekly: pd.DataFrame, names: Mapping[str, str], *, week_label: str, count_label: str,
                         category_label: str, fmt: str) -> alt.Chart:
    """Weekly counts as stacked bars, one colour per category: one grid's few reports per week.

    Lines suit a street's dozens per week (``weekly_chart``); for one grid with 0-4 reports per category
    and week, ten crossing lines read as noise, while a bar's height is the week's total and its
    segments the mix.
    """
    long = _long_by_period(weekly, names, 6)
    long = long[long["count"] > 0]
    domain = [names[c] for c in weekly.columns]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            # Bars a week wide at most, whatever the date range (``timeUnit`` would merge different weeks).
            x=alt.X("week_end:T", title=week_label, axis=alt.Axis(format=fmt)),
            y=alt.Y("sum(count):Q", title=count_label, stack="zero"),
            color=alt.Color("category:N", title=category_label,
                            scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
            order=alt.Order("category:N"),
            tooltip=[alt.Tooltip("week_end:T", title=week_label, format=fmt),
                     alt.Tooltip("category:N", title=category_label),
                     alt.Tooltip("count:Q", title=count_label)],
        )
        .properties(height=300)
    )


def history_chart(history: pd.DataFrame, *, step_days: int, period_label: str, count_label: str,
                  z_label: str, fmt: str) -> dict[str, Any]:
    """A unit's weekly counts (bars, left axis) and Gi* z (line, right axis) with the 95 % bounds.

    Returns a Vega-Lite spec for ``st.vega_lite_chart(spec=...)``, the unit's rows in its dataset
    :data:`HISTORY_ROWS`. The rest of the spec does not depend on the unit, so it is built once per labels
    and format (:func:`_history_spec`): building and validating the Altair layers costs about 0.15 s,
    paid on every filter change of the 热点 page otherwise.

    Parameters
    ----------
    history
        ``HotspotResult.history(unit)``: ``step_start``, ``count``, ``z``, ``significant`` (1 hot, -1 cold).
    fmt
        d3 time format of the axis and tooltip dates (the page passes the language's).
    """
    # Label each step by its last day ("the week ending ..."), as leaders read periods.
    last_day = pd.to_datetime(history["step_start"]) + pd.Timedelta(days=step_days - 1)
    rows = pd.DataFrame({"period_end": last_day.dt.tz_localize(None).to_numpy(),
                         "count": history["count"].to_numpy(), "z": history["z"].round(2).to_numpy()})
    # A copy: Streamlit moves the datasets out of the spec it is given.
    spec = copy.deepcopy(_history_spec(period_label, count_label, z_label, fmt))
    spec["datasets"][HISTORY_ROWS] = rows
    return spec


#: The history chart's dataset of the unit's rows (each layer names its data: Streamlit's frontend does
#: not hand a chart's top-level data down to layers beside one with data of its own).
HISTORY_ROWS: Final = "history_rows"


@functools.lru_cache(maxsize=16)
def _history_spec(period_label: str, count_label: str, z_label: str, fmt: str) -> dict[str, Any]:
    """The history chart's spec without its rows (the bars and the line read :data:`HISTORY_ROWS`)."""
    rows = alt.NamedData(name=HISTORY_ROWS)
    x = alt.X("period_end:T", title=period_label, axis=alt.Axis(format=fmt))
    tips = [alt.Tooltip("period_end:T", title=period_label, format=fmt),
            alt.Tooltip("count:Q", title=count_label), alt.Tooltip("z:Q", title=z_label)]
    bars = alt.Chart(rows).mark_bar(color="#bdbdbd").encode(x=x, y=alt.Y("count:Q", title=count_label), tooltip=tips)
    line = alt.Chart(rows).mark_line(color="#b2182b", point=alt.OverlayMarkDef(size=16)).encode(
        x=x, y=alt.Y("z:Q", title=z_label), tooltip=tips)
    bounds = alt.Chart(pd.DataFrame({"z": [-1.96, 1.96]})).mark_rule(strokeDash=[4, 4], color="#2166ac").encode(y="z:Q")
    chart = alt.layer(bars, alt.layer(line, bounds)).resolve_scale(y="independent").properties(height=280)
    # As st.altair_chart converts: without Altair's default theme (its fixed sizes are not Streamlit's).
    with alt.theme.enable("none"):
        return chart.to_dict()


def rhythm_chart(table: pd.DataFrame, *, weekdays: list[str], hour_label: str, weekday_label: str,
                 count_label: str) -> alt.Chart:
    """Weekday x hour heat table of report counts (sequential blues, colour-blind safe)."""
    long = table.rename(index=dict(enumerate(weekdays))).rename_axis("weekday").reset_index()
    long = long.melt(id_vars="weekday", var_name="hour", value_name="count")
    return (
        alt.Chart(long)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=hour_label),
            y=alt.Y("weekday:N", title=weekday_label, sort=weekdays),
            color=alt.Color("count:Q", title=count_label, scale=alt.Scale(scheme="blues")),
            tooltip=[alt.Tooltip("weekday:N", title=weekday_label), alt.Tooltip("hour:O", title=hour_label),
                     alt.Tooltip("count:Q", title=count_label)],
        )
        .properties(height=220)
    )


def calibration_chart(table: pd.DataFrame, names: Mapping[str, str], *, expected_label: str, observed_label: str,
                      method_label: str) -> alt.LayerChart:
    """Forecast against observed per decile (mean per unit and period), one line per method, with the diagonal.

    ``table`` has ``method``, ``decile``, ``expected``, ``observed`` and ``units`` (sums over the origins).
    """
    frame = table.assign(method=table["method"].map(names),
                         expected=table["expected"] / table["units"], observed=table["observed"] / table["units"])
    top = float(max(frame["expected"].max(), frame["observed"].max(), 1e-6)) if len(frame) else 1.0
    domain = [names[m] for m in names if m in set(table["method"])]
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, top], "y": [0.0, top]})).mark_line(
        color="#999999", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("expected:Q", title=expected_label),
        y=alt.Y("observed:Q", title=observed_label),
        color=alt.Color("method:N", title=method_label, legend=alt.Legend(labelLimit=240),
                        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
        tooltip=[alt.Tooltip("method:N", title=method_label), alt.Tooltip("decile:O"),
                 alt.Tooltip("expected:Q", title=expected_label, format=".2f"),
                 alt.Tooltip("observed:Q", title=observed_label, format=".2f")],
    )
    return (diagonal + lines).properties(height=360)


def share_curve(summary: pd.DataFrame, names: Mapping[str, str], *, share_label: str, value_label: str,
                method_label: str) -> alt.Chart:
    """Median PAI against the share of area flagged (1 % to 20 %), one line per method."""
    frame = summary.assign(method=summary["method"].map(names))
    domain = [names[m] for m in names if m in set(summary["method"])]
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=24)).encode(
        x=alt.X("share:Q", title=share_label, axis=alt.Axis(format=".0%")),
        y=alt.Y("pai_median:Q", title=value_label),
        color=alt.Color("method:N", title=method_label, legend=alt.Legend(labelLimit=240),
                        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
        tooltip=[alt.Tooltip("share:Q", title=share_label, format=".0%"), alt.Tooltip("method:N", title=method_label),
                 alt.Tooltip("pai_median:Q", title=value_label, format=".2f")],
    ).properties(height=320)


def capture_chart(scores: pd.DataFrame, names: Mapping[str, str], *, origin_label: str, value_label: str,
                  method_label: str, fmt: str) -> alt.Chart:
    """PAI per origin, one line per method (``scores`` at one share of area)."""
    frame = scores.assign(method=scores["method"].map(names))
    domain = [names[m] for m in names if m in set(scores["method"])]
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=14)).encode(
        x=alt.X("origin:T", title=origin_label, axis=alt.Axis(format=fmt)),
        y=alt.Y("pai:Q", title=value_label),
        color=alt.Color("method:N", title=method_label, legend=alt.Legend(labelLimit=240),
                        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))),
        tooltip=[alt.Tooltip("origin:T", title=origin_label, format=fmt), alt.Tooltip("method:N", title=method_label),
                 alt.Tooltip("pai:Q", title=value_label, format=".2f")],
    ).properties(height=320)
