"""The second corpus (tests/corpus_real2.py): each export loads with its true totals, or is refused on its line.

Loaded as `python -m etl load` and the upload page load them: loader.prepare, then commit, into a copy of
test_corpus_real's registry with the three PV sites of test_pv_portal.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from etl.ingest import shapes
from etl.ingest.loader import commit, detect_kind, prepare
from etl.store.db import connect
from tests.conftest import copy_of, table_state
from tests.corpus_real2 import cases
from tests.test_corpus_real import _build_real
from tests.test_pv_portal import SITES

NOW = datetime(2025, 6, 1)
CASES = cases()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def real2_db(tmp_path) -> Path:
    return copy_of("real2", tmp_path, _build_real2)


def _build_real2(db: Path) -> None:
    _build_real(db)
    with connect(db) as con:
        prep = prepare(con, SITES.encode(), "pv_sites.csv", now=NOW)
        assert prep.ok, prep.problems
        commit(con, prep, "test")


def test_every_family_has_two_new_files_and_every_format():
    families = Counter(c.family for c in CASES if "refused" not in c.extra)
    assert set(families) == {"grid_bill", "grid_interval", "water_bill", "pv", "charging", "fuel", "gas", "lpg"}
    assert min(families.values()) >= 2, families
    names = [c.name for c in CASES]
    for ending in (".csv", ".xlsx", ".xls", ".txt"):
        assert any(n.endswith(ending) for n in names), ending
    assert len(CASES) >= 16


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_second_corpus_file(real2_db, case):
    before = table_state(real2_db)
    with connect(real2_db) as con:
        prep = prepare(con, case.data, case.name, now=NOW)
        for p in prep.problems:  # every sentence has its Chinese
            assert p.text("zh")[0] != p.message and p.text("zh")[1] != p.fix, p
        if "refused" in case.extra:
            words, line = case.extra["refused"]
            assert not prep.ok
            hit = [e for e in prep.errors if words in e.message]
            assert hit and hit[0].line == line, [str(e) for e in prep.errors]
            assert hit[0].fix
            with pytest.raises(ValueError):
                commit(con, prep, "test")
            assert table_state(real2_db) == before
            return
        assert prep.kind == case.kind, prep.problems
        assert prep.ok, [str(p) for p in prep.errors]
        assert bool(prep.warnings) == case.warnings, [str(p) for p in prep.warnings]
        notes = " | ".join(p.message for p in prep.problems if p.severity == "info")
        for words in case.notes:
            assert words in notes, notes
        commit(con, prep, "test", accept_warnings=True)
        for sql, want in case.totals.items():
            got = con.execute(sql).fetchall()[0][0]
            assert got == pytest.approx(want, abs=1e-6), sql


# ------------------------------------------------------------------ the shapes, one by one


def test_a_first_data_row_of_text_is_not_taken_for_a_second_header_row():
    rows = [["车牌号", "能源类型", "油卡号"], ["桂B·D5678", "纯电动", ""]]
    assert shapes.merge_subheader(rows, 0, None) is None
    rows = [["户号", "户名", "账期", "电量(kWh)"], ["0450000001", "县财政局", "2024-03", "100"]]
    assert shapes.merge_subheader(rows, 0, None) is None


def test_group_cells_over_sub_headers_take_the_known_name_and_the_group_unit():
    rows = [["户号", "电量（kWh）", "", "电费（元）"], ["", "峰", "谷", ""]]
    merged, at = shapes.merge_subheader(rows, 0, "electricity")
    assert at == 1 and merged == ["户号", "峰（kWh）", "谷（kWh）", "电费（元）"]
    rows = [["订单编号", "充电时间", ""], ["", "开始", "结束"]]
    assert shapes.merge_subheader(rows, 0, "charging")[0] == ["订单编号", "开始充电时间", "结束充电时间"]


def test_a_full_datetime_column_next_to_a_date_is_not_joined():
    header = ["卡号", "日期", "交易时间", "数量(升)"]
    body = [["1", "2024-03-02", "2024-03-02 09:15", "40"]]
    assert shapes.join_date_time(header, body) is None
    assert shapes.join_date_time(header, [["1", "2024-03-02", "09:15", "40"]]) == (1, [2])
    header = ["车牌号", "充电日期", "开始时间", "结束时间", "充电量(度)"]
    assert shapes.join_date_time(header, [["桂B·D5678", "2024/3/8", "8:05", "8:50", "18.6"]]) == (1, [2, 3])


def test_day_curve_labels_as_ends_or_starts():
    ends = [f"{m // 60:02d}:{m % 60:02d}" for m in range(15, 24 * 60 + 1, 15)]
    starts = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, 15)]
    hourly = [f"{h}:00" for h in range(1, 25)]
    assert shapes.day_curve_columns(["日期", *ends])[1] == 0 and shapes.day_curve_columns(["日期", *ends])[96] == 1425
    assert shapes.day_curve_columns(["日期", *starts])[1] == 0
    assert shapes.day_curve_columns(["日期", *hourly])[24] == 23 * 60
    assert shapes.day_curve_columns(["日期", *starts[:20]]) is None  # a few time columns are no day curve


def test_title_value_fills_only_a_missing_identifier(real2_db):
    text = "卡号：9030000012349999\n卡号,交易时间,数量(升),金额(元)\n9030000012345678,2024-03-02 09:15,38.5,302.23\n"
    with connect(real2_db) as con:
        prep = prepare(con, text.encode(), "card.csv", now=NOW)
    assert prep.ok and prep.rows["card_no"].tolist() == ["9030000012345678"], prep.problems


def test_a_named_sheet_is_read_even_when_another_fits_better(real2_db):
    data = next(c.data for c in CASES if c.name == "sgcc_summary_first.xlsx")
    with connect(real2_db) as con:
        prep = prepare(con, data, "s.xlsx", sheet="汇总", now=NOW)
    assert not prep.ok  # the user asked for the summary: it is read (and is no bill), not silently swapped


def test_new_aliases_keep_detection_apart():
    assert detect_kind(["户号", "账期", "本期水量(立方米)", "应缴金额(元)"])[0] == "water"
    assert detect_kind(["户号", "账期", "用气量(m3)", "应缴金额(元)"])[0] == "gas"
    assert detect_kind(["日期", "用户名称", "数量(瓶)", "规格", "金额"])[0] == "lpg"
    assert detect_kind(["用户号", "用户名称", "抄表日期", "上期读数", "本期读数", "用水量(吨)"])[0] == "water"
    assert detect_kind(["车牌", "开始时间", "结束时间", "电量(度)", "总费用(元)"])[0] == "charging"
    assert detect_kind(["卡号", "交易时间", "交易地点", "油品名称", "数量(升)", "金额(元)"])[0] == "fuel"


def test_full_width_numbers_read_the_same_on_both_paths(real2_db):
    body = "".join(f"0450000001,2024-03-01 {h:02d}:00,１２．５\n" for h in range(24))
    text = "户号,时间,电量(kWh)\n" + body * 1
    with connect(real2_db) as con:
        prep = prepare(con, text.encode(), "wide.csv", now=NOW)
        assert prep.ok, prep.problems
        commit(con, prep, "test")
        assert con.execute("SELECT sum(energy_kwh) FROM readings").fetchall()[0][0] == pytest.approx(24 * 12.5)


def test_corpus_writes_out(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tests.corpus_real2", str(tmp_path)], capture_output=True,
                         text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert len(list(tmp_path.iterdir())) == len(CASES)


def test_mutants_of_the_second_corpus_never_raise_and_rejected_ones_change_nothing(real2_db):
    """test_load_safety's mutator over these files: the new shapes (two-row headers, day curves, title ids,
    sheets chosen) must refuse a broken file in prepare, never crash in prepare or commit."""
    import random

    from tests.test_load_safety import _state, mutate

    rng = random.Random(20261127)
    seen = {"rejected": 0, "committed": 0}
    with connect(real2_db) as con:
        for case in CASES:
            for k in range(2):
                mutant = mutate(case.data, rng)
                before = _state(con)
                try:
                    prep = prepare(con, mutant, case.name, now=NOW)
                except Exception as exc:  # noqa: BLE001 - the failure message carries the mutant
                    pytest.fail(f"prepare raised on {case.name} mutant {k}: {exc!r}\n{mutant[:600]!r}")
                if not prep.ok or prep.rows is None or prep.already_loaded is not None:
                    assert _state(con) == before, f"{case.name} mutant {k}: a refused file wrote something"
                    seen["rejected"] += 1
                    continue
                try:
                    commit(con, prep, "test", accept_warnings=True)
                except Exception as exc:  # noqa: BLE001
                    pytest.fail(f"commit raised on {case.name} mutant {k}: {exc!r}\n{mutant[:600]!r}")
                seen["committed"] += 1
    assert min(seen.values()) >= 5, seen


def test_damaged_workbooks_are_a_sentence_never_a_traceback(real2_db):
    """A cut or changed .xls made calamine panic (a BaseException); a bad CRC in an .xlsx part raised BadZipFile."""
    xls = next(c.data for c in CASES if c.name == "water_note_sheet_first.xls")
    xlsx = next(c.data for c in CASES if c.name == "lpg_tonnes.xlsx")
    broken = [xls[:n] for n in (600, 1500, len(xls) - 7)]
    broken += [xlsx[:i] + bytes([xlsx[i] ^ 0xFF]) + xlsx[i + 1:] for i in range(300, len(xlsx), 997)]
    refused = 0
    with connect(real2_db) as con:
        for k, data in enumerate(broken):
            before = table_state_of(con)
            prep = prepare(con, data, "broken.xls" if data[:2] != b"PK" else "broken.xlsx", now=NOW)
            if prep.ok:  # a flipped byte in a part nobody reads: it loads, and commits without raising
                commit(con, prep, "test", accept_warnings=True)
                continue
            assert table_state_of(con) == before
            assert prep.errors[0].fix, prep.errors[0]
            if k < 3:  # the cut .xls files
                assert "damaged" in prep.errors[0].message, prep.errors[0]
            refused += 1
    assert refused >= 3


def table_state_of(con) -> dict:
    from tests.test_load_safety import _state

    return _state(con)


def test_header_units_and_the_next_day_at_24():
    import pandas as pd

    from etl.ingest.readers import normalise_header, parse_datetime

    assert normalise_header("Daily Generation (Active)(kWh)") == ("dailygeneration", "kwh")
    assert normalise_header("金额（元）（含税）") == ("金额", "元")
    assert normalise_header("备注(说明)") == ("备注", "说明")  # no known unit: the first part, as before
    values, bad = parse_datetime(pd.Series(["2024-03-01 24:00", "2024/3/1 24:00:00", "20240301 24:00", "x 24:00"]))
    assert values[:3].tolist() == [pd.Timestamp("2024-03-02")] * 3 and bad.tolist() == [False, False, False, True]
