"""Official vehicles: loader aliases, per car figures, emissions, the fuel-card checks and the scenario, each
against values computed by hand on a small fixture (etl/metrics/fleet.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from etl.ingest.loader import commit, prepare
from etl.metrics import fleet
from etl.store import db as store_db
from etl.store import users
from etl.store.db import connect
from tests.conftest import copy_of

# factors of data/factors.csv for 2023 (the test fails when they change, so a changed factor is seen)
PETROL_KG_L, DIESEL_KG_L = 0.73, 0.84
PETROL_CO2_KG, DIESEL_CO2_KG = 2.925, 3.096
GRID_2023 = 0.4476

VEHICLES = """车牌号,车型,能源类型,油箱容积(L),电池容量(kWh),油卡号,百公里油耗,百公里电耗,购置日期,注册登记日期,排量,使用方式
桂B·A0001,凯美瑞,汽油,50,,C1,8,,2015-01-10,2015-02-01,2.0,统筹调度
桂B·A0002,海狮,柴油,70,,C2,10,,2012-05-01,,2.7,定向保障
桂B·E0003,汉EV,纯电动,,60,,,15,2022-03-01,2022-03-05,,统筹调度
桂B·P0004,秦PLUS,插电式混合动力,48,8.3,C4,4,,2023-01-05,,1.5,统筹调度
"""
DISPATCHES = """派车单号,车牌号,驾驶员,出车时间,回车时间,目的地,用车事由,用车单位,行驶里程(km),出车里程,回车里程,是否事故
D1,桂B·A0001,李师傅,2023-03-01 08:00,2023-03-01 12:00,中渡镇,会议保障,县政府办,95,10000,10100,否
D2,桂B·A0001,李师傅,2023-03-02 08:00,2023-03-02 11:00,县城内,文件送达,县委办,50,,,否
D3,桂B·A0001,韦师傅,2023-03-15 08:00,2023-03-15 12:00,寨沙镇,检查调研,县财政局,90,10150,10250,否
D4,桂B·A0002,覃师傅,2023-03-03 08:00,2023-03-03 17:00,柳州市区,公务接待,县政府办,200,20000,20200,否
D5,桂B·E0003,莫师傅,2023-03-04 08:00,2023-03-04 10:00,县城内,会议保障,县委办,80,,,否
D6,桂B·A0001,李师傅,2022-06-01 08:00,2022-06-01 12:00,中渡镇,会议保障,县政府办,100,,,否
"""
FUEL = """卡号,车牌号,交易时间,交易类型,油品,数量(升),单价(元/升),金额(元),加油站,里程表读数
C1,桂B·A0001,2023-03-02 12:00,加油,92#汽油,20,8,160,城南站,10150
C1,桂B·A0001,2023-03-15 13:00,加油,92#汽油,8,8,64,城南站,10250
C2,桂B·A0002,2023-03-03 18:00,加油,0#柴油,20,7.5,150,城南站,
C1,桂B·A0001,2022-06-01 13:00,加油,92#汽油,10,7,70,城南站,
"""
CHARGING = """车牌号,开始时间,结束时间,充电量(kWh),充电费用(元),充电站
桂B·E0003,2023-03-04 14:00,2023-03-04 15:00,12,13.8,行政中心充电桩1
"""
COSTS = """车牌号,费用日期,费用类别,金额,备注
桂B·A0001,2023-03-20,保养,500,更换机油
"""


def _load(con, text: str, name: str, kind: str | None = None):
    prep = prepare(con, text.encode(), name, kind)
    assert prep.ok, [str(p) for p in prep.errors]
    commit(con, prep, "test")
    return prep


@pytest.fixture()
def fleet_db(tmp_path) -> Path:
    return copy_of("f", tmp_path, _build_fleet)


def _build_fleet(db: Path) -> None:
    with connect(db) as con:
        for text, name in ((VEHICLES, "vehicles.csv"), (DISPATCHES, "dispatches.csv"), (FUEL, "fuel.csv"),
                           (CHARGING, "charging.csv"), (COSTS, "costs.csv")):
            _load(con, text, name)


# ------------------------------------------------------------------ loading


def test_fuel_types_as_the_registration_certificate_writes_them(fleet_db):
    with connect(fleet_db) as con:
        v = fleet.vehicles(con).set_index("plate")
    assert v["fuel_type"].to_dict() == {"桂B·A0001": "petrol", "桂B·A0002": "diesel", "桂B·E0003": "electric",
                                        "桂B·P0004": "phev"}
    assert v.loc["桂B·A0001", "use_mode"] == "pooled" and v.loc["桂B·A0002", "use_mode"] == "assigned"
    assert v.loc["桂B·A0001", "registration_year"] == 2015  # registration date before purchase date
    assert v.loc["桂B·A0002", "registration_year"] == 2012  # no registration date: the purchase date
    assert v.loc["桂B·A0001", "displacement_l"] == 2.0


def test_odometer_aliases_and_costs_are_read(fleet_db):
    with connect(fleet_db) as con:
        d = con.execute("SELECT dispatch_id, odo_out_km, odo_back_km FROM dispatches ORDER BY 1").df()
        f = con.execute("SELECT odometer_km FROM fuel_fills WHERE card_no = 'C1' ORDER BY ts").df()
        c = con.execute("SELECT category, amount_yuan FROM vehicle_costs").fetchall()
    assert d.set_index("dispatch_id").loc["D1"].tolist() == [10000, 10100]
    assert f["odometer_km"].tolist()[1:] == [10150, 10250]
    assert c == [("service", 500.0)]


def test_unknown_plate_or_card_is_a_warning_naming_the_registry(fleet_db):
    with connect(fleet_db) as con:
        prep = prepare(con, ("派车单号,车牌号,出车时间,行驶里程\nX1,桂B·Z9999,2023-04-01 08:00,10\n").encode(), "d.csv")
        assert prep.ok and len(prep.warnings) == 1
        assert "vehicle registry (kind: vehicles)" in prep.warnings[0].fix
        prep = prepare(con, ("卡号,交易时间,数量(升),金额\nC9,2023-04-01 08:00,10,80\n").encode(), "f.csv")
        assert prep.ok and [w.message for w in prep.warnings] == ["card belongs to no vehicle"]


def test_odometer_back_lower_than_out_is_an_error(fleet_db):
    with connect(fleet_db) as con:
        prep = prepare(con, ("派车单号,车牌号,出车时间,出车里程,回车里程\nX1,桂B·A0001,2023-04-01 08:00,500,400\n"
                             ).encode(), "d.csv")
    assert not prep.ok and "lower than odometer out" in prep.errors[0].message


# ------------------------------------------------------------------ figures


def test_per_car_figures_by_hand(fleet_db):
    with connect(fleet_db) as con:
        c = fleet.cars(con, 2023).set_index("plate")
    a = c.loc["桂B·A0001"]
    assert a["km"] == 100 + 50 + 100       # D1 and D3 by odometer (not 95, 90), D2 by distance
    assert a["fuel_l"] == 28 and a["dispatches"] == 3 and a["days_used"] == 3
    assert a["l_per_100km"] == pytest.approx(100 * 28 / 250)
    assert a["cost_yuan"] == pytest.approx(160 + 64 + 500)
    assert a["cost_per_km_yuan"] == pytest.approx(724 / 250)
    assert a["co2_kg"] == pytest.approx(28 * PETROL_KG_L * PETROL_CO2_KG)
    assert a["co2_kg_per_dispatch"] == pytest.approx(28 * PETROL_KG_L * PETROL_CO2_KG / 3)
    b = c.loc["桂B·A0002"]
    assert b["km"] == 200 and b["co2_kg"] == pytest.approx(20 * DIESEL_KG_L * DIESEL_CO2_KG)
    assert b["l_per_100km"] == pytest.approx(10.0)
    e = c.loc["桂B·E0003"]
    assert e["km"] == 80 and e["charge_kwh"] == 12 and e["kwh_per_100km"] == pytest.approx(15.0)
    assert e["co2_kg"] == pytest.approx(12 * GRID_2023) and pd.isna(e["l_per_100km"])
    assert e["cost_per_km_yuan"] == pytest.approx(13.8 / 80)
    assert "桂B·P0004" not in c.index  # no record in 2023


def test_fleet_totals_shares_and_previous_year_by_hand(fleet_db):
    with connect(fleet_db) as con:
        t = fleet.totals(con, 2023)
    co2 = 28 * PETROL_KG_L * PETROL_CO2_KG + 20 * DIESEL_KG_L * DIESEL_CO2_KG + 12 * GRID_2023
    assert t["km"] == 530 and t["fuel_l"] == 48 and t["charge_kwh"] == 12 and t["dispatches"] == 5
    assert t["co2_kg"] == pytest.approx(co2) and t["co2_t"] == pytest.approx(co2 / 1000)
    assert t["co2_kg_per_km"] == pytest.approx(co2 / 530) and t["co2_kg_per_dispatch"] == pytest.approx(co2 / 5)
    assert t["cost_yuan"] == pytest.approx(160 + 64 + 500 + 150 + 13.8)
    assert t["electric_km_share_pct"] == pytest.approx(100 * 80 / 530)
    assert t["electrified_km_share_pct"] == pytest.approx(100 * 80 / 530)
    prev = t["previous"]
    assert prev["km"] == 100 and prev["fuel_l"] == 10
    assert prev["co2_kg"] == pytest.approx(10 * PETROL_KG_L * PETROL_CO2_KG)  # 2022 factors are the same
    assert t["change_pct"]["km"] == pytest.approx(100 * (530 - 100) / 100)


def test_age_against_cost_per_km(fleet_db):
    with connect(fleet_db) as con:
        g = fleet.age_cost(con, 2023).set_index("registration_year")
    assert g.loc[2015, "cost_per_km_yuan"] == pytest.approx(724 / 250)
    assert g.loc[2012, "cost_per_km_yuan"] == pytest.approx(150 / 200)
    assert g.loc[2022, "age_years"] == 1


def test_monthly_and_breakdowns(fleet_db):
    with connect(fleet_db) as con:
        m = fleet.monthly(con, 2023, "桂B·A0001")
        by_unit = fleet.dispatch_breakdown(con, 2023, "unit").set_index("key")
        tl = fleet.car_timeline(con, "桂B·A0001", 2023)
    assert m["km"].tolist() == [250] and m["maintenance_yuan"].tolist() == [500]
    assert by_unit.loc["县政府办", "dispatches"] == 2 and by_unit.loc["县政府办", "km"] == 300
    assert tl["event"].tolist().count("dispatch") == 3 and tl["event"].tolist().count("fill") == 2
    assert "cost_service" in tl["event"].tolist()


def test_fleet_fuel_co2_agrees_with_the_kpi_figure(fleet_db):
    from etl.metrics import figures

    with connect(fleet_db) as con:
        t = fleet.totals(con, 2023)
        f = figures.fleet_by_year(con, 2023, 2023).iloc[0]
    assert t["co2_fuel_kg"] / 1000 == pytest.approx(f["fuel_co2_t"])
    assert t["co2_charge_kg"] / 1000 == pytest.approx(f["charging_co2_t"])


def test_scenario_arithmetic_by_hand(fleet_db):
    with connect(fleet_db) as con:
        s = fleet.scenario(con, 2023, 1, "co2_kg", ev_kwh_per_100km=15, price_yuan_kwh=1.2, purchase_yuan=150000)
        s2 = fleet.scenario(con, 2023, 5, "cost_per_km_yuan", 15, 1.2, 150000)
    # the highest CO2 fuel car is A0001 (28 L petrol = 59.8 kg) over B (20 L diesel = 52.0 kg)
    assert s["cars"]["plate"].tolist() == ["桂B·A0001"]
    new_kwh = 250 * 15 / 100
    saved_kg = 28 * PETROL_KG_L * PETROL_CO2_KG - new_kwh * GRID_2023
    saved_yuan = 224 - new_kwh * 1.2
    assert s["saved_co2_t"] == pytest.approx(saved_kg / 1000)
    assert s["saved_yuan_per_year"] == pytest.approx(saved_yuan)
    assert s["payback_years"] == pytest.approx(150000 / saved_yuan)
    assert s2["n"] == 2 and s2["cars"]["plate"].tolist() == ["桂B·A0001", "桂B·A0002"]  # electric cars are not replaced


# ------------------------------------------------------------------ checks

CLEAN_VEHICLES = """车牌号,能源类型,油箱容积(L),油卡号,百公里油耗
桂B·A0001,汽油,50,C1,8
桂B·A0002,汽油,50,C2,8
"""


def _clean_log(days: int = 8) -> tuple[list[str], list[str]]:
    """Car A drives 100 km each weekday (odometer) and fills 8 L (8 L/100 km) after each trip."""
    disp, fills = [], []
    for i in range(days):
        day = f"2023-05-{i + 1:02d}"
        disp.append(f"D{i},桂B·A0001,{day} 08:00,{day} 12:00,100,{10000 + 100 * i},{10100 + 100 * i}")
        fills.append(f"C1,桂B·A0001,{day} 12:30,加油,92#汽油,8,8,64,{10100 + 100 * i}")
    return disp, fills


def _checks_db(tmp_path: Path, extra_disp=(), extra_fills=(), change=None, topup: float | None = None) -> Path:
    disp, fills = _clean_log()
    if change:
        change(disp, fills)
    spend = sum(float(r.split(",")[7]) for r in [*fills, *extra_fills] if r.startswith("C1,"))
    topups = [f"C1,桂B·A0001,2023-05-31 09:00,圈存,,,,{spend if topup is None else topup},"]
    db = tmp_path / "c.duckdb"
    with connect(db) as con:
        _load(con, CLEAN_VEHICLES, "v.csv")
        _load(con, "派车单号,车牌号,出车时间,回车时间,行驶里程,出车里程,回车里程\n"
              + "\n".join([*disp, *extra_disp]) + "\n", "d.csv")
        _load(con, "卡号,车牌号,交易时间,交易类型,油品,数量(升),单价,金额,里程表读数\n"
              + "\n".join([*fills, *extra_fills, *topups]) + "\n", "f.csv", "fuel")
    return db


def _flags(db: Path, code: str | None = None) -> pd.DataFrame:
    with connect(db) as con:
        return fleet.flags(con, 2023, (code,) if code else fleet.CHECK_CODES)


def test_clean_log_raises_no_flag(tmp_path):
    assert _flags(_checks_db(tmp_path)).empty


def _replace(i: int, row: str):
    def change(disp, fills):
        fills[i] = row
    return change


@pytest.mark.parametrize("code, kwargs, ts, evidence", [
    ("over_tank", {"change": _replace(3, "C1,桂B·A0001,2023-05-04 12:30,加油,92#汽油,53,8,424,")},
     "2023-05-04 12:30", {"fuel_l": 53.0, "tank_l": 50.0, "limit_l": 52.5}),
    ("no_dispatch_day", {"extra_fills": ["C1,桂B·A0001,2023-05-20 10:00,加油,92#汽油,5,8,40,"]},
     "2023-05-20 10:00", {"fill_date": "2023-05-20", "last_dispatch": "2023-05-08", "next_dispatch": None}),
    ("consumption_band", {"change": _replace(5, "C1,桂B·A0001,2023-05-06 12:30,加油,92#汽油,12,8,96,10600")},
     "2023-05-06 12:30", {"l_per_100km": 12.0, "km": 100.0, "fuel_l": 12.0, "car_median": 8.0,
                          "band": [5.6, 10.8]}),
    ("too_close", {"extra_fills": ["C1,桂B·A0001,2023-05-03 15:00,加油,92#汽油,30,8,240,"]},
     "2023-05-03 15:00", {"fuel_l": 30.0, "previous_fill": "2023-05-03 12:30:00", "km_dispatched": 0.0,
                          "usual_l_per_100km": 8.0, "explainable_l": 0.0}),
    ("over_cap", {"change": _replace(2, "C1,桂B·A0001,2023-05-03 12:30,加油,92#汽油,8,8,760,10300")},
     "2023-05-03 12:30", {"amount_yuan": 760.0, "fuel_l": 8.0, "cap_yuan": 700.0}),
    ("wrong_card", {"change": _replace(4, "C2,桂B·A0001,2023-05-05 12:30,加油,92#汽油,8,8,64,10500")},
     "2023-05-05 12:30", {"card_no": "C2", "card_of": "桂B·A0002", "filled_car": "桂B·A0001"}),
    ("topup_mismatch", {"topup": 3000.0},
     "2023-05-01 00:00", {"month": "2023-05", "topup_yuan": 3000.0, "fuel_yuan": 512.0, "difference_yuan": 2488.0}),
])
def test_each_check_fires_on_its_fixture_with_evidence(tmp_path, code, kwargs, ts, evidence):
    db = _checks_db(tmp_path, **kwargs)
    f = _flags(db, code)
    assert len(f) == 1, f
    assert f.iloc[0]["plate"] == "桂B·A0001" and f.iloc[0]["ts"] == pd.Timestamp(ts)
    assert json.loads(f.iloc[0]["evidence"]) == evidence
    assert not f.iloc[0]["explained"]


def test_explain_flag_checks_the_role_and_keeps_who_and_when(tmp_path):
    db = _checks_db(tmp_path, extra_fills=["C1,桂B·A0001,2023-05-20 10:00,加油,92#汽油,5,8,40,"])
    with connect(db) as con:
        users.add_user(con, "officer1", "officer", "correct horse 1")
        users.add_user(con, "admin1", "admin", "correct horse 2")
        f = fleet.flags(con, 2023).iloc[0]
        with pytest.raises(fleet.NotAllowed):
            fleet.explain_flag(con, f["code"], f["plate"], f["ts"], "ok", "nobody")
        with pytest.raises(ValueError):
            fleet.explain_flag(con, f["code"], f["plate"], f["ts"], "  ", "officer1")
        with pytest.raises(ValueError):
            fleet.explain_flag(con, "over_cap", f["plate"], f["ts"], "no such flag", "officer1")
        fleet.explain_flag(con, f["code"], f["plate"], f["ts"], "周末应急保障，已补派车单", "officer1",
                           now=datetime(2024, 1, 5, 9, 0))
        after = fleet.flags(con, 2023)
        t = fleet.totals(con, 2023)
    assert len(after) == 1 and bool(after.iloc[0]["explained"])  # still visible
    assert after.iloc[0]["explained_by"] == "officer1" and after.iloc[0]["note"] == "周末应急保障，已补派车单"
    assert after.iloc[0]["explained_at"] == pd.Timestamp("2024-01-05 09:00")
    assert t["flags_open"] == 0 and t["flags_explained"] == 1


def test_cli_fleet_json(fleet_db, capsys):
    from etl.__main__ import main

    assert main(["fleet", "--year", "2023", "--format", "json", "--db", str(fleet_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"year", "cars", "totals", "flags"} and out["year"] == 2023
    car = next(c for c in out["cars"] if c["plate"] == "桂B·A0001")
    assert set(car) == {"plate", "km", "fuel_l", "charge_kwh", "l_per_100km", "kwh_per_100km", "co2_kg",
                        "cost_yuan", "cost_per_km_yuan"}
    assert car["km"] == 250 and car["cost_yuan"] == pytest.approx(724)
    assert out["totals"]["km"] == 530
    for f in out["flags"]:
        assert set(f) == {"code", "plate", "ts", "evidence", "explained"}


def test_settings_are_documented_with_a_source(empty_db):
    with connect(empty_db) as con:
        df = fleet.settings_table(con)
        s = fleet.settings(con)
    assert len(df) and df["source"].notna().all() and df["help_zh"].notna().all() and df["help_en"].notna().all()
    import inspect

    src = inspect.getsource(fleet)
    for name in s:
        assert f"'{name}'" in src or f'"{name}"' in src, f"setting {name} is not used"


# ------------------------------------------------------------------ the demo


def test_demo_fleet_finds_every_planted_irregularity_and_nothing_else(demo_db, demo_files):
    from etl.demo import fleet as demo_fleet

    planted = demo_fleet.planted(demo_files)
    assert {p["code"] for p in planted} == set(fleet.CHECK_CODES)
    with connect(demo_db) as con:
        report = fleet.report(con, 2023)
        n_2023 = con.execute("SELECT count(*) FROM dispatches WHERE year(depart_at) = 2023").fetchall()[0][0]
        odo = con.execute("SELECT count(*) FILTER (WHERE odo_out_km IS NULL) FROM dispatches").fetchall()[0][0]
        seconded = fleet.secondments(con, "2023-04-01", "2023-04-30")
        other_years = fleet.flags(con, None)
    found = {(f["code"], f["plate"], f["ts"]) for f in report["flags"]}
    assert found == {(p["code"], p["plate"], p["ts"]) for p in planted}
    assert set(other_years["ts"].dt.year) == {2023}  # the clean years raise nothing
    assert n_2023 == 3726 and odo == 0
    assert len(seconded) == 3 and set(seconded["start_on"].astype(str)) == {"2023-03-30"}
    assert (seconded["dispatches"] > 0).all()
    t = report["totals"]
    assert t["dispatches"] == 3726 and t["maintenance_yuan"] > 0 and 0 < t["electrified_km_share_pct"] < 100
    assert t["previous"]["km"] > 0


def test_a_database_built_before_the_fleet_columns_gets_them(tmp_path):
    """An existing database gains the new columns empty; its shadow table keeps the loader's column order."""
    from etl.store.schema import TABLES, columns

    db = tmp_path / "old.duckdb"
    with connect(db) as con:
        for table in ("dispatches", "dispatches__replaced"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN odo_out_km")
            con.execute(f"ALTER TABLE {table} DROP COLUMN odo_back_km")
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'schema_version'")
    store_db.close_all()  # the process keeps one instance open: the next open is the one that upgrades
    with connect(db) as con:
        main = columns(con, "dispatches")
        shadow = columns(con, "dispatches__replaced")
        _load(con, VEHICLES, "v.csv")
        _load(con, DISPATCHES, "d.csv")
        _load(con, DISPATCHES.replace("10100", "10120"), "d2.csv")  # replaces D1: a row goes to the shadow table
        moved = con.execute("SELECT odo_back_km FROM dispatches__replaced").fetchall()
    assert "odo_out_km" in main and shadow[:-2] == [c for c in main if c != "batch_id"]
    assert shadow[-2:] == ["batch_id", "replaced_by"] and "odo_back_km" in TABLES["dispatches"][0]
    assert (10100.0,) in moved
