"""
Expected output of the county's rooftop PV sites, modelled with pvlib.

The module is a set of pure functions over arrays and frames, in the style of
pvlib itself:

* :func:`load_monthly_climate` reads the committed, sourced table of monthly
  irradiation and air temperature (``data/climate_monthly_ghi.csv``).
* :func:`synthetic_weather` turns that table into an interval weather series
  (GHI, DNI, DHI, air temperature, wind speed) for any span of years: pvlib
  clear sky (Ineichen with pvlib's shipped Linke turbidity climatology),
  scaled by a reproducible random daily clearness factor, rescaled so every
  calendar month matches the table, and split into DNI/DHI with the Erbs
  decomposition.
* :func:`expected_output` runs a PVWatts chain for many sites at once: solar
  position once, then per-site plane-of-array irradiance, SAPM cell
  temperature, PVWatts DC power, PVWatts losses and the PVWatts inverter
  model clipped at the site's AC rating.
* :func:`performance_ratio` (IEC 61724-1) and :func:`temperature_corrected_pr`
  (NREL, Dierauf et al. 2013) turn energy and plane-of-array insolation into
  performance ratios.

Conventions
-----------
* Timestamps are tz-aware and label the **start** of each interval. Values
  are interval means; the sun's position is evaluated at the interval
  midpoint, which is the usual approximation of the interval mean.
* Powers are in kW, energies in kWh, irradiance in W/m2, insolation in
  kWh/m2, temperatures in degrees C.
* Nothing here touches the database, the network or the clock. The only file
  read is the climate table, and only by :func:`load_monthly_climate`.
* Whether a site existed at a timestamp (commissioning dates) is the caller's
  business.

References
----------
.. [1] P. Ineichen and R. Perez, "A new airmass independent formulation for
   the Linke turbidity coefficient", Solar Energy 73(3), 151-157, 2002.
.. [2] J. Remund et al., "Worldwide Linke turbidity information", Proc. ISES
   Solar World Congress, 2003.
.. [3] D. G. Erbs, S. A. Klein and J. A. Duffie, "Estimation of the diffuse
   radiation fraction for hourly, daily and monthly-average global
   radiation", Solar Energy 28(4), 293-302, 1982.
.. [4] J. E. Hay and J. A. Davies, "Calculations of the solar radiation
   incident on an inclined surface", Proc. First Canadian Solar Radiation
   Data Workshop, 59-72, 1980.
.. [5] D. L. King, W. E. Boyson and J. A. Kratochvil, "Photovoltaic Array
   Performance Model", Sandia National Laboratories, SAND2004-3535, 2004.
.. [6] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014.
.. [7] IEC 61724-1:2021, "Photovoltaic system performance - Part 1:
   Monitoring".
.. [8] T. Dierauf, A. Growitz, S. Kurtz, J. L. B. Cruz, E. Riley and
   C. Hansen, "Weather-Corrected Performance Ratio", NREL/TP-5200-57991,
   2013.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pvlib
from scipy import stats

__all__ = [
    "LUZHAI",
    "CLIMATE_CSV",
    "PVWATTS_PARAMETERS",
    "TEMPERATURE_MODEL_PARAMETERS",
    "SYNTHETIC_WEATHER_PARAMETERS",
    "load_monthly_climate",
    "synthetic_weather",
    "expected_output",
    "performance_ratio",
    "typical_cell_temperature",
    "temperature_corrected_pr",
]

LUZHAI: dict[str, Any] = {
    "name": "鹿寨县 Luzhai County, Liuzhou, Guangxi",
    "latitude": 24.47,
    "longitude": 109.74,
    "altitude": 110.0,
    "tz": "Asia/Shanghai",
}
"""
Reference location of the county (county town, Luzhai).

``latitude`` and ``longitude`` in decimal degrees (north and east positive),
``altitude`` in metres above sea level, ``tz`` an IANA time zone name.
"""

CLIMATE_CSV = Path(__file__).resolve().parents[2] / "data" / "climate_monthly_ghi.csv"
"""Path of the committed monthly climate table read by :func:`load_monthly_climate`."""

PVWATTS_PARAMETERS: dict[str, Any] = {
    "gamma_pdc": -0.0037,
    "temp_ref": 25.0,
    "eta_inv_nom": 0.96,
    "eta_inv_ref": 0.9637,
    "albedo": 0.2,
    "transposition_model": "haydavies",
}
"""
Defaults of the PVWatts chain in :func:`expected_output`.

* ``gamma_pdc`` [1/C]: power temperature coefficient, -0.37 %/C, the
  cautious end for the 540-550 W monocrystalline modules of 2023 (PVWatts v5
  uses -0.35 %/C for its "premium" module [6]; TOPCon is nearer -0.30 %/C).
  Use the installed modules' datasheet value when known.
* ``temp_ref`` [C]: reference cell temperature of ``gamma_pdc``.
* ``eta_inv_nom``, ``eta_inv_ref`` [-]: PVWatts v5 inverter defaults [6].
* ``albedo`` [-]: ground reflectance seen by the array; 0.2 is the usual value
  for concrete and weathered roofing.
* ``transposition_model``: sky diffuse model of
  :py:func:`pvlib.irradiance.get_total_irradiance`. Hay-Davies [4] adds
  circumsolar diffuse to the isotropic sky and, unlike Perez, needs no
  airmass; 'isotropic' is the conservative alternative.

Losses default to :py:func:`pvlib.pvsystem.pvwatts_losses` with its own
defaults (14.08 %).
"""

TEMPERATURE_MODEL_PARAMETERS = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"].copy()
"""
SAPM cell temperature parameters [5] used by :func:`expected_output`.

``{'a': -3.56, 'b': -0.075, 'deltaT': 3}``: glass/polymer-backsheet modules on
an open rack. The county's PV sits on flat concrete roofs of offices, schools
and hospitals, where modules are mounted on tilted racks (15-20 degrees) with
an air gap under and behind the modules, i.e. ventilated like an open rack.
'close_mount_glass_glass' (a=-2.98, b=-0.0471, deltaT=1), for modules laid
flush on a (metal) roof, runs 16-19 C hotter above 800 W/m2 and lowers the
annual yield of a typical site on the synthetic year by about 4 % (942 to
907 kWh/kWp); pass it through ``temperature_model_parameters`` for such
sites.
"""

SYNTHETIC_WEATHER_PARAMETERS: dict[str, Any] = {
    "wind_speed": 1.6,
    "beta_concentration": 2.0,
    "min_daily_clearness": 0.08,
    "max_daily_clearness": 1.0,
    "temp_peak_hour": 15.0,
    "temp_swing": 8.0,
    "seed_epoch": "1900-01-01",
}
"""
Defaults of :func:`synthetic_weather`.

* ``wind_speed`` [m/s]: constant wind at 10 m; 1.6 m/s is the published
  annual mean for Liuzhou (see the comments of the climate table).
* ``beta_concentration`` [-]: a day's clearness factor (its irradiation as a
  fraction of clear sky) is ``lo + (hi - lo) * B`` with ``B`` drawn from a
  beta distribution of mean ``m`` (set so the month's mean is right) and
  parameters ``(m*c, (1-m)*c)``. ``c = 2`` gives the broad, nearly bimodal
  day-to-day spread of a humid subtropical monsoon climate: on the
  synthetic year the 10th/50th/90th percentiles of daily GHI are about
  1.0/3.0/5.9 kWh/m2. Larger ``c`` means less variability.
* ``min_daily_clearness`` (``lo``), ``max_daily_clearness`` (``hi``) [-]:
  bounds of the daily factor; even a rainy day gets about 8 % of clear sky,
  and no day gets more than clear sky (the upper bound is enforced exactly,
  the lower one before the monthly rescaling).
* ``temp_peak_hour`` [h, local standard time]: hour of the daily maximum air
  temperature; the minimum falls 12 h earlier.
* ``temp_swing`` [C]: peak-to-peak diurnal swing used when the table has no
  ``temp_air_max_c``/``temp_air_min_c`` columns.
* ``seed_epoch``: day 0 of the random stream; the factor of a given calendar
  day depends only on ``seed`` and the date, not on the span requested.
"""

_KWH_PER_WH = 1e-3
_G_STC = 1.0  # kW/m2, irradiance at standard test conditions
_SITE_COLUMNS = ("site_id", "latitude", "longitude", "dc_kwp", "tilt_deg", "azimuth_deg", "ac_kw")


# --------------------------------------------------------------------------- helpers


def _check_times(times: pd.DatetimeIndex, name: str = "times") -> None:
    if not isinstance(times, pd.DatetimeIndex):
        raise TypeError(f"{name} must be a pandas DatetimeIndex, got {type(times).__name__}")
    if times.tz is None:
        raise ValueError(f"{name} must be tz-aware (e.g. tz='Asia/Shanghai')")
    if len(times) == 0:
        raise ValueError(f"{name} is empty")
    if not times.is_monotonic_increasing or times.has_duplicates:
        raise ValueError(f"{name} must be sorted and without duplicates")


def _interval(times: pd.DatetimeIndex, interval=None) -> pd.Timedelta:
    """Length of one interval: given, or the most common step of ``times``."""
    if interval is not None:
        step = pd.Timedelta(interval)
    elif len(times) < 2:
        raise ValueError("cannot infer the interval from one timestamp: pass interval=")
    else:
        step = pd.Series(times[1:] - times[:-1]).mode().iloc[0]
    if step <= pd.Timedelta(0):
        raise ValueError(f"interval must be positive, got {step}")
    return step


def _solar_position(midpoints: pd.DatetimeIndex, latitude, longitude, altitude) -> pd.DataFrame:
    """NREL SPA (numpy) at the interval midpoints, pressure from altitude."""
    return pvlib.solarposition.get_solarposition(
        midpoints,
        latitude,
        longitude,
        altitude=altitude,
        pressure=pvlib.atmosphere.alt2pres(altitude),
    )


def _local_days(times: pd.DatetimeIndex) -> np.ndarray:
    """Local calendar day of each timestamp as datetime64[D]."""
    return times.tz_localize(None).to_numpy().astype("datetime64[D]")


def _uniform_by_day(days: np.ndarray, seed: int, epoch: str) -> np.ndarray:
    """One U(0, 1) draw per calendar day, fixed by ``seed`` and the date alone.

    The stream is a PCG64 generator advanced to the day's offset from
    ``epoch``, so a date gets the same draw whatever span is requested.
    """
    offsets = (days - np.datetime64(epoch, "D")).astype("int64")
    if offsets.min() < 0:
        raise ValueError(f"dates before {epoch} are not supported")
    first = int(offsets.min())
    bitgen = np.random.PCG64(seed)
    bitgen.advance(first)
    draws = np.random.Generator(bitgen).random(int(offsets.max()) - first + 1)
    return draws[offsets - first]


def _fit_month(factor: np.ndarray, clear_kwh: np.ndarray, target_kwh: float, cap: float):
    """Scale daily factors so that sum(factor * clear_kwh) == target_kwh.

    Days pushed above ``cap`` are held at ``cap`` and the others scaled again
    (water filling). If even ``cap`` on every day cannot reach the target, all
    days are scaled uniformly past the cap and a warning is issued.
    """
    fixed = np.zeros(factor.shape, dtype=bool)
    for _ in range(factor.size + 1):
        rest = target_kwh - cap * clear_kwh[fixed].sum()
        denom = (factor * clear_kwh)[~fixed].sum()
        if rest < 0 or denom <= 0:
            break
        scaled = np.where(fixed, cap, factor * rest / denom)
        over = ~fixed & (scaled > cap)
        if not over.any():
            return scaled
        fixed |= over
    total = (factor * clear_kwh).sum()
    if cap * clear_kwh.sum() < target_kwh:
        warnings.warn(
            "monthly irradiation target exceeds the capped clear-sky total; scaling uniformly past max_daily_clearness",
            RuntimeWarning,
            stacklevel=3,
        )
    return factor * (target_kwh / total) if total > 0 else factor


def _clear_sky_month_kwh(location: pvlib.location.Location, year: int, month: int) -> float:
    """Clear-sky irradiation of a whole calendar month on an hourly grid [kWh/m2]."""
    start = pd.Timestamp(year=year, month=month, day=1, tz=location.tz)
    hours = pd.date_range(start, start + pd.offsets.MonthBegin(1), freq="h", inclusive="left")
    mid = hours + pd.Timedelta(minutes=30)
    solpos = _solar_position(mid, location.latitude, location.longitude, location.altitude)
    cs = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
    return float(cs["ghi"].sum()) * _KWH_PER_WH


# --------------------------------------------------------------------------- climate


def load_monthly_climate(path: str | Path | None = None) -> pd.DataFrame:
    """
    Read the monthly climate table.

    Parameters
    ----------
    path : str or Path, optional
        CSV file with lines starting with ``#`` as comments. Defaults to
        :data:`CLIMATE_CSV` (``data/climate_monthly_ghi.csv``).

    Returns
    -------
    DataFrame
        One row per month, sorted by ``month`` (1-12), with at least the
        columns ``month`` and ``ghi_kwh_m2`` (monthly global horizontal
        irradiation [kWh/m2]) and ``temp_air_c`` (monthly mean air
        temperature [C]); optional ``temp_air_max_c`` and ``temp_air_min_c``
        [C] set the diurnal temperature swing of :func:`synthetic_weather`.

    Raises
    ------
    ValueError
        If a required column is missing, the months are not exactly 1-12, or
        an irradiation value is negative or missing.
    """
    climate = pd.read_csv(CLIMATE_CSV if path is None else path, comment="#", skipinitialspace=True)
    climate.columns = [str(c).strip() for c in climate.columns]
    missing = {"month", "ghi_kwh_m2", "temp_air_c"} - set(climate.columns)
    if missing:
        raise ValueError(f"climate table lacks column(s): {', '.join(sorted(missing))}")
    climate = climate.sort_values("month").reset_index(drop=True)
    if climate["month"].tolist() != list(range(1, 13)):
        raise ValueError("climate table must have exactly one row for each month 1-12")
    ghi = climate["ghi_kwh_m2"]
    if ghi.isna().any() or (ghi < 0).any():
        raise ValueError("ghi_kwh_m2 must be present and non-negative for every month")
    return climate


# --------------------------------------------------------------------------- weather


def synthetic_weather(
    times: pd.DatetimeIndex,
    latitude: float = LUZHAI["latitude"],
    longitude: float = LUZHAI["longitude"],
    altitude: float = LUZHAI["altitude"],
    monthly_climate: pd.DataFrame | None = None,
    seed: int = 0,
    *,
    interval=None,
    wind_speed: float = SYNTHETIC_WEATHER_PARAMETERS["wind_speed"],
    beta_concentration: float = SYNTHETIC_WEATHER_PARAMETERS["beta_concentration"],
    min_daily_clearness: float = SYNTHETIC_WEATHER_PARAMETERS["min_daily_clearness"],
    max_daily_clearness: float = SYNTHETIC_WEATHER_PARAMETERS["max_daily_clearness"],
) -> pd.DataFrame:
    r"""
    Synthetic typical-year weather matching a table of monthly irradiation.

    For every interval the Ineichen-Perez clear-sky irradiance [1]_ is computed
    with pvlib's shipped Linke turbidity climatology [2]_ (offline). Each local
    calendar day gets a clearness factor :math:`f_d` drawn from a (scaled)
    beta distribution whose mean is the month's ratio of table irradiation
    to clear-sky irradiation; the factors are then rescaled (holding any day at
    most ``max_daily_clearness``) so that each calendar month's GHI total
    equals the table exactly. GHI is split into DNI and DHI with the Erbs
    model [3]_. Air temperature follows the monthly mean with a cosine diurnal
    swing peaking at 15:00 local time; wind speed is constant.

    The same ``seed`` gives the same series, and a given calendar day gets the
    same random draw whatever span is requested; every year of a multi-year
    span uses the same typical monthly totals.

    Parameters
    ----------
    times : DatetimeIndex
        tz-aware interval **start** times, regular step (e.g. 15 min or
        1 h), any span. Values are computed at the interval midpoints.
    latitude : float, default LUZHAI['latitude']
        [degrees north].
    longitude : float, default LUZHAI['longitude']
        [degrees east].
    altitude : float, default LUZHAI['altitude']
        [m above sea level].
    monthly_climate : DataFrame, optional
        As returned by :func:`load_monthly_climate` (the default).
    seed : int, default 0
        Seed of the daily clearness draws.
    interval : str or Timedelta, optional
        Interval length; inferred from ``times`` when omitted (required for a
        single timestamp).
    wind_speed : float, default 1.6
        Constant wind speed at 10 m [m/s].
    beta_concentration : float, default 2
        Concentration :math:`c` of the beta distribution; larger is less
        day-to-day variability. See :data:`SYNTHETIC_WEATHER_PARAMETERS`.
    min_daily_clearness : float, default 0.08
        Lower bound of a day's irradiation as a fraction of clear sky [-]
        (before the monthly rescaling).
    max_daily_clearness : float, default 1
        Upper bound of a day's irradiation as a fraction of clear sky [-].

    Returns
    -------
    DataFrame
        Indexed by ``times``, columns

        * ``ghi``, ``dni``, ``dhi``: interval-mean irradiance [W/m2]
        * ``temp_air``: air temperature [C]
        * ``wind_speed``: wind speed at 10 m [m/s]

    Notes
    -----
    A calendar month that ``times`` covers completely matches the table
    exactly. A partly covered month keeps the month's mean clearness
    (table / clear-sky irradiation of the whole month, computed on an hourly
    grid), so its partial total is the table total in proportion to the
    clear-sky irradiation of the covered part.

    The decomposition applies Erbs to interval values that share a daily
    clearness factor, so intra-day variability (passing clouds) is absent
    and the diffuse fraction is on the high side (about 0.69 of annual GHI,
    where broken-cloud days in reality mix clear and overcast hours). That
    errs low by a percent or two on the plane-of-array gain of a south-facing
    tilt; daily and monthly energy is what the model is for.

    References
    ----------
    .. [1] P. Ineichen and R. Perez, Solar Energy 73(3), 151-157, 2002.
    .. [2] J. Remund et al., Proc. ISES Solar World Congress, 2003.
    .. [3] D. G. Erbs, S. A. Klein and J. A. Duffie, Solar Energy 28(4),
       293-302, 1982.
    """
    _check_times(times)
    climate = load_monthly_climate() if monthly_climate is None else monthly_climate
    climate = climate.set_index("month")
    step = _interval(times, interval)
    hours = step / pd.Timedelta(hours=1)
    mid = times + step / 2

    location = pvlib.location.Location(latitude, longitude, tz=str(times.tz), altitude=altitude)
    solpos = _solar_position(mid, latitude, longitude, altitude)
    clear = location.get_clearsky(mid, model="ineichen", solar_position=solpos)
    clear_ghi = clear["ghi"].to_numpy(dtype=float)

    # calendar keys in local time
    days = _local_days(times)
    unique_days, day_of = np.unique(days, return_inverse=True)
    day_ts = pd.DatetimeIndex(unique_days)
    day_month_key = day_ts.year.to_numpy() * 12 + day_ts.month.to_numpy() - 1
    clear_day_kwh = np.bincount(day_of, weights=clear_ghi * hours * _KWH_PER_WH)

    uniform = _uniform_by_day(unique_days, seed, SYNTHETIC_WEATHER_PARAMETERS["seed_epoch"])
    factor = np.empty(unique_days.size)
    local = times.tz_localize(None)
    interval_month_key = local.year.to_numpy() * 12 + local.month.to_numpy() - 1
    for key in np.unique(day_month_key):
        year, month = divmod(int(key), 12)
        month += 1
        in_month = day_month_key == key
        clear_kwh = clear_day_kwh[in_month]
        table_kwh = float(climate.loc[month, "ghi_kwh_m2"])
        month_start = pd.Timestamp(year=year, month=month, day=1)
        month_hours = (month_start + pd.offsets.MonthBegin(1) - month_start) / pd.Timedelta(hours=1)
        covered_hours = np.count_nonzero(interval_month_key == key) * hours
        if np.isclose(covered_hours, month_hours):
            target_kwh = table_kwh
            mean_clearness = table_kwh / clear_kwh.sum()
        else:
            mean_clearness = table_kwh / _clear_sky_month_kwh(location, year, month)
            target_kwh = mean_clearness * clear_kwh.sum()
        lo, hi = min_daily_clearness, max_daily_clearness
        m = float(np.clip((mean_clearness - lo) / (hi - lo), 1e-3, 1 - 1e-3))
        draw = lo + (hi - lo) * stats.beta.ppf(uniform[in_month], m * beta_concentration, (1 - m) * beta_concentration)
        factor[in_month] = _fit_month(draw, clear_kwh, target_kwh, max_daily_clearness)

    ghi = clear_ghi * factor[day_of]
    erbs = pvlib.irradiance.erbs(ghi, solpos["zenith"].to_numpy(), mid)
    dni = np.asarray(erbs["dni"], dtype=float)
    dhi = np.asarray(erbs["dhi"], dtype=float)

    months = local.month.to_numpy()
    temp_mean = climate["temp_air_c"].reindex(months).to_numpy(dtype=float)
    if {"temp_air_max_c", "temp_air_min_c"} <= set(climate.columns):
        swing = (climate["temp_air_max_c"] - climate["temp_air_min_c"]).reindex(months).to_numpy(float)
    else:
        swing = np.full(months.shape, SYNTHETIC_WEATHER_PARAMETERS["temp_swing"])
    local_mid = mid.tz_localize(None)
    hour = local_mid.hour.to_numpy() + local_mid.minute.to_numpy() / 60 + local_mid.second.to_numpy() / 3600
    peak = SYNTHETIC_WEATHER_PARAMETERS["temp_peak_hour"]
    temp_air = temp_mean + swing / 2 * np.cos(2 * np.pi * (hour - peak) / 24)

    return pd.DataFrame(
        {
            "ghi": ghi,
            "dni": dni,
            "dhi": dhi,
            "temp_air": temp_air,
            "wind_speed": np.full(ghi.shape, float(wind_speed)),
        },
        index=times,
    )


# --------------------------------------------------------------------------- model


def expected_output(
    sites: pd.DataFrame,
    weather: pd.DataFrame,
    losses_pct: float | None = None,
    gamma_pdc: float = PVWATTS_PARAMETERS["gamma_pdc"],
    *,
    transposition_model: str = PVWATTS_PARAMETERS["transposition_model"],
    temperature_model_parameters: dict | None = None,
    albedo: float = PVWATTS_PARAMETERS["albedo"],
    eta_inv_nom: float = PVWATTS_PARAMETERS["eta_inv_nom"],
    eta_inv_ref: float = PVWATTS_PARAMETERS["eta_inv_ref"],
    altitude: float = LUZHAI["altitude"],
    interval=None,
) -> pd.DataFrame:
    r"""
    Expected AC energy, plane-of-array irradiance and cell temperature per site.

    All sites are computed together as ``(n_times, n_sites)`` arrays. The
    solar position is computed once, for the mean latitude and longitude of
    the sites (the county's sites lie within about 30 km, i.e. within 0.3
    degrees, so the error in sun position is below 0.3 degrees). Per site:

    1. plane-of-array irradiance, :py:func:`pvlib.irradiance.get_total_irradiance`
       (Hay-Davies sky diffuse [1]_ by default);
    2. cell temperature, :py:func:`pvlib.temperature.sapm_cell` [2]_ with
       :data:`TEMPERATURE_MODEL_PARAMETERS` (open rack, glass/polymer);
    3. DC power, :py:func:`pvlib.pvsystem.pvwatts_dc` [3]_ with
       ``pdc0 = dc_kwp`` and ``gamma_pdc``;
    4. system losses, ``pdc * (1 - losses_pct / 100)``;
    5. AC power, :py:func:`pvlib.inverter.pvwatts` [3]_ with
       ``pdc0 = ac_kw / eta_inv_nom``, so output is clipped at ``ac_kw``;
    6. energy = AC power x interval length.

    Parameters
    ----------
    sites : DataFrame
        One row per site with columns ``site_id``, ``latitude`` [deg N],
        ``longitude`` [deg E], ``dc_kwp`` [kW], ``tilt_deg`` [deg from
        horizontal], ``azimuth_deg`` [deg east of north, 180 = south],
        ``ac_kw`` [kW, inverter AC rating]. Other columns are ignored.
    weather : DataFrame
        Indexed by tz-aware interval **start** times with a regular step;
        columns ``ghi``, ``dni``, ``dhi`` [W/m2, interval means],
        ``temp_air`` [C] and optionally ``wind_speed`` [m/s at 10 m, default
        1.6]. If ``dni`` or ``dhi`` is missing, both are derived from ``ghi``
        with the Erbs model. E.g. the output of :func:`synthetic_weather`.
    losses_pct : float, optional
        Total DC system losses [%]. Default
        :py:func:`pvlib.pvsystem.pvwatts_losses` with its defaults (14.08 %).
    gamma_pdc : float, default -0.0037
        Power temperature coefficient [1/C].
    transposition_model : str, default 'haydavies'
        Sky diffuse model of :py:func:`pvlib.irradiance.get_total_irradiance`
        ('isotropic', 'haydavies', 'klucher', 'reindl', ...).
    temperature_model_parameters : dict, optional
        SAPM ``a``, ``b``, ``deltaT``; default :data:`TEMPERATURE_MODEL_PARAMETERS`.
    albedo : float, default 0.2
        Ground reflectance [-].
    eta_inv_nom, eta_inv_ref : float, default 0.96, 0.9637
        PVWatts inverter nominal and reference efficiencies [-].
    altitude : float, default LUZHAI['altitude']
        Altitude for the solar position (refraction) [m].
    interval : str or Timedelta, optional
        Interval length; inferred from the index when omitted.

    Returns
    -------
    DataFrame
        Long format, ``n_sites * n_times`` rows on a RangeIndex, ordered by
        site (in the order of ``sites``) then time, with columns

        * ``site_id``: as given
        * ``ts``: interval start, tz-aware, same tz as ``weather.index``
        * ``ac_kwh``: expected AC energy in the interval [kWh]
        * ``poa_w_m2``: plane-of-array irradiance, interval mean [W/m2]
        * ``poa_kwh_m2``: plane-of-array insolation in the interval [kWh/m2]
        * ``temp_cell_c``: cell temperature [C]

        Sum ``ac_kwh`` and ``poa_kwh_m2`` over a period and pass them to
        :func:`performance_ratio`. An interval with missing (NaN) weather
        gives NaN, never a silent zero.

    Raises
    ------
    ValueError
        If a column is missing, a site has a non-positive ``dc_kwp`` or
        ``ac_kw``, or the index is not tz-aware, sorted and unique.

    References
    ----------
    .. [1] J. E. Hay and J. A. Davies, Proc. First Canadian Solar Radiation
       Data Workshop, 59-72, 1980.
    .. [2] D. L. King, W. E. Boyson and J. A. Kratochvil, SAND2004-3535, 2004.
    .. [3] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641, 2014.
    """
    missing = [c for c in _SITE_COLUMNS if c not in sites.columns]
    if missing:
        raise ValueError(f"sites lacks column(s): {', '.join(missing)}")
    if len(sites) == 0:
        raise ValueError("sites is empty")
    if sites["site_id"].duplicated().any():
        raise ValueError("site_id must be unique")
    num = {c: sites[c].to_numpy(dtype=float) for c in _SITE_COLUMNS[1:]}
    if np.isnan(np.column_stack(list(num.values()))).any():
        raise ValueError("sites has missing values in " + ", ".join(_SITE_COLUMNS[1:]))
    if (num["dc_kwp"] <= 0).any() or (num["ac_kw"] <= 0).any():
        raise ValueError("dc_kwp and ac_kw must be positive")
    for col in ("ghi", "temp_air"):
        if col not in weather.columns:
            raise ValueError(f"weather lacks column {col!r}")

    times = weather.index
    _check_times(times, "weather.index")
    step = _interval(times, interval)
    hours = step / pd.Timedelta(hours=1)
    mid = times + step / 2

    lat, lon = float(num["latitude"].mean()), float(num["longitude"].mean())
    spread = max(np.ptp(num["latitude"]), np.ptp(num["longitude"]))
    if spread > 1.0:
        warnings.warn(
            f"sites span {spread:.1f} degrees; one solar position for all of them is "
            "inaccurate, call expected_output per region",
            RuntimeWarning,
            stacklevel=2,
        )
    solpos = _solar_position(mid, lat, lon, altitude)
    zenith = solpos["zenith"].to_numpy()
    sun_azimuth = solpos["azimuth"].to_numpy()
    dni_extra = pvlib.irradiance.get_extra_radiation(mid).to_numpy()

    ghi = weather["ghi"].to_numpy(dtype=float)
    if "dni" in weather.columns and "dhi" in weather.columns:
        dni = weather["dni"].to_numpy(dtype=float)
        dhi = weather["dhi"].to_numpy(dtype=float)
    else:
        erbs = pvlib.irradiance.erbs(ghi, zenith, mid)
        dni = np.asarray(erbs["dni"], dtype=float)
        dhi = np.asarray(erbs["dhi"], dtype=float)
    temp_air = weather["temp_air"].to_numpy(dtype=float)
    wind = (
        weather["wind_speed"].to_numpy(dtype=float)
        if "wind_speed" in weather.columns
        else np.full(ghi.shape, SYNTHETIC_WEATHER_PARAMETERS["wind_speed"])
    )

    col: tuple = (slice(None), None)  # type: ignore[no-redef]  # time along axis 0
    row: tuple = (None, slice(None))  # site along axis 1
    with np.errstate(invalid="ignore", divide="ignore"):
        irr = pvlib.irradiance.get_total_irradiance(
            num["tilt_deg"][row],
            num["azimuth_deg"][row],
            zenith[col],
            sun_azimuth[col],
            dni[col],
            ghi[col],
            dhi[col],
            dni_extra=dni_extra[col],
            albedo=albedo,
            model=transposition_model,
        )
    poa = np.maximum(np.asarray(irr["poa_global"], dtype=float), 0.0)  # NaN stays NaN

    params = TEMPERATURE_MODEL_PARAMETERS if temperature_model_parameters is None else temperature_model_parameters
    temp_cell = pvlib.temperature.sapm_cell(poa, temp_air[col], wind[col], params["a"], params["b"], params["deltaT"])
    pdc = pvlib.pvsystem.pvwatts_dc(
        poa, temp_cell, num["dc_kwp"][row], gamma_pdc, temp_ref=PVWATTS_PARAMETERS["temp_ref"]
    )
    if losses_pct is None:
        losses_pct = pvlib.pvsystem.pvwatts_losses()
    pdc = pdc * (1.0 - losses_pct / 100.0)
    pac = pvlib.inverter.pvwatts(pdc, num["ac_kw"][row] / eta_inv_nom, eta_inv_nom=eta_inv_nom, eta_inv_ref=eta_inv_ref)

    n_times, n_sites = poa.shape
    return pd.DataFrame(
        {
            "site_id": np.repeat(sites["site_id"].to_numpy(), n_times),
            "ts": times[np.tile(np.arange(n_times), n_sites)],
            "ac_kwh": (pac * hours).ravel(order="F"),
            "poa_w_m2": poa.ravel(order="F"),
            "poa_kwh_m2": (poa * hours * _KWH_PER_WH).ravel(order="F"),
            "temp_cell_c": np.asarray(temp_cell, dtype=float).ravel(order="F"),
        }
    )


# --------------------------------------------------------------------------- performance ratio


def performance_ratio(ac_kwh, dc_kwp, poa_kwh_m2):
    r"""
    Performance ratio per IEC 61724-1.

    .. math::

        PR = \frac{Y_f}{Y_r}, \quad Y_f = \frac{E_{AC}}{P_0}, \quad
        Y_r = \frac{H_{POA}}{G_{ref}}

    with :math:`G_{ref} = 1` kW/m2 [1]_.

    Parameters
    ----------
    ac_kwh : numeric
        AC energy delivered in the period, :math:`E_{AC}` [kWh].
    dc_kwp : numeric
        Array DC rating at STC, :math:`P_0` [kW].
    poa_kwh_m2 : numeric
        Plane-of-array insolation over the same period, :math:`H_{POA}`
        [kWh/m2].

    Returns
    -------
    numeric
        PR [-], elementwise, same shape (and index, for pandas input) as the
        broadcast inputs; NaN where ``poa_kwh_m2`` or ``dc_kwp`` is 0.

    References
    ----------
    .. [1] IEC 61724-1:2021, Photovoltaic system performance - Part 1:
       Monitoring, clause "Performance ratio".
    """
    final_yield = _safe_divide(ac_kwh, dc_kwp)
    reference_yield = _safe_divide(poa_kwh_m2, _G_STC)
    return _safe_divide(final_yield, reference_yield)


def typical_cell_temperature(poa_w_m2, temp_cell_c, axis=0):
    r"""
    Irradiance-weighted average cell temperature (Dierauf et al. 2013, eq. 5).

    .. math::

        T_{cell\_typ\_avg} = \frac{\sum_i G_{POA,i} \, T_{cell,i}}{\sum_i G_{POA,i}}

    Compute it once from a typical year (e.g. :func:`expected_output` on
    :func:`synthetic_weather`) and pass it to :func:`temperature_corrected_pr`.

    Parameters
    ----------
    poa_w_m2 : array-like
        Plane-of-array irradiance per interval [W/m2] (insolation [kWh/m2]
        gives the same result).
    temp_cell_c : array-like
        Cell temperature per interval [C].
    axis : int, default 0
        Axis of the intervals.

    Returns
    -------
    float or ndarray
        [C]; NaN if there is no irradiance.

    References
    ----------
    .. [1] T. Dierauf et al., "Weather-Corrected Performance Ratio", NREL,
       NREL/TP-5200-57991, 2013.
    """
    poa = np.asarray(poa_w_m2, dtype=float)
    temp = np.asarray(temp_cell_c, dtype=float)
    return _safe_divide(np.sum(poa * temp, axis=axis), np.sum(poa, axis=axis))


def temperature_corrected_pr(
    ac_kwh, dc_kwp, poa_kwh_m2, temp_cell_c, temp_cell_typ_avg, gamma_pdc=PVWATTS_PARAMETERS["gamma_pdc"], axis=0
):
    r"""
    Weather-corrected (temperature-corrected) performance ratio, NREL 2013.

    Following Dierauf et al. [1]_ (eq. 2), the rated power in the denominator
    of the PR is corrected, interval by interval, for the difference between
    the cell temperature and the average cell temperature of a typical year,
    which removes most of the seasonal swing of the plain PR:

    .. math::

        PR_{corr} = \frac{\sum_i E_{AC,i}}
        {\sum_i P_0 \, \frac{H_{POA,i}}{G_{STC}}
        \left[1 - \gamma \, (T_{cell\_typ\_avg} - T_{cell,i})\right]}

    where :math:`\gamma` is the power temperature coefficient in 1/C (the
    paper's :math:`\delta/100`, negative for silicon) and
    :math:`G_{STC} = 1` kW/m2.

    Parameters
    ----------
    ac_kwh : array-like
        AC energy per interval [kWh].
    dc_kwp : numeric or array-like
        DC rating at STC [kW]; a scalar, or one value per site broadcasting
        against the non-summed axes.
    poa_kwh_m2 : array-like
        Plane-of-array insolation per interval [kWh/m2].
    temp_cell_c : array-like
        Cell temperature per interval [C], e.g. from
        :py:func:`pvlib.temperature.sapm_cell` on measured weather.
    temp_cell_typ_avg : numeric
        Irradiance-weighted average cell temperature of a typical year [C],
        see :func:`typical_cell_temperature`.
    gamma_pdc : float, default -0.0037
        Power temperature coefficient [1/C].
    axis : int, default 0
        Axis of the intervals, summed over. With ``(n_times, n_sites)`` arrays
        and ``axis=0`` the result is one PR per site.

    Returns
    -------
    float or ndarray
        Temperature-corrected PR [-]; NaN if there is no irradiance.

    References
    ----------
    .. [1] T. Dierauf, A. Growitz, S. Kurtz, J. L. B. Cruz, E. Riley and
       C. Hansen, "Weather-Corrected Performance Ratio", NREL,
       NREL/TP-5200-57991, 2013.
    """
    energy = np.asarray(ac_kwh, dtype=float)
    insolation = np.asarray(poa_kwh_m2, dtype=float)
    temp = np.asarray(temp_cell_c, dtype=float)
    correction = 1.0 - gamma_pdc * (np.asarray(temp_cell_typ_avg, dtype=float) - temp)
    expected = np.sum(insolation / _G_STC * correction, axis=axis) * np.asarray(dc_kwp, dtype=float)
    return _safe_divide(np.sum(energy, axis=axis), expected)


def _safe_divide(numerator, denominator):
    """numerator / denominator with NaN (not inf or a warning) where denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result = numerator / denominator
    if isinstance(result, (pd.Series, pd.DataFrame)):
        return result.mask(np.isinf(result))
    result = np.asarray(result, dtype=float)
    result = np.where(np.isinf(result), np.nan, result)
    return result.item() if result.ndim == 0 else result
