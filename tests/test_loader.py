"""The loader: encodings, headers, parsing, validation, replacement, undo."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pandas as pd
import pytest

from etl.ingest.loader import commit, detect_kind, prepare, template_csv, undo
from etl.ingest.readers import parse_datetime, parse_number
from etl.store.db import connect
from tests.conftest import table_state

BILL = ("户号,户名,账期,抄表日期,上次示数,本次示数,倍率,抄见电量(kWh),电费(元)\n"
        "0450000001,县财政局,2023-01,2023-01-31,1000,3400,1,2400,\"1,516.08\"\n"
        "0450000001,县财政局,2023-02,2023-02-28,3400,5600,1,2200,1389.74\n"
        "0450000002,城南二小,2023-01,2023-01-31,100,160,40,,1516.08\n")


def load(db, text: str | bytes, name: str = "f.csv", kind: str | None = None, encoding: str = "utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    with connect(db) as con:
        prep = prepare(con, data, name, kind, now=datetime(2025, 6, 1))
        bid = commit(con, prep, "test") if prep.ok else None
    return prep, bid


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_bill_in_every_encoding(registry_db, encoding):
    prep, bid = load(registry_db, BILL, encoding=encoding)
    assert prep.ok, prep.problems
    assert prep.kind == "electricity"
    with connect(registry_db) as con:
        rows = con.execute("SELECT meter_id, period_start, energy_kwh, amount_yuan FROM readings "
                           "ORDER BY meter_id, period_start").fetchall()
    assert [r[2] for r in rows] == [2400.0, 2200.0, 2400.0]  # (160 - 100) x 40 from the registers
    assert rows[0][3] == pytest.approx(1516.08)
    assert rows[0][1] == datetime(2023, 1, 1)


def test_tab_and_semicolon_and_title_line(registry_db):
    text = "国网广西电力 电费清单\n" + BILL.replace(",", "\t").replace('"1\t516.08"', "1516.08")
    prep, _ = load(registry_db, text)
    assert prep.ok, prep.problems
    text = BILL.replace(",", ";").replace('"1;516.08"', "1516.08")
    prep, _ = load(registry_db, text, "g.csv")
    assert prep.ok and prep.already_loaded is None


def test_same_file_twice_changes_nothing(registry_db):
    _, first = load(registry_db, BILL)
    before = table_state(registry_db)
    prep, second = load(registry_db, BILL)
    assert prep.already_loaded == first == second
    assert table_state(registry_db) == before


def test_unknown_meter_rejects_whole_file_and_names_the_line(registry_db):
    before = table_state(registry_db)
    prep, bid = load(registry_db, BILL + "0459999999,不存在,2023-01,2023-01-31,1,2,1,1,1\n")
    assert bid is None and not prep.ok
    err = prep.errors[0]
    assert err.line == 5 and "registry" in err.message
    assert str(err).startswith("f.csv:5:")
    assert table_state(registry_db) == before


def test_bad_values_are_reported_with_lines(registry_db):
    text = ("户号,账期,抄见电量(kWh)\n0450000001,2023-13,100\n0450000001,2023-02,abc\n"
            "0450000001,2023-03,-5\n")
    prep, _ = load(registry_db, text)
    by_line = {p.line: p.message for p in prep.errors}
    assert "month" in by_line[2] and "number" in by_line[3] and "negative" in by_line[4]


def test_future_dates_rejected(registry_db):
    prep, _ = load(registry_db, "户号,时间,电量(kWh)\n0450000001,2031-01-01 00:00,1\n")
    assert any("future" in p.message for p in prep.errors)


def test_conflicting_duplicates_rejected_exact_duplicates_warned(registry_db):
    dup = "户号,账期,抄见电量(kWh)\n0450000001,2023-01,100\n0450000001,2023-01,100\n"
    prep, bid = load(registry_db, dup)
    assert prep.ok and bid and len(prep.rows) == 1 and prep.warnings
    conflict = "户号,账期,抄见电量(kWh)\n0450000001,2023-03,100\n0450000001,2023-03,120\n"
    prep, bid = load(registry_db, conflict, "c.csv")
    assert bid is None and prep.errors[0].line == 3


def test_mwh_header_unit_converts(registry_db):
    prep, _ = load(registry_db, "户号,账期,电量(MWh)\n0450000001,2023-05,1.5\n")
    assert prep.ok and prep.rows["energy_kwh"].iloc[0] == 1500.0


def test_corrected_bill_replaces_and_undo_restores(registry_db):
    _, first = load(registry_db, BILL)
    before = table_state(registry_db)
    corrected = BILL.replace(",2400,", ",2500,").replace("3400,1,2500", "3500,1,2500")
    with connect(registry_db) as con:
        prep = prepare(con, corrected.encode(), "corrected.csv")
        assert prep.rows_replaced == 1 and prep.identical_rows == 2  # only the corrected row is written
        second = commit(con, prep, "officer")
        assert con.execute("SELECT count(*) FROM readings").fetchall()[0][0] == 3
        total = con.execute("SELECT sum(energy_kwh) FROM readings WHERE meter_id = 'E-I001'").fetchall()[0][0]
        assert total == 4700
        with pytest.raises(ValueError, match="replaced by batch"):
            undo(con, first, "officer")
        undo(con, second, "officer")
    after = table_state(registry_db)
    after.pop("load_batches"), after.pop("meta")
    for k in ("load_batches", "meta"):
        before.pop(k)
    assert after == before


def test_interval_rows_get_their_step(registry_db):
    text = "户号,时间,电量(kWh)\n" + "".join(
        f"0450000001,2023/1/5 {h}:15,{h}\n" for h in range(0, 6))
    prep, _ = load(registry_db, text)
    assert prep.ok, prep.problems
    assert (prep.rows["period_end"] - prep.rows["period_start"]).dt.total_seconds().eq(3600).all()


def test_kind_detection_from_headers():
    assert detect_kind(["户号", "账期", "抄见电量(kWh)"])[0] == "electricity"
    assert detect_kind(["用户号", "抄表日期", "用水量(吨)", "水费(元)"])[0] == "water"
    assert detect_kind(["电站名称", "统计时间", "发电量(kWh)", "上网电量(kWh)"])[0] == "pv"
    assert detect_kind(["卡号", "车牌号", "交易时间", "交易类型", "数量(升)"])[0] == "fuel"
    assert detect_kind(["foo", "bar"])[0] is None


@pytest.mark.parametrize("kind", ["institutions", "meters", "electricity", "water", "pv", "weather", "fuel",
                                  "charging", "dispatches", "work_orders", "meetings", "receptions", "visitors",
                                  "vehicles", "pv_sites", "certifications"])
def test_every_template_is_detected_as_its_kind(kind):
    header = template_csv(kind).splitlines()[0].split(",")
    assert detect_kind(header)[0] == kind


def test_empty_binary_and_header_only_files(registry_db):
    before = table_state(registry_db)
    for data, word in ((b"", "empty"), (b"\x00\x01\x02PK garbage", "binary"), (b"\xff\xd8\xff\xe0\x00", "binary"),
                       ("户号,账期,抄见电量(kWh)\n".encode(), "no data")):
        prep, bid = load(registry_db, data)
        assert bid is None and any(word in p.message for p in prep.errors), (data, prep.problems)
    assert table_state(registry_db) == before


def test_missing_required_column(registry_db):
    prep, _ = load(registry_db, "单位编码,单位名称\nI009,新单位\n", kind="institutions")
    assert "required column missing" in prep.errors[0].message and prep.errors[0].line == 1


def test_parsers_by_hand():
    values, bad = parse_datetime(pd.Series(["2023-01-05", "2023/1/5", "2023-01-05 08:00", "2023年1月5日",
                                            "2023/1/5 8:00:00", "x", "2023-13-01"]))
    assert list(bad) == [False] * 5 + [True, True]
    assert values.iloc[4] == pd.Timestamp("2023-01-05 08:00")
    numbers, bad = parse_number(pd.Series(["1,234.5", " 12 ", "abc", "-3"]))
    assert numbers.iloc[0] == 1234.5 and list(bad) == [False, False, True, False]


def test_cli_load_exit_codes(registry_db, tmp_path):
    good = tmp_path / "inbox" / "bill.csv"
    good.parent.mkdir()
    good.write_text(BILL, encoding="gb18030")
    bad = tmp_path / "bad.csv"
    bad.write_text("户号,账期,抄见电量(kWh)\n0459999999,2023-01,1\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "etl", "load", "--db", str(registry_db)]
    ok = subprocess.run([*cmd, str(good.parent)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    again = subprocess.run([*cmd, str(good.parent)], capture_output=True, text=True)
    assert again.returncode == 0 and "already_loaded" in again.stdout
    rejected = subprocess.run([*cmd, str(bad)], capture_output=True, text=True)
    assert rejected.returncode == 1
    assert f"{bad}:2:" in rejected.stderr and "registry" in rejected.stderr
    listed = subprocess.run([sys.executable, "-m", "etl", "batches", "--db", str(registry_db)],
                            capture_output=True, text=True)
    assert "bill.csv" in listed.stdout


def test_history_factor_is_the_setting(monkeypatch):
    """The unusual-usage warning follows reading_history_factor in data/load_checks.csv (not a literal)."""
    from etl.ingest import loader, pv_portal

    calls = []
    real = pv_portal.settings

    def patched():
        calls.append(1)
        return {**real(), "reading_history_factor": 1000.0}

    monkeypatch.setattr(pv_portal, "settings", patched)
    import pandas as pd

    df = pd.DataFrame({"energy_kwh": [1.0]})
    monkeypatch.setattr(loader, "_usual_rate", lambda ctx, d, q: (pd.Series([1.0]), pd.Series([50.0])))
    reported = []

    class Ctx:
        def report(self, d, mask, field, message, fix, severity):
            reported.append((bool(mask.any()), message.render("en")))

    loader._warn_unusual(Ctx(), df, "energy_kwh")  # 50x usual: quiet under a factor of 1000
    assert calls and reported == [(False, reported[0][1])] and "1000 times" in reported[0][1]
    monkeypatch.setattr(pv_portal, "settings", lambda: {**real(), "reading_history_factor": 10.0})
    loader._warn_unusual(Ctx(), df, "energy_kwh")
    assert reported[-1][0] and "10 times" in reported[-1][1]
