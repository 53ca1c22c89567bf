"""Entry point: navigation, language switch, demo banner, first-start database build."""

from __future__ import annotations

import os
import threading

import streamlit as st

from etl import metrics
from etl.db import DatabaseBusy, connect, db_path
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
        from etl import demo

        bar = st.progress(0.0, text=t("db_building"))

        def progress(frac: float, msg: str) -> None:
            bar.progress(min(max(frac, 0.0), 1.0), text=f"{t('db_building')} {msg}")

        tmp = db_path().with_suffix(".building.duckdb")
        tmp.unlink(missing_ok=True)
        demo.build(tmp, progress=progress)
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
try:
    ensure_database()
    with connect() as con:
        demo = metrics.is_demo(con)
    if demo:
        st.warning(t("demo_banner"), icon=":material/science:")
    pages = [st.Page("pages/overview.py", title=t("page_overview"), icon="📊", url_path="overview", default=True),
             st.Page("pages/energy.py", title=t("page_energy"), icon=":material/bolt:", url_path="energy")]
    st.navigation(pages).run()
except DatabaseBusy:
    st.error(t("db_busy"))
