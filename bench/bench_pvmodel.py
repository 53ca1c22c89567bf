"""Benchmark of etl.pv.pvmodel: 34 sites x one year at 15-minute steps.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_pvmodel.py [--repeats 5]

Times, as the median of the repeats:

* ``synthetic_weather`` for one year at 15 min (once per year; cacheable);
* ``expected_output`` for the 34 sites, vectorised (solar position once);
* the full chain (weather + model);
* a naive baseline: a loop over sites computing the solar position, the
  pvlib chain and a per-site frame for each site, then concatenating.

Target: the full chain for 34 sites x 1 year x 15 min under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.pv import pvmodel  # noqa: E402

N_SITES = 34
TOTAL_KWP = 6950.0  # 12,804 modules x ~543 W
TARGET_S = 2.0


def make_sites(seed: int = 42) -> pd.DataFrame:
    """34 sites within ~15 km of the county town, 150-350 kWp, ~6.95 MWp in total.

    34 sites averaging 204 kWp with a 150-350 kWp range means a skewed mix:
    many small roofs and a few large ones, as on schools versus hospitals.
    """
    rng = np.random.default_rng(seed)
    share = ((np.arange(N_SITES) + 0.5) / N_SITES) ** 2.7  # skewed, 0 to ~1
    dc = 150.0 + 200.0 * share
    dc = 150.0 + (dc - 150.0) * (TOTAL_KWP - 150.0 * N_SITES) / (dc - 150.0).sum()
    dc = rng.permutation(dc)
    return pd.DataFrame(
        {
            "site_id": [f"PV{i + 1:02d}" for i in range(N_SITES)],
            "latitude": pvmodel.LUZHAI["latitude"] + rng.uniform(-0.12, 0.12, N_SITES),
            "longitude": pvmodel.LUZHAI["longitude"] + rng.uniform(-0.12, 0.12, N_SITES),
            "dc_kwp": dc.round(1),
            "tilt_deg": rng.uniform(10.0, 25.0, N_SITES).round(0),
            "azimuth_deg": rng.uniform(150.0, 210.0, N_SITES).round(0),
            "ac_kw": (dc / 1.1).round(0),
        }
    )


def naive_expected_output(sites: pd.DataFrame, weather: pd.DataFrame) -> pd.DataFrame:
    """Baseline: the same PVWatts chain, one site at a time, with pandas Series."""
    step = pd.Timedelta("15min")
    hours = step / pd.Timedelta(hours=1)
    mid = weather.index + step / 2
    params = pvmodel.TEMPERATURE_MODEL_PARAMETERS
    losses = pvlib.pvsystem.pvwatts_losses()
    frames = []
    for site in sites.itertuples(index=False):
        location = pvlib.location.Location(
            site.latitude, site.longitude, tz=pvmodel.LUZHAI["tz"], altitude=pvmodel.LUZHAI["altitude"]
        )
        solpos = location.get_solarposition(mid)
        w = weather.set_axis(mid)
        irr = pvlib.irradiance.get_total_irradiance(
            site.tilt_deg,
            site.azimuth_deg,
            solpos["zenith"],
            solpos["azimuth"],
            w["dni"],
            w["ghi"],
            w["dhi"],
            dni_extra=pvlib.irradiance.get_extra_radiation(mid),
            albedo=0.2,
            model="haydavies",
        )
        poa = irr["poa_global"].fillna(0).clip(lower=0)
        temp_cell = pvlib.temperature.sapm_cell(poa, w["temp_air"], w["wind_speed"], **params)
        pdc = pvlib.pvsystem.pvwatts_dc(poa, temp_cell, site.dc_kwp, -0.0037) * (1 - losses / 100)
        pac = pvlib.inverter.pvwatts(pdc, site.ac_kw / 0.96)
        frames.append(
            pd.DataFrame(
                {
                    "site_id": site.site_id,
                    "ts": weather.index,
                    "ac_kwh": pac.to_numpy() * hours,
                    "poa_w_m2": poa.to_numpy(),
                    "poa_kwh_m2": poa.to_numpy() * hours / 1000,
                    "temp_cell_c": temp_cell.to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def timed(func, repeats: int):
    """Median wall time over ``repeats`` calls, and the last result."""
    seconds = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), seconds, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    sites = make_sites()
    times = pd.date_range("2023-01-01", "2024-01-01", freq="15min", tz=pvmodel.LUZHAI["tz"], inclusive="left")
    climate = pvmodel.load_monthly_climate()
    print(
        f"{len(sites)} sites, {sites['dc_kwp'].sum():,.0f} kWp "
        f"({sites['dc_kwp'].min():.0f}-{sites['dc_kwp'].max():.0f} kWp), "
        f"{len(times):,} intervals of 15 min, {args.repeats} repeats"
    )

    weather_s, _, weather = timed(lambda: pvmodel.synthetic_weather(times, monthly_climate=climate), args.repeats)
    model_s, model_runs, out = timed(lambda: pvmodel.expected_output(sites, weather), args.repeats)
    chain_s, _, _ = timed(
        lambda: pvmodel.expected_output(sites, pvmodel.synthetic_weather(times, monthly_climate=climate)),
        args.repeats,
    )
    naive_s, naive_runs, naive = timed(lambda: naive_expected_output(sites, weather), args.repeats)

    energy = out["ac_kwh"].sum()
    naive_energy = naive["ac_kwh"].sum()
    yield_kwh_kwp = energy / sites["dc_kwp"].sum()
    print(f"synthetic_weather (1 year, 15 min)      median {weather_s:7.3f} s")
    print(
        f"expected_output, vectorised            median {model_s:7.3f} s  "
        f"(runs: {', '.join(f'{s:.3f}' for s in model_runs)})"
    )
    print(f"weather + expected_output               median {chain_s:7.3f} s  (target < {TARGET_S:.1f} s)")
    print(
        f"baseline: loop over sites, solpos each  median {naive_s:7.3f} s  "
        f"(runs: {', '.join(f'{s:.3f}' for s in naive_runs)})"
    )
    print(f"speed-up of expected_output over baseline: {naive_s / model_s:5.1f} x")
    print(
        f"annual energy {energy / 1000:,.1f} MWh, specific yield {yield_kwh_kwp:,.0f} kWh/kWp; "
        f"baseline differs by {100 * (naive_energy / energy - 1):+.4f} % "
        f"(per-site vs mean solar position)"
    )
    return 0 if chain_s < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
