"""What every page needs: cached queries keyed by data version, number formats."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from etl.metrics import figures
from etl.store.db import connect, db_path, quiet
from ui import format as fmt


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version: str, module: str, name: str, args: tuple):
    fn = getattr(importlib.import_module(module), name)
    with connect(path) as con:
        return fn(con, *args)


@st.cache_data(show_spinner=False, max_entries=64)
def _version(path: str, stamp: tuple) -> str:
    with connect(path) as con:
        return figures.data_version(con)


def _stamp(path: str) -> tuple:
    """Modification time and size of the database file and its WAL: every load changes one of them.
    Opening the database to read the data version costs ~0.1 s a call; a stat costs microseconds."""
    out = []
    for f in (Path(path), Path(path + ".wal")):
        try:
            st_ = f.stat()
            out.append((st_.st_mtime_ns, st_.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def query(fn: Callable, *args):
    """Run a query function of etl.metrics.figures (or another etl module), cached until the data changes.

    The data version is read from the database only when the database file has changed since."""
    path = str(db_path())
    with quiet():  # a wait inside a cached function says nothing: Streamlit would replay the notice
        version = _version(path, _stamp(path))
        return _cached(path, version, fn.__module__, fn.__name__, args)


def fmt_num(value: float | None, digits: int = 0) -> str:
    """Kept for the pages' imports; the one formatter is ui.format.num."""
    return fmt.num(value, digits)


def fmt_pct(value: float | None, digits: int = 1) -> str | None:
    """A signed percentage, or None when there is nothing to show (ui.format.pct; never "-0.0%")."""
    return None if value is None or pd.isna(value) else fmt.pct(value, digits)
