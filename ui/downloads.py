"""Table downloads (CSV and XLSX), in one place.

Until etl/exports.py (to_csv_bytes / to_xlsx_bytes with formula neutralisation, from the upload/auth
work) is merged, the two functions below are a minimal stand-in with the same signatures: swap the
bodies for `from etl.exports import to_csv_bytes, to_xlsx_bytes` and every page follows.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and _FORMULA.match(v) else v)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel on Chinese Windows opens it correctly."""
    return _neutralise(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in sheets.items():
            _neutralise(df).to_excel(xl, sheet_name=name[:31], index=False)
    return buf.getvalue()


def download_buttons(df: pd.DataFrame, name: str, key: str, labels: tuple[str, str] = ("CSV", "XLSX")) -> None:
    """Two buttons, CSV and XLSX, for a table as shown (column labels included). The files are made
    only when a button is clicked (deferred data), so a redraw does not pay for them."""
    c1, c2, _ = st.columns([1, 1, 8])
    c1.download_button(labels[0], lambda: to_csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                       key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    c2.download_button(labels[1], lambda: to_xlsx_bytes({name: df}), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")
