"""Every page runs inside dashboard.py (language, login, banner, navigation), never on its own.

Streamlit still knows the old multipage mode: while no session has called
st.navigation yet, a URL such as /overview runs pages/overview.py directly,
without the dashboard around it (and without its access checks). Each page
calls `inside_dashboard()` first; in that mode it switches Streamlit to the
st.navigation mode and reruns, so the dashboard script handles the URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def inside_dashboard() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
