"""scope_year / county_year: county and type figures, fleet fuel in 综合能耗 by default, by hand."""

from __future__ import annotations

from numpy.testing import assert_allclose

from etl.metrics import figures

FUEL_KGCE = 50 * 0.73 * 1.4714 + 20 * 0.84 * 1.4571  # 53.7061 + 24.47928 = 78.18538
BUILDINGS_KGCE = 219.75 + 430.15                    # I1 + I2 in 2023


def _county(con, with_fleet: bool) -> dict:
    df = con.execute("""SELECT * FROM county_year WHERE year = 2023 AND coal = 'dangliang' AND grid = 'guangxi'
                        AND with_fleet = ?""", [with_fleet]).df()
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_county_counts_fleet_fuel_when_asked(vcon):
    on, off = _county(vcon, True), _county(vcon, False)
    assert_allclose([on["buildings_kgce"], on["fleet_kgce"], on["energy_kgce"]],
                    [BUILDINGS_KGCE, FUEL_KGCE, BUILDINGS_KGCE + FUEL_KGCE])
    assert_allclose([off["energy_kgce"], off["fleet_kgce"]], [BUILDINGS_KGCE, 0])
    # the fleet's share is there either way
    share = 100 * FUEL_KGCE / (BUILDINGS_KGCE + FUEL_KGCE)
    assert_allclose([on["fleet_share_pct"], off["fleet_share_pct"]], [share, share])
    assert_allclose([on["floor_area_m2"], on["people"]], [5000, 420])
    assert_allclose([on["energy_kgce_per_m2"], off["energy_kgce_per_m2"]],
                    [(BUILDINGS_KGCE + FUEL_KGCE) / 5000, BUILDINGS_KGCE / 5000])
    # CO2 is the buildings' bought electricity: (800 + 3,500) kWh x 0.4476
    assert_allclose([on["co2_t"], off["co2_t"]], [4300 * 0.4476 / 1000] * 2)
    assert_allclose(on["co2_kg_per_m2"], 4300 * 0.4476 / 5000)


def test_types_carry_no_fleet_fuel(vcon):
    df = vcon.execute("""SELECT type, energy_kgce, fleet_kgce FROM scope_year WHERE level = 'type' AND year = 2023
                         AND coal = 'dangliang' AND grid = 'guangxi' AND with_fleet ORDER BY type""").df()
    assert df["type"].tolist() == ["党政机关", "学校"]
    assert_allclose(df["energy_kgce"], [219.75, 430.15])
    assert_allclose(df["fleet_kgce"], [0, 0])


def test_figures_read_the_view(vcon):
    e = figures.energy_by_year(vcon, 2022, 2023).set_index("year")
    assert_allclose(e.loc[2023, "energy_kgce"], BUILDINGS_KGCE + FUEL_KGCE)
    assert_allclose(e.loc[2022, "energy_kgce"], 122.9)  # no fleet records in 2022
    off = figures.energy_by_year(vcon, 2023, 2023, include_fleet=False).iloc[0]
    assert_allclose(off["energy_kgce"], BUILDINGS_KGCE)
    o = figures.overview(vcon, 2023).set_index("metric")
    assert_allclose(o.loc["energy_kgce", "change_pct"], 100 * (BUILDINGS_KGCE + FUEL_KGCE - 122.9) / 122.9)


def test_county_and_type_count_lpg(vcon):
    """LPG bought by I1 (党政机关) in 2023: 30 + 14.5 kg x 1.7143 kgce/kg = 76.28635 kgce in 综合能耗."""
    vcon.execute("""INSERT INTO lpg_purchases (institution_id, purchased_on, lpg_kg, batch_id)
                    VALUES ('I1', '2023-01-15', 30, 0), ('I1', '2023-03-02', 14.5, 0)""")
    lpg = 44.5 * 1.7143
    on, off = _county(vcon, True), _county(vcon, False)
    assert_allclose([on["lpg_kg"], on["lpg_kgce"], on["gas_kgce"]], [44.5, lpg, 121.43])
    assert_allclose([on["buildings_kgce"], on["energy_kgce"], off["energy_kgce"]],
                    [BUILDINGS_KGCE + lpg, BUILDINGS_KGCE + lpg + FUEL_KGCE, BUILDINGS_KGCE + lpg])
    assert_allclose(on["energy_kgce_per_m2"], (BUILDINGS_KGCE + lpg + FUEL_KGCE) / 5000)
    assert_allclose(on["fleet_share_pct"], 100 * FUEL_KGCE / (BUILDINGS_KGCE + lpg + FUEL_KGCE))
    t = vcon.execute("""SELECT type, energy_kgce, lpg_kgce FROM scope_year WHERE level = 'type' AND year = 2023
                        AND coal = 'dangliang' AND grid = 'guangxi' AND with_fleet ORDER BY type""").df()
    assert_allclose(t["energy_kgce"], [219.75 + lpg, 430.15])
    assert_allclose(t["lpg_kgce"], [lpg, 0])
