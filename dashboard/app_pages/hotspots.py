"""热点: Gi* hot/cold spots and Esri's emerging classes, on management grids or square cells."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from dashboard.components import maps
from dashboard.data import hotspots
from dashboard.i18n import STRINGS, class_labels, t
from dashboard.shell import data_context
from geo import schema as s
from geo.pipeline import ALL, IssueFilter

UNIT_CHOICES = {"grid": ("grid", 0.0), "square100": ("square", 100.0), "square250": ("square", 250.0)}

ctx, data = data_context()
lang = ctx.lang
st.title(t("hotspots_title", lang))
codes = [ALL, *ctx.flt.categories] if ctx.flt.categories else [ALL, *data.categories.codes]
c1, c2, c3 = st.columns([3, 2, 2])
category = c1.selectbox(t("category", lang), codes, key="gw_hot_category",
                        format_func=lambda c: t("all", lang) if c == ALL else data.categories.name(c, lang=lang))
unit_key = c2.radio(t("units", lang), list(UNIT_CHOICES), key="gw_hot_units", horizontal=True,
                    index=1, format_func=lambda k: t("units_grid", lang) if k == "grid"
                    else t("units_square", lang, size=int(UNIT_CHOICES[k][1])))
view = c3.radio(t("view", lang), ["gi", "emerging"], key="gw_hot_view", horizontal=True,
                format_func=lambda v: t(f"view_{v}", lang))

flt = ctx.flt if category == ALL else IssueFilter(start=ctx.flt.start, end=ctx.flt.end, categories=(category,),
                                                  communities=ctx.flt.communities,
                                                  include_suspect=ctx.flt.include_suspect)
cells, size = UNIT_CHOICES[unit_key]
result = hotspots(ctx.source, flt, cells, size)
units = result.units.copy()
if cells == "grid":  # show grid names, not codes
    names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
    units["unit_id"] = units["unit_id"].map(names).fillna(units["unit_id"])
units["z"] = units["z"].round(2)
units["p"] = units["p"].map(lambda p: f"{p:.3g}")

m1, m2, m3 = st.columns(3)
m1.metric(t("issues", lang), f"{int(units['count'].sum()):,}")
m2.metric(t("hot_cells", lang), f"{int((units['class'] == 'hot_99').sum()):,}")
m3.metric(t("cold_cells", lang), f"{int((units['class'] == 'cold_99').sum()):,}")

labels = class_labels(lang)
fields, aliases = ["unit_id", "count", "z", "p"], [t("unit", lang), t("count", lang), t("z_score", lang), "p"]
if view == "gi":
    m = maps.class_map(units, "class", maps.GI_COLOURS, labels, fields, aliases, t("gi_legend", lang), tiles=ctx.tiles)
else:
    m = maps.class_map(units, "emerging", maps.EMERGING_COLOURS, labels, fields, aliases, t("emerging_legend", lang),
                       tiles=ctx.tiles)
st_folium(m, key=f"hot-{view}-{unit_key}-{category}", height=600, use_container_width=True, returned_objects=[])

with st.expander(t("explain", lang), expanded=False):
    st.write(t("explain_text", lang))
    # Codes are worded in the user's language; numbers and dates pass through. No ledger text here.
    worded = {t(f"choice_{k}", lang): [t(f"value_{v}", lang) if isinstance(v, str) and f"value_{v}" in STRINGS
                                       else str(v)] for k, v in result.choices.items()}
    st.table(worded)
