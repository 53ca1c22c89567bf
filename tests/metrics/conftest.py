"""A tiny county for the metric views, written straight into the tables (the loader has its own tests).

Two institutions, two years (2022, 2023: the Guangxi grid factor changes from 0.4044 to 0.4476 kgCO2/kWh,
national 0.5366 -> 0.5306, South 0.3869 -> 0.4042; 当量值 0.1229, 等价值 0.3 kgce/kWh; gas 1.2143 kgce/m3):

- I1 党政机关, 1,000 m2, 20 people: E1 electricity consumption (bill 1,000 kWh in 2022-01; bill 800 kWh in
  2023-01 and intervals of 500 + 499 kWh in the same month, which the bill beats), X1 an export meter
  (50 kWh, not bought), W1 water (30 and 25 m3), G1 gas (100 m3 in 2023-01).
- I2 学校, 4,000 m2, 400 people: E2 grid import (2,000 kWh 2023-01, 1,500 kWh 2023-02 estimated) and a PV
  site generating 300 kWh in 2023-02, of which 100 exported (200 used on site).
- Fleet 2023: petrol car 50 L, diesel car 20 L, a 1,000 yuan top-up (money, not fuel), an EV charged
  10 kWh; three dispatches (one electric) of 10, 20 and 30 km.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.store.db import connect
from tests.conftest import copy_of

ROWS = {
    "institutions": ["('I1', '县财政局', '党政机关', 1000, 20, NULL, NULL, 0)",
                     "('I2', '城南二小', '学校', 4000, 400, NULL, NULL, 0)"],
    "meters": ["('E1', 'I1', 'electricity', 'kWh', 'billing', 'consumption', 'A1', 1, 0)",
               "('X1', 'I1', 'electricity', 'kWh', 'interval', 'export', NULL, 1, 0)",
               "('W1', 'I1', 'water', 'm3', 'billing', 'consumption', 'B1', 1, 0)",
               "('G1', 'I1', 'gas', 'm3', 'billing', 'consumption', 'C1', 1, 0)",
               "('E2', 'I2', 'electricity', 'kWh', 'billing', 'import', 'A2', 1, 0)"],
}
# columns named where a table has gained optional ones since (meters: capacity_kva, caliber_mm)
COLUMNS = {"meters": "(meter_id, institution_id, kind, unit, resolution, measures, account_no, multiplier, batch_id)"}
READINGS = [  # meter, start, end, source, kWh, m3, estimated
    ("E1", "2022-01-01", "2022-02-01", "bill", 1000, None, False),
    ("E1", "2023-01-01", "2023-02-01", "bill", 800, None, False),
    ("E1", "2023-01-10 00:00", "2023-01-10 01:00", "interval", 500, None, None),
    ("E1", "2023-01-10 01:00", "2023-01-10 02:00", "interval", 499, None, None),
    ("X1", "2023-01-05 12:00", "2023-01-05 13:00", "interval", 50, None, None),
    ("W1", "2022-01-01", "2022-02-01", "bill", None, 30, False),
    ("W1", "2023-01-01", "2023-02-01", "bill", None, 25, False),
    ("G1", "2023-01-01", "2023-02-01", "bill", None, 100, False),
    ("E2", "2023-01-01", "2023-02-01", "bill", 2000, None, False),
    ("E2", "2023-02-01", "2023-03-01", "bill", 1500, None, True),
]


def build(db: Path) -> Path:
    with connect(db) as con:
        for table, rows in ROWS.items():
            con.execute(f"INSERT INTO {table} {COLUMNS.get(table, '')} VALUES {', '.join(rows)}")
        for m, a, b, src, kwh, m3, est in READINGS:
            con.execute("""INSERT INTO readings (meter_id, period_start, period_end, source, energy_kwh, water_m3,
                           estimated, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0)""", [m, a, b, src, kwh, m3, est])
        con.execute("""INSERT INTO pv_sites (site_id, name, institution_id, dc_kwp, status, batch_id)
                       VALUES ('S1', '城南二小屋顶', 'I2', 30, 'commissioned', 0)""")
        con.execute("""INSERT INTO pv_production VALUES ('S1', '2023-02-10 12:00', 60, 300, 100, 0)""")
        con.execute("""INSERT INTO vehicles (plate, fuel_type, batch_id) VALUES
                       ('P1', 'petrol', 0), ('D1', 'diesel', 0), ('V1', 'electric', 0)""")
        con.execute("""INSERT INTO fuel_fills (card_no, plate, ts, txn_type, product, fuel_l, amount_yuan, batch_id)
                       VALUES ('C-P1', 'P1', '2023-03-01 09:00', 'fuel', '92#汽油', 50, 400, 0),
                              ('C-D1', 'D1', '2023-03-02 09:00', 'fuel', '0#柴油', 20, 150, 0),
                              ('C-P1', 'P1', '2023-03-03 09:00', 'topup', NULL, NULL, 1000, 0)""")
        con.execute("""INSERT INTO charging_sessions (plate, start_ts, energy_kwh, batch_id)
                       VALUES ('V1', '2023-04-01 12:00', 10, 0)""")
        con.execute("""INSERT INTO dispatches (dispatch_id, plate, depart_at, distance_km, accident, batch_id)
                       VALUES ('T1', 'P1', '2023-03-01 08:00', 10, false, 0),
                              ('T2', 'D1', '2023-03-02 08:00', 20, false, 0),
                              ('T3', 'V1', '2023-04-01 08:00', 30, false, 0)""")
    return db


@pytest.fixture()
def view_db(tmp_path) -> Path:
    return copy_of("views", tmp_path, build)


@pytest.fixture()
def vcon(view_db):
    with connect(view_db) as con:
        yield con
