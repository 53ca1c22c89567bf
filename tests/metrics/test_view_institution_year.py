"""institution_month and institution_year: energy of every kind, water, area, people, intensities by hand."""

from __future__ import annotations

from numpy.testing import assert_allclose


def _iy(con, inst: str, year: int, coal: str = "dangliang", grid: str = "guangxi") -> dict:
    df = con.execute("SELECT * FROM institution_year WHERE institution_id = ? AND year = ? AND coal = ? AND grid = ?",
                     [inst, year, coal, grid]).df()
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_pv_host_month(vcon):
    m = vcon.execute("SELECT * FROM institution_month WHERE institution_id = 'I2' AND month = '2023-02-01'").df()
    r = m.iloc[0]
    # grid import 1,500 + PV 300 - export 100 = 1,700 kWh used; 200 kWh of PV used on site
    assert_allclose([r["grid_import_kwh"], r["pv_generation_kwh"], r["pv_export_kwh"], r["pv_self_use_kwh"],
                     r["electricity_use_kwh"]], [1500, 300, 100, 200, 1700])


def test_institution_with_electricity_gas_and_water(vcon):
    r = _iy(vcon, "I1", 2023)
    # 800 kWh x 0.1229 = 98.32 kgce, 100 m3 gas x 1.2143 = 121.43 kgce; the export meter's 50 kWh is not bought
    assert_allclose([r["electricity_kgce"], r["gas_kgce"], r["energy_kgce"]], [98.32, 121.43, 219.75])
    assert_allclose([r["grid_import_kwh"], r["gas_m3"], r["water_m3"]], [800, 100, 25])
    assert_allclose(r["co2_t"], 800 * 0.4476 / 1000)
    assert_allclose([r["floor_area_m2"], r["people"]], [1000, 20])
    assert_allclose([r["energy_kgce_per_m2"], r["energy_kgce_per_person"], r["water_m3_per_person"],
                     r["co2_kg_per_m2"]], [0.21975, 10.9875, 1.25, 0.35808])


def test_year_and_choice_pick_the_factor(vcon):
    r = _iy(vcon, "I1", 2022, "dengjia", "national")
    assert_allclose([r["energy_kgce"], r["co2_t"], r["energy_kgce_per_m2"]], [300.0, 0.5366, 0.3])


def test_pv_host_year(vcon):
    r = _iy(vcon, "I2", 2023)
    assert_allclose([r["grid_import_kwh"], r["electricity_use_kwh"], r["pv_self_use_kwh"]], [3500, 3700, 200])
    assert_allclose([r["energy_kgce"], r["co2_t"]], [430.15, 1.5666])
    # PV used on site: a saving at the same factors
    assert_allclose([r["pv_avoided_kgce"], r["pv_avoided_co2_t"]], [24.58, 0.08952])
    assert_allclose([r["energy_kgce_per_m2"], r["energy_kgce_per_person"]], [0.1075375, 1.075375])
    assert r["water_m3_per_person"] != r["water_m3_per_person"]  # no water meter: NaN, not 0
