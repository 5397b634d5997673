"""考核评价: 区域/部门/岗位 evaluation under the workspace's profile, its on-target index, and 巡查盲区."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard.components.patrol import gap_caption, gap_map, gap_table
from dashboard.components.view import show_map
from dashboard.data import evaluation, evaluation_settings, patrol_gaps
from dashboard.i18n import LIGHT_COLOURS, Lang, fmt_date, fmt_week, t
from dashboard.shell import data_context, last_report_day, scope_caption
from geo import localtime
from geo import schema as s
from geo.csv_guard import to_safe_csv
from geo.cube.levels import present_levels
from geo.ops.evaluation import PERIOD_KINDS, Evaluation, league, periods, previous_period, with_change
from geo.ops.profiles import INDICATORS, SHOWN, formula, scoring_rule
from geo.ops.rectification import grade
from geo.report.export import to_safe_xlsx
from geo.report.open311 import to_json

#: The light's fill in the table cells (pale, so the text stays readable printed); the badge uses LIGHT_COLOURS.
LIGHT_FILLS = {"on": "#d9f0d3", "near": "#fee8c8", "below": "#fcd5d5"}

ctx, data = data_context()
lang: Lang = ctx.lang
st.title(t("evaluation_title", lang))
settings, settings_error = evaluation_settings(ctx.source)
if settings_error:  # one line, and the shipped profiles meanwhile
    st.error(t("evaluation_settings_error", lang, error=settings_error))

keys = list(settings.profiles)
c1, c2, c3 = st.columns([2.0, 1.8, 2.0], vertical_alignment="bottom")
profile_key = c1.selectbox(t("eval_profile", lang), keys, index=keys.index(settings.default), key="gw_eval_profile",
                           format_func=lambda k: settings.profiles[k].title(lang))
profile = settings.profiles[profile_key]
kind = c2.radio(t("eval_period_kind", lang), PERIOD_KINDS, index=1, horizontal=True, key="gw_eval_kind",
                format_func=lambda k: t(f"eval_{k}", lang))
last_day = last_report_day(ctx, data)
data_end = localtime.next_midnight(last_day)
first = data.issues[s.REPORTED_AT].min()
options = periods(kind, first, last_day)


def _label(i: int) -> str:
    """A period as an office names it: 2026年11月, 2026年第4季度, 2026年第45周（…）; a running one says to which day."""
    start, end = options[i]
    day = start.date()
    if kind == "week":
        iso = day.isocalendar()
        text = fmt_week(f"{iso.year}-W{iso.week:02d}", lang)
    elif kind == "month":
        text = t("eval_month_label", lang, year=str(day.year), month=day.month, month_name=day.strftime("%b"))
    else:
        text = t("eval_quarter_label", lang, year=str(day.year), quarter=(day.month - 1) // 3 + 1)
    last = (data_end - pd.Timedelta(days=1)).date()
    return text + (t("eval_to_day", lang, day=fmt_date(last, lang)) if end > data_end else "")


chosen = c3.selectbox(t("eval_period", lang), range(len(options)), key=f"gw_eval_period_{kind}", format_func=_label)
start, end = options[chosen or 0]
# A period still running is evaluated to the last day of the data, not to a future month's end: a deadline
# that has not come yet must not count as missed.
end = min(end, data_end)
prev_start, prev_end = previous_period(kind, start)
scope_caption(ctx, data, start=start.date(), end=(end - pd.Timedelta(days=1)).date())


def _pair(subject: str, level: str) -> tuple[Evaluation, Evaluation]:
    return (evaluation(ctx.source, ctx.flt, profile_key, subject, level, start, end),
            evaluation(ctx.source, ctx.flt, profile_key, subject, level, prev_start, prev_end))


# The street as a whole: the index a leader reads at a glance, and the composite with its change.
whole_now, whole_before = _pair("area", "all")
row = whole_now.table.iloc[0] if len(whole_now.table) else None
before = whole_before.table.iloc[0] if len(whole_before.table) else None
m1, m2, m3, m4 = st.columns(4)


def _change(key: str, digits: int) -> str | None:
    if row is None or before is None:
        return None
    now_v, then_v = float(row[key]), float(before[key])
    if not (math.isfinite(now_v) and math.isfinite(then_v)) or round(now_v - then_v, digits) == 0:
        return None
    return f"{now_v - then_v:+.{digits}f}"


def _unsaid(now: Evaluation) -> None:
    """Say which weighted indicators the ledger cannot give, and so why there is no grade."""
    if now.unsaid:
        names = ("、" if lang == "zh" else ", ").join(
            INDICATORS[k].zh if lang == "zh" else INDICATORS[k].en for k in profile.weights[now.subject] if k in now.unsaid)
        st.caption(t("eval_unsaid", lang, names=names))


index = float(row["index"]) if row is not None else float("nan")
m1.metric(t("eval_index", lang), "—" if not math.isfinite(index) else f"{index:.2f}", _change("index", 2),
          help=scoring_rule(lang))
m2.markdown(f"<span style='font-size:0.875rem'>{t('eval_light', lang)}</span>", unsafe_allow_html=True)  # our words
if row is not None and row["light"]:
    m2.badge(t(f"light_index_{row['light']}", lang), color=LIGHT_COLOURS[row["light"]])
else:
    m2.markdown("<div style='font-size:2.25rem;line-height:1.3'>—</div>", unsafe_allow_html=True)  # our own text
composite = float(row["composite"]) if row is not None else float("nan")
m3.metric(t("eval_composite", lang), "—" if not math.isfinite(composite) else f"{composite:.1f}",
          _change("composite", 1), help=formula(profile, "area", lang, whole_now.dropped))
m4.metric(t("eval_grade", lang), (row["grade"] or "—") if row is not None else "—")
if row is not None and profile.caps and row["grade"] and row["grade"] != grade(composite):
    share = float(row["overdue_share"])
    cap = next((c for limit, c in sorted(profile.caps, reverse=True) if share >= limit), row["grade"])
    st.caption(t("eval_capped", lang, share=f"{share:.1f}", cap=cap, score=f"{composite:.1f}", uncapped=grade(composite)))
_unsaid(whole_now)  # why the cards above read "—" on a ledger without, say, close times

# The levels the grid layer tells apart (a layer naming no street, or one, has no street level: its one
# street is the row above, and a level of unnamed grids would show them all as "in no unit").
present = {level.value for level in present_levels(data.grids)}
LEVELS = {k: v for k, v in (("grid", "eval_level_grid"), ("community", "eval_level_community"),
                            ("street", "eval_level_street"))
          if k == "grid" or {"community": s.COMMUNITY, "street": s.STREET}[k] in present}
may_see_people = ctx.actor.may("see_people")
# One section at a time, chosen like every other control: tabs computed all four on every rerun, and a map in a
# hidden tab drew blank (Leaflet cannot size itself while hidden).
sections = ["area", "department", *(["inspector"] if may_see_people else []), "gap"]
section = st.radio(t("eval_section", lang), sections, horizontal=True, key="gw_eval_section",
                   format_func=lambda k: t(f"eval_tab_{k}", lang))
grid_names = data.grids.set_index(s.GRID_ID)[s.GRID_NAME].astype(str)


def _cell(value: object, kind: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "—"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if kind == "count" else f"{number:.1f}"


def _shown(now: Evaluation, then: Evaluation, unit_label: str, names: pd.Series | None) -> pd.DataFrame:
    """The league as a leader reads it: units by name, each indicator, the composite, grade, index and change."""
    table = league(with_change(now, then))
    units = pd.Series(table.index.astype(str), index=table.index)
    out: dict[str, object] = {unit_label: (units.map(names).fillna(units) if names is not None else units).to_numpy()}
    for key in SHOWN[now.subject]:
        ind = INDICATORS[key]
        name = (ind.zh if lang == "zh" else ind.en) + (t("eval_percent", lang) if ind.kind == "rate" else "")
        # A rate the ledger cannot give (Madrid's on-time rate: no close times) reads 「无此信息」, as on 整改.
        out[name] = ([_cell(v, ind.kind) for v in table[key]] if now.given(key)
                     else [t("not_in_ledger_short", lang)] * len(table))
    out[t("eval_composite", lang)] = [_cell(v, "rate") for v in table["composite"]]
    out[t("eval_grade", lang)] = [g or "—" for g in table["grade"]]
    out[t("eval_index", lang)] = ["—" if pd.isna(v) else f"{v:.2f}" for v in table["index"]]
    out[t("eval_light", lang)] = [t(f"light_index_{v}", lang) if v else "—" for v in table["light"]]
    out["_light"] = table["light"].to_numpy()
    out[t("eval_change", lang)] = ["—" if pd.isna(v) or round(v, 1) == 0 else f"{v:+.1f}"
                                   for v in table["composite_change"]]
    return pd.DataFrame(out)


def _show(frame: pd.DataFrame, unit_label: str) -> pd.DataFrame:
    """The table with its light cells coloured and the unit column pinned (it stays in view when a laptop
    scrolls the wide table sideways); returns the table without the helper column, for the downloads."""
    lights = frame.pop("_light")
    light_col = t("eval_light", lang)

    def fill(column: pd.Series) -> list[str]:
        if column.name != light_col:
            return [""] * len(column)
        return [f"background-color: {LIGHT_FILLS[v]}" if v in LIGHT_FILLS else "" for v in lights]

    st.dataframe(frame.style.apply(fill), hide_index=True, width="stretch", height=min(420, 38 + 35 * len(frame)),
                 column_config={unit_label: st.column_config.TextColumn(unit_label, pinned=True)})
    return frame


def _downloads(frame: pd.DataFrame, name: str) -> None:
    sheet = profile.title(lang)[:31].replace(":", " ").replace("/", "-")
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv", lang), data=lambda: to_safe_csv(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"gw_eval_csv_{name}")
    d2.download_button(t("download_xlsx", lang), data=lambda: to_safe_xlsx({sheet: frame}), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"gw_eval_xlsx_{name}")


def _explain(now: Evaluation) -> None:
    _unsaid(now)
    st.caption(f"**{profile.title(lang)}**：{formula(profile, now.subject, lang, now.dropped)}" if lang == "zh" else
                   f"**{profile.title(lang)}**: {formula(profile, now.subject, lang, now.dropped)}")
    with st.expander(t("eval_explain", lang)):
        rows = [{t("eval_indicator", lang): (ind.zh if lang == "zh" else ind.en),
                 t("eval_formula", lang): (ind.formula_zh if lang == "zh" else ind.formula_en),
                 t("eval_weight", lang): (f"{profile.weights[now.subject][k]:.2f}"
                                          if k in profile.weights[now.subject] and k not in now.dropped else "—"),
                 t("eval_target", lang): (f"{profile.target(k):g}%" if ind.kind == "rate" else t("eval_peer_median", lang))}
                for k, ind in INDICATORS.items() if k in SHOWN[now.subject] or k in profile.weights[now.subject]]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(scoring_rule(lang))
        st.caption(t("eval_source", lang, source=profile.source(lang)))


if section == "area":
    level = st.radio(t("eval_level", lang), list(LEVELS), horizontal=True, key="gw_eval_level",
                     format_func=lambda k: t(LEVELS[k], lang))
    now, then = _pair("area", level)
    label = t(LEVELS[level], lang)
    frame = _show(_shown(now, then, label, grid_names if level == "grid" else None), label)
    if now.unassigned:
        st.caption(t("eval_unassigned", lang, n=now.unassigned))
    _explain(now)
    _downloads(frame, f"evaluation_area_{level}_{start.date()}")

elif section == "department":
    now, then = _pair("department", "department")
    frame = _show(_shown(now, then, t("department", lang), None), t("department", lang))
    if now.unassigned:
        st.caption(t("eval_unassigned_department", lang, n=now.unassigned))
    _explain(now)
    _downloads(frame, f"evaluation_department_{start.date()}")

elif section == "inspector" and may_see_people:  # the radio offers it to clerks and admins only
    now, then = _pair("inspector", "inspector")
    if now.table.empty:  # no reporter column (and no cadre lists): nothing to evaluate people by
        st.info(t("eval_no_reporter", lang))
    else:
        frame = _show(_shown(now, then, t("eval_inspector", lang), None), t("eval_inspector", lang))
        st.caption(t("eval_inspector_caption", lang))
        _explain(now)
        _downloads(frame, f"evaluation_inspector_{start.date()}")

else:
    gap = patrol_gaps(ctx.source, ctx.flt)
    st.caption(gap_caption(gap, lang))
    if gap.comparable:
        left, right = st.columns([3, 2])
        with left:
            show_map(gap_map(data.grids, gap, lang, tiles=ctx.tiles, reference=ctx.reference),
                     key=f"eval-gap-{'-'.join(ctx.flt.categories)}", height=520)
        right.dataframe(gap_table(gap, grid_names, lang), hide_index=True, width="stretch", height=520)
        with st.expander(t("gap_explain", lang)):  # the method names belong in 计算说明, not on the face
            st.write(t("gap_method", lang))

st.subheader(t("eval_exports", lang))
e1, e2 = st.columns([1, 2], vertical_alignment="center")
# Built when clicked, for the sidebar's scope: other systems read the ledger as GeoReport v2 requests.
e1.download_button(t("export_open311", lang), data=lambda: to_json(data.select(ctx.flt), data.categories, lang),
                   file_name="service_requests.json", mime="application/json", key="gw_eval_open311")
e2.caption(t("export_open311_caption", lang))
