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


# Bottled LPG (no meter): I1 buys 2 x 15 kg cylinders in 2023-01 and 14.5 kg in 2023-03 (a month without any
# meter reading); I2 buys 50 kg in 2022, a year it has nothing else. LPG 1.7143 kgce/kg (data/factors.csv).
LPG = [("I1", "2023-01-15", 30.0, 2, 15.0), ("I1", "2023-03-02", 14.5, None, None), ("I2", "2022-06-01", 50.0, None, None)]


def _add_lpg(con) -> None:
    for inst, day, kg, n, size in LPG:
        con.execute("""INSERT INTO lpg_purchases (institution_id, purchased_on, lpg_kg, cylinders, cylinder_kg,
                       batch_id) VALUES (?, ?, ?, ?, ?, 0)""", [inst, day, kg, n, size])


def test_lpg_counts_in_total_energy(vcon):
    _add_lpg(vcon)
    r = _iy(vcon, "I1", 2023)
    # 44.5 kg x 1.7143 = 76.28635 kgce; 综合能耗 = 98.32 (electricity) + 121.43 (gas) + 76.28635 (LPG)
    assert_allclose([r["lpg_kg"], r["lpg_kgce"]], [44.5, 76.28635])
    assert_allclose([r["electricity_kgce"], r["gas_kgce"], r["energy_kgce"]], [98.32, 121.43, 296.03635])
    assert_allclose([r["energy_kgce_per_m2"], r["energy_kgce_per_person"]], [0.29603635, 14.8018175])
    assert_allclose(r["co2_t"], 800 * 0.4476 / 1000)  # LPG is not electricity: the grid CO2 stays as it was


def test_lpg_month_without_a_meter_reading(vcon):
    _add_lpg(vcon)
    m = vcon.execute("""SELECT * FROM institution_month_energy WHERE institution_id = 'I1' AND month = '2023-03-01'
                        AND coal = 'dangliang' AND grid = 'guangxi'""").df()
    assert len(m) == 1
    r = m.iloc[0]
    assert_allclose([r["lpg_kg"], r["lpg_kgce"], r["grid_import_kwh"], r["energy_kgce"]], [14.5, 24.85735, 0, 24.85735])


def test_lpg_does_not_depend_on_the_electricity_basis(vcon):
    _add_lpg(vcon)
    # 等价值: 800 x 0.3 = 240 kgce of electricity; gas and LPG as before
    assert_allclose(_iy(vcon, "I1", 2023, "dengjia", "national")["energy_kgce"], 240 + 121.43 + 76.28635)
    # an institution whose year has only LPG
    r = _iy(vcon, "I2", 2022)
    assert_allclose([r["lpg_kgce"], r["electricity_kgce"], r["energy_kgce"]], [85.715, 0, 85.715])
    assert_allclose(r["energy_kgce_per_m2"], 85.715 / 4000)


def test_gas_and_lpg_by_year_read_the_view(vcon):
    from etl.metrics.fuels import gas_lpg_by_year

    _add_lpg(vcon)
    g = gas_lpg_by_year(vcon, 2022, 2023).set_index(["year", "institution_id"])
    assert_allclose(g.loc[(2023, "I1"), ["gas_m3", "lpg_kg", "gas_kgce", "lpg_kgce", "kgce"]].astype(float),
                    [100, 44.5, 121.43, 76.28635, 197.71635])
    assert_allclose(g.loc[(2022, "I2"), ["gas_m3", "lpg_kg", "kgce"]].astype(float), [0, 50, 85.715])
    assert (2023, "I2") not in g.index  # electricity only: no gas, no LPG
