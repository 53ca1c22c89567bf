"""The fast CSV path (DuckDB reads, trims and types) gives what the old Python reader gave, line for line."""

from __future__ import annotations

import sys
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.ingest import fastread, loader, readers
from etl.ingest.loader import commit, prepare
from etl.store.db import connect

NOW = datetime(2025, 6, 1)


def assert_same(fast, old):
    assert [(p.line, p.column, p.value, p.message, p.fix, p.severity) for p in fast.problems] == \
           [(p.line, p.column, p.value, p.message, p.fix, p.severity) for p in old.problems]
    assert (fast.kind, fast.period, fast.rows_replaced) == (old.kind, old.period, old.rows_replaced)
    assert (fast.rows is None) == (old.rows is None)
    if fast.rows is not None:
        a, b = fast.rows.reset_index(drop=True), old.rows.reset_index(drop=True)
        assert list(a.columns) == list(b.columns)
        for c in a.columns:
            x, y = a[c].astype(object), b[c].astype(object)
            same = (x.isna() & y.isna()) | (x == y).fillna(False).astype(bool)
            assert same.all(), (c, a.loc[~same, c].head().tolist(), b.loc[~same, c].head().tolist())


def test_whitespace_is_what_str_strip_removes():
    assert set(fastread.WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}


NUMBERS = ["1", "1,234.5", "1，234", "¥1,516.08", "1 234", "1\u3000234", "abc", "", "inf", "-inf", "nan", "1e3",
           "+5", ".5", "5.", "1_000", "0x10", "约100度", "-5", "1e400", "--1", "1.2.3", "12%"]
DATES = ["2023-01-05", "2023-01-05 08:00", "2023-01-05 08:00:00", "2023/1/5", "2023/1/5 8:00", "2023年1月5日",
         "2023年1月5日 8时30分", "20230105", "2023-01-05T08:00:00", "2023.01.05", "2023-02-30", "2023-1-5 8:00",
         "2023-01-05 08:00:01.5", "abc", "", "2023-01-05 8", "2023-13-01", "05/01/2023", "2023-01-05 24:00",
         "2023-01", "2023-01-05 08:00:00-5"]


@pytest.mark.parametrize("guess", [None, "%Y-%m-%d %H:%M", "%Y%m%d"])
def test_sql_parsers_equal_the_python_parsers(guess):
    con = duckdb.connect()
    for values, sql, python in ((NUMBERS, fastread.number_sql, readers.parse_number),
                                (DATES, lambda t: fastread.datetime_sql(t, guess), readers.parse_datetime)):
        padded = [f" {v}\t" if i % 3 == 0 else v for i, v in enumerate(values)]  # trimming is part of it
        con.execute(f"CREATE OR REPLACE TABLE raw AS SELECT {fastread.trimmed('v')} AS c0 "
                    "FROM (SELECT unnest(?) AS v, generate_subscripts(?, 1) AS i) ORDER BY i", [padded, padded])
        value, bad = sql("c0")
        got = con.execute(f"SELECT {value}, {bad} FROM raw ORDER BY rowid").fetchall()
        want_v, want_bad = python(pd.Series(padded))
        for text, (v, b), wv, wb in zip(padded, got, want_v, want_bad, strict=True):
            wv = None if pd.isna(wv) else (wv.to_pydatetime() if hasattr(wv, "to_pydatetime") else wv)
            assert (v, bool(b)) == (wv, bool(wb)), text


AWKWARD = {
    "crlf_bom.csv": ("户号,时间,电量(kWh)\r\n0450000001,2023-03-01 00:00,1.5\r\n0450000001,2023-03-01 01:00,2\r\n"
                     ).encode("utf-8-sig"),
    "titles_quoted_newline.csv": ("\"广西电网\n电费清单\"\n导出时间,2023-03-05\n户号,账期,抄见电量(kWh),电费(元)\n"
                                  "0450000001,2023-01,2400,\"1,516.08\"\n0450000002,2023/2,\" 30 \",\"¥ 9\"\n"
                                  ).encode("gb18030"),
    "tabs.tsv": "户号\t时间\t电量(kWh)\n 0450000001 \t2023年3月1日 8时\t3\n0450000001\t2023/3/1 9:00\t\u30004\n"
                .encode(),
    "fullwidth_comma.csv": "户号，账期，抄见电量(kWh)\n0450000001，2023-01，10\n".encode(),
    "quoted_cells.csv": ('户号,账期,抄见电量(kWh),户名\n"0450000001","2023-01"," 1,200 ","a ""b"" c"\n'
                         '0450000001,2023-02,7,"two\nlines"\n').encode(),
    "bad_values.csv": ("户号,时间,电量(kWh)\n0450000001,2023-03-01 00:00,x\n0450000001,2023-13-01 01:00,1\n"
                       "0450000009,2023-03-01 02:00,-1\n,2023-03-01 03:00,\n").encode(),
    # total and footer lines with the header's number of columns stay on the fast path
    "totals_footer.csv": ("户号,账期,抄见电量(kWh)\n0450000001,2023-01,10\n0450000001,2023-02,20\n小计,,30\n"
                          "0450000001,2023-03,5\n合 计,,35\n制表人：张三,,\n打印时间：2023-04-01,,\n").encode(),
    "total_mismatch.csv": ("户号,账期,抄见电量(kWh)\n0450000001,2023-01,10\n0450000001,2023-02,20\n"
                           "Total,,31\n").encode("gb18030"),
    "ragged.csv": "户号,账期,抄见电量(kWh)\n0450000001,2023-01,1\n0450000001,2023-02\n".encode(),
    "blank_line.csv": "户号,账期,抄见电量(kWh)\n0450000001,2023-01,1\n\n0450000001,2023-02,2\n".encode(),
    "blank_line_crlf.csv": "户号,账期,抄见电量(kWh)\r\n0450000001,2023-01,1\r\n\r\n0450000001,2023-02,2\r\n".encode(),
    # staged lazily for the SQL lane: the ragged line is found when the lane reads it, then the old reader
    "ragged_interval.csv": "户号,时间,电量(kWh)\n0450000001,2023-01-01 00:00,1\n0450000001,2023-01-01 01:00\n"
                           "0450000001,2023-01-01 02:00,3\n".encode(),
}


# The corpus, these awkward files and every demo file are prepared the fast way, the old way and through the
# SQL lane, and compared, in tests/test_sql_lane.py (the three-way tests there include both ways here).


def test_regular_files_take_the_fast_path_irregular_ones_the_old(registry_db, monkeypatch):
    """The old reader reads a file only when DuckDB cannot read it as Python's csv would (a file the SQL
    lane may take is staged lazily, so a ragged one is found when the lane or materialize() reads it)."""
    old = []
    real = readers.read_raw

    def spy(*a, **k):
        old.append(a[1])
        return real(*a, **k)

    monkeypatch.setattr(readers, "read_raw", spy)
    with connect(registry_db) as con:
        for name in ("crlf_bom.csv", "titles_quoted_newline.csv", "tabs.tsv", "ragged.csv", "blank_line.csv",
                     "blank_line_crlf.csv", "totals_footer.csv", "ragged_interval.csv"):
            got = prepare(con, AWKWARD[name], name, now=NOW)
    assert old == ["ragged.csv", "blank_line.csv", "blank_line_crlf.csv", "ragged_interval.csv"]
    assert any(p.line == 3 for p in got.errors), [str(p) for p in got.problems]  # the ragged line, named


def test_totals_and_footers_on_the_fast_path(registry_db):
    """合计/小计 rows are skipped with a note and checked against the rows; 制表人 lines are skipped."""
    with connect(registry_db) as con:
        ok = prepare(con, AWKWARD["totals_footer.csv"], "t.csv", now=NOW)
        bad = prepare(con, AWKWARD["total_mismatch.csv"], "m.csv", now=NOW)
    assert ok.ok, ok.errors
    assert sorted(ok.rows["_line"]) == [2, 3, 5]
    assert ok.rows["energy_kwh"].sum() == 35
    notes = [p.message for p in ok.problems if p.severity == "info"]
    assert any("2 total rows" in m and "lines 4, 6" in m for m in notes), notes
    assert any("2 lines under the table" in m and "lines 7, 8" in m for m in notes), notes
    assert [(p.line, p.value) for p in bad.errors] == [(4, "31")]
    assert "states 31 but the 2 rows it covers add up to 30" in bad.errors[0].message


def interval_file(meters: int, hours: int) -> tuple[str, float]:
    """An hourly interval file and its true total (values in tenths: the sum is exact in binary too)."""
    ts = pd.date_range("2023-01-01", periods=hours, freq="h").strftime("%Y-%m-%d %H:%M")
    rng = np.random.default_rng(7)
    tenths = rng.integers(0, 1000, size=(meters, hours))
    lines = ["户号,时间,电量(kWh)"]
    for m in range(meters):
        acct = f"0450{m:06d}"
        lines += [f"{acct},{t},{v / 10:g}" for t, v in zip(ts, tenths[m], strict=True)]
    return "\n".join(lines) + "\n", int(tenths.sum()) / 10


@pytest.fixture()
def many_meters_db(tmp_path):
    db = tmp_path / "m.duckdb"
    inst = "单位编码,单位名称,单位类型,建筑面积(m2),用能人数\nI001,县财政局,党政机关,2000,50\n".encode()
    meters = "表号,单位编码,能源种类,户号\n" + "".join(f"E-{m:03d},I001,电,0450{m:06d}\n" for m in range(20))
    with connect(db) as con:
        for name, data in (("i.csv", inst), ("m.csv", meters.encode())):
            commit(con, prepare(con, data, name), "test")
    return db


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_large_file_loads_with_its_true_total(many_meters_db, encoding):
    """200,000 rows through the fast path: every row stored, the total to the tenth, line numbers exact."""
    text, total = interval_file(20, 10_000)
    with connect(many_meters_db) as con:
        prep = prepare(con, text.encode(encoding), "big.csv", now=NOW)
        assert prep.ok and not prep.warnings, prep.problems[:3]
        assert prep.encoding == encoding
        commit(con, prep, "test")
        n, kwh, meters, first, last = con.execute(
            "SELECT count(*), sum(energy_kwh), count(DISTINCT meter_id), min(period_start), max(period_end) "
            "FROM readings").fetchall()[0]
    assert n == 200_000 and meters == 20
    assert kwh == pytest.approx(total, abs=1e-6)
    assert (first, last) == (datetime(2023, 1, 1), datetime(2024, 2, 21, 16))  # 10,000 h after the start
    # one bad value far down the file is named by its line (header = line 1)
    lines = text.splitlines()
    lines[150_000] = lines[150_000].rsplit(",", 1)[0] + ",12..5"
    with connect(many_meters_db) as con:
        bad = prepare(con, ("\n".join(lines) + "\n").encode(encoding), "bad.csv", now=NOW)
    assert [(p.line, p.value, p.message) for p in bad.errors] == [(150_001, "12..5", "not a number")]


def test_kind_is_guessed_when_byte_200000_falls_inside_a_character(tmp_path):
    """`python -m etl load FILE` without --kind on a UTF-8 file with Chinese text all the way down."""
    rows = "".join(f"城南二小屋顶光伏,2024-06-01 {h % 24:02d}:00,{h % 7}\n" for h in range(12_000))
    data = ("电站名称,统计时间,发电量(kWh)\n" + rows).encode()
    assert len(data) > 200_000
    for cut in range(199_998, 200_001):
        try:
            data[:cut].decode()
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("the test file does not cut a character at 200,000 bytes")
    assert loader._peek_kind(data, "pv.csv") == "pv"
