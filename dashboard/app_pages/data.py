"""数据: a wizard a clerk can finish: grids and their fields, the ledger and its columns and coordinates,
the problem types, then the import with an account of every row."""

from __future__ import annotations

import io
import zoneinfo
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.audit_panel import show_audit
from dashboard.components.maps import preview_map
from dashboard.components.text import plain
from dashboard.components.view import show_map
from dashboard.data import (
    DataSource,
    grid_layer,
    ledger_column,
    ledger_points,
    ledger_preview,
    request_answers,
    store_of,
)
from dashboard.detail import photo_base
from dashboard.errors import explain
from dashboard.i18n import t
from dashboard.shell import context
from geo import schema as s
from geo.categories import OTHER_WARNING, read_categories
from geo.csv_guard import to_safe_csv
from geo.ingest.imports import (
    category_labels,
    import_grids,
    import_ledger,
    remap_categories,
    store_upload,
    workspace_zone,
)
from geo.ingest.mapping import LedgerMapping, guess_columns, guess_grid_fields, map_statuses
from geo.ingest.preview import CRS_CHOICES, OTHER_EPSG, detect_crs, numbers, points_preview
from geo.text import stripped_text

MAX_UPLOAD_MB = 50  # also server.maxUploadSize in .streamlit/config.toml
FIELDS = ("category", "reported_at", "lon", "lat", "issue_id", "status", "closed_at", "address", "description",
          "department", "deadline_at", "photo_before", "photo_after", "grid_raw", "source", "reporter")
PREVIEW_POINTS = 1000
#: Zones offered for the ledger's local times (Chinese ledgers first; the US ones for the 311 samples).
_COMMON_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Urumqi", "UTC")
TIME_ZONES = (*_COMMON_ZONES, *sorted(zoneinfo.available_timezones() - set(_COMMON_ZONES)))

ctx = context()
lang = ctx.lang
ws = store_of(ctx.source.workspace)
categories = read_categories()
st.title(t("data_title", lang))
# Streamlit's uploader writes its button and limit in English whatever the page's language: our words
# replace them (CSS text, the widget keeps working; the strings are ours, never a ledger's).
st.html("<style>"
        "[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p{font-size:0}"
        "[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] p::after"
        f"{{content:'{t('upload_button', lang)}';font-size:0.875rem}}"
        "[data-testid=stFileUploaderDropzoneInstructions] span{font-size:0}"
        "[data-testid=stFileUploaderDropzoneInstructions] span::after"
        f"{{content:'{t('upload_limit', lang, mb=MAX_UPLOAD_MB)}';font-size:0.875rem}}"
        "</style>")
if not ctx.actor.may("import_ledger"):  # not in a viewer's navigation; and the library refuses too
    st.warning(t("empty_for_viewer", lang))
    st.stop()


def show_error(exc: BaseException) -> None:
    """One sentence in the page's language (file names in it are escaped), the library's line aside."""
    sentence, detail = explain(exc, lang)
    st.error(plain(sentence))
    if detail:
        with st.expander(t("err_detail", lang)):
            st.text(detail)


def saved_upload(uploaded: object, key: str) -> Path:
    """The uploaded file saved once (keyed by the uploader's file id), read only as data."""
    slot = f"gw_saved_{key}_{uploaded.file_id}"  # type: ignore[attr-defined]
    if slot not in st.session_state:
        st.session_state[slot] = str(store_upload(ws, uploaded.name, uploaded.getvalue()))  # type: ignore[attr-defined]
    return Path(st.session_state[slot])


def too_large(uploaded: object) -> bool:
    if uploaded is not None and uploaded.size > MAX_UPLOAD_MB * 1024 * 1024:  # type: ignore[attr-defined]
        st.error(t("too_large", lang, mb=MAX_UPLOAD_MB))
        return True
    return False


def default_point_marks(saved: Path, used: dict[str, str], crs: str, tz: str, *, file_key: str
                        ) -> tuple[list[list[float]], list[list[float]]]:
    """The ledger's ten busiest exact positions on a map and in a table where the clerk marks default points.

    Ticked: a default position (the patrol app's fallback, a geocoder's city centre), left out of every
    statistic; unticked: a real place, never suspect. The import's own verdict is the default tick, a mark
    stored with the workspace before wins. Returns (default points, real points) for the mapping.
    Also reports the points far from the grids, with a map of them.
    """
    try:
        busiest, far, far_lon, far_lat = ledger_points(str(saved), saved.stat().st_mtime, tuple(sorted(used.items())),
                                                       crs, tz, ctx.source.workspace)
    except ValueError as exc:  # an unknown CRS code: said once above, at the point preview
        st.caption(explain(exc, lang)[0])
        return [], []
    if int(far.sum()):
        st.warning(t("wiz_far", lang, n=int(far.sum())))
        m = preview_map(grids, far_lon, far_lat)
        if m is not None:
            show_map(m, key=f"gw-far-{file_key}", height=300)
    if busiest.empty:
        return [], []
    stored = ws.read("mapping").mapping or {}
    known_default = {tuple(p) for p in stored.get("default_points", [])}
    known_real = {tuple(p) for p in stored.get("real_points", [])}
    keys = list(zip(busiest["lon"].round(7), busiest["lat"].round(7), strict=True))
    ticked = [(k in known_default) or (bool(v) and k not in known_real)
              for k, v in zip(keys, busiest["suspect"], strict=True)]
    st.markdown(f"**{t('wiz_busiest', lang)}**")
    st.caption(t("wiz_busiest_caption", lang))
    tips = [t("wiz_busiest_tip", lang, rank=i + 1, n=int(c)) for i, c in enumerate(busiest["count"])]
    m = preview_map(grids, busiest["lon"].to_numpy(), busiest["lat"].to_numpy(), point_tips=tips)
    cols = {"rank": t("rank", lang), "count": t("wiz_col_count", lang), "share": t("wiz_col_share", lang),
            "lon": t("field_lon", lang), "lat": t("field_lat", lang), "default": t("wiz_col_default", lang)}
    table = pd.DataFrame({cols["rank"]: range(1, len(busiest) + 1), cols["count"]: busiest["count"].to_numpy(),
                          cols["share"]: (busiest["share"] * 100).round(2).to_numpy(),
                          cols["lon"]: busiest["lon"].round(6).to_numpy(), cols["lat"]: busiest["lat"].round(6).to_numpy(),
                          cols["default"]: ticked})
    left, right = st.columns([3, 2])
    with left:
        edited = st.data_editor(table, hide_index=True, width="stretch", key=f"gw_default_points_{file_key}",
                                disabled=[c for k, c in cols.items() if k != "default"],
                                column_config={cols["share"]: st.column_config.NumberColumn(format="%.2f%%")})
    with right:
        if m is not None:
            show_map(m, key=f"gw-busiest-{file_key}", height=300)
    marked = [list(map(float, k)) for k, on in zip(keys, edited[cols["default"]], strict=True) if bool(on)]
    real = [list(map(float, k)) for k, on, rule in zip(keys, edited[cols["default"]], ticked, strict=True)
            if not bool(on) and rule]
    return marked, real


def status_choices(raw: pd.Series, *, file_key: str) -> dict[str, str]:
    """The ledger's status values with the status each is read as, for the clerk to confirm or change.

    Proposed by the vocabulary and the status words (:func:`geo.ingest.mapping.map_statuses`); a value
    neither knows is read by its close time (closed when it has one), shown here as "by close time".
    Returns the clerk's changes (raw value -> status), saved with the workspace for later ledgers.
    """
    counts = stripped_text(raw).dropna().value_counts().head(200)
    if counts.empty:
        return {}
    proposed = map_statuses(pd.Series(counts.index, dtype="string"))
    by_time = t("status_by_close_time", lang)
    names = {code: t(f"status_{code}", lang) for code in s.STATUSES}
    codes = {v: k for k, v in names.items()}
    cols = {"value": t("wiz_col_status_value", lang), "count": t("wiz_col_count", lang),
            "status": t("wiz_col_status", lang)}
    table = pd.DataFrame({cols["value"]: counts.index.astype(str), cols["count"]: counts.to_numpy(),
                          cols["status"]: [names.get(str(p), by_time) if pd.notna(p) else by_time for p in proposed]})
    st.markdown(f"**{t('wiz_statuses', lang)}**")
    edited = st.data_editor(table, hide_index=True, width="stretch", key=f"gw_statuses_{file_key}",
                            height=min(300, 38 + 35 * len(table)), disabled=[cols["value"], cols["count"]],
                            column_config={cols["status"]: st.column_config.SelectboxColumn(
                                options=[*names.values(), by_time], required=True)})
    out = {}
    for value, before, after in zip(table[cols["value"]], table[cols["status"]], edited[cols["status"]], strict=True):
        if after != before and after in codes:
            out[str(value)] = codes[after]
    return out


def label_choices(labels: pd.DataFrame, *, file_key: str) -> dict[str, str]:
    """Every raw label of the ledger in one searchable table, with bulk actions; returns the choices.

    The clerk's picks live in the session (``label -> code``) so a search, a bulk action or a failed
    import keeps them; the table's widget key changes with each bulk action so its own edits never
    undo one. Unknown labels are always returned (imported as chosen, 其他 by default, and saved).
    """
    picks: dict[str, str] = st.session_state.setdefault(f"gw_label_picks_{file_key}", {})
    version = st.session_state.setdefault(f"gw_label_version_{file_key}", 0)
    codes = categories.codes
    name = {c: categories.name(c, lang=lang) for c in codes}
    by_name = {v: k for k, v in name.items()}
    current = [picks.get(label, code) for label, code in zip(labels["label"], labels["category"], strict=True)]
    other_n = int(labels["count"][[c == "other" for c in current]].sum())
    total = int(labels["count"].sum())
    st.caption(t("wiz_labels_count", lang, n=len(labels), other=other_n, share=other_n / total if total else 0.0))
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    word = c1.text_input(t("wiz_label_search", lang), key=f"gw_label_search_{file_key}").strip()
    hit = labels["label"].str.contains(word, case=False, regex=False) if word else pd.Series(True, index=labels.index)
    target = c2.selectbox(t("wiz_bulk_target", lang), codes, index=codes.index("other"), format_func=name.__getitem__,
                          key=f"gw_bulk_target_{file_key}")
    c3.write("")  # aligns the buttons with the inputs' boxes
    c4.write("")
    if c3.button(t("wiz_bulk_apply", lang, n=int(hit.sum())), key=f"gw_bulk_apply_{file_key}", disabled=not word):
        picks.update(dict.fromkeys(labels.loc[hit, "label"], target))
        st.session_state[f"gw_label_version_{file_key}"] = version + 1
        st.rerun()
    if c4.button(t("wiz_rest_other", lang), key=f"gw_rest_other_{file_key}"):
        rest = labels.loc[~labels["known"] & ~labels["label"].isin(list(picks)), "label"]
        picks.update(dict.fromkeys(rest, "other"))
        st.session_state[f"gw_label_version_{file_key}"] = version + 1
        st.rerun()
    cols = {"label": t("wiz_col_label", lang), "count": t("wiz_col_count", lang),
            "category": t("wiz_col_category", lang), "known": t("wiz_col_known", lang)}
    frame = pd.DataFrame({cols["label"]: labels["label"], cols["count"]: labels["count"],
                          cols["category"]: [name[c] for c in current],
                          cols["known"]: labels["known"] | labels["label"].isin(list(picks))})
    edited = st.data_editor(
        frame[hit.to_numpy()], hide_index=True, width="stretch", height=min(420, 38 + 35 * int(hit.sum())),
        disabled=[cols["label"], cols["count"], cols["known"]],
        column_config={cols["category"]: st.column_config.SelectboxColumn(options=list(name.values()), required=True),
                       cols["count"]: st.column_config.NumberColumn(format="localized")},
        key=f"gw_label_editor_{file_key}_{version}_{word}")
    now = dict(zip(labels["label"], current, strict=True))
    for label, shown in zip(edited[cols["label"]], edited[cols["category"]], strict=True):
        code = by_name.get(str(shown))
        if code is not None and code != now.get(label):
            picks[label] = code
    known = dict(zip(labels["label"], labels["known"], strict=True))
    return {label: picks.get(label, code) for label, code in zip(labels["label"], labels["category"], strict=True)
            if label in picks or not known[label]}


state = ws.read("grids")
grids = state.grids

# --- Step 1: grids -----------------------------------------------------------------------------------
st.subheader(t("wiz_grids", lang))
st.caption(t("wiz_grids_have", lang, n=len(grids)) if grids is not None else t("wiz_grids_none", lang))
if not ctx.actor.may("import_grids"):
    st.caption(t("grids_admin_only", lang, n=0 if grids is None else len(grids)))
else:
    grids_file = st.file_uploader(t("wiz_grid_file", lang), type=["geojson", "json", "gpkg", "zip"], key="gw_upload_grids")
    if grids_file is not None and not too_large(grids_file):
        grid_path = saved_upload(grids_file, "grids")
        try:
            layer = grid_layer(str(grid_path), grid_path.stat().st_mtime)
        except Exception as exc:  # any failure is one sentence, never a traceback
            show_error(exc)
            layer = None
        if layer is not None:
            columns = [c for c in layer.columns if c != "geometry"]
            guessed = guess_grid_fields(columns, layer)
            none = t("not_mapped", lang)
            c1, c2, c3, c4 = st.columns(4)
            id_field = c1.selectbox(t("wiz_grid_id", lang), columns, key="gw_grid_id",
                                    index=columns.index(guessed["id"]) if "id" in guessed else 0)

            def optional(col: object, label: str, role: str) -> str:
                options = [none, *columns]
                pick = col.selectbox(label, options, key=f"gw_grid_{role}",  # type: ignore[attr-defined]
                                     index=options.index(guessed[role]) if role in guessed else 0)
                return "" if pick == none else str(pick)

            name_field = optional(c2, t("wiz_grid_name", lang), "name")
            community_field = optional(c3, t("wiz_grid_community", lang), "community")
            cadres_field = optional(c4, t("wiz_grid_cadres", lang), "cadres")
            shown = [c for c in (id_field, name_field, community_field) if c]
            m = preview_map(layer, tooltip_columns=shown)
            if m is not None:
                show_map(m, key=f"gw-grid-preview-{grids_file.file_id}", height=360)
            st.caption(t("wiz_grid_preview", lang, n=len(layer)))
            st.dataframe(pd.DataFrame(layer[columns].head(5)).astype("string"), hide_index=True, width="stretch")
            if st.button(t("wiz_import_grids", lang), type="primary", key="gw_import_grids"):
                try:
                    with st.spinner(t("importing", lang)):
                        grid_report = import_grids(ws, grid_path, id_field=id_field, name_field=name_field,
                                                   community_field=community_field, cadres_field=cadres_field,
                                                   actor=ctx.actor)
                except Exception as exc:
                    show_error(exc)
                else:
                    st.session_state["gw_grid_report"] = asdict(grid_report)
                    st.rerun()  # the sidebar and the other steps read the new grids
report = st.session_state.get("gw_grid_report")
if report:
    st.success(t("wiz_grid_done", lang, n=report["grids"], repaired=len(report["repaired"]),
                 overlaps=len(report["overlaps"]), gaps=report["gaps"], moved=report.get("moved", 0),
                 outside=report.get("now_outside", 0), inside=report.get("now_inside", 0)))
    if report.get("damaged_names"):
        damaged = "、".join(plain(n) for n in report["damaged_names"][:5])
        st.warning(t("wiz_grid_damaged", lang, n=len(report["damaged_names"]), names=damaged))

# --- Step 2: ledger ----------------------------------------------------------------------------------
st.subheader(t("wiz_ledger", lang))
ledger_file = None
if grids is None:
    st.info(t("wiz_ledger_needs_grids", lang))
else:
    ledger_file = st.file_uploader(t("upload_ledger", lang), type=["csv", "xlsx", "geojson", "json", "gpkg", "zip"],
                                   key="gw_upload_ledger")
saved: Path | None = None
marks: tuple[list[list[float]], list[list[float]]] = ([], [])
statuses: dict[str, str] = {}
headers: list[str] = []
overrides: dict[str, str] = {}
used: dict[str, str] = {}
crs = "EPSG:4326"
tz = TIME_ZONES[0]
if ledger_file is not None and not too_large(ledger_file):
    saved = saved_upload(ledger_file, "ledger")
    mtime = saved.stat().st_mtime
    try:
        headers, preview = ledger_preview(str(saved), mtime)
    except Exception as exc:  # any failure is one sentence on the page, never a traceback
        show_error(exc)
        saved = None
    if saved is not None:
        st.caption(t("preview", lang))
        st.dataframe(preview, hide_index=True, width="stretch")
        guessed = guess_columns(headers)
        st.markdown(f"**{t('detected_mapping', lang)}**")
        none = t("not_mapped", lang)
        cols = st.columns(5)
        for i, name in enumerate(FIELDS):
            options = [none, *headers]
            current = guessed.get(name)
            choice = cols[i % 5].selectbox(t(f"field_{name}", lang), options,
                                           index=options.index(current) if current in options else 0,
                                           key=f"gw_map_{name}")
            if choice != none:
                used[name] = choice
                if choice != current:
                    overrides[name] = choice
        # Coordinates: detected from the numbers, chosen by the clerk, checked on a map.
        x = numbers(ledger_column(str(saved), mtime, used["lon"], PREVIEW_POINTS)) if "lon" in used else np.array([])
        y = numbers(ledger_column(str(saved), mtime, used["lat"], PREVIEW_POINTS)) if "lat" in used else np.array([])
        detected = detect_crs(x, y) if len(x) else "EPSG:4326"
        crs_keys = [*CRS_CHOICES, OTHER_EPSG]
        label = {k: CRS_CHOICES[k][0 if lang == "zh" else 1] for k in CRS_CHOICES} | {OTHER_EPSG: t("wiz_crs_other", lang)}
        crs = st.selectbox(t("coord_system", lang), crs_keys, index=crs_keys.index(detected), format_func=label.__getitem__,
                           key=f"gw_crs_{ledger_file.file_id}")
        st.caption(t("wiz_crs_detected", lang, name=label[detected]))
        proposed = workspace_zone(ws)
        zones = [proposed, *[z for z in TIME_ZONES if z != proposed]]
        tz = st.selectbox(t("wiz_tz", lang), zones, key="gw_tz")
        st.caption(t("wiz_tz_proposed", lang, zone=proposed))
        if crs == OTHER_EPSG:
            code = st.text_input(t("wiz_crs_code", lang), key="gw_crs_code").strip().upper().removeprefix("EPSG:")
            crs = f"EPSG:{code}" if code.isdigit() else "EPSG:4326"
        try:
            lon, lat, share = points_preview(x, y, crs, grids, limit=PREVIEW_POINTS)
        except ValueError as exc:
            show_error(exc)
            lon, lat, share = np.array([]), np.array([]), None
        if len(lon):
            st.caption(t("wiz_points", lang, n=len(lon), share=f"{(share or 0) * 100:.0f}%"))
            m = preview_map(grids, lon, lat, tooltip_columns=(s.GRID_NAME,))
            if m is not None:
                show_map(m, key=f"gw-point-preview-{ledger_file.file_id}-{crs}", height=360)
        else:
            st.warning(t("wiz_points_none", lang))
        if "lon" in used and "lat" in used:
            marks = default_point_marks(saved, used, crs, tz, file_key=ledger_file.file_id)
        if "status" in used:
            statuses = status_choices(ledger_column(str(saved), mtime, used["status"]), file_key=ledger_file.file_id)

# --- Step 3: problem types ---------------------------------------------------------------------------
choices: dict[str, str] = {}
apply_stored = False
if saved is not None and "category" in used:
    st.subheader(t("wiz_categories", lang))
    st.caption(t("wiz_categories_caption", lang))
    stored_mapping = ws.read("mapping").mapping or {}
    table = categories.with_synonyms(stored_mapping.get("categories", {}))
    labels = category_labels(ledger_column(str(saved), saved.stat().st_mtime, used["category"]), table)
    choices = label_choices(labels, file_key=ledger_file.file_id if ledger_file else "0")
    if ctx.actor.may("mapping"):
        apply_stored = st.checkbox(t("wiz_apply_stored", lang), key="gw_apply_stored")
    else:
        st.caption(t("remap_admin_only", lang))

# --- Step 4: import ----------------------------------------------------------------------------------
if saved is not None:
    st.subheader(t("wiz_import", lang))
    if st.button(t("run_import", lang), type="primary", key="gw_run_import"):
        progress = st.progress(10, text=t("importing", lang))
        try:
            mapping = LedgerMapping(columns=overrides, crs=crs, categories=choices, tz=tz, default_points=marks[0],
                                    real_points=marks[1], statuses=statuses)
            summary = import_ledger(ws, saved, mapping=mapping, source_name=ledger_file.name if ledger_file else None,
                                    actor=ctx.actor)
            progress.progress(80, text=t("step_saved", lang))
            remapped = remap_categories(ws, choices, actor=ctx.actor) if apply_stored and choices else 0
            progress.progress(100, text=t("step_done", lang))
        except Exception as exc:  # any failure is one sentence; the store published nothing
            progress.empty()
            show_error(exc)
        else:
            # The new generation's backtest and priorities start now, in the answers worker, not on a page.
            request_answers(DataSource(ctx.source.workspace, ws.generation()))
            st.session_state["gw_last_import"] = asdict(summary) | {
                "source": ledger_file.name if ledger_file else saved.name, "remapped": remapped}
            st.rerun()  # the sidebar and navigation were drawn before the import: redraw them

last = st.session_state.get("gw_last_import")
if last:
    st.success(plain(t("wiz_summary", lang, source=last.get("source", ""), read=last["read"], imported=last["imported"],
                       updated=last["updated"], rejected=last["rejected"], duplicates=last["duplicates"],
                       outside=last["outside_grids"], suspect=last["suspect_points"])))
    summary_keys = ("read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points")
    for col, key in zip(st.columns(len(summary_keys)), summary_keys, strict=True):
        col.metric(t(f"summary_{key}", lang), f"{last[key]:,}")
    if last.get("points_zone"):
        st.warning(t("wiz_zone_mismatch", lang, found=last["points_zone"], zone=last.get("time_zone", "")))
    if last.get("remapped"):
        st.info(t("wiz_remapped", lang, n=last["remapped"]))
    if last["swapped_coordinates"]:
        st.info(t("swapped_note", lang, n=last["swapped_coordinates"]))
    if last["likely_double_submissions"]:
        st.info(t("double_note", lang, n=last["likely_double_submissions"]))
    if last.get("photos_without_links") and not photo_base():
        st.info(t("photos_note", lang, n=last["photos_without_links"]))
    if last["unmapped_categories"]:
        # Raw ledger labels: escaped so a label cannot turn into a link or an image in the message.
        top = list(last["unmapped_categories"].items())[:5]
        names = "、".join(f"{plain(k)}（{v:,}）" if lang == "zh" else f"{plain(k)} ({v:,})" for k, v in top)
        if last.get("other_share", 0.0) > OTHER_WARNING:
            st.warning(t("other_share_warning", lang, share=last["other_share"], labels=names))
        else:
            st.info(t("unmapped_categories", lang, labels=names))
    data = ws.rejects(last["rejects_ref"]) if last.get("rejects_ref") else None
    if data is not None:
        rejects = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        st.download_button(t("download_rejects", lang), data=to_safe_csv(rejects),
                           file_name=last["rejects_ref"], mime="text/csv")

show_audit(ctx, ws)
