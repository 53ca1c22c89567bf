"""User admin: who may upload. Admins only."""

from __future__ import annotations

import streamlit as st

from etl.store import users
from etl.store.db import connect
from ui.auth import require_role
from ui.frame import inside_dashboard
from ui.i18n import t
from ui.safe import md

inside_dashboard()
me = require_role("admin")

st.title(t("users_title"))
st.caption(t("u_cli_note"))
flash = st.session_state.pop("users_message", None)
if flash:
    (st.success if flash[0] != "u_error" else st.error)(t(flash[0], **{k: md(v) for k, v in flash[1].items()}))

with connect() as con:
    table = users.list_users(con)
labels = {"name": t("u_name"), "role": t("u_role"), "active": t("u_active"), "created_by": t("u_created_by"),
          "created_at": t("u_created_at"), "last_login_at": t("u_last_login"), "failed_logins": t("u_failed")}
st.dataframe(table.assign(role=table["role"].map(lambda r: t(f"role_{r}"))).rename(columns=labels),
             hide_index=True, width="stretch")


def run(action, done_key: str, **kwargs) -> None:
    try:
        with connect() as con:
            action(con)
        st.session_state["users_message"] = (done_key, kwargs)
    except users.UserError as exc:
        st.session_state["users_message"] = ("u_error", {"reason": str(exc)})


def add() -> None:
    ss = st.session_state
    run(lambda con: users.add_user(con, ss["new_name"], ss["new_role"], ss["new_password"], created_by=me),
        "u_added", name=ss["new_name"])


def disable() -> None:
    who = st.session_state.get("disable_name")
    if who:
        run(lambda con: users.set_active(con, who, False, by=me), "u_disabled", name=who)


# callbacks: the change happens once, before the page is drawn again with the new table
c1, c2 = st.columns(2)
with c1.form("add_user", clear_on_submit=True):
    st.subheader(t("u_add"))
    st.text_input(t("u_name"), key="new_name")
    st.selectbox(t("u_role"), ["officer", "admin"], key="new_role",
                 format_func={"officer": t("role_officer"), "admin": t("role_admin")}.get)
    st.text_input(t("u_password"), type="password", key="new_password")
    st.form_submit_button(t("u_add_button"), on_click=add)
active = table.loc[table["active"], "name"].tolist()
with c2.form("disable_user"):
    st.subheader(t("u_disable"))
    st.selectbox(t("u_name"), active, key="disable_name")
    st.form_submit_button(t("u_disable_button"), on_click=disable)
