"""Turn the bytes of a CSV or XLSX file into a table of strings, and parse values.

Files come from Excel on Chinese Windows (GBK/GB18030), from web portals (UTF-8,
sometimes with a BOM) and now and then as UTF-16. DuckDB cannot decode GBK
without downloading an extension, so decoding happens here, in Python.
Everything is read as text first; typed parsing reports the exact line of each
value it cannot understand.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, time

import numpy as np
import pandas as pd

from etl.ingest import limits
from etl.ingest.messages import Msg, as_msg, msg


class ReadError(ValueError):
    """The file cannot be read as a table at all; .msg is the sentence for the user (a code and its values)."""

    def __init__(self, message: Msg | str):
        self.msg = as_msg(message)
        super().__init__(self.msg.render("en"))


@dataclass
class RawTable:
    frame: pd.DataFrame  # every cell a string, columns as in the file
    header_line: int     # 1-based line (or sheet row) of the header
    encoding: str
    delimiter: str


XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: old Excel .xls
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# a sheet may declare (and a few stray cells may span) far more than any export holds; a 1.4 MB file can
# expand to 300,000 x 16,384 cells, so the declared size is checked before the sheet is read


def is_excel(data: bytes, file_name: str = "") -> bool:
    return data.startswith((XLSX_MAGIC, XLS_MAGIC)) or file_name.lower().endswith(EXCEL_SUFFIXES)


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for CSV bytes; raise ReadError if it is no text."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:  # a BOM, then bytes that are not UTF-8 (e.g. cut short)
            raise ReadError("not_valid_utf8") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError("not_valid_utf16") from exc
    if b"\x00" in data[:4096]:
        raise ReadError("binary_not_text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ReadError(
            "neither_utf8_nor_gbk"
        ) from exc


def decode_head(data: bytes, limit: int) -> tuple[str, str]:
    """The complete lines within the first `limit` bytes, decoded as decode() would.

    A slice of a file can end inside a multi-byte character (a Chinese character is 2 bytes in GBK,
    3 in UTF-8, 2 or 4 in UTF-16): an incremental decoder keeps such a tail back instead of failing,
    and the last, possibly cut, line is dropped.
    """
    if len(data) <= limit:
        return decode(data)
    head = data[:limit]
    if head.startswith(b"\xef\xbb\xbf"):
        candidates, head = ["utf-8"], head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head[:4096]:
            raise ReadError("binary_not_text")
        candidates = ["utf-8", "gb18030"]
    for name in candidates:
        try:
            text = codecs.getincrementaldecoder(name)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        cut = max(text.rfind("\n"), text.rfind("\r"))
        return (text[:cut + 1] if cut >= 0 else text), ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else name)
    raise ReadError("neither_utf8_nor_gbk")


def sniff_delimiter(sample_lines: list[str]) -> str:
    """The most frequent of comma, tab, semicolon in the first lines (comma if none)."""
    best, best_count = ",", 0
    for delim in (",", "\t", ";", "，"):
        count = sum(line.count(delim) for line in sample_lines)
        if count > best_count:
            best, best_count = delim, count
    return best


def read_raw(data: bytes, file_name: str = "", sheet: str | int | None = None,
             head_bytes: int | None = None) -> tuple[list[list[str]], str, str]:
    """All rows of the file as lists of strings, with encoding and delimiter names.

    head_bytes: read only the complete lines within the first so many bytes of a text file (a quick look
    at the header, e.g. to guess the kind); Excel files are always read whole.
    """
    if not data or not data.strip():
        raise ReadError("file_empty")
    if is_excel(data, file_name):
        return _read_excel(data, sheet), "xls" if data.startswith(XLS_MAGIC) else "xlsx", ""
    text, encoding = decode_head(data, head_bytes) if head_bytes else decode(data)
    if not text.strip():
        raise ReadError("file_empty")
    limits.check_text(text)  # rows and columns capped before parsing (data/upload_limits.csv)
    lines = text[:20000].splitlines()[:20]
    delimiter = sniff_delimiter(lines)
    csv.field_size_limit(1 << 31)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows, encoding, delimiter


def _damage(exc: BaseException) -> bool:
    """An error reading a workbook: any Exception, or a Rust panic inside calamine (pyo3's PanicException
    derives from BaseException, so `except Exception` let a truncated .xls through as a traceback)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _open_book(data: bytes):
    from python_calamine import CalamineWorkbook

    limits.check_xlsx(data)  # the declared size, before openpyxl pads every row to it
    limits.check_xls(data)  # .xls: each sheet's DIMENSIONS record, before calamine builds the whole range
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine raises several kinds for a damaged file, and panics on some
        if not _damage(exc):
            raise
        raise ReadError("xlsx_damaged") from exc


def _read_excel(data: bytes, sheet: str | int | None) -> list[list[str]]:
    """Rows of one sheet of an .xlsx/.xlsm/.xls workbook (python-calamine), row i = sheet row i + 1."""
    book = _open_book(data)
    names = list(book.sheet_names)
    if sheet is None:
        name = names[0] if names else None
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise ReadError(msg("no_sheet_number", n=len(names), number=sheet + 1))
        name = names[sheet]
    elif sheet in names:
        name = sheet
    else:
        raise ReadError(msg("no_sheet_named", sheet=sheet, names=", ".join(names)))
    if name is None:
        raise ReadError("file_empty")
    if data.startswith(XLSX_MAGIC):
        size = declared_size(data, names.index(name))
        if size is not None:
            limits.check_size(*size, msg("what_sheet", name=name))
    try:
        ws = book.get_sheet_by_name(name)
        # counted again: a sheet may declare nothing, or less than it holds (caps in data/upload_limits.csv)
        limits.check_size(ws.total_height, ws.total_width, msg("what_sheet", name=name))
        values = ws.to_python(skip_empty_area=False)
        # and the rows as read: a sheet whose <dimension> says less than it holds is still held to the caps
        limits.check_size(len(values), max((len(r) for r in values), default=0), msg("what_sheet", name=name))
    except ReadError:
        raise
    except BaseException as exc:  # a damaged sheet is a sentence for the user, not a traceback
        if not _damage(exc):
            raise
        raise ReadError("xlsx_damaged") from exc
    finally:
        book.close()
    return [["" if v is None else _cell_text(v) for v in row] for row in values]


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def declared_size(data: bytes, index: int) -> tuple[int, int] | None:
    """(rows, columns) an .xlsx sheet declares in its <dimension>, read before the sheet is; None if unknown."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            rids = re.findall(r'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]+)"', book)
            if not 0 <= index < len(rids):
                return None
            target = re.search(r'<Relationship\b[^>]*?Id="' + re.escape(rids[index]) + r'"[^>]*?Target="([^"]+)"',
                               rels) or re.search(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="' +
                                                  re.escape(rids[index]) + '"', rels)
            if target is None:
                return None
            path = target.group(1).lstrip("/")
            path = path if path.startswith("xl/") else "xl/" + path
            with z.open(path) as f:
                head = f.read(8192)  # the dimension comes before the data
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    m = _DIMENSION.search(head)
    if m is None or m.group(3) is None:
        return None
    first_col, first_row = _col_number(m.group(1) or b"A"), int(m.group(2) or 1)
    return int(m.group(4)) - first_row + 1, _col_number(m.group(3)) - first_col + 1


def sheet_names(data: bytes) -> list[str]:
    """The sheet names of an Excel workbook ([] for anything else or a damaged workbook)."""
    if not data.startswith((XLSX_MAGIC, XLS_MAGIC)):
        return []
    try:
        book = _open_book(data)
    except ReadError:
        return []
    names = list(book.sheet_names)
    book.close()
    return names


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.strftime("%Y-%m-%d")
    return str(value)


# ---------------------------------------------------------------- header names

_UNIT_IN_HEADER = re.compile(r"[\(（\[【]\s*([^\)）\]】]*)\s*[\)）\]】]")


@functools.lru_cache(maxsize=4096)
def normalise_header(name: str) -> tuple[str, str]:
    """('电量', 'kwh') from '抄见电量 (kWh)': lower-case name without unit, and the unit.

    Of several bracketed parts ('Daily Generation (Active)(kWh)', '金额（元）（含税）') the unit is the first
    that is a unit some column knows, else the first.
    """
    name = str(name).replace("\ufeff", "").strip()
    unit = ""
    groups = [g.strip().lower().replace("³", "3") for g in _UNIT_IN_HEADER.findall(name)]
    if groups:
        known = _known_units()
        unit = next((g for g in groups if g.replace(" ", "") in known), groups[0])
        name = _UNIT_IN_HEADER.sub("", name)
    name = re.sub(r"[\s_\-/:：]+", "", name).lower()
    return name, unit


# ---------------------------------------------------------------- value parsing


@functools.cache
def _known_units() -> frozenset[str]:
    from etl.ingest.kinds import KINDS  # kinds imports this module: looked up at first use

    return frozenset(u.replace(" ", "") for k in KINDS.values() for c in k.columns for u in c.units)


def clean_text(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().fillna("")


_FULL_WIDTH = "[０-９．－＋]"
_TO_HALF = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers with thousands separators or full-width commas. Returns (values, bad mask)."""
    text = clean_text(s)
    stripped = text.str.replace(r"[,，\s]", "", regex=True).str.replace("¥", "", regex=False)
    values = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce").astype("float64")
    bad = (stripped != "") & values.isna()
    if bad.any():  # full-width digits and signs (１２００．５) as some Chinese input methods type them
        wide = stripped[bad].str.contains(_FULL_WIDTH).fillna(False).astype(bool)
        if wide.any():
            idx = wide[wide].index
            values.loc[idx] = pd.to_numeric(stripped[idx].str.translate(_TO_HALF), errors="coerce").astype("float64")
            bad = (stripped != "") & values.isna()
    # 'inf', 'nan' typed as text are not numbers a meter produces
    bad |= ~np.isfinite(values.fillna(0.0))
    bad = bad.astype(bool)
    values = values.where(~bad)
    return values, bad


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f",
                 "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M")  # 20240301 08:30:00 (charging platforms, 采集 systems)


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
    if todo.any():
        todo = _excel_serials(text, result, todo)
    if todo.any():
        todo = _hour_24(text, result, todo)
    return result, todo.astype(bool)


_H24 = re.compile(r"^(.*\d)\s*24:00(?::00)?$")


def _hour_24(text: pd.Series, result: pd.Series, todo: pd.Series) -> pd.Series:
    """'2024-03-01 24:00' (load-curve exports end a day so) is 00:00 of the next day."""
    day = text[todo].str.extract(_H24, expand=False).dropna()
    if day.empty:
        return todo
    parsed = pd.Series(pd.NaT, index=day.index, dtype="datetime64[us]")
    left = _try_formats(_normalise_date_text(day), parsed, pd.Series(True, index=day.index), _DATE_FORMATS[2:4])
    ok = parsed.notna() & ~left
    result.loc[ok[ok].index] = parsed[ok] + pd.Timedelta(days=1)
    todo = todo.copy()
    todo.loc[ok[ok].index] = False
    return todo


# Excel stores a date as days since 1899-12-30; a date column exported without its format shows that number
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def _excel_serials(text: pd.Series, result: pd.Series, todo: pd.Series) -> pd.Series:
    """Fill dates written as Excel serial numbers (36526 = 2000-01-01 … 73050 = 2100-01-01)."""
    sub = text[todo]
    hit = sub.str.fullmatch(_SERIAL).fillna(False)
    if not hit.any():
        return todo
    days = pd.to_numeric(sub[hit], errors="coerce")
    days = days[(days >= 36526) & (days < 73051)]
    if days.empty:
        return todo
    # whole seconds: a serial's fraction of a day is rounded so 08:00 does not come out as 07:59:59.999
    stamps = (_EXCEL_EPOCH + pd.to_timedelta((days * 86400).round(), unit="s")).astype("datetime64[us]")
    result.loc[days.index] = stamps
    todo = todo.copy()
    todo.loc[days.index] = False
    return todo


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
