"""The demo data reproduces the 2023 summary when computed by the queries the pages use."""

from __future__ import annotations

import numpy as np
import pytest

from etl.metrics import figures
from etl.store.db import connect


@pytest.fixture(scope="module")
def con(demo_db):
    with connect(demo_db) as c:
        yield c


def test_logistics_figures_of_2023(con):
    y = figures.logistics_by_year(con, 2023, 2023).iloc[0]
    assert y["repairs_total"] == 225 and y["repairs_closed"] == 225
    assert 0.9 * 225 <= y["repairs_within_rule"] < 225  # the rule is measurable: a few broke it
    assert y["meetings_served"] >= 600
    assert (y["reception_groups"], y["reception_people"]) == (378, 4584)
    assert (y["canteen_groups"], y["canteen_people"]) == (167, 1899)
    assert (y["visitor_groups"], y["visitor_people"]) == (70, 2749)
    assert y["dispatches"] >= 3700 and y["fleet_accidents"] == 0


def test_pv_project(con):
    final = figures.pv_project(con, "2024-12-31")
    assert (final["sites_total"], final["roof_m2"], final["modules"]) == (34, 56104, 12804)
    assert 6900 < final["dc_kwp"] < 7000  # 540-550 W modules: about 6.9-7.0 MWp
    signed = figures.pv_project(con, "2023-06-12")
    assert (signed["sites_commissioned"], signed["roof_m2_commissioned"]) == (2, 3558)
    built = {r[0] for r in con.execute(
        "SELECT name FROM pv_sites WHERE commissioned_on <= DATE '2023-06-12'").fetchall()}
    assert built == {"城南二小屋顶光伏", "县第一幼儿园屋顶光伏"}
    jiangkou = con.execute("SELECT construction_started_on, commissioned_on FROM pv_sites "
                           "WHERE name LIKE '江口乡中心校%'").fetchall()[0]
    assert str(jiangkou[0]) <= "2023-06-30" < str(jiangkou[1])
    last = con.execute("SELECT min(commissioned_on), max(commissioned_on) FROM pv_sites "
                       "WHERE commissioned_on > DATE '2023-06-12' AND name NOT LIKE '江口乡%'").fetchall()[0]
    assert str(last[0]) >= "2023-09-01" and str(last[1]) <= "2024-03-31"


def test_pv_saving_rate_near_13_pct_in_2024(con):
    rate = figures.pv_saving_rate(con, 2024)["saving_rate_pct"]
    assert 12.0 <= rate <= 14.0


def test_certification_stages_at_end_of_2023(con):
    jieyue = dict(figures.certification_stages(con, "jieyue", "2023-12-31").values.tolist())
    jieshui = dict(figures.certification_stages(con, "jieshui", "2023-12-31").values.tolist())
    assert jieyue == {"city_passed": 25}
    assert jieshui == {"county_review": 138}


def test_registries_big_enough(con):
    n, types = con.execute("SELECT count(*), count(DISTINCT type) FROM institutions").fetchall()[0]
    assert n >= 150 and types == 4
    cars = dict(con.execute("SELECT fuel_type, count(*) FROM vehicles GROUP BY ALL").fetchall())
    assert 20 <= sum(cars.values()) <= 30 and set(cars) == {"petrol", "diesel", "hybrid", "electric"}
    assert con.execute("SELECT count(*) FROM charging_sessions").fetchall()[0][0] > 100
    fills = con.execute("SELECT count(*) FROM fuel_fills WHERE txn_type = 'fuel'").fetchall()[0][0]
    assert fills > 500


def test_meters_registered_capacity_holds_every_reading(con):
    """Every demo meter has 报装容量 (kVA) or 口径 (DN), and no demo reading is above what it allows."""
    from etl.ingest import capacity

    meters = con.execute("SELECT count(*) FROM meters").fetchall()[0][0]
    b = capacity.bounds(con)
    assert len(b) == meters and set(b["kind"]) == {"electricity", "water"}
    assert set(b.loc[b["kind"] == "water", "capacity"]) <= set(capacity.water_flows())
    rows = "(SELECT *, 0 AS _line FROM readings)"
    for qty in ("energy_kwh", "water_m3"):
        assert capacity.find(con, rows, qty, b).empty


def test_monthly_bills_for_every_institution_since_2020(con):
    per_meter = con.execute("""
        SELECT meter_id, count(*) FROM readings WHERE source = 'bill' GROUP BY ALL""").df()
    assert len(per_meter) == 2 * con.execute("SELECT count(*) FROM institutions").fetchall()[0][0]
    assert (per_meter.iloc[:, 1] >= 58).all()  # 60 months; one water meter misses two (an anomaly)


def test_bills_equal_sum_of_intervals_and_nothing_counts_twice(con):
    diff = con.execute("""
        WITH i AS (SELECT meter_id, date_trunc('month', period_start) AS m, sum(energy_kwh) AS kwh
                   FROM readings WHERE source = 'interval' GROUP BY ALL),
             b AS (SELECT meter_id, period_start AS m, energy_kwh AS kwh FROM readings WHERE source = 'bill')
        SELECT count(*), max(abs(i.kwh - b.kwh)) FROM i JOIN b USING (meter_id, m)""").fetchall()[0]
    assert diff[0] == 35 * 24 and diff[1] < 0.05
    total_bills = con.execute("SELECT sum(energy_kwh) FROM readings WHERE source = 'bill' "
                              "AND year(period_start) = 2024").fetchall()[0][0]
    import_2024 = figures.energy_by_year(con, 2024, 2024)["grid_import_kwh"].iloc[0]
    assert import_2024 == pytest.approx(total_bills)


def test_host_use_is_import_plus_generation_minus_export(con):
    row = con.execute("""
        SELECT sum(grid_import_kwh + pv_generation_kwh - pv_export_kwh), sum(electricity_use_kwh)
        FROM institution_month WHERE year(month) = 2024""").fetchall()[0]
    assert row[0] == pytest.approx(row[1])


def test_real_downward_trend_and_seasons(con):
    e = figures.energy_by_year(con, 2020, 2024).set_index("year")
    area = con.execute("SELECT sum(floor_area_m2) FROM institutions").fetchall()[0][0]
    per_m2 = e["electricity_use_kwh"] / area
    assert per_m2[2024] < per_m2[2022] < per_m2[2021]
    assert e["water_m3"].is_monotonic_decreasing
    m = figures.monthly_by_type(con, 2023)
    school = m[m["type"] == "学校"].set_index(m[m["type"] == "学校"]["month"].dt.month)["electricity_use_kwh"]
    office = m[m["type"] == "党政机关"].set_index(m[m["type"] == "党政机关"]["month"].dt.month)[
        "electricity_use_kwh"]
    assert school[8] < 0.6 * school[6]  # summer holiday
    assert office[8] > 1.3 * office[2]  # air-conditioning peak


def test_demo_flag_and_batches(con):
    assert figures.is_demo(con)
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM load_batches").fetchall()}
    assert {"electricity", "water", "pv", "fuel", "charging", "dispatches", "work_orders", "meetings",
            "receptions", "visitors", "institutions", "meters", "vehicles", "pv_sites",
            "certifications"} <= kinds


def test_partition_is_exact():
    from etl.demo.dataset import _partition

    parts = _partition(np.random.default_rng(1), 1899, 167)
    assert parts.sum() == 1899 and len(parts) == 167 and parts.min() >= 1


def test_intensities_and_targets(con):
    by_year = figures.intensity_by_year(con, 2020, 2024).set_index("year")
    area = con.execute("SELECT sum(floor_area_m2) FROM institutions").fetchall()[0][0]
    assert by_year.loc[2023, "energy_kgce_per_m2"] == pytest.approx(by_year.loc[2023, "energy_kgce"] / area)
    by_type = figures.intensity_by_year(con, 2023, 2023, group_by="type")
    # types add up to the buildings; the county adds the fleet's fuel (counted by default)
    fuel = figures.fleet_by_year(con, 2023, 2023).iloc[0]["fuel_kgce"]
    assert by_type["energy_kgce"].sum() == pytest.approx(by_year.loc[2023, "buildings_kgce"])
    assert by_year.loc[2023, "energy_kgce"] == pytest.approx(by_type["energy_kgce"].sum() + fuel)
    progress = figures.target_progress(con, 2024).set_index("target_id")
    assert set(progress.index) == {"energy_per_m2", "energy_per_person", "water_per_person", "co2_per_m2"}
    assert progress.loc["energy_per_m2", "path_pct"] == pytest.approx(-5 * 4 / 5)
    assert (progress["change_pct"] < 0).all()


def test_target_status_rule():
    assert figures.target_status(-4.5, -4.0) == "on_track"
    assert figures.target_status(-2.0, -4.0) == "at_risk"
    assert figures.target_status(1.0, -4.0) == "off_track"
    assert figures.target_status(None, -4.0) is None


def test_fleet_figures_by_hand(con):
    f = figures.fleet_by_year(con, 2023, 2023).iloc[0]
    petrol_l, diesel_l = con.execute("""
        SELECT sum(fuel_l) FILTER (WHERE v.fuel_type <> 'diesel'), sum(fuel_l) FILTER (WHERE v.fuel_type = 'diesel')
        FROM fuel_fills f JOIN vehicles v USING (plate) WHERE txn_type = 'fuel' AND year(ts) = 2023""").fetchall()[0]
    kwh = con.execute("SELECT sum(energy_kwh) FROM charging_sessions WHERE year(start_ts) = 2023").fetchall()[0][0]
    # factors.csv: densities 0.73 / 0.84 kg/L, 2.925 / 3.096 kgCO2/kg, Guangxi grid 2023 0.4476 kgCO2/kWh
    co2_t = (petrol_l * 0.73 * 2.925 + diesel_l * 0.84 * 3.096 + kwh * 0.4476) / 1000
    assert f["fleet_co2_t"] == pytest.approx(co2_t)
    assert f["dispatches"] >= 3700 and 0 < f["electric_share_pct"] < 100
