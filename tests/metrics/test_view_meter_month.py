"""meter_month_converted: one figure per meter and month, the purchased flag, kgce and kgCO2 by hand."""

from __future__ import annotations

from numpy.testing import assert_allclose


def _row(con, meter: str, month: str) -> dict:
    df = con.execute("SELECT * FROM meter_month_converted WHERE meter_id = ? AND month = ?::DATE",
                     [meter, month]).df()
    assert len(df) == 1, (meter, month, df)
    return df.iloc[0].to_dict()


def test_bought_electricity_by_year_and_grid(vcon):
    r = _row(vcon, "E1", "2022-01-01")
    assert r["purchased"] and r["unit"] == "kWh" and r["source"] == "bill"
    assert_allclose([r["quantity"], r["kgce_dangliang"], r["kgce_dengjia"]], [1000, 122.9, 300.0])
    assert_allclose([r["kgco2_national"], r["kgco2_south"], r["kgco2_guangxi"]], [536.6, 386.9, 404.4])
    # 2023: the bill (800 kWh) beats the intervals of the same month (999 kWh); the 2023 factors apply
    r = _row(vcon, "E1", "2023-01-01")
    assert r["source"] == "bill"
    assert_allclose([r["quantity"], r["kgce_dangliang"], r["kgce_dengjia"]], [800, 98.32, 240.0])
    assert_allclose([r["kgco2_national"], r["kgco2_south"], r["kgco2_guangxi"]], [424.48, 323.36, 358.08])


def test_export_and_water_are_not_bought_energy(vcon):
    x = _row(vcon, "X1", "2023-01-01")
    assert not x["purchased"] and x["source"] == "interval"
    assert_allclose(x["quantity"], 50)
    assert x["kgce_dangliang"] is None or x["kgce_dangliang"] != x["kgce_dangliang"]  # NULL / NaN
    w = _row(vcon, "W1", "2023-01-01")
    assert not w["purchased"] and w["unit"] == "m3"
    assert_allclose([w["quantity"], w["water_m3"]], [25, 25])


def test_gas_converts_with_its_own_factor(vcon):
    g = _row(vcon, "G1", "2023-01-01")
    assert g["purchased"] and g["unit"] == "m3"
    assert_allclose([g["gas_m3"], g["kgce_dangliang"], g["kgce_dengjia"]], [100, 121.43, 121.43])


def test_estimated_month_is_flagged(vcon):
    assert _row(vcon, "E2", "2023-02-01")["estimated"]
    assert not _row(vcon, "E2", "2023-01-01")["estimated"]
    assert vcon.execute("SELECT count(*) FROM meter_month_converted").fetchall()[0][0] == 8  # E1 x2, X1, W1 x2, G1, E2 x2
