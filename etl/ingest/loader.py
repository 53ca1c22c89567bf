"""The one loader: every file, from the upload page or the command line, goes through here.

    prepare()  reads, maps headers, parses and validates; writes nothing
    commit()   writes the prepared rows in one transaction with one load_batches row
    undo()     takes a batch out again and restores the rows it had replaced

Replacement rule: a row whose key (see schema.TABLES) equals the key of a row in
the new file is replaced by it, and the old row is kept in `<table>__replaced`
so that undo can restore it. Loading the same bytes twice changes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

import duckdb
import numpy as np
import pandas as pd

from etl.ingest import bands, capacity, consistency, fastread, formats, readers, shapes, sql_lane
from etl.ingest.kinds import KINDS, LOAD_ORDER, REGISTRY_KINDS, Col, Kind
from etl.ingest.messages import Msg, as_msg, at_lines, msg
from etl.store import changes, per_version
from etl.store.schema import TABLES, columns

MAX_PROBLEMS_PER_CHECK = 50
MAX_CELL_CHARS = 10_000
FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
FAST_CSV = True  # CSV through DuckDB (fastread); False reads every file the old way (tests compare the two)
SQL_LANE = True  # clean interval files checked and kept in SQL (sql_lane); False: the pandas rules (tests compare)


@dataclass
class Problem:
    """What is wrong (a code of the catalogue and its values), where, and how to fix it (a code too)."""

    file: str
    line: int | None
    column: str
    value: str
    what: Msg | str  # the problem: a Msg (code + params) or a code without params (etl/ingest/messages.py)
    how: Msg | str   # the fix, likewise
    severity: str = "error"  # error stops the file; warning must be accepted; info says what was assumed

    def __post_init__(self) -> None:
        self.what, self.how = as_msg(self.what), as_msg(self.how)  # a code, never free text

    @property
    def code(self) -> str:
        return as_msg(self.what).code

    @property
    def params(self) -> Mapping[str, object]:
        return as_msg(self.what).params

    @property
    def message(self) -> str:
        """What is wrong, in English (as the command line prints it)."""
        return as_msg(self.what).render("en")

    @property
    def fix(self) -> str:
        """How to fix it, in English."""
        return as_msg(self.how).render("en")

    def text(self, lang: str = "en") -> tuple[str, str]:
        """(message, fix) in the language, rendered from the catalogue."""
        return as_msg(self.what).render(lang), as_msg(self.how).render(lang)

    def format(self, lang: str = "en") -> str:
        """FILE:LINE: [column] 'value': what is wrong; how to fix it."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        col = f" [{self.column}]" if self.column else ""
        val = f" {self.value!r}:" if self.value else ""
        message, fix = self.text(lang)
        sep = "；" if lang == "zh" else "; "
        return f"{where}:{col}{val} {message}{sep}{fix}"

    def __str__(self) -> str:
        return self.format("en")


class _Rows:
    """Prepared.rows: a frame, or read from the SQL lane's spill the first time something asks for it."""

    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame | None:
        if obj is None:
            return None  # the dataclass default
        rows = obj.__dict__.get("_rows")
        spill = obj.__dict__.get("spill")
        if rows is None and spill is not None:
            rows = obj.__dict__["_rows"] = spill.frame()
        return rows

    def __set__(self, obj: object, value: pd.DataFrame | None) -> None:
        obj.__dict__["_rows"] = value


@dataclass
class Prepared:
    file_name: str
    sha256: str
    kind: str | None = None
    rows: _Rows = _Rows()                       # table columns (no batch_id) plus _line (a DataFrame or None)
    problems: list[Problem] = field(default_factory=list)
    header_map: dict[str, str] = field(default_factory=dict)  # file header -> field
    encoding: str = ""
    already_loaded: int | None = None           # batch id when these bytes are loaded already
    rows_replaced: int = 0
    period: tuple[datetime | None, datetime | None] = (None, None)
    assumptions: list[Msg] = field(default_factory=list)  # what was assumed (codes of the catalogue)
    identical_rows: int = 0                     # rows equal to stored ones: left out, nothing changes
    identical_batch: int | None = None          # the newest batch that holds them
    # the SQL lane's rows (Parquet in a temp folder) when the file took it: rows stay out of pandas
    spill: sql_lane.Spill | None = field(default=None, repr=False, compare=False)

    @property
    def has_rows(self) -> bool:
        """prepare() got as far as rows (maybe none), without reading a spilled file into a frame."""
        return self.spill is not None or self.rows is not None

    @property
    def row_count(self) -> int:
        """How many rows commit() would write, without reading a spilled file into a frame."""
        if self.spill is not None and self.__dict__.get("_rows") is None:
            return self.spill.rows
        return 0 if self.rows is None else len(self.rows)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


_RANK = {"info": 0, "warning": 1, "error": 2}


class _Ctx:
    """What a kind's transform needs: the connection, and a way to report problems."""

    def __init__(self, con: duckdb.DuckDBPyConnection, prep: Prepared, header_of: dict[str, str], now: datetime):
        self.con, self.prep, self.header_of, self.now = con, prep, header_of, now
        # (line, field) -> severity already reported: one message each, but a note or a warning never
        # hides a later error on the same cell (a formula-looking 户号 is also an unknown meter)
        self._flagged: dict[tuple[int, str], str] = {}
        # fast path: the file's text of a field on some lines, fetched only when a problem names them
        self.raw_lookup: Callable[[str, list[int]], dict[int, str]] | None = None
        self.raw_alias: dict[str, str] = {}  # field -> the field whose cell it was taken from (energy <- 抄见)

    def report(self, df: pd.DataFrame, mask: pd.Series, field_name: str, message: Msg | str, fix: Msg | str,
               severity: str = "error") -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        hits = df.loc[mask]
        if self._flagged:
            rank = _RANK[severity]
            fresh = [_RANK.get(self._flagged.get((int(line), field_name), ""), -1) < rank
                     for line in hits["_line"]]
            hits = hits.loc[fresh]
            if hits.empty:
                return
        raw = f"_raw_{field_name}"
        looked: dict[int, str] = {}
        if raw not in hits.columns and self.raw_lookup is not None:
            looked = self.raw_lookup(self.raw_alias.get(field_name, field_name), hits["_line"].head(MAX_PROBLEMS_PER_CHECK).tolist())
        for i, (_, row) in enumerate(hits.iterrows()):
            if i >= MAX_PROBLEMS_PER_CHECK:
                self.prep.problems.append(Problem(
                    self.prep.file_name, None, self.header_of.get(field_name, field_name), "",
                    msg("more_rows_same_problem", n=len(hits) - i, message=as_msg(message)), fix, severity))
                break
            self._flagged[(int(row["_line"]), field_name)] = severity
            value = row[raw] if raw in hits.columns else looked.get(
                int(row["_line"]), row[field_name] if field_name in hits.columns else "")
            self.prep.problems.append(Problem(
                self.prep.file_name, int(row["_line"]), self.header_of.get(field_name, field_name),
                "" if pd.isna(value) else str(value)[:80], message, fix, severity))

    def file_problem(self, message: Msg | str, fix: Msg | str, severity: str = "error", column: str = "",
                     line: int | None = None) -> None:
        self.prep.problems.append(Problem(self.prep.file_name, line, column, "", message, fix, severity))


# ------------------------------------------------------------------ prepare


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_loaded(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    row = con.execute(
        "SELECT batch_id FROM load_batches WHERE content_sha256 = ? AND status = 'loaded'", [digest]
    ).fetchall()
    return row[0][0] if row else None


_ALIAS_MAPS: dict[str, tuple[Kind, dict[str, str]]] = {}


def _alias_map(kind: Kind) -> dict[str, str]:
    """kind.alias_map(), built once per kind (header detection asks 16 kinds x 15 rows)."""
    hit = _ALIAS_MAPS.get(kind.name)
    if hit is None or hit[0] is not kind:
        hit = _ALIAS_MAPS[kind.name] = (kind, kind.alias_map())
    return hit[1]


def _match_count(kind: Kind, headers: list[str], detecting: bool = False) -> tuple[int, int]:
    amap = _alias_map(kind)
    fields = {amap.get(readers.normalise_header(h)[0]) for h in headers} - {None}
    if detecting and kind.name in REGISTRY_KINDS and not set(kind.signature) <= fields:
        return 0, 0  # a registry only with its own columns (户号 and 计量点编号 alone make no meter registry)
    return len(fields & set(kind.signature)), len(fields)


def detect_kind(headers: list[str]) -> tuple[str | None, list[str]]:
    """The kind whose columns the header matches best, and the candidates when it is ambiguous."""
    scored = sorted(((_match_count(k, headers, detecting=True), name) for name, k in KINDS.items()), reverse=True)
    best_score, best = scored[0]
    if best_score[1] < 2:
        return None, []
    ties = [name for score, name in scored if score == best_score]
    if len(ties) > 1:
        return None, ties
    return best, []


def _find_header(rows: list[list[str]], kind: str | None) -> int:
    """Index of the header row: exports often start with a title line or two."""
    kinds = [KINDS[kind]] if kind else list(KINDS.values())
    best_i, best_n = 0, -1
    for i, row in enumerate(rows[:15]):
        n = max(_match_count(k, row)[1] for k in kinds)
        if n > best_n:
            best_i, best_n = i, n
    return best_i


def prepare(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, kind: str | None = None,
            sheet: str | int | None = None, now: datetime | None = None,
            progress: Callable[[float, str], None] | None = None) -> Prepared:
    """Read and check a file. Writes nothing; the result says what commit() would do.

    progress(fraction, stage) is called between the stages (read, parse, check, compare) so a page
    can show how far a large file has got.
    """
    staged: list[fastread.Staged] = []  # the fast path's private DuckDB, closed whatever happens
    try:
        return _prepare(con, data, file_name, kind, sheet, now, progress, staged)
    finally:
        for s in staged:
            s.close()


def _stage(data: bytes, file_name: str, kind: str | None
           ) -> tuple[fastread.Staged, int, list[str], list[list[str]]] | None:
    """CSV text through DuckDB (fastread): the staged body, header index and header; None for the old path."""
    if not FAST_CSV or readers.is_excel(data, file_name):
        return None
    try:
        hd = fastread.head(data)  # ReadError (empty, binary, not text) with the old path's sentences
    except UnicodeDecodeError:
        return None  # text cut inside a character and the like: the old reader says what is wrong
    if not hd.rows or (not hd.complete and len(hd.rows) < 15):
        return None
    hi = _find_header(hd.rows, kind)
    header = [str(h).strip() for h in hd.rows[hi]]
    found = kind or detect_kind(header)[0]
    if shapes.needs_reshape(hd.rows, hi, found):
        return None  # a header over two rows, date and time apart, an id in the title: the old path reshapes
    # a file the SQL lane may take is read and typed there in one query (the text is stored only if not)
    lazy = SQL_LANE and found in sql_lane.QTY
    try:
        staged = fastread.stage(data, hd, hi, len(header), lazy=lazy)
    except UnicodeDecodeError:
        return None
    return None if staged is None else (staged, hi, header, hd.rows[:hi])


def _prepare(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, kind: str | None,  # noqa: C901 - to split
             sheet: str | int | None, now: datetime | None, progress: Callable[[float, str], None] | None,
             staged: list[fastread.Staged]) -> Prepared:
    """prepare() itself.

    progress(fraction, stage) is called between the stages (read, parse, check, compare) so a page
    can show how far a large file has got.
    """
    now = now or datetime.now()
    step = progress or (lambda _f, _s: None)
    step(0.0, "read")
    prep = Prepared(file_name=file_name, sha256=sha256(data))
    prep.already_loaded = find_loaded(con, prep.sha256)
    if kind is not None and kind not in KINDS:
        prep.problems.append(Problem(file_name, None, "", kind, "unknown_kind",
                                     msg("use_one_of", choices=", ".join(LOAD_ORDER))))
        return prep
    fast = None
    line_of: list[int] | None = None  # each body row's file line, where a reshape made several of one
    try:
        fast = _stage(data, file_name, kind)
        if fast is None:
            raw_rows, prep.encoding, sheet_note = _read_rows(data, file_name, sheet, kind)
            if sheet_note is not None:
                prep.problems.append(Problem(file_name, None, "", "", sheet_note, "nothing_to_do", "info"))
    except readers.ReadError as exc:
        prep.problems.append(Problem(file_name, None, "", "", msg("cannot_read_file", error=exc.msg),
                                     "fix_file_load_again"))
        return prep
    if fast is not None:
        staged.append(fast[0])
        prep.encoding, hi, header = fast[0].encoding, fast[1], fast[2]
        raw_rows = []
    else:
        raw_rows, hi, line_of = _reshape(prep, raw_rows, _find_header(raw_rows, kind), kind)
        if prep.errors:
            return prep
        header = [str(h).strip() for h in raw_rows[hi]]
    if kind is None:
        kind, ties = detect_kind(header)
        if kind is None:
            reason = msg("columns_match_several_kinds", kinds=", ".join(ties)) if ties else \
                msg("header_matches_no_kind")
            prep.problems.append(Problem(file_name, hi + 1, "", ",".join(header)[:120],
                                         msg("cannot_tell_kind", reason=reason),
                                         "choose_kind_or_template"))
            return prep
    prep.kind = kind
    spec = KINDS[kind]
    if fast is None and kind != "pv":  # PV portals name their site in the title (pv_portal reads it)
        found = shapes.title_fields(raw_rows, hi, spec)
        if found:
            shapes.apply_title_fields(raw_rows, hi, found)
            header = [str(h).strip() for h in raw_rows[hi]]
            for key, value, line in found.values():
                prep.problems.append(Problem(file_name, line, key, value, msg("field_from_title", key=key,
                                             value=value, line=line), "nothing_to_do", "info"))
    ctx = _Ctx(con, prep, {}, now)
    step(0.3, "parse")
    if fast is not None and kind in PREPARSE:
        # the kind's pre-parse rules (PV portals: totals, footers, month-only times) read every cell as
        # text: those files take the old reader
        try:
            raw_rows, _enc, _delim = readers.read_raw(data, file_name, sheet)
        except readers.ReadError as exc:
            prep.problems.append(Problem(file_name, None, "", "", msg("cannot_read_file", error=exc.msg),
                                         "fix_file_load_again"))
            return prep
        fast = None
    if fast is not None and SQL_LANE:
        spill = sql_lane.take(ctx, spec, fast[0], hi, header)  # a clean interval file: checked and kept in SQL
        if spill is not None:
            prep.spill = spill
            step(1.0, "done")
            return prep
    if fast is not None and not fast[0].materialize():
        # staged lazily for the lane, and DuckDB cannot read it as Python's csv would: the old reader says why
        fast = None
        try:
            raw_rows, prep.encoding, _delim = readers.read_raw(data, file_name, sheet)
        except readers.ReadError as exc:
            prep.problems.append(Problem(file_name, None, "", "", msg("cannot_read_file", error=exc.msg),
                                         "fix_file_load_again"))
            return prep
        hi = _find_header(raw_rows, kind)
        header = [str(h).strip() for h in raw_rows[hi]]
    if fast is not None:
        df = _frame_staged(ctx, spec, fast[0], hi, header)
        title_rows = fast[3]
    else:
        df = _frame(ctx, spec, raw_rows, hi, header, line_of)
        title_rows = raw_rows[:hi]
    del raw_rows
    if df is None or prep.errors:
        return prep
    if kind in PREPARSE:
        attrs = dict(df.attrs)
        df = PREPARSE[kind](ctx, spec, df, title_rows)
        df.attrs = {**attrs, **df.attrs}
    if df.empty:
        ctx.file_problem("header_but_no_rows", "add_data_rows_below_header")
        return prep
    _parse_columns(ctx, spec, df)
    formats.check_totals(ctx, spec, df)
    step(0.6, "check")
    transform = TRANSFORMS.get(kind, _identity)
    out = transform(ctx, spec, df)
    if out is None or prep.errors:
        return prep
    out = _dedupe(ctx, spec, out)
    if prep.errors:
        return prep
    from etl.ingest.safety import check_storable, drop_identical  # refused here, never in commit()

    check_storable(ctx, spec.table, out)
    if prep.errors:
        return prep
    out = drop_identical(ctx, spec.table, out)
    step(0.85, "compare")
    prep.rows = out
    prep.period = _period(out)
    prep.rows_replaced = _count_replaced(con, spec.table, out)
    step(1.0, "done")
    return prep


def _read_rows(data: bytes, file_name: str, sheet: str | int | None, kind: str | None
               ) -> tuple[list[list[str]], str, Msg | None]:
    """readers.read_raw, and for a workbook of several sheets read without a sheet named, the sheet holding
    the table (a summary or a note often comes first), with a note saying which was read."""
    rows, encoding, _delim = readers.read_raw(data, file_name, sheet)
    if sheet is not None or not readers.is_excel(data, file_name):
        return rows, encoding, None
    names = readers.sheet_names(data)
    if len(names) < 2:
        return rows, encoding, None
    sheets = [(names[0], rows)] + [(n, readers.read_raw(data, file_name, i)[0]) for i, n in enumerate(names) if i]
    best = shapes.best_sheet(sheets, kind)
    if best == 0:
        return rows, encoding, None
    return sheets[best][1], encoding, msg("sheet_chosen", sheet=names[best], first=names[0])


def _reshape(prep: Prepared, rows: list[list[str]], hi: int, kind: str | None
             ) -> tuple[list[list[str]], int, list[int] | None]:
    """A header over two rows merged, a day per row turned into a row per time, date and time of day joined
    (etl/ingest/shapes.py): the rows, the header's index and, for a day curve, each row's file line."""
    merged = shapes.merge_subheader(rows, hi, kind)
    if merged is not None:
        rows[merged[1]] = merged[0]
        prep.problems.append(Problem(prep.file_name, merged[1] + 1, "", " | ".join(h for h in merged[0] if h)[:80],
                                     msg("header_two_rows", first=hi + 1, second=merged[1] + 1), "nothing_to_do",
                                     "info"))
        hi = merged[1]
    slots = shapes.day_curve_columns([str(h) for h in rows[hi]])
    if slots is not None and kind in (None, "electricity"):
        return _melt(prep, rows, hi, slots)
    joined = shapes.join_date_time([str(h) for h in rows[hi]], rows[hi + 1:hi + 201])
    if joined is not None:
        d, ts = joined
        date_header, time_header = str(rows[hi][d]), " / ".join(str(rows[hi][t]) for t in ts)
        shapes.apply_date_time(rows, hi, d, ts)
        prep.problems.append(Problem(prep.file_name, hi + 1, time_header, "",
                                     msg("date_time_joined", date=date_header, time=time_header), "nothing_to_do",
                                     "info"))
    return rows, hi, None


def _melt(prep: Prepared, rows: list[list[str]], hi: int, slots: dict[int, int]
          ) -> tuple[list[list[str]], int, list[int] | None]:
    """A load curve with a day per row and a column per time (00:15 … 24:00): a row per time, when the file
    says whether the values are energy (kWh) or power (kW); refused otherwise (kW read as kWh is 4x off)."""
    first, last = min(slots, key=lambda j: slots[j]), max(slots, key=lambda j: slots[j])
    span = f"{rows[hi][first]} … {rows[hi][last]}"
    date_col = shapes.day_curve_date_column(rows, hi, slots)
    quantity = shapes.day_curve_quantity(rows, hi, slots)
    if date_col is None or quantity is None:
        what, fix = ("day_curve_no_date", "fix_day_curve_no_date") if date_col is None else \
            ("day_curve_unit_unknown", "fix_day_curve_unit_unknown")
        prep.problems.append(Problem(prep.file_name, hi + 1, "", span, msg(what, n=len(slots), span=span), fix))
        return rows, hi, None
    melted, lines = shapes.melt_day_curve(rows, hi, slots, date_col, quantity)
    prep.problems.append(Problem(prep.file_name, hi + 1, str(rows[hi][date_col]), span,
                                 msg("day_curve_melted", n=len(slots), span=span,
                                     what=msg("day_curve_energy" if quantity == "energy" else "day_curve_power")),
                                 "nothing_to_do", "info"))
    return rows[:hi] + melted, hi, lines  # lines[0] is the header's


def _frame(ctx: _Ctx, spec: Kind, raw_rows: list[list[str]], hi: int, header: list[str],
           line_of: list[int] | None = None) -> pd.DataFrame | None:
    mapped = _map_header(ctx, spec, hi, header)
    if mapped is None:
        return None
    mapping, units = mapped
    body = raw_rows[hi + 1:]
    width = len(header)
    longest = max(map(len, body), default=0)
    if any(len(r) != longest for r in body):  # ragged lines: pad them (pandas 3.1 deprecates doing it for us)
        body = [r + [None] * (longest - len(r)) for r in body]  # type: ignore[list-item]  # None = missing
    frame = pd.DataFrame(body, dtype=object) if body else pd.DataFrame(columns=range(width), dtype=object)
    for j in range(frame.shape[1], width):
        frame[j] = ""
    text = {j: frame[j].fillna("").astype("string").str.strip() for j in range(frame.shape[1])}
    blank = np.ones(len(frame), dtype=bool)
    for j in range(width):
        blank &= (text[j] == "").to_numpy(bool)
    lines = np.arange(len(frame)) + hi + 2 if line_of is None else np.asarray(line_of[1:len(frame) + 1])
    # 合计/小计 rows and 制表人/打印时间 lines are not data: skipped with a note; stated totals are checked later
    # a bill's 合计/总 in the time-band column is a row of that bill (etl/ingest/bands.py), not a file total
    total, footer, label = formats.total_and_footer_rows(
        [text[j] if mapping.get(j) != "band" else pd.Series("", index=text[j].index, dtype="string") for j in range(frame.shape[1])])
    total &= ~blank
    footer &= ~blank & ~total
    extra = np.zeros(len(frame), dtype=bool)
    for j in range(width, frame.shape[1]):
        extra |= (text[j] != "").to_numpy(bool)
    extra &= ~footer  # a remark under the table may hold a comma of its own
    for i in np.flatnonzero(extra)[:MAX_PROBLEMS_PER_CHECK]:
        ctx.file_problem(msg("more_values_than_header", width=width),
                         "fix_unquoted_delimiter",
                         line=int(lines[i]))
    # a cell of many kilobytes is a broken line (an unclosed quote swallowing the rest), not a value
    huge = np.zeros(len(frame), dtype=bool)
    for j in range(min(width, frame.shape[1])):
        huge |= (text[j].str.len() > MAX_CELL_CHARS).fillna(False).to_numpy(bool)
    for i in np.flatnonzero(huge)[:MAX_PROBLEMS_PER_CHECK]:
        ctx.file_problem(msg("value_too_long", n=MAX_CELL_CHARS),
                         "fix_unclosed_quote", line=int(lines[i]))
    formats.skipped_note(ctx, [int(x) for x in lines[total]], "total")
    formats.skipped_note(ctx, [int(x) for x in lines[footer]], "footer")
    keep = ~blank & ~extra & ~huge & ~total & ~footer
    df = pd.DataFrame({name: text[j][keep].reset_index(drop=True) for j, name in mapping.items()})
    df["_line"] = lines[keep]
    df.attrs["units"] = units
    df.attrs["total_rows"] = [(int(lines[i]), label[i], {name: str(text[j].iat[i]) for j, name in mapping.items()})
                              for i in np.flatnonzero(total)]
    return df


def _frame_staged(ctx: _Ctx, spec: Kind, st: fastread.Staged, hi: int, header: list[str]) -> pd.DataFrame | None:
    """_frame for a file staged in DuckDB: blank and broken lines, then every column typed in one query.

    Numbers and dates are parsed in SQL; each comes with a `_bad_<field>` mask (and `_empty_<field>` when
    required) that _parse_columns reports exactly as it reports the old path's parse failures.
    """
    mapped = _map_header(ctx, spec, hi, header)
    if mapped is None:
        return None
    mapping, units = mapped
    line = st.line_sql()
    cells = [f"c{j}" for j in range(st.width)]
    huge = " OR ".join(f"length({c}) > {MAX_CELL_CHARS}" for c in cells)
    # a cell of many kilobytes is a broken line (an unclosed quote swallowing the rest), not a value
    for (ln,) in st.con.execute(f"SELECT {line} FROM raw WHERE {huge} ORDER BY rowid LIMIT {MAX_PROBLEMS_PER_CHECK}"
                                ).fetchall():
        ctx.file_problem(msg("value_too_long", n=MAX_CELL_CHARS), "fix_unclosed_quote", line=int(ln))
    blank = " AND ".join(f"{c} = ''" for c in cells)
    # 合计/小计 rows and 制表人/打印时间 lines: the few candidate lines are fetched and judged by the same
    # rule as the old path (formats.total_and_footer_rows), then left out of the body
    band = [j for j, name in mapping.items() if name == "band"]  # a bill's 合计 there is data (etl/ingest/bands.py)
    cand = st.con.execute(f"SELECT {line}, {', '.join(cells)} FROM raw WHERE NOT ({blank}) AND "
                          f"{formats.candidates_sql([c for j, c in enumerate(cells) if j not in band])} "
                          "ORDER BY rowid").fetchall()
    skip: list[int] = []
    total_rows = []
    if cand:
        text = [pd.Series([r[j + 1] if j not in band else "" for r in cand], dtype="string") for j in range(st.width)]
        total, footer, label = formats.total_and_footer_rows(text)
        footer &= ~total
        lines = [int(r[0]) for r in cand]
        formats.skipped_note(ctx, [ln for ln, t in zip(lines, total, strict=True) if t], "total")
        formats.skipped_note(ctx, [ln for ln, f in zip(lines, footer, strict=True) if f], "footer")
        skip = [ln for ln, t, f in zip(lines, total, footer, strict=True) if t or f]
        total_rows = [(lines[i], label[i], {name: str(cand[i][j + 1]) for j, name in mapping.items()})
                      for i in np.flatnonzero(total)]
    select = []
    for j, name in mapping.items():
        col = spec.col(name)
        if col.type in ("number", "int"):
            value, bad = fastread.number_sql(f"c{j}")
        elif col.type in ("datetime", "date"):
            value, bad = fastread.datetime_sql(f"c{j}", fastread.guess_format(st.con, f"c{j}"))
        else:
            select.append(f'{cells[j]} AS "{name}"')
            continue
        select += [f'{value} AS "{name}"', f'{bad} AS "_bad_{name}"']
        if col.required:
            select.append(f'{cells[j]} = \'\' AS "_empty_{name}"')
    # file order without ORDER BY (DuckDB keeps insertion order); Arrow hands the columns over without copies
    where = f"NOT ({blank}) AND NOT ({huge})"
    if skip:
        where += f" AND NOT list_contains({[int(x) for x in skip]}, {line})"
    df = st.con.sql(f"SELECT {', '.join(select)}, {line} AS _line FROM raw WHERE {where}").to_arrow_table().to_pandas()
    column_of = {name: j for j, name in mapping.items()}
    ctx.raw_lookup = lambda name, lines: st.raw_text(column_of[name], lines) if name in column_of else {}
    df.attrs["units"] = units
    df.attrs["total_rows"] = total_rows
    return df


def _map_header(ctx: _Ctx, spec: Kind, hi: int, header: list[str]) -> tuple[dict[int, str], dict[str, str]] | None:
    """Which column is which field (file column index -> field), and the unit each header names."""
    amap = spec.alias_map()
    mapping: dict[int, str] = {}
    seen: dict[str, str] = {}
    units: dict[str, str] = {}
    for j, h in enumerate(header):
        if not h:
            continue
        norm, unit = readers.normalise_header(h)
        name = amap.get(norm)
        if name is None:
            ctx.file_problem(msg("column_not_used", header=h, kind=spec.name), "fix_column_not_used",
                             "info", h, hi + 1)
            continue
        if name in seen:
            ctx.file_problem(msg("columns_same_field", first=seen[name], second=h, field=name),
                             "delete_or_rename_one", column=h, line=hi + 1)
            continue
        seen[name] = h
        mapping[j] = name
        units[name] = unit
    if any(c.name == "meter" for c in spec.columns) and "meter" not in seen and "meter_point" in seen:
        # a 计量自动化 export names only the metering point: it is the meter's id (or account) then
        j = next(j for j, n in mapping.items() if n == "meter_point")
        mapping[j] = "meter"
        seen["meter"] = seen.pop("meter_point")
        units["meter"] = units.pop("meter_point")
    ctx.header_of.update(seen)  # field -> the header as written in the file, for problem reports
    ctx.prep.header_map = {h: n for n, h in seen.items()}
    missing = [c for c in spec.columns if c.required and c.name not in seen]
    if missing:
        names = ", ".join(f"{c.name} ({'/'.join(c.aliases[:3])})" for c in missing)
        ctx.file_problem(msg("required_column_missing", names=names),
                         "add_required_column", line=hi + 1)
        return None
    for name, unit in units.items():
        col = spec.col(name)
        if unit and col.units and unit.replace(" ", "") not in col.units:
            ctx.file_problem(msg("unit_not_known", unit=unit, column=seen[name]),
                             msg("use_one_of", choices=", ".join(col.units)), column=seen[name], line=hi + 1)
    return mapping, units


def _parse_columns(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> None:  # noqa: C901 - to split (listed in the README)
    units = df.attrs.get("units", {})
    for col in spec.columns:
        if col.name not in df.columns:
            continue
        parsed = f"_bad_{col.name}" in df.columns  # typed in SQL already (fast path)
        if parsed:
            bad = df.pop(f"_bad_{col.name}").to_numpy(bool)
            raw = None
        else:
            raw = df[col.name].fillna("").astype("string").str.strip()
            if ctx.raw_lookup is None:
                df[f"_raw_{col.name}"] = raw
        if col.type == "text":
            assert raw is not None  # text is never typed in SQL: the fast path leaves it to this code
            wrapped = raw.str.fullmatch(r'="[^"]*"').fillna(False).astype(bool)
            if wrapped.any():  # ="0450000001": how many systems keep Excel from dropping the zeros
                raw = raw.where(~wrapped, raw.str.slice(2, -1))
                ctx.file_problem("excel_text_unwrapped", "nothing_to_do", "info", ctx.header_of.get(col.name, col.name))
            values = raw
            formula = raw.str.startswith(("=", "+", "@"))
            ctx.report(df, formula, col.name, "formula_as_text",
                       "fix_formula_as_text", "info")
            if col.choices:
                values = _choice(ctx, df, col, raw)
            df[col.name] = values.where(values != "", None)
        elif col.type in ("number", "int"):
            values, bad = (df[col.name].astype("float64"), bad) if parsed else readers.parse_number(raw)
            ctx.report(df, bad, col.name, "not_number", "write_plain_number")
            factor = col.units.get(units.get(col.name, "").replace(" ", ""), 1.0) if col.units else 1.0
            values = values * factor
            if col.type == "int":
                frac = values.notna() & (values.round() != values)
                ctx.report(df, frac, col.name, "not_whole_number", "write_whole_number")
            df[col.name] = values
        elif col.type in ("datetime", "date"):
            values, bad = (df[col.name].astype("datetime64[us]"), bad) if parsed else readers.parse_datetime(raw)
            ctx.report(df, bad, col.name, "not_date", "write_dates")
            future = values > pd.Timestamp(ctx.now) + pd.Timedelta(days=1)
            ctx.report(df, future, col.name, "date_in_future", "check_year")
            old = values < pd.Timestamp("2000-01-01")
            ctx.report(df, old, col.name, "date_before_2000", "check_year")
            df[col.name] = values.dt.normalize() if col.type == "date" else values
        elif col.type == "month":
            values, bad = readers.parse_month(raw)
            ctx.report(df, bad, col.name, "not_month", "write_month_2023_01")
            df[col.name] = values
        elif col.type == "bool":
            values, bad = readers.parse_bool(raw)
            ctx.report(df, bad, col.name, "not_yes_no", "write_yes_no")
            df[col.name] = values
        if col.required:
            empty = df.pop(f"_empty_{col.name}").to_numpy(bool) if parsed else raw == ""
            ctx.report(df, empty, col.name, "value_missing", "fill_value")


def _choice(ctx: _Ctx, df: pd.DataFrame, col: Col, raw: pd.Series) -> pd.Series:
    lookup = {k.lower(): v for k, v in col.choices.items()}
    mapped = raw.str.lower().map(lookup)
    bad = mapped.isna() & (raw != "")
    allowed = sorted({k for k in col.choices if k and not k.isascii()} or set(col.choices.values()))
    ctx.report(df, bad, col.name, "value_not_recognised", msg("use_one_of", choices=" / ".join(allowed)))
    return mapped.fillna("").astype("string")


def _identity(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame:
    return _select(ctx, spec, df)


def _select(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame:
    """Keep the table's columns (missing ones as empty) and _line."""
    cols = [c for c in columns(ctx.con, spec.table) if c != "batch_id"]
    out = pd.DataFrame(index=df.index)
    for c in cols:
        out[c] = df[c] if c in df.columns else None
    out["_line"] = df["_line"]
    return out


# ------------------------------------------------------------------ kind-specific rules


def _lookup(s: pd.Series, mapping: dict) -> pd.Series:
    """s.map(mapping) for a column of few distinct values in many rows: map the distinct values, then take.

    Series.map on a text column turns every value into a Python object first (seconds per million rows).
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = pd.Series([mapping.get(u) for u in uniques], dtype=None if len(uniques) else object)
    return pd.Series(mapped.array.take(codes, allow_fill=True), index=s.index)


def _known(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    return {r[0] for r in con.execute(sql).fetchall()}


QTY = {"electricity": "energy_kwh", "water": "water_m3", "gas": "water_m3"}  # gas: m3 of a gas meter


def _readings(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:  # noqa: C901 - to split (listed in the README)
    qty = QTY[spec.name]
    if spec.name == "electricity":
        df = bands.collapse(ctx, df)  # one row per time band (尖/峰/平/谷, 合计) -> one bill
        if df is None:
            return None
    meters = ctx.con.execute(
        "SELECT meter_id, account_no, kind, multiplier FROM meters"
    ).df()
    by_id = dict(zip(meters.meter_id, meters.meter_id, strict=True))
    by_acct = {a: m for a, m in zip(meters.account_no, meters.meter_id, strict=True) if a}
    kind_of = dict(zip(meters.meter_id, meters.kind, strict=True))
    ref = df["meter"].fillna("")
    meter_id = _lookup(ref, by_id).fillna(_lookup(ref, by_acct))
    if "meter_point" in df.columns:  # grid exports: the metering point (计量点编号) is another way in
        point = df["meter_point"].fillna("")
        meter_id = meter_id.fillna(_lookup(point, by_id)).fillna(_lookup(point, by_acct))
    meter_id = formats.repair_ids(ctx, df, "meter", meter_id, {**by_id, **by_acct})
    ctx.report(df, meter_id.isna() & (ref != ""), "meter", "meter_not_in_registry",
               "add_meter_to_registry")
    wrong = meter_id.notna() & (_lookup(meter_id, kind_of) != spec.name)
    ctx.report(df, wrong, "meter", msg("not_this_meter_kind", meter_kind=msg(f"meter_kind_{spec.name}")),
               msg("load_as_kind", kind=meter_id[wrong].map(kind_of).iloc[0] if wrong.any() else ""))
    df["meter_id"] = meter_id

    registry_mult = dict(zip(meters.meter_id, meters.multiplier, strict=True))
    interval = "ts" in df.columns and df["ts"].notna().any()
    has_qty = qty in df.columns and df[qty].notna().any()
    if interval and not has_qty and "register" in df.columns:
        df = _registers_to_usage(ctx, df, qty, registry_mult)
        if df is None or df.empty:
            return None if df is None else _select(ctx, spec, df)
    elif interval:
        df["source"] = "interval"
        df["period_start"] = df["ts"]
        ctx.report(df, df["ts"].isna(), "ts", "time_missing", "fill_time_interval")
        step = _interval_minutes(df, "meter_id", "ts")
        df["period_end"] = df["ts"] + pd.to_timedelta(step, unit="min")
        if not has_qty and "power_kw" in df.columns:
            # average power over the interval x its length: kW x h = kWh
            ctx.report(df, df["power_kw"] < 0, "power_kw", "negative_power",
                       "fix_negative_power")
            df[qty] = df["power_kw"] * step / 60.0
            steps = [msg("minutes", n=m) for m in sorted(step.dropna().unique())[:5]]
            ctx.file_problem(msg("power_to_energy", steps=steps),
                             "fix_power_to_energy",
                             "info", ctx.header_of.get("power_kw", "power_kw"))
    else:
        df["source"] = "bill"
        if "month" in df.columns:
            start = df["month"]
        elif "read_date" in df.columns:
            start = df["read_date"].dt.to_period("M").dt.start_time
        else:
            ctx.file_problem("no_month_column",
                             "add_month_column")
            return None
        ctx.report(df, start.isna(), "month", "billing_month_missing", "fill_month")
        df["period_start"] = start
        df["period_end"] = start + pd.offsets.MonthBegin(1)

    mult = df["multiplier"].fillna(1.0) if "multiplier" in df.columns else pd.Series(1.0, index=df.index)
    df["multiplier"] = mult
    if spec.name == "electricity":
        df = formats.settle_grid_bill(ctx, df)
    if qty not in df.columns:
        df[qty] = np.nan
    if "prev_register" in df.columns and "curr_register" in df.columns and "register" not in df.columns:
        # the registers give the read energy (抄见); the settled energy may add losses
        read = "read_kwh" if "read_kwh" in df.columns and df["read_kwh"].notna().any() else qty
        from_regs = (df["curr_register"] - df["prev_register"]) * mult
        fill = df[qty].isna() & from_regs.notna()
        df.loc[fill, qty] = from_regs[fill]
        both = df[read].notna() & from_regs.notna() & ((df[read] - from_regs).abs() > 0.5 + 0.001 * df[read].abs())
        consistency.registers(ctx, df, read, from_regs, mult, both & ~fill)  # values and the likely cause
    ctx.report(df, df[qty].isna(), qty, "usage_missing", "fill_usage_both_registers")
    ctx.report(df, df[qty] < 0, qty, "negative_usage", "fix_negative_usage")
    if "estimated" not in df.columns:
        df["estimated"] = False
    df["estimated"] = df["estimated"].fillna(False)
    if not ctx.prep.errors:
        capacity.check(ctx, df, qty)  # first: its warning names the limit, the history check then stays quiet
        _warn_unusual(ctx, df, qty)
        if (df["source"] == "interval").any():
            _warn_gaps(ctx, df, "meter_id", "period_start", "period_end", qty)
    return _select(ctx, spec, df)


def _registers_to_usage(ctx: _Ctx, df: pd.DataFrame, qty: str, registry_mult: dict) -> pd.DataFrame | None:
    """Cumulative register readings -> usage per interval (between two readings of the same meter).

    Usage of the interval ending at a reading = (this register - previous register) x multiplier.
    The first reading of a meter only starts the count unless the database holds the reading
    that ended exactly there. A register that falls is either
      - a rollover: the previous value was near the top of its digits (>= 90% of 10^n) and the
        wrapped usage (current + 10^n - previous) is no more than ten times the meter's usual
        usage per interval: usage = wrapped usage;
      - otherwise a meter replacement: the new meter is assumed to start at 0, so usage = current
        register x multiplier, marked estimated.
    Each assumption is reported as a warning on its line, so the officer accepts it knowingly.
    """
    ctx.report(df, df["ts"].isna(), "ts", "time_missing", "fill_time_reading")
    ctx.report(df, df["register"].isna(), "register", "register_reading_missing", "fill_reading")
    ctx.report(df, df["register"] < 0, "register", "negative_register", "check_value")
    if ctx.prep.errors:
        return None
    df = df.sort_values(["meter_id", "ts", "_line"]).reset_index(drop=True)
    same = df.duplicated(["meter_id", "ts"], keep=False)
    if same.any():
        exact = df.duplicated(["meter_id", "ts", "register"], keep="first")
        ctx.report(df, exact, "ts", "reading_repeated", "repeat_ignored",
                   "warning")
        df = df.loc[~exact].reset_index(drop=True)
        conflict = df.duplicated(["meter_id", "ts"], keep="first")
        ctx.report(df, conflict, "register", "reading_conflict",
                   "keep_one_line")
        if ctx.prep.errors:
            return None
    if "multiplier" in df.columns:
        mult = df["multiplier"].fillna(df["meter_id"].map(registry_mult)).fillna(1.0)
    else:
        mult = df["meter_id"].map(registry_mult).fillna(1.0).astype(float)
        used = sorted({f"{m}: x{v:g}" for m, v in zip(df["meter_id"], mult, strict=True) if v != 1.0})
        if used:
            ctx.file_problem(msg("multiplier_from_registry", used=", ".join(used[:5])), "add_multiplier_column",
                             "info", "multiplier")
    df["multiplier"] = mult
    reg = df["register"].astype(float)
    prev_ts = df.groupby("meter_id")["ts"].shift(1)
    prev_reg = df.groupby("meter_id")["register"].shift(1).astype(float)
    # the first reading of a meter continues a stored reading that ended at the same time, if any
    first = prev_ts.isna()
    if first.any():
        stored = ctx.con.execute(
            "SELECT meter_id, period_end AS ts, curr_register, period_start FROM readings "
            "WHERE source = 'interval' AND curr_register IS NOT NULL AND meter_id IN (SELECT unnest(?))",
            [sorted(df.loc[first, "meter_id"].unique().tolist())]).df()
        if not stored.empty:
            firsts = df.loc[first, ["meter_id", "ts"]].reset_index()
            hit = firsts.merge(stored, on=["meter_id", "ts"], how="inner").drop_duplicates("index")
            if not hit.empty:
                idx = hit["index"].to_numpy()
                prev_reg.loc[idx] = hit["curr_register"].to_numpy(float)
                # the stored reading started the interval before: this one starts where it ended
                prev_ts.loc[idx] = hit["ts"].to_numpy()
    diff = reg - prev_reg
    # usual positive step per meter, for the rollover plausibility test
    usual = diff.where(diff >= 0).groupby(df["meter_id"]).transform("median")
    fell = diff < 0
    digits = np.floor(np.log10(prev_reg.where(prev_reg > 0, 1.0))) + 1
    top = np.power(10.0, digits)
    wrapped = reg + top - prev_reg
    plausible = (prev_reg >= 0.9 * top) & (wrapped <= 10 * usual.fillna(0.01 * top).clip(lower=1e-9))
    rollover = fell & plausible
    replaced = fell & ~plausible
    usage_raw = diff.where(~fell, np.where(rollover, wrapped, reg))
    df["prev_register"] = prev_reg.where(~replaced, 0.0)
    df["curr_register"] = reg
    df[qty] = usage_raw * mult
    df["estimated"] = replaced
    column = ctx.header_of.get("register", "register")

    def warn(rows: pd.Series, message: Callable[[int], Msg], fix: str) -> None:
        for i in np.flatnonzero(rows.to_numpy())[:MAX_PROBLEMS_PER_CHECK]:
            ctx.prep.problems.append(Problem(ctx.prep.file_name, int(df["_line"].iat[i]), column,
                                             f"{prev_reg.iat[i]:g} -> {reg.iat[i]:g}", message(i), fix, "warning"))

    warn(rollover, lambda i: msg("register_rollover", top=f"{top.iat[i]:g}", usage=f"{wrapped.iat[i]:g}",
                                 multiplier=f"{mult.iat[i]:g}", total=f"{df[qty].iat[i]:g}"),
         "fix_register_rollover")
    warn(replaced, lambda i: msg("meter_replaced", usage=f"{reg.iat[i]:g}", multiplier=f"{mult.iat[i]:g}"),
         "fix_meter_replaced")
    starts = df.loc[prev_ts.isna()]
    if len(starts):
        names = at_lines(zip(starts["meter_id"], starts["_line"], strict=True))
        ctx.file_problem(msg("first_reading_starts_count", lines=names), "fix_first_reading", "info",
                         ctx.header_of.get("register", "register"))
    df["source"] = "interval"
    df["period_start"] = prev_ts
    df["period_end"] = df["ts"]
    return df.loc[prev_ts.notna()].reset_index(drop=True)


def _usual_rate(ctx: _Ctx, df: pd.DataFrame, qty: str) -> pd.Series:
    """Each row's usual usage per hour for its meter and source: stored history first, else the file."""
    hours = (df["period_end"] - df["period_start"]).dt.total_seconds() / 3600.0
    rate = df[qty] / hours.where(hours > 0)
    keys = df[["meter_id", "source"]].drop_duplicates()
    ctx.con.register("_usual_keys", keys)
    try:
        stored = ctx.con.execute(
            f"SELECT r.meter_id, r.source, median({qty} / (date_diff('second', period_start, period_end) / 3600.0))"
            f" AS usual, count(*) AS n FROM readings r JOIN _usual_keys k USING (meter_id, source) "
            f"WHERE {qty} > 0 AND period_end > period_start GROUP BY ALL").df()
    finally:
        ctx.con.unregister("_usual_keys")
    stored = stored[stored["n"] >= 3]
    from_db = df[["meter_id", "source"]].merge(stored, on=["meter_id", "source"], how="left")["usual"]
    from_db.index = df.index
    # kept in pandas: measured, the DuckDB median (_group_median) cost more CPU here than it saved
    grp = rate.where(rate > 0).groupby([df["meter_id"], df["source"]])
    from_file = grp.transform("median").where(grp.transform("count") >= 4)
    return from_db.fillna(from_file), rate


def _warn_unusual(ctx: _Ctx, df: pd.DataFrame, qty: str) -> None:
    """Warning: usage more than `reading_history_factor` (data/load_checks.csv) times the meter's usual, per
    hour, so bills and intervals compare."""
    if df.empty or qty not in df.columns:
        return
    from etl.ingest import pv_portal  # the loader's physical bounds are read there

    factor = pv_portal.settings()["reading_history_factor"]
    usual, rate = _usual_rate(ctx, df, qty)
    high = (rate > factor * usual) & (usual > 0)
    ctx.report(df, high, qty, msg("usage_above_usual", factor=f"{factor:g}"),
               "check_value_and_unit", "warning")


def _warn_gaps(ctx: _Ctx, df: pd.DataFrame, key: str, start: str, end: str, what: str) -> None:
    """Warning on the first line after a gap in interval data: the readings in between are missing."""
    d = df.loc[df[start].notna() & df[end].notna(), [key, start, end, "_line"]].sort_values([key, start])
    prev_end = d.groupby(key)[end].shift(1)
    step = (d[end] - d[start])
    gap = d[start] - prev_end
    hit = gap >= step * 0.5  # one whole interval or more is missing
    n = 0
    for (_, row), missing_from, length, g in zip(d.loc[hit].iterrows(), prev_end[hit], step[hit], gap[hit],
                                                 strict=True):
        if n >= MAX_PROBLEMS_PER_CHECK:
            ctx.file_problem(msg("more_gaps", n=int(hit.sum()) - n), "see_lines_above", "warning")
            break
        missing = int(round(g / length)) if length.total_seconds() > 0 else 0
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, int(row["_line"]), ctx.header_of.get("ts", "ts"), str(row[start]),
            msg("interval_gap", meter=row[key], start=missing_from, end=row[start], n=missing), "fix_interval_gap",
            "warning"))
        n += 1


def _group_codes(df: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """One integer per distinct combination of the key columns (-1 where a key is missing, as groupby drops it)."""
    codes = np.zeros(len(df), dtype=np.int64)
    for k in keys:
        c, uniques = pd.factorize(df[k], use_na_sentinel=True)
        codes = np.where((codes < 0) | (c < 0), -1, codes * max(len(uniques), 1) + c)
    return codes


def _group_median(codes: np.ndarray, values: np.ndarray, min_count: int = 1, steps: bool = False) -> np.ndarray:
    """Each row's median of `values` over its group (non-NaN values counted; NaN below min_count).

    In DuckDB over numeric columns (no Python objects): a pandas groupby-transform costs seconds per
    million rows. steps: the median is of the differences to the previous value of the group, in order.
    """
    value = "v - lag(v) OVER (PARTITION BY k ORDER BY v NULLS LAST)" if steps else "v"
    con = duckdb.connect()
    try:
        con.register("_grp", pd.DataFrame({"k": codes, "v": values}))
        got = con.execute(f"WITH d AS (SELECT k, {value} AS v FROM _grp WHERE k >= 0) "
                          "SELECT k, median(v) AS med, count(v) AS n FROM d GROUP BY k").fetchnumpy()
    finally:
        con.close()
    lookup = np.full(max(int(codes.max()) + 1 if len(codes) else 1, 1), np.nan)
    med = np.asarray(got["med"], dtype="float64")
    lookup[np.asarray(got["k"], dtype=np.int64)] = np.where(np.asarray(got["n"]) >= min_count, med, np.nan)
    return np.where(codes >= 0, lookup[np.clip(codes, 0, None)], np.nan)


def _interval_minutes(df: pd.DataFrame, key: str, ts: str) -> pd.Series:
    """Each row's interval length: the usual step between readings of the same meter."""
    # microseconds since 1970 are whole numbers well inside a double's exact range: the steps are exact
    micros = (df[ts].astype("datetime64[us]") - pd.Timestamp(0)) // pd.Timedelta(microseconds=1)
    median = _group_median(_group_codes(df, [key]), micros.to_numpy("float64", na_value=np.nan), steps=True) / 6e7
    return pd.Series(median, index=df.index).fillna(60.0).clip(lower=1, upper=1440).round().astype("int64")


def _pv(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    from etl.ingest import pv_portal  # portal shapes, counters and physics live there

    return pv_portal.transform(ctx, spec, df)


def _pv_preparse(ctx: _Ctx, spec: Kind, df: pd.DataFrame, title_rows: list[list[str]]) -> pd.DataFrame:
    from etl.ingest import pv_portal

    return pv_portal.preparse(ctx, spec, df, title_rows)


def _weather(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "station" not in df.columns:
        df["station"] = "county"
    df["station"] = df["station"].fillna("county")
    for c in ("ghi_w_m2", "dni_w_m2", "dhi_w_m2", "poa_w_m2"):
        if c in df.columns:
            ctx.report(df, (df[c] < 0) | (df[c] > 1500), c, "irradiance_out_of_range",
                       "check_irradiance_unit")
    df["interval_min"] = _interval_minutes(df, "station", "ts")
    return _select(ctx, spec, df)


def _fuel(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "txn_type" not in df.columns:
        df["txn_type"] = "fuel"
    df["txn_type"] = df["txn_type"].fillna("fuel")
    fuel = df["txn_type"] == "fuel"
    if "fuel_l" not in df.columns:
        ctx.file_problem("no_fuel_column", "add_litres_column")
        return None
    ctx.report(df, fuel & df["fuel_l"].isna(), "fuel_l", "litres_missing_fuel_row", "fill_litres")
    ctx.report(df, fuel & (df["fuel_l"] <= 0), "fuel_l", "litres_must_positive",
               "fix_refund_fill")
    vehicles = ctx.con.execute("SELECT plate, fuel_card_no FROM vehicles").df()
    by_card = {c: p for c, p in zip(vehicles.fuel_card_no, vehicles.plate, strict=True) if c}
    if "plate" not in df.columns:
        df["plate"] = None
    # a card number Excel changed (9.03E+15, last digits 0) is stored as the registry writes it
    cards = {c: c for c in by_card}
    df["card_no"] = formats.repair_ids(ctx, df, "card_no", df["card_no"].map(cards), cards, "card").fillna(
        df["card_no"]).astype("string")
    df["plate"] = df["plate"].astype(object).fillna(df["card_no"].astype(object).map(by_card))
    unknown = fuel & df["plate"].isna()
    ctx.report(df, unknown, "card_no", "card_belongs_no_vehicle",
               "add_card_to_registry", "warning")
    _warn_unknown_plate(ctx, df, set(vehicles.plate))
    if "odometer_km" in df.columns:
        ctx.report(df, df["odometer_km"] < 0, "odometer_km", "negative_odometer_reading", "check_value")
    consistency.fuel_amount(ctx, df)  # 金额 far from 升 x 单价
    return _select(ctx, spec, df)


def _lpg(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    inst = ctx.con.execute("SELECT institution_id, name FROM institutions").df()
    lookup = dict(zip(inst.name, inst.institution_id, strict=True))
    lookup.update(dict(zip(inst.institution_id, inst.institution_id, strict=True)))
    ref = df["institution"].fillna("")
    df["institution_id"] = ref.map(lookup)
    ctx.report(df, df["institution_id"].isna() & (ref != ""), "institution", "institution_not_in_registry",
               "load_institution_registry_kind")
    df = formats.lpg_weights(ctx, df)
    return _select(ctx, spec, df)


def _warn_unknown_plate(ctx: _Ctx, df: pd.DataFrame, known: set[str] | None = None) -> None:
    """A plate that is not in the vehicle registry is kept, with a warning naming the registry step."""
    if "plate" not in df.columns:
        return
    if known is None:
        known = _known(ctx.con, "SELECT plate FROM vehicles")
    ctx.report(df, df["plate"].notna() & ~df["plate"].isin(known), "plate", "vehicle_not_in_registry",
               "load_vehicle_registry", "warning")


def _charging(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    ctx.report(df, df["energy_kwh"] < 0, "energy_kwh", "negative_energy", "check_value")
    df = formats.charging_amounts(ctx, df)
    if "end_ts" in df.columns:
        ctx.report(df, df["end_ts"] < df["start_ts"], "end_ts", "ends_before_starts", "check_both_times")
    _warn_unknown_plate(ctx, df)
    consistency.charge_above_battery(ctx, df)  # one session above the car's battery
    return _select(ctx, spec, df)


def _dispatches(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "return_at" in df.columns:
        ctx.report(df, df["return_at"] < df["depart_at"], "return_at", "returns_before_departs",
                   "check_both_times")
    if "distance_km" in df.columns:
        ctx.report(df, df["distance_km"] < 0, "distance_km", "negative_distance", "check_value")
    if "odo_out_km" in df.columns and "odo_back_km" in df.columns:
        ctx.report(df, df["odo_back_km"] < df["odo_out_km"], "odo_back_km",
                   "odometer_back_below_out", "check_both_columns")
    _warn_unknown_plate(ctx, df)
    return _select(ctx, spec, df)


def _vehicle_costs(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    ctx.report(df, df["amount_yuan"] < 0, "amount_yuan", "negative_amount", "fix_refund_cost")
    _warn_unknown_plate(ctx, df)
    return _select(ctx, spec, df)


def _secondments(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "end_on" in df.columns:
        ctx.report(df, df["end_on"] < df["start_on"], "end_on", "ends_before_starts", "check_both_dates")
    _warn_unknown_plate(ctx, df)
    return _select(ctx, spec, df)


def _work_orders(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "closed_at" in df.columns:
        ctx.report(df, df["closed_at"] < df["reported_at"], "closed_at", "closed_before_reported",
                   "check_both_times")
    return _select(ctx, spec, df)


def _people(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    ctx.report(df, df["people"] <= 0, "people", "people_at_least_one", "check_value")
    return _select(ctx, spec, df)


def _institutions(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    ctx.report(df, df["floor_area_m2"] <= 0, "floor_area_m2", "area_not_positive", "check_value")
    ctx.report(df, df["people"] < 0, "people", "negative_people", "check_value")
    return _select(ctx, spec, df)


def _meters(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    known = _known(ctx.con, "SELECT institution_id FROM institutions")
    ctx.report(df, ~df["institution_id"].isin(known), "institution_id", "institution_not_in_registry",
               "load_institution_registry_kind")
    default_unit = df["kind"].map({"electricity": "kWh", "water": "m3", "gas": "m3"})
    df["unit"] = df["unit"].fillna(default_unit) if "unit" in df.columns else default_unit
    for c, default in (("resolution", "billing"), ("measures", "consumption")):
        df[c] = df[c].fillna(default) if c in df.columns else default
    if "multiplier" not in df.columns:
        df["multiplier"] = 1.0
    df["multiplier"] = df["multiplier"].fillna(1.0)
    capacity.registry_columns(ctx, df)  # 报装容量 (kVA) and 口径 (DN)
    return _select(ctx, spec, df)


def _pv_sites(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    if "dc_kwp" not in df.columns:
        df["dc_kwp"] = np.nan
    df["dc_kwp"] = df["dc_kwp"].fillna(df["modules"] * df["module_w"] / 1000.0)
    ctx.report(df, ~df["latitude"].between(-90, 90), "latitude", "latitude_out_of_range", "check_value")
    ctx.report(df, ~df["longitude"].between(-180, 180), "longitude", "longitude_out_of_range",
               "check_value")
    if "institution_id" in df.columns:
        known = _known(ctx.con, "SELECT institution_id FROM institutions")
        ctx.report(df, df["institution_id"].notna() & ~df["institution_id"].isin(known), "institution_id",
                   "host_not_in_registry", "load_institution_registry", "warning")
    return _select(ctx, spec, df)


def _certifications(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> pd.DataFrame | None:
    known = _known(ctx.con, "SELECT institution_id FROM institutions")
    ctx.report(df, ~df["institution_id"].isin(known), "institution_id", "institution_not_in_registry",
               "load_institution_registry_or_code")
    return _select(ctx, spec, df)


TRANSFORMS: dict[str, Callable[[_Ctx, Kind, pd.DataFrame], pd.DataFrame | None]] = {
    "electricity": _readings, "water": _readings, "gas": _readings, "lpg": _lpg, "pv": _pv, "weather": _weather, "fuel": _fuel,
    "charging": _charging, "dispatches": _dispatches, "work_orders": _work_orders, "receptions": _people,
    "visitors": _people, "institutions": _institutions, "meters": _meters, "pv_sites": _pv_sites,
    "certifications": _certifications, "vehicle_costs": _vehicle_costs, "vehicle_secondments": _secondments,
}


# rules that run on the text before the generic parsing (e.g. month-only times of monthly PV reports)
PREPARSE: dict[str, Callable[[_Ctx, Kind, pd.DataFrame, list[list[str]]], pd.DataFrame]] = {"pv": _pv_preparse}


def _dedupe(ctx: _Ctx, spec: Kind, out: pd.DataFrame) -> pd.DataFrame:
    """Identical repeated rows are dropped with a warning; same key, different values is an error."""
    key = list(TABLES[spec.table][1])
    dup_key = out.duplicated(key, keep=False)
    if not dup_key.any():
        return out
    value_cols = [c for c in out.columns if c != "_line"]
    exact = out.duplicated(value_cols, keep="first")
    ctx.report(out, exact, key[-1], "row_repeated", "repeat_ignored", "warning")
    out = out.loc[~exact]
    conflict = out.duplicated(key, keep=False)
    if conflict.any():
        first_line = out.loc[conflict].groupby(key, dropna=False)["_line"].transform("min")
        out = out.assign(_first=first_line)
        later = conflict & (out["_line"] != out["_first"].fillna(-1))
        ctx.report(out, later, key[-1], msg("key_conflict", key="/".join(key)), "keep_one_line")
        out = out.drop(columns="_first")
    return out


def _period(out: pd.DataFrame) -> tuple[datetime | None, datetime | None]:
    for c in ("period_start", "ts", "start_ts", "depart_at", "reported_at", "held_on", "visited_on", "stage_date",
              "cost_date", "start_on", "purchased_on"):
        if c in out.columns and out[c].notna().any():
            return out[c].min().to_pydatetime(), out[c].max().to_pydatetime()
    return None, None


def _key_match_sql(table: str, alias: str = "t") -> str:
    key = TABLES[table][1]
    return " AND ".join(f"s.{k} IS NOT DISTINCT FROM {alias}.{k}" for k in key)


def _count_replaced(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> int:
    key = list(TABLES[table][1])
    con.register("_staged_keys", _arrow(rows[key]))
    try:
        return con.execute(
            f"SELECT count(*) FROM {table} t WHERE EXISTS "
            f"(SELECT 1 FROM _staged_keys s WHERE {_key_match_sql(table)})"
        ).fetchall()[0][0]
    finally:
        con.unregister("_staged_keys")


# ------------------------------------------------------------------ commit / undo


def _arrow(df: pd.DataFrame):
    """The frame as an Arrow table for con.register (scanned several times; text is converted once)."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return df  # mixed types in an object column: DuckDB reads the frame itself


class Refused(ValueError):
    """A commit or undo the loader refuses; .msg is its sentence (a code of the catalogue)."""

    def __init__(self, message: Msg | str):
        self.msg = as_msg(message)
        super().__init__(self.msg.render("en"))


class NotAccepted(Refused):
    """The file has warnings the user has not accepted."""



def commit(con: duckdb.DuckDBPyConnection, prep: Prepared, user: str, accept_warnings: bool = True) -> int:
    """Write a prepared file in one transaction. Returns the batch id (the old one if already loaded).

    The upload page and the CLI pass the user's choice as accept_warnings: a file with warnings is
    written only when they were accepted.
    """
    if prep.already_loaded is not None:
        return prep.already_loaded
    spill = prep.spill  # the SQL lane's rows: inserted straight from their Parquet file, never as a frame
    if not prep.ok or (spill is None and prep.rows is None) or prep.kind is None:
        raise Refused(msg("refuse_has_errors", file=prep.file_name))
    if prep.warnings and not accept_warnings:
        raise NotAccepted(msg("refuse_warnings_not_accepted", file=prep.file_name, n=len(prep.warnings)))
    if not user:
        raise Refused("refuse_no_user")
    n_rows = prep.row_count
    if n_rows == 0 and prep.identical_rows and prep.identical_batch is not None:
        return prep.identical_batch  # every row is stored already, identical: nothing to write
    spec = KINDS[prep.kind]
    table = spec.table
    cols = [c for c in columns(con, table) if c != "batch_id"]
    source = spill.source_sql() if spill is not None else "_staged"
    con.execute("BEGIN TRANSACTION")
    try:
        again = find_loaded(con, prep.sha256)
        if again is not None:  # loaded by someone else since prepare()
            con.execute("ROLLBACK")
            return again
        batch_id = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM load_batches").fetchall()[0][0]
        if spill is None:
            con.register("_staged", _arrow(cast(pd.DataFrame, prep.rows)[cols]))
        match = _key_match_sql(table)
        col_list = ", ".join(cols)
        changed = changes.capture(con, table, source)  # the keys the refreshes below recompute
        replaced = con.execute(
            f"INSERT INTO {table}__replaced ({col_list}, batch_id, replaced_by) "
            f"SELECT {col_list}, batch_id, {batch_id} FROM {table} t "
            f"WHERE EXISTS (SELECT 1 FROM {source} s WHERE {match})"
        ).fetchall()[0][0]
        if replaced:  # a file of new rows replaces nothing: no scan of the table for keys to delete
            con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {source} s WHERE {match})")
        con.execute(f"INSERT INTO {table} ({col_list}, batch_id) SELECT {col_list}, {batch_id} FROM {source}")
        start, end = prep.period
        con.execute(
            "INSERT INTO load_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', NULL, NULL)",
            [batch_id, prep.kind, prep.file_name, prep.sha256, n_rows, replaced, start, end, user,
             datetime.now()],
        )
        _new_data_version(con, table, changed)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        try:
            con.unregister("_staged")
        except Exception:  # noqa: BLE001 - nothing registered when BEGIN itself failed
            pass
    _refresh_findings(con, table, changed)
    return batch_id


def undo(con: duckdb.DuckDBPyConnection, batch_id: int, user: str) -> None:
    """Take a batch's rows out and put back what it replaced."""
    row = con.execute("SELECT kind, status FROM load_batches WHERE batch_id = ?", [batch_id]).fetchall()
    if not row:
        raise Refused(msg("undo_no_batch", batch=batch_id))
    kind, status = row[0]
    if status != "loaded":
        raise Refused(msg("undo_already_undone", batch=batch_id))
    table = KINDS[kind].table
    later = con.execute(
        f"SELECT min(replaced_by) FROM {table}__replaced WHERE batch_id = ?", [batch_id]
    ).fetchall()[0][0]
    if later is not None:
        raise Refused(msg("undo_replaced_later", batch=batch_id, later=later))
    cols = ", ".join(c for c in columns(con, table) if c != "batch_id")
    con.execute("BEGIN TRANSACTION")
    try:
        # the batch's keys: the rows put back from __replaced have the same ones
        changed = changes.capture(con, table, f"(SELECT * FROM {table} WHERE batch_id = {int(batch_id)})")
        con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
        con.execute(
            f"INSERT INTO {table} ({cols}, batch_id) SELECT {cols}, batch_id FROM {table}__replaced "
            "WHERE replaced_by = ?", [batch_id])
        con.execute(f"DELETE FROM {table}__replaced WHERE replaced_by = ?", [batch_id])
        con.execute("UPDATE load_batches SET status = 'undone', undone_by = ?, undone_at = ? WHERE batch_id = ?",
                    [user, datetime.now(), batch_id])
        _new_data_version(con, table, changed)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    _refresh_findings(con, table, changed)


def _new_data_version(con: duckdb.DuckDBPyConnection, table: str,
                      changed: changes.Changed | None = None) -> None:
    """After a commit's or an undo's writes, in its transaction: a new data version, then the stored metric
    views, for the keys the write changed only where `changed` says which (etl/store/changes.py). The
    anomaly findings follow in their own transaction (_refresh_findings)."""
    _bump_version(con)
    # everything kept per data version but the anomaly findings (they follow, _refresh_findings)
    per_version.refresh(con, table, changed=changed, skip=AFTER_WRITE)


# the stores refreshed in a transaction of their own right after the write's (they read committed rows)
AFTER_WRITE = ("etl.metrics.anomaly_store",)


def _refresh_findings(con: duckdb.DuckDBPyConnection, table: str, changed: changes.Changed | None) -> None:
    """The anomaly findings for the new data version, in a transaction of their own right after the write:
    the scan reads committed, compressed rows (inside the write's transaction it read the uncommitted rows,
    2.7x slower at 10 M rows). Until it commits, readers find the stamp one version behind and compute the
    findings in memory (anomaly_store.findings), never a stale answer; if it fails (out of memory), the
    load stays committed and readers go on computing them."""
    from etl.store import rollups

    con.execute("BEGIN TRANSACTION")
    try:
        rollups.use(con)  # the write is committed: the scan reads the stored views when they are current
        per_version.refresh(con, table, changed=changed, only=AFTER_WRITE)
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")


def _bump_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta SELECT 'data_version', "
        "CAST(coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR)"
    )


# ------------------------------------------------------------------ files and folders


@dataclass
class FileResult:
    path: str
    kind: str | None
    status: str            # loaded / already_loaded / unchanged / rejected / needs_accept
    batch_id: int | None
    rows: int
    problems: list[Problem]


def expand(paths: list[str | os.PathLike]) -> list[Path]:
    """Files named, and every table file inside folders named (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FILE_SUFFIXES))
        else:
            out.append(p)
    return out


def load_paths(con: duckdb.DuckDBPyConnection, paths: list[str | os.PathLike], kind: str | None = None,
               user: str = "cli", progress: Callable[[int, int, str], None] | None = None,
               accept_warnings: bool = True, sheet: str | int | None = None) -> list[FileResult]:
    """Load files and folders; registries first so facts find their meters and sites.

    A file with warnings is loaded only when accept_warnings is true; otherwise its status is
    'needs_accept' and nothing of it is written.
    """
    files = expand(paths)
    queue: list[tuple[Path, str | None, bytes | None, Msg | None]] = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as exc:
            queue.append((f, None, None, msg("cannot_open_file", error=os_error(exc))))
            continue
        # the kind is guessed cheaply first, so registries load before the facts that refer to them
        queue.append((f, kind or _peek_kind(data, f.name), data, None))
    order = {k: i for i, k in enumerate(LOAD_ORDER)}
    queue.sort(key=lambda t: order.get(t[1] or "", len(order)))
    results: list[FileResult] = []
    for i, (f, _guess, content, err) in enumerate(queue):
        if progress:
            progress(i, len(queue), f.name)
        if content is None:
            results.append(FileResult(str(f), None, "rejected", None, 0,
                                      [Problem(str(f), None, "", "", cast(Msg, err), "check_path")]))
            continue
        prep = prepare(con, content, str(f), kind, sheet=sheet)
        n_rows = prep.row_count
        if prep.already_loaded is not None:
            results.append(FileResult(str(f), prep.kind, "already_loaded", prep.already_loaded, 0, []))
        elif not prep.ok:
            results.append(FileResult(str(f), prep.kind, "rejected", None, 0, prep.problems))
        elif prep.warnings and not accept_warnings:
            results.append(FileResult(str(f), prep.kind, "needs_accept", None, n_rows, prep.problems))
        else:
            bid = commit(con, prep, user)
            status = "unchanged" if n_rows == 0 and prep.identical_rows else "loaded"
            results.append(FileResult(str(f), prep.kind, status, bid, n_rows,
                                      [p for p in prep.problems if p.severity != "error"]))
    if progress:
        progress(len(queue), len(queue), "")
    return results


def os_error(exc: OSError) -> Msg:
    """Why a file cannot be opened, in words of the catalogue (the system's own text for a rare case)."""
    code = {errno.ENOENT: "os_no_such_file", errno.EACCES: "os_permission_denied",
            errno.EISDIR: "os_is_a_directory"}.get(exc.errno or 0)
    return msg(code) if code else msg("os_error", error=exc.strerror or str(exc))


def _peek_kind(data: bytes, name: str) -> str | None:
    try:
        # only the head of a text file: decoded safely even where the cut falls inside a character
        rows, _enc, _d = readers.read_raw(data, name, head_bytes=200_000)
    except readers.ReadError:
        return None
    if not rows:
        return None
    hi = _find_header(rows, None)
    return detect_kind([str(h) for h in rows[hi]])[0]


def batches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The batch history, newest first: file, kind, rows, period, who loaded it and when, undo state."""
    return con.execute(
        "SELECT batch_id, kind, file_name, rows_loaded, rows_replaced, period_start, period_end, loaded_by, "
        "date_trunc('second', loaded_at) AS loaded_at, status, undone_by, date_trunc('second', undone_at) AS undone_at "
        "FROM load_batches ORDER BY batch_id DESC").df()


ENTITY_COLUMNS = ("meter_id", "site_id", "station", "plate", "card_no", "institution_id")
QUANTITY_SUFFIXES = ("_kwh", "_m3", "_l", "_kg", "_yuan", "_km")


def summary(prep: Prepared) -> dict:
    """What commit() would do, for the preview: rows, meters (or sites, cars …), period, totals."""
    start, end = prep.period
    if prep.spill is not None:  # counted in SQL over the spilled rows: a large file is never read into pandas
        entity, entities, totals = prep.spill.summary(ENTITY_COLUMNS, QUANTITY_SUFFIXES)
        n = prep.spill.rows
    else:
        rows = prep.rows if prep.rows is not None else pd.DataFrame()
        entity = next((c for c in ENTITY_COLUMNS if c in rows.columns and rows[c].notna().any()), None)
        totals = {c: float(rows[c].sum()) for c in rows.columns
                  if c.endswith(QUANTITY_SUFFIXES) and pd.api.types.is_numeric_dtype(rows[c]) and rows[c].notna().any()}
        entities, n = (int(rows[entity].nunique()) if entity else 0), len(rows)
    return {"kind": prep.kind, "rows": n, "entity": entity, "entities": entities,
            "period_start": start, "period_end": end, "totals": totals,
            "rows_replaced": prep.rows_replaced, "already_loaded": prep.already_loaded,
            "errors": len(prep.errors), "warnings": len(prep.warnings)}


def template_csv(kind: str) -> str:
    """A template for a kind: the first (Chinese) alias of every column and one example row."""
    spec = KINDS[kind]
    cols = [c for c in spec.columns if c.in_template]
    header = ",".join(c.template_header for c in cols)
    example = ",".join(c.example for c in cols)
    return header + "\n" + example + "\n"


__all__ = ["Problem", "Prepared", "FileResult", "NotAccepted", "Refused", "prepare", "commit", "undo", "load_paths", "expand",
           "template_csv", "detect_kind", "summary"]
