"""The loader's sentences in Chinese: every message and fix it can produce is in the catalogue."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.ingest import loader
from etl.ingest.kinds import LOAD_ORDER
from etl.ingest.loader import commit, prepare, template_csv, undo
from etl.ingest.messages import MESSAGES, match, placeholders, to_zh, translate
from etl.store.db import connect
from tests.corpus import cases

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 1)
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


# ------------------------------------------------------------------ the catalogue itself


def test_catalogue_templates_are_consistent():
    for en, (zh, what) in MESSAGES.items():
        assert what in ("message", "fix", "other"), en
        assert chinese(zh), en
        assert placeholders(en) == placeholders(zh), en
        assert to_zh(en) != en or not placeholders(en), en


def _shape(node: ast.AST) -> str | None:
    """The sentence a call argument builds, with "{}" for every variable part; None for a bare variable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            out.append(_shape(part) if isinstance(part, ast.Constant) else "{}")
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _shape(node.left), _shape(node.right)
        return (left if left is not None else "{}") + (right if right is not None else "{}") \
            if (left, right) != (None, None) else None
    if isinstance(node, ast.IfExp):
        return None  # both branches are checked where they are assigned
    return None


def _template_shape(en: str) -> str:
    return re.sub(r"{\w+(![rs])?}", "{}", en)


def _sentences(path: Path) -> list[tuple[int, str]]:
    """Every sentence a problem, a read error or a refusal is built from in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    positions = {"report": (3, 4), "file_problem": (0, 1), "Problem": (4, 5)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in positions:
                args = [node.args[i] for i in positions[name] if i < len(node.args)]
            elif name in ("ReadError", "ValueError", "NotAccepted"):
                args = node.args[:1]
            else:
                continue
            out += [(node.lineno, s) for s in map(_shape, args) if s is not None]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "msg" for t in node.targets):
            branches = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
            out += [(node.lineno, s) for s in map(_shape, branches) if s is not None]
    return out


@pytest.mark.parametrize("source", ["etl/ingest/loader.py", "etl/ingest/readers.py", "etl/ingest/pv_portal.py",
                                    "etl/ingest/safety.py"])
def test_every_sentence_in_the_source_is_in_the_catalogue(source):
    shapes = {_template_shape(en) for en in MESSAGES}
    found = _sentences(ROOT / source)
    assert len(found) > {"etl/ingest/loader.py": 60, "etl/ingest/safety.py": 1}.get(source, 5)
    missing = [(line, s) for line, s in found if s not in shapes and s.replace("{{", "{").replace("}}", "}")
               not in shapes]
    assert not missing, missing


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
    assert len({p.message for p in problems}) > 60, "the files exercise most checks"
    untranslated = sorted({s for p in problems for s in (p.message, p.fix) if match(s) is None})
    assert not untranslated, untranslated
    for p in problems:
        message, fix = p.text("zh")
        assert chinese(message) and chinese(fix), p
        assert "more rows with the same problem" not in message and "cannot read" not in message, p
        assert p.text("en") == (p.message, p.fix)


def test_paths_commit_and_undo_refusals_have_chinese(registry_db, tmp_path):
    with connect(registry_db) as con:
        [missing] = loader.load_paths(con, [tmp_path / "nowhere.csv"])
        assert missing.status == "rejected"
        message, fix = missing.problems[0].text("zh")
        assert message.startswith("无法打开文件：") and chinese(fix)
        bad = prepare(con, "户号,账期,抄见电量(kWh)\n0459999999,2023-01,1\n".encode(), "bad.csv", now=NOW)
        with pytest.raises(ValueError) as exc:
            commit(con, bad, "test")
        assert to_zh(str(exc.value)) == "bad.csv：文件有错误，不能写入"
        dup = prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,1\n0450000001,2023-01,1\n".encode(), "d.csv",
                      now=NOW)
        with pytest.raises(loader.NotAccepted) as exc:
            commit(con, dup, "test", accept_warnings=False)
        assert to_zh(str(exc.value)) == "d.csv：须先确认 1 条警告才能导入"
        first = commit(con, dup, "test")
        second = commit(con, prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-01,5\n".encode(), "e.csv",
                                     now=NOW), "test")
        with pytest.raises(ValueError) as exc:
            undo(con, first, "test")
        assert to_zh(str(exc.value)) == f"批次 {first} 的部分数据已被批次 {second} 替换；请先撤销批次 {second}"
        with pytest.raises(ValueError) as exc:
            undo(con, 999, "test")
        assert to_zh(str(exc.value)) == "没有批次 999"


# ------------------------------------------------------------------ to_zh


def test_placeholders_round_trip():
    assert to_zh("required column missing: institution_id (单位编码/机构编码)") == \
        "缺少必填列：institution_id (单位编码/机构编码)"
    assert to_zh("unit 'gj' in column '热量(GJ)' is not known") == "列“热量(GJ)”的单位“gj”无法识别"
    assert to_zh("this line has more values than the header's 3 columns") == "此行的值比表头的 3 列还多"
    assert to_zh("17 more rows with the same problem (date is in the future)") == "另有 17 行存在同样的问题（日期在未来）"
    assert to_zh("cannot read the file: the workbook has no sheet named '电费'; sheets are: Sheet1, 说明") == \
        "无法读取文件：工作簿中没有名为“电费”的工作表；现有工作表：Sheet1, 说明"
    assert to_zh("gap in the interval data of E-I001: nothing from 2023-03-01 10:00:00 to 2023-03-01 14:00:00 "
                 "(about 4 intervals)") == \
        "E-I001 的分时数据有缺口：2023-03-01 10:00:00 至 2023-03-01 14:00:00 之间没有数据（约 4 个时段）"
    assert to_zh("this meter is not a electricity meter") == "此表不是电表"
    assert "water" in to_zh("load this file as kind water")
    assert to_zh("use one of: 电, 水") == "请使用以下之一：电, 水"
    assert to_zh("batch 3 is already undone") == "批次 3 已经撤销过了"
    # a backreference: the same batch named twice must be the same
    assert to_zh("batch 3 was partly replaced by batch 5; undo batch 6 first") == \
        "batch 3 was partly replaced by batch 5; undo batch 6 first"


def test_the_plain_style_of_the_common_checks():
    assert to_zh("meter or account not in the registry") == "计量表或户号不在台账中"
    assert to_zh("add the meter to the meter registry (kind: meters) first, or correct the number") == \
        "请先在计量表台账（kind: meters）中登记该表，或更正表号"
    assert (to_zh("date is in the future"), to_zh("check the year")) == ("日期在未来", "请检查年份")
    assert (to_zh("not a number"), to_zh("write a plain number such as 1234.5")) == ("不是数字", "请填写纯数字，如 1234.5")


def test_unknown_text_is_returned_unchanged():
    for text in ("", "something new went wrong", "not a number at all", "IO Error: disk full"):
        assert to_zh(text) == text
        assert match(text) is None
    assert translate("not a number", "en") == "not a number"
    assert translate("not a number", "zh") == "不是数字"


def test_problem_text_and_format():
    p = loader.Problem("f.csv", 3, "抄见电量", "abc", "not a number", "write a plain number such as 1234.5")
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
