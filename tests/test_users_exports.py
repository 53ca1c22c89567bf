"""Users (bcrypt hashes, roles, login slow-down, CLI) and exports that cannot run as formulas."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pytest

from etl.reports.exports import safe_for_spreadsheet, to_csv_bytes, to_xlsx_bytes
from etl.store import users
from etl.store.db import connect
from tests.corpus import BILL


def test_password_is_stored_hashed(empty_db):
    with connect(empty_db) as con:
        users.add_user(con, "alice", "officer", "correct-horse")
        stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
        assert "correct-horse" not in stored and stored.startswith("$2b$04$")  # tests run at bcrypt's minimum cost
        assert users.check_login(con, "alice", "correct-horse").role == "officer"
        assert not users.check_login(con, "alice", "wrong").ok
        assert not users.check_login(con, "nobody", "correct-horse").ok
    assert users.hash_password("correct-horse", rounds=12).startswith("$2b$12$")  # the cost in use


@pytest.mark.parametrize("name,role,password,words", [
    ("alice", "officer", "short", "at least 8"), ("a", "officer", "long-enough", "2 to 40"),
    ("x'; DROP TABLE users;--", "officer", "long-enough", "2 to 40"), ("bob", "visitor", "long-enough", "role"),
])
def test_bad_users_are_refused(empty_db, name, role, password, words):
    with connect(empty_db) as con, pytest.raises(users.UserError, match=words):
        users.add_user(con, name, role, password)


def test_repeated_failures_are_slowed_down(empty_db):
    t0 = datetime(2025, 1, 1, 8)
    with connect(empty_db) as con:
        users.add_user(con, "alice", "officer", "correct-horse")
        for i in range(users.FREE_FAILURES):
            assert users.check_login(con, "alice", "x", now=t0 + timedelta(seconds=i)).wait_s in (0, 1)
        # now even the right password must wait
        blocked = users.check_login(con, "alice", "correct-horse", now=t0 + timedelta(seconds=users.FREE_FAILURES - 1))
        assert not blocked.ok and blocked.wait_s > 0
        for _ in range(6):  # the wait doubles with every further failure
            later = t0 + timedelta(hours=1)
            users.check_login(con, "alice", "x", now=later)
            t0 = later
        failed, last = con.execute("SELECT failed_logins, last_failed_at FROM users").fetchall()[0]
        assert users.wait_seconds(failed, last, last) == 2 ** (failed - users.FREE_FAILURES)
        ok = users.check_login(con, "alice", "correct-horse", now=last + timedelta(seconds=users.MAX_WAIT_S))
        assert ok.ok and con.execute("SELECT failed_logins FROM users").fetchall()[0][0] == 0


def test_disabled_user_cannot_log_in_and_last_admin_stays(empty_db):
    with connect(empty_db) as con:
        users.add_user(con, "root", "admin", "admin-pass-1")
        users.add_user(con, "alice", "officer", "correct-horse")
        with pytest.raises(users.UserError, match="last active admin"):
            users.set_role(con, "root", "officer", by="someone")
        with pytest.raises(users.UserError, match="your own"):
            users.set_active(con, "root", False, by="root")
        users.set_active(con, "alice", False, by="root")
        assert not users.check_login(con, "alice", "correct-horse").ok


def test_cli_users_add_and_load_records_who(registry_db, tmp_path):
    py = [sys.executable, "-m", "etl", "--db", str(registry_db)]
    added = subprocess.run([*py, "users", "add", "alice", "--role", "officer", "--password-stdin"],
                           input="correct-horse\n", capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    again = subprocess.run([*py, "users", "add", "alice", "--role", "officer", "--password-stdin"],
                           input="correct-horse\n", capture_output=True, text=True)
    assert again.returncode == 1 and "exists already" in again.stderr
    listed = subprocess.run([*py, "users", "list"], capture_output=True, text=True)
    assert "alice" in listed.stdout and "$2b$" not in listed.stdout
    with connect(registry_db) as con:
        assert users.check_login(con, "alice", "correct-horse").ok
    # a file with warnings is not loaded from the command line unless accepted
    dup = tmp_path / "dup.csv"
    dup.write_text("户号,账期,抄见电量(kWh)\n0450000001,2023-01,100\n0450000001,2023-01,100\n", encoding="utf-8")
    held = subprocess.run([*py, "load", str(dup), "--user", "alice"], capture_output=True, text=True)
    assert held.returncode == 1 and "--accept-warnings" in held.stderr and "dup.csv:3:" in held.stderr
    done = subprocess.run([*py, "load", str(dup), "--user", "alice", "--accept-warnings"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    with connect(registry_db) as con:
        assert con.execute("SELECT loaded_by FROM load_batches ORDER BY batch_id DESC LIMIT 1").fetchall()[0][0] \
            == "alice"


def test_cli_loads_a_chosen_sheet(registry_db, tmp_path):
    from tests.corpus import cases

    case = next(c for c in cases() if c.name == "xlsx_second_sheet.xlsx")
    path = tmp_path / case.name
    path.write_bytes(case.data)
    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(registry_db, fresh)
    py = [sys.executable, "-m", "etl", "--db", str(registry_db), "load", str(path)]
    first = subprocess.run([*py, "--sheet", "说明"], capture_output=True, text=True)
    assert first.returncode == 1  # the sheet asked for is a cover page: read as asked, and refused
    chosen = subprocess.run([*py, "--sheet", "电费"], capture_output=True, text=True)
    assert chosen.returncode == 0, chosen.stderr
    # without --sheet, the sheet holding the table is read, and the note names it (etl/ingest/shapes.best_sheet)
    found = subprocess.run([sys.executable, "-m", "etl", "--db", str(fresh), "load", str(path)],
                           capture_output=True, text=True)
    assert found.returncode == 0 and "电费" in found.stdout + found.stderr, found.stderr
    assert BILL  # the shared bill text is importable for other tests


def test_exports_neutralise_formula_cells():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "ok", None, "\t=1"],
                       "kwh": [-5.0, 1, 2, 3, 4, 5, 6]})
    safe = safe_for_spreadsheet(df)
    assert safe["name"].tolist()[:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "ok"]
    assert safe["kwh"].iloc[0] == -5.0  # a negative number stays a number
    assert df["name"].iloc[0].startswith("=")  # the input is not changed
    text = to_csv_bytes(df).decode("utf-8-sig")
    cells = [line.split(",")[0].strip('"') for line in text.splitlines()[1:]]
    assert cells[:4] == ["'=HYPERLINK(", "'+1", "'-2", "'@SUM(A1)"] or cells[0].startswith("'=")
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes({"数据": df, "evil": df.rename(columns={"name": "=x"})})))
    assert book["数据"]["A2"].value.startswith("'=") and book["数据"]["A2"].data_type == "s"
    assert book["evil"]["A1"].value == "'=x"
