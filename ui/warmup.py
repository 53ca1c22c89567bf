"""The public pages' shared queries computed before the first visitor asks (issue 14).

Ten visitors arriving on cold caches waited for the cold queries of the energy and PV pages (computed once,
the others wait) while the other sessions held the GIL: p95 4.5 s, against 2.4 s with the caches warm. So
one background thread per dashboard process (`start()`, called by dashboard.py on every run; it starts the
thread once) runs, when the server starts and whenever the database's data version moves, the cached
queries (`ui.common.query`, st.cache_data) that the overview, energy, KPI and PV pages run for their
default view: the newest year, the default factors, the whole county. The queries do not depend on the
language (the pages translate their results), so one warm-up serves both languages. The charts
(`ui.common.chart`) are built by functions inside the pages and stay with the first visitor.

- **Cheap when nothing changed.** Every `poll_s` (data/warmup_settings.csv) it stats the database file and
  its WAL, as `ui.common.query` does; only when they changed does it open the database to read the data
  version, and only a new version is warmed.
- **Reads only, as pages do.** Every query goes through `etl.store.db.connect` (a cursor per query,
  released at once), so a command-line load that waits for the dashboard gets the file, and the warm-up
  waits for the load like a page. A missing database is left alone (never created); an empty one warms
  nothing; a failure (a damaged file, a load holding the lock for minutes) is one log line without a
  traceback, and the warm-up tries again when the file changes.
- **When.** `streamlit run serve.py` (make run) starts it when the server starts, before any visitor
  (serve.py's lifespan hook); `streamlit run dashboard.py` starts it with the first visitor's session.
- **Off in AppTest and tests.** It starts only inside a real Streamlit server (AppTest's runtime is a mock)
  with `enabled` = 1, or when a caller passes `force=True` (serve.py, tests, bench/bench_sessions.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from etl.store import data_files
from etl.store.db import DATA_DIR, db_path, quiet
from ui import common

SETTINGS_CSV = DATA_DIR / "warmup_settings.csv"
log = logging.getLogger("energy.warmup")


def settings() -> dict[str, float]:
    """enabled (0/1) and poll_s from data/warmup_settings.csv."""
    return {r["setting"]: float(r["value"]) for r in data_files.rows(SETTINGS_CSV)}


# ------------------------------------------------------------------ what each page asks for by default
# The same calls, with the same arguments, as the pages' first run (tests/test_warmup.py runs each page
# after a warm-up and checks it computes nothing: a page that changes its defaults fails that test).


def _year(choices: list[int]) -> int:
    """The year a page opens on and its completeness, as ui.year_note asks for them (etl/metrics/years.py)."""
    from etl.metrics import years as yr

    year = yr.default_year(list(choices), common.query(yr.last_complete_year))
    common.query(yr.year_status, year)
    return year


def overview() -> None:
    from etl.metrics import factors, figures
    from etl.metrics import years as yr

    years = common.query(figures.years)
    if not years:
        return
    year = _year(years)
    common.query(yr.complete_years)
    common.query(figures.overview, year, "dangliang", True)
    common.query(factors.factor_for_year, "elec_kgce_dangliang", year)
    common.query(figures.monthly_by_type, year)
    common.query(figures.energy_by_year, min(years), max(years), "dangliang", True)
    common.query(figures.logistics_by_year, min(years), max(years))


def energy() -> None:
    from etl.metrics import anomalies, anomaly_store, energy, factors
    from etl.metrics import years as yr
    from etl.metrics.factors import ELECTRICITY_COAL, GRID_CO2

    span = common.query(energy.data_years)
    if span is None:
        return
    first, last = span
    year, coal, grid = _year(list(range(last, first - 1, -1))), "dangliang", "guangxi"
    common.query(yr.complete_years)
    for fn in (energy.institution_types, energy.institutions, energy.meters, anomaly_store.findings,
               factors.targets, anomalies.settings_table):
        common.query(fn)
    common.query(factors.factor_for_year, ELECTRICITY_COAL[coal], year)
    common.query(factors.factor_for_year, GRID_CO2[grid], year)
    common.query(energy.scope_by_year, first, last, coal, grid, None, None, True)
    common.query(energy.national_reference, year)
    common.query(energy.monthly, year - 1, year, coal, grid, None, None)
    common.query(energy.breakdown, year, coal, grid, None, None)
    common.query(energy.ranking, year, next(iter(energy.INTENSITIES)), coal, grid, None)
    common.query(energy.pv_contribution, first, last, coal, grid)
    common.query(energy.fleet, first, last, grid)


def kpi() -> None:
    from etl.metrics import figures, kpi
    from etl.pv import project

    years = common.query(figures.years)
    if not years:
        return
    year = _year(years)
    common.query(kpi.kpi_report, year, "dangliang", "guangxi", True)
    common.query(project.alerts, year, "")
    common.query(figures.repairs_by_group, year, year)


def pv() -> None:
    from etl.metrics import factors
    from etl.pv import project

    common.query(project.refresh_needed)
    years = common.query(project.years)
    if not years:
        return
    cfg = common.query(project.settings)
    year = _year(years)
    as_of = f"{year}-12-31"
    common.query(project.status_summary, as_of)
    common.query(project.site_status, as_of)
    common.query(project.last_run)
    common.query(project.weather_sources, year)
    ranked = common.query(project.site_year, year)
    common.query(project.site_months, year)
    common.query(project.site_months_adjusted, year, "")
    alerts = common.query(project.alerts, year, "")
    site_ids = ranked["site_id"].tolist()
    if site_ids:  # the page opens the first alert's site, else the first site
        common.query(project.site_days, year, alerts["site_id"].iloc[0] if not alerts.empty else site_ids[0], "")
    sav = common.query(project.savings, year, cfg["coal_factor"], cfg["co2_factor"], cfg["co2_basis"])
    common.query(factors.factor_for_year, sav["coal_factor_id"], year)
    common.query(factors.factor_for_year, sav["co2_factor_id"], year)
    common.query(project.settlement, None, float(cfg["discount_pct"]), int(cfg["term_years"]),
                 str(cfg["contract_signed_on"]))
    common.query(project.settings_table)


def dashboard() -> None:
    """What dashboard.py's sidebar asks on every page (the county's name depends on the demo flag)."""
    from etl.metrics import figures

    common.query(figures.is_demo)


# in the order visitors meet them: the landing page first
PAGES: dict[str, Callable[[], None]] = {"dashboard": dashboard, "overview": overview, "energy": energy,
                                        "kpi": kpi, "pv": pv}


# ------------------------------------------------------------------ the thread


@dataclass
class State:
    """What the warm-up did last (read by tests and the bench)."""

    stamp: tuple | None = None    # the database file's stamp last looked at
    version: str | None = None    # the data version last warmed
    runs: int = 0                 # warm-ups done
    seconds: float = 0.0          # the last warm-up's duration
    failed: str | None = None     # the last failure, in one line
    done: threading.Event = field(default_factory=threading.Event)  # set after each warm-up or failure


state = State()
_thread: threading.Thread | None = None
_stop = threading.Event()
_lock = threading.Lock()


def warm() -> dict[str, float]:
    """Run every page's default queries now (in this thread); {page: seconds}."""
    took = {}
    with quiet():
        for name, fn in PAGES.items():
            t0 = time.perf_counter()
            fn()
            took[name] = time.perf_counter() - t0
    return took


def check() -> bool:
    """One look: warm when the data version moved since the last warm-up. True when it warmed."""
    path = db_path()
    if not Path(path).exists():  # nothing to warm; never create the database
        return False
    stamp = common._stamp(str(path))
    if stamp == state.stamp:
        return False
    state.stamp = stamp  # a failure below is tried again when the file changes, not every poll
    try:
        with quiet():
            version = common._version(str(path), stamp)
        if version == state.version:
            return False
        t0 = time.perf_counter()
        took = warm()
        state.version, state.runs, state.seconds, state.failed = version, state.runs + 1, time.perf_counter() - t0, None
        log.info("warmed the public pages' queries for data version %s in %.1f s (%s)", version, state.seconds,
                 ", ".join(f"{k} {v:.1f} s" for k, v in took.items()))
        return True
    except Exception as exc:  # noqa: BLE001 - a visitor will compute what is missing; one line, no traceback
        state.failed = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        log.warning("warm-up skipped, tried again when the database changes: %s", state.failed)
        return False
    finally:
        state.done.set()


def _loop(stop: threading.Event, poll_s: float, wait_for_runtime: bool = False) -> None:
    if wait_for_runtime:  # started before the server's runtime exists (serve.py): its caches come with it
        from streamlit import runtime

        deadline = time.monotonic() + 60
        while not runtime.exists() and time.monotonic() < deadline and not stop.wait(0.1):
            pass
        if not stop.is_set():  # as dashboard.py does on its first run: keep the instance between queries
            from etl.store import db as store_db
            from ui.errors import wait_notice

            store_db.hold_for_dashboard(wait_notice)
    while not stop.is_set():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - the thread must live on (a stat that failed, say)
            log.warning("warm-up check failed: %s", exc)
        stop.wait(poll_s)


def _in_server() -> bool:
    """True inside a running Streamlit server (AppTest installs a mock runtime, and plain scripts none)."""
    from streamlit.runtime import Runtime

    return type(Runtime._instance) is Runtime


def start(force: bool = False, wait_for_runtime: bool = False) -> threading.Thread | None:
    """Start the warm-up thread once per process (only inside a real server with enabled = 1, or force).
    wait_for_runtime: the first look waits until Streamlit's runtime exists (serve.py starts it earlier)."""
    global _thread
    if _thread is not None:
        return _thread
    if not force and not (_in_server() and settings().get("enabled", 0) >= 1):
        return None
    with _lock:
        if _thread is None:
            _stop.clear()
            _thread = threading.Thread(target=_loop, args=(_stop, settings().get("poll_s", 2.0), wait_for_runtime),
                                       name="energy-warmup", daemon=True)
            _thread.start()
    return _thread


def stop() -> None:
    """Stop the thread and forget what it did (tests)."""
    global _thread, state
    with _lock:
        thread, _thread = _thread, None
    if thread is not None:
        _stop.set()
        thread.join(timeout=60)
    state = State()
