"""Real export shapes load with their true totals; totals, footers and Excel-mangled ids are handled."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from etl.ingest.loader import _peek_kind, commit, detect_kind, prepare
from etl.store.db import connect
from tests.conftest import build_registry, copy_of, table_state
from tests.corpus_real import cases

NOW = datetime(2025, 6, 1)
CASES = cases()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def real_db(tmp_path) -> Path:
    """registry_db plus a meter with a 10-digit account, a gas meter, two cars with fuel cards and two EVs."""
    return copy_of("real", tmp_path, _build_real)


def _build_real(db: Path) -> None:
    build_registry(db)
    files = {
        "meters2.csv": "表号,单位编码,能源种类,户号,倍率\nE-I003,I002,电,4500000123,10\nG-I001,I001,燃气,0771000123,1\n",
        "vehicles.csv": "车牌号,能源类型,油卡号\n桂B·A1234,汽油,9030000012345678\n桂B·A5678,柴油,9030000012349999\n"
                        "桂B·D5678,纯电动,\n桂B·E9012,纯电动,\n",
    }
    with connect(db) as con:
        for name, text in files.items():
            prep = prepare(con, text.encode(), name, now=NOW)
            assert prep.ok, prep.problems
            commit(con, prep, "test")


def test_every_family_has_three_files():
    families = Counter(c.family for c in CASES)
    assert set(families) == {"grid_bill", "water_bill", "charging", "fuel", "gas", "lpg"}
    assert min(families.values()) >= 3, families
    assert any(c.name.endswith(".xls") for c in CASES) and any(c.name.endswith(".xlsx") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_export_loads_with_its_true_totals(real_db, case):
    with connect(real_db) as con:
        prep = prepare(con, case.data, case.name, now=NOW)
        assert prep.kind == case.kind, prep.problems
        assert prep.ok, [str(p) for p in prep.errors]
        assert bool(prep.warnings) == case.warnings, [str(p) for p in prep.warnings]
        notes = " | ".join(p.message for p in prep.problems if p.severity == "info")
        for words in case.notes:
            assert words in notes, notes
        for p in prep.problems:  # every sentence it produced has its Chinese
            assert p.text("zh")[0] != p.message and p.text("zh")[1] != p.fix, p
        commit(con, prep, "test", accept_warnings=True)
        for sql, want in case.totals.items():
            got = con.execute(sql).fetchall()[0][0]
            assert got == pytest.approx(want, abs=1e-6), sql


# ------------------------------------------------------------------ totals and footers


def _case(name):
    return next(c for c in CASES if c.name == name)


def test_a_missing_row_breaks_the_stated_total_and_nothing_is_written(real_db):
    text = _case("gxdw_bill_excel_saved.csv").data.decode("utf-8-sig").splitlines()
    del text[2]  # 450000001.0's row went missing: the first 本页合计 (now line 3) no longer adds up
    before = table_state(real_db)
    with connect(real_db) as con:
        prep = prepare(con, "\n".join(text).encode(), "short.csv", now=NOW)
    assert not prep.ok
    err = prep.errors[0]
    assert err.line == 3 and "本页合计 row states 5151 but the 1 rows it covers add up to 3131" in err.message, err
    assert err.column == "结算电量(kWh)"
    assert err.text("zh")[0] != err.message
    with connect(real_db) as con, pytest.raises(ValueError):
        commit(con, prep, "test")
    assert table_state(real_db) == before


def test_total_written_above_its_rows_is_checked_against_the_rows_below(real_db):
    text = "户号,账期,结算电量(kWh)\n合计,,300\n0450000001,2023-07,100\n0450000002,2023-07,150\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "top.csv", now=NOW)
    assert not prep.ok and prep.errors[0].line == 2 and "add up to 250" in prep.errors[0].message


def test_footer_lines_are_not_read_as_meters(real_db):
    text = ("户号,账期,电量(kWh)\n0450000001,2023-07,100\n\n制表人：张三\n打印时间：2023-08-01 09:00\n"
            "备注：本表数据仅供参考\n")
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "f.csv", now=NOW)
    assert prep.ok, prep.problems
    assert len(prep.rows) == 1
    assert any("3 lines under the table skipped" in p.message and "4, 5, 6" in p.message for p in prep.problems)


# ------------------------------------------------------------------ identifiers Excel changed


def test_scientific_notation_that_fits_several_accounts_says_what_was_lost(real_db):
    with connect(real_db) as con:
        prep = prepare(con, "卡号,交易时间,数量(升),金额(元)\n9.03E+15,2023-03-02 09:15,38.5,302.23\n".encode(),
                       "card.csv", "fuel", now=NOW)
    assert not prep.ok
    err = prep.errors[0]
    assert err.line == 2 and "scientific notation" in err.message and "2 numbers of the registry fit" in err.message
    assert "text" in err.fix
    assert "科学计数法" in err.text("zh")[0] and "油卡号" in err.text("zh")[0]


def test_leading_zeros_lost_but_no_account_fits_is_an_error_not_a_guess(real_db):
    with connect(real_db) as con:
        prep = prepare(con, "户号,账期,电量(kWh)\n4.6E+09,2023-07,100\n".encode(), "f.csv", now=NOW)
    assert not prep.ok and "no number of the registry fits" in prep.errors[0].message


# ------------------------------------------------------------------ the two tracebacks of the issue


def test_formula_looking_account_is_an_error_in_prepare_not_a_crash_in_commit(real_db):
    before = table_state(real_db)
    with connect(real_db) as con:
        for text in ("户号,账期,电量(kWh)\n=123,2023-01,5\n", "户号,账期,电量(kWh)\n+8613800000000,2023-01,5\n",
                     "表号,账期,电量(kWh)\n@E-I001,2023-01,5\n"):
            prep = prepare(con, text.encode(), "f.csv", now=NOW)
            assert not prep.ok, text
            assert any(p.severity == "info" and "formula" in p.message for p in prep.problems)
            assert prep.errors[0].line == 2 and "registry" in prep.errors[0].message
            with pytest.raises(ValueError):
                commit(con, prep, "test")
    assert table_state(real_db) == before


def test_formula_looking_account_in_the_registry_is_stored_as_text(real_db):
    with connect(real_db) as con:
        prep = prepare(con, "表号,单位编码,能源种类,户号\nE-I009,I001,电,=123\n".encode(), "m.csv", now=NOW)
        assert prep.ok, prep.problems
        commit(con, prep, "test")
        prep = prepare(con, "户号,账期,电量(kWh)\n=123,2023-01,5\n".encode(), "b.csv", now=NOW)
        assert prep.ok, prep.problems
        commit(con, prep, "test")
        assert con.execute("SELECT energy_kwh FROM readings WHERE meter_id = 'E-I009'").fetchall() == [(5.0,)]


def _big_pv(encoding: str, pad: int) -> bytes:
    body = " " * pad + "电站名称,统计时间,发电量(kWh)\n" + "".join(
        f"城南二小屋顶光伏,2024-06-{1 + i // 96:02d} {i % 96 // 4:02d}:{15 * (i % 4):02d},1{i % 10}\n"
        for i in range(6000))
    return body.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_kind_guess_never_fails_where_the_head_cuts_a_character(encoding):
    for pad in range(4):
        data = _big_pv(encoding, pad)
        assert len(data) > 200_000
        assert _peek_kind(data, "pv.csv") == "pv", (encoding, pad)


def test_cli_load_without_kind_on_a_file_cut_inside_a_character(tmp_path):
    data = _big_pv("utf-8-sig", 1)
    assert data[:200_000].decode("utf-8", "ignore") != data[:200_000].decode("utf-8", "replace")  # cut mid-char
    f = tmp_path / "pv.csv"
    f.write_bytes(data)
    run = subprocess.run([sys.executable, "-m", "etl", "--db", str(tmp_path / "t.duckdb"), "load", str(f)],
                         capture_output=True, text=True, cwd=ROOT)
    assert "Traceback" not in run.stderr and "UnicodeDecodeError" not in run.stderr, run.stderr
    assert "site registry" in run.stdout + run.stderr  # read as PV: its site is not registered in this database


# ------------------------------------------------------------------ detection by content


def test_readings_with_account_and_metering_point_are_readings(real_db):
    assert detect_kind(["户号", "计量点编号", "账期", "电量(kWh)"])[0] == "electricity"
    assert detect_kind(["户号", "计量点编号", "抄表日期", "用水量(吨)"])[0] == "water"
    assert detect_kind(["表号", "单位编码", "能源种类", "户号", "计量点编号"])[0] == "meters"
    text = "户号,计量点编号,账期,电量(kWh)\n0450000001,JL0001,2023-07,100\n0459999999,E-I002,2023-07,50\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "f.csv", now=NOW)
    assert prep.ok and prep.kind == "electricity", prep.problems
    assert sorted(prep.rows["meter_id"]) == ["E-I001", "E-I002"]


# ------------------------------------------------------------------ Excel files


def test_sheet_declaring_a_huge_size_is_refused_before_it_is_read(real_db):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["户号", "账期", "电量(kWh)"])
    ws.append(["0450000001", "2023-07", 100])
    ws.cell(row=300_000, column=16_384, value="x")
    buf = io.BytesIO()
    book.save(buf)
    with connect(real_db) as con:
        prep = prepare(con, buf.getvalue(), "bomb.xlsx", now=NOW)
    assert not prep.ok
    message = prep.errors[0].message.replace(",", "")
    assert "300000 rows" in message and "16384 columns" in message  # main's limits or readers' own cap
    assert prep.errors[0].text("zh")[0] != prep.errors[0].message


def test_xls_sheet_names_and_second_sheet(real_db):
    import xlwt

    from etl.ingest import readers

    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("说明").write(0, 0, "本表由营销系统导出")
    ws = book.add_sheet("电费")
    for j, v in enumerate(["户号", "账期", "电量(kWh)"]):
        ws.write(0, j, v)
    for j, v in enumerate(["0450000001", "2023-06", 1800]):
        ws.write(1, j, v)
    buf = io.BytesIO()
    book.save(buf)
    assert readers.sheet_names(buf.getvalue()) == ["说明", "电费"]
    with connect(real_db) as con:
        prep = prepare(con, buf.getvalue(), "bill.xls", sheet="电费", now=NOW)
    assert prep.ok and prep.rows["energy_kwh"].tolist() == [1800.0], prep.problems


def test_corpus_writes_out(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tests.corpus_real", str(tmp_path)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert len(list(tmp_path.iterdir())) == len(CASES)


# ------------------------------------------------------------------ gas and LPG in kgce


def test_gas_and_lpg_in_kgce_with_their_factors(real_db):
    from etl.metrics.fuels import gas_lpg_by_year

    with connect(real_db) as con:
        for name in ("gas_bill_gbk.csv", "lpg_delivery_gbk.csv"):
            prep = prepare(con, _case(name).data, name, now=NOW)
            commit(con, prep, "test")
        out = gas_lpg_by_year(con, 2023, 2023).set_index("institution_id")
    # 710 m3 x 1.2143 kgce/m3 = 862.153; 105 kg x 1.7143 kgce/kg = 180.0015; 100 kg x 1.7143 = 171.43
    assert out.loc["I001", "gas_m3"] == 710 and out.loc["I001", "lpg_kg"] == 105
    assert out.loc["I001", "kgce"] == pytest.approx(862.153 + 180.0015)
    assert out.loc["I002", "kgce"] == pytest.approx(171.43) and out.loc["I002", "gas_m3"] == 0


def test_lpg_cylinders_without_a_size_in_kg_are_refused(real_db):
    text = "送气日期,用气单位,钢瓶规格,瓶数\n2023-03-02,县财政局,大瓶,4\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "lpg.csv", now=NOW)
    assert prep.kind == "lpg" and not prep.ok
    assert prep.errors[0].line == 2 and "no weight in kg" in prep.errors[0].message
    assert prep.errors[0].text("zh")[0] != prep.errors[0].message


def test_a_data_row_that_starts_like_a_footer_word_is_still_data(real_db):
    text = "会议名称,会议编号,会议日期,参会人数\n说明会筹备,HY1,2023-03-02,12\n审核工作推进会,HY2,2023-03-03,20\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "m.csv", "meetings", now=NOW)
    assert prep.ok and len(prep.rows) == 2, prep.problems


def test_a_remark_with_commas_under_the_table_is_a_note_not_a_broken_line(real_db):
    text = "户号,账期,电量(kWh)\n0450000001,2023-07,100\n备注：含峰,平,谷,尖四段\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "f.csv", now=NOW)
    assert prep.ok and len(prep.rows) == 1, prep.problems


def test_time_of_use_splits_that_do_not_add_up_are_a_warning(real_db):
    text = "户号,账期,抄见电量(kWh),峰电量(kWh),平电量(kWh),谷电量(kWh)\n0450000001,2023-07,1000,300,300,300\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "f.csv", now=NOW)
    assert prep.ok and prep.warnings[0].line == 2 and "time-of-use" in prep.warnings[0].message
    text = "户号,账期,峰电量(kWh),平电量(kWh),谷电量(kWh)\n0450000001,2023-07,300,300,300\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "g.csv", now=NOW)
    assert not prep.ok and "usage missing" in prep.errors[0].message
