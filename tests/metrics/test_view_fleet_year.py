"""fleet_year: fuel to kgce and CO2, charging at the grid factor, dispatches, by hand."""

from __future__ import annotations

from numpy.testing import assert_allclose

from etl.metrics import figures


def test_fleet_year_by_hand(vcon):
    f = vcon.execute("SELECT * FROM fleet_year WHERE year = 2023 AND grid = 'guangxi'").df().iloc[0]
    assert_allclose([f["petrol_l"], f["diesel_l"]], [50, 20])  # the top-up is money, not fuel
    assert_allclose(f["fuel_kgce"], 50 * 0.73 * 1.4714 + 20 * 0.84 * 1.4571)
    assert_allclose(f["fuel_co2_t"], (50 * 0.73 * 2.925 + 20 * 0.84 * 3.096) / 1000)
    assert_allclose([f["charging_kwh"], f["charging_co2_t"]], [10, 10 * 0.4476 / 1000])
    assert_allclose(f["fleet_co2_t"], 0.1587753 + 0.004476)
    assert_allclose([f["dispatches"], f["distance_km"], f["electric_share_pct"]], [3, 60, 100 / 3])
    assert_allclose(f["co2_kg_per_dispatch"], 1000 * (0.1587753 + 0.004476) / 3)
    national = vcon.execute("SELECT charging_co2_t FROM fleet_year WHERE year = 2023 AND grid = 'national'")
    assert_allclose(national.fetchall()[0][0], 10 * 0.5306 / 1000)


def test_year_without_records_is_zero(vcon):
    df = figures.fleet_by_year(vcon, 2022, 2023).set_index("year")
    assert_allclose(df.loc[2022, ["fuel_kgce", "dispatches", "fleet_co2_t"]].astype(float), [0, 0, 0])
    assert_allclose(df.loc[2023, "fuel_kgce"], 78.18538)
