"""The PV alerts kept per state of their inputs, computed by the writers (issue 14).

`etl.pv.project.alerts` reads every interval of a year (12 M rows at N=10), runs pvanalytics per site and
takes 5-9 s per process and year, the same for every visitor. So the writers compute the alerts of every
modelled year (the years of `pv_expected`) inside their own transaction, after the stored metric views
and the anomaly findings (etl.store.per_version), and keep them in `pv_alerts`.

- **When they are current.** The alerts read the production, the expected output, the site registry
  (names, AC ratings), the model run and the PV settings of group `alert` (underperf_share,
  underperf_days, min_expected_kwh_kwp, zero_share, gap_min_completeness, stale_window_h,
  clip_min_intervals). `fingerprint()` is the row counts of INPUT_TABLES, the load batches of their kinds,
  those settings and a hash of the code (project.py, this file); meta `pv_alerts_fingerprint` holds the one
  the rows were computed for, with the years computed.
- **Who refreshes.** Through per_version.refresh: a load's commit and undo (a PV or site file changes the
  fingerprint, any other write leaves it current), a settings edit and its undo (an alert threshold), a PV
  model run (etl.pv.project.run_model: a new expected output), the demo build (once, at its end) and
  `python -m etl refresh`. A commit of a PV or site file after which the model must run again leaves the
  work to that run (the upload page, the history page and `etl load` run it right after the commit).
- **Readers never write.** `project.alerts(con, year)` reads the table when the stamp matches the data
  and the year was computed, else computes in memory as before.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd

from etl.store import per_version

TABLE = "pv_alerts"
STAMP_KEY = "pv_alerts_fingerprint"
INPUT_TABLES = ("pv_production", "pv_expected", "pv_sites", "pv_model_runs")
MODEL_INPUT_TABLES = ("pv_production", "pv_sites")  # a write to these may make the model run again
COLUMNS = ["site_id", "kind", "start", "end", "days", "intervals", "measured_kwh", "expected_kwh", "ratio",
           "lost_kwh", "value", "name"]

_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    year INTEGER, pos INTEGER, site_id VARCHAR, kind VARCHAR, start_ts TIMESTAMP, end_ts TIMESTAMP,
    days BIGINT, intervals DOUBLE, measured_kwh DOUBLE, expected_kwh DOUBLE, ratio DOUBLE, lost_kwh DOUBLE,
    value DOUBLE, name VARCHAR)"""


@functools.cache
def _code_hash() -> str:
    from etl.pv import project

    text = b"".join(Path(f).read_bytes() for f in (project.__file__, __file__))
    return hashlib.sha256(text).hexdigest()[:12]


def _alert_settings(con: duckdb.DuckDBPyConnection) -> list:
    return con.execute("""SELECT key, coalesce(value, '') FROM ref_settings WHERE scope = 'pv' AND grp = 'alert'
                          ORDER BY key""").fetchall()


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the alerts depend on, as the data is now (in this cursor's transaction)."""
    base = per_version.input_fingerprint(con, _code_hash(), INPUT_TABLES)
    cfg = hashlib.sha256(json.dumps(_alert_settings(con)).encode()).hexdigest()[:12]
    return f"{base}:{cfg}"


def _stamp(con: duckdb.DuckDBPyConnection) -> tuple[str, list[int]] | None:
    value = per_version.stamp(con, STAMP_KEY)
    if not value:
        return None
    stamp = json.loads(value)
    return stamp["fingerprint"], stamp["years"]


def _current_years(con: duckdb.DuckDBPyConnection) -> list[int] | None:
    """The years kept, when the kept alerts fit the data as it is now; else None."""
    try:
        if not per_version.has_tables(con, [TABLE]):
            return None
        stamp = _stamp(con)
        return stamp[1] if stamp and stamp[0] == fingerprint(con) else None
    except duckdb.CatalogException:  # an older database without meta, ref_settings or load_batches
        return None


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    return _current_years(con) is not None


def _years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute("SELECT DISTINCT year(ts) FROM pv_expected ORDER BY 1").fetchall()]


def refresh(con: duckdb.DuckDBPyConnection, changed_table: str | None = None, changed: object | None = None,
            force: bool = False) -> bool:
    """Compute the alerts of every modelled year and keep them (inside the writer's transaction, after its
    writes). Nothing to do when they are current (unless force). True when computed."""
    if per_version.is_deferred():
        return False
    from etl.pv import project

    try:
        fp = fingerprint(con)
    except duckdb.CatalogException:  # a database without the settings table: readers compute
        return False
    con.execute(_DDL)
    stamp = _stamp(con)
    if not force and stamp and stamp[0] == fp:
        return False
    if not force and changed_table in MODEL_INPUT_TABLES and project.refresh_needed(con):
        per_version.drop_stamp(con, STAMP_KEY)  # the model run after this write computes them
        return False
    years = _years(con)
    try:
        frames = [project.compute_alerts(con, y).assign(year=y) for y in years]
    except (KeyError, ValueError, TypeError):  # e.g. a threshold missing: readers compute (and say) it themselves
        per_version.drop_stamp(con, STAMP_KEY)
        return False
    rows = pd.concat([f for f in frames if not f.empty] or [pd.DataFrame(columns=[*COLUMNS, "year"])],
                     ignore_index=True)
    rows["pos"] = rows.groupby("year").cumcount() if not rows.empty else pd.Series(dtype="int64")
    rows = rows.rename(columns={"start": "start_ts", "end": "end_ts"})
    for col in ("intervals", "measured_kwh", "expected_kwh", "ratio", "lost_kwh", "value"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype("float64")
    cols = ["year", "pos", "site_id", "kind", "start_ts", "end_ts", "days", "intervals", "measured_kwh",
            "expected_kwh", "ratio", "lost_kwh", "value", "name"]
    per_version.replace_rows(con, TABLE, rows[cols])
    per_version.set_stamp(con, STAMP_KEY, json.dumps({"fingerprint": fp, "years": years}))
    return True


def stored(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame | None:
    """The year's kept alerts as project.compute_alerts returns them, or None when they are not current or
    the year was not computed."""
    years = _current_years(con)
    if years is None or int(year) not in years:
        return None
    df = con.execute(f"""SELECT site_id, kind, start_ts AS start, end_ts AS "end", days, intervals, measured_kwh,
                                expected_kwh, ratio, lost_kwh, value, name
                         FROM {TABLE} WHERE year = ? ORDER BY pos""", [int(year)]).df()
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col])
    return df
