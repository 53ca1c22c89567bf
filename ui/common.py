"""What every page needs: cached queries keyed by data version, number formats."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from etl import metrics
from etl.db import connect, db_path


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version: str, module: str, name: str, args: tuple):
    fn = getattr(importlib.import_module(module), name)
    with connect(path) as con:
        return fn(con, *args)


def query(fn: Callable, *args):
    """Run a query function of etl.metrics (or another etl module), cached until the data changes."""
    path = str(db_path())
    with connect(path) as con:
        version = metrics.data_version(con)
    return _cached(path, version, fn.__module__, fn.__name__, args)


def fmt_num(value: float | None, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str | None:
    if value is None or pd.isna(value):
        return None
    return f"{value:+.{digits}f}%"
