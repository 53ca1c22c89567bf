"""PV exports as inverter portals write them (tests/corpus_pv): true totals after load, or the exact refusal.

The corpus files follow the column layouts of the portals' report and history exports (FusionSolar,
iSolarCloud, SEMS, Solis, Growatt): title lines, GBK or UTF-8, Chinese or English headers, units in
brackets, total rows. tests/corpus_pv/manifest.csv gives each file's outcome and its true totals, set when
the file was written (for a counter: the counter's value at the end of each day, or last minus first).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from etl.ingest.loader import NotAccepted, commit, prepare
from etl.store.db import connect
from tests.conftest import build_registry, copy_of, table_state

NOW = datetime(2025, 6, 1)
CORPUS = Path(__file__).parent / "corpus_pv"
MANIFEST = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8")))
SITES = ("电站编号,电站名称,别名,单位编码,纬度,经度,屋顶面积(m2),组件数量,组件功率(W),装机容量(kWp),倾角,方位角,逆变器容量(kW),"
         "并网日期,建设状态\n"
         "PV01,城南二小屋顶光伏,鹿寨县城南二小学分布式光伏电站,I002,24.45,109.74,2046,465,540,251.1,18,196,220,2023-04-28,已并网\n"
         "PV02,县第一幼儿园屋顶光伏,,I001,24.48,109.74,1512,349,540,188.46,18,182,160,2023-05-26,已并网\n"
         "PV03,江口乡中心校屋顶光伏,JKX-PV-2023;江口中心校,,24.31,109.67,1156,257,545,140.06,10,162,120,2023-11-15,"
         "已并网\n")


@pytest.fixture()
def pv_db(tmp_path) -> Path:
    """The tiny county of conftest with three PV sites (PV01 251.1 kWp, PV02 188.46, PV03 140.06)."""
    return copy_of("pv", tmp_path, _build_pv)


def _build_pv(db: Path) -> None:
    build_registry(db)
    with connect(db) as con:
        prep = prepare(con, SITES.encode(), "pv_sites.csv", now=NOW)
        assert prep.ok and prep.kind == "pv_sites", prep.problems
        commit(con, prep, "test")


def test_corpus_has_three_files_per_family():
    families = ("fusionsolar_station", "fusionsolar_device", "isolarcloud", "sems", "solis", "growatt")
    loaded = [m["file"] for m in MANIFEST if m["outcome"] != "rejected"]
    counts = {f: sum(n.startswith(f) for n in loaded) for f in families}
    assert counts["fusionsolar_station"] >= 3 and counts["isolarcloud"] >= 3 and counts["sems"] >= 3
    assert counts["fusionsolar_device"] + sum(n.startswith("fusionsolar_running") for n in loaded) >= 3
    assert counts["solis"] + counts["growatt"] >= 3


@pytest.mark.parametrize("case", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_pv_corpus_file(pv_db, case):
    data = (CORPUS / case["file"]).read_bytes()
    before = table_state(pv_db)
    with connect(pv_db) as con:
        prep = prepare(con, data, case["file"], now=NOW)
        if case["outcome"] == "rejected":
            assert prep.errors, prep.problems
            hit = [e for e in prep.errors if case["words"] in e.message]
            assert hit, prep.errors
            if case["line"]:
                assert hit[0].line == int(case["line"]), hit[0]
            assert table_state(pv_db) == before
            return
        assert prep.kind == "pv" and prep.ok, prep.errors
        if case["outcome"] == "needs_accept":
            assert any(case["words"] in w.message for w in prep.warnings), prep.warnings
            with pytest.raises(NotAccepted):
                commit(con, prep, "test", accept_warnings=False)
        else:
            assert not prep.warnings, prep.warnings
        batch = commit(con, prep, "test")
        gen, exp = con.execute("SELECT sum(generation_kwh), sum(export_kwh) FROM pv_production WHERE batch_id = ?",
                               [batch]).fetchall()[0]
    assert gen == pytest.approx(float(case["generation_kwh"]), abs=0.06)
    if case["export_kwh"]:
        assert exp == pytest.approx(float(case["export_kwh"]), abs=0.06)


def test_every_pv_problem_has_chinese(pv_db):
    from etl.ingest.messages import CATALOGUE

    with connect(pv_db) as con:
        problems = [p for m in MANIFEST for p in prepare(con, (CORPUS / m["file"]).read_bytes(), m["file"],
                                                         now=NOW).problems]
    assert len({p.message for p in problems}) >= 12
    for p in problems:
        assert p.code in CATALOGUE and p.how.code in CATALOGUE, p
        message, fix = p.text("zh")
        assert message != p.message and "likely cause" not in message, message


# ------------------------------------------------------------------ one resolution per site and period


def _load(con, name: str, data: bytes | None = None) -> int:
    prep = prepare(con, data if data is not None else (CORPUS / name).read_bytes(), name, now=NOW)
    assert prep.ok, prep.errors
    return commit(con, prep, "test")


def test_a_daily_report_over_interval_days_counts_once(pv_db):
    from etl.ingest.preview import preview_series, resolution_plan

    daily = ("统计时间,电站名称,发电量(kWh),上网电量(kWh)\n2024-06-01,PV02,1100.0,100.0\n2024-06-02,PV02,700.0,50.0\n"
             "2024-06-03,PV02,900.0,80.0\n").encode()
    with connect(pv_db) as con:
        _load(con, "fusionsolar_device_15min_gbk.csv")  # PV02, 2024-06-01 and 02 at 15 min: 1859.6 kWh
        prep = prepare(con, daily, "daily.csv", now=NOW)
        plan = resolution_plan(con, prep).set_index("resolution")
        # the daily report will count for its 3 days; nothing stored takes over
        assert plan.loc["day", ["periods", "counted", "instead"]].tolist() == [3, 3, ""]
        series = preview_series(con, prep)
        stored = series[(series["source"] == "stored") & (series["quantity"] == "generation_kwh")]
        assert stored["value"].sum() == pytest.approx(1859.6, abs=0.05)
        commit(con, prep, "test")
        stored_rows = con.execute("SELECT sum(generation_kwh) FROM pv_production").fetchall()[0][0]
        counted = con.execute("SELECT sum(generation_kwh), count(DISTINCT resolution) FROM pv_counted").fetchall()[0]
        month = con.execute("SELECT pv_generation_kwh FROM institution_month WHERE institution_id = 'I001' "
                            "AND month = DATE '2024-06-01'").fetchall()[0][0]
        # both are kept (undo, intervals for the model) but only the daily report is added up
        assert stored_rows == pytest.approx(1859.6 + 2700.0, abs=0.05)
        assert counted == (pytest.approx(2700.0), 1)
        assert month == pytest.approx(2700.0)
        # intervals loaded after the day report: the plan says the day report counts instead
        hourly = "电站名称,时间,发电量(kWh)\n" + "".join(f"PV02,2024-06-0{d} {h}:00,{40 + h}\n" for d in (1, 2)
                                                      for h in (10, 11, 12))
        again = prepare(con, hourly.encode(), "again.csv", now=NOW)
        plan = resolution_plan(con, again).set_index("resolution")
        assert plan.loc["interval", ["periods", "counted", "instead"]].tolist() == [2, 0, "day"]


def test_a_monthly_report_takes_its_month(pv_db):
    with connect(pv_db) as con:
        _load(con, "fusionsolar_station_daily.xlsx")  # PV02, 2024-06-11..15
        _load(con, "fusionsolar_device_15min_gbk.csv")  # PV02, 2024-06-01..02
        monthly = "统计时间,电站名称,发电量(kWh)\n2024-06,PV02,24000\n2024-07,PV02,25000\n".encode()
        _load(con, "monthly.csv", monthly)
        rows = con.execute("SELECT month, pv_generation_kwh FROM institution_month WHERE institution_id = 'I001' "
                           "ORDER BY month").fetchall()
    assert [(str(m), v) for m, v in rows] == [("2024-06-01", 24000.0), ("2024-07-01", 25000.0)]


def test_the_newest_interval_export_of_a_day_counts(pv_db):
    hourly = "电站名称,时间,发电量(kWh)\n" + "".join(f"PV01,2024-06-05 {h:02d}:00,{v}\n" for h, v in
                                                  ((9, 100), (10, 150), (11, 160)))
    quarter = "电站名称,时间,发电量(kWh)\n" + "".join(f"PV01,2024-06-05 10:{m:02d},40\n" for m in (0, 15, 30, 45))
    with connect(pv_db) as con:
        _load(con, "hourly.csv", hourly.encode())
        _load(con, "quarter.csv", quarter.encode())
        total = con.execute("SELECT sum(generation_kwh) FROM pv_counted").fetchall()[0][0]
    assert total == pytest.approx(100 + 160 + 160)  # 10:00 hour replaced by its four quarters
