"""Table downloads (CSV and XLSX) for the pages, through etl/reports/exports.py (formula cells neutralised)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl.reports.exports import to_csv_bytes, to_xlsx_bytes


def download_buttons(df: pd.DataFrame, name: str, key: str, labels: tuple[str, str] = ("CSV", "XLSX")) -> None:
    """Two buttons, CSV and XLSX, for a table as shown (column labels included). The files are made
    only when a button is clicked (deferred data), so a redraw does not pay for them."""
    c1, c2, _ = st.columns([1, 1, 8])
    c1.download_button(labels[0], lambda: to_csv_bytes(df), file_name=f"{name}.csv", mime="text/csv",
                       key=f"{key}_csv", icon=":material/download:", on_click="ignore")
    c2.download_button(labels[1], lambda: to_xlsx_bytes({name: df}), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", icon=":material/download:", on_click="ignore")
