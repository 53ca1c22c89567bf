"""The rooftop PV project from data: expected output per site, measured against expected, alerts, savings.

* :func:`run_model` turns the site registry (``pv_sites``) and the weather (the synthetic typical year of
  :mod:`etl.pv.pvmodel`, clear sky, or uploaded measurements for the periods they cover) into ``pv_expected``:
  one row per site and interval, at the resolution of the measured production. Each run is recorded in
  ``pv_model_runs`` with a fingerprint of its inputs; :func:`refresh_needed` tells the app when the sites,
  the weather or the settings changed since.
* :func:`site_months` is the table per site and month: expected and measured kWh, specific yield, performance
  ratio (IEC 61724-1) and temperature-corrected PR (NREL, Dierauf et al. 2013).
* :func:`alerts` finds what a user can act on: a roof below a share of expected for several days, zero
  production in daylight, data gaps, stuck values, clipping.
* :func:`savings` and :func:`settlement` give the 综合节能率, kgce and tCO2 avoided, and the EMC settlement.

Settings (losses, thresholds, tariff, discount, term) are data: ``ref_settings`` (scope 'pv'), seeded from
``data/pv_settings.csv``, each with a source; an admin edits them on the settings page.
Timestamps in the database are local time (Asia/Shanghai), naive, labelling the start of the interval, as in
``pv_production``. Functions take an open connection; the pages cache them through ``ui.common.query``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pvlib

from etl.metrics import factors, figures
from etl.pv import pvmodel
from etl.store.db import DATA_DIR

SITES_CSV = DATA_DIR / "pv_sites.csv"
SETTINGS_CSV = DATA_DIR / "pv_settings.csv"
TZ = pvmodel.LUZHAI["tz"]
MODEL_VERSION = "pv-1"  # bump when the model code changes what it writes
WEATHER_MODES = ("auto", "synthetic", "clearsky", "measured")
ALERT_KINDS = ("underperformance", "zero", "gap", "stuck", "clipping")
SITE_MODEL_COLUMNS = ["site_id", "latitude", "longitude", "dc_kwp", "tilt_deg", "azimuth_deg", "ac_kw",
                      "commissioned_on", "status"]

_lock = threading.Lock()  # one model run at a time in a process (two browser sessions may both ask)


# ------------------------------------------------------------------ registry and settings


def read_sites_csv(path: str | Path = SITES_CSV) -> pd.DataFrame:
    """The committed site registry ``data/pv_sites.csv`` (one row per site, as loaded as kind pv_sites)."""
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"site_id": str, "institution_id": str})


def settings_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The PV settings (ref_settings, scope 'pv'): key, value, unit, group, names and source."""
    return con.execute("""SELECT key, coalesce(value, '') AS value, unit, grp AS "group", name_zh, name_en, source
                          FROM ref_settings WHERE scope = 'pv' ORDER BY rowid""").df()


def settings_key(con: duckdb.DuckDBPyConnection) -> str:
    """A short hash of the PV settings (a page's cache is keyed on the data version, which an edit bumps;
    this key is for callers outside the page cache)."""
    rows = settings_table(con)[["key", "value"]].to_numpy().tolist()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12]


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """key -> value; numbers as float, everything else as text."""
    out: dict[str, Any] = {}
    for key, value in settings_table(con)[["key", "value"]].itertuples(index=False):
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = str(value).strip()
    return out


# ------------------------------------------------------------------ model inputs


def sites_for_model(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Sites that produce at some time: commissioned (on a date, or by status) with kWp and inverter rating."""
    sites = con.execute(f"SELECT {', '.join(SITE_MODEL_COLUMNS)} FROM pv_sites ORDER BY site_id").df()
    usable = sites["dc_kwp"].gt(0) & sites["ac_kw"].gt(0) & sites[["latitude", "longitude", "tilt_deg",
                                                                    "azimuth_deg"]].notna().all(axis=1)
    producing = sites["commissioned_on"].notna() | (sites["status"] == "commissioned")
    return sites[usable & producing].reset_index(drop=True)


def production_profile(con: duckdb.DuckDBPyConnection) -> dict:
    """Years with measured production and its usual interval (the model follows it: 15 or 60 min)."""
    years = [r[0] for r in con.execute(
        "SELECT DISTINCT year(ts) FROM pv_production ORDER BY 1").fetchall()]
    mode = con.execute("SELECT mode(interval_min) FROM pv_production WHERE interval_min < 1440").fetchall()[0][0]
    interval = int(mode) if mode and 60 % int(mode) == 0 else 60
    return {"years": years, "interval_min": interval}


def _weather_station(con: duckdb.DuckDBPyConnection, cfg: dict) -> str | None:
    wanted = str(cfg.get("weather_station") or "")
    rows = con.execute("SELECT station, count(*) FROM weather WHERE ghi_w_m2 IS NOT NULL GROUP BY ALL "
                       "ORDER BY 2 DESC, 1").fetchall()
    names = [r[0] for r in rows]
    if wanted:
        return wanted if wanted in names else None
    return names[0] if names else None


def measured_weather(con: duckdb.DuckDBPyConnection, times: pd.DatetimeIndex, station: str) -> pd.DataFrame:
    """Uploaded weather of a station on the model's time grid (NaN where it has none).

    Finer data is averaged into the model's intervals; coarser data (hourly for a 15-min model) is repeated
    within its own interval only.
    """
    step = times[1] - times[0]
    raw = con.execute("""
        SELECT ts, interval_min, ghi_w_m2 AS ghi, dni_w_m2 AS dni, dhi_w_m2 AS dhi, temp_air_c AS temp_air,
               wind_m_s AS wind_speed
        FROM weather WHERE station = ? AND ts >= ? AND ts < ? ORDER BY ts""",
                      [station, times[0].tz_localize(None).to_pydatetime(),
                       (times[-1] + step).tz_localize(None).to_pydatetime()]).df()
    cols = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    if raw.empty:
        return pd.DataFrame(np.nan, index=times, columns=cols)
    raw["ts"] = pd.to_datetime(raw["ts"]).dt.tz_localize(TZ)
    src_min = int(raw["interval_min"].mode().iloc[0])
    step_min = int(step / pd.Timedelta(minutes=1))
    frame = raw.set_index("ts")[cols].astype(float)
    if src_min < step_min:
        frame = frame.resample(step).mean()
    frame = frame.reindex(times)
    if src_min > step_min:
        frame = frame.ffill(limit=src_min // step_min - 1)
    return frame


def clearsky_weather(times: pd.DatetimeIndex, cfg: dict) -> pd.DataFrame:
    """Ineichen clear sky (pvlib's shipped Linke turbidity) with the typical year's temperature and wind."""
    base = pvmodel.synthetic_weather(times, seed=int(cfg["weather_seed"]))
    step = times[1] - times[0]
    mid = times + step / 2
    loc = pvlib.location.Location(pvmodel.LUZHAI["latitude"], pvmodel.LUZHAI["longitude"], tz=TZ,
                                  altitude=pvmodel.LUZHAI["altitude"])
    cs = loc.get_clearsky(mid, model="ineichen")
    for c in ("ghi", "dni", "dhi"):
        base[c] = cs[c].to_numpy()
    return base


def build_weather(con: duckdb.DuckDBPyConnection, times: pd.DatetimeIndex, mode: str,
                  cfg: dict) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Weather on the model grid, the source of each interval, and a description of what was used.

    ``measured`` (and ``auto`` when weather was uploaded) takes the uploaded weather for the intervals it
    covers and the synthetic typical year elsewhere.
    """
    if mode == "clearsky":
        return clearsky_weather(times, cfg), np.full(len(times), "clearsky", dtype=object), "clearsky"
    synthetic = pvmodel.synthetic_weather(times, seed=int(cfg["weather_seed"]))
    source = np.full(len(times), "synthetic", dtype=object)
    station = _weather_station(con, cfg) if mode in ("auto", "measured") else None
    if station is None:
        if mode == "measured":
            raise ValueError("no measured weather is loaded (kind: weather); use --weather synthetic")
        return synthetic, source, "synthetic"
    measured = measured_weather(con, times, station)
    has = measured["ghi"].notna().to_numpy()
    weather = synthetic.copy()
    if has.any():
        weather.loc[has, "ghi"] = measured.loc[has, "ghi"]
        both = has & measured["dni"].notna().to_numpy() & measured["dhi"].notna().to_numpy()
        weather.loc[both, ["dni", "dhi"]] = measured.loc[both, ["dni", "dhi"]].to_numpy()
        split = has & ~both
        if split.any():  # GHI only: split it with Erbs, as the typical year does
            mid = times[split] + (times[1] - times[0]) / 2
            zen = pvlib.solarposition.get_solarposition(mid, pvmodel.LUZHAI["latitude"],
                                                        pvmodel.LUZHAI["longitude"])["zenith"]
            erbs = pvlib.irradiance.erbs(weather.loc[split, "ghi"].to_numpy(), zen.to_numpy(), mid)
            weather.loc[split, "dni"] = np.asarray(erbs["dni"], dtype=float)
            weather.loc[split, "dhi"] = np.asarray(erbs["dhi"], dtype=float)
        for c in ("temp_air", "wind_speed"):
            ok = has & measured[c].notna().to_numpy()
            weather.loc[ok, c] = measured.loc[ok, c]
        source[has] = "measured"
    return weather, source, f"measured:{station}" if has.any() else "synthetic"


# ------------------------------------------------------------------ fingerprint and runs


def _model_settings(con: duckdb.DuckDBPyConnection, cfg: dict) -> dict:
    keys = [k for k, g in settings_table(con)[["key", "group"]].itertuples(index=False) if g == "model"]
    return {k: cfg.get(k) for k in keys}


def fingerprint(con: duckdb.DuckDBPyConnection, mode: str = "auto", years: list[int] | None = None,
                interval_min: int | None = None, cfg: dict | None = None) -> str:
    """Hash of everything the expected output depends on: sites, weather batches, climate table, settings."""
    cfg = settings(con) if cfg is None else cfg
    prof = production_profile(con)
    sites = con.execute(f"SELECT {', '.join(SITE_MODEL_COLUMNS)} FROM pv_sites ORDER BY site_id").fetchall()
    weather_batches = con.execute(
        "SELECT batch_id FROM load_batches WHERE kind = 'weather' AND status = 'loaded' ORDER BY 1").fetchall()
    payload = {
        "model": MODEL_VERSION, "mode": mode, "years": years or prof["years"],
        "interval_min": interval_min or prof["interval_min"], "settings": _model_settings(con, cfg),
        "sites": [[str(v) for v in r] for r in sites],
        "weather_batches": [r[0] for r in weather_batches] if mode in ("auto", "measured") else [],
        "climate": hashlib.sha256(pvmodel.CLIMATE_CSV.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def last_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The run whose rows are in pv_expected now, or None."""
    df = con.execute("SELECT * FROM pv_model_runs ORDER BY run_id DESC LIMIT 1").df()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["years_requested"] = json.loads(row["years_requested"]) if row["years_requested"] else None
    return row


def refresh_needed(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the sites, weather or model settings changed since the expected output was computed
    (or when it never was and there is measured production to compare with)."""
    run = last_run(con)
    if run is None:
        return bool(production_profile(con)["years"]) and not sites_for_model(con).empty
    return fingerprint(con, run["mode"], run["years_requested"]) != run["fingerprint"]


MODEL_INPUT_KINDS = ("pv", "pv_sites", "weather")  # a load or undo of these may change the expected output


def refresh_if_needed(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Run the model again (same weather mode and years as the last run) when its inputs changed.

    Called by the writers — the loader's commit or undo of a PV, site or weather file (upload page,
    history page, `python -m etl load`), a settings edit — never by a page view. Returns the run's summary,
    or None when the expected output is current or there is nothing to model."""
    if not refresh_needed(con):
        return None
    previous = last_run(con)
    try:
        return run_model(con, previous["mode"] if previous else "auto",
                         previous["years_requested"] if previous else None)
    except ValueError:
        return None  # no production or no site yet: nothing to model


def run_model(con: duckdb.DuckDBPyConnection, mode: str = "auto", years: list[int] | None = None,
              interval_min: int | None = None) -> dict:
    """Compute the expected output of every producing site and replace ``pv_expected`` with it.

    ``years``: calendar years to model (default: the years with measured production).
    ``interval_min``: model resolution (default: the usual interval of the measured production, else 60).
    Returns a summary (rows, seconds, weather used, fingerprint).
    """
    if mode not in WEATHER_MODES:
        raise ValueError(f"weather must be one of {', '.join(WEATHER_MODES)}")
    with _lock:
        t0 = time.perf_counter()
        cfg = settings(con)
        prof = production_profile(con)
        use_years = sorted(years or prof["years"])
        if not use_years:
            raise ValueError("no PV production is loaded, so there is no year to model: give the year")
        step = int(interval_min or prof["interval_min"])
        fp = fingerprint(con, mode, years, interval_min, cfg)
        sites = sites_for_model(con)
        times = pd.date_range(f"{use_years[0]}-01-01", f"{use_years[-1] + 1}-01-01", freq=f"{step}min", tz=TZ,
                              inclusive="left")
        out = pd.DataFrame()
        weather_used = "none"
        if not sites.empty:
            weather, source, weather_used = build_weather(con, times, mode, cfg)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = pvmodel.expected_output(
                    sites, weather, losses_pct=float(cfg["losses_pct"]), gamma_pdc=float(cfg["gamma_pdc"]),
                    transposition_model=str(cfg["transposition_model"]), albedo=float(cfg["albedo"]))
            local = times.tz_localize(None)
            on = pd.to_datetime(sites["commissioned_on"]).to_numpy()
            in_years = np.isin(local.year, use_years)
            keep = np.concatenate([in_years & (local >= o) if not pd.isna(o) else in_years for o in on])
            counts = [int(k.sum()) for k in np.split(keep, len(sites))]
            # plain arrays (categories for the text columns): cheap to build and to hand to DuckDB
            out = pd.DataFrame({
                "site_id": pd.Categorical.from_codes(np.repeat(np.arange(len(sites)), counts),
                                                     sites["site_id"].astype(str).tolist()),
                "ts": np.tile(local.to_numpy(), len(sites))[keep],
                "interval_min": np.full(int(keep.sum()), step, dtype=np.int32),
                "ac_kwh": out["ac_kwh"].to_numpy()[keep],
                "poa_kwh_m2": out["poa_kwh_m2"].to_numpy()[keep],
                "temp_cell_c": out["temp_cell_c"].to_numpy()[keep],
                "weather_source": pd.Categorical(np.tile(source, len(sites))[keep]),
            })
        t_model = time.perf_counter() - t0
        from etl.ingest.loader import _bump_version
        from etl.store import per_version

        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM pv_expected")
            if not out.empty:
                con.register("_pv_out", out)
                con.execute("INSERT INTO pv_expected SELECT site_id::VARCHAR, ts, interval_min, ac_kwh, poa_kwh_m2, "
                            "temp_cell_c, weather_source::VARCHAR FROM _pv_out")
                con.unregister("_pv_out")
            run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM pv_model_runs").fetchall()[0][0]
            seconds = time.perf_counter() - t0
            con.execute("INSERT INTO pv_model_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                run_id, fp, datetime.now(), mode, json.dumps(years) if years else None, weather_used,
                int(times[0].year), int(times[-1].year), step, len(out), round(seconds, 3)])
            _bump_version(con)
            per_version.refresh(con, "pv_expected")  # the alerts follow the new expected output
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return {"run_id": run_id, "rows": len(out), "sites": len(sites), "years": use_years, "interval_min": step,
                "weather": weather_used, "fingerprint": fp, "model_s": t_model, "seconds": seconds}


def weather_sources(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Which weather the expected values of a year rest on: intervals per source, first and last."""
    return con.execute("""
        SELECT weather_source, count(DISTINCT ts) AS intervals, min(ts) AS first_ts, max(ts) AS last_ts
        FROM pv_expected WHERE year(ts) = ? GROUP BY ALL ORDER BY intervals DESC""", [year]).df()


# ------------------------------------------------------------------ project status


def years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with measured or expected PV output, newest first."""
    return [r[0] for r in con.execute("""
        SELECT DISTINCT y FROM (SELECT year(ts) AS y FROM pv_production UNION SELECT year(ts) FROM pv_expected)
        ORDER BY y DESC""").fetchall()]


def site_status(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """Every site with its status on a date: from the dates where they are given, else the registry's status."""
    return con.execute("""
        SELECT site_id, name, institution_id, latitude, longitude, roof_area_m2, modules, module_w, dc_kwp,
               tilt_deg, azimuth_deg, ac_kw, construction_started_on, commissioned_on, status AS registry_status,
               CASE WHEN commissioned_on IS NOT NULL AND commissioned_on <= ?::DATE THEN 'commissioned'
                    WHEN construction_started_on IS NOT NULL AND construction_started_on <= ?::DATE
                         THEN 'under_construction'
                    WHEN commissioned_on IS NULL AND construction_started_on IS NULL THEN status
                    ELSE 'planned' END AS status
        FROM pv_sites ORDER BY site_id""", [as_of, as_of]).df()


def status_summary(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """Sites, kWp, roof m2 and modules per status on a date, with a total row."""
    s = site_status(con, as_of)
    g = s.groupby("status").agg(sites=("site_id", "count"), dc_kwp=("dc_kwp", "sum"),
                                roof_area_m2=("roof_area_m2", "sum"), modules=("modules", "sum"))
    g = g.reindex(["planned", "under_construction", "commissioned"]).fillna(0)
    g.loc["total"] = g.sum()
    return g.reset_index()


# ------------------------------------------------------------------ expected against measured


def _joined(con: duckdb.DuckDBPyConnection, year: int, site_id: str | None = None,
            sites: list[str] | None = None) -> pd.DataFrame:
    """Interval rows of a year: expected (the grid) with the measured generation where there is one."""
    where = "AND e.site_id = ?" if site_id else ("AND list_contains(?, e.site_id)" if sites is not None else "")
    args = [year] * 4 + ([site_id] if site_id else [sites] if sites is not None else [])
    # ts ranges rather than year(ts): DuckDB skips row groups outside the year by their min/max
    return con.execute(f"""
        SELECT e.site_id, e.ts, e.interval_min, e.ac_kwh, e.poa_kwh_m2, e.temp_cell_c,
               coalesce(e.weather_source = 'measured', false) AS weather_measured, p.generation_kwh
        FROM pv_expected e
        LEFT JOIN (SELECT site_id, ts, generation_kwh FROM pv_production
                   WHERE ts >= make_timestamp(?, 1, 1, 0, 0, 0) AND ts < make_timestamp(? + 1, 1, 1, 0, 0, 0)
                     AND interval_min < 1440) p
            USING (site_id, ts)
        WHERE e.ts >= make_timestamp(?, 1, 1, 0, 0, 0) AND e.ts < make_timestamp(? + 1, 1, 1, 0, 0, 0) {where}
        ORDER BY e.site_id, e.ts""", args).df()


# sites per part in _joined_parts: a year of 15-min rows of 340 sites (N=10) is 12 M rows, ~1 GB in pandas
PART_SITES = 40


def _joined_parts(con: duckdb.DuckDBPyConnection, year: int) -> Iterator[pd.DataFrame]:
    """_joined's rows a few sites at a time, in the same order: per-site work never needs every site at once."""
    sites = [r[0] for r in con.execute("SELECT DISTINCT site_id FROM pv_expected WHERE year(ts) = ? ORDER BY 1",
                                       [year]).fetchall()]
    for i in range(0, len(sites), PART_SITES):
        part = _joined(con, year, sites=sites[i:i + PART_SITES])
        if not part.empty:
            yield part


def site_months(con: duckdb.DuckDBPyConnection, year: int, gamma_pdc: float | None = None) -> pd.DataFrame:
    """Per site and month: expected and measured kWh, specific yield, PR and temperature-corrected PR.

    Over the intervals with measured data ("covered"):

    * ``pr`` = (measured kWh / kWp) / (POA kWh/m2 / 1 kW/m2)            (IEC 61724-1)
    * ``pr_temp`` = measured kWh / sum(kWp x POA x [1 - gamma (T_typ - T_cell)])   (Dierauf et al. 2013)
      with T_typ the site's irradiance-weighted mean cell temperature over the modelled years
    * ``ratio`` = measured kWh / expected kWh (the performance index)

    ``expected_kwh`` counts every interval; ``completeness`` is the share of daylight intervals with data.
    """
    gamma = float(settings(con)["gamma_pdc"] if gamma_pdc is None else gamma_pdc)
    df = con.execute("""
        WITH t AS (SELECT site_id, sum(poa_kwh_m2 * temp_cell_c) / nullif(sum(poa_kwh_m2), 0) AS t_typ_c
                   FROM pv_expected GROUP BY ALL),
        p AS (SELECT site_id, ts, generation_kwh FROM pv_production WHERE year(ts) = ? AND interval_min < 1440),
        j AS (SELECT e.site_id, date_trunc('month', e.ts)::DATE AS month, e.ac_kwh, e.poa_kwh_m2, e.temp_cell_c,
                     p.generation_kwh, p.generation_kwh IS NOT NULL AS covered
              FROM pv_expected e LEFT JOIN p USING (site_id, ts) WHERE year(e.ts) = ?)
        SELECT j.site_id, s.name, j.month, s.dc_kwp, any_value(t.t_typ_c) AS t_typ_c,
               sum(j.ac_kwh) AS expected_kwh,
               sum(j.generation_kwh) AS measured_kwh,
               coalesce(sum(j.ac_kwh) FILTER (WHERE covered), 0) AS expected_covered_kwh,
               sum(j.poa_kwh_m2) AS poa_kwh_m2,
               coalesce(sum(j.poa_kwh_m2) FILTER (WHERE covered), 0) AS poa_covered_kwh_m2,
               coalesce(sum(j.poa_kwh_m2 * (1 - ? * (t.t_typ_c - j.temp_cell_c))) FILTER (WHERE covered), 0)
                   AS poa_temp_corrected_kwh_m2,
               count(*) FILTER (WHERE j.poa_kwh_m2 > 0) AS daylight_intervals,
               count(*) FILTER (WHERE j.poa_kwh_m2 > 0 AND covered) AS daylight_covered
        FROM j JOIN t USING (site_id) JOIN pv_sites s USING (site_id)
        GROUP BY ALL ORDER BY j.site_id, j.month""", [year, year, gamma]).df()
    return _add_ratios(df)


def _add_ratios(df: pd.DataFrame) -> pd.DataFrame:
    df["measured_kwh"] = df["measured_kwh"].astype(float)
    df["specific_yield_kwh_kwp"] = df["measured_kwh"] / df["dc_kwp"]
    df["expected_yield_kwh_kwp"] = df["expected_kwh"] / df["dc_kwp"]
    df["pr"] = pvmodel.performance_ratio(df["measured_kwh"], df["dc_kwp"], df["poa_covered_kwh_m2"])
    df["pr_temp"] = pvmodel.performance_ratio(df["measured_kwh"], df["dc_kwp"], df["poa_temp_corrected_kwh_m2"])
    df["pr_expected"] = pvmodel.performance_ratio(df["expected_kwh"], df["dc_kwp"], df["poa_kwh_m2"])
    df["ratio"] = df["measured_kwh"] / df["expected_covered_kwh"].where(df["expected_covered_kwh"] > 0)
    df["completeness"] = df["daylight_covered"] / df["daylight_intervals"].where(df["daylight_intervals"] > 0)
    return df


def site_year(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """The monthly table summed over the year per site, ranked worst first (lowest measured/expected)."""
    m = site_months(con, year)
    sums = ["expected_kwh", "measured_kwh", "expected_covered_kwh", "poa_kwh_m2", "poa_covered_kwh_m2",
            "poa_temp_corrected_kwh_m2", "daylight_intervals", "daylight_covered"]
    y = m.groupby(["site_id", "name", "dc_kwp"], as_index=False).agg(
        {**{c: "sum" for c in sums}, "month": "count"}).rename(columns={"month": "months"})
    y["measured_kwh"] = m.groupby("site_id")["measured_kwh"].sum(min_count=1).reindex(y["site_id"]).to_numpy()
    return _add_ratios(y).sort_values("ratio", na_position="first").reset_index(drop=True)


# site_daily's last frames in this process: the PV page's daily chart, adjusted months and alerts (and the KPI
# page's alert count) all start from it; at N=10 it takes seconds. Keyed on what it reads (_daily_key).
_DAILY_KEEP = 4
_daily_memo: dict[tuple, pd.DataFrame] = {}
_daily_locks: dict[tuple, threading.Lock] = {}
_daily_guard = threading.Lock()


def _daily_key(con: duckdb.DuckDBPyConnection, year: int) -> tuple:
    """The database file, its data version, the PV rows and model runs (also rows written past the loader, which
    move no version) and the PV settings."""
    row = con.execute("""
        SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
               (SELECT value FROM meta WHERE key = 'data_version'),
               (SELECT [count(*), coalesce(max(batch_id), 0)] FROM pv_production),
               (SELECT count(*) FROM pv_expected), (SELECT coalesce(max(run_id), 0) FROM pv_model_runs),
               (SELECT count(*) FROM pv_sites)""").fetchall()[0]
    return (*(str(v) for v in row), settings_key(con), int(year))


def site_daily(con: duckdb.DuckDBPyConnection, year: int, settings_key: str = "") -> pd.DataFrame:
    """Per site and day: expected, measured, completeness (pvanalytics), the fleet's median ratio that day,
    and the day's verdict (gap / zero / judged / low). Computed once per state of its inputs in a process."""
    key = _daily_key(con, year)
    with _daily_guard:
        lock = _daily_locks.setdefault(key, threading.Lock())
    with lock:  # two sessions asking at once: one computes, the other waits for it
        if key not in _daily_memo:
            daily = _site_daily(con, year)
            with _daily_guard:
                for old in list(_daily_memo)[:max(0, len(_daily_memo) - _DAILY_KEEP + 1)]:
                    _daily_memo.pop(old, None)
                    _daily_locks.pop(old, None)
                _daily_memo[key] = daily
        return _daily_memo[key].copy()


def _site_daily(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    from pvanalytics.quality import gaps

    cfg = settings(con)
    parts, scores = [], []
    step = None
    for j in _joined_parts(con, year):  # a few sites at a time (memory); every step below is per site and day
        j["day"] = j["ts"].dt.normalize()
        j["daylight"] = j["poa_kwh_m2"] > 0
        j["covered"] = j["generation_kwh"].notna()
        j["exp_cov"] = j["ac_kwh"].where(j["covered"], 0.0)
        parts.append(j.groupby(["site_id", "day"], as_index=False).agg(
            expected_kwh=("ac_kwh", "sum"), expected_covered_kwh=("exp_cov", "sum"),
            measured_kwh=("generation_kwh", "sum"), rows=("covered", "sum"),
            weather_measured=("weather_measured", "all")))
        step = step or int(j["interval_min"].iloc[0])
        for site, g in j.groupby("site_id", sort=False):
            # night intervals count as present: a portal that exports daylight rows only has no gap
            series = g["generation_kwh"].where(g["daylight"], g["generation_kwh"].fillna(0.0))
            series.index = pd.DatetimeIndex(g["ts"])
            s = gaps.completeness_score(series, freq=f"{step}min", keep_index=False)
            scores.append(pd.DataFrame({"site_id": site, "day": s.index, "completeness": s.to_numpy()}))
    if not parts:
        return pd.DataFrame()
    daily = pd.concat(parts, ignore_index=True).merge(pd.concat(scores), on=["site_id", "day"], how="left")
    kwp = con.execute("SELECT site_id, dc_kwp FROM pv_sites").df().set_index("site_id")["dc_kwp"]
    daily["dc_kwp"] = daily["site_id"].map(kwp)
    complete = daily["completeness"] >= float(cfg["gap_min_completeness"])
    enough_sun = daily["expected_covered_kwh"] >= float(cfg["min_expected_kwh_kwp"]) * daily["dc_kwp"]
    ratio = daily["measured_kwh"] / daily["expected_covered_kwh"].where(daily["expected_covered_kwh"] > 0)
    daily["ratio"] = ratio
    daily["gap"] = ~complete & (daily["expected_kwh"] > 0)
    daily["zero"] = complete & enough_sun & (ratio < float(cfg["zero_share"]))
    daily["judged"] = complete & enough_sun & ~daily["zero"]
    # the typical year does not know the day's clouds; the other roofs, under the same sky, do
    fleet = daily[daily["judged"]].groupby("day")["ratio"].median().rename("fleet_ratio")
    daily = daily.merge(fleet, left_on="day", right_index=True, how="left")
    daily["weather_factor"] = np.where(daily["weather_measured"], 1.0, daily["fleet_ratio"])
    daily["expected_adjusted_kwh"] = daily["expected_kwh"] * daily["weather_factor"]
    daily["ratio_adjusted"] = daily["ratio"] / daily["weather_factor"]
    daily["low"] = daily["judged"] & (daily["ratio_adjusted"] < float(cfg["underperf_share"]))
    return daily


def site_months_adjusted(con: duckdb.DuckDBPyConnection, year: int, settings_key: str = "") -> pd.DataFrame:
    """Per site and month: measured / expected adjusted to each day's weather (the fleet's median ratio of the
    day when the expected values rest on the typical year), over the days with data.

    Unlike the plain ratio of :func:`site_months`, a month with a few days only (commissioning) is not
    distorted by the typical year's clouds falling on other days than the real ones.
    """
    d = site_daily(con, year)
    if d.empty:
        return pd.DataFrame(columns=["site_id", "month", "measured_kwh", "expected_adjusted_kwh", "ratio_adjusted"])
    d = d[d["weather_factor"].notna() & (d["expected_covered_kwh"] > 0) & ~d["gap"]].copy()
    d["month"] = d["day"].dt.to_period("M").dt.to_timestamp()
    d["expected_adjusted_kwh"] = d["expected_covered_kwh"] * d["weather_factor"]
    g = d.groupby(["site_id", "month"], as_index=False)[["measured_kwh", "expected_adjusted_kwh"]].sum()
    g["ratio_adjusted"] = g["measured_kwh"] / g["expected_adjusted_kwh"]
    return g


def _runs(days: pd.Series) -> pd.Series:
    """Run number of consecutive calendar days."""
    d = pd.to_datetime(days).sort_values()
    return (d.diff() != pd.Timedelta(days=1)).cumsum()


def alerts(con: duckdb.DuckDBPyConnection, year: int, settings_key: str = "") -> pd.DataFrame:
    """The year's alerts (compute_alerts): kept by the writers per state of their inputs (etl.pv.alert_store),
    computed here when they are not current (an older database, a write that did not refresh them)."""
    from etl.pv import alert_store

    kept = alert_store.stored(con, year)
    return kept if kept is not None else compute_alerts(con, year)


def compute_alerts(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Everything a user can act on in a year, one row per site and episode, worst (most kWh lost) first.

    * ``underperformance``: at least ``underperf_days`` judged days in a row below ``underperf_share`` of
      expected (weather-normalised; darker days in between neither break nor extend the run) - by hand;
    * ``zero``: daylight days with complete data but (almost) no production - by hand;
    * ``gap``: days whose completeness (pvanalytics.quality.gaps.completeness_score) is too low;
    * ``stuck``: daylight values repeated for ``stale_window_h`` hours (pvanalytics.quality.gaps
      .stale_values_round);
    * ``clipping``: months with intervals held at the inverter rating (pvanalytics.features.clipping.geometric
      or .threshold, confirmed against the site's ac_kw).
    """
    cfg = settings(con)
    daily = site_daily(con, year)
    cols = ["site_id", "kind", "start", "end", "days", "intervals", "measured_kwh", "expected_kwh", "ratio",
            "lost_kwh", "value"]
    if daily.empty:
        return pd.DataFrame(columns=[*cols, "name"])
    rows: list[dict] = []

    def episodes(mask: pd.Series, kind: str, min_days: int = 1) -> None:
        sub = daily[mask]
        for site, g in sub.groupby("site_id"):
            if kind == "underperformance":  # consecutive among judged days only
                judged = daily[(daily["site_id"] == site) & daily["judged"]].sort_values("day")
                run = (judged["low"] != judged["low"].shift()).cumsum()
                groups = [r for _, r in judged[judged["low"]].groupby(run[judged["low"]])]
            else:
                groups = [r for _, r in g.groupby(_runs(g["day"]).to_numpy())]
            for r in groups:
                if len(r) < min_days:
                    continue
                expected = float((r["expected_covered_kwh"] * r["weather_factor"].fillna(1.0)).sum()) \
                    if kind == "underperformance" else float(r["expected_kwh"].sum())
                measured = float(r["measured_kwh"].sum())
                rows.append({"site_id": site, "kind": kind, "start": r["day"].min(), "end": r["day"].max(),
                             "days": len(r), "intervals": None, "measured_kwh": measured, "expected_kwh": expected,
                             "ratio": measured / expected if expected else None,
                             "lost_kwh": max(expected - measured, 0.0) if kind != "gap" else None, "value": None})

    episodes(daily["low"], "underperformance", int(cfg["underperf_days"]))
    episodes(daily["zero"], "zero")
    episodes(daily["gap"], "gap")
    rows += _interval_alerts(con, year, cfg)
    out = pd.DataFrame(rows, columns=cols)
    names = con.execute("SELECT site_id, name FROM pv_sites").df().set_index("site_id")["name"]
    out["name"] = out["site_id"].map(names)
    order = {k: i for i, k in enumerate(ALERT_KINDS)}
    out["_k"] = out["kind"].map(order)
    out = out.sort_values(["_k", "lost_kwh", "site_id", "start"], ascending=[True, False, True, True])
    return out.drop(columns="_k").reset_index(drop=True)


def _interval_alerts(con: duckdb.DuckDBPyConnection, year: int, cfg: dict) -> list[dict]:
    ac = con.execute("SELECT site_id, ac_kw FROM pv_sites").df().set_index("site_id")["ac_kw"]
    rows: list[dict] = []
    step = None
    for j in _joined_parts(con, year):  # a few sites at a time (memory); every check is per site
        step = step or int(j["interval_min"].iloc[0])
        rows += _site_interval_alerts(j, ac, step, cfg)
    return rows


def _site_interval_alerts(j: pd.DataFrame, ac: pd.Series, step: int, cfg: dict) -> list[dict]:
    from pvanalytics.features import clipping
    from pvanalytics.quality import gaps

    rows: list[dict] = []
    hours = step / 60
    window = max(int(round(float(cfg["stale_window_h"]) * 60 / step)), 2)
    for site, g in j.groupby("site_id", sort=False):
        g = g.set_index(pd.DatetimeIndex(g["ts"]))
        limit_kwh = 0.97 * float(ac[site]) * hours
        gen = g["generation_kwh"]
        # stuck: daylight values with data, neither zero (that is an outage) nor at the AC limit (clipping)
        day_vals = gen[(g["poa_kwh_m2"] > 0) & gen.notna() & (gen > 0) & (gen < limit_kwh)]
        if len(day_vals) > window:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                stale = gaps.stale_values_round(day_vals, window=window, decimals=2, mark="all")
            flagged = day_vals[stale.to_numpy(dtype=bool)]
            if len(flagged):
                days = pd.Series(flagged.index.normalize().unique())
                for _, d in days.groupby(_runs(days).to_numpy()):
                    sel = flagged[flagged.index.normalize().isin(d)]
                    exp = g.loc[sel.index, "ac_kwh"]
                    rows.append({"site_id": site, "kind": "stuck", "start": d.min(), "end": d.max(),
                                 "days": len(d), "intervals": len(sel), "measured_kwh": float(sel.sum()),
                                 "expected_kwh": float(exp.sum()), "ratio": None, "lost_kwh": None,
                                 "value": float(sel.round(2).mode().iloc[0])})
        # clipping: power held at the inverter's rating
        power = (gen.fillna(0.0) / hours).asfreq(f"{step}min", fill_value=0.0)
        if (power >= 0.97 * float(ac[site])).sum() >= int(cfg["clip_min_intervals"]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # geometric is made for 1-15 min data, threshold also finds the plateaus of hourly data
                clipped = clipping.geometric(power, freq=f"{step}min") | clipping.threshold(power, freq=f"{step}min")
            clipped = clipped.reindex(g.index, fill_value=False).astype(bool) & (gen / hours >= 0.97 * float(ac[site]))
            hit = gen[clipped]
            for _month, sel in hit.groupby(hit.index.to_period("M")):
                if len(sel) < int(cfg["clip_min_intervals"]):
                    continue
                exp = g.loc[sel.index, "ac_kwh"]
                rows.append({"site_id": site, "kind": "clipping", "start": sel.index.min().normalize(),
                             "end": sel.index.max().normalize(), "days": sel.index.normalize().nunique(),
                             "intervals": len(sel), "measured_kwh": float(sel.sum()),
                             "expected_kwh": float(exp.sum()), "ratio": None, "lost_kwh": None,
                             "value": float(ac[site])})
    return rows


def site_days(con: duckdb.DuckDBPyConnection, year: int, site_id: str, settings_key: str = "") -> pd.DataFrame:
    """One site's days (for its daily chart)."""
    d = site_daily(con, year)
    return d[d["site_id"] == site_id].reset_index(drop=True) if not d.empty else d


# ------------------------------------------------------------------ savings and settlement


def savings(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang", co2: str = "guangxi",
            basis: str = "self_use") -> dict:
    """综合节能率 of the year with kgce and tCO2 avoided, and the factors used (each from data/factors.csv)."""
    rate = figures.pv_saving_rate(con, year)
    coal_f = factors.factor_for_year(con, factors.ELECTRICITY_COAL[coal], year)  # citation and status
    co2_f = factors.factor_for_year(con, factors.GRID_CO2[co2], year)
    rows = con.execute(f"""SELECT kgce_avoided, co2_t_avoided_{'generation' if basis == 'generation' else 'self_use'}
                           FROM pv_year WHERE year = ? AND coal = ? AND grid = ?""", [year, coal, co2]).fetchall()
    kgce, co2_t = rows[0] if rows else (0.0, 0.0)  # no PV that year: nothing avoided
    return {**rate, "year": year, "kgce_avoided": kgce or 0.0, "co2_t_avoided": co2_t or 0.0, "co2_basis": basis,
            "coal_factor": float(coal_f["value"]), "coal_factor_id": coal_f["factor_id"],
            "coal_source": coal_f["source"], "co2_factor": float(co2_f["value"]),
            "co2_factor_id": co2_f["factor_id"], "co2_source": co2_f["source"], "co2_status": co2_f["status"]}


def settlement(con: duckdb.DuckDBPyConnection, tariff_yuan_kwh: float | None = None, discount_pct: float = 10.0,
               term_years: int = 20, signed_on: str = "2023-06-12") -> pd.DataFrame:
    """EMC settlement per calendar year within the contract term.

    * on-site kWh = PV generation - export, of the hosts' sites, from the signing date to the end of the term;
    * tariff = the given one, else the hosts' average billed price of the year (电费 / 电量 of their
      electricity bills), else the settings' fallback;
    * hosts pay the EMC company on-site kWh x tariff x (1 - discount); they save on-site kWh x tariff x discount.
    """
    start = pd.Timestamp(signed_on)
    end = start + pd.DateOffset(years=int(term_years))
    df = con.execute("""
        WITH b AS (
            SELECT year(r.period_start) AS year, sum(r.amount_yuan) / nullif(sum(r.energy_kwh), 0) AS billed_price
            FROM readings r JOIN meters m USING (meter_id)
            WHERE r.source = 'bill' AND m.kind = 'electricity' AND r.amount_yuan IS NOT NULL AND r.energy_kwh > 0
              AND m.institution_id IN (SELECT institution_id FROM pv_sites WHERE institution_id IS NOT NULL)
            GROUP BY ALL)
        SELECT year(p.ts) AS year, sum(p.generation_kwh) AS generation_kwh,
               sum(coalesce(p.export_kwh, 0)) AS export_kwh,
               sum(pv_self_use(p.generation_kwh, p.export_kwh)) AS on_site_kwh, any_value(b.billed_price) AS billed
        FROM pv_counted p JOIN pv_sites s USING (site_id) LEFT JOIN b ON b.year = year(p.ts)
        WHERE s.institution_id IS NOT NULL AND p.ts >= ? AND p.ts < ?
        GROUP BY ALL ORDER BY year""", [start.to_pydatetime(), end.to_pydatetime()]).df()
    fallback = float(settings(con)["tariff_yuan_kwh"])
    if tariff_yuan_kwh is not None:
        df["tariff_yuan_kwh"], df["tariff_source"] = float(tariff_yuan_kwh), "setting"
    else:
        df["tariff_source"] = np.where(df["billed"].notna(), "bills", "setting")
        df["tariff_yuan_kwh"] = df["billed"].fillna(fallback).astype(float)
    d = float(discount_pct) / 100.0
    df["host_pays_yuan"] = df["on_site_kwh"] * df["tariff_yuan_kwh"] * (1 - d)
    df["host_saves_yuan"] = df["on_site_kwh"] * df["tariff_yuan_kwh"] * d
    df["contract_start"], df["contract_end"] = start.date(), (end - pd.Timedelta(days=1)).date()
    return df.drop(columns="billed")
