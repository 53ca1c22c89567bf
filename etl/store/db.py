"""Where the database lives and how to open it.

Connections are short-lived on purpose: DuckDB lets one process write at a time,
and a connection kept open by the dashboard would block a load from the command
line. Open, do the work, close; when another process holds the lock, wait a
little and try again, then give a sentence the user can act on.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "energy.duckdb"


class DatabaseBusy(RuntimeError):
    """Another process holds the write lock for longer than we wait."""


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $ENERGY_DB, else data/energy.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("ENERGY_DB")
    return Path(env) if env else DEFAULT_DB


@contextlib.contextmanager
def connect(path: str | os.PathLike | None = None, wait_s: float = 15.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating the schema if needed), yield, close."""
    from etl.store.schema import ensure_schema

    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(target))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise DatabaseBusy(
                    f"The database {target} is in use by another program (probably a load that is "
                    "still running). Wait until it finishes and try again."
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        ensure_schema(con)
        yield con
    finally:
        con.close()
