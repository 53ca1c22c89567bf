"""The heavy metric views kept as tables, refreshed by the writers (issue 14).

`pv_counted` (3.2 M PV rows at N=10), `meter_month` (6.3 M readings) and `institution_month` (both of them)
re-aggregate the fact tables on every query: 4-5 s each at ten times the county, the same for every
visitor. So each is stored in a table `<view>__stored`, and the view keeps its name and columns:

    <view>         = <view>__stored  when this cursor's variable `rollups_current` is true
                     <view>__live    (the plain definition) otherwise

`getvariable` is folded into a constant when DuckDB plans a query, so the branch not taken costs nothing
(a filter on a scalar subquery would run both). Every page, export and test reads the same view.

- **When the tables are current.** Their rows depend only on the fact and registry tables below
  (INPUT_TABLES; no factor or setting), and those change only through the loader. `fingerprint()` is the
  row count of each input table, the load batches of their kinds (how many, the last, how many undone)
  and a hash of the live definitions; meta `rollups_fingerprint` holds the one the tables were built for.
- **Who refreshes.** The writers, inside their own transaction, first of what is kept per data version
  (etl.store.per_version: deferral, once at the end of a build, refresh order): a load's commit and undo
  (etl.ingest.loader) and the demo build (once, at its end). A settings or factor edit,
  a fleet note or a certification mark cannot change these rows, so the tables stay current through them.
- **Readers never write.** `etl.store.db.connect()` sets `rollups_current` on each cursor it hands out
  (`use()`): true only when the stored fingerprint equals the data's. An older database (no tables, no
  fingerprint), rows written past the loader, or a load by older code: the variable is false and the
  cursor reads the plain views. The check runs once per change of the database file (its and its WAL's
  size and time), so a cursor usually costs a stat.
- Rows written past the loader inside one cursor after it was handed out are not seen by that cursor's
  views (a new cursor sees them, through the plain views).
"""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from etl.store import per_version
from etl.store.changes import Changed, in_list

VARIABLE = "rollups_current"
STAMP_KEY = "rollups_fingerprint"
# dependency order: institution_month reads pv_counted and meter_month (through meter_month_converted)
NAMES = ("pv_counted", "meter_month", "institution_month")
INPUT_TABLES = ("readings", "pv_production", "meters", "institutions", "pv_sites", "lpg_purchases")


def _definitions() -> dict[str, str]:
    from etl.store import schema, views

    return {n: ({**schema.VIEWS, **views.VIEWS})[n] for n in NAMES}


def _code_hash() -> str:
    return hashlib.sha256("\n".join(_definitions().values()).encode()).hexdigest()[:12]


def _switch(name: str) -> str:
    on = f"coalesce(getvariable('{VARIABLE}'), false)"
    return (f"SELECT * FROM {name}__stored WHERE {on} "
            f"UNION ALL SELECT * FROM {name}__live WHERE NOT {on}")


def _columns(con: duckdb.DuckDBPyConnection, rel: str) -> list[tuple]:
    return [tuple(r[:2]) for r in con.execute(f"DESCRIBE {rel}").fetchall()]


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Live views, stored tables (empty when new or when their columns changed) and the switching views.
    Called by ensure_schema after the plain views exist (a schema upgrade, never a page view)."""
    for name, sql in _definitions().items():
        con.execute(f"CREATE OR REPLACE VIEW {name}__live AS {sql}")
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
                             [f"{name}__stored"]).fetchall()[0][0]
        if not exists or _columns(con, f"{name}__stored") != _columns(con, f"{name}__live"):
            con.execute(f"CREATE OR REPLACE TABLE {name}__stored AS SELECT * FROM {name}__live LIMIT 0")
            con.execute("DELETE FROM meta WHERE key = ?", [STAMP_KEY])
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {_switch(name)}")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the stored rows depend on, as the data is now (in this cursor's transaction)."""
    return per_version.input_fingerprint(con, _code_hash(), INPUT_TABLES)


def _stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    return per_version.stamp(con, STAMP_KEY)


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    return per_version.has_tables(con, [f"{n}__stored" for n in NAMES])


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """The stored tables hold the views' rows for the data as it is now."""
    try:
        return _has_tables(con) and _stamp(con) == fingerprint(con)
    except duckdb.CatalogException:  # an older database without meta or load_batches
        return False


def use(con: duckdb.DuckDBPyConnection, current: bool | None = None) -> bool:
    """Point this cursor's views at the stored tables when they are current (reads only; no write)."""
    current = is_current(con) if current is None else current
    con.execute(f"SET VARIABLE {VARIABLE} = {'true' if current else 'false'}")
    return current


def refresh(con: duckdb.DuckDBPyConnection, changed_table: str | None = None, changed: Changed | None = None,
            force: bool = False) -> bool:
    """Rebuild the stored tables for the data as it is now; call inside the writer's transaction, after its
    writes. Nothing to do when they are current already (a fleet log, a weather file), unless force.
    True when rebuilt.

    `changed` (etl.store.changes, a load's commit or undo): only the rows of the (meter or site or
    institution, month) pairs it touched are deleted and inserted again, when the tables were current
    just before the write; anything else (and force) rebuilds whole."""
    if per_version.is_deferred():
        return False
    fp = fingerprint(con)  # a table outside INPUT_TABLES (changed_table) leaves it as it was
    if not force and _has_tables(con) and _stamp(con) == fp:
        return False
    incremental = not force and changed is not None and changed.rollups_current and changed.table in SCOPED and _has_tables(con)
    before = con.execute(f"SELECT getvariable('{VARIABLE}')").fetchall()[0][0]
    try:
        if incremental and changed is not None:
            _refresh_keys(con, changed)
        else:
            use(con, False)
            for name in NAMES:
                con.execute(f"DELETE FROM {name}__stored")
                # pv_counted and meter_month first: institution_month is then computed from their tables
                con.execute(f"INSERT INTO {name}__stored SELECT * FROM {name}__live")
                use(con, True)
    finally:
        # this cursor's earlier value stays right whether the transaction commits or rolls back
        use(con, bool(before))
    per_version.set_stamp(con, STAMP_KEY, fp)
    return True


# changed table -> the stored tables whose rows it feeds (institution_month through the other two)
SCOPED = {"readings": ("meter_month", "institution_month"), "pv_production": ("pv_counted", "institution_month"),
          "lpg_purchases": ("institution_month",)}
# stored table -> (its entity column, its month expression)
_KEY_OF = {"pv_counted": ("site_id", "date_trunc('month', {a}ts)::DATE"), "meter_month": ("meter_id", "{a}month"),
           "institution_month": ("institution_id", "{a}month")}


def _institution_keys(con: duckdb.DuckDBPyConnection, changed: Changed) -> pd.DataFrame:
    """The (institution, month) pairs behind the changed meters' or sites' months."""
    if changed.table == "lpg_purchases":
        return changed.frame()
    reg = "meters" if changed.table == "readings" else "pv_sites"
    col = "meter_id" if changed.table == "readings" else "site_id"
    con.register("_changed_keys", changed.frame())
    try:
        return con.execute(f"SELECT DISTINCT r.institution_id AS entity, k.month FROM _changed_keys k "
                           f"JOIN {reg} r ON r.{col} = k.entity WHERE r.institution_id IS NOT NULL").df()
    finally:
        con.unregister("_changed_keys")


def _refresh_keys(con: duckdb.DuckDBPyConnection, changed: Changed) -> None:
    """Delete and insert again the stored rows of the changed pairs only (the tables were current before)."""
    use(con, True)  # the live institution_month reads the other two stored tables, refreshed first
    for name in NAMES:
        if name not in SCOPED[changed.table]:
            continue
        keys = _institution_keys(con, changed) if name == "institution_month" else changed.frame()
        if keys.empty:
            continue
        keys["month"] = pd.to_datetime(keys["month"]).dt.date
        entity, month = _KEY_OF[name]
        # the constant lists reach the fact tables' scans; the join keeps exactly the pairs
        near = (f"{in_list(entity, sorted(set(keys['entity'])))} "
                f"AND {in_list(month.format(a=''), sorted(set(keys['month'])))}")
        con.register("_changed_keys", keys)
        try:
            con.execute(f"DELETE FROM {name}__stored s WHERE {near} AND EXISTS (SELECT 1 FROM _changed_keys k "
                        f"WHERE k.entity = s.{entity} AND k.month = {month.format(a='s.')})")
            con.execute(f"INSERT INTO {name}__stored SELECT l.* FROM (SELECT * FROM {name}__live WHERE {near}) l "
                        f"SEMI JOIN _changed_keys k ON k.entity = l.{entity} AND k.month = {month.format(a='l.')}")
        finally:
            con.unregister("_changed_keys")
