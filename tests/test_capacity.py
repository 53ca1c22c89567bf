"""Registered capacity (issue 13): usage per interval above what the meter can pass is a warning to accept.

Limits by hand (settings in data/load_checks.csv, flows in data/water_meter_flow.csv):
- E-I001, 100 kVA, January (744 h): 100 x 1 (power factor) x 744 x 1.5 = 111,600 kWh; 15 min: 37.5 kWh
- W-I001, DN20 (Q3 4 m3/h, Q4 = 4 x 1.25 = 5 m3/h), January: 5 x 744 x 1.2 = 4,464 m3
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from etl.ingest import capacity, pv_portal
from etl.ingest.loader import NotAccepted, commit, prepare
from etl.store.db import close_all, connect
from tests.conftest import copy_of

INST = ("单位编码,单位名称,单位类型,建筑面积(m2),用能人数\n"
        "I001,县财政局,党政机关,2000,50\nI002,城南二小,学校,8000,900\n")
METERS = ("表号,单位编码,能源种类,户号,倍率,报装容量(kVA),口径\n"
          "E-I001,I001,电,0450000001,1,100,\nW-I001,I001,水,88000001,1,,DN20\n"
          "E-I002,I002,电,0450000002,40,,\nW-I002,I002,水,88000002,1,,\n")


def _load(con, text: str, name: str):
    prep = prepare(con, text.encode(), name, now=datetime(2025, 6, 1))
    return prep


@pytest.fixture()
def cap_db(tmp_path):
    return copy_of("c", tmp_path, _build_cap)


def _build_cap(db):
    with connect(db) as con:
        for name, text in (("inst.csv", INST), ("meters.csv", METERS)):
            prep = _load(con, text, name)
            assert prep.ok and not prep.warnings, prep.problems
            commit(con, prep, "test")


def test_registry_keeps_capacity_and_caliber(cap_db):
    with connect(cap_db) as con:
        rows = con.execute("SELECT meter_id, capacity_kva, caliber_mm FROM meters ORDER BY meter_id").fetchall()
        assert rows == [("E-I001", 100.0, None), ("E-I002", None, None), ("W-I001", None, 20.0),
                        ("W-I002", None, None)]
        b = capacity.bounds(con).set_index("meter_id")
    assert b.loc["E-I001", "per_h_max"] == pytest.approx(150.0)   # 100 kVA x 1 x 1.5
    assert b.loc["W-I001", "per_h_max"] == pytest.approx(6.0)     # 4 x 1.25 x 1.2
    assert set(b.index) == {"E-I001", "W-I001"}                   # no capacity, no bound


def test_bill_above_capacity_is_a_warning_with_line_value_limit_and_causes(cap_db):
    bill = ("户号,账期,结算电量(kWh)\n"
            "0450000001,2023-01,111600\n"      # exactly the limit: quiet
            "0450000001,2023-02,120000\n"      # Feb: 100 x 672 h x 1.5 = 100,800: above
            "0450000002,2023-01,900000\n")     # no capacity registered: not checked
    with connect(cap_db) as con:
        prep = _load(con, bill, "bill.csv")
        assert prep.ok
        warns = [p for p in prep.warnings if p.code == "usage_above_capacity"]
        assert [p.line for p in warns] == [3]
        w = warns[0]
        assert w.value == "120000"
        text = w.message
        assert "120,000 kWh" in text and "100,800 kWh" in text and "100 kVA" in text and "672 h" in text
        assert "MWh as kWh" in text and "multiplier applied twice" in text and "running total" in text
        assert "报装容量 100 kVA" in w.text("zh")[0]
        # the history check does not repeat it on the same cell
        assert not [p for p in prep.warnings if p.line == 3 and p.code != "usage_above_capacity"]
        with pytest.raises(NotAccepted):
            commit(con, prep, "test", accept_warnings=False)
        assert con.execute("SELECT count(*) FROM readings").fetchall()[0][0] == 0
        commit(con, prep, "test", accept_warnings=True)
        assert con.execute("SELECT sum(energy_kwh) FROM readings").fetchall()[0][0] == pytest.approx(1131600)


def test_water_bill_above_caliber(cap_db):
    bill = "用户号,账期,用水量(吨)\n88000001,2023-01,4464\n88000001,2023-03,4500\n88000002,2023-01,99999\n"
    with connect(cap_db) as con:
        prep = _load(con, bill, "water.csv")
    warns = [p for p in prep.warnings if p.code == "usage_above_capacity"]
    assert [p.line for p in warns] == [3]
    assert "4,464 m³" in warns[0].message and "DN20" in warns[0].message and "5 m³/h" in warns[0].message


def test_interval_above_capacity(cap_db):
    rows = "".join(f"0450000001,2024-03-01 {h:02d}:{m:02d},{30 if (h, m) != (10, 15) else 38}\n"
                   for h in range(9, 12) for m in (0, 15, 30, 45))
    with connect(cap_db) as con:
        prep = _load(con, "户号,时间,电量(kWh)\n" + rows, "iv.csv")
    warns = [p for p in prep.warnings if p.code == "usage_above_capacity"]
    assert [p.line for p in warns] == [7]                      # 10:15, the sixth row
    assert "37.5 kWh" in warns[0].message and "0.25 h" in warns[0].message


def test_margin_is_the_setting(cap_db, monkeypatch):
    real = pv_portal.settings
    monkeypatch.setattr(pv_portal, "settings", lambda: {**real(), "capacity_margin_electricity": 2.0})
    with connect(cap_db) as con:
        prep = _load(con, "户号,账期,结算电量(kWh)\n0450000001,2023-02,120000\n", "bill.csv")
        assert not [p for p in prep.warnings if p.code == "usage_above_capacity"]  # 134,400 now
        monkeypatch.setattr(pv_portal, "settings", lambda: {**real(), "capacity_margin_electricity": 1.0})
        prep = _load(con, "户号,账期,结算电量(kWh)\n0450000001,2023-02,70000\n", "bill.csv")
        assert [p.code for p in prep.warnings] == ["usage_above_capacity"]         # 67,200


def test_the_sql_lane_gets_the_same_rows(cap_db):
    """find() on another DuckDB connection (as the SQL lane stages its rows) gives the pandas lane's lines."""
    staged = pd.DataFrame({"meter_id": ["E-I001", "E-I001", "W-I001", "E-I002"],
                           "period_start": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 10:15",
                                                           "2024-03-01 10:00", "2024-03-01 10:00"]),
                           "period_end": pd.to_datetime(["2024-03-01 10:15", "2024-03-01 10:30",
                                                         "2024-03-01 11:00", "2024-03-01 10:15"]),
                           "energy_kwh": [37.5, 37.6, 7.0, 1e6], "_line": [2, 3, 4, 5]})
    with connect(cap_db) as con:
        b = capacity.bounds(con)
    other = duckdb.connect()
    other.register("staged", staged)
    hits = capacity.find(other, "staged", "energy_kwh", b)
    assert hits["_line"].tolist() == [3, 4]          # 37.6 > 37.5; 7 m3 > 6 m3/h x 1 h
    assert hits["limit"].tolist() == pytest.approx([37.5, 6.0])
    assert hits["n_over"].tolist() == [2, 2]


def test_many_rows_over_are_counted_not_listed(cap_db):
    rows = "".join(f"0450000001,2024-03-{d:02d} {h:02d}:00,1000\n" for d in range(1, 4) for h in range(24))
    with connect(cap_db) as con:
        prep = _load(con, "户号,时间,电量(kWh)\n" + rows, "iv.csv")
    over = [p for p in prep.warnings if p.code == "usage_above_capacity"]
    assert len(over) == capacity.MAX_SHOWN
    rest = [p for p in prep.warnings if p.code == "more_rows_same_problem"]
    assert rest and rest[0].params["n"] == 72 - capacity.MAX_SHOWN


@pytest.mark.parametrize("raw,value", [("DN25", 25.0), ("dn 25", 25.0), ("25", 25.0), ("25mm", 25.0),
                                       ("DN 100", 100.0), ("", None)])
def test_caliber_as_written(raw, value):
    got, bad = capacity.parse_caliber(pd.Series([raw]))
    assert not bad.iat[0]
    assert (pd.isna(got.iat[0]) if value is None else got.iat[0] == value)


def test_caliber_bad_or_not_in_the_table(tmp_path):
    db = tmp_path / "d.duckdb"
    with connect(db) as con:
        commit(con, _load(con, INST, "inst.csv"), "test")
        bad = _load(con, "表号,单位编码,能源种类,口径\nW-I001,I001,水,一寸\n", "m.csv")
        assert not bad.ok and bad.errors[0].line == 2 and "caliber" in bad.errors[0].message
        odd = _load(con, "表号,单位编码,能源种类,口径\nW-I001,I001,水,DN30\n", "m.csv")
        assert odd.ok and [p.code for p in odd.warnings] == ["caliber_no_flow"]
        neg = _load(con, "表号,单位编码,能源种类,报装容量\nE-I001,I001,电,0\n", "m.csv")
        assert not neg.ok and neg.errors[0].code == "capacity_not_positive"


def test_old_database_gains_the_columns(tmp_path):
    """A database built before the capacity columns opens and takes registries with them."""
    db = tmp_path / "old.duckdb"
    with connect(db) as con:
        commit(con, _load(con, INST, "inst.csv"), "test")
        commit(con, _load(con, "表号,单位编码,能源种类,户号\nE-I001,I001,电,0450000001\n", "m0.csv"), "test")
        for t in ("meters", "meters__replaced"):
            con.execute(f"ALTER TABLE {t} DROP COLUMN caliber_mm")
            con.execute(f"ALTER TABLE {t} DROP COLUMN capacity_kva")
        con.execute("UPDATE meta SET value = '7-pv-year+lpg-views+anomaly-findings' WHERE key = 'schema_version'")
    close_all()  # the next connect opens the file again and brings its schema up to date
    with connect(db) as con:
        cols = [r[0] for r in con.execute("DESCRIBE meters").fetchall()]
        assert {"capacity_kva", "caliber_mm"} <= set(cols)
        prep = _load(con, METERS, "meters.csv")
        assert prep.ok, prep.problems
        commit(con, prep, "test")  # replaces E-I001: its old row goes to the shadow table, by name
        assert con.execute("SELECT capacity_kva FROM meters WHERE meter_id = 'E-I001'").fetchall() == [(100.0,)]
        assert con.execute("SELECT count(*) FROM meters__replaced").fetchall() == [(1,)]
