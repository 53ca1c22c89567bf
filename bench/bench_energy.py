"""Benchmark of the energy page at demo size: how long a filter change takes to redraw.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_energy.py [--db PATH] [--repeats 5]

Without --db it uses $ENERGY_DB or data/energy.duckdb, and builds the demo database in a temporary
folder when there is none. It times, as medians over the repeats:

1. The page's queries for each view of a drill-down walk (county → type → institution → meter, then
   the coal, grid and fleet settings), called directly on a new connection: no cache (the baseline;
   it includes the anomaly scan of all meters, which the page caches once per data version).
2. The same calls through ui.common.query, the way the page makes them, once the cache holds them
   (what a user sees when going back to a view).
3. The whole page redrawn by Streamlit (AppTest) for each user action of a walk through the filters,
   starting from an empty cache: the first walk (each view's queries run for the first time), then
   the median of the later walks (cached).

Target: a filter change redraws in under a second.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

TARGET_S = 1.0
YEAR = 2024
# (label, year, coal, grid, type, institution, meter, fleet): the walk of filter changes
WALK = [
    ("county", YEAR, "dangliang", "guangxi", None, None, None, False),
    ("type 学校", YEAR, "dangliang", "guangxi", "学校", None, None, False),
    ("institution I100", YEAR, "dangliang", "guangxi", "学校", "I100", None, False),
    ("meter W-I100", YEAR, "dangliang", "guangxi", "学校", "I100", "W-I100", False),
    ("meter E-I100 (heat map)", YEAR, "dangliang", "guangxi", "学校", "I100", "E-I100", False),
    ("county 2023", 2023, "dangliang", "guangxi", None, None, None, False),
    ("等价值", 2023, "dengjia", "guangxi", None, None, None, False),
    ("national grid", 2023, "dengjia", "national", None, None, None, False),
    ("fleet on", 2023, "dengjia", "national", None, None, None, True),
]


def page_calls(first: int, last: int, year: int, coal: str, grid: str, type_, inst, meter, fleet) -> list:
    """The query functions and arguments pages/energy.py calls for a view."""
    from etl.metrics import anomalies, energy

    calls = [(energy.data_years, ()), (energy.institution_types, ()), (energy.institutions, ()),
             (energy.meters, ()), (anomalies.find_all, ())]
    if meter:
        calls += [(energy.meter_monthly, (meter, coal, grid)), (energy.hourly_profile, (meter, year))]
        return calls
    fleet_on = fleet and not type_ and not inst
    calls += [(energy.scope_by_year, (first, last, coal, grid, type_, inst, fleet_on)),
              (energy.monthly, (year - 1, year, coal, grid, type_, inst)),
              (energy.breakdown, (year, coal, grid, type_, inst))]
    if not inst:
        calls.append((energy.ranking, (year, "energy_kgce_per_m2", coal, grid, type_)))
    if not type_ and not inst:
        calls += [(energy.pv_contribution, (first, last, coal, grid)), (energy.fleet, (first, last, grid))]
    return calls


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_queries(db: Path, repeats: int) -> None:
    from etl.metrics import energy
    from etl.store.db import connect
    from ui.common import query

    with connect(db) as con:
        first, last = energy.data_years(con)
    print(f"\n1-2. The page's queries per view (median of {repeats})")
    print(f"{'view':<26}{'calls':>6}{'uncached s':>12}{'cached s':>10}{'ratio':>8}")
    for label, year, coal, grid, type_, inst, meter, fleet in WALK:
        calls = page_calls(first, last, year, coal, grid, type_, inst, meter, fleet)

        def direct(calls=calls):
            with connect(db) as con:
                for fn, args in calls:
                    fn(con, *args)

        def cached(calls=calls):
            for fn, args in calls:
                query(fn, *args)

        cold = statistics.median(timed(direct) for _ in range(repeats))
        cached()  # fill the cache
        warm = statistics.median(timed(cached) for _ in range(repeats))
        print(f"{label:<26}{len(calls):>6}{cold:>12.3f}{warm:>10.3f}{cold / warm:>7.0f}x")


# one user action per step: (label, widget key, value); the walk ends where it started
ACTIONS = [
    ("type 学校", "en_type", "学校"), ("institution I100", "en_inst", "I100"), ("meter W-I100", "en_meter", "W-I100"),
    ("meter E-I100 (heat map)", "en_meter", "E-I100"), ("back to the county", "en_type", "*"),
    ("year 2023", "en_year", 2023), ("等价值", "en_coal", "dengjia"), ("national grid", "en_grid", "national"),
    ("fleet on", "en_fleet", True), ("fleet off", "en_fleet", False), ("guangxi grid", "en_grid", "guangxi"),
    ("当量值", "en_coal", "dangliang"), ("year 2024", "en_year", YEAR),
]


def bench_page(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    def widget(at: AppTest, key: str):
        if key == "en_coal":
            return at.radio(key=key)
        if key == "en_fleet":
            return at.toggle(key=key)
        return at.selectbox(key=key)

    def walk(at: AppTest) -> list[float]:
        out = []
        for _label, key, value in ACTIONS:
            widget(at, key).set_value(value)
            out.append(timed(at.run))
            assert not at.exception, at.exception
        return out

    import streamlit as st

    st.cache_data.clear()  # part 3 starts cold: nothing cached by parts 1-2
    print("\n3. Whole-page redraw (AppTest, includes AppTest's own overhead) per user action")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.session_state["lang"] = "zh"
    at.run()
    t_first = timed(lambda: at.switch_page("pages/energy.py").run())
    print(f"first open of the page (cold cache, incl. the anomaly scan of all meters): {t_first:.2f} s")
    runs = [walk(at) for _ in range(repeats)]
    print(f"{'action':<26}{'first time s':>14}{f'median of next {repeats - 1} s':>22}")
    for i, (label, _key, _value) in enumerate(ACTIONS):
        later = statistics.median(r[i] for r in runs[1:])
        print(f"{label:<26}{runs[0][i]:>14.3f}{later:>22.3f}")
    first = statistics.median(runs[0])
    again = statistics.median(t for r in runs[1:] for t in r)
    worst_again = max(t for r in runs[1:] for t in r)
    print(f"median redraw: first time {first:.3f} s, cached {again:.3f} s (worst {worst_again:.3f} s); "
          f"cold/cached {first / again:.1f}x; target < {TARGET_S} s: {'OK' if again < TARGET_S else 'SLOWER'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("ENERGY_DB", str(ROOT / "data" / "energy.duckdb")))
    parser.add_argument("--repeats", type=int, default=5)
    a = parser.parse_args()
    db = Path(a.db)
    if not db.exists():
        from etl.demo import dataset

        tmp = Path(tempfile.mkdtemp(prefix="bench_energy_"))
        db = tmp / "demo.duckdb"
        print(f"building the demo database in {tmp} …")
        dataset.build(db, out_dir=tmp / "files")
    os.environ["ENERGY_DB"] = str(db)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM readings").fetchone()[0]
    print(f"database {db}: {n:,} readings")
    bench_queries(db, a.repeats)
    bench_page(max(a.repeats, 2))


if __name__ == "__main__":
    main()
