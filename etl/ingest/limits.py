"""Caps on what an uploaded file expands to, checked before it is read (issue 14).

Size in bytes says little: a 1.4 MB XLSX can declare 300,000 rows x 16,384 columns, and
openpyxl pads every row to the declared width, so reading it took the server to 6 GB. So:

- XLSX: the unzipped size of its parts, and each sheet's declared dimension (`<dimension
  ref="A1:XFD300000"/>`, read from the first bytes of the sheet's XML), against the caps;
  while reading, rows and columns are counted again (a file may declare nothing or lie).
- CSV: rows (line breaks) and columns (the widest of the first lines) before parsing.

The caps are data: data/upload_limits.csv. A refusal is one sentence (ReadError) that says
what the file expands to, what the limit is and what to do.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from io import BytesIO

import pandas as pd

from etl.ingest.messages import Msg, msg
from etl.store.db import DATA_DIR

LIMITS_CSV = DATA_DIR / "upload_limits.csv"
_DIMENSION = re.compile(r"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")


@lru_cache(maxsize=1)
def limits() -> dict[str, float]:
    df = pd.read_csv(LIMITS_CSV, comment="#")
    return {str(k): float(v) for k, v in zip(df["setting"], df["value"], strict=True)}


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _refuse(rows: int, cols: int, what: Msg | None) -> None:
    from etl.ingest.readers import ReadError

    lim = limits()
    raise ReadError(msg(
        "limit_expands", what=what or msg("what_the_file"), rows=f"{rows:,}", cols=f"{cols:,}",
        cells=f"{rows * cols:,}", max_rows=f"{lim['max_rows']:,.0f}", max_columns=f"{lim['max_columns']:,.0f}",
        max_cells=f"{lim['max_cells']:,.0f}"))


def check_size(rows: int, cols: int, what: Msg | None = None) -> None:
    lim = limits()
    if rows > lim["max_rows"] or cols > lim["max_columns"] or rows * cols > lim["max_cells"]:
        _refuse(rows, cols, what)


def check_xlsx(data: bytes) -> None:
    """Refuse a workbook whose parts unzip too large or whose sheets declare too many rows or columns."""
    from etl.ingest.readers import ReadError

    try:
        zf = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        return  # the reader says "damaged" in its own words
    with zf:
        unzipped_mb = sum(i.file_size for i in zf.infolist()) / 1e6
        if unzipped_mb > limits()["max_xlsx_unzipped_mb"]:
            raise ReadError(msg("limit_unzipped", mb=f"{unzipped_mb:,.0f}",
                                limit=f"{limits()['max_xlsx_unzipped_mb']:,.0f}"))
        for info in zf.infolist():
            if not re.match(r"xl/worksheets/[^/]+\.xml$", info.filename):
                continue
            with zf.open(info) as f:
                head = f.read(65536)
            m = _DIMENSION.search(head.decode("utf-8", "ignore"))
            if not m or not m.group(3):
                continue  # no declared range (or a single cell): the reader counts while it reads
            rows = int(m.group(4)) - int(m.group(2) or 1) + 1
            cols = _col_number(m.group(3)) - _col_number(m.group(1) or "A") + 1
            check_size(rows, cols, msg("what_sheet", name=info.filename.rsplit("/", 1)[-1][:-4]))



def check_text(text: str) -> None:
    """Refuse a CSV with too many lines or columns before it is parsed."""
    rows = text.count("\n") + 1
    head = text[:200_000].splitlines()[:50]
    cols = max((max(line.count(d) for d in (",", "\t", ";", "，")) + 1 for line in head), default=1)
    check_size(rows, cols)
