"""The upload, history and users pages in AppTest: who sees them, preview, accept, commit, undo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.store import users
from etl.store.db import connect
from tests.conftest import table_state

BILL = ("户号,户名,账期,抄表日期,上次示数,本次示数,倍率,抄见电量(kWh),电费(元)\n"
        "0450000001,县财政局,2023-01,2023-01-31,1000,3400,1,2400,\"1,516.08\"\n"
        "0450000001,县财政局,2023-02,2023-02-28,3400,5600,1,2200,1389.74\n")


@pytest.fixture()
def env(registry_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(registry_db))
    with connect(registry_db) as con:
        users.add_user(con, "alice", "officer", "correct-horse")
    return registry_db


def app(role: str | None = None, lang: str = "en") -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.session_state["lang"] = lang
    if role:
        at.session_state["auth_user"], at.session_state["auth_role"] = "alice", role
    return at.run()


def listed(at: AppTest, page: str) -> bool:
    """Is the page in this session's navigation? (switch_page only finds registered pages)"""
    try:
        at.switch_page(page)
    except ValueError:
        return False
    return True


def test_visitor_has_no_upload_page_and_cannot_reach_it(env):
    at = app()
    assert not at.exception
    assert not listed(app(), "pages/upload.py") and not listed(app(), "pages/batches.py")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/upload.py")  # not registered for a visitor at all
    assert not at.file_uploader, "a visitor never gets the uploader"


def test_page_file_run_directly_refuses_a_visitor(env):
    at = AppTest.from_file("../pages/upload.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.file_uploader
    assert any("officers and admins only" in w.value for w in at.warning)


def test_officer_sees_the_pages_admin_sees_users(env):
    assert listed(app("officer"), "pages/upload.py") and listed(app("officer"), "pages/batches.py")
    assert not listed(app("officer"), "pages/users.py")
    assert listed(app("admin"), "pages/users.py")


def test_login_through_the_sidebar_form_and_slow_down(env):
    at = app()
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input("wrong-password")
    at.sidebar.button[0].click().run()
    assert "auth_user" not in at.session_state
    assert any("wrong" in e.value for e in at.sidebar.error)
    at.text_input(key="login_name").input("alice")
    at.text_input(key="login_password").input("correct-horse")
    at.sidebar.button[0].click().run()
    assert at.session_state["auth_user"] == "alice" and at.session_state["auth_role"] == "officer"
    assert listed(at, "pages/upload.py")


def test_upload_preview_commit_and_undo(env):
    at = app("officer")
    at.switch_page("pages/upload.py").run()
    before = table_state(env)
    at.file_uploader[0].set_value(("bill.csv", BILL.encode("gb18030"), "text/csv")).run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Rows to write"] == "2" and shown["Meters / items"] == "1"
    assert shown["Period"] == "2023-01-01 – 2023-02-01"
    totals = next(d.value for d in at.dataframe if "Quantity" in d.value.columns)
    # the file's own headers name the quantities, and the settled energy taken from 抄见 its own words
    assert list(totals["Quantity"]) == ["Energy counted (kWh)", "电费(元)", "抄见电量(kWh)"]
    assert table_state(env) == before, "the preview writes nothing"
    at.button(key="commit_0_bill.csv").click().run()
    assert not at.exception, at.exception
    assert any("batch 3" in s.value for s in at.success)
    with connect(env) as con:
        assert con.execute("SELECT sum(energy_kwh) FROM readings").fetchall()[0][0] == 4600
        assert con.execute("SELECT loaded_by FROM load_batches WHERE batch_id = 3").fetchall()[0][0] == "alice"
    # the history page lists it and undoes it
    at.switch_page("pages/batches.py").run()
    assert not at.exception
    assert "bill.csv" in at.dataframe[0].value.to_string()
    at.selectbox(key="undo_batch").set_value(3)
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception
    assert any("Batch 3 undone" in s.value for s in at.success)
    with connect(env) as con:
        assert con.execute("SELECT count(*) FROM readings").fetchall()[0][0] == 0
        assert con.execute("SELECT undone_by FROM load_batches WHERE batch_id = 3").fetchall()[0][0] == "alice"


def test_warnings_must_be_ticked_and_errors_block(env):
    at = app("officer")
    at.switch_page("pages/upload.py").run()
    warned = "户号,账期,抄见电量(kWh)\n0450000001,2023-01,100\n0450000001,2023-01,100\n"
    bad = "户号,账期,抄见电量(kWh)\n0459999999,2023-01,100\n"
    at.file_uploader[0].set_value([("w.csv", warned.encode(), "text/csv"), ("bad.csv", bad.encode(), "text/csv")])
    at.run()
    assert not at.exception
    assert at.button(key="commit_0_w.csv").disabled
    assert not [b for b in at.button if b.key == "commit_1_bad.csv"], "a file with errors has no commit button"
    assert any("nothing of it will be written" in e.value for e in at.error)
    problems = next(d.value for d in at.dataframe if "registry" in d.value.to_string())
    assert problems["Line"].tolist() == [2] and "registry" in problems["What is wrong"].iloc[0]
    at.checkbox(key="accept_0_w.csv").check().run()
    assert not at.button(key="commit_0_w.csv").disabled
    at.button(key="commit_0_w.csv").click().run()
    with connect(env) as con:
        assert con.execute("SELECT count(*) FROM readings").fetchall()[0][0] == 1


def test_admin_adds_a_user(env):
    at = app("admin")
    at.switch_page("pages/users.py").run()
    assert not at.exception
    form_inputs = [w for w in at.text_input if w.label in ("Name", "Initial password (at least 8 characters)")]
    form_inputs[0].input("bob.li")
    form_inputs[1].input("another-pass")
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    with connect(env) as con:
        names = users.list_users(con)["name"].tolist()
        assert "bob.li" in names
        assert "another-pass" not in str(con.execute("SELECT * FROM users").fetchall())


def test_a_workbook_with_a_notes_sheet_first_previews_its_table(env):
    """The sheet box starts on "Automatic": the loader takes the sheet holding the table, not the first one."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由营业收费系统导出，仅供对账使用"])
    ws = wb.create_sheet("电费明细")
    for line in BILL.splitlines():
        ws.append([c.strip('"') for c in line.replace('"1,516.08"', "1516.08").split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    at = app("officer")
    at.switch_page("pages/upload.py").run()
    at.file_uploader[0].set_value(("bills.xlsx", buf.getvalue(), "application/vnd.ms-excel")).run()
    assert not at.exception, at.exception
    box = at.selectbox(key="sheet_0_bills.xlsx")
    assert box.value is None and box.options[0] == "Automatic (the sheet holding the table)"
    shown = {m.label: m.value for m in at.metric}
    assert shown["Rows to write"] == "2", shown
