"""What every page needs: cached queries keyed by data version, number formats."""

from __future__ import annotations

import hashlib
import importlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
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


# ------------------------------------------------------------------ figures shared by the sessions

FIGURES_KEPT = 256  # figures kept in a process (a few hundred KB each at most)
_figures: OrderedDict[tuple, Any] = OrderedDict()
_figures_lock = threading.Lock()


def _digest(value: Any) -> str:
    """A digest of a chart's input: frames and series by their values, index, columns and types."""
    h = hashlib.blake2b(digest_size=16)
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = isinstance(value, pd.DataFrame)
        h.update(repr((type(value).__name__, list(value.columns) if frame else [value.name],
                       [str(d) for d in (value.dtypes if frame else [value.dtype])], value.shape)).encode())
        if len(value):
            try:
                h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
            except TypeError:  # unhashable cells (lists): their text
                h.update(value.to_json(date_format="iso", default_handler=str).encode())
    elif isinstance(value, np.ndarray):
        h.update(repr((value.dtype.str, value.shape)).encode() + value.tobytes())
    elif isinstance(value, list | tuple) and all(isinstance(v, str | int | float | None) for v in value):
        h.update(repr(value).encode())
    elif isinstance(value, list | tuple):
        for v in value:
            h.update(_digest(v).encode())
    else:
        h.update(repr((type(value).__name__, value)).encode())
    return h.hexdigest()


def chart(build: Callable[..., Any], *inputs: Any) -> Any:
    """build(*inputs): a plotly figure, made once per inputs and language in this process and shared by the
    sessions that show it (issue 14: plotly spends 50-150 ms of Python building and validating a figure,
    and ten sessions showing the same charts queued on that work; st.plotly_chart only reads the figure).

    build must be a function of its inputs and the language only (texts through t()), and make the
    figure whole: nothing may change it afterwards. Inputs are keyed by their values (frames hashed)."""
    from ui.i18n import lang

    code = build.__code__
    key = (code.co_filename, code.co_firstlineno, build.__qualname__, lang(), _digest(list(inputs)))
    with _figures_lock:
        if key in _figures:
            _figures.move_to_end(key)
            return _figures[key]
    fig = build(*inputs)
    with _figures_lock:
        _figures[key] = fig
        while len(_figures) > FIGURES_KEPT:
            _figures.popitem(last=False)
    return fig


def fmt_num(value: float | None, digits: int = 0) -> str:
    """Kept for the pages' imports; the one formatter is ui.format.num."""
    return fmt.num(value, digits)


def fmt_pct(value: float | None, digits: int = 1) -> str | None:
    """A signed percentage, or None when there is nothing to show (ui.format.pct; never "-0.0%")."""
    return None if value is None or pd.isna(value) else fmt.pct(value, digits)
