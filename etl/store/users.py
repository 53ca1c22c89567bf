"""Who may write: users, roles and passwords, kept in the database's `users` table.

Why the database: it is already the one file the app backs up and moves, every write
already happens there, and `loaded_by` in load_batches can name a row of this table.
Passwords are stored only as bcrypt hashes (cost 12; $BCRYPT_ROUNDS sets it, tests use 4). Roles:

    visitor  reads every page (nobody needs an account for that)
    officer  uploads, undoes batches
    admin    what an officer does, and manages users

Repeated failed logins are slowed down: after 3 failures in a row for a name, each
further attempt must wait 2^(n-3) seconds (capped at 5 minutes) before the password
is even checked, and the wait is told to the user. Failures are counted per name tried,
whether or not such a user exists (`login_attempts`), so the answers (wrong, or wait N s)
are the same for a real and an unknown name; a try made while waiting counts too.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import bcrypt
import duckdb

ROLES = ("visitor", "officer", "admin")
WRITER_ROLES = ("officer", "admin")
FREE_FAILURES = 3
MAX_WAIT_S = 300
MIN_PASSWORD_LEN = 8
# bcrypt cost: 12 in use; tests set BCRYPT_ROUNDS=4 so they do not spend seconds hashing (4 is bcrypt's minimum)
ROUNDS = max(4, int(os.environ.get("BCRYPT_ROUNDS", "12")))
_NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,40}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, password_hash VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT true, created_by VARCHAR, created_at TIMESTAMP NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0, last_failed_at TIMESTAMP, last_login_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS login_attempts (
    name VARCHAR PRIMARY KEY, failed INTEGER NOT NULL, last_failed_at TIMESTAMP NOT NULL);
"""


class UserError(ValueError):
    """A sentence for the person managing users."""


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    role: str | None = None
    wait_s: int = 0          # > 0: too many failures, try again after this many seconds


def ensure_users_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)


def hash_password(password: str, rounds: int | None = None) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds or ROUNDS)).decode("ascii")


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str, created_by: str = "cli",
             now: datetime | None = None) -> None:
    ensure_users_table(con)
    name = name.strip()
    if not _NAME.match(name):
        raise UserError("a user name has 2 to 40 letters, digits or . _ - @")
    if role not in ROLES[1:]:
        raise UserError("role must be officer or admin (visitors need no account)")
    if len(password) < MIN_PASSWORD_LEN:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LEN} characters")
    if len(password.encode("utf-8")) > 72:
        raise UserError("the password may have at most 72 bytes (a bcrypt limit)")
    if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchall():
        raise UserError(f"user {name!r} exists already; use set-password or remove it first")
    con.execute("INSERT INTO users (name, role, password_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                [name, role, hash_password(password), created_by, now or datetime.now()])


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str) -> None:
    ensure_users_table(con)
    if len(password) < MIN_PASSWORD_LEN or len(password.encode("utf-8")) > 72:
        raise UserError(f"the password needs {MIN_PASSWORD_LEN} to 72 characters")
    if not con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchall():
        raise UserError(f"there is no user {name!r}")
    con.execute("UPDATE users SET password_hash = ?, failed_logins = 0 WHERE name = ?", [hash_password(password), name])


def set_active(con: duckdb.DuckDBPyConnection, name: str, active: bool, by: str) -> None:
    ensure_users_table(con)
    if name == by and not active:
        raise UserError("you cannot disable your own account")
    if not active and _is_last_admin(con, name):
        raise UserError("this is the last active admin; make another admin first")
    con.execute("UPDATE users SET active = ? WHERE name = ?", [active, name])


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str, by: str) -> None:
    ensure_users_table(con)
    if role not in ROLES[1:]:
        raise UserError("role must be officer or admin")
    if role != "admin" and _is_last_admin(con, name):
        raise UserError("this is the last active admin; make another admin first")
    con.execute("UPDATE users SET role = ? WHERE name = ?", [role, name])


def _is_last_admin(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    admins = [r[0] for r in con.execute("SELECT name FROM users WHERE role = 'admin' AND active").fetchall()]
    return admins == [name]


def list_users(con: duckdb.DuckDBPyConnection):
    """Users without their hashes."""
    ensure_users_table(con)
    return con.execute("SELECT name, role, active, created_by, created_at, last_login_at, failed_logins "
                       "FROM users ORDER BY name").df()


def wait_seconds(failed: int, last_failed_at: datetime | None, now: datetime) -> int:
    """Seconds still to wait before the next attempt is checked (0: go ahead)."""
    if failed < FREE_FAILURES or last_failed_at is None:
        return 0
    wait = min(2 ** (failed - FREE_FAILURES), MAX_WAIT_S)
    left = (last_failed_at + timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(left + 0.999))


def _failures(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, datetime | None]:
    row = con.execute("SELECT failed, last_failed_at FROM login_attempts WHERE name = ?", [name]).fetchall()
    return row[0] if row else (0, None)


def _count_failure(con: duckdb.DuckDBPyConnection, name: str, failed: int, now: datetime) -> None:
    con.execute("INSERT OR REPLACE INTO login_attempts VALUES (?, ?, ?)", [name, failed + 1, now])
    con.execute("UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ? WHERE name = ?", [now, name])


def check_login(con: duckdb.DuckDBPyConnection, name: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a name and password; count failures and slow repeated ones down.

    The same answers, in the same time, whether the name exists or not: failures are counted per name
    tried, and every failed try counts, one made during the wait included (it is not checked)."""
    ensure_users_table(con)
    now = now or datetime.now()
    name = name.strip()[:100]
    failed, last_failed = _failures(con, name)
    wait = wait_seconds(failed, last_failed, now)
    if wait:
        assert last_failed is not None  # a wait follows a failure
        _count_failure(con, name, failed, last_failed)  # counted; the wait still runs from the last checked try
        return LoginResult(False, wait_s=wait_seconds(failed + 1, last_failed, now))
    row = con.execute("SELECT role, password_hash, active FROM users WHERE name = ?", [name]).fetchall()
    if not row:
        bcrypt.checkpw(b"x", _dummy_hash(ROUNDS))  # same time as a real check: names cannot be probed by timing
        good, active, role = False, False, None
    else:
        role, hashed, active = row[0]
        good = bcrypt.checkpw(password.encode("utf-8")[:72], hashed.encode("ascii"))
    if good and active:
        con.execute("DELETE FROM login_attempts WHERE name = ?", [name])
        con.execute("UPDATE users SET failed_logins = 0, last_failed_at = NULL, last_login_at = ? WHERE name = ?",
                    [now, name])
        return LoginResult(True, role)
    _count_failure(con, name, failed, now)
    return LoginResult(False, wait_s=wait_seconds(failed + 1, now, now))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    return bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=rounds))
