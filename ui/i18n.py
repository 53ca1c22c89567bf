"""The one translation helper. Chinese is the default; English is complete.

Every user-facing string is a key here with both languages. A test checks that
every key used in dashboard.py and pages/ exists and has both texts.
"""

from __future__ import annotations

import streamlit as st

from ui import text_common, text_energy, text_kpi, text_loader_pv, text_pv, text_upload

LANGS = ("zh", "en")

# Each area of the app keeps its texts in a module of its own (ui/text_*.py): key -> (zh, en).
TEXT: dict[str, tuple[str, str]] = {}
for _module in (text_common, text_upload, text_energy, text_pv, text_kpi, text_loader_pv):
    _dupes = set(TEXT) & set(_module.TEXT)
    assert not _dupes, f"text keys defined twice: {_dupes}"
    TEXT.update(_module.TEXT)


def lang() -> str:
    """The session's language: ?lang= in the URL, else the switch, else Chinese."""
    if "lang" not in st.session_state:
        q = st.query_params.get("lang")
        st.session_state["lang"] = q if q in LANGS else "zh"
    return st.session_state["lang"]


def t(key: str, **kwargs) -> str:
    zh, en = TEXT[key]
    text = en if lang() == "en" else zh
    return text.format(**kwargs) if kwargs else text
