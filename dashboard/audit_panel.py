"""The 数据 page's audit trail (every change: who, when, which file and its SHA-256) and, for an
admin, the undo of an import."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard.components.tables import table_height
from dashboard.components.text import plain
from dashboard.data import DataSource, request_answers
from dashboard.errors import explain
from dashboard.i18n import datetime_column, t
from dashboard.shell import PageContext
from geo.admin.audit import audit_table, check_trail
from geo.admin.undo import in_effect, plan_undo, undo_import
from geo.csv_guard import to_safe_csv
from geo.ingest.imports import workspace_zone
from geo.store import IssueStore


def _kind(value: object, lang: str) -> str:
    return t(f"kind_{value}", lang) if isinstance(value, str) and value else t("kind_ledger", lang)  # type: ignore[arg-type]


def show_audit(ctx: PageContext, store: IssueStore) -> None:
    """The trail, newest first, with a CSV download; the undo control when the person is an admin."""
    lang = ctx.lang
    log = store.imports()  # read once per rerun: the trail and the undo choices come from it
    trail = audit_table(log)
    if trail.empty:
        return
    st.subheader(t("audit_title", lang))
    check = check_trail(log)
    if check.holds and not check.sealed:  # a workspace older than the chain
        st.caption(t("audit_chain_none", lang, n=check.unchained))
    elif check.holds:
        st.caption(t("audit_chain_holds", lang, n=check.sealed, head=check.head[:12]) +
                   (t("audit_chain_before", lang, n=check.unchained) if check.unchained else ""))
    else:  # the records' own wording is for the CLI's JSON; the page says it plainly
        st.error(t("audit_chain_broken", lang, n=len(check.problems)))
    counts = ("read", "imported", "updated", "rejected", "duplicates")
    # Logged in UTC; read in the workspace's own zone, named, like every other time on the pages.
    zone = workspace_zone(store)
    at_label = t("history_at", lang, zone=zone)
    local = pd.to_datetime(trail["at"], errors="coerce").dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    shown = pd.DataFrame({
        t("history_generation", lang): trail["generation"].to_numpy(),
        at_label: local.to_numpy(),
        t("history_kind", lang): [_kind(k, lang) for k in trail["kind"]],
        t("audit_actor", lang): trail["actor"].astype("string").to_numpy(),
        t("audit_role", lang): [t(f"role_{r}", lang) if r in ("viewer", "clerk", "admin") else "—"
                                for r in trail["role"]],
        t("history_source", lang): trail["source"].astype("string").fillna("").to_numpy(),
        t("audit_sha", lang): trail["sha256"].astype("string").str.slice(0, 12).to_numpy(),
        **{t(f"summary_{c}", lang): trail[c].to_numpy() for c in counts},
    })
    st.dataframe(shown, hide_index=True, width="stretch", height=table_height(len(shown)),
                 column_config={at_label: datetime_column(at_label, lang),
                                **{t(f"summary_{c}", lang): st.column_config.NumberColumn(format="localized")
                                   for c in counts}})
    st.download_button(t("audit_download", lang), data=to_safe_csv(trail), file_name="audit_trail.csv",
                       mime="text/csv", key="gw_audit_download")
    if ctx.actor.may("undo"):
        _undo(ctx, store, log)


def _undo(ctx: PageContext, store: IssueStore, log: list[dict[str, Any]]) -> None:
    lang = ctx.lang
    done = st.session_state.pop("gw_undo_done", None)
    if done:
        st.success(t("undo_done", lang, g=done["undoes"], before=done["issues_before"], after=done["issues_after"]))
    candidates = in_effect(log)
    if not candidates:
        return
    st.subheader(t("undo_title", lang))
    # Option labels are plain text (a select box renders no markdown): no escaping here.
    labels = {int(r["generation"]): t("undo_option", lang, g=int(r["generation"]), kind=_kind(r.get("kind"), lang),
                                      source=str(r.get("source") or "—"), actor=str(r.get("actor") or "—"))
              for r in candidates}
    generation = st.selectbox(t("undo_pick", lang), list(labels), format_func=lambda g: labels[g], key="gw_undo_pick")
    plan = plan_undo(log, int(generation))
    later = [r for r in plan.undoes if int(r.get("generation", 0)) != plan.generation]
    listed = "、".join(plain(f"{_kind(r.get('kind'), lang)} {r.get('source') or ''}".strip()) for r in later) or "—"
    st.warning(t("undo_warn", lang, restores=plan.restores, n=len(later), list=listed) if later
               else t("undo_warn_only", lang, restores=plan.restores))
    confirmed = st.checkbox(t("undo_confirm", lang), key=f"gw_undo_confirm_{generation}")
    if st.button(t("undo_button", lang), type="primary", disabled=not confirmed, key="gw_undo_run"):
        try:
            record = undo_import(store, int(generation), actor=ctx.actor)
        except Exception as exc:  # one sentence; nothing was changed
            st.error(plain(explain(exc, lang)[0]))
        else:
            request_answers(DataSource(ctx.source.workspace, store.generation()))
            st.session_state["gw_undo_done"] = record
            st.rerun()
