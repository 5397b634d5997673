"""整改: KPI cards against the previous period, league tables with grades, the 督办清单, campaign effect."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from dashboard.data import bulletin, bulletin_pdf, campaign, kpi_tables, ledger_unsaid, open_cases
from dashboard.i18n import (
    datetime_column,
    fmt_change,
    fmt_date,
    fmt_week,
    kpi_basis,
    kpi_text,
    local_naive,
    picker_format,
    t,
    unsaid_note,
)
from dashboard.shell import data_context, last_report_day, scope_caption
from geo import schema as s
from geo.csv_guard import to_safe_csv
from geo.ops.rectification import KPI_NEEDS, grade_rule, league_order, period_bounds
from geo.report.export import to_safe_xlsx
from geo.report.pdf import FontMissing, chinese_font
from geo.stats.campaign import describe

ctx, data = data_context()
lang = ctx.lang
st.title(t("rectification_title", lang))
tz = data.issues[s.REPORTED_AT].dt.tz
last_day = last_report_day(ctx, data)
choice = st.radio(t("rect_period", lang), ["7", "30", "filter"], key="gw_rect_period", horizontal=True,
                  format_func=lambda v: t(f"period_{v}", lang))
if choice == "filter" and ctx.flt.start is not None:
    days = (last_day.normalize() - pd.Timestamp(ctx.flt.start, tz=tz)).days + 1
else:
    days = 7 if choice == "7" else 30 if choice == "30" else 365
start, end = period_bounds(last_day, days)
prev_start, prev_end = start - pd.Timedelta(days=days), start
st.caption(t("period_caption", lang, start=fmt_date(start, lang),
                                        end=fmt_date(end - pd.Timedelta(days=1), lang), asof=fmt_date(end, lang)))
scope_caption(ctx, data, start=start.date(), end=(end - pd.Timedelta(days=1)).date())

# The cards and both league tables from one pass over the scope.
(now_table, before_table, by_community_kpis, by_department_kpis), _ = kpi_tables(
    ctx.source, ctx.flt, ((start, end, None), (prev_start, prev_end, None), (start, end, s.COMMUNITY),
                          (start, end, s.DEPARTMENT)))
now, before = now_table.iloc[0], before_table.iloc[0]


# No arrows against a previous period with no reports at all (before the data, or a gap in them).
has_before = int(before["reported"]) > 0


def _delta(key: str, *, points: bool = False) -> str | None:
    return fmt_change(float(now[key]), float(before[key]), lang, points=points) if has_before else None


unsaid = ledger_unsaid(ctx.source)


def _card(col: object, key: str, *, points: bool = False, inverse: bool = False, **kw: object) -> None:
    """A card whose figure says 「无此信息」 (and no change) when the ledger lacks what it needs."""
    missing = bool(KPI_NEEDS.get(key, frozenset()) & unsaid)
    col.metric(t(f"kpi_{key}", lang), kpi_text(key, now[key], lang, unsaid),  # type: ignore[attr-defined]
               None if missing else _delta(key, points=points), delta_color="inverse" if inverse else "normal", **kw)


cards = st.columns(6)
_card(cards[0], "reported")
_card(cards[1], "due")
_card(cards[2], "close_rate", points=True)
_card(cards[3], "on_time_rate", points=True)
_card(cards[4], "rework_rate", points=True, inverse=True)
_card(cards[5], "overdue_open", inverse=True)
more = st.columns(6)
for col, key in ((more[0], "median_days_to_close"), (more[1], "p90_days_to_close")):
    taken = float(now[key])
    shown = (t("not_in_ledger_short", lang) if KPI_NEEDS[key] & unsaid else
             "—" if not math.isfinite(taken) else t("days_value", lang, n=taken))
    col.metric(t(f"kpi_{key}", lang), shown, help=t(f"kpi_{key.split('_')[0]}_days_help", lang))
more[2].metric(t("kpi_on_site_share", lang), kpi_text("on_site_share", now["on_site_share"], lang, unsaid))
more[3].metric(t("kpi_grade", lang), kpi_text("grade", now["grade"], lang, unsaid), help=grade_rule(lang))
more[4].metric(t("kpi_overdue_share", lang), kpi_text("overdue_share", now["overdue_share"], lang, unsaid))
st.caption(kpi_basis(now, lang))
note = unsaid_note(KPI_NEEDS, lang, unsaid)
if note:
    st.caption(note)

SHOWN = ("reported", "due", "close_rate", "on_time_rate", "rework_rate", "overdue_open", "overdue_share",
         "median_days_to_close", "score", "grade")


def _league(table: pd.DataFrame, by: str, label: str) -> pd.DataFrame:
    # Cases with no community (outside every grid) or no department are a row of their own, last: the
    # table's counts add up to the cards' (the card's 超期未结 read 2 more than the table's sum).
    blank = table[table[by] == ""].assign(**{by: t(f"league_none_{by}", lang)})
    table = pd.concat([league_order(table[table[by] != ""], by), blank], ignore_index=True)
    out = table[[by, *SHOWN]].rename(columns={by: label} | {k: t(f"kpi_{k}", lang) for k in SHOWN}).round(1)
    # Nothing due (a department with only new cases): a dash, as on the cards, never "None" or NaN.
    def cell(v: float) -> str:
        return "—" if pd.isna(v) else f"{v:,.1f}".removesuffix(".0")

    for k in SHOWN:
        if k != "grade":
            out[t(f"kpi_{k}", lang)] = out[t(f"kpi_{k}", lang)].map(cell)
    return out


# Tabs, full width: side by side the grade column fell off the screen at 1366 px.
by_community, by_department = st.tabs([t("league_community", lang), t("league_department", lang)])
by_community.dataframe(_league(by_community_kpis, s.COMMUNITY, t("community", lang)), hide_index=True, width="stretch")
by_department.dataframe(_league(by_department_kpis, s.DEPARTMENT, t("department", lang)), hide_index=True,
                        width="stretch")
st.caption(grade_rule(lang))  # written from the weights, bands and caps that grade

st.subheader(t("overdue_list", lang))
cases = open_cases(ctx.source, ctx.flt, end)
counts = cases["light"].value_counts()
st.caption(t("lights_caption", lang, n=len(cases), red=int(counts.get("red", 0)), yellow=int(counts.get("yellow", 0)),
             green=int(counts.get("green", 0))))
# Overdue (red) first, then those past 80 % of their time limit (yellow): 督办 before they turn red.
overdue = cases[cases["light"].isin(["red", "yellow"])]
MAX_LISTED = 2_000
if overdue.empty:
    st.info(t("overdue_none", lang))
else:
    names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
    # Ledger text (descriptions, addresses) is shown by st.dataframe as plain text, never as HTML.
    listing = pd.DataFrame({
        t("issue_id", lang): overdue[s.ISSUE_ID].to_numpy(),
        t("light", lang): overdue["light"].map(lambda v: t(f"light_{v}", lang)).to_numpy(),
        t("category", lang): overdue[s.CATEGORY].map({c: data.categories.name(c, lang=lang)
                                                      for c in overdue[s.CATEGORY].dropna().unique()}).to_numpy(),
        t("grid", lang): overdue[s.GRID_ID].map(names).fillna("").to_numpy(),
        t("reported_at", lang): local_naive(overdue[s.REPORTED_AT]).to_numpy(),
        t("deadline", lang): local_naive(overdue["deadline"]).to_numpy(),
        t("days_overdue", lang): overdue["days_overdue"].round(1).to_numpy(),
        t("department", lang): overdue[s.DEPARTMENT].fillna("").to_numpy(),
        t("address", lang): overdue[s.ADDRESS].fillna("").to_numpy(),
        t("description", lang): overdue[s.DESCRIPTION].fillna("").to_numpy(),
    })
    # The browser gets the most overdue MAX_LISTED rows; the files (built when clicked) hold them all.
    st.dataframe(listing.head(MAX_LISTED), hide_index=True, width="stretch", height=360,
                 column_config={k: datetime_column(k, lang) for k in (t("reported_at", lang), t("deadline", lang))})
    if len(listing) > MAX_LISTED:
        st.caption(t("listed_first", lang, shown=MAX_LISTED, total=len(listing)))
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv", lang), data=lambda: to_safe_csv(listing), file_name="overdue_list.csv",
                       mime="text/csv")
    sheet = "督办清单" if lang == "zh" else "Overdue"
    d2.download_button(t("download_xlsx", lang), data=lambda: to_safe_xlsx({sheet: listing}), file_name="overdue_list.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(t("bulletin_title", lang))
# Whole ISO weeks in the data, the latest complete one first (the current week counts once it reaches Sunday).
# Local calendar dates, not instants: a Monday 168 hours before another is a Sunday 23:00 across a clock change.
latest = data.issues[s.REPORTED_AT].max().date()
first_day = data.issues[s.REPORTED_AT].min().date()
weeks: list[str] = []
monday = latest - dt.timedelta(days=latest.weekday() + (0 if latest.weekday() == 6 else 7))
while monday >= first_day - dt.timedelta(days=6) and len(weeks) < 26:
    iso = monday.isocalendar()
    weeks.append(f"{iso.year}-W{iso.week:02d}")
    monday -= dt.timedelta(days=7)
b1, b2, b3, b4 = st.columns([2, 1, 1, 1])
week = b1.selectbox(t("bulletin_week", lang), weeks, key="gw_bulletin_week", format_func=lambda w: fmt_week(w, lang))
if week is None:  # the data do not hold one whole Monday-to-Sunday week yet
    b1.info(t("bulletin_no_week", lang))
elif b1.button(t("bulletin_make", lang), key="gw_bulletin_make") or st.session_state.get("gw_bulletin_ready") == week:
    st.session_state["gw_bulletin_ready"] = week
    made = bulletin(ctx.source, week, lang)
    b2.download_button(t("download_xlsx", lang), data=made.workbook, file_name=f"bulletin_{week}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    b3.download_button(t("bulletin_html", lang), data=made.html.encode("utf-8"), file_name=f"bulletin_{week}.html",
                       mime="text/html")
    try:
        chinese_font()  # a PDF without a Chinese font would print empty boxes: say so instead
    except FontMissing as missing:
        b4.caption(t("bulletin_pdf_missing_font", lang, reason=str(missing)))
    else:
        b4.download_button(t("bulletin_pdf", lang), data=lambda: bulletin_pdf(ctx.source, week, lang),
                           file_name=f"bulletin_{week}.pdf", mime="application/pdf")
st.caption(t("bulletin_caption", lang))

with st.expander(t("campaign_title", lang), expanded=False):
    c1, c2 = st.columns(2)
    first = data.issues[s.REPORTED_AT].min().date()
    day = c1.date_input(t("campaign_start", lang), value=max(start.date(), first), min_value=first,
                        max_value=last_day.date(),
                        key="gw_campaign_day", format=picker_format(lang))
    c2.caption(t("campaign_categories", lang))  # the sidebar's categories, like every page
    # Computed when asked (a closed expander still runs its code: at a million issues the comparison
    # cost two of the page's three seconds); kept asked for the session once clicked.
    asked = c2.button(t("campaign_run", lang), key="gw_campaign_run") or st.session_state.get("gw_campaign_asked")
    if not asked:
        effect = None
    else:
        st.session_state["gw_campaign_asked"] = True
        try:
            effect = campaign(ctx.source, ctx.flt, pd.Timestamp(day, tz=tz), None)
        except ValueError:
            effect = None
            st.info(t("no_issues", lang))
    if effect is not None:
        st.write(describe(effect, lang))
        changed = effect.by_grid[effect.by_grid["verdict"].isin(["decrease", "increase"])]
        if len(changed):
            names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME]
            st.caption(t("campaign_grids", lang))
            st.dataframe(pd.DataFrame({
                t("grid", lang): changed[s.GRID_ID].map(names).fillna(changed[s.GRID_ID]).to_numpy(),
                t("before", lang): changed["before"].to_numpy(), t("after", lang): changed["after"].to_numpy(),
                t("ratio", lang): changed["ratio"].round(2).to_numpy(),
                t("ci", lang): [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(changed["low"], changed["high"], strict=True)],
                "": changed["verdict"].map(lambda v: t(f"verdict_{v}", lang)).to_numpy(),
            }), hide_index=True, width="stretch")
