"""Tests of etl.pv.pvmodel: checks against pvlib called directly and hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest
from numpy.testing import assert_allclose

from etl.pv import pvmodel

TZ = pvmodel.LUZHAI["tz"]
LAT = pvmodel.LUZHAI["latitude"]
LON = pvmodel.LUZHAI["longitude"]
ALT = pvmodel.LUZHAI["altitude"]


def make_sites(n=1, dc_kwp=220.0, ac_kw=200.0, tilt_deg=18.0, azimuth_deg=180.0, **extra):
    """Sites at the county town; scalars are repeated, sequences taken as given."""
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:02d}" for i in range(n)],
            "latitude": LAT,
            "longitude": LON,
            "dc_kwp": dc_kwp,
            "tilt_deg": tilt_deg,
            "azimuth_deg": azimuth_deg,
            "ac_kw": ac_kw,
        }
    )
    for key, value in extra.items():
        sites[key] = value
    return sites


def clear_sky_weather(start, periods, freq="15min", temp_air=25.0, wind_speed=1.0):
    """Ineichen clear sky at the interval midpoints, labelled by interval start."""
    times = pd.date_range(start, periods=periods, freq=freq, tz=TZ)
    mid = times + pd.Timedelta(freq) / 2
    solpos = pvlib.solarposition.get_solarposition(mid, LAT, LON, altitude=ALT, pressure=pvlib.atmosphere.alt2pres(ALT))
    location = pvlib.location.Location(LAT, LON, tz=TZ, altitude=ALT)
    cs = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
    weather = pd.DataFrame(
        {
            "ghi": cs["ghi"].to_numpy(),
            "dni": cs["dni"].to_numpy(),
            "dhi": cs["dhi"].to_numpy(),
            "temp_air": temp_air,
            "wind_speed": wind_speed,
        },
        index=times,
    )
    return weather, solpos, mid


@pytest.fixture(scope="module")
def climate():
    return pvmodel.load_monthly_climate()


@pytest.fixture(scope="module")
def year_15min(climate):
    times = pd.date_range("2023-01-01", "2024-01-01", freq="15min", tz=TZ, inclusive="left")
    return pvmodel.synthetic_weather(times, LAT, LON, ALT, climate, seed=0)


# --------------------------------------------------------------------------- climate table


def test_climate_table_is_sourced_and_plausible(climate):
    assert climate["month"].tolist() == list(range(1, 13))
    annual = climate["ghi_kwh_m2"].sum()
    assert 1105 <= annual <= 1279
    by_month = climate.set_index("month")["ghi_kwh_m2"]
    assert set(by_month.nlargest(2).index) == {7, 8}
    assert set(by_month.nsmallest(2).index) == {1, 2}
    temp = climate.set_index("month")["temp_air_c"]
    assert 8 <= temp[1] <= 12 and 27 <= temp[7] <= 30
    with open(pvmodel.CLIMATE_CSV, encoding="utf-8") as f:
        comments = "".join(line for line in f if line.startswith("#"))
    assert "102.52" in comments and "China Meteorological Administration" in comments


# --------------------------------------------------------------------------- (a) against pvlib


@pytest.mark.parametrize("model", ["haydavies", "isotropic"])
def test_clear_sky_day_matches_pvlib(model):
    weather, solpos, mid = clear_sky_weather("2023-06-21", 96)
    site = make_sites(dc_kwp=200.0, ac_kw=180.0, tilt_deg=18.0, azimuth_deg=180.0)
    out = pvmodel.expected_output(site, weather, transposition_model=model)

    irr = pvlib.irradiance.get_total_irradiance(
        18.0,
        180.0,
        solpos["zenith"],
        solpos["azimuth"],
        weather["dni"].to_numpy(),
        weather["ghi"].to_numpy(),
        weather["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(mid),
        albedo=0.2,
        model=model,
    )
    poa = irr["poa_global"].fillna(0).clip(lower=0).to_numpy()
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    temp_cell = pvlib.temperature.sapm_cell(poa, 25.0, 1.0, **params)
    pdc = pvlib.pvsystem.pvwatts_dc(poa, temp_cell, 200.0, -0.0037)
    pdc = pdc * (1 - pvlib.pvsystem.pvwatts_losses() / 100)
    pac = pvlib.inverter.pvwatts(pdc, 180.0 / 0.96)

    assert list(out.columns) == ["site_id", "ts", "ac_kwh", "poa_w_m2", "poa_kwh_m2", "temp_cell_c"]
    assert (out["ts"] == weather.index).all()
    assert_allclose(out["poa_w_m2"], poa, rtol=1e-10, atol=1e-9)
    assert_allclose(out["poa_kwh_m2"], poa * 0.25 / 1000, rtol=1e-10, atol=1e-12)
    assert_allclose(out["temp_cell_c"], temp_cell, rtol=1e-10)
    assert_allclose(out["ac_kwh"], pac * 0.25, rtol=1e-10, atol=1e-9)
    # a clear June day at 24.5 N: 5-8 kWh per kWp
    assert 5.0 < out["ac_kwh"].sum() / 200.0 < 8.0


def test_sites_are_vectorised_consistently():
    weather, _, _ = clear_sky_weather("2023-03-01", 96 * 3)
    sites = make_sites(
        n=3,
        dc_kwp=[150.0, 250.0, 350.0],
        ac_kw=[140.0, 220.0, 300.0],
        tilt_deg=[10.0, 18.0, 25.0],
        azimuth_deg=[160.0, 180.0, 210.0],
    )
    together = pvmodel.expected_output(sites, weather)
    assert len(together) == 3 * len(weather)
    for _, site in sites.iterrows():
        alone = pvmodel.expected_output(site.to_frame().T, weather)
        part = together[together["site_id"] == site["site_id"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone, check_dtype=False)


def test_ghi_only_weather_is_decomposed(year_15min):
    site = make_sites()
    full = pvmodel.expected_output(site, year_15min)
    ghi_only = pvmodel.expected_output(site, year_15min[["ghi", "temp_air", "wind_speed"]])
    # synthetic_weather itself uses Erbs, so the results coincide
    assert_allclose(ghi_only["ac_kwh"], full["ac_kwh"], rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- (b) yield


def test_annual_specific_yield_of_typical_site(year_15min):
    site = make_sites(dc_kwp=220.0, ac_kw=200.0, tilt_deg=18.0, azimuth_deg=180.0)
    out = pvmodel.expected_output(site, year_15min)
    specific_yield = out["ac_kwh"].sum() / 220.0
    assert 870.0 <= specific_yield <= 1010.0
    pr = pvmodel.performance_ratio(out["ac_kwh"].sum(), 220.0, out["poa_kwh_m2"].sum())
    assert 0.74 <= pr <= 0.86


# --------------------------------------------------------------------------- (c) clipping


def test_no_interval_above_ac_rating(year_15min):
    weather, _, _ = clear_sky_weather("2023-05-01", 96 * 7)
    site = make_sites(dc_kwp=280.0, ac_kw=200.0, tilt_deg=15.0)  # dc/ac 1.4: clips at noon
    out = pvmodel.expected_output(site, weather)
    ac_kw = out["ac_kwh"] / 0.25
    assert ac_kw.max() <= 200.0 * (1 + 1e-12)
    assert ac_kw.max() == pytest.approx(200.0)
    assert (out["ac_kwh"] >= 0).all()

    sites = make_sites(n=3, dc_kwp=[150.0, 220.0, 350.0], ac_kw=[100.0, 200.0, 320.0])
    out = pvmodel.expected_output(sites, year_15min)
    rating = out["site_id"].map(sites.set_index("site_id")["ac_kw"])
    assert (out["ac_kwh"] / 0.25 <= rating * (1 + 1e-12)).all()


# --------------------------------------------------------------------------- (d) monthly GHI


def test_monthly_ghi_equals_table_15min(year_15min, climate):
    monthly = (year_15min["ghi"] * 0.25 / 1000).groupby(year_15min.index.month).sum()
    assert_allclose(monthly.to_numpy(), climate["ghi_kwh_m2"].to_numpy(), rtol=1e-9)


def test_monthly_ghi_equals_table_hourly_over_years(climate):
    times = pd.date_range("2023-01-01", "2025-01-01", freq="h", tz=TZ, inclusive="left")
    weather = pvmodel.synthetic_weather(times, LAT, LON, ALT, climate, seed=3)
    monthly = (weather["ghi"] / 1000).groupby([weather.index.year, weather.index.month]).sum()
    for year in (2023, 2024):  # 2024 is a leap year
        assert_allclose(monthly.loc[year].to_numpy(), climate["ghi_kwh_m2"].to_numpy(), rtol=1e-9)


def test_synthetic_weather_is_physical(year_15min):
    w = year_15min
    assert list(w.columns) == ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    assert (w[["ghi", "dni", "dhi"]] >= 0).all().all()
    night = w["ghi"] == 0
    assert (w.loc[night, ["dni", "dhi"]] == 0).all().all()
    daily = w["ghi"].resample("D").sum() * 0.25 / 1000
    # broad day-to-day spread: dull days well under, bright days well over the median
    assert daily.quantile(0.1) < 0.5 * daily.median()
    assert daily.quantile(0.9) > 1.5 * daily.median()
    assert daily.max() < 8.5  # no day above clear sky at 24.5 N
    july = w.loc["2023-07", "temp_air"]
    assert july.mean() == pytest.approx(28.7, abs=0.05)
    assert july.max() - july.min() == pytest.approx(33.7 - 25.3, abs=0.1)
    assert (w["wind_speed"] == 1.6).all()


# --------------------------------------------------------------------------- (e) reproducibility


def test_synthetic_weather_is_reproducible(climate):
    times = pd.date_range("2023-01-01", "2023-04-01", freq="15min", tz=TZ, inclusive="left")
    first = pvmodel.synthetic_weather(times, LAT, LON, ALT, climate, seed=7)
    again = pvmodel.synthetic_weather(times, LAT, LON, ALT, climate, seed=7)
    other = pvmodel.synthetic_weather(times, LAT, LON, ALT, climate, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ghi"], other["ghi"])
    # a fully covered month does not depend on the span around it
    january = pvmodel.synthetic_weather(times[times.month == 1], LAT, LON, ALT, climate, seed=7)
    pd.testing.assert_frame_equal(january, first.loc["2023-01"], check_freq=False)


def test_inputs_are_checked(climate):
    naive = pd.date_range("2023-01-01", periods=4, freq="h")
    with pytest.raises(ValueError, match="tz-aware"):
        pvmodel.synthetic_weather(naive, LAT, LON, ALT, climate)
    weather, _, _ = clear_sky_weather("2023-06-21", 4)
    with pytest.raises(ValueError, match="ac_kw"):
        pvmodel.expected_output(make_sites().drop(columns="ac_kw"), weather)
    with pytest.raises(ValueError, match="positive"):
        pvmodel.expected_output(make_sites(dc_kwp=0.0), weather)


# --------------------------------------------------------------------------- (f) performance ratio


def test_performance_ratio_hand_computed():
    # 900 kWh from 1 kWp under 1,100 kWh/m2: Yf = 900 h, Yr = 1,100 h
    assert pvmodel.performance_ratio(900.0, 1.0, 1100.0) == pytest.approx(900 / 1100)
    pr = pvmodel.performance_ratio(np.array([9000.0, 0.0]), np.array([10.0, 5.0]), np.array([1000.0, 0.0]))
    assert_allclose(pr, [0.9, np.nan])
    idx = pd.Index(["A", "B"], name="site_id")
    pr = pvmodel.performance_ratio(pd.Series([160.0, 80.0], idx), pd.Series([200.0, 100.0], idx), 1.0)
    pd.testing.assert_series_equal(pr, pd.Series([0.8, 0.8], idx))


def test_temperature_corrected_pr_hand_computed():
    ac = np.array([0.5, 0.3])
    poa = np.array([0.6, 0.4])
    temp = np.array([50.0, 30.0])
    # T_typ = (0.6*50 + 0.4*30) / 1.0 = 42 C (Dierauf et al. eq. 5)
    assert pvmodel.typical_cell_temperature(poa, temp) == pytest.approx(42.0)
    # denominator: 0.6*(1 + 0.004*(40-50)) + 0.4*(1 + 0.004*(40-30)) = 0.576 + 0.416
    pr = pvmodel.temperature_corrected_pr(ac, 1.0, poa, temp, 40.0, gamma_pdc=-0.004)
    assert pr == pytest.approx(0.8 / 0.992)
    # at the typical temperature the correction vanishes
    same = pvmodel.temperature_corrected_pr(ac, 1.0, poa, np.array([40.0, 40.0]), 40.0)
    assert same == pytest.approx(pvmodel.performance_ratio(ac.sum(), 1.0, poa.sum()))
    # (n_times, n_sites) arrays give one value per site
    two = pvmodel.temperature_corrected_pr(
        np.column_stack([ac, 2 * ac]),
        np.array([1.0, 2.0]),
        np.column_stack([poa, poa]),
        np.column_stack([temp, temp]),
        40.0,
        gamma_pdc=-0.004,
    )
    assert_allclose(two, [0.8 / 0.992, 0.8 / 0.992])


def test_temperature_correction_flattens_seasonal_pr(year_15min):
    site = make_sites(dc_kwp=200.0, ac_kw=200.0)  # no clipping, so temperature dominates
    out = pvmodel.expected_output(site, year_15min).set_index("ts")
    t_typ = pvmodel.typical_cell_temperature(out["poa_w_m2"], out["temp_cell_c"])
    assert 25.0 < t_typ < 50.0
    month = out.index.month
    plain = [pvmodel.performance_ratio(g["ac_kwh"].sum(), 200.0, g["poa_kwh_m2"].sum()) for _, g in out.groupby(month)]
    corrected = [
        pvmodel.temperature_corrected_pr(g["ac_kwh"], 200.0, g["poa_kwh_m2"], g["temp_cell_c"], t_typ)
        for _, g in out.groupby(month)
    ]
    assert np.ptp(corrected) < 0.5 * np.ptp(plain)
