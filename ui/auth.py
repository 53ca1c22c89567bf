"""Who is logged in, the sidebar login form, and the role check every writing page repeats.

The session keeps only the user's name and role (`auth_user`, `auth_role`), never the password.
Pages that write call `require_role(...)` right after `inside_dashboard()`: dashboard.py leaves
them out of the navigation for visitors, and the check in the page itself is the second line
of defence (Streamlit's old pages/ mode could otherwise run a page file by URL).
"""

from __future__ import annotations

import streamlit as st

from etl.store import users
from etl.store.db import connect
from ui.i18n import t
from ui.safe import md


def current_user() -> str | None:
    return st.session_state.get("auth_user")


def current_role() -> str:
    return st.session_state.get("auth_role") or "visitor"


def can_write() -> bool:
    return current_role() in users.WRITER_ROLES


def require_role(*roles: str) -> str:
    """Stop the page with a sentence unless the session's role is one of roles. Returns the user name."""
    if current_role() not in roles or not current_user():
        st.warning(t("need_admin") if roles == ("admin",) else t("need_officer"), icon=":material/lock:")
        st.stop()
    return current_user()


def _log_in() -> None:
    name = st.session_state.get("login_name", "").strip()
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""  # never kept in the session longer than the check
    if not name or not password:
        st.session_state["login_message"] = ("login_failed", {})
        return
    with connect() as con:
        result = users.check_login(con, name, password)
    if result.ok:
        st.session_state["auth_user"], st.session_state["auth_role"] = name, result.role
        st.session_state.pop("login_message", None)
    elif result.wait_s:
        st.session_state["login_message"] = ("login_wait", {"seconds": result.wait_s})
    else:
        st.session_state["login_message"] = ("login_failed", {})


def _log_out() -> None:
    for key in ("auth_user", "auth_role", "upload_prepared"):
        st.session_state.pop(key, None)


def sidebar_login() -> None:
    """Login form for visitors, name and logout button for logged-in users."""
    with st.sidebar:
        if current_user():
            st.caption(t("login_as", name=md(current_user()), role=t(f"role_{current_role()}")))
            st.button(t("logout_button"), on_click=_log_out, key="logout")
            return
        with st.expander(t("login_title"), icon=":material/login:"):
            with st.form("login_form", clear_on_submit=False, border=False):
                st.text_input(t("login_name"), key="login_name")
                st.text_input(t("login_password"), type="password", key="login_password")
                st.form_submit_button(t("login_button"), on_click=_log_in)
            msg = st.session_state.get("login_message")
            if msg:
                st.error(t(msg[0], **msg[1]))
        st.caption(t("visitor_note"))
