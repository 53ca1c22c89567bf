"""The one translation helper. Chinese is the default; English is complete.

Every user-facing string is a key here with both languages. A test checks that
every key used in dashboard.py and pages/ exists and has both texts.
"""

from __future__ import annotations

import importlib
import pkgutil

import streamlit as st

import ui
from etl.ingest.messages import msg

LANGS = ("zh", "en")

# Each area of the app keeps its texts in a module of its own (ui/text_*.py): key -> (zh, en).
TEXT: dict[str, tuple[str, str]] = {}
# Every ui/text_<area>.py module is found by name, so a new area needs no edit here.
_TEXT_MODULES = sorted(m.name for m in pkgutil.iter_modules(ui.__path__) if m.name.startswith("text_"))
for _name in _TEXT_MODULES:
    _module = importlib.import_module(f"ui.{_name}")
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


def word(code: str, **params) -> str:
    """A code of the etl catalogue (etl/ingest/messages.py: problems, statuses) in the session's language."""
    return msg(code, **params).render(lang())


# a mark in front of a status (not a word: the same in both languages); targets, then changes without a target
STATUS_MARK = {"on_track": "✓", "met": "✓", "at_risk": "△", "off_track": "✗", "not_met": "✗",
               "better": "✓", "worse": "✗", "unchanged": "—"}


def status_badge(status: str | None) -> str:
    """A status as the pages show it: mark and the catalogue's words (kpi_status_<status>); "no data" for none."""
    if status not in STATUS_MARK:
        return t("status_none")
    return f"{STATUS_MARK[status]} {word(f'kpi_status_{status}')}"
