"""Settings: factors, targets, national averages, KPI targets, PV and anomaly settings. Admins only.

An edit changes one value (or its source or valid years) of one row; it is kept with who and when and
can be undone. The edit bumps the data version, so every page shows the new value at once.
"""

from __future__ import annotations

import json

import streamlit as st

from etl.pv import project
from etl.store import reference
from etl.store.db import DatabaseBusy, connect
from ui.auth import require_role
from ui.frame import inside_dashboard
from ui.i18n import t

inside_dashboard()
me = require_role("admin")

st.title(t("mv_settings_title"))
st.caption(t("mv_settings_intro"))
flash = st.session_state.pop("settings_message", None)
if flash:
    (st.success if flash[0] != "mv_refused" else st.error)(t(flash[0], **flash[1]))

with connect() as con:
    tables = {name: reference.table(con, name) for name in reference.REF_TABLES}
    history = reference.edits(con)


def _label(name: str, row) -> str:
    spec = reference.REF_TABLES[name]
    return " · ".join(str(row[k]) for k in spec.key)


def _save(name: str) -> None:
    ss = st.session_state
    spec = reference.REF_TABLES[name]
    row = tables[name].iloc[ss[f"set_row_{name}"]]
    key = {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in spec.key}
    column = ss[f"set_col_{name}"]
    try:
        with connect() as con:
            edit_id = reference.edit(con, name, key, {column: ss[f"set_val_{name}"]}, by=me)
            if name == "ref_settings" and key.get("scope") == "pv" and project.refresh_needed(con):
                project.run_model(con)  # a model setting changed: the expected output follows now
        ss["settings_message"] = ("mv_saved", {"edit_id": edit_id})
    except reference.EditError as exc:
        ss["settings_message"] = ("mv_refused", {"reason": str(exc)})
    except DatabaseBusy:
        ss["settings_message"] = ("mv_refused", {"reason": t("db_busy")})


def _undo() -> None:
    ss = st.session_state
    edit_id = ss.get("set_undo")
    if edit_id is None:
        return
    try:
        with connect() as con:
            reference.undo(con, int(edit_id), by=me)
        ss["settings_message"] = ("mv_undone", {"edit_id": edit_id})
    except reference.EditError as exc:
        ss["settings_message"] = ("mv_refused", {"reason": str(exc)})
    except DatabaseBusy:
        ss["settings_message"] = ("mv_refused", {"reason": t("db_busy")})


names = list(reference.REF_TABLES)
for tab, name in zip(st.tabs([t(f"mv_tab_{n}") for n in names]), names, strict=True):
    with tab:
        df = tables[name]
        st.dataframe(df, hide_index=True, width="stretch")
        spec = reference.REF_TABLES[name]
        with st.form(f"set_form_{name}", border=True):
            st.subheader(t("mv_edit_head"))
            c = st.columns([2, 1, 2])
            labels = [_label(name, r) for _, r in df.iterrows()]
            c[0].selectbox(t("mv_row"), range(len(df)), key=f"set_row_{name}", format_func=labels.__getitem__)
            # labels looked up now: format_func may run outside the script, where the language is unknown
            col_labels = {col: t(f"mv_col_{col}") for col in spec.editable}
            c[1].selectbox(t("mv_column"), spec.editable, key=f"set_col_{name}", format_func=col_labels.__getitem__)
            c[2].text_input(t("mv_new_value"), key=f"set_val_{name}")
            st.form_submit_button(t("mv_save"), on_click=_save, args=(name,))

st.subheader(t("mv_history"))
if history.empty:
    st.info(t("mv_no_edits"))
else:
    shown = history.assign(before=history["before"].map(lambda s: json.dumps(json.loads(s), ensure_ascii=False)))
    st.dataframe(shown, hide_index=True, width="stretch")
    live = history.loc[history["undone_at"].isna(), "edit_id"].tolist()
    if live:
        with st.form("set_undo_form", border=False):
            st.selectbox(t("mv_undo_pick"), live, key="set_undo")
            st.form_submit_button(t("mv_undo"), on_click=_undo)
