"""Where the database lives and how to open it.

How the app holds DuckDB (issue 14):

- **One instance per process and file, a cursor per query.** DuckDB fails now and then
  (`ResourceInUseException … Unique file handle conflict`) when many threads call
  `duckdb.connect(path)` on one file at once. So a process opens each file once, under a lock,
  and every `connect()` hands out its own cursor (its own transaction) on that one instance.
  Cursors are cheap; opening is not (~0.1 s with the schema check, done once per open).
- **Released when idle.** DuckDB lets one process hold the file (read-write). The dashboard
  keeps the instance open only while queries run and for `IDLE_S` after the last one, then
  closes it, so a command-line load can take the lock.
- **A waiting load goes first.** A process that cannot get the lock (a CLI load while
  visitors keep the dashboard busy) writes `<db>.waiting` with its pid. A process that sees
  that file hands out no new cursors: it lets running queries finish, closes the instance,
  and waits until the load has the lock and is done. So the load waits for the dashboard's
  running queries, and the dashboard's next pages wait for the load; nobody gets an error
  while the other finishes in time (`WAIT_S`, `LOAD_WAIT_S`).
- **Waiting is said in words.** `connect()` calls `notice()` once when it starts to wait;
  the dashboard sets it to show "a data load is running, this page will appear when it is
  done" in the visitor's language, the CLI prints a line.
- **Damaged is not busy.** A file that is not a valid DuckDB database (or fails a checksum)
  raises `DatabaseDamaged`, whose sentence names the last good copy (`<db>.last-good`,
  written by `save_good_copy()` after each successful command-line load and demo build).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "energy.duckdb"

# Keep the instance this long after the last query. 0 (close at once, as scripts and tests expect: the file
# is complete on disk when connect() returns); the dashboard sets 2 s: a page runs many queries in a row.
IDLE_S = 0.0
DASHBOARD_IDLE_S = 2.0
WAIT_S = 180.0      # how long a page waits for a load to finish before it gives up with a sentence
LOAD_WAIT_S = 600.0  # how long a command-line load waits for the dashboard's running queries
STALE_WAITING_S = 900.0  # a .waiting file older than this is left over from a killed process


class DatabaseBusy(RuntimeError):
    """Another process holds the write lock for longer than we wait; .msg is the sentence (catalogue code)."""

    def __init__(self, path: object):
        from etl.ingest.messages import msg

        self.msg = msg("database_busy", path=str(path))
        super().__init__(self.msg.render("en"))


class _Locked(Exception):
    """Another process holds the file's lock (we wait and try again)."""


class DatabaseDamaged(RuntimeError):
    """The database file cannot be read: not busy, broken. The message says where the last good copy is."""

    def __init__(self, path: Path, detail: str):
        self.path, self.detail = path, detail
        self.good_copy = good_copy_path(path) if good_copy_path(path).exists() else None
        where = (f"The last good copy is {self.good_copy} (saved {_mtime(self.good_copy)}): stop the dashboard, "
                 f"copy it over {path} and load the files since then again."
                 if self.good_copy else
                 "No good copy was found next to it; restore it from your backup or rebuild it "
                 "(python -m etl demo --force for demo data).")
        super().__init__(f"The database file {path} is damaged ({detail.splitlines()[0][:200]}). {where}")


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else $ENERGY_DB, else data/energy.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("ENERGY_DB")
    return Path(env) if env else DEFAULT_DB


def good_copy_path(path: str | os.PathLike) -> Path:
    return Path(str(path) + ".last-good")


def waiting_path(path: str | os.PathLike) -> Path:
    return Path(str(path) + ".waiting")


def _mtime(path: Path) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))


# Set by the dashboard (a notice on the page) or the CLI (a line on stderr). Called once when a
# connect() starts waiting; it returns a function that clears the notice when the wait is over.
notice: Callable[[str], Callable[[], None] | None] | None = None


_local = threading.local()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No notice from connect() inside this block (Streamlit would replay one drawn inside a cached function)."""
    before = getattr(_local, "quiet", False)
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = before


def _notify(reason: str) -> Callable[[], None]:
    if notice is None or getattr(_local, "quiet", False):
        return lambda: None
    try:
        return notice(reason) or (lambda: None)
    except Exception:  # noqa: BLE001 - a notice that cannot be shown must not stop the query
        return lambda: None


@dataclass
class _Instance:
    """One open database file in this process."""

    path: Path
    con: duckdb.DuckDBPyConnection | None = None
    file_id: tuple | None = None
    users: int = 0
    last_used: float = 0.0
    rollups: tuple | None = None  # (file stamp, stored rollups current) for etl.store.rollups.use
    cond: threading.Condition = field(default_factory=threading.Condition)


_instances: dict[str, _Instance] = {}
_instances_lock = threading.Lock()


def _instance(path: Path) -> _Instance:
    key = str(path.resolve())
    with _instances_lock:
        inst = _instances.get(key)
        if inst is None:
            inst = _instances[key] = _Instance(path)
        return inst


def _file_id(path: Path) -> tuple | None:
    try:
        s = path.stat()
        return (s.st_dev, s.st_ino)
    except FileNotFoundError:
        return None


def _wal_bytes(path: Path) -> int:
    try:
        return Path(str(path) + ".wal").stat().st_size
    except FileNotFoundError:
        return 0


def _is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def _is_damage(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("not a valid duckdb database", "corrupt database", "could not read enough bytes",
                                   "checksum", "invalid block", "unexpected end of file", "serialization error"))


def damaged(exc: BaseException, path: str | os.PathLike | None = None) -> DatabaseDamaged | None:
    """The DatabaseDamaged an exception from a query stands for, if it says the file is broken."""
    if isinstance(exc, DatabaseDamaged):
        return exc
    if isinstance(exc, duckdb.Error) and _is_damage(exc):
        return DatabaseDamaged(db_path(path), str(exc))
    return None


def _waiting_other(path: Path) -> bool:
    """Another live process is waiting for this file's lock (see the module comment)."""
    w = waiting_path(path)
    try:
        pid = int(w.read_text().strip() or 0)
        age_s = time.time() - w.stat().st_mtime
    except (FileNotFoundError, ValueError):
        return False
    if pid == os.getpid():
        return False
    if age_s > STALE_WAITING_S:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        w.unlink(missing_ok=True)
        return False
    except PermissionError:
        pass
    return True


def _close(inst: _Instance) -> None:
    if inst.con is not None:
        with contextlib.suppress(Exception):
            inst.con.close()
        inst.con, inst.file_id = None, None


def _open(inst: _Instance) -> None:
    """Open the file once (the caller holds inst.cond); raise the lock error for the caller to wait on."""
    from etl.store.schema import ensure_schema

    try:
        con = duckdb.connect(str(inst.path), config=dict(engine_config()))
    except duckdb.Error as exc:
        if _is_damage(exc):
            raise DatabaseDamaged(inst.path, str(exc)) from exc
        if _is_lock_error(exc):
            raise _Locked(str(exc)) from exc
        raise
    try:
        ensure_schema(con)
    except duckdb.Error as exc:
        con.close()
        if _is_damage(exc):
            raise DatabaseDamaged(inst.path, str(exc)) from exc
        raise
    inst.con, inst.file_id = con, _file_id(inst.path)


ENGINE_CSV = DATA_DIR / "engine_settings.csv"


@functools.lru_cache(maxsize=1)
def engine_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings of this process from data/engine_settings.csv (blank values: DuckDB's default)."""
    from etl.store import data_files

    out: dict[str, str | bool | int | float | list[str]] = {}
    for row in data_files.rows(ENGINE_CSV):
        value = (row.get("value") or "").strip()
        if not value:
            continue
        if row["setting"] == "memory_limit_mb":
            out["memory_limit"] = f"{int(float(value))}MB"
        elif row["setting"] == "threads":
            out["threads"] = str(int(float(value)))
    return out


@dataclass
class _Wait:
    """One caller's wait for a cursor: its deadline, and what it has to undo when it stops waiting."""
    deadline: float
    writer: bool
    clear: Callable[[], None] | None = None  # takes the visitor's "waiting" notice away
    marked: bool = False  # this writer wrote <db>.waiting


def _step(inst: _Instance, w: _Wait) -> duckdb.DuckDBPyConnection | None:
    """One look at the instance, under its lock: a cursor, or None to wait a little."""
    if _waiting_other(inst.path) and not w.writer:
        # a load waits for this file: no new cursors; close once the running ones are done
        if inst.users == 0:
            _close(inst)
        if w.clear is None:
            w.clear = _notify("load")
        return None
    if inst.con is not None and inst.users == 0 and inst.file_id != _file_id(inst.path):
        _close(inst)  # the file was replaced (a rebuilt demo): open the new one
    if inst.con is None:
        try:
            _open(inst)
        except _Locked as exc:  # another process has the file
            if time.monotonic() > w.deadline:
                raise DatabaseBusy(inst.path) from exc
            if w.writer and not w.marked:
                waiting_path(inst.path).write_text(str(os.getpid()))
                w.marked = True
            if w.clear is None:
                w.clear = _notify("writer" if w.writer else "load")
    if inst.con is None:
        return None
    cur = inst.con.cursor()
    inst.users += 1
    return cur


def _acquire(inst: _Instance, wait_s: float, writer: bool) -> duckdb.DuckDBPyConnection:
    w = _Wait(time.monotonic() + wait_s, writer)
    delay = 0.05
    try:
        with inst.cond:
            while True:
                cur = _step(inst, w)
                if cur is not None:
                    return cur
                if time.monotonic() > w.deadline:
                    raise DatabaseBusy(inst.path)
                inst.cond.wait(delay)
                delay = min(delay * 2, 0.5)
    finally:
        if w.marked:
            waiting_path(inst.path).unlink(missing_ok=True)
        if w.clear is not None:
            w.clear()


def _release(inst: _Instance, cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(Exception):
        cur.close()
    with inst.cond:
        inst.users -= 1
        inst.last_used = time.monotonic()
        if inst.users == 0 and inst.con is not None and _wal_bytes(inst.path) > 0:
            # writes are in the WAL: fold them into the file, so that it is complete on disk whenever nobody
            # is inside connect() (a copy of the file, a backup, another process reading it)
            with contextlib.suppress(duckdb.Error):
                inst.con.execute("CHECKPOINT")
        if inst.users == 0 and (_waiting_other(inst.path) or IDLE_S <= 0):
            _close(inst)
        inst.cond.notify_all()
    if inst.con is not None:
        _reaper_start()


_reaper: threading.Thread | None = None


def _reap_forever() -> None:
    """Close instances idle for IDLE_S, or at once when a load waits for them."""
    while True:
        time.sleep(min(IDLE_S, 0.5) if IDLE_S > 0 else 0.5)
        now = time.monotonic()
        with _instances_lock:
            insts = list(_instances.values())
        for inst in insts:
            with inst.cond:
                if inst.con is not None and inst.users == 0 and (
                        now - inst.last_used >= IDLE_S or _waiting_other(inst.path)):
                    _close(inst)


def _reaper_start() -> None:
    global _reaper
    if _reaper is None:
        with _instances_lock:
            if _reaper is None:
                _reaper = threading.Thread(target=_reap_forever, name="duckdb-idle-close", daemon=True)
                _reaper.start()


def hold_for_dashboard(show_notice: Callable[[str], Callable[[], None]] | None) -> None:
    """The dashboard keeps the instance between queries and shows waits on the page."""
    global IDLE_S, notice
    IDLE_S, notice = DASHBOARD_IDLE_S, show_notice


_writer_default = False


@contextlib.contextmanager
def command_line() -> Iterator[None]:
    """A command-line run: its connects ask the dashboard to step aside and say on stderr that they wait."""
    global _writer_default, notice

    def say(_reason: str) -> Callable[[], None]:
        import sys

        print("waiting for the dashboard to finish its running queries (or for another load)…", file=sys.stderr)
        return lambda: None

    before = _writer_default, notice
    _writer_default, notice = True, say
    try:
        yield
    finally:
        _writer_default, notice = before


def close_all() -> None:
    """Close every idle instance now (tests, process exit, before replacing a file)."""
    with _instances_lock:
        insts = list(_instances.values())
    for inst in insts:
        with inst.cond:
            if inst.users == 0:
                _close(inst)


atexit.register(close_all)


def _file_stamp(path: Path) -> tuple:
    out: list[tuple[int, int] | None] = []
    for f in (path, Path(str(path) + ".wal")):
        try:
            st = f.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def _point_views(inst: _Instance, cur: duckdb.DuckDBPyConnection) -> None:
    """Let the cursor's heavy views read their stored tables when current (etl.store.rollups). The check
    reads row counts (~0.1 s at N=10), so it runs again only when the file or its WAL changed."""
    from etl.store import rollups

    stamp = _file_stamp(inst.path)  # taken before the check: a write during it changes the stamp
    known = inst.rollups
    try:
        if known is not None and known[0] == stamp:
            rollups.use(cur, known[1])
        else:
            inst.rollups = (stamp, rollups.use(cur))
    except duckdb.Error:  # cannot tell: the plain views are always right
        with contextlib.suppress(duckdb.Error):
            rollups.use(cur, False)


@contextlib.contextmanager
def connect(path: str | os.PathLike | None = None, wait_s: float | None = None,
            writer: bool | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on this process's instance of the database (created with its schema if new).

    `writer=True` is for command-line loads: it waits longer and asks the dashboard to step aside."""
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    inst = _instance(target)
    writer = _writer_default if writer is None else writer
    cur = _acquire(inst, (LOAD_WAIT_S if writer else WAIT_S) if wait_s is None else wait_s, writer)
    try:
        _point_views(inst, cur)
        yield cur
    finally:
        _release(inst, cur)


def save_good_copy(path: str | os.PathLike | None = None) -> Path:
    """Copy the database to <db>.last-good after a successful load (a consistent snapshot, taken
    through DuckDB so it is safe while others read); DatabaseDamaged names it."""
    target = db_path(path)
    good = good_copy_path(target)
    tmp = Path(str(good) + ".tmp")
    tmp.unlink(missing_ok=True)
    with connect(target) as con:
        db_name = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f"ATTACH '{tmp.as_posix()}' AS good_copy")
        try:
            con.execute(f'COPY FROM DATABASE "{db_name}" TO good_copy')
        finally:
            con.execute("DETACH good_copy")
    tmp.replace(good)
    return good
