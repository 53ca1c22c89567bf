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

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from etl.ingest import fastread, formats
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

    def frame(self) -> pd.DataFrame:
        """The rows as the pandas path's frame (file order), for whoever still reads Prepared.rows."""
        con = duckdb.connect()
        try:
            df = con.execute(f"SELECT * FROM {self.source_sql()} ORDER BY _line").df()
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
    return pd.DataFrame({"ref": list(ref), "meter_id": [v[0] for v in ref.values()],
                         "meter_kind": [v[1] for v in ref.values()]}, dtype=object)


def _run(ctx: _Ctx, spec: Kind, st: Staged, mapping: dict[int, str], units: dict[str, str]) -> Spill | None:
    con, line = st.con, st.line_sql()
    col_of = {name: j for j, name in mapping.items()}
    qty = QTY[spec.name]
    cells = [f"c{j}" for j in range(st.width)]
    blank = " AND ".join(f"{c} = ''" for c in cells)
    huge = " OR ".join(f"length({c}) > {loader_max_cell()}" for c in cells)
    # huge cells, totals and footers: the pandas path reports or skips them with its notes
    if con.execute(f"SELECT count(*) FROM raw WHERE ({huge}) OR (NOT ({blank}) AND "
                   f"{formats.candidates_sql(cells)})").fetchall()[0][0]:
        return None
    m, t, q = (f"c{col_of[f]}" for f in ("meter", "ts", qty))
    ts_value, _ = fastread.datetime_sql(t, fastread.guess_format(con, t))
    q_value, _ = fastread.number_sql(q)
    col = spec.col(qty)
    factor = col.units.get(units.get(qty, "").replace(" ", ""), 1.0) if col.units else 1.0
    con.register("_lane_registry", _registry(ctx))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE lane AS
            SELECT {line} AS _line, raw.{m} AS ref, g.meter_id, g.meter_kind, {ts_value} AS ts,
                   ({q_value}) * {float(factor)!r} AS qty
            FROM raw LEFT JOIN _lane_registry g ON g.ref = raw.{m} WHERE NOT ({blank})""")
    finally:
        con.unregister("_lane_registry")
    now = ctx.now
    bad = con.execute("""
        SELECT count(*) AS n,
               count(*) FILTER (WHERE meter_id IS NULL OR meter_kind IS DISTINCT FROM ?
                                OR ts IS NULL OR qty IS NULL OR qty < 0
                                OR ts > ? OR ts < TIMESTAMP '2000-01-01'
                                OR starts_with(ref, '=') OR starts_with(ref, '+') OR starts_with(ref, '@')) AS bad,
               count(*) - count(DISTINCT (meter_id, ts)) AS repeated
        FROM lane""", [spec.name, now + timedelta(days=1)]).fetchall()[0]
    if bad[0] == 0 or bad[1] or bad[2]:
        return None
    # each meter's interval length: the median step between its readings (loader._interval_minutes)
    con.execute("""CREATE OR REPLACE TEMP TABLE lane_step AS
        SELECT meter_id, CAST(round_even(greatest(least(coalesce(median(d) / 6e7, 60.0), 1440), 1), 0) AS BIGINT)
                   AS step_min
        FROM (SELECT meter_id, CAST(epoch_us(ts) AS DOUBLE)
                     - lag(CAST(epoch_us(ts) AS DOUBLE)) OVER (PARTITION BY meter_id ORDER BY ts) AS d FROM lane)
        GROUP BY meter_id""")
    if _unusual_or_gaps(ctx, con, qty):
        return None
    return _spill(ctx, spec, con, qty)


def loader_max_cell() -> int:
    from etl.ingest.loader import MAX_CELL_CHARS

    return MAX_CELL_CHARS


def _unusual_or_gaps(ctx: _Ctx, con: duckdb.DuckDBPyConnection, qty: str) -> bool:
    """Any row the pandas path would warn about: usage above the meter's usual, or a gap before it."""
    from etl.ingest import pv_portal

    factor = float(pv_portal.settings()["reading_history_factor"])
    meters = [r[0] for r in con.execute("SELECT meter_id FROM lane_step").fetchall()]
    # the stored history's usual rate per hour (loader._usual_rate), at least 3 readings
    stored = ctx.con.execute(
        f"SELECT meter_id, median({qty} / (date_diff('second', period_start, period_end) / 3600.0)) AS usual "
        f"FROM readings WHERE source = 'interval' AND meter_id IN (SELECT unnest(?)) AND {qty} > 0 "
        f"AND period_end > period_start GROUP BY ALL HAVING count(*) >= 3", [meters]).df()
    con.register("_lane_history", stored)
    try:
        hits = con.execute(f"""
            WITH r AS (SELECT l.meter_id, l.ts, s.step_min, l.qty / (s.step_min * 60 / 3600.0) AS rate
                       FROM lane l JOIN lane_step s USING (meter_id)),
            f AS (SELECT meter_id, median(rate) FILTER (WHERE rate > 0) AS med,
                         count(*) FILTER (WHERE rate > 0) AS n FROM r GROUP BY meter_id),
            u AS (SELECT f.meter_id, coalesce(h.usual, CASE WHEN f.n >= 4 THEN f.med END) AS usual
                  FROM f LEFT JOIN _lane_history h USING (meter_id)),
            g AS (SELECT r.*, epoch_us(ts) - lag(epoch_us(ts) + step_min * 60000000)
                              OVER (PARTITION BY meter_id ORDER BY ts) AS gap_us FROM r)
            SELECT count(*) FROM g JOIN u USING (meter_id)
            WHERE (u.usual > 0 AND g.rate > {factor!r} * u.usual) OR g.gap_us >= g.step_min * 60000000 * 0.5
            """).fetchall()[0][0]
    finally:
        con.unregister("_lane_history")
    return bool(hits)


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
        con.execute(f"COPY (SELECT {select}, l._line FROM lane l JOIN lane_step s USING (meter_id)) "
                    f"TO '{path}' (FORMAT parquet)")
        con.execute("DROP TABLE lane")
        src = spill.source_sql()
        key = TABLES[table][1]
        same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in spill.columns)
        on = " AND ".join(f"s.{k} = t.{k}" for k in key)
        match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM t.{k}" for k in key)
        got = ctx.con.execute(f"""
            SELECT (SELECT count(*) FROM {src}), (SELECT min(period_start) FROM {src}),
                   (SELECT max(period_start) FROM {src}),
                   (SELECT count(*) FROM {src} s JOIN {table} t ON {on} AND {same}),
                   (SELECT count(*) FROM {table} t WHERE EXISTS (SELECT 1 FROM {src} s WHERE {match}))
            """).fetchall()[0]
    except BaseException:
        spill.close()
        raise
    n, start, end, identical, replaced = got
    if identical:  # the pandas path leaves them out with its note
        spill.close()
        return None
    spill.rows = int(n)
    ctx.prep.period = (_py(start), _py(end))
    ctx.prep.rows_replaced = int(replaced)
    return spill


def _py(value: object) -> datetime | None:
    return None if value is None else pd.Timestamp(value).to_pydatetime()
