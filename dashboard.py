"""Entry point: navigation, language switch, demo banner, first-start database build."""

from __future__ import annotations

import os
import threading

import streamlit as st

from etl.metrics import figures
from etl.store.db import DatabaseBusy, connect, db_path
from ui.auth import can_write, current_role, sidebar_login
from ui.i18n import LANGS, lang, t

st.set_page_config(page_title="公共机构能源资源分析", page_icon="⚡", layout="wide")

_build_lock = threading.Lock()


def ensure_database() -> None:
    """A user who starts the app with no database sees it built, not an error."""
    if db_path().exists():
        return
    with _build_lock:
        if db_path().exists():
            return
        from etl.demo import dataset

        bar = st.progress(0.0, text=t("db_building"))

        def progress(frac: float, _step: str) -> None:
            frac = min(max(frac, 0.0), 1.0)
            bar.progress(frac, text=f"{t('db_building')} {frac:.0%}")

        tmp = db_path().with_suffix(".building.duckdb")
        tmp.unlink(missing_ok=True)
        dataset.build(tmp, progress=progress)
        tmp.replace(db_path())
        bar.empty()
        st.toast(t("db_built"))


def sidebar() -> None:
    lang()
    with st.sidebar:
        county = os.environ.get("COUNTY_NAME") or t("county_default")
        st.markdown(f"**{t('county_centre', county=county)}**")
        st.radio(t("language"), LANGS, key="lang", horizontal=True,
                 format_func=lambda code: {"zh": "中文", "en": "English"}[code])


sidebar()
sidebar_login()
# Navigation first, so the sidebar never shows Streamlit's automatic pages/ list, even during a first build.
pages = [st.Page("pages/overview.py", title=t("page_overview"), icon=":material/dashboard:", url_path="overview",
                 default=True)]
pages += [st.Page("pages/energy.py", title=t("page_energy"), icon=":material/bolt:", url_path="energy"),
          st.Page("pages/kpi.py", title=t("page_kpi"), icon=":material/flag:", url_path="kpi"),
          st.Page("pages/pv.py", title=t("page_pv"), icon=":material/solar_power:", url_path="pv")]
pages.append(st.Page("pages/fleet.py", title=t("page_fleet"), icon=":material/directions_car:", url_path="fleet"))
# Writing pages exist in the navigation only for officers and admins: a visitor can neither see
# them listed nor open them by URL (each page checks the role again itself).
if can_write():
    pages += [st.Page("pages/upload.py", title=t("page_upload"), icon=":material/upload_file:", url_path="upload"),
              st.Page("pages/batches.py", title=t("page_batches"), icon=":material/history:", url_path="batches")]
if current_role() == "admin":
    pages.append(st.Page("pages/users.py", title=t("page_users"), icon=":material/group:", url_path="users"))
    pages.append(st.Page("pages/settings.py", title=t("page_settings"), icon=":material/tune:", url_path="settings"))
page = st.navigation(pages)
try:
    ensure_database()
    with connect() as con:
        demo = figures.is_demo(con)
    if demo:
        st.warning(t("demo_banner"), icon=":material/science:")
    page.run()
except DatabaseBusy:
    st.error(t("db_busy"))
