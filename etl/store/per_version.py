"""What the writers keep per data version, in one place (issue 14).

Some results are the same for every visitor and cost seconds at ten times the county, so the writers
compute them inside their own transaction and keep them in tables. Each such store is a module with

    refresh(con, changed_table=None, changed=None, force=False) -> bool   (True when it recomputed)
    is_current(con) -> bool                                  (its rows fit the data as it is now)

and STORES lists them in refresh order (a later one may read an earlier one's tables):

1. etl.store.rollups         the heavy metric views kept as tables (the others read them);
2. etl.metrics.anomaly_store the anomaly findings (stamped with the data version);
3. etl.pv.alert_store        the PV alerts of every modelled year.

- **Who refreshes.** The writers call `refresh(con, changed_table)` after their writes and their version
  bump, inside their transaction: a load's commit and undo, a settings edit and its undo, a PV model run.
  `changed_table` is the table the write changed (a store whose inputs it is not can skip, or only move
  its stamp); `changed` is the scope of the write (etl.store.changes, when given): which rows it touched.
- **A build refreshes once.** `once_at_end(con)` defers every refresh inside its block (`deferred()`), then
  refreshes every store once in one transaction of its own; a block that raises refreshes nothing.
- **Readers never write.** Each store's reader uses its table only when `is_current`, else computes in
  memory. Stamps are rows of `meta` (`stamp`, `set_stamp`, `drop_stamp`); `input_fingerprint` is the
  usual check of what a store's rows depend on (row counts of its input tables and the load batches of
  their kinds), so a write that cannot change them leaves them current.
- `python -m etl refresh` (etl.__main__) calls `refresh_all` on an older database: every store that is not
  current is rebuilt (`--force`: every store).
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Iterable, Iterator
from types import ModuleType

import duckdb
import pandas as pd

# refresh order: the rollups first, the anomaly scan and the PV alerts read the metric views
STORES = ("etl.store.rollups", "etl.metrics.anomaly_store", "etl.pv.alert_store")
LABELS = {"etl.store.rollups": "stored metric views (pv_counted, meter_month, institution_month)",
          "etl.metrics.anomaly_store": "anomaly findings (anomaly_findings)",
          "etl.pv.alert_store": "PV alerts (pv_alerts)"}

_local = threading.local()


def stores() -> list[ModuleType]:
    """The store modules, imported when first needed (they import the metric code, which imports the store)."""
    return [importlib.import_module(name) for name in STORES]


def is_deferred() -> bool:
    return getattr(_local, "deferred", False)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """No refresh inside this block (a build that loads many files refreshes once at its end)."""
    before = is_deferred()
    _local.deferred = True
    try:
        yield
    finally:
        _local.deferred = before


@contextlib.contextmanager
def _stored_views_for_the_rest(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """After the rollups' refresh their tables are current inside this transaction: the later stores read
    them (as a cursor would after the commit); the cursor's own setting is put back at the end."""
    from etl.store import rollups

    before = con.execute(f"SELECT getvariable('{rollups.VARIABLE}')").fetchall()[0][0]
    try:
        yield
    finally:
        rollups.use(con, bool(before))


def refresh(con: duckdb.DuckDBPyConnection, changed_table: str | None = None, changed: object | None = None,
            stale_only: bool = False, force: bool = False, skip: Iterable[str] = (),
            only: Iterable[str] | None = None) -> dict[str, float]:
    """Bring every store up to date, in order, inside the caller's transaction (after its writes).
    Nothing inside a `deferred()` block. Returns {store: seconds} of those that recomputed.
    stale_only: leave a store that is current alone; force: recompute every store (python -m etl refresh);
    skip / only: the stores (module names) to leave out / to do alone (a load refreshes the anomaly
    findings in a transaction of their own after its write: etl.ingest.loader)."""
    if is_deferred():
        return {}
    from etl.store import rollups

    done: dict[str, float] = {}
    with _stored_views_for_the_rest(con):
        skipped = set(skip)
        picked = None if only is None else set(only)
        for mod in stores():
            if mod.__name__ in skipped or (picked is not None and mod.__name__ not in picked):
                continue
            if stale_only and not force and mod.is_current(con):
                continue
            t0 = time.perf_counter()
            kw: dict = {"changed": changed} if changed is not None else {}
            if force:
                kw["force"] = True
            if mod.refresh(con, changed_table, **kw):
                done[mod.__name__] = time.perf_counter() - t0
            if mod is rollups and rollups.is_current(con):
                rollups.use(con, True)
    return done


def refresh_all(con: duckdb.DuckDBPyConnection, force: bool = False) -> dict[str, float]:
    """Every store that is not current (every store with force) refreshed in a transaction of its own,
    committed; then this cursor reads the stored views. Returns {store: seconds} of those recomputed."""
    from etl.store import rollups

    con.execute("BEGIN TRANSACTION")
    try:
        done = refresh(con, stale_only=True, force=force)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    rollups.use(con)  # committed: this cursor (and what runs after it) reads the tables
    return done


@contextlib.contextmanager
def once_at_end(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Defer every refresh inside the block, then refresh every store once (its own transaction) if the
    block succeeded."""
    with deferred():
        yield
    refresh_all(con)


def current(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """{store: is_current} (read only)."""
    return {mod.__name__: bool(mod.is_current(con)) for mod in stores()}


# ------------------------------------------------------------------ stamps and fingerprints


def stamp(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_stamp(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> None:
    """The kept table's rows become `rows` (its columns by name), inside the caller's transaction."""
    cols = ", ".join(rows.columns)
    con.execute(f"DELETE FROM {table}")
    if rows.empty:
        return
    con.register("_kept_rows", rows)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _kept_rows")
    finally:
        con.unregister("_kept_rows")


def drop_stamp(con: duckdb.DuckDBPyConnection, key: str) -> None:
    con.execute("DELETE FROM meta WHERE key = ?", [key])


def has_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> bool:
    names = list(names)
    n = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ? AND NOT temporary",
                    [names]).fetchall()[0][0]
    return n == len(names)


def data_version(con: duckdb.DuckDBPyConnection) -> str | None:
    return stamp(con, "data_version")


def input_fingerprint(con: duckdb.DuckDBPyConnection, code_hash: str, tables: Iterable[str]) -> str:
    """`code:[row counts of tables]:[load batches of their kinds: how many, the last, how many undone]`,
    as the data is now (in this cursor's transaction)."""
    from etl.ingest.kinds import KINDS

    tables = list(tables)
    kinds = sorted(k for k, spec in KINDS.items() if spec.table in tables)
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
    marks = ", ".join("?" * len(kinds))
    row = con.execute(f"""
        SELECT [{counts}],
               (SELECT [count(*), coalesce(max(batch_id), 0), count(*) FILTER (WHERE status = 'undone')]
                FROM load_batches WHERE kind IN ({marks}))""", kinds).fetchall()[0]
    return f"{code_hash}:{row[0]}:{row[1]}"
