"""The SQL lane (etl/ingest/sql_lane.py) stores what the pandas rules store and says what they say.

Every file is prepared three ways on the same database: the SQL lane, the fast reader with the pandas rules,
and the old Python reader. Problems, rows, period, replaced count and summary must be equal; clean interval
files must take the lane, files with anything the lane does not handle must not.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from etl.ingest import loader
from etl.ingest.loader import commit, prepare, summary, undo
from etl.store.db import connect
from tests.corpus import cases
from tests.test_fastread import AWKWARD, assert_same

NOW = datetime(2025, 6, 1)
WAYS = {"lane": (True, True), "pandas": (True, False), "old": (False, False)}


def three_ways(db, data: bytes, name: str, kind=None, sheet=None, monkeypatch=None) -> dict:
    out = {}
    for way, (fast, lane) in WAYS.items():
        monkeypatch.setattr(loader, "FAST_CSV", fast)
        monkeypatch.setattr(loader, "SQL_LANE", lane)
        with connect(db) as con:
            out[way] = prepare(con, data, name, kind, sheet=sheet, now=NOW)
    monkeypatch.setattr(loader, "FAST_CSV", True)
    monkeypatch.setattr(loader, "SQL_LANE", True)
    return out


def assert_all_same(got: dict) -> None:
    lane, pandas_, old = got["lane"], got["pandas"], got["old"]
    assert pandas_.spill is None and old.spill is None
    if lane.spill is not None:  # summary before .rows: counted in SQL, not from a frame
        assert lane.row_count == len(pandas_.rows)
        s_lane, s_pd = summary(lane), summary(pandas_)
        assert s_lane.pop("totals") == pytest.approx(s_pd.pop("totals"))
        assert s_lane == s_pd
    assert_same(lane, pandas_)
    assert_same(lane, old)


def hourly(rows: list[tuple[str, str, str]], header: str = "户号,时间,电量(kWh)") -> bytes:
    return (header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode()


def day(meter: str = "0450000001", value=lambda h: f"{1 + h % 5}", hours: int = 24, start: str = "2023-03-01"):
    ts = pd.date_range(start, periods=hours, freq="h").strftime("%Y-%m-%d %H:%M")
    return [(meter, t, value(h)) for h, t in enumerate(ts)]


CLEAN = {
    "clean_hourly.csv": hourly(day() + day("0450000002")),
    "clean_by_meter_id.csv": hourly(day("E-I001")),
    "clean_mwh.csv": hourly(day(value=lambda h: f"0.00{1 + h % 3}"), "户号,时间,电量(MWh)"),
    "clean_water.csv": hourly(day("88000001", lambda h: f"0.{h % 7 + 1}"), "户号,时间,用水量(m3)"),
    "clean_15min_gbk.csv": ("户号,数据时间,有功电量(kWh)\n" + "".join(
        f"0450000001,{t},{0.25 * (1 + i % 4)}\n" for i, t in enumerate(
            pd.date_range("2023-03-01", periods=96, freq="15min").strftime("%Y/%m/%d %H:%M")))).encode("gb18030"),
    "clean_extra_column.csv": ("户号,时间,电量(kWh),备注\n" + "".join(
        f"0450000001,{t},2,\n" for t in pd.date_range("2023-03-01", periods=10, freq="h"))).encode(),
    "clean_blank_rows_at_end.csv": hourly(day(hours=6)) + b"\n\n",
    # a grid company's load-curve export: title lines, GBK, CRLF, 正向有功电量, a tab before the account
    "clean_grid_load_curve.csv": ("广西电网有限责任公司 计量点负荷数据导出\r\n导出时间：2023-03-05 09:12\r\n"
                                  "户号,数据时间,正向有功电量(kWh)\r\n" + "".join(
                                      f"\t0450000001,{t},{1 + i % 5}\r\n" for i, t in enumerate(pd.date_range(
                                          "2023-03-01", periods=48, freq="h").strftime("%Y/%m/%d %H:%M")))
                                  ).encode("gbk"),
    "clean_one_row.csv": hourly(day(hours=1)),  # no step to measure: 60 minutes, as the pandas rule says
    # exporters put a tab before an account number so Excel keeps its zeros; blanks after one: matched trimmed
    "clean_tab_before_account.csv": hourly([("\t" + m, t, v) for m, t, v in day()]
                                           + [(m + "  ", t, v) for m, t, v in day("0450000002")]
                                           + day("0450000002", start="2023-03-02")),
    # steps of 58 and 61 minutes: the median step (61) is taken where the steps are not all equal
    "clean_uneven_steps.csv": hourly([("0450000001", (pd.Timestamp("2023-03-01") + pd.Timedelta(minutes=60 * h + (h % 3 == 1) - (h % 3 == 2))).strftime("%Y-%m-%d %H:%M"), "2") for h in range(48)]),
}

AWKWARD_LANE = {
    "bad_date.csv": hourly(day()[:5] + [("0450000001", "2023-02-30 05:00", "1")] + day()[6:]),
    "unknown_meter.csv": hourly(day() + day("0450009999")),
    "wrong_kind_meter.csv": hourly(day("88000001")),
    "empty_meter.csv": hourly(day()[:3] + [("", "2023-03-01 03:00", "1")] + day()[4:]),
    "formula_meter.csv": hourly([("=0450000001", "2023-03-01 00:00", "1")] + day()[1:]),
    "duplicate_same.csv": hourly(day() + day()[3:4]),
    "duplicate_conflict.csv": hourly(day() + [("0450000001", "2023-03-01 03:00", "99")]),
    "spike.csv": hourly(day(value=lambda h: "500" if h == 12 else "1")),
    "negative.csv": hourly(day(value=lambda h: "-1" if h == 3 else "1")),
    "not_number.csv": hourly(day(value=lambda h: "约1" if h == 3 else "1")),
    "empty_value.csv": hourly(day(value=lambda h: "" if h == 3 else "1")),
    "future.csv": hourly(day(start="2030-01-01")),
    "before_2000.csv": hourly(day(start="1999-01-01")),
    "unit_unknown.csv": hourly(day(), "户号,时间,电量(GWh)"),
    "total_row.csv": hourly(day() + [("合计", "", "72")]),
    "sci_account.csv": hourly(day("4.50000001E+8")),
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_clean_interval_files_take_the_lane(registry_db, name, monkeypatch):
    got = three_ways(registry_db, CLEAN[name], name, monkeypatch=monkeypatch)
    assert got["lane"].ok and got["lane"].spill is not None, got["lane"].problems[:3]
    assert_all_same(got)


GAPS = {
    "gap.csv": hourly(day()[:10] + day()[14:]),
    "gaps_two_meters.csv": hourly(day()[:10] + day()[14:] + day("0450000002")[:3] + day("0450000002")[5:]),
    # 60 gaps: 50 warnings and one "more gaps" line, as the pandas rule words them
    "many_gaps.csv": hourly([r for i, r in enumerate(day(hours=400, value=lambda h: "2")) if i % 6 != 3]),
}


@pytest.mark.parametrize("name", list(GAPS))
def test_gaps_are_warned_in_the_lane_as_in_pandas(registry_db, name, monkeypatch):
    got = three_ways(registry_db, GAPS[name], name, monkeypatch=monkeypatch)
    assert got["lane"].spill is not None and got["lane"].warnings
    assert {p.code for p in got["lane"].warnings} <= {"interval_gap", "more_gaps"}
    assert_all_same(got)


@pytest.mark.parametrize("name", list(AWKWARD_LANE))
def test_awkward_interval_files_leave_the_lane_and_say_the_same(registry_db, name, monkeypatch):
    got = three_ways(registry_db, AWKWARD_LANE[name], name, monkeypatch=monkeypatch)
    assert got["lane"].spill is None
    assert got["lane"].problems, name
    assert_all_same(got)


@pytest.mark.parametrize("name", list(AWKWARD))
def test_awkward_fastread_files_same_three_ways(registry_db, name, monkeypatch):
    assert_all_same(three_ways(registry_db, AWKWARD[name], name, monkeypatch=monkeypatch))


CASES = [c for c in cases() if not c.name.endswith(".xlsx")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_same_three_ways(registry_db, case, monkeypatch):
    assert_all_same(three_ways(registry_db, case.data, case.name, case.kind, case.sheet, monkeypatch))


# The head of each demo file: one meter's whole year of an hourly file in make test, three in the deep tier
# (35 meters in the demo): the same shapes in a fraction of the time.
DEMO_LINES = [pytest.param(1 + 8760, id="one_meter"), pytest.param(1 + 3 * 8760, id="three_meters",
                                                                   marks=pytest.mark.deep)]


def head(path, lines: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:lines])


@pytest.mark.parametrize("lines", DEMO_LINES)
def test_demo_files_same_three_ways(demo_db, demo_files, monkeypatch, lines):
    """Every demo CSV, loaded again over the demo (identical rows: the pandas path says so), is the same."""
    for f in sorted(demo_files.rglob("*.csv")):
        got = three_ways(demo_db, head(f, lines), f.name, monkeypatch=monkeypatch)
        assert got["lane"].ok, (f.name, got["lane"].errors[:3])
        assert_all_same(got)


@pytest.mark.parametrize("lines", DEMO_LINES)
def test_demo_hourly_files_on_a_fresh_registry(demo_files, tmp_path, monkeypatch, lines):
    """The demo's hourly meter years (UTF-8 with BOM; one or three meters' year of each) into a database with
    only the registries: the same three ways; the lane takes at least the first year."""
    db = tmp_path / "fresh.duckdb"
    with connect(db) as con:
        for name in ("institutions.csv", "meters.csv"):
            commit(con, prepare(con, (demo_files / name).read_bytes(), name, now=NOW), "test")
    took = []
    for name in ("electricity_hourly_2023.csv", "electricity_hourly_2024.csv"):
        got = three_ways(db, head(demo_files / name, lines), name, monkeypatch=monkeypatch)
        assert got["lane"].ok, got["lane"].errors[:3]
        assert_all_same(got)
        took.append(got["lane"].spill is not None)
        with connect(db) as con:
            commit(con, got["lane"], "test")
    assert took[0], "the first year of clean hourly data takes the SQL lane"


def stored(db) -> tuple[pd.DataFrame, list]:
    with connect(db) as con:
        rows = con.execute("SELECT * FROM readings ORDER BY meter_id, source, period_start").df()
        batches = con.execute("SELECT kind, rows_loaded, rows_replaced, period_start, period_end, status "
                              "FROM load_batches ORDER BY batch_id").fetchall()
    return rows, batches


def test_commit_and_undo_store_the_same_both_ways(registry_db, tmp_path, monkeypatch):
    """The lane's commit (INSERT ... SELECT from Parquet) writes, replaces and undoes as the frame's does."""
    import shutil

    first = hourly(day() + day("0450000002"))
    # the second file overlaps the first's last 12 hours of meter 1, with other values: 12 rows replaced
    second = hourly(day(value=lambda h: "7", start="2023-03-01 12:00"))
    states = {}
    for way in ("lane", "pandas"):
        db = tmp_path / f"{way}.duckdb"
        shutil.copy(registry_db, db)
        monkeypatch.setattr(loader, "SQL_LANE", way == "lane")
        with connect(db) as con:
            p1 = prepare(con, first, "a.csv", now=NOW)
            assert (p1.spill is not None) == (way == "lane")
            b1 = commit(con, p1, "test")
            p2 = prepare(con, second, "b.csv", now=NOW)
            assert (p2.spill is not None) == (way == "lane")
            assert p2.rows_replaced == 12
            b2 = commit(con, p2, "test")
            again = prepare(con, first, "a.csv", now=NOW)
            assert again.already_loaded == b1
        after_both = stored(db)
        with connect(db) as con:
            undo(con, b2, "test")
        after_undo = stored(db)
        states[way] = (after_both, after_undo)
    for (rows_l, batches_l), (rows_p, batches_p) in zip(states["lane"], states["pandas"], strict=True):
        assert batches_l == batches_p
        pd.testing.assert_frame_equal(rows_l, rows_p)
    rows, batches = states["lane"][0]
    assert batches[-1][:3] == ("electricity", 24, 12)
    # meter 1: hours 0-11 of the first file (1..5, 1..5, 1, 2 = 33) and 24 x 7; meter 2: 4 x 15 + 1+2+3+4 = 70
    assert len(rows) == 60 and rows["energy_kwh"].sum() == pytest.approx(33 + 168 + 70)


def test_reload_of_identical_rows_leaves_the_lane_and_changes_nothing(registry_db, monkeypatch):
    from tests.conftest import table_state

    data = hourly(day())
    with connect(registry_db) as con:
        commit(con, prepare(con, data, "a.csv", now=NOW), "test")
    before = table_state(registry_db)
    got = three_ways(registry_db, data + b"\n", "a2.csv", monkeypatch=monkeypatch)  # other bytes, same rows
    assert got["lane"].spill is None and got["lane"].identical_rows == 24
    assert_all_same(got)
    with connect(registry_db) as con:
        commit(con, got["lane"], "test")
    assert table_state(registry_db) == before


def test_history_makes_a_spike_a_warning_in_both(registry_db, monkeypatch):
    """A value far above the stored history (not the file's own median) leaves the lane with its warning."""
    with connect(registry_db) as con:
        commit(con, prepare(con, hourly(day(value=lambda h: "1")), "a.csv", now=NOW), "test")
    ten_times = hourly(day(value=lambda h: "100", start="2023-03-02"))  # every value 100x the history
    got = three_ways(registry_db, ten_times, "b.csv", monkeypatch=monkeypatch)
    assert got["lane"].spill is None and got["lane"].warnings
    assert_all_same(got)


def test_spill_is_deleted_with_its_prepared(registry_db):
    import gc
    import os

    with connect(registry_db) as con:
        prep = prepare(con, CLEAN["clean_hourly.csv"], "a.csv", now=NOW)
    path = prep.spill.path
    assert os.path.exists(path)
    del prep
    gc.collect()
    assert not os.path.exists(path)


@pytest.mark.parametrize("seed", range(5))
def test_step_hits_equal_the_week_by_week_rule(seed):
    """anomalies.step_hits (windows at once, part of every commit's anomaly refresh) = the loop it replaced."""
    import numpy as np

    from etl.metrics.anomalies import step_hits

    rng = np.random.default_rng(seed)
    for length in (0, 3, 7, 8, 9, 60):
        r = rng.choice([0.2, 0.25, 0.3, 0.5, 0.9, 1.2], size=length) * rng.choice([1, 1, 2.5], size=length)
        for n in (1, 2, 4):
            want = []
            for i in range(n, len(r) - n + 1):
                before, after = r[i - n:i], r[i:i + n]
                ratio = float(np.median(after) / np.median(before))
                if ratio >= 1.5 and after.min() > before.max():
                    want.append((i, ratio))
            assert step_hits(r, n, 1.5) == want


def test_preview_is_the_same_from_the_spill(registry_db, monkeypatch):
    """The upload preview (series against history, resolution plan) reads the lane's spill, not a frame."""
    from etl.ingest import preview

    with connect(registry_db) as con:
        commit(con, prepare(con, hourly(day(hours=72, start="2023-02-20")), "old.csv", now=NOW), "test")
    got = three_ways(registry_db, CLEAN["clean_hourly.csv"], "a.csv", monkeypatch=monkeypatch)
    lane, pandas_ = got["lane"], got["pandas"]
    assert lane.spill is not None and lane.has_rows and lane.row_count == 48
    with connect(registry_db) as con:
        for f in (preview.preview_series, preview.resolution_plan):
            a, b = f(con, lane), f(con, pandas_)
            pd.testing.assert_frame_equal(a, b)
            assert len(a)
    assert lane.__dict__.get("_rows") is None  # nothing above read the whole table into pandas


def test_a_failing_lane_falls_back_to_the_pandas_path(registry_db, monkeypatch):
    """A DuckDB error inside the lane (a full temp disk, say) never reaches the user: the pandas rules run."""
    import duckdb

    from etl.ingest import sql_lane

    def broken(*_a, **_k):
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(sql_lane, "_spill", broken)
    got = three_ways(registry_db, GAPS["gap.csv"], "gap.csv", monkeypatch=monkeypatch)
    assert got["lane"].spill is None and got["lane"].ok
    assert_all_same(got)


def test_usage_above_the_registered_capacity_leaves_the_lane_with_its_warning(registry_db, monkeypatch):
    """A 10 kVA meter cannot take 40 kWh in an hour (bound 10 x 1 x 1.5 = 15 kWh): the lane hands the file to
    the pandas path, which warns on that line, the same three ways; below the bound the lane keeps it."""
    with connect(registry_db) as con:
        meter = con.execute("SELECT meter_id FROM meters WHERE account_no = '0450000001'").fetchall()[0][0]
        con.execute("UPDATE meters SET capacity_kva = 10 WHERE meter_id = ?", [meter])
    spike = hourly(day(value=lambda h: "40" if h == 12 else "5"))
    got = three_ways(registry_db, spike, "cap.csv", monkeypatch=monkeypatch)
    assert got["lane"].spill is None
    assert [p.line for p in got["lane"].warnings if p.code == "usage_above_capacity"] == [14]
    assert_all_same(got)
    calm = three_ways(registry_db, hourly(day(value=lambda h: "5")), "calm.csv", monkeypatch=monkeypatch)
    assert calm["lane"].spill is not None and not calm["lane"].problems
