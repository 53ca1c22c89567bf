"""Grid bills with one row per time band (issue 13): one bill per account and period, never counted twice.

The hand-written files and their true totals are in tests/corpus_bands.py (loaded by tests/test_corpus_real.py);
these tests change them to check what is refused and how.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from etl.ingest import bands, loader
from etl.ingest.loader import commit, prepare
from etl.store.db import connect
from tests.conftest import table_state
from tests.corpus_bands import cases
from tests.test_corpus_real import real_db  # noqa: F401 - the fixture

NOW = datetime(2025, 6, 1)
GBK = next(c for c in cases() if c.name == "sgcc_tou_rows_gbk.csv")
CSG = next(c for c in cases() if c.name == "csg_register_types_utf8.csv")


def _prep(db, data: bytes, name: str = "f.csv"):
    with connect(db) as con:
        return prepare(con, data, name, now=NOW)


def test_band_words_as_exports_write_them():
    got = bands.classify(pd.Series(["尖峰", "尖", "峰", "高峰", "平", "平段", "谷", "低谷", "合计", "总", "正向有功总",
                                    "正向有功尖", "正向有功谷", "off-peak", "Peak", "", "1月"]))
    assert got.tolist() == ["sharp", "sharp", "peak", "peak", "flat", "flat", "valley", "valley", "total", "total",
                            "total", "sharp", "valley", "valley", "peak", "", None]


def test_a_missing_band_row_breaks_the_bill_total_and_nothing_is_written(real_db):  # noqa: F811
    text = GBK.data.decode("gb18030").replace(
        "0450000001,县财政局,202305,平,700.00,790.00,40,3600,3600,0.5713,2056.68\r\n", "")
    before = table_state(real_db)
    prep = _prep(real_db, text.encode("gb18030"))
    assert not prep.ok
    band_err = [p for p in prep.errors if p.code == "band_total_differs"]
    assert band_err and band_err[0].line == 6  # the 合计 row, one line up now
    m = band_err[0].message
    assert "states 10400" in m and "add up to 6800" in m and "line 3" in m and "line 5" in m
    assert table_state(real_db) == before


def test_a_band_written_twice_is_an_error(real_db):  # noqa: F811
    text = CSG.data.decode().replace("正向有功平,855,906", "正向有功峰,855,906")
    prep = _prep(real_db, text.encode())
    errs = [p for p in prep.errors if p.code == "band_repeated"]
    assert errs and errs[0].line == 10 and "lines 9, 10" in errs[0].message


def test_a_band_word_not_understood_is_an_error_on_its_line(real_db):  # noqa: F811
    text = CSG.data.decode().replace("正向有功谷,400", "无功,400")
    prep = _prep(real_db, text.encode())
    assert [(p.code, p.line) for p in prep.errors] == [("band_not_recognised", 6)]
    assert "尖, 峰, 平, 谷" in prep.errors[0].message


def test_the_bill_total_first_and_labelled_合计_is_the_bill_not_a_file_total(real_db):  # noqa: F811
    text = CSG.data.decode()
    for old, new in (("正向有功总", "合计"), ("正向有功尖", "尖峰"), ("正向有功峰", "峰"), ("正向有功平", "平"),
                     ("正向有功谷", "谷")):
        text = text.replace(old, new)
    with connect(real_db) as con:
        prep = prepare(con, text.encode("gb18030"), "csg.csv", now=NOW)
        assert prep.ok, [str(p) for p in prep.errors]
        assert not [p for p in prep.problems if p.code == "total_rows_skipped"]
        commit(con, prep, "test")
        got = con.execute("SELECT sum(energy_kwh), sum(read_kwh), sum(sharp_kwh), count(*) FROM readings").fetchall()
    assert got == [(11774.0, 11600.0, 1120.0, 2)]


@pytest.mark.parametrize("case", [c for c in cases() if c.name.endswith(".csv")], ids=lambda c: c.name)
def test_old_and_fast_path_read_the_same_bills(real_db, case, monkeypatch):  # noqa: F811
    fast = _prep(real_db, case.data, case.name)
    monkeypatch.setattr(loader, "FAST_CSV", False)
    slow = _prep(real_db, case.data, case.name)
    assert fast.ok and slow.ok
    cols = ["meter_id", "period_start", "energy_kwh", "read_kwh", "sharp_kwh", "peak_kwh", "flat_kwh", "valley_kwh",
            "amount_yuan", "prev_register", "curr_register"]
    pd.testing.assert_frame_equal(fast.rows[cols].reset_index(drop=True), slow.rows[cols].reset_index(drop=True),
                                  check_dtype=False)


def test_interval_rows_with_a_tariff_label_stay_intervals(real_db):  # noqa: F811
    text = ("户号,时间,时段,电量(kWh)\n"
            "0450000001,2024-03-01 08:00,平,10\n0450000001,2024-03-01 09:00,峰,12\n"
            "0450000001,2024-03-01 10:00,峰,13\n0450000001,2024-03-01 11:00,平,11\n")
    prep = _prep(real_db, text.encode())
    assert prep.ok and len(prep.rows) == 4 and prep.rows["energy_kwh"].sum() == 46
