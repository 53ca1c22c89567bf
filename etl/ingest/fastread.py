"""The fast path from CSV bytes to typed columns: Python decodes only what DuckDB cannot, DuckDB does the rest.

    head(data)          decode the first 64 KB only: encoding, delimiter, the first rows (to find the header)
    stage(...)          the body (after the header) as UTF-8 in a temp file, read by DuckDB's read_csv with
                        every column as text into a private in-memory database; line numbers from rowid
    Staged.select(...)  one SQL query that trims, blanks, types (TRY_CAST, strptime with the accepted date
                        forms, thousands separators stripped) and flags bad values per row

Why: Python's csv.reader, string frames and a regular expression per value cost seconds per million rows;
DuckDB reads, splits and casts the same rows in a fraction of that. GB18030/UTF-16 is re-encoded to UTF-8
in chunks at C speed (DuckDB cannot read GBK without downloading an extension).

The fast path only takes files whose every line has the header's number of columns, with no blank
line inside and no line longer than DuckDB's limit: stage() returns None for anything else, and the
loader reads that file the old way (readers.read_raw), which reports ragged lines, unclosed quotes and
broken cells with their line numbers exactly as before.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from dataclasses import dataclass, field

import duckdb

from etl.ingest import readers

HEAD_BYTES = 1 << 16       # enough for the title lines, the header and a few rows
CHUNK_BYTES = 1 << 24      # re-encode and validate in 16 MB pieces: memory stays flat
STAGE_MEMORY = "512MB"     # the private DuckDB's limit (384 MB: the lane's window query runs out at 10 M rows)
MAX_LINE_BYTES = 1 << 21   # DuckDB's own default; a longer line takes the old path (and its message)

# what Python's str.strip() removes (str.isspace), so trimmed values equal the old path's
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WS_SQL = WHITESPACE.replace("'", "''")
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"

# the date forms readers.parse_datetime accepts: ISO first as written, then after rewriting 年月日/./T
_FAST_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_ALL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f",
                "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M")  # as readers._DATE_FORMATS


@dataclass
class Head:
    encoding: str
    delimiter: str
    rows: list[list[str]]        # the first complete records of the file
    offsets: list[int]           # characters of the decoded text before each record ends
    bom_bytes: int
    complete: bool               # the head is the whole file


def detect_encoding(data: bytes) -> tuple[str, int]:
    """(codec, BOM length) like readers.decode, without decoding the whole file into one string."""
    if data.startswith(b"\xef\xbb\xbf"):
        _validate(data, 3, "utf-8")
        return "utf-8-sig", 3
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", 0
    if b"\x00" in data[:4096]:
        raise readers.ReadError("binary_not_text")
    try:
        _validate(data, 0, "utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    try:
        _validate(data[:CHUNK_BYTES], 0, "gb18030", final=len(data) <= CHUNK_BYTES)
        return "gb18030", 0  # the rest is checked while it is re-encoded (_write_body)
    except UnicodeDecodeError as exc:
        raise readers.ReadError("neither_utf8_nor_gbk") from exc


def _validate(data: bytes, start: int, codec: str, final: bool = True) -> None:
    """Raise UnicodeDecodeError if the bytes are not valid in the codec (chunked: no whole-file string)."""
    if codec == "utf-8" and data.isascii():
        return  # ASCII is valid UTF-8 (a C loop over the bytes)
    dec = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    for i in range(start, len(data), CHUNK_BYTES):
        dec.decode(view[i:i + CHUNK_BYTES])
    if final:
        dec.decode(b"", final=True)


def head(data: bytes) -> Head:
    """Encoding, delimiter and the first records, from the first 64 KB."""
    if not data or not data[:HEAD_BYTES].strip() and not data.strip():
        raise readers.ReadError("file_empty")
    codec, bom = detect_encoding(data)
    if codec == "utf-16":
        text = _decode_utf16(data)
        complete = True
    else:
        dec = codecs.getincrementaldecoder("utf-8" if codec == "utf-8-sig" else codec)()
        text = dec.decode(data[bom:bom + HEAD_BYTES], final=len(data) <= bom + HEAD_BYTES)
        complete = len(data) <= bom + HEAD_BYTES
    lines = text[:20000].splitlines()[:20]
    delimiter = readers.sniff_delimiter(lines)
    rows, offsets = _records(text if complete else text[:len(text) - _tail(text)], delimiter)
    return Head(codec, delimiter, rows, offsets, bom, complete)


def _decode_utf16(data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise readers.ReadError("not_valid_utf16") from exc


def _tail(text: str) -> int:
    """Length of the last, possibly cut, line of a head."""
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return len(text) - cut - 1 if cut >= 0 else len(text)


def _records(text: str, delimiter: str, limit: int = 40) -> tuple[list[list[str]], list[int]]:
    """The first records as csv.reader reads them, and the text offset where each ends."""
    consumed = [0]

    def lines():
        for line in io.StringIO(text, newline=""):
            consumed[0] += len(line)
            yield line

    rows, offsets = [], []
    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(row)
            offsets.append(consumed[0])
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a broken quote in the head: the records before it are enough to find the header
    return rows, offsets


@dataclass
class Staged:
    """A CSV body in a private DuckDB: table `raw` with text columns c0..c{width-1}, one row per record.

    Cells are trimmed as str.strip() trims, an empty cell is '' (never NULL), rowid is the record's order.
    Staged lazily (stage(lazy=True)), `raw` is a view of the body file's cells as read (untrimmed, NULL when
    empty) until materialize() stores the trimmed text.
    """

    con: duckdb.DuckDBPyConnection
    width: int
    first_line: int                  # file line (record) number of the first body row
    encoding: str
    delimiter: str
    rows: int = 0
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    _body: str | None = field(default=None, repr=False)  # the body as UTF-8 while `raw` is a view over it
    _stored: bool = field(default=False, repr=False)     # `raw` is a table (materialize())

    @property
    def stored(self) -> bool:
        """`raw` is a table of trimmed text ('' for empty); else a view of the cells as read (NULL for empty)."""
        return self._stored

    def read_sql(self, trim: bool = True) -> str:
        """The body's records as one query over the body file (every column as text), trimmed unless not."""
        cols = ", ".join(f"'c{j}': 'VARCHAR'" for j in range(self.width))
        delim = self.delimiter.replace("'", "''")
        picked = ", ".join(f"{trimmed(f'c{j}')} AS c{j}" if trim else f"c{j}" for j in range(self.width))
        path = str(self._body).replace("'", "''")
        return (f"SELECT {picked} FROM read_csv('{path}', header = false, auto_detect = false, "
                f"delim = '{delim}', quote = '\"', escape = '\"', columns = {{{cols}}}, "
                f"max_line_size = {MAX_LINE_BYTES})")

    def materialize(self) -> bool:
        """`raw` as a table of the trimmed text (rowid = record order); False when DuckDB cannot read the
        body as the old reader would (ragged lines, unclosed quotes): the caller takes the old path."""
        if self._stored:
            return True
        self.con.execute("DROP VIEW IF EXISTS raw")
        try:
            self.con.execute(f"CREATE TABLE raw AS {self.read_sql()}")
        except duckdb.Error:
            return False
        os.remove(str(self._body))
        self._stored = True
        self.rows = self.con.execute("SELECT count(*) FROM raw").fetchall()[0][0]
        return True

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def line_sql(self) -> str:
        return f"(rowid + {self.first_line})"

    def raw_text(self, column: int, lines: list[int]) -> dict[int, str]:
        """The trimmed text of one column on the given lines (for problem reports)."""
        if not lines:
            return {}
        got = self.con.execute(
            f"SELECT {self.line_sql()}, c{column} FROM raw WHERE {self.line_sql()} IN "
            f"(SELECT unnest(?))", [sorted({int(x) for x in lines})]).fetchall()
        return {int(a): b for a, b in got}


def trimmed(col: str) -> str:
    """The cell as str.strip() leaves it ('' for an empty cell); the costly trim only where an end is blank."""
    return (f"CASE WHEN regexp_matches({col}, '^{_WS_CLASS}|{_WS_CLASS}$') THEN trim({col}, '{_WS_SQL}') "
            f"ELSE coalesce({col}, '') END")


def number_sql(t: str) -> tuple[str, str]:
    """(value, bad) SQL for readers.parse_number on trimmed text t: separators, spaces and ¥ stripped.

    The plain cast comes first; the regular expression runs only on the values it refused (CASE is lazy).
    """
    # full-width digits and signs (１２００．５) as readers.parse_number turns them
    stripped = f"regexp_replace(translate({t}, '０１２３４５６７８９．－＋', '0123456789.-+'), '[,，¥]|{_WS_CLASS}', '', 'g')"
    # TRY_CAST takes '1_000' where pandas does not; it is no number a meter writes either
    slow = f"CASE WHEN contains({stripped}, '_') THEN NULL ELSE TRY_CAST({stripped} AS DOUBLE) END"
    cast = f"(CASE WHEN TRY_CAST({t} AS DOUBLE) IS NOT NULL AND NOT contains({t}, '_') THEN TRY_CAST({t} AS DOUBLE) " \
           f"WHEN {t} = '' THEN NULL ELSE {slow} END)"
    value = f"CASE WHEN isfinite({cast}) THEN {cast} END"
    ok = f"({t} = '' OR (isfinite(TRY_CAST({t} AS DOUBLE)) AND NOT contains({t}, '_')))"
    bad = f"CASE WHEN {ok} THEN false ELSE {value} IS NULL AND {stripped} <> '' END"
    return value, bad


def datetime_sql(t: str, guess: str | None = None) -> tuple[str, str]:
    """(value, bad) SQL for readers.parse_datetime on trimmed text t: ISO forms first, then 2023/1/5, 2023年1月5日.

    guess is the format of the column's first value: tried alone first (a list of formats costs ten times
    more per value), the full rules only where it fails.
    """
    norm = t
    for a, b in (("年", "-"), ("月", "-"), ("日", " "), ("时", ":"), ("分", ""), ("/", "-"), (".", "-"),
                 ("T", " ")):
        norm = f"replace({norm}, '{a}', '{b}')"
    norm = f"rtrim(trim(regexp_replace({norm}, '{_WS_CLASS}+', ' ', 'g'), '{_WS_SQL}'), '-:')"
    norm = f"regexp_replace({norm}, '(\\d{{2}}:\\d{{2}}:\\d{{2}})-(\\d+)$', '\\1.\\2')"
    fast = "[" + ", ".join(f"'{f}'" for f in _FAST_FORMATS) + "]"
    every = "[" + ", ".join(f"'{f}'" for f in _ALL_FORMATS) + "]"
    # '2024-03-01 24:00', as load-curve exports end a day, is 00:00 of the next day
    h24 = (f"CASE WHEN regexp_matches({t}, '\\d\\s*24:00(:00)?$') THEN try_strptime(regexp_replace({norm}, "
           f"'\\s*24:00(:00)?$', ''), ['%Y-%m-%d', '%Y%m%d']) + INTERVAL 1 DAY END")
    full = f"coalesce(try_strptime({t}, {fast}), try_strptime({norm}, {every}), {h24})"
    if guess:
        full = f"coalesce(try_strptime({t}, '{guess}'), {full})"
    value = f"CASE WHEN {t} <> '' THEN {full} END"
    bad = f"({t} <> '' AND {value} IS NULL)"
    return value, bad


def guess_format(con: duckdb.DuckDBPyConnection, column: str) -> str | None:
    """The first accepted format that reads the column's first non-empty value, if any."""
    got = con.execute(f"SELECT {column} FROM raw WHERE {column} <> '' LIMIT 1").fetchall()
    if not got:
        return None
    for fmt in _ALL_FORMATS:
        if con.execute("SELECT try_strptime(?, ?) IS NOT NULL", [got[0][0], fmt]).fetchall()[0][0]:
            return fmt
    return None


def stage(data: bytes, hd: Head, header_index: int, width: int, lazy: bool = False) -> Staged | None:
    """The records after the header in a private DuckDB, or None when the file needs the old path.

    lazy: `raw` is a view over the body file (read_csv with the record number as `rowid`), not a table, so
    the SQL lane reads and types the rows in one query and stores them once (sql_lane._typed); whoever
    else reads the rows calls Staged.materialize() first, which stores the text as before (and says
    False where DuckDB cannot read the file: the old reader then reports what is wrong)."""
    if header_index >= len(hd.rows) or width == 0 or hd.encoding == "utf-16" and len(data) < (1 << 20):
        return None  # a header that far down, or a small UTF-16 file: the old path is as good
    tmp = tempfile.TemporaryDirectory(prefix="etl_stage_")
    try:
        path = os.path.join(tmp.name, "body.csv")
        _write_body(data, hd, hd.offsets[header_index], path)
        if _has_blank_line(path):
            tmp.cleanup()
            return None  # DuckDB skips blank lines, which would shift every line number after them
        # a cap, not a need: past it the staged text spills to the temp folder instead of growing
        con = duckdb.connect(config={"memory_limit": STAGE_MEMORY, "temp_directory": tmp.name})
        staged = Staged(con, width, header_index + 2, hd.encoding, hd.delimiter, _tmp=tmp, _body=path)
        if lazy:
            con.execute(f"CREATE VIEW raw AS SELECT row_number() OVER () - 1 AS rowid, * "
                        f"FROM ({staged.read_sql(trim=False)})")
            return staged
        return staged if staged.materialize() else None
    except BaseException:
        tmp.cleanup()
        raise


def _has_blank_line(path: str) -> bool:
    """An empty line before the last row (blank lines at the very end shift nothing)."""
    import mmap

    size = os.path.getsize(path)
    if size == 0:
        return False
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = size
        while end > 0 and mm[end - 1] in (10, 13):
            end -= 1
        if end and mm[0] in (10, 13):
            return True
        # a file without CR (one quick scan) can only have "\n\n": each pattern search is a slow pass
        patterns = (b"\n\n", b"\n\r\n", b"\r\r") if mm.find(b"\r", 0, end) >= 0 else (b"\n\n",)
        return any(mm.find(pat, 0, end) >= 0 for pat in patterns)


def _write_body(data: bytes, hd: Head, skip_chars: int, path: str) -> None:
    """The file after the header as UTF-8: sliced when it is UTF-8 already, re-encoded in chunks otherwise."""
    with open(path, "wb") as out:
        if hd.encoding in ("utf-8", "utf-8-sig"):
            start = hd.bom_bytes + len(_head_text(data, hd, skip_chars).encode("utf-8"))
            out.write(memoryview(data)[start:])
            return
        if hd.encoding == "utf-16":
            out.write(_decode_utf16(data)[skip_chars:].encode("utf-8"))
            return
        dec = codecs.getincrementaldecoder(hd.encoding)()
        view = memoryview(data)
        left = skip_chars
        try:
            for i in range(0, len(data), CHUNK_BYTES):
                text = dec.decode(view[i:i + CHUNK_BYTES])
                if left:
                    cut = min(left, len(text))
                    text, left = text[cut:], left - cut
                out.write(text.encode("utf-8"))
            out.write(dec.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise readers.ReadError("neither_utf8_nor_gbk") from exc


def _head_text(data: bytes, hd: Head, chars: int) -> str:
    dec = codecs.getincrementaldecoder("utf-8")()
    return dec.decode(data[hd.bom_bytes:hd.bom_bytes + HEAD_BYTES])[:chars]
