"""One catalogue of words: every code used anywhere has both languages, and no problem is made from free text."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.ingest import loader, readers
from etl.ingest.kinds import KINDS, LOAD_ORDER
from etl.ingest.loader import commit, prepare, template_csv, undo
from etl.ingest.messages import CATALOGUE, Msg, UnknownCode, msg, placeholders, render, text_of
from etl.store.db import connect
from tests.corpus import cases

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


# ------------------------------------------------------------------ the catalogue itself


def test_every_code_has_both_languages_and_the_same_placeholders():
    for code, (zh, en) in CATALOGUE.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert zh.strip() and en.strip(), code
        assert placeholders(zh) == placeholders(en), code
        # Chinese unless the entry is only a value (a system message passed through) or a unit
        assert chinese(zh) or not re.sub(r"{\w+}|[\s\d\W]|min", "", zh), code
        assert re.search("[A-Za-z]", en) or not re.sub(r"{\w+}", "", en), code  # English words (Chinese names may be quoted)


# run-time built codes: the pattern as written in the source -> every value it can take. A new f-string code
# must be added here, so the test knows (and checks) every code it can make.
def _runtime_codes() -> dict[str, set[str]]:
    from etl.ingest import bands, consistency, formats, pv_portal
    from etl.metrics import headline, kpi

    meter_kinds = {k for k, spec in KINDS.items() if spec.table == KINDS["electricity"].table}
    return {
        "meter_kind_{}": {f"meter_kind_{k}" for k in meter_kinds},
        "thing_{}": {"thing_meter", "thing_card"},  # formats.repair_ids(what=...) for meters and fuel cards
        "band_{}": {f"band_{b}" for b in (*bands.BANDS, "total")},  # etl/ingest/bands.py: a bill's time bands
        "severity_{}": {f"severity_{s}" for s in ("error", "warning", "info")},
        "cli_{}": {f"cli_{s}" for s in ("loaded", "already_loaded", "unchanged")},  # FileResult.status, loaded
        "kpi_status_{}": {f"kpi_status_{s}" for s in (*kpi.STATUSES, *sorted(headline.GOOD | headline.BAD
                                                                               | headline.RISK))},
        # codes kept in tables or returned by functions, passed on as values
        "_TAKEN": set(formats._TAKEN.values()), "_LOST": set(formats._LOST.values()),
        "register_cause": {consistency.register_cause(s, r, m) for s, r, m in
                           ((10, 10, 40), (16000, 10, 40), (400000, 10, 40), (5, 10, 1), (1, 1000, 1))},
        "likely_cause": {pv_portal.likely_cause(r, m, u, c) for r in (1, 100, 400) for m in (15, 60)
                         for u in ("kwh", "mwh") for c in (True, False)},
    }


SOURCES = sorted([*ROOT.glob("etl/**/*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "dashboard.py"])
# calls that take a code (or a Msg) and the positions of those arguments
TAKES_CODE = {"msg": (0,), "Msg": (0,), "word": (0,), "as_msg": (0,), "render": (0,),
              "report": (3, 4), "file_problem": (0, 1), "Problem": (4, 5), "_problem": (4, 5), "warn": (2,),
              "ReadError": (0,), "Refused": (0,), "NotAccepted": (0,), "add_assumption": (1,)}

FUNCTIONS = ("msg", "Msg", "word", "as_msg", "render")


def _shape(node: ast.AST) -> str:
    """The code an argument builds, "{}" for each variable part."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(_shape(p) if isinstance(p, ast.Constant) else "{}" for p in node.values)
    return "{}"


def _code_arguments() -> list[tuple[str, int, ast.AST]]:
    out = []
    for path in SOURCES:
        if path.name == "messages.py" and path.parent.name == "ingest":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in TAKES_CODE or (name == "report" and len(node.args) < 4) \
                    or (name in FUNCTIONS and not isinstance(node.func, ast.Name)):  # m.render("en") is no code
                continue
            for i in TAKES_CODE[name]:
                if i < len(node.args):
                    arg = node.args[i]
                    for branch in ([arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]):
                        out.append((f"{path.relative_to(ROOT)}:{node.lineno}", name, branch))
    return out


def test_every_code_used_in_the_source_is_in_the_catalogue():
    runtime = _runtime_codes()
    found = _code_arguments()
    assert len(found) > 250, "the scan sees the loader, the readers, the CLI and the pages"
    unknown, free_text, undeclared = [], [], []
    for where, _name, arg in found:
        if isinstance(arg, ast.Constant):
            if not isinstance(arg.value, str):
                continue
            if arg.value not in CATALOGUE:
                (free_text if " " in arg.value else unknown).append((where, arg.value))
        elif isinstance(arg, ast.JoinedStr | ast.BinOp):
            shape = _shape(arg)
            if " " in shape or isinstance(arg, ast.BinOp):
                free_text.append((where, shape))  # a sentence built in code: never a problem's text
            elif shape not in runtime:
                undeclared.append((where, shape))
    assert not free_text, free_text
    assert not unknown, unknown
    assert not undeclared, f"declare these run-time codes in _runtime_codes: {undeclared}"
    for pattern, codes in runtime.items():
        assert codes, pattern
        missing = sorted(c for c in codes if c not in CATALOGUE)
        assert not missing, (pattern, missing)


def test_codes_built_from_data_files_have_both_languages():
    """Values read from data/*.csv that become codes: the PV sites' status and kinds in the registries."""
    from etl.metrics import kpi

    sites = pd.read_csv(ROOT / "data" / "pv_sites.csv", comment="#")
    from ui.i18n import TEXT

    assert {f"pv_status_{s}" for s in sites["status"].dropna()} <= set(TEXT)
    targets = pd.read_csv(ROOT / "data" / "kpi_targets.csv", comment="#")
    assert set(targets["kpi"]) <= set(kpi.BY_KEY)
    for status in kpi.STATUSES:  # what a target of data/targets.csv or data/kpi_targets.csv can be judged
        zh, en = CATALOGUE[f"kpi_status_{status}"]
        assert chinese(zh) and en and kpi.status_text(status, "en") == en and kpi.status_text(status, "zh") == zh


def _page_key_domains() -> dict[str, set[str]]:
    """Page keys built at run time (t(f"prefix_{x}")) whose values are known: codes of etl/ and data/*.csv."""
    from etl.metrics import anomalies, certification, kpi
    from etl.store import users

    stages = pd.read_csv(ROOT / "data" / "cert_stages.csv", comment="#")["stage"]
    tasks = pd.read_csv(ROOT / "data" / "cert_tasks.csv", comment="#")["stage"]
    sites = pd.read_csv(ROOT / "data" / "pv_sites.csv", comment="#")["status"]
    return {
        "status_": {"loaded", "undone"},  # load_batches.status
        "sev_": {"error", "warning", "info"},
        "role_": set(users.ROLES[1:]),  # accounts are officers or admins
        "cert_program_": set(certification.PROGRAMS), "kpi_program_": set(kpi.PROGRAMS),
        "cert_state_": set(certification.MARK_STATES),
        "stage_": set(stages) | set(tasks),  # codes in data/cert_stages.csv and data/cert_tasks.csv
        "pv_status_": set(sites.dropna()),  # codes in data/pv_sites.csv
        "kpi_": set(kpi.BY_KEY), "kpiu_": set(kpi.BY_KEY),
        "rule_": set(anomalies.RULES),
    }


def test_page_keys_built_at_run_time_exist():
    from ui.i18n import TEXT

    sources = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
    prefixes = set()
    for path in sources:
        prefixes |= set(re.findall(r"""\bt\(f["']([a-z_]+)\{""", path.read_text(encoding="utf-8")))
    assert len(prefixes) > 30
    domains = _page_key_domains()
    missing = sorted(f"{prefix}{v}" for prefix, values in domains.items() for v in values
                     if f"{prefix}{v}" not in TEXT)
    assert not missing, missing
    # the other run-time keys take values from the database (types, measures ...): their prefix at least exists
    assert not [p for p in prefixes - set(domains) if not any(k.startswith(p) for k in TEXT)]
    # a page word and a catalogue code never share a key: one wording, one place
    assert not set(TEXT) & set(CATALOGUE)


def test_no_problem_is_made_from_free_text():
    with pytest.raises(UnknownCode):
        loader.Problem("f.csv", 3, "抄见电量", "abc", "not a number", "write_plain_number")
    with pytest.raises(UnknownCode):
        readers.ReadError("the file is broken")
    with pytest.raises(UnknownCode):
        msg("cannot_read_file")  # its {error} is missing
    with pytest.raises(UnknownCode):
        msg("not_number", extra=1)  # a value the sentence does not take


def test_one_status_wording_for_pages_and_reports():
    from etl.metrics import kpi
    from etl.reports import documents, labels

    for status in kpi.STATUSES:
        zh = CATALOGUE[f"kpi_status_{status}"][0]
        assert documents.STATUS_ZH[status] == labels.STATUS_ZH[status] == kpi.status_text(status) == zh
    from ui import text_energy, text_kpi

    words = {*text_kpi.TEXT, *text_energy.TEXT}
    assert not [s for s in kpi.STATUSES if f"kpi_status_{s}" in words or f"status_{s}" in words]


# ------------------------------------------------------------------ what the loader really produces

def _variants() -> list[tuple[str, bytes, str | None]]:
    """Broken versions of every kind's template, and files for the header and file checks."""
    out = []
    for kind in LOAD_ORDER:
        header, example = template_csv(kind).splitlines()
        cells = example.split(",")
        n = len(cells)
        out.append((f"{kind}_example.csv", template_csv(kind).encode(), kind))
        bad = [",".join(["abc"] * n), ",".join(["-5"] * n), ",".join([""] * (n - 1) + ["x"]),
               ",".join(["=1+1"] * n), ",".join(["2099-01-01"] * n), ",".join(["1999-01-01 00:00"] * n),
               ",".join(["0.5"] * n), ",".join(["1e9"] * n)]
        out.append((f"{kind}_bad.csv", "\n".join([header, example, *bad]).encode(), kind))
        # late before early: ends before it starts, returns before it departs, closed before reported
        swapped = example.replace("2023-03-02 13:40", "2023-03-02 10:00").replace("2023-03-02 11:45", "2023-03-02 07:00") \
            .replace("2023-03-02 15:40", "2023-03-02 08:00")
        out.append((f"{kind}_times.csv", f"{header}\n{swapped}\n".encode(), kind))
    many = "户号,账期,抄见电量(kWh)\n" + "".join(f"0450000001,2023-{m:02d},x{m}\n" for m in range(1, 13)) * 6
    out += [
        ("many.csv", many.encode(), None),
        ("units.csv", "户号,账期,抄见电量(GJ),电量(kWh)\n0450000001,2023-01,1,2\n".encode(), None),
        ("both.csv", "户号,表号,账期,电量\n0450000001,E-I001,2023-01,1\n".encode(), "electricity"),
        ("nomonth.csv", "户号,电量\n0450000001,1\n".encode(), "electricity"),
        ("nofuel.csv", "卡号,交易时间,金额\n9030000012345678,2023-03-02 09:15,10\n".encode(), "fuel"),
        ("card.csv", "卡号,交易时间,数量(升)\n9999,2023-03-02 09:15,10\n".encode(), "fuel"),
        ("power.csv", "表号,时间,有功功率(kW)\nE-I002,2023-03-01 00:00,-1\nE-I002,2023-03-01 00:15,2\n".encode(), None),
        ("power_ok.csv", "表号,时间,有功功率(kW)\nE-I002,2023-03-01 00:00,1\nE-I002,2023-03-01 00:15,2\n".encode(),
         None),
        ("regs.csv", "户号,时间,电表示数(kWh)\n0450000002,2023-03-01 00:00,\n0450000002,,5\n"
         "0450000002,2023-03-01 01:00,7\n0450000002,2023-03-01 02:00,9\n0450000002,2023-03-01 02:00,9\n"
         "0450000002,2023-03-01 02:00,8\n".encode(), None),
        ("regs_mult.csv", "户号,时间,电表示数(kWh)\n0450000002,2023-03-01 00:00,1\n0450000002,2023-03-01 01:00,2\n"
         .encode(), None),
        ("regs_diff.csv", "户号,账期,上次示数,本次示数,倍率,抄见电量(kWh)\n0450000001,2023-01,1,3,1,100\n".encode(),
         None),
        ("regs_dup.csv", "户号,时间,电表示数(kWh)\n0450000002,2023-03-01 00:00,1\n0450000002,2023-03-01 01:00,2\n"
         "0450000002,2023-03-01 01:00,2\n0450000002,2023-03-01 01:00,3\n".encode(), None),
        ("gaps.csv", _interval_with_gaps(), None),
        ("no_month.csv", "户号,账期,抄见电量(kWh)\n0450000001,,1\n".encode(), None),
        ("export.csv", "电站名称,统计时间,发电量,上网电量\nPV01,2024-06-01 10:00,10,20\n".encode(), "pv"),
        ("ambiguous.csv", "单位编码,备注\nI001,x\n".encode(), None),
        ("bad_kind.csv", b"a,b\n1,2\n", "nonsense"),
        ("sheet3.xlsx", next(c.data for c in cases() if c.name == "xlsx_second_sheet.xlsx"), None),
        ("utf16_broken.csv", b"\xff\xfe\x00\xd8", None),
        ("neither.csv", b"\xff\xff\xfa abc", None),
    ]
    return out


def _interval_with_gaps() -> bytes:
    """Three hours of readings, then one missing, 60 times over: more gaps than are listed one by one."""
    hours = [h for h in range(240) if h % 4 != 3]
    rows = "".join(f"0450000001,{datetime(2023, 3, 1) + pd.Timedelta(hours=h):%Y-%m-%d %H:%M},10\n" for h in hours)
    return ("户号,时间,电量(kWh)\n" + rows).encode()


def _problems(db) -> list[loader.Problem]:
    found = []
    with connect(db) as con:
        for case in cases():
            found += prepare(con, case.data, case.name, case.kind, sheet=case.sheet, now=NOW).problems
        for name, data, kind in _variants():
            found += prepare(con, data, name, kind, sheet=5 if name == "sheet3.xlsx" else None, now=NOW).problems
    return found


def test_every_problem_the_loader_produces_has_chinese(registry_db):
    problems = _problems(registry_db)
    assert len({p.code for p in problems}) > 60, "the files exercise most checks"
    for p in problems:
        assert isinstance(p.what, Msg) and isinstance(p.how, Msg) and p.code in CATALOGUE, p
        message, fix = p.text("zh")
        assert chinese(message) and chinese(fix), p
        assert "more rows with the same problem" not in message and "cannot read" not in message, p
        assert p.text("en") == (p.message, p.fix)
        nested = [v for v in p.params.values() if isinstance(v, Msg)]
        assert all(v.render("zh") in message for v in nested), p  # nested sentences are codes, rendered too


def test_paths_commit_and_undo_refusals_have_chinese(registry_db, tmp_path):
    with connect(registry_db) as con:
        [missing] = loader.load_paths(con, [tmp_path / "nowhere.csv"])
        assert missing.status == "rejected"
        assert missing.problems[0].message == "cannot open the file: No such file or directory"
        message, fix = missing.problems[0].text("zh")
        assert message == "无法打开文件：文件或文件夹不存在" and chinese(fix)
        bad = prepare(con, "户号,账期,抄见电量(kWh)\n0459999999,2023-01,1\n".encode(), "bad.csv", now=NOW)
        with pytest.raises(ValueError) as exc:
            commit(con, bad, "test")
        assert str(exc.value) == "bad.csv: the file has errors and cannot be written"
        assert text_of(exc.value, "zh") == "bad.csv：文件有错误，不能写入"
        dup = prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,1\n0450000001,2023-01,1\n".encode(), "d.csv",
                      now=NOW)
        with pytest.raises(loader.NotAccepted) as exc:
            commit(con, dup, "test", accept_warnings=False)
        assert text_of(exc.value, "zh") == "d.csv：须先确认 1 条警告才能导入"
        first = commit(con, dup, "test")
        second = commit(con, prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,5\n".encode(), "e.csv",
                                     now=NOW), "test")
        with pytest.raises(ValueError) as exc:
            undo(con, first, "test")
        assert str(exc.value) == f"batch {first} was partly replaced by batch {second}; undo batch {second} first"
        assert text_of(exc.value, "zh") == f"批次 {first} 的部分数据已被批次 {second} 替换；请先撤销批次 {second}"
        with pytest.raises(ValueError) as exc:
            undo(con, 999, "test")
        assert text_of(exc.value, "zh") == "没有批次 999"


# ------------------------------------------------------------------ rendering


def test_codes_render_with_their_values_in_both_languages():
    def both(code: str, **params) -> tuple[str, str]:
        m = msg(code, **params)
        return m.render("zh"), m.render("en")

    assert both("required_column_missing", names="institution_id (单位编码/机构编码)") == (
        "缺少必填列：institution_id (单位编码/机构编码)", "required column missing: institution_id (单位编码/机构编码)")
    assert both("unit_not_known", unit="gj", column="热量(GJ)") == (
        "列“热量(GJ)”的单位“gj”无法识别", "unit 'gj' in column '热量(GJ)' is not known")
    assert both("more_rows_same_problem", n=17, message=msg("date_in_future")) == (
        "另有 17 行存在同样的问题（日期在未来）", "17 more rows with the same problem (date is in the future)")
    assert both("cannot_read_file", error=msg("no_sheet_named", sheet="电费", names="Sheet1, 说明")) == (
        "无法读取文件：工作簿中没有名为“电费”的工作表；现有工作表：Sheet1, 说明",
        "cannot read the file: the workbook has no sheet named '电费'; sheets are: Sheet1, 说明")
    assert both("not_this_meter_kind", meter_kind=msg("meter_kind_electricity")) == (
        "此表不是电表", "this meter is not a electricity meter")
    assert both("load_as_kind", kind="water")[0] == f"请按数据类型“{KINDS['water'].label_zh}（water）”导入此文件"
    lines = [msg("at_line", name="E-I001", line=2), msg("at_line", name="E-I002", line=9)]
    assert both("first_reading_starts_count", lines=lines)[1].endswith("usage: E-I001 (line 2), E-I002 (line 9)")
    assert both("first_reading_starts_count", lines=lines)[0].endswith("E-I001（第 2 行）, E-I002（第 9 行）")
    assert both("power_to_energy", steps=[msg("minutes", n=15)])[0].count("15 分钟") == 1
    assert both("undo_replaced_later", batch=3, later=5) == (
        "批次 3 的部分数据已被批次 5 替换；请先撤销批次 5", "batch 3 was partly replaced by batch 5; undo batch 5 first")
    assert (render("date_in_future", "zh"), render("check_year", "zh")) == ("日期在未来", "请检查年份")
    assert str(msg("not_number")) == "not a number"


def test_problem_text_and_format():
    p = loader.Problem("f.csv", 3, "抄见电量", "abc", "not_number", "write_plain_number")
    assert (p.code, dict(p.params)) == ("not_number", {})
    assert p.text("zh") == ("不是数字", "请填写纯数字，如 1234.5")
    assert p.text("en") == ("not a number", "write a plain number such as 1234.5")
    assert str(p) == p.format("en") == "f.csv:3: [抄见电量] 'abc': not a number; write a plain number such as 1234.5"
    assert p.format("zh") == "f.csv:3: [抄见电量] 'abc': 不是数字；请填写纯数字，如 1234.5"


# ------------------------------------------------------------------ command line and upload page


def test_cli_load_prints_problems_in_the_language_asked(registry_db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("户号,账期,抄见电量(kWh)\n0459999999,2023-03,1\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "etl", "load", str(bad), "--db", str(registry_db)]
    en = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    zh = subprocess.run([*cmd, "--lang", "zh"], capture_output=True, text=True, cwd=ROOT)
    assert en.returncode == zh.returncode == 1
    assert "meter or account not in the registry" in en.stderr and not chinese(en.stderr.replace("户号", ""))
    assert f"{bad}:2:" in zh.stderr and "计量表或户号不在台账中；请先在计量表台账" in zh.stderr
    assert "registry" not in zh.stderr


def test_upload_page_shows_problems_in_chinese(registry_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ENERGY_DB", str(registry_db))
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.session_state["lang"] = "zh"
    at.session_state["auth_user"], at.session_state["auth_role"] = "alice", "officer"
    at.run()
    at.switch_page("pages/upload.py").run()
    bad = "户号,账期,抄见电量(kWh)\n0459999999,2023-01,100\n0450000001,2023-02,约100度\n"
    at.file_uploader[0].set_value(("bad.csv", bad.encode(), "text/csv")).run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "问题" in d.value.columns)
    assert table["问题"].tolist() == ["计量表或户号不在台账中", "不是数字"]
    assert table["如何修改"].tolist() == ["请先在计量表台账（kind: meters）中登记该表，或更正表号", "请填写纯数字，如 1234.5"]
    assert table["值"].tolist() == ["0459999999", "约100度"]


def test_history_page_shows_the_undo_refusal_in_chinese(registry_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    with connect(registry_db) as con:
        first = commit(con, prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,1\n".encode(), "a.csv", now=NOW),
                       "test")
        second = commit(con, prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,2\n".encode(), "b.csv",
                                     now=NOW), "test")
    monkeypatch.setenv("ENERGY_DB", str(registry_db))
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.session_state["lang"] = "zh"
    at.session_state["auth_user"], at.session_state["auth_role"] = "alice", "officer"
    at.run()
    at.switch_page("pages/batches.py").run()
    at.selectbox(key="undo_batch").set_value(first)
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [f"无法撤销：批次 {first} 的部分数据已被批次 {second} 替换；请先撤销批次 {second}"]
