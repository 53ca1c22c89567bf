"""Hostile input (issue 14): names are data, never markup; uploads are capped by what they expand to;
the login lock-out does not tell whether a user exists."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages import ALL_PAGES, app_as
from tests.robust_data import build, cut
from ui.safe import md

LINK = "[点此登录](https://evil.example/login)"
BOLD = "**粗体单位**"
MATH = "$x^2$ 单位"
NAMES = {"I001": LINK, "I002": BOLD, "I003": MATH}
PAGES = ALL_PAGES


def test_md_escapes_markup():
    assert md(LINK) == r"\[点此登录\]\(https\://evil.example/login\)"
    assert md(BOLD) == r"\*\*粗体单位\*\*"
    assert md(MATH) == r"\$x^2\$ 单位"
    assert md("a\n# b") == "a # b" and md("# b") == r"\# b" and md("1. x") == r"1\. x"
    assert md("see www.evil.example") == r"see www\.evil.example" and md("x@y.cn") == r"x\@y.cn"
    assert md("W-I100 12.5 kWh") == "W-I100 12.5 kWh"  # ids and numbers stay as they are
    assert md(None) == ""


@pytest.fixture(scope="module")
def hostile_db(demo_db, tmp_path_factory):
    src = demo_db.parent / "files"
    f = tmp_path_factory.mktemp("hostile")

    def rename(line: str) -> str:
        cells = line.split(",")
        if cells[0] in NAMES:
            cells[1] = NAMES[cells[0]]
        return ",".join(cells)

    files = [cut(src / "institutions.csv", f / "institutions.csv", edit=rename),
             shutil.copy(src / "meters.csv", f / "meters.csv") and f / "meters.csv",
             cut(src / "pv_sites.csv", f / "pv_sites.csv",
                 edit=lambda ln: ln.replace("城南二小屋顶光伏", LINK) if ln.startswith("PV01,") else ln)]
    files += [cut(src / n, f / n, keep=lambda ln: ",2024-" in ln) for n in ("electricity_bills.csv", "water_bills.csv")]
    return build(f / "db.duckdb", files)


def _markdown_texts(at: AppTest) -> list[str]:
    """The values of every element Streamlit renders as markdown."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(m.label) for m in at.metric]
    return out


def _assert_no_markup(at: AppTest, where: str) -> None:
    for text in _markdown_texts(at):
        for raw in (LINK, BOLD, MATH, "](https://evil"):
            assert raw not in text, (where, text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_names_are_never_markup(hostile_db, lang, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(hostile_db))
    at = app_as("admin", lang, user=LINK)  # a hostile user name too
    at.run()
    assert not at.exception
    assert any(md(LINK) in c for c in (e.value for e in at.sidebar.caption)), "the user name is shown, escaped"
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        _assert_no_markup(at, page)
    # the drill-down shows an institution's name in the breadcrumbs and the meter title
    at.switch_page("pages/energy.py").run()
    at.selectbox(key="en_type").set_value("党政机关").run()
    shown = []
    for inst in NAMES:
        at.selectbox(key="en_inst").set_value(inst).run()
        assert not at.exception
        _assert_no_markup(at, inst)
        shown += _markdown_texts(at)
        meters = [m for m in at.selectbox(key="en_meter").options if m.startswith("E-")]
        if meters:
            at.selectbox(key="en_meter").set_value(meters[0]).run()
            assert not at.exception
            _assert_no_markup(at, meters[0])
            shown += _markdown_texts(at)
            at.selectbox(key="en_meter").set_value(at.selectbox(key="en_meter").options[0]).run()
    for name in NAMES.values():
        assert any(md(name) in text for text in shown), f"{name} shown escaped somewhere"


def test_lock_out_does_not_reveal_whether_a_user_exists(empty_db):
    from datetime import datetime, timedelta

    from etl.store import users
    from etl.store.db import connect

    t0 = datetime(2025, 1, 1, 8)
    with connect(empty_db) as con:
        users.add_user(con, "alice", "officer", "correct-horse")
        answers = {}
        for name in ("alice", "nobody"):
            answers[name] = [users.check_login(con, name, "wrong-pass", now=t0 + timedelta(milliseconds=100 * i))
                             for i in range(8)]
        assert [(a.ok, a.wait_s) for a in answers["alice"]] == [(a.ok, a.wait_s) for a in answers["nobody"]]
        assert answers["nobody"][-1].wait_s > 0  # an unknown name is slowed down like a real one
        # every try counts, those made during the wait too: 8 tries, 8 failures, the wait doubled each time
        assert con.execute("SELECT failed FROM login_attempts WHERE name = 'nobody'").fetchone()[0] == 8
        assert con.execute("SELECT failed_logins FROM users WHERE name = 'alice'").fetchone()[0] == 8
        assert answers["alice"][-1].wait_s == 2 ** (8 - users.FREE_FAILURES)
        # after the wait the right password works and clears the count
        ok = users.check_login(con, "alice", "correct-horse", now=t0 + timedelta(seconds=users.MAX_WAIT_S + 5))
        assert ok.ok and con.execute("SELECT count(*) FROM login_attempts WHERE name = 'alice'").fetchone()[0] == 0


def _xlsx_declaring(ref: str) -> bytes:
    """A small real workbook whose sheet declares the range ref (what a hostile or broken file does)."""
    import io
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["户号", "时间", "电量(kWh)"])
    ws.append(["0450000001", "2024-01-01 00:00", 1.5])
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                part = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), part)
            dst.writestr(info, part)
    return out.getvalue()


def test_xlsx_declaring_a_huge_sheet_is_refused_before_reading(registry_db):
    import resource

    from etl.ingest import readers
    from etl.ingest.loader import prepare
    from etl.store.db import connect

    data = _xlsx_declaring("A1:XFD300000")
    assert len(data) < 20_000
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(readers.ReadError, match=r"300,000 rows × 16,384 columns.*limit is 2,000,000 rows"):
        readers.read_raw(data, "huge.xlsx")
    with connect(registry_db) as con:
        prep = prepare(con, data, "huge.xlsx")
    assert not prep.ok and any("16,384 columns" in p.message for p in prep.problems)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb < 200_000  # no gigabytes on the way
    # the same small workbook with its true range reads normally
    rows, _enc, _d = readers.read_raw(_xlsx_declaring("A1:C2"), "ok.xlsx")
    assert rows[1][0] == "0450000001"


def test_csv_too_wide_or_too_long_is_refused(monkeypatch):
    from etl.ingest import limits, readers

    wide = ("a," * 300 + "b\n" + "1," * 300 + "2\n").encode()
    with pytest.raises(readers.ReadError, match="301 columns"):
        readers.read_raw(wide, "wide.csv")
    monkeypatch.setattr(limits, "limits", lambda: {"max_rows": 100, "max_columns": 200, "max_cells": 10**9,
                                                   "max_xlsx_unzipped_mb": 500})
    long = ("户号,时间,电量\n" + "0450000001,2024-01-01 00:00,1\n" * 150).encode()
    with pytest.raises(readers.ReadError, match="the limit is 100 rows"):
        readers.read_raw(long, "long.csv")
