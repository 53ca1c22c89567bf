"""Turn the bytes of a CSV or XLSX file into a table of strings, and parse values.

Files come from Excel on Chinese Windows (GBK/GB18030), from web portals (UTF-8,
sometimes with a BOM) and now and then as UTF-16. DuckDB cannot decode GBK
without downloading an extension, so decoding happens here, in Python.
Everything is read as text first; typed parsing reports the exact line of each
value it cannot understand.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.ingest import limits


class ReadError(ValueError):
    """The file cannot be read as a table at all (a sentence for the user)."""


@dataclass
class RawTable:
    frame: pd.DataFrame  # every cell a string, columns as in the file
    header_line: int     # 1-based line (or sheet row) of the header
    encoding: str
    delimiter: str


XLSX_MAGIC = b"PK\x03\x04"


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for CSV bytes; raise ReadError if it is no text."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:  # a BOM, then bytes that are not UTF-8 (e.g. cut short)
            raise ReadError("the file starts like UTF-8 but is not valid UTF-8; save it again as CSV UTF-8") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError("the file starts like UTF-16 but is not valid UTF-16; save it again as CSV UTF-8") from exc
    if b"\x00" in data[:4096]:
        raise ReadError("this is not a text table (it contains binary data); export the data as CSV or XLSX")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError(
            "the file is neither UTF-8 nor GBK/GB18030 text; open it in Excel and save as 'CSV UTF-8'"
        ) from exc


def sniff_delimiter(sample_lines: list[str]) -> str:
    """The most frequent of comma, tab, semicolon in the first lines (comma if none)."""
    best, best_count = ",", 0
    for delim in (",", "\t", ";", "，"):
        count = sum(line.count(delim) for line in sample_lines)
        if count > best_count:
            best, best_count = delim, count
    return best


def read_raw(data: bytes, file_name: str = "", sheet: str | int | None = None) -> tuple[list[list[str]], str, str]:
    """All rows of the file as lists of strings, with encoding and delimiter names."""
    if not data or not data.strip():
        raise ReadError("the file is empty")
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, sheet), "xlsx", ""
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError("the file is empty")
    limits.check_text(text)  # rows and columns capped before parsing (data/upload_limits.csv)
    lines = text[:20000].splitlines()[:20]
    delimiter = sniff_delimiter(lines)
    csv.field_size_limit(1 << 31)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows, encoding, delimiter


def _read_xlsx(data: bytes, sheet: str | int | None) -> list[list[str]]:
    import openpyxl

    limits.check_xlsx(data)  # the declared size, before openpyxl pads every row to it
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ReadError("the XLSX file cannot be opened (damaged or not Excel); save it again from Excel") from exc
    if sheet is None:
        ws = book.worksheets[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(book.worksheets):
            raise ReadError(f"the workbook has {len(book.worksheets)} sheets; there is no sheet {sheet + 1}")
        ws = book.worksheets[sheet]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        raise ReadError(f"the workbook has no sheet named {sheet!r}; sheets are: {', '.join(book.sheetnames)}")
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in row])
        if len(rows) % 10000 == 0 or len(rows) == 1:  # a sheet that declares nothing (or lies) is counted
            limits.check_size(len(rows), len(row), "the sheet")
    book.close()
    return rows


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of an XLSX file ([] for anything else or a damaged workbook)."""
    if not data.startswith(XLSX_MAGIC):
        return []
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # noqa: BLE001 - prepare() reports the damaged file with a sentence
        return []
    names = list(book.sheetnames)
    book.close()
    return names


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- header names

_UNIT_IN_HEADER = re.compile(r"[\(（\[【]\s*([^\)）\]】]*)\s*[\)）\]】]")


def normalise_header(name: str) -> tuple[str, str]:
    """('电量', 'kwh') from '抄见电量 (kWh)': lower-case name without unit, and the unit."""
    name = str(name).replace("\ufeff", "").strip()
    unit = ""
    m = _UNIT_IN_HEADER.search(name)
    if m:
        unit = m.group(1).strip().lower().replace("³", "3")
        name = _UNIT_IN_HEADER.sub("", name)
    name = re.sub(r"[\s_\-/:：]+", "", name).lower()
    return name, unit


# ---------------------------------------------------------------- value parsing


def clean_text(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().fillna("")


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with thousands separators or full-width commas. Returns (values, bad mask)."""
    text = clean_text(s)
    stripped = text.str.replace(r"[,，\s]", "", regex=True).str.replace("¥", "", regex=False)
    values = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce").astype("float64")
    bad = (stripped != "") & values.isna()
    # 'inf', 'nan' typed as text are not numbers a meter produces
    bad |= ~np.isfinite(values.fillna(0.0))
    bad = bad.astype(bool)
    values = values.where(~bad)
    return values, bad


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f")


def _normalise_date_text(text: pd.Series) -> pd.Series:
    out = (
        text.str.replace("年", "-", regex=False)
        .str.replace("月", "-", regex=False)
        .str.replace("日", " ", regex=False)
        .str.replace("时", ":", regex=False)
        .str.replace("分", "", regex=False)
        .str.replace("/", "-", regex=False)
        .str.replace(".", "-", regex=False)
        .str.replace("T", " ", regex=False)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
        .str.rstrip("-:")
    )
    # '2023-1-5 8:00' -> zero-padded, which the fixed formats need
    out = out.str.replace(r"^(\d{4})-(\d{1,2})-(\d{1,2})", _pad_date, regex=True)
    out = out.str.replace(r" (\d):", r" 0\1:", regex=True)
    # a fractional-seconds part written with '-' after the replacement above
    out = out.str.replace(r"(\d{2}:\d{2}:\d{2})-(\d+)$", r"\1.\2", regex=True)
    return out


def _pad_date(m: re.Match) -> str:
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def parse_datetime(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Timestamps written as 2023-01-05, 2023/1/5, 2023-01-05 08:00, 2023年1月5日. Returns (values, bad)."""
    text = clean_text(s)
    result = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    todo = text != ""
    # fast path: the ISO forms most exports use, without any rewriting
    todo = _try_formats(text, result, todo, _DATE_FORMATS[:3])
    if todo.any():
        norm = _normalise_date_text(text[todo])
        todo = _try_formats(norm, result, todo, _DATE_FORMATS)
    return result, todo.astype(bool)


def _try_formats(text: pd.Series, result: pd.Series, todo: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Parse the rows still to do with each format in turn; fill result; return what is still to do."""
    todo = todo.copy()
    for fmt in formats:
        idx = todo[todo].index
        if len(idx) == 0:
            break
        sub = text.loc[idx]
        sample = sub.iloc[0]
        if len(sample) != len(pd.Timestamp(2000, 11, 22, 13, 44, 55).strftime(fmt)) and "%f" not in fmt:
            # cheap check: this format cannot match the first value; still try when others differ
            if (sub.str.len() == len(sample)).all():
                continue
        parsed = pd.to_datetime(sub, format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            hit = ok[ok].index
            result.loc[hit] = parsed[ok].astype("datetime64[us]")
            todo.loc[hit] = False
    return todo


def parse_month(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Billing months written 2023-01, 2023/1, 202301, 2023年1月 (a full date is accepted too)."""
    text = clean_text(s)
    norm = _normalise_date_text(text)
    m = norm.str.extract(r"^(\d{4})-?(\d{1,2})(?:-\d{1,2})?(?: .*)?$")
    year = pd.to_numeric(m[0], errors="coerce")
    month = pd.to_numeric(m[1], errors="coerce")
    ok = year.notna() & month.between(1, 12)
    result = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if ok.any():
        result.loc[ok] = pd.to_datetime(
            {"year": year[ok].astype(int), "month": month[ok].astype(int), "day": 1}
        ).astype("datetime64[us]")
    bad = (norm != "") & ~ok
    return result, bad.astype(bool)


_TRUE = {"1", "是", "y", "yes", "true", "t", "对", "√", "估", "估抄"}
_FALSE = {"0", "否", "n", "no", "false", "f", "", "实抄"}


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = clean_text(s).str.lower()
    values = text.isin(_TRUE)
    bad = ~(text.isin(_TRUE) | text.isin(_FALSE))
    return values.astype(bool), bad.astype(bool)
