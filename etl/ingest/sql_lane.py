"""The SQL lane: a clean interval file (electricity, water, gas readings as CSV) never leaves DuckDB.

    take(ctx, spec, staged, hi, header)  -> Spill when the file took the lane, None to use the pandas path

The fast path (fastread) has the body as text columns in a private DuckDB. Here one query types the cells
(TRY_CAST / strptime, the unit's factor), resolves each 户号 against the meter registry (a join), and one
aggregate query asks every question the pandas rules ask (loader._parse_columns, _readings, _dedupe,
_warn_unusual, _warn_gaps, safety.drop_identical): a bad or missing value, an unknown meter or one of
another kind, a date out of range, a formula-looking id, a repeated key, usage far above the meter's usual,
a gap, rows identical to stored ones, totals or footers, huge cells. Where any answer is "yes", the file
goes the pandas path (loader._frame_staged onwards), so every problem sentence stays exactly the one it
always was; where all are "no" the lane's rows are those the pandas path would store (tests/test_fastread.py
compares them on the corpus, the demo files and awkward files).

The prepared rows are written as Parquet to a temp folder owned by the Spill (memory stays flat: DuckDB
streams them), commit() inserts them with INSERT ... SELECT FROM read_parquet, and Prepared.rows reads them
into a frame only when something asks for it (tests, the preview of a small file).
"""

from __future__ import annotations

import contextlib
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
    """Prepared rows as a Parquet file in a temp folder (deleted with the Spill), table columns plus _line."""

    path: str
    rows: int
    columns: list[str]
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def source_sql(self) -> str:
        """The rows as a table expression for a query on any connection."""
        return "read_parquet('" + self.path.replace("'", "''") + "')"

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
            with contextlib.suppress(duckdb.Error):
                st.con.execute("DROP TABLE IF EXISTS lane")  # its typed rows: memory the pandas path needs
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
    return pd.DataFrame({"ref": list(ref), "meter_id": [v[0] for v in ref.values()],
                         "meter_kind": [v[1] for v in ref.values()]}, dtype=object)


def _run(ctx: _Ctx, spec: Kind, st: Staged, mapping: dict[int, str], units: dict[str, str]) -> Spill | None:
    con = st.con
    col_of = {name: j for j, name in mapping.items()}
    qty = QTY[spec.name]
    if not _typed(ctx, spec, st, col_of, units):
        return None
    # every row carries its line from here on: no query needs the rows in order, so DuckDB need not keep
    # it (less memory for the window and the Parquet writer); back on for whoever reads `raw` after
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
            return _spill(ctx, spec, con, qty)
        finally:
            con.unregister("_lane_steps")
    finally:
        con.execute("SET preserve_insertion_order = true")


def _max_cell() -> int:
    from etl.ingest.loader import MAX_CELL_CHARS

    return MAX_CELL_CHARS


def _typed(ctx: _Ctx, spec: Kind, st: Staged, col_of: dict[str, int], units: dict[str, str]) -> bool:
    """Table `lane`: each body line typed (meter looked up, time, quantity x unit factor), `odd` where a cell
    might be a total label, a footer or a huge cell. False when the pandas path must read the file."""
    con, line = st.con, st.line_sql()
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
        ref = m
        odd = [formats.candidates_sql([c]) for c in others]
        ts_value, _ = fastread.datetime_sql(t, guess)
        q_value, _ = fastread.number_sql(q)
    else:
        # `raw` is a view of the file's cells as read (NULL when empty, blanks kept): a cell that casts as it
        # stands is the value its trimmed text gives; only the others are trimmed (CASE and coalesce run
        # their fallback on those rows alone), so each row is read, typed and stored once
        tr = fastread.trimmed
        ref = tr(m)
        odd = [formats.candidates_sql([tr(c)]) for c in others]
        ts_value = fastread.datetime_sql(tr(t), guess)[0]
        if guess:
            ts_value = f"coalesce(try_strptime({t}, '{guess}'), {ts_value})"
        q_value = (f"CASE WHEN NOT contains({q}, '_') AND isfinite(TRY_CAST({q} AS DOUBLE)) "
                   f"THEN TRY_CAST({q} AS DOUBLE) ELSE {fastread.number_sql(tr(q))[0]} END")
        # a line of blanks only stays in (its meter is unknown): the pandas path then skips it
        blank = " AND ".join(f"coalesce({c}, '') = ''" for c in cells)
    odd += [f"(strlen({c}) > {big} AND length({c}) > {big})" for c in cells]
    col = spec.col(qty)
    factor = col.units.get(units.get(qty, "").replace(" ", ""), 1.0) if col.units else 1.0
    registry = _registry(ctx)
    con.register("_lane_registry", registry)
    try:
        # a line whose meter text is not in the registry is bad anyway (meter_id NULL): only registry texts
        # that look like a total, a footer or a huge cell need the distinct texts of the file looked at
        odd_registry = con.execute(f"SELECT count(*) FROM _lane_registry WHERE {formats.candidates_sql(['ref'])} "
                                   f"OR length(ref) > {big}").fetchall()[0][0]
        con.execute(f"""CREATE OR REPLACE TEMP TABLE lane AS
            SELECT {line} AS _line, raw._ref AS ref, g.meter_id, g.meter_kind, raw.ts, raw.qty, raw.odd
            FROM (SELECT rowid, {ref} AS _ref, {ts_value} AS ts, ({q_value}) * {float(factor)!r} AS qty,
                         ({' OR '.join(odd)}) AS odd
                  FROM raw WHERE NOT ({blank})) raw
            LEFT JOIN _lane_registry g ON g.ref = raw._ref""")
    finally:
        con.unregister("_lane_registry")
    if not odd_registry:
        return True
    odd_refs = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT ref FROM lane) "
                           f"WHERE {formats.candidates_sql(['ref'])} OR length(ref) > {big}").fetchall()[0][0]
    return not odd_refs


def _meter_stats(ctx: _Ctx, spec: Kind, con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, list] | None:
    """Per meter, in one pass: interval length, repeated times, gaps, usual and highest usage.

    None when a line is bad, a time repeats or usage is unusual (the pandas path reports those); else the
    interval length per meter (loader._interval_minutes) and the meters with gaps (loader._warn_gaps).
    """
    from etl.ingest import pv_portal

    rows = con.execute("""
        WITH w AS (SELECT *, CAST(epoch_us(ts) AS DOUBLE)
                             - lag(CAST(epoch_us(ts) AS DOUBLE)) OVER (PARTITION BY meter_id ORDER BY ts) AS d
                   FROM lane)
        SELECT meter_id, count(*) AS n,
               count(*) FILTER (WHERE meter_id IS NULL OR meter_kind IS DISTINCT FROM ? OR odd
                                OR ts IS NULL OR qty IS NULL OR qty < 0 OR ts > ? OR ts < TIMESTAMP '2000-01-01'
                                OR starts_with(ref, '=') OR starts_with(ref, '+') OR starts_with(ref, '@')) AS bad,
               count(*) FILTER (WHERE d = 0) AS repeated, median(d) AS med_d, max(d) AS max_d,
               median(qty) FILTER (WHERE qty > 0) AS med_q, count(*) FILTER (WHERE qty > 0) AS n_pos,
               max(qty) AS max_q
        FROM w GROUP BY meter_id""", [spec.name, ctx.now + timedelta(days=1)]).fetchall()
    if not rows or any(r[2] or r[3] for r in rows):
        return None
    qty = QTY[spec.name]
    factor = float(pv_portal.settings()["reading_history_factor"])
    history = _history(ctx, qty, [r[0] for r in rows])
    # registered capacity (etl/ingest/capacity.py): a meter above its bound goes down the pandas path,
    # which warns on each line; every row of a meter here has the meter's one interval length
    bnd = capacity.bounds(ctx.con)
    per_h_max = dict(zip(bnd["meter_id"], bnd["per_h_max"], strict=True)) if not bnd.empty else {}
    steps, gaps = [], []
    for meter, _n, _bad, _rep, med_d, max_d, med_q, n_pos, max_q in rows:
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


_GAPS = """
    SELECT * FROM (
        SELECT l.meter_id, l.ts, l._line, s.step_min,
               lag(l.ts) OVER (PARTITION BY l.meter_id ORDER BY l.ts) + to_minutes(s.step_min) AS prev_end
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


def _spill(ctx: _Ctx, spec: Kind, con: duckdb.DuckDBPyConnection, qty: str) -> Spill | None:
    """The table's rows as Parquet; None when some are identical to stored rows (the pandas path says so)."""
    table = spec.table
    desc = [(r[0], r[1]) for r in ctx.con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "batch_id"]
    given = {"meter_id": "l.meter_id", "period_start": "l.ts", "source": "'interval'", qty: "l.qty",
             "period_end": "l.ts + to_minutes(s.step_min)", "multiplier": "1.0", "estimated": "false"}
    select = ", ".join(f"CAST({given.get(name, 'NULL')} AS {typ}) AS \"{name}\"" for name, typ in desc)
    tmp = tempfile.TemporaryDirectory(prefix="etl_spill_")
    path = os.path.join(tmp.name, "rows.parquet")
    spill = Spill(path, 0, [n for n, _ in desc], _tmp=tmp)
    try:
        n, start, end = con.execute("SELECT count(*), min(ts), max(ts) FROM lane").fetchall()[0]
        # no ORDER BY: sorting 10 M rows by line doubled this step and did not make the anomaly scan faster
        con.execute(f"COPY (SELECT {select}, l._line FROM lane l JOIN _lane_steps s USING (meter_id)) "
                    f"TO '{path}' (FORMAT parquet)")
        con.execute("DROP TABLE lane")
        identical, replaced = _stored_overlap(ctx, table, spill, start, end)
    except BaseException:
        spill.close()
        raise
    if identical:  # the pandas path leaves them out with its note
        spill.close()
        return None
    spill.rows = int(n)
    ctx.prep.period = (_py(start), _py(end))
    ctx.prep.rows_replaced = int(replaced)
    return spill


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
