"""The SQL lane: a clean interval file (electricity, water, gas readings as CSV) never leaves DuckDB.

    take(ctx, spec, staged, hi, header)  -> Spill when the file took the lane, None to use the pandas path

The fast path (fastread) has the body as text columns in a private DuckDB. Here one query types the cells
(TRY_CAST / strptime, the unit's factor), resolves each 户号 against the meter registry (an ENUM cast), and
aggregate query asks every question the pandas rules ask (loader._parse_columns, _readings, _dedupe,
_warn_unusual, _warn_gaps, safety.drop_identical): a bad or missing value, an unknown meter or one of
another kind, a date out of range, a formula-looking id, a repeated key, usage far above the meter's usual,
a gap, rows identical to stored ones, totals or footers, huge cells. Where any answer is "yes", the file
goes the pandas path (loader._frame_staged onwards), so every problem sentence stays exactly the one it
always was; where all are "no" the lane's rows are those the pandas path would store (tests/test_fastread.py
compares them on the corpus, the demo files and awkward files).

One query reads the body, types each cell and looks up the meter text as an ENUM of the registry's texts
(a cast, not a join, so the lines stay in file order and a line's number is its Parquet row number), and
writes the typed lines once, as Parquet, to a temp folder owned by the Spill (memory stays flat: DuckDB
streams them). The checks read that file in two narrow passes (an aggregate, then a window on the meter
text's code and the time). The Spill's source_sql() makes the table's columns from it at read time (each
meter text's meter and interval length from constant lists), commit() inserts them with one INSERT ... SELECT
in file order, and Prepared.rows reads them into a frame only when something asks for it (tests, the
preview of a small file).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from etl.ingest import capacity, fastread, formats
from etl.store.schema import TABLES

if TYPE_CHECKING:
    from etl.ingest.fastread import Staged
    from etl.ingest.kinds import Kind
    from etl.ingest.loader import _Ctx

# kind -> the quantity column; the lane takes files whose columns are the meter, the time and that quantity
QTY = {"electricity": "energy_kwh", "water": "water_m3", "gas": "water_m3"}
LANE_FIELDS = ("meter", "ts")
MIN_ROWS = 1  # every size: the tests compare the lane on small files; the pandas path stays for the rest


@dataclass
class Spill:
    """Prepared rows in a temp folder (deleted with the Spill): the typed lines as Parquet (`rows.parquet`,
    in file order: meter text code, time, quantity, …); source_sql() makes the table's columns from them
    at read time, so the rows are written once (by the query that types them)."""

    path: str
    rows: int
    columns: list[str]
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)
    select: str = ""  # the table's columns (and _line) over `l`, the typed lines

    def source_sql(self) -> str:
        """The rows as a table expression for a query on any connection (in file order)."""
        rows = self.path.replace("'", "''")
        return f"(SELECT {self.select} FROM read_parquet('{rows}', file_row_number = true) l WHERE NOT l.blank)"

    def frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The rows as the pandas path's frame (file order), for whoever still reads Prepared.rows; only the
        columns named, when named (the preview needs four of eighteen)."""
        picked = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        con = duckdb.connect()
        try:
            df = con.execute(f"SELECT {picked} FROM {self.source_sql()} ORDER BY _line").df()
        finally:
            con.close()
        for c in df.columns:
            if df[c].isna().all() and c != "_line":
                df[c] = pd.Series([None] * len(df), index=df.index, dtype=object)  # as _select leaves them
        return df

    def summary(self, entities: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[str | None, int, dict[str, float]]:
        """(entity column, distinct entities, totals per quantity column) as loader.summary counts them."""
        con = duckdb.connect()
        try:
            types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {self.source_sql()})"
                                     ).fetchall())
            quantities = [c for c in self.columns if c.endswith(suffixes) and types[c] in ("DOUBLE", "BIGINT", "INTEGER")]
            named = [c for c in entities if c in self.columns]
            parts = [f'count("{c}")' for c in named] + [f'count(DISTINCT "{c}")' for c in named] + \
                    [f'count("{c}")' for c in quantities] + [f'sum("{c}")' for c in quantities]
            got = con.execute(f"SELECT {', '.join(parts)} FROM {self.source_sql()}").fetchall()[0] if parts else ()
        finally:
            con.close()
        k, q = len(named), len(quantities)
        entity = next((c for i, c in enumerate(named) if got[i]), None)
        distinct = int(got[k + named.index(entity)]) if entity else 0
        totals = {c: float(got[2 * k + q + i]) for i, c in enumerate(quantities) if got[2 * k + i]}
        return entity, distinct, totals

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _eligible(spec: Kind, mapping: dict[int, str]) -> bool:
    qty = QTY.get(spec.name)
    return qty is not None and set(mapping.values()) == {*LANE_FIELDS, qty}


def take(ctx: _Ctx, spec: Kind, st: Staged, hi: int, header: list[str]) -> Spill | None:
    """The file through the SQL lane, or None (and nothing reported) when the pandas path must take it."""
    from etl.ingest import loader

    prep = ctx.prep
    before = (len(prep.problems), dict(ctx.header_of), dict(prep.header_map))
    spill = None
    try:
        mapped = loader._map_header(ctx, spec, hi, header)
        if mapped is not None and not prep.errors and _eligible(spec, mapped[0]):
            spill = _run(ctx, spec, st, mapped[0], mapped[1])
    except duckdb.Error:
        spill = None  # whatever the lane cannot do (out of disk for the spill …), the pandas path does
    finally:
        if spill is None:  # the pandas path maps the header again and says what it says
            del prep.problems[before[0]:]
            ctx.header_of.clear()
            ctx.header_of.update(before[1])
            prep.header_map = before[2]
    return spill


def _registry(ctx: _Ctx) -> pd.DataFrame:
    """Every text that names a meter (its id, else its account number) -> meter id and kind."""
    meters = ctx.con.execute("SELECT meter_id, account_no, kind FROM meters").fetchall()
    ref: dict[str, tuple[str, str]] = {a: (m, k) for m, a, k in meters if a}
    ref.update({m: (m, k) for m, _a, k in meters})  # an id wins over an account number, as in _readings
    # a cell is matched as it stands first (sql_lane._typed): a text with blanks at its ends could match
    # such a cell, never its trimmed text, as the pandas path compares
    ref = {r: v for r, v in ref.items() if r == r.strip()}
    number = {m: i for i, m in enumerate(sorted({v[0] for v in ref.values()}))}  # sorts faster than the id
    return pd.DataFrame({"ref": list(ref), "meter_id": [v[0] for v in ref.values()],
                         "meter_kind": [v[1] for v in ref.values()],
                         "meter_no": pd.array([number[v[0]] for v in ref.values()], dtype="int32"),
                         "ref_no": pd.array(range(len(ref)), dtype="int32")})  # the ENUM's codes


def _run(ctx: _Ctx, spec: Kind, st: Staged, mapping: dict[int, str], units: dict[str, str]) -> Spill | None:
    con = st.con
    col_of = {name: j for j, name in mapping.items()}
    qty = QTY[spec.name]
    tmp = tempfile.TemporaryDirectory(prefix="etl_spill_")
    spill = None
    try:
        path = os.path.join(tmp.name, "rows.parquet")
        if not _typed(ctx, spec, st, col_of, units, path):
            return None
        # every row carries its line from here on: no query needs the rows in order, so DuckDB need not
        # keep it (less memory for the window); back on for whoever reads `raw` after
        con.execute("SET preserve_insertion_order = false")
        try:
            stats = _meter_stats(ctx, spec, con)
            if stats is None:
                return None
            steps, gaps = stats
            con.register("_lane_steps", steps)
            try:
                if gaps:
                    _report_gaps(ctx, con, gaps)
                spill = _spill(ctx, spec, con, qty, path, tmp, st.first_line)
                return spill
            finally:
                con.unregister("_lane_steps")
        finally:
            con.execute("SET preserve_insertion_order = true")
    finally:
        con.execute("DROP VIEW IF EXISTS lane")
        con.execute("DROP VIEW IF EXISTS lines")
        con.execute("DROP TABLE IF EXISTS _lane_registry")
        con.execute("DROP TYPE IF EXISTS _lane_refs")
        if spill is None:
            tmp.cleanup()


def _max_cell() -> int:
    from etl.ingest.loader import MAX_CELL_CHARS

    return MAX_CELL_CHARS


def _typed(ctx: _Ctx, spec: Kind, st: Staged, col_of: dict[str, int], units: dict[str, str], path: str) -> bool:
    """The body's lines typed (meter looked up, time, quantity x unit factor) as Parquet at `path`, with `odd`
    where a cell might be a total label, a footer or a huge cell, and the view `lane` over it. False when
    the pandas path must read the file."""
    con = st.con
    qty = QTY[spec.name]
    cells = [f"c{j}" for j in range(st.width)]
    blank = " AND ".join(f"{c} = ''" for c in cells)
    m, t, q = (f"c{col_of[f]}" for f in ("meter", "ts", qty))
    big = _max_cell()
    # a typed time or number has no letter of a total label and starts with no footer word: only the other
    # columns' cells (and the few distinct meter texts, below) can make a line a total, a footer or huge
    others = [c for c in cells if c not in (m, t, q)]
    guess = fastread.guess_format(con, t)
    if st.stored:  # `raw` holds trimmed text ('' for an empty cell)
        odd = [formats.candidates_sql([c]) for c in others]
        ts_value, _ = fastread.datetime_sql(t, guess)
        q_value, _ = fastread.number_sql(q)
    else:
        # `raw` is a view of the file's cells as read (NULL when empty, blanks kept): a cell that casts as it
        # stands is the value its trimmed text gives; only the others are trimmed (CASE runs its ELSE on
        # those rows alone; coalesce would type every row twice), so each row is read, typed and stored once
        tr = fastread.trimmed
        odd = [formats.candidates_sql([tr(c)]) for c in others]
        ts_value = fastread.datetime_sql(tr(t), guess)[0]
        if guess:
            ts_value = (f"CASE WHEN try_strptime({t}, '{guess}') IS NOT NULL THEN try_strptime({t}, '{guess}') "
                        f"ELSE {ts_value} END")
        q_value = (f"CASE WHEN NOT contains({q}, '_') AND isfinite(TRY_CAST({q} AS DOUBLE)) "
                   f"THEN TRY_CAST({q} AS DOUBLE) ELSE {fastread.number_sql(tr(q))[0]} END")
        # a line of blanks only stays in (its meter is unknown): the pandas path then skips it
        blank = " AND ".join(f"coalesce({c}, '') = ''" for c in cells)
    odd += [f"(strlen({c}) > {big} AND length({c}) > {big})" for c in cells]
    col = spec.col(qty)
    factor = col.units.get(units.get(qty, "").replace(" ", ""), 1.0) if col.units else 1.0
    registry = _registry(ctx)
    if registry.empty:
        return False  # no meter to match: the pandas path names the unknown ones
    con.register("_lane_registry_df", registry)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _lane_registry AS SELECT * FROM _lane_registry_df")
    finally:
        con.unregister("_lane_registry_df")
    # a line whose meter text is not in the registry is bad anyway (meter_id NULL): only registry texts
    # that look like a total, a footer or a huge cell need the distinct texts of the file looked at
    odd_registry = con.execute(f"SELECT count(*) FROM _lane_registry WHERE {formats.candidates_sql(['ref'])} "
                               f"OR length(ref) > {big}").fetchall()[0][0]
    # the meter cell is looked up as it stands, as an ENUM of the registry's texts (a cast keeps the lines
    # in file order, where a join would not: the line number is then the Parquet row number); the
    # registry's texts are trimmed, so a match needs no trim, and the few distinct texts that match
    # nothing keep their text, to be trimmed and looked up again (_trimmed_refs)
    con.execute("DROP TYPE IF EXISTS _lane_refs")
    con.execute("CREATE TYPE _lane_refs AS ENUM (SELECT ref FROM _lane_registry ORDER BY ref_no)")
    source = "raw" if st.stored else f"({st.read_sql(trim=False)})"
    target = path.replace("'", "''")
    con.execute(f"""COPY (
        SELECT enum_code(TRY_CAST({m} AS _lane_refs)) AS ref_no,
               CASE WHEN TRY_CAST({m} AS _lane_refs) IS NULL THEN {m} END AS ref,
               {ts_value} AS ts, ({q_value}) * {float(factor)!r} AS qty, ({' OR '.join(odd)}) AS odd,
               ({blank}) AS blank
        FROM {source}) TO '{target}' (FORMAT parquet)""")
    _lane_view(con, path, st.first_line)
    if not st.stored:
        _trimmed_refs(con, path, st.first_line)
    if not odd_registry:
        return True
    trim = fastread.trimmed("ref")
    odd_refs = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {trim} AS ref FROM lane) "
                           f"WHERE {formats.candidates_sql(['ref'])} OR length(ref) > {big}").fetchall()[0][0]
    return not odd_refs


def _lane_view(con: duckdb.DuckDBPyConnection, path: str, first_line: int) -> None:
    """View `lane` over the typed lines: line number, meter text, id, number and kind, time, quantity, odd."""
    con.execute(f"""CREATE OR REPLACE VIEW lane AS
        SELECT l.file_row_number + {int(first_line)} AS _line, coalesce(l.ref, g.ref) AS ref, g.meter_id,
               g.meter_no, g.meter_kind, l.ts, l.qty, l.odd, l.ref_no
        FROM read_parquet('{path.replace("'", "''")}', file_row_number = true) l
        LEFT JOIN _lane_registry g ON g.ref_no = l.ref_no
        WHERE NOT l.blank""")
    con.execute(f"""CREATE OR REPLACE VIEW lines AS
        SELECT file_row_number + {int(first_line)} AS _line, ref_no, ts, qty, odd
        FROM read_parquet('{path.replace("'", "''")}', file_row_number = true) WHERE NOT blank""")


def _trimmed_refs(con: duckdb.DuckDBPyConnection, path: str, first_line: int) -> None:
    """Meter cells that matched nothing as they stand, looked up again trimmed (an exporter's tab before the
    account number keeps Excel from eating its zeros); when one now names a meter, the lines are written
    again with it (sorted back into file order: the row number is the line number)."""
    trim = fastread.trimmed("u.ref")
    fixes = con.execute(f"""SELECT u.ref AS raw_ref, g.ref_no
        FROM (SELECT DISTINCT ref FROM read_parquet('{path.replace("'", "''")}') WHERE ref_no IS NULL
              AND ref IS NOT NULL) u
        JOIN _lane_registry g ON g.ref = {trim}""").df()
    if fixes.empty:
        return  # nothing to mend: every line whose meter matches nothing is bad anyway
    con.register("_lane_fixes", fixes)
    fixed = path + ".fixed"
    try:
        con.execute(f"""COPY (SELECT coalesce(l.ref_no, f.ref_no) AS ref_no,
                                   CASE WHEN f.ref_no IS NULL THEN l.ref END AS ref, l.ts, l.qty, l.odd, l.blank
                            FROM read_parquet('{path.replace("'", "''")}', file_row_number = true) l
                            LEFT JOIN _lane_fixes f ON l.ref_no IS NULL AND f.raw_ref = l.ref
                            ORDER BY l.file_row_number)
                        TO '{fixed.replace("'", "''")}' (FORMAT parquet)""")
    finally:
        con.unregister("_lane_fixes")
    os.replace(fixed, path)
    _lane_view(con, path, first_line)


def _meter_stats(ctx: _Ctx, spec: Kind, con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, list] | None:
    """Per meter, in one pass: interval length, repeated times, gaps, usual and highest usage.

    None when a line is bad, a time repeats or usage is unusual (the pandas path reports those); else the
    interval length per meter (loader._interval_minutes) and the meters with gaps (loader._warn_gaps).
    """
    from etl.ingest import pv_portal

    # two narrow passes over the lines by meter text (ENUM code): a plain aggregate (bad lines, usage), then
    # the steps (a window sorted on the code and the time only; carrying every column through the sort cost
    # four times more); by meter number (a join) only where a file names one meter by two texts
    reg = {no: (ref, meter, meter_no, kind) for no, ref, meter, meter_no, kind in con.execute(
        "SELECT ref_no, ref, meter_id, meter_no, meter_kind FROM _lane_registry").fetchall()}
    key, source = "ref_no", "lines"
    agg = _usage(con, key, source, ctx.now)
    if not agg or any(r[2] for r in agg):
        return None
    for no, *_rest in agg:
        ref, _meter, _no, kind = reg[no]
        if kind != spec.name or ref.startswith(("=", "+", "@")):
            return None  # a meter of another kind, a formula-looking text: the pandas path says so
    if len({reg[r[0]][2] for r in agg}) < len(agg):
        key, source = "meter_no", "lane"
        agg = _usage(con, key, source, ctx.now)
    meter_of = {no: reg[no][1] for no, *_r in agg} if key == "ref_no" else \
        {meter_no: meter for _n, (_r, meter, meter_no, _k) in reg.items()}
    # the median step only where the steps differ: in a regular series min = max = median
    step_rows = con.execute(f"SELECT k, count(*) FILTER (WHERE d = 0), min(d), max(d) FROM ({_steps(key, source)}) "
                            f"GROUP BY k").fetchall()
    if any(r[1] for r in step_rows):
        return None  # a time repeats
    by_key = {r[0]: r for r in step_rows}
    uneven = [k for k, _rep, lo, hi in step_rows if lo != hi]
    med = dict(con.execute(f"SELECT k, median(d) FROM ({_steps(key, source)}) WHERE k IN (SELECT unnest(?)) "
                           f"GROUP BY k", [uneven]).fetchall()) if uneven else {}
    rows = [(meter_of[k], med.get(k, by_key[k][2]), by_key[k][3], med_q, n_pos, max_q)
            for k, _n, _bad, med_q, n_pos, max_q in agg]
    qty = QTY[spec.name]
    factor = float(pv_portal.settings()["reading_history_factor"])
    history = _history(ctx, qty, [r[0] for r in rows])
    # registered capacity (etl/ingest/capacity.py): a meter above its bound goes down the pandas path,
    # which warns on each line; every row of a meter here has the meter's one interval length
    bnd = capacity.bounds(ctx.con)
    per_h_max = dict(zip(bnd["meter_id"], bnd["per_h_max"], strict=True)) if not bnd.empty else {}
    steps, gaps = [], []
    for meter, med_d, max_d, med_q, n_pos, max_q in rows:
        minutes = 60.0 if med_d is None else med_d / 6e7
        step = int(round(min(max(minutes, 1.0), 1440.0)))  # round half to even, as pandas .round()
        hours = step * 60 / 3600.0
        usual = history.get(meter, med_q / hours if n_pos >= 4 and med_q is not None else None)
        if usual is not None and usual > 0 and max_q / hours > factor * usual:
            return None  # usage above the usual: the pandas path warns on each line
        if meter in per_h_max and max_q is not None and max_q > per_h_max[meter] * hours:
            return None  # above the registered capacity: the pandas path warns on each line
        if max_d is not None and max_d >= 1.5 * step * 6e7:
            gaps.append(meter)
        steps.append((meter, step))
    return pd.DataFrame(steps, columns=["meter_id", "step_min"]), gaps


def _history(ctx: _Ctx, qty: str, meters: list[str]) -> dict[str, float]:
    """The stored usual rate per hour of each meter's interval readings (loader._usual_rate), >= 3 readings."""
    got = ctx.con.execute(
        f"SELECT meter_id, median({qty} / (date_diff('second', period_start, period_end) / 3600.0)) "
        f"FROM readings WHERE source = 'interval' AND meter_id IN (SELECT unnest(?)) AND {qty} > 0 "
        f"AND period_end > period_start GROUP BY ALL HAVING count(*) >= 3", [meters]).fetchall()
    return {m: u for m, u in got}


def _usage(con: duckdb.DuckDBPyConnection, key: str, source: str, now: datetime) -> list[tuple]:
    """Per key: lines, bad lines, median positive usage, positive lines, highest usage."""
    return con.execute(f"""
        SELECT {key}, count(*) AS n,
               count(*) FILTER (WHERE {key} IS NULL OR odd OR ts IS NULL OR qty IS NULL OR qty < 0 OR ts > ?
                                OR ts < TIMESTAMP '2000-01-01') AS bad,
               median(qty) FILTER (WHERE qty > 0) AS med_q, count(*) FILTER (WHERE qty > 0) AS n_pos,
               max(qty) AS max_q
        FROM {source} GROUP BY {key}""", [now + timedelta(days=1)]).fetchall()


def _steps(key: str, source: str) -> str:
    """Each line's step from the previous reading of the same key (µs as DOUBLE, as the pandas rule)."""
    return (f"SELECT {key} AS k, CAST(epoch_us(ts) AS DOUBLE) - lag(CAST(epoch_us(ts) AS DOUBLE)) "
            f"OVER (PARTITION BY {key} ORDER BY ts) AS d FROM {source}")


_GAPS = """
    SELECT * FROM (
        SELECT l.meter_id, l.ts, l._line, s.step_min,
               lag(l.ts) OVER (PARTITION BY l.meter_no ORDER BY l.ts) + to_minutes(s.step_min) AS prev_end
        FROM lane l JOIN _lane_steps s USING (meter_id) WHERE l.meter_id IN (SELECT unnest(?)))
    WHERE epoch_us(ts) - epoch_us(prev_end) >= step_min * 30000000"""


def _report_gaps(ctx: _Ctx, con: duckdb.DuckDBPyConnection, meters: list[str]) -> None:
    """The warning on the first line after each gap, as loader._warn_gaps words it (same order, same limit)."""
    from etl.ingest.loader import MAX_PROBLEMS_PER_CHECK, Problem
    from etl.ingest.messages import msg

    # one interval length or more between the end of the previous reading and this one (half, as the rule)
    hits = con.execute(f"SELECT meter_id, ts, _line, step_min, prev_end FROM ({_GAPS}) ORDER BY meter_id, ts "
                       f"LIMIT {MAX_PROBLEMS_PER_CHECK + 1}", [meters]).fetchall()
    total = con.execute(f"SELECT count(*) FROM ({_GAPS})", [meters]).fetchall()[0][0]
    column = ctx.header_of.get("ts", "ts")
    for n, (meter, ts, line, step, prev_end) in enumerate(hits):
        if n >= MAX_PROBLEMS_PER_CHECK:
            ctx.file_problem(msg("more_gaps", n=int(total) - n), "see_lines_above", "warning")
            break
        start, missing_from = pd.Timestamp(ts), pd.Timestamp(prev_end)
        missing = int(round((start - missing_from) / pd.Timedelta(minutes=step)))
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, int(line), column, str(start),
            msg("interval_gap", meter=meter, start=missing_from, end=start, n=missing), "fix_interval_gap",
            "warning"))


def _spill(ctx: _Ctx, spec: Kind, con: duckdb.DuckDBPyConnection, qty: str, path: str,
           tmp: tempfile.TemporaryDirectory, first_line: int) -> Spill | None:
    """The typed lines at `path` as the table's rows; None when some are identical to stored rows (the pandas
    path says so). Each line's meter and interval length are looked up by its meter text's code in two
    constant lists (no join: the rows reach the table in file order, which is usually by meter and time, so
    the table's blocks stay sorted by meter and a query for a few meters skips the rest)."""
    table = spec.table
    desc = [(r[0], r[1]) for r in ctx.con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "batch_id"]
    step_of = dict(con.execute("SELECT meter_id, step_min FROM _lane_steps").fetchall())
    codes = con.execute("SELECT ref_no, meter_id FROM _lane_registry ORDER BY ref_no").fetchall()
    meters = "[" + ", ".join(_literal(m) if m in step_of else "NULL" for _no, m in codes) + "]"
    steps = "[" + ", ".join(str(int(step_of[m])) if m in step_of else "NULL" for _no, m in codes) + "]"
    given = {"meter_id": f"{meters}[l.ref_no + 1]", "period_start": "l.ts", "source": "'interval'", qty: "l.qty",
             "period_end": f"l.ts + to_minutes({steps}[l.ref_no + 1])", "multiplier": "1.0", "estimated": "false"}
    select = ", ".join(f"CAST({given.get(name, 'NULL')} AS {typ}) AS \"{name}\"" for name, typ in desc)
    spill = Spill(path, 0, [n for n, _ in desc], _tmp=tmp,
                  select=f"{select}, l.file_row_number + {int(first_line)} AS _line")
    n, start, end = con.execute("SELECT count(*), min(ts), max(ts) FROM lines").fetchall()[0]  # no join
    identical, replaced = _stored_overlap(ctx, table, spill, start, end)
    if identical:  # the pandas path leaves them out with its note
        return None
    spill.rows = int(n)
    ctx.prep.period = (_py(start), _py(end))
    ctx.prep.rows_replaced = int(replaced)
    return spill


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _stored_overlap(ctx: _Ctx, table: str, spill: Spill, start: object, end: object) -> tuple[int, int]:
    """(rows identical to stored ones, stored rows the file replaces); no join when nothing stored overlaps."""
    src = spill.source_sql()
    near = ctx.con.execute(
        f"SELECT count(*) FROM {table} WHERE source = 'interval' AND period_start BETWEEN ? AND ? "
        f"AND meter_id IN (SELECT DISTINCT meter_id FROM {src})", [start, end]).fetchall()[0][0]
    if not near:
        return 0, 0
    key = TABLES[table][1]
    same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in spill.columns)
    on = " AND ".join(f"s.{k} = t.{k}" for k in key)
    match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM t.{k}" for k in key)
    got = ctx.con.execute(f"""
        SELECT (SELECT count(*) FROM {src} s JOIN {table} t ON {on} AND {same}),
               (SELECT count(*) FROM {table} t WHERE EXISTS (SELECT 1 FROM {src} s WHERE {match}))""").fetchall()[0]
    return int(got[0]), int(got[1])


def _py(value: object) -> datetime | None:
    return None if value is None else pd.Timestamp(value).to_pydatetime()
