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

import html
import re
import zipfile
import zlib
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
    try:
        with zf:
            _check_parts(zf)
    except ReadError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise ReadError("xlsx_damaged") from exc  # a part cut short or changed (bad CRC, bad deflate data)


def _check_parts(zf: zipfile.ZipFile) -> None:
    from etl.ingest.readers import ReadError

    unzipped_mb = sum(i.file_size for i in zf.infolist()) / 1e6
    if unzipped_mb > limits()["max_xlsx_unzipped_mb"]:
        raise ReadError(msg("limit_unzipped", mb=f"{unzipped_mb:,.0f}",
                            limit=f"{limits()['max_xlsx_unzipped_mb']:,.0f}"))
    names = _sheet_names_by_part(zf)
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
        check_size(rows, cols, msg("what_sheet", name=names.get(info.filename,
                                                                info.filename.rsplit("/", 1)[-1][:-4])))


def _sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """xl/worksheets/sheet1.xml -> the tab's name as the user sees it (电费), from workbook.xml and its rels."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    target = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, tgt = re.search(r'Id="([^"]+)"', rel), re.search(r'Target="([^"]+)"', rel)
        if rid and tgt:
            path = tgt.group(1).lstrip("/")
            target[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    out = {}
    for sheet in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(r'name="([^"]*)"', sheet), re.search(r'r:id="([^"]+)"', sheet)
        if name and rid and rid.group(1) in target:
            out[target[rid.group(1)]] = html.unescape(name.group(1))
    return out



def check_text(text: str) -> None:
    """Refuse a CSV with too many lines or columns before it is parsed."""
    rows = text.count("\n") + 1
    head = text[:200_000].splitlines()[:50]
    cols = max((max(line.count(d) for d in (",", "\t", ";", "，")) + 1 for line in head), default=1)
    check_size(rows, cols)


# ------------------------------------------------------------------ old Excel (.xls): BIFF8 in an OLE2 file

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:  # noqa: C901 - to split (listed in the README)
    """The first named stream of an OLE2 compound file (None when absent or when the file is damaged).

    Only the structures needed to find one stream: header, FAT (with its DIFAT chain), directory and,
    for a stream under 4 KB, the mini stream. [MS-CFB] sections 2.2-2.6.
    """
    import struct

    if len(data) < 512 or not data.startswith(_OLE_MAGIC):
        return None
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
    n_sectors = (len(data) - 512) // size + 1
    if size not in (512, 4096) or n_fat > n_sectors:
        return None

    def sector(i: int) -> bytes:
        return data[512 + i * size: 512 + (i + 1) * size]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    d, hops = first_difat, 0
    while d not in (_FREE, _END) and hops < n_difat and d < n_sectors:  # more FAT sectors than the header lists
        fat_sectors += struct.unpack_from(f"<{size // 4 - 1}I", sector(d))
        d, hops = struct.unpack_from("<I", sector(d), size - 4)[0], hops + 1
    fat: list[int] = []
    for s in fat_sectors[:n_fat]:
        if s >= n_sectors:
            return None
        fat += struct.unpack_from(f"<{size // 4}I", sector(s))

    def chain(start: int, table: list[int]) -> list[int]:
        out: list[int] = []
        while start not in (_FREE, _END) and start < len(table) and len(out) <= len(table):
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(s) for s in chain(first_dir, fat) if s < n_sectors)
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        return None
    root_start, root_size = struct.unpack_from("<IQ", entries[0], 0x74)
    for e in entries:
        name_len = struct.unpack_from("<H", e, 0x40)[0]
        name = e[:max(name_len - 2, 0)].decode("utf-16-le", "replace")
        if e[0x42] != 2 or name not in names:
            continue
        start, length = struct.unpack_from("<IQ", e, 0x74)
        if size == 512:
            length &= 0xFFFFFFFF  # version 3 files: only the low 32 bits count
        if length >= cutoff:
            return b"".join(sector(s) for s in chain(start, fat))[:length]
        mini_stream = b"".join(sector(s) for s in chain(root_start, fat))[:root_size]
        minifat_bytes = b"".join(sector(s) for s in chain(first_minifat, fat))
        minifat = list(struct.unpack_from(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
        return b"".join(mini_stream[s * mini_size:(s + 1) * mini_size] for s in chain(start, minifat))[:length]
    return None


def xls_declared_sizes(data: bytes) -> list[tuple[str, int, int]]:
    """(sheet, rows, columns) each worksheet of a BIFF8 .xls declares in its DIMENSIONS record ([] if unknown)."""
    import struct

    book = _ole_stream(data, ("Workbook", "Book"))
    if not book:
        return []

    def records(pos: int):
        while pos + 4 <= len(book):
            rtype, length = struct.unpack_from("<HH", book, pos)
            yield rtype, book[pos + 4: pos + 4 + length]
            pos += 4 + length

    sheets = []
    for rtype, body in records(0):
        if rtype == 0x0085 and len(body) >= 8:  # BOUNDSHEET: offset of the sheet's BOF, kind, name
            offset, kind, n = struct.unpack_from("<IxBB", body, 0)
            flag = body[7] if len(body) > 7 else 0
            raw = body[8:8 + (2 * n if flag & 1 else n)]
            name = raw.decode("utf-16-le" if flag & 1 else "latin-1", "replace")
            if kind == 0:  # a worksheet (not a chart or macro sheet)
                sheets.append((name, offset))
        elif rtype == 0x000A:  # EOF of the globals
            break
    out = []
    for name, offset in sheets:
        for rtype, body in records(offset):
            if rtype == 0x0200 and len(body) >= 12:  # DIMENSIONS: first row, last row + 1, first col, last col + 1
                r0, r1, c0, c1 = struct.unpack_from("<IIHH", body, 0)
                out.append((name, max(r1 - r0, 0), max(c1 - c0, 0)))
                break
            if rtype == 0x000A:
                break
    return out


def check_xls(data: bytes) -> None:
    """Refuse an .xls whose sheets declare too many rows or columns, before the sheet is read whole."""
    import struct

    try:
        sizes = xls_declared_sizes(data)
    except (struct.error, IndexError, ValueError, MemoryError):
        return  # a damaged file: the reader says "damaged" in its own words
    for name, rows, cols in sizes:
        check_size(rows, cols, msg("what_sheet", name=name))
