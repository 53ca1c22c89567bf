"""Downloads (CSV, XLSX) that cannot run as spreadsheet formulas.

A cell that begins with =, +, -, @ (or a tab / carriage return followed by one)
is read by Excel and WPS as a formula: `=HYPERLINK(...)` in a station name would
run when a reviewer opens the export. Every text cell that starts like that gets
a leading apostrophe, the spreadsheet convention for "this is text" (OWASP CSV
injection advice). Numbers stay numbers: a negative number is not text and is safe.

Use `to_csv_bytes(df)` and `to_xlsx_bytes({"sheet": df})` for every download.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """One cell: text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_for_spreadsheet(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df whose text cells and column names cannot run as formulas."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    if out.index.name is not None or not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.map(neutralise)
    return out


def to_csv_bytes(df: pd.DataFrame, index: bool = False) -> bytes:
    """CSV in UTF-8 with BOM, so Excel on Chinese Windows opens it with the right characters."""
    return safe_for_spreadsheet(df).to_csv(index=index).encode("utf-8-sig")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame], index: bool = False) -> bytes:
    """An XLSX workbook, one sheet per entry (sheet names cut to Excel's 31 characters)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, df in sheets.items():
            safe_for_spreadsheet(df).to_excel(writer, sheet_name=str(name)[:31] or "Sheet1", index=index)
    return buf.getvalue()
