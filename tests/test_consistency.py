"""Values of one row that cannot all be true together (issue 13): a fuel fill's 金额 against 升 × 单价.

By hand: 40 x 7.85 = 314.00 (the amount 314.00 is right; 300.00 is a 4.5 % card discount, under the 15 % of
data/load_checks.csv); 314 L x 7.85 = 2,464.90 against 40.00 (litres and amount swapped); 45.5 x 7.90 = 359.45
against 3,594.50 (a decimal point moved). Top-ups carry no litres and are not judged.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from etl.ingest import pv_portal
from etl.ingest.loader import NotAccepted, commit, prepare
from etl.store.db import connect
from tests.test_corpus_real import real_db  # noqa: F401 - the fixture (two cars with fuel cards)

NOW = datetime(2025, 6, 1)
HEAD = "卡号,车牌号,交易时间,交易类型,油品,数量(升),单价(元/升),金额(元),加油站\n"
ROWS = ("9030000012345678,桂B·A1234,2023-03-01 09:10,加油,92#汽油,40,7.85,314.00,鹿寨城南站\n"
        "9030000012345678,桂B·A1234,2023-03-08 09:10,加油,92#汽油,40,7.85,300.00,鹿寨城南站\n"
        "9030000012345678,桂B·A1234,2023-03-15 09:10,加油,92#汽油,314,7.85,40.00,鹿寨城南站\n"
        "9030000012349999,桂B·A5678,2023-03-16 10:00,加油,0#柴油,45.5,7.90,\"3,594.50\",鹿寨城北站\n"
        "9030000012345678,,2023-03-20 08:00,圈存,,,,2000.00,县财政统一圈存\n")


def test_fuel_amount_far_from_litres_times_price_is_a_warning(real_db):  # noqa: F811
    with connect(real_db) as con:
        prep = prepare(con, (HEAD + ROWS).encode("gb18030"), "card.csv", now=NOW)
        assert prep.ok, [str(p) for p in prep.errors]
        warns = [p for p in prep.warnings if p.code == "fuel_amount_differs"]
        assert [p.line for p in warns] == [4, 5]
        assert "314 L × 7.85 yuan/L = 2,464.90 yuan, but the amount is 40.00 yuan" in warns[0].message
        assert "swapped" in warns[0].message and "15%" in warns[0].message
        assert "45.5 L × 7.9 yuan/L = 359.45 yuan" in warns[1].message and "decimal point" in warns[1].message
        assert "升数与金额填反" in warns[0].text("zh")[0]
        with pytest.raises(NotAccepted):
            commit(con, prep, "test", accept_warnings=False)
        assert con.execute("SELECT count(*) FROM fuel_fills").fetchall() == [(0,)]
        commit(con, prep, "test", accept_warnings=True)
        assert con.execute("SELECT sum(fuel_l) FROM fuel_fills").fetchall() == [(439.5,)]


def test_the_tolerance_is_the_setting(real_db, monkeypatch):  # noqa: F811
    real = pv_portal.settings
    monkeypatch.setattr(pv_portal, "settings", lambda: {**real(), "fuel_amount_tolerance": 0.01})
    with connect(real_db) as con:
        prep = prepare(con, (HEAD + ROWS).encode(), "card.csv", now=NOW)
    assert [p.line for p in prep.warnings if p.code == "fuel_amount_differs"] == [3, 4, 5]  # the 4.5 % too


def test_a_statement_without_unit_price_is_not_judged(real_db):  # noqa: F811
    text = "卡号,交易时间,数量(升),金额(元)\n9030000012345678,2023-03-01 09:10,314,40.00\n"
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "card.csv", now=NOW)
    assert prep.ok and not [p for p in prep.warnings if p.code == "fuel_amount_differs"]


def test_water_usage_against_registers_names_values_and_cause(real_db):  # noqa: F811
    """用水量 against 本月读数 − 上月读数: (5598 − 5321) x 1 = 277; 2770 is off (a misread), 277000 a factor 1000."""
    text = ("用户号,账期,上月读数,本月读数,用水量(吨)\n"
            "88000001,2023-01,5321,5598,277\n"
            "88000001,2023-02,5598,5875,2770\n"
            "88000001,2023-03,5875,6152,277000\n")
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "water.csv", now=NOW)
    w = [p for p in prep.warnings if p.code == "usage_differs_registers"]
    assert [p.line for p in w] == [3, 4]
    assert "usage 2,770 differs from (current 5,875 − previous 5,598 register) × multiplier 1 = 277" in w[0].message
    assert "misread" in w[0].message and "factor of 1000" in w[1].message
    assert "升当成吨" in w[1].text("zh")[0]


def test_electricity_multiplier_not_applied_or_twice(real_db):  # noqa: F811
    """E-I002 has 倍率 40: (160 − 100) x 40 = 2400; 60 is the multiplier left out, 96000 applied twice."""
    text = ("户号,账期,上次示数,本次示数,倍率,抄见电量(kWh)\n"
            "0450000002,2023-01,100,160,40,2400\n0450000002,2023-02,160,220,40,60\n"
            "0450000002,2023-03,220,280,40,96000\n")
    with connect(real_db) as con:
        prep = prepare(con, text.encode(), "bill.csv", now=NOW)
    w = {p.line: p.message for p in prep.warnings if p.code == "usage_differs_registers"}
    assert set(w) == {3, 4}
    assert "not applied" in w[3] and "applied twice" in w[4]


CARS = "车牌号,车型,能源类型,电池容量(kWh)\n桂B·E0001,比亚迪e5,纯电动,60.5\n桂B·E0002,五菱宏光MINIEV,纯电动,13.9\n"
# by hand: 60.5 x 1.25 = 75.6 kWh is the most one session can draw (data/load_checks.csv charge_over_battery);
# 72.0 passes (a near-empty battery through an AC charger), 80.0 and 18.0 (13.9 x 1.25 = 17.4) do not
CHARGES = ("车牌号,开始时间,结束时间,充电量(kWh),订单金额(元)\n"
           "桂B·E0001,2023-03-01 12:00,2023-03-01 14:00,72.0,86.40\n"
           "桂B·E0001,2023-03-05 12:00,2023-03-05 15:00,80.0,96.00\n"
           "桂B·E0002,2023-03-06 12:00,2023-03-06 17:00,18.0,21.60\n"
           "桂B·X9999,2023-03-07 12:00,2023-03-07 13:00,200.0,240.00\n")


def test_a_charging_session_above_the_cars_battery_is_a_warning(registry_db):
    with connect(registry_db) as con:
        commit(con, prepare(con, CARS.encode(), "cars.csv", now=NOW), "test")
        prep = prepare(con, CHARGES.encode("gb18030"), "charging.csv", now=NOW)
        assert prep.ok, [str(p) for p in prep.errors]
        warns = [p for p in prep.warnings if p.code == "charge_above_battery"]
        assert [p.line for p in warns] == [3, 4]  # the unknown car (line 5) is a registry warning, not this
        assert "桂B·E0001 drew 80.00 kWh in one session, more than its 60.5 kWh battery" in warns[0].message
        assert "at most 75.6 kWh" in warns[0].message and "Wh rather than kWh" in warns[0].message
        assert "at most 17.4 kWh" in warns[1].message
        assert "两次充电合成一单" in warns[0].text("zh")[0]
        with pytest.raises(NotAccepted):
            commit(con, prep, "test", accept_warnings=False)
        assert con.execute("SELECT count(*) FROM charging_sessions").fetchall() == [(0,)]
        commit(con, prep, "test", accept_warnings=True)
        assert con.execute("SELECT sum(energy_kwh) FROM charging_sessions").fetchall() == [(370.0,)]
