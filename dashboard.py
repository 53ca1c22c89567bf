"""Entry point: navigation, language switch, demo banner, first-start database build."""

from __future__ import annotations

import os
import threading

import streamlit as st

from etl.metrics import figures
from etl.store import db as store_db
from etl.store.db import connect, db_path
from ui.auth import can_write, current_role, sidebar_login
from ui.errors import show_error, wait_notice
from ui.format import escape_md
from ui.i18n import LANGS, lang, t
from ui.site import county
from ui.warmup import start as start_warmup

st.set_page_config(page_title="公共机构能源资源分析", page_icon="⚡", layout="wide")

_build_lock = threading.Lock()
store_db.hold_for_dashboard(wait_notice)  # one instance per process, a cursor per query; waits said in words
start_warmup()  # once per server process: the public pages' queries computed when the data version moves


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
        store_db.close_all()  # the build's instance holds a write-ahead log until closed
        tmp.replace(db_path())
        bar.empty()
        st.toast(t("db_built"))


def sidebar() -> None:
    lang()
    with st.sidebar:
        st.markdown(f"**{escape_md(t('county_centre', county=county()))}**")
        st.radio(t("language"), LANGS, key="lang", horizontal=True,
                 format_func=lambda code: {"zh": "中文", "en": "English"}[code])


sidebar()
sidebar_login()
# long (English) metric labels wrap instead of being cut off with "…"
st.html("<style>[data-testid='stMetricLabel'] p { white-space: normal !important; overflow-wrap: anywhere; }"
        "[data-testid='stMetricLabel'] { height: auto !important; }</style>")
# Navigation first, so the sidebar never shows Streamlit's automatic pages/ list, even during a first build.


def _start() -> None:
    """The app's root address opens the overview at its own address, /overview (language kept)."""
    st.switch_page(overview, query_params=dict(st.query_params))


# The default page is always served at "/", whatever its url_path: a hidden start page takes "/" and
# hands over to the overview, so /overview answers and the sidebar marks the page the reader is on.
overview = st.Page("pages/overview.py", title=t("page_overview"), icon=":material/dashboard:", url_path="overview")
pages = [st.Page(_start, title=t("page_overview"), url_path="start", default=True, visibility="hidden"), overview]
pages += [st.Page("pages/energy.py", title=t("page_energy"), icon=":material/bolt:", url_path="energy"),
          st.Page("pages/kpi.py", title=t("page_kpi"), icon=":material/flag:", url_path="kpi"),
          st.Page("pages/pv.py", title=t("page_pv"), icon=":material/solar_power:", url_path="pv"),
          st.Page("pages/certification.py", title=t("page_cert"), icon=":material/verified:", url_path="certification")]
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
except Exception as exc:  # noqa: BLE001 - a sentence and an error id, never a traceback (st.stop/rerun pass)
    show_error(exc)
    if os.environ.get("ENERGY_APP_RAISE"):  # tests: let AppTest see the exception as well
        raise
