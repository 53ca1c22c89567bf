"""Batch history (file, kind, rows, period, who, when) with undo. Officers and admins only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from etl.ingest import loader
from etl.ingest.kinds import KINDS
from etl.ingest.messages import text_of
from etl.pv import project
from etl.reports.exports import to_csv_bytes
from etl.store.db import connect
from ui.auth import require_role
from ui.common import query
from ui.frame import inside_dashboard
from ui.i18n import lang, t
from ui.safe import md

inside_dashboard()
user = require_role("officer", "admin")

st.title(t("batches_title"))
flash = st.session_state.pop("undo_message", None)
if flash:
    values = {k: md(text_of(v, lang()) if k == "reason" else v) for k, v in flash[1].items()}  # the loader's refusal
    (st.success if flash[0] == "undone" else st.error)(t(flash[0], **values))

history = query(loader.batches)
if history.empty:
    st.info(t("no_batches"))
    st.stop()

labels = {"batch_id": t("b_batch"), "kind": t("b_kind"), "file_name": t("b_file"), "rows_loaded": t("b_rows"),
          "rows_replaced": t("b_replaced"), "period_start": t("b_from"), "period_end": t("b_to"),
          "loaded_by": t("b_by"), "loaded_at": t("b_at"), "status": t("b_status"), "undone_by": t("b_undone_by")}
kinds = {k: (s.label_en if lang() == "en" else s.label_zh) for k, s in KINDS.items()}
shown = history.drop(columns=["undone_at"]).assign(status=history["status"].map(lambda s: t(f"status_{s}")),
                                                   kind=history["kind"].map(lambda k: kinds.get(k, k)),
                                                   file_name=history["file_name"].map(lambda f: Path(f).name))
# an empty cell reads "—", never the grid's "None" (registries have no period; most loads are not undone)
for col in ("period_start", "period_end"):
    shown[col] = pd.to_datetime(shown[col]).dt.strftime("%Y-%m-%d").fillna("—")
shown["undone_by"] = shown["undone_by"].fillna("—")
shown = shown.rename(columns=labels).fillna("—")
st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(t("history_csv"), to_csv_bytes(shown), file_name="load_batches.csv", mime="text/csv")

st.subheader(t("undo_title"))
st.caption(t("undo_rule"))
loaded = history.loc[history["status"] == "loaded"]
if loaded.empty:
    st.stop()
names = dict(zip(loaded["batch_id"], loaded["file_name"].map(lambda f: Path(f).name), strict=True))  # no server paths
batch = st.selectbox(t("undo_pick"), list(names), format_func=lambda b: f"{b} · {names[b]}", key="undo_batch")
sure = st.checkbox(t("undo_confirm"), key="undo_confirm")


def undo_batch() -> None:
    batch = int(st.session_state["undo_batch"])
    try:
        with connect() as con:
            loader.undo(con, batch, user)
            project.refresh_if_needed(con)  # undoing a PV, site or weather file changes the expected output
        st.session_state["undo_message"] = ("undone", {"batch": batch})
    except ValueError as exc:
        st.session_state["undo_message"] = ("undo_refused", {"reason": getattr(exc, "msg", None) or str(exc)})
    st.session_state.pop("upload_prepared", None)
    st.session_state["undo_confirm"] = False


# a callback, so the undo happens once, before the page is drawn again
st.button(t("undo_button"), disabled=not sure, key="undo_button", on_click=undo_batch)
