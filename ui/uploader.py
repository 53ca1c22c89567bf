"""Streamlit 1.67's file uploader has its own English texts ("Upload", "200MB per file • CSV, …") and no
parameter to change them. In Chinese, CSS replaces them: the original text is set to size 0 and the
Chinese one is drawn in its place (::after), so the button and the drop zone read in the page's language."""

from __future__ import annotations

import streamlit as st

from ui.i18n import lang, t


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def localise_uploader(types: list[str]) -> None:
    """Call once on a page with a file uploader; does nothing in English (the uploader's own language)."""
    if lang() != "zh":
        return
    max_mb = int(st.get_option("server.maxUploadSize"))
    button = t("uploader_button")
    hint = t("uploader_hint", mb=max_mb, types="、".join(x.upper() for x in types))
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
  content: {_css_string(button)}; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {_css_string(hint)}; font-size: 0.875rem; }}
</style>""")
