"""数据: upload a ledger (and grids), check the detected mapping, import, see the accounting."""

from __future__ import annotations

import io
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.components.text import plain
from dashboard.data import ledger_preview, store_of
from dashboard.detail import photo_base
from dashboard.i18n import datetime_column, t
from dashboard.shell import context
from geo.errors import one_line
from geo.export import to_safe_csv
from geo.imports import import_grids, import_ledger, store_upload
from geo.mapping import HEADER_ALIASES, LedgerMapping, guess_columns

MAX_UPLOAD_MB = 50  # also server.maxUploadSize in .streamlit/config.toml
FIELDS = ("category", "reported_at", "lon", "lat", "issue_id", "status", "closed_at", "address", "description",
          "department", "deadline_at", "photo_before", "photo_after", "grid_raw", "source")
CRS_CHOICES = {"EPSG:4326": "WGS84 (GPS)", "gcj02": "GCJ-02 (高德/腾讯)", "bd09": "BD-09 (百度)",
               "EPSG:4490": "CGCS2000"}

ctx = context()
lang = ctx.lang
ws = store_of(ctx.source.workspace)
st.title(t("data_title", lang))

ledger_file = st.file_uploader(t("upload_ledger", lang), type=["csv", "xlsx", "geojson", "json", "gpkg", "zip"],
                               key="gw_upload_ledger")
grids_file = st.file_uploader(t("upload_grids", lang), type=["geojson", "json", "gpkg", "zip"], key="gw_upload_grids")

too_large = [f for f in (ledger_file, grids_file) if f is not None and f.size > MAX_UPLOAD_MB * 1024 * 1024]
if too_large:
    st.error(t("too_large", lang, mb=MAX_UPLOAD_MB))
    st.stop()

overrides: dict[str, str] = {}
crs = "EPSG:4326"
saved: Path | None = None
if ledger_file is not None:
    # Saved once per upload (keyed by the uploader's file id), read only as data.
    key = f"gw_saved_{ledger_file.file_id}"
    if key not in st.session_state:
        st.session_state[key] = str(store_upload(ws, ledger_file.name, ledger_file.getvalue()))
    saved = Path(st.session_state[key])
    try:
        headers, preview = ledger_preview(str(saved), saved.stat().st_mtime)
    except Exception as exc:  # any failure is one line on the page, never a traceback
        st.error(t("import_failed", lang, error=plain(one_line(exc))))
        st.stop()
    st.caption(t("preview", lang))
    st.dataframe(preview, hide_index=True, width="stretch")
    guessed = guess_columns(headers)
    st.subheader(t("detected_mapping", lang))
    none = t("not_mapped", lang)
    cols = st.columns(5)
    for i, name in enumerate(FIELDS):
        options = [none, *headers]
        current = guessed.get(name)
        choice = cols[i % 5].selectbox(f"{name} ({HEADER_ALIASES[name][0]})", options,
                                       index=options.index(current) if current in options else 0,
                                       key=f"gw_map_{name}")
        if choice != none and choice != current:
            overrides[name] = choice
    crs = st.selectbox(t("coord_system", lang), list(CRS_CHOICES), format_func=CRS_CHOICES.__getitem__,
                       key="gw_crs")

if (ledger_file is not None or grids_file is not None) and st.button(t("run_import", lang), type="primary"):
    progress = st.progress(0, text=t("importing", lang))
    try:
        if grids_file is not None:
            grid_path = store_upload(ws, grids_file.name, grids_file.getvalue())
            grid_result = import_grids(ws, grid_path)
            st.session_state["gw_grid_report"] = asdict(grid_result)
            progress.progress(40, text=t("step_grids", lang))
        if saved is not None:
            progress.progress(50, text=t("step_saved", lang))
            summary = import_ledger(ws, saved, mapping=LedgerMapping(columns=overrides, crs=crs),
                                    source_name=ledger_file.name if ledger_file else None)
            st.session_state["gw_last_import"] = asdict(summary)
        progress.progress(100, text=t("step_done", lang))
    except Exception as exc:  # any failure is one line on the page; the store published nothing
        progress.empty()
        st.error(t("import_failed", lang, error=plain(one_line(exc))))
    else:
        st.rerun()  # the sidebar and navigation were drawn before the import: redraw them

report = st.session_state.get("gw_grid_report")
if report:
    st.info(t("grid_report", lang, n=report["grids"], repaired=len(report["repaired"]),
              overlaps=len(report["overlaps"]), gaps=report["gaps"]))
last = st.session_state.get("gw_last_import")
if last:
    keys = ("read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points")
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(t(f"summary_{key}", lang), f"{last[key]:,}")
    if last["swapped_coordinates"]:
        st.info(t("swapped_note", lang, n=last["swapped_coordinates"]))
    if last["likely_double_submissions"]:
        st.info(t("double_note", lang, n=last["likely_double_submissions"]))
    if last.get("photos_without_links") and not photo_base():
        st.info(t("photos_note", lang, n=last["photos_without_links"]))
    if last["unmapped_categories"]:
        # Raw ledger labels: escaped so a label cannot turn into a link or an image in the message.
        labels = "、".join(f"{plain(k)}（{v}）" for k, v in last["unmapped_categories"].items())
        st.warning(t("unmapped_categories", lang, labels=labels))
    data = ws.rejects(last["rejects_ref"]) if last.get("rejects_ref") else None
    if data is not None:
        rejects = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        st.download_button(t("download_rejects", lang), data=to_safe_csv(rejects),
                           file_name=last["rejects_ref"], mime="text/csv")

history = ws.imports()
if history:
    st.subheader(t("history", lang))
    frame = pd.DataFrame(history)
    counts = [c for c in ("read", "imported", "updated", "rejected", "duplicates", "outside_grids", "suspect_points")
              if c in frame.columns]
    table = pd.DataFrame({
        t("history_generation", lang): frame.get("generation", pd.Series(range(1, len(frame) + 1))).to_numpy(),
        t("history_at", lang): pd.to_datetime(frame["at"], format="%Y%m%dT%H%M%S", errors="coerce").to_numpy(),
        t("history_kind", lang): frame.get("kind", pd.Series(["ledger"] * len(frame)))
        .fillna("ledger").map(lambda k: t(f"kind_{k}", lang)).to_numpy(),
        t("history_source", lang): frame["source"].astype("string").to_numpy(),
        # A grid import has no outside/suspect counts: a dash, not "None".
        **{t(f"summary_{c}", lang): frame[c].map(lambda v: "—" if pd.isna(v) else f"{int(v):,}").to_numpy()
           for c in counts},
    })
    st.dataframe(table.iloc[::-1], hide_index=True, width="stretch",
                 column_config={t("history_at", lang): datetime_column(t("history_at", lang), lang)})
