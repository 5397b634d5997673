"""巡查盲区: the patrol-gap map and table, shared by 热点 (a view) and 考核评价 (a tab)."""

from __future__ import annotations

from typing import Final

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from dashboard.components import maps
from dashboard.i18n import Lang, t
from geo import schema as s
from geo.stats.patrol_gap import PatrolGap

#: Blind spot (significant), above the street but within noise, at or below the street, no known source.
GAP_COLOURS: Final = {"blind": "#b2182b", "above": "#fdae61", "typical": "#d1e5f0", "none": "#f0f0f0"}


def gap_classes(gap: PatrolGap, grid_ids: pd.Series) -> pd.Series:
    """Each grid's class for the map: ``blind``, ``above``, ``typical`` or ``none``."""
    table = gap.table.reindex(grid_ids.astype(str).to_numpy())
    known = table["known"].fillna(0).to_numpy() > 0
    blind = table["blind_spot"].fillna(False).to_numpy(dtype=bool)
    above = (table["share"] > table["rest_share"]).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(~known, "none", np.where(blind, "blind", np.where(above, "above", "typical"))),
                     index=grid_ids.index)


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}" if np.isfinite(value) else "—"


def _interval(low: float, high: float) -> str:
    if not np.isfinite(low):
        return "—"
    return f"{low:.2f}–{high:.2f}" if np.isfinite(high) else f"≥ {low:.2f}"


def gap_map(grids: gpd.GeoDataFrame, gap: PatrolGap, lang: Lang, **kwargs: object) -> folium.Map:
    """Grids coloured by their patrol gap; the tooltip gives the counts, the share and the ratio's interval."""
    units = grids[[s.GRID_ID, s.GRID_NAME, s.COMMUNITY, s.GEOMETRY]].copy()
    table = gap.table.reindex(units[s.GRID_ID].astype(str).to_numpy())
    units["gap"] = gap_classes(gap, units[s.GRID_ID]).to_numpy()
    units["found"] = table["found"].fillna(0).astype(int).to_numpy()
    units["reported"] = table["reported"].fillna(0).astype(int).to_numpy()
    units["share"] = [("—" if not np.isfinite(v) else f"{v:.1f}%") for v in table["share"].to_numpy(float)]
    units["ratio"] = [("—" if not np.isfinite(r) else f"{r:.2f}（{_interval(lo, hi)}）") for r, lo, hi in
                      zip(table["ratio"].to_numpy(float), table["low"].to_numpy(float), table["high"].to_numpy(float),
                          strict=True)]
    names = {k: t(f"gap_{k}", lang) for k in GAP_COLOURS}
    fields = [s.GRID_NAME, s.COMMUNITY, "found", "reported", "share", "ratio"]
    aliases = [t("grid", lang), t("community", lang), t("gap_found", lang), t("gap_reported", lang),
               t("gap_share", lang), t("gap_ratio", lang)]
    return maps.class_map(gpd.GeoDataFrame(units, geometry=s.GEOMETRY, crs=grids.crs), "gap", GAP_COLOURS, names,
                          fields, aliases, t("gap_legend", lang), **kwargs)  # type: ignore[arg-type]


def gap_table(gap: PatrolGap, names: pd.Series, lang: Lang) -> pd.DataFrame:
    """The gap per unit as a leader reads it: blind spots first, then by share; units named, never ids."""
    table = gap.table[gap.table["known"] > 0]
    table = table.sort_values(["blind_spot", "share"], ascending=[False, False], kind="stable")
    return pd.DataFrame({
        t("grid", lang): names.reindex(table.index).fillna(pd.Series(table.index, index=table.index)).to_numpy(),
        t("gap_found", lang): table["found"].to_numpy(),
        t("gap_reported", lang): table["reported"].to_numpy(),
        t("gap_share", lang): [_number(v, 1) for v in table["share"]],
        t("gap_rest_share", lang): [_number(v, 1) for v in table["rest_share"]],
        # No patrol find at all: the ratio has no finite value; its interval's lower bound still says how far above.
        t("gap_ratio", lang): [_number(v, 2) for v in table["ratio"]],
        t("gap_interval", lang): [_interval(lo, hi) for lo, hi in zip(table["low"], table["high"], strict=True)],
        t("gap_flag", lang): [t("gap_blind", lang) if b else "" for b in table["blind_spot"]],
    })


def gap_caption(gap: PatrolGap, lang: Lang) -> str:
    """One line: how many blind spots, against what, with what guard against noise (or why none can be found)."""
    if not gap.comparable:
        return t("gap_not_comparable", lang)
    return t("gap_caption", lang, n=int(gap.table["blind_spot"].sum()), share=f"{gap.overall_share:.1f}")
