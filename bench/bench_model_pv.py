"""Benchmark of `python -m etl model-pv` end to end: the 34 sites of data/pv_sites.csv, one year at 15 minutes.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_model_pv.py [--repeats 5] [--year 2024]

A temporary database gets the committed site registry; then, as the median of the repeats:

* ``etl.pv.run_model``: synthetic weather, the vectorised pvlib chain for all sites, trimming to the
  commissioning dates, and writing ``pv_expected`` (~1.2 million rows) and the run record in one transaction;
* its model part alone (everything before the database write), as reported by run_model;
* a baseline in the same script: the same weather and database write, but the pvlib chain called site by site
  with its own solar position (bench_pvmodel.naive_expected_output).

Target: the model (34 sites x 1 year x 15 min) under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402

from etl.pv import project, pvmodel  # noqa: E402
from etl.store.db import connect  # noqa: E402

TARGET_S = 2.0


def _registry(con) -> None:
    sites = project.read_sites_csv()
    con.register("_s", sites.assign(batch_id=0))
    cols = ", ".join([*sites.columns, "batch_id"])
    con.execute(f"INSERT INTO pv_sites ({cols}) SELECT {cols} FROM _s")
    con.unregister("_s")


def _median(values: list[float]) -> str:
    return f"median {statistics.median(values):6.3f} s  (runs: {', '.join(f'{v:.3f}' for v in values)})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    import bench_pvmodel

    with tempfile.TemporaryDirectory() as tmp, connect(Path(tmp) / "bench.duckdb") as con:
        _registry(con)
        totals, models = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            r = project.run_model(con, "synthetic", [args.year], interval_min=15)
            totals.append(time.perf_counter() - start)
            models.append(r["model_s"])
        sites = project.sites_for_model(con)
        print(f"{r['sites']} sites, {sites['dc_kwp'].sum():,.0f} kWp, {args.year} at 15 min: {r['rows']:,} rows "
              f"written, {args.repeats} repeats")
        print(f"run_model end to end (weather, model, write)   {_median(totals)}")
        print(f"  of which the model (weather + pvlib chain)    {_median(models)}  (target < {TARGET_S:.1f} s)")

        # baseline: one site at a time, its own solar position, the same write
        times = pd.date_range(f"{args.year}-01-01", f"{args.year + 1}-01-01", freq="15min", tz=project.TZ,
                              inclusive="left")
        base = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            weather = pvmodel.synthetic_weather(times, seed=0)
            out = bench_pvmodel.naive_expected_output(sites, weather)
            out["ts"] = out["ts"].dt.tz_localize(None)
            out["interval_min"], out["weather_source"] = 15, "synthetic"
            con.execute("DELETE FROM pv_expected")
            con.register("_o", out)
            con.execute("INSERT INTO pv_expected SELECT site_id, ts, interval_min, ac_kwh, poa_kwh_m2, temp_cell_c, "
                        "weather_source FROM _o")
            con.unregister("_o")
            base.append(time.perf_counter() - start)
        print(f"baseline: site-by-site pvlib, same write        {_median(base)}")
        print(f"speed-up of run_model over the baseline: {statistics.median(base) / statistics.median(totals):4.1f} x")
    return 0 if statistics.median(models) < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
