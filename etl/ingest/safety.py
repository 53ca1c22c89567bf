"""Whatever prepare() accepts, commit() can write: every row is checked against the table's own types.

The checks of each kind catch what a file means; this one catches what the database cannot hold (a
whole number beyond 32 bits, a value missing in a NOT NULL column) so that the insert inside commit()
never fails: such a row is an error with its line number in prepare() instead.
"""

from __future__ import annotations

import pandas as pd

from etl.ingest.messages import msg

MAX_LISTED = 200
INT_LIMITS = {"TINYINT": 127, "SMALLINT": 32767, "INTEGER": 2147483647, "BIGINT": 9223372036854775807}


def check_storable(ctx, table: str, out: pd.DataFrame) -> None:
    """Errors for values the table cannot store (type, range, NOT NULL), by line."""
    desc = [(r[0], r[1], r[2] == "NO") for r in ctx.con.execute(f"DESCRIBE {table}").fetchall()
            if r[0] != "batch_id" and r[0] in out.columns]
    if out.empty or not desc:
        return
    checks = []
    for name, typ, not_null in desc:
        if not_null:
            checks.append((name, f'"{name}" IS NULL', msg("value_missing"), msg("fill_value")))
        if typ in INT_LIMITS:
            said = msg("value_too_large", limit=f"{INT_LIMITS[typ]:,}")
        else:
            said = msg("value_not_storable", type=typ)
        checks.append((name, f'"{name}" IS NOT NULL AND TRY_CAST("{name}" AS {typ}) IS NULL', said,
                       msg("check_value")))
    ctx.con.register("_storable", out[[n for n, _, _ in desc] + ["_line"]])
    try:
        flags = ", ".join(f"({cond}) AS f{i}" for i, (_, cond, _, _) in enumerate(checks))
        bad = ctx.con.execute(
            f"SELECT _line, {flags} FROM _storable WHERE {' OR '.join(f'({c[1]})' for c in checks)} "
            f"LIMIT {MAX_LISTED}").df()
    finally:
        ctx.con.unregister("_storable")
    for i, (name, _cond, message, fix) in enumerate(checks):
        lines = set(bad.loc[bad[f"f{i}"].fillna(False).astype(bool), "_line"])
        if lines:
            ctx.report(out, out["_line"].isin(lines), name, message, fix)


def drop_identical(ctx, table: str, out: pd.DataFrame) -> pd.DataFrame:
    """Rows equal in every column to a stored row are left out: re-loading them changes nothing.

    Sets prep.identical_rows and prep.identical_batch (the newest batch holding them) and says so.
    """
    from etl.store.schema import TABLES

    cols = [r[0] for r in ctx.con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "batch_id"]
    if out.empty or not set(cols) <= set(out.columns):
        return out
    key = TABLES[table][1]
    ctx.con.register("_same", out[cols + ["_line"]])
    try:
        match = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in cols)
        hits = ctx.con.execute(
            f"SELECT s._line, t.batch_id FROM _same s JOIN {table} t ON "
            f"{' AND '.join(f's.{k} = t.{k}' for k in key)} AND {match}").df()
    finally:
        ctx.con.unregister("_same")
    if hits.empty:
        return out
    n, rest = len(hits), len(out) - len(hits)
    ctx.prep.identical_rows = n
    ctx.prep.identical_batch = int(hits["batch_id"].max())
    if rest == 0:
        ctx.file_problem(msg("identical_rows_all", n=n), "nothing_to_do", "info")
    else:
        ctx.file_problem(msg("identical_rows_some", n=n, rest=rest),
                         "nothing_to_do", "info")
    return out.loc[~out["_line"].isin(set(hits["_line"]))]
