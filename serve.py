"""The dashboard as Streamlit serves it, with the warm-up started when the server starts (issue 14).

    streamlit run serve.py       (make run)

`streamlit run dashboard.py` works as well; there the warm-up thread (ui/warmup.py) starts with the first
visitor's session instead, so the first visitors wait for the cold queries themselves.
"""

from __future__ import annotations

import contextlib

import streamlit as st


@contextlib.asynccontextmanager
async def lifespan(_app):
    # imported here, not above: the app's modules are loaded once the server's runtime exists
    from ui import warmup

    if warmup.settings().get("enabled", 0) >= 1:  # data/warmup_settings.csv
        warmup.start(force=True, wait_for_runtime=True)  # before the first visitor, for the data as it is
    yield


app = st.App("dashboard.py", lifespan=lifespan)
