"""Every figure the pages, the exports and the tests show, defined once.

Functions take an open connection and return plain values or DataFrames; the
pages cache them by data version. Units are in the names.

Decisions (see README, "Decisions"):
- 综合能耗 (energy_kgce) counts every energy bought: grid electricity import, piped gas
  and, at county level, the petrol and diesel of the official vehicles (the
  public-institution energy statistics; `include_fleet=False` leaves the fuel out).
  PV electricity used on site is a saving, shown as such, not consumption.
- The definitions are SQL views (etl/store/views.py); these functions choose rows and columns.
- A year is the calendar year of a bill's billing month or an interval's start.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.metrics import factors
from etl.store.views import COALS, GRIDS


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()
    return rows[0][0] if rows else "0"


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT value FROM meta WHERE key = 'demo'").fetchall()
    return bool(rows) and rows[0][0] == "true"


def years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years with any meter, PV or logistics data, newest first."""
    rows = con.execute("""
        SELECT DISTINCT y FROM (
            SELECT year(month) AS y FROM institution_month
            UNION SELECT year(reported_at) FROM work_orders
            UNION SELECT year(depart_at) FROM dispatches)
        WHERE y IS NOT NULL ORDER BY y DESC""").fetchall()
    return [r[0] for r in rows]


def _basis(coal: str, grid: str) -> None:
    if coal not in COALS or grid not in GRIDS:
        raise ValueError(f"unknown conversion {coal}/{grid}")


def energy_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
                   include_fleet: bool = True, grid: str = "guangxi") -> pd.DataFrame:
    """County totals per year (county_year view): electricity use, grid import, PV, kgce, water, the
    fleet's fuel (fleet_kgce: counted in energy_kgce; fleet_fuel_kgce and fleet_share_pct: always), area,
    people and the intensities (as intensity_by_year)."""
    _basis(coal, grid)
    return con.execute("""
        SELECT year, electricity_use_kwh, grid_import_kwh, pv_generation_kwh, pv_self_use_kwh, energy_kgce,
               water_m3, buildings_kgce, fleet_kgce, fleet_fuel_kgce, fleet_share_pct, floor_area_m2, people, co2_t,
               energy_kgce_per_m2, energy_kgce_per_person, water_m3_per_person, co2_kg_per_m2
        FROM county_year WHERE coal = ? AND grid = ? AND with_fleet = ? AND year BETWEEN ? AND ?
        ORDER BY year""", [coal, grid, include_fleet, first, last]).df()


def monthly_by_type(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Electricity use and water per month and institution type."""
    return con.execute("""
        SELECT m.month, i.type, sum(m.electricity_use_kwh) AS electricity_use_kwh,
               sum(m.grid_import_kwh) AS grid_import_kwh, sum(m.water_m3) AS water_m3
        FROM institution_month m JOIN institutions i USING (institution_id)
        WHERE year(m.month) = ? GROUP BY ALL ORDER BY m.month, i.type""", [year]).df()


# The service rule 小修不过夜，大修不隔天: a minor repair closed the day it was reported, a major one
# by the end of the next day. One SQL condition, used by every query that counts it.
WITHIN_RULE = """closed_at IS NOT NULL AND (
    (category = 'minor' AND closed_at::DATE = reported_at::DATE) OR
    (category = 'major' AND closed_at::DATE <= reported_at::DATE + 1))"""


def logistics_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """Repairs, meetings, receptions, visitors and dispatches per year."""
    return con.execute(f"""
        WITH y AS (SELECT range AS year FROM range(?, ? + 1)),
        wo AS (SELECT year(reported_at) AS year, count(*) AS repairs_total,
                      count(closed_at) AS repairs_closed,
                      count(*) FILTER (WHERE {WITHIN_RULE}) AS repairs_within_rule
               FROM work_orders GROUP BY ALL),
        me AS (SELECT year(held_on) AS year, count(*) AS meetings_served FROM meetings GROUP BY ALL),
        re AS (SELECT year(held_on) AS year, count(*) AS reception_groups, sum(people) AS reception_people,
                      count(*) FILTER (WHERE in_canteen) AS canteen_groups,
                      coalesce(sum(people) FILTER (WHERE in_canteen), 0) AS canteen_people
               FROM receptions GROUP BY ALL),
        vi AS (SELECT year(visited_on) AS year, count(*) AS visitor_groups, sum(people) AS visitor_people
               FROM visitor_groups GROUP BY ALL),
        di AS (SELECT year(depart_at) AS year, count(*) AS dispatches,
                      count(*) FILTER (WHERE accident) AS fleet_accidents FROM dispatches GROUP BY ALL)
        SELECT y.year,
               coalesce(repairs_total, 0) AS repairs_total, coalesce(repairs_closed, 0) AS repairs_closed,
               coalesce(repairs_within_rule, 0) AS repairs_within_rule,
               coalesce(meetings_served, 0) AS meetings_served,
               coalesce(reception_groups, 0) AS reception_groups, coalesce(reception_people, 0) AS reception_people,
               coalesce(canteen_groups, 0) AS canteen_groups, coalesce(canteen_people, 0) AS canteen_people,
               coalesce(visitor_groups, 0) AS visitor_groups, coalesce(visitor_people, 0) AS visitor_people,
               coalesce(dispatches, 0) AS dispatches, coalesce(fleet_accidents, 0) AS fleet_accidents
        FROM y LEFT JOIN wo USING (year) LEFT JOIN me USING (year) LEFT JOIN re USING (year)
             LEFT JOIN vi USING (year) LEFT JOIN di USING (year)
        ORDER BY y.year""", [first, last]).df()


def pv_project(con: duckdb.DuckDBPyConnection, as_of: str) -> dict:
    """Sites, roof, modules and kWp of the PV project, and how many were built by a date."""
    row = con.execute("""
        SELECT count(*) AS sites_total, coalesce(sum(roof_area_m2), 0) AS roof_m2,
               coalesce(sum(modules), 0) AS modules, coalesce(sum(dc_kwp), 0) AS dc_kwp,
               count(*) FILTER (WHERE commissioned_on <= ?::DATE) AS sites_commissioned,
               coalesce(sum(roof_area_m2) FILTER (WHERE commissioned_on <= ?::DATE), 0) AS roof_m2_commissioned,
               count(*) FILTER (WHERE construction_started_on <= ?::DATE
                                  AND (commissioned_on IS NULL OR commissioned_on > ?::DATE))
                   AS sites_under_construction
        FROM pv_sites""", [as_of] * 4).df()
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.iloc[0].items()}


def pv_saving_rate(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    """综合节能率: PV energy used on site / total electricity use of the host sites, same year.

    Only months in which the site produced are counted, so a site commissioned in
    November does not dilute the rate with ten months of no PV.
    """
    rows = con.execute("""SELECT pv_self_use_kwh, host_use_kwh, pv_generation_kwh, saving_rate_pct FROM pv_year
                          WHERE year = ? AND coal = 'dangliang' AND grid = 'guangxi'""", [year]).fetchall()
    self_use, use, gen, rate = rows[0] if rows else (0.0, 0.0, 0.0, None)  # the view: etl/store/views.py
    return {"pv_self_use_kwh": self_use or 0.0, "host_use_kwh": use or 0.0, "pv_generation_kwh": gen or 0.0,
            "saving_rate_pct": rate}


def certification_stages(con: duckdb.DuckDBPyConnection, program: str, as_of: str) -> pd.DataFrame:
    """Units per current stage (the latest stage reached by the date) for 'jieyue' or 'jieshui'."""
    return con.execute("""
        WITH latest AS (
            SELECT institution_id, arg_max(stage, stage_date) AS stage
            FROM certifications WHERE program = ? AND stage_date <= ?::DATE GROUP BY ALL)
        SELECT stage, count(*) AS units FROM latest GROUP BY ALL ORDER BY units DESC""",
                       [program, as_of]).df()


def change_pct(value, previous):
    """Relative change in % against a previous value: the one definition (scalars or pandas Series).
    None (NaN in a Series) where there is no previous value or it is zero."""
    if isinstance(value, pd.Series) or isinstance(previous, pd.Series):
        prev = (previous if isinstance(previous, pd.Series) else pd.Series(previous, index=value.index))
        prev = prev.astype("float64")
        return 100.0 * (value - prev) / prev.where(prev != 0)
    if value is None or previous is None or pd.isna(value) or pd.isna(previous) or previous == 0:
        return None
    return 100.0 * (value - previous) / previous


def overview(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang",
             include_fleet: bool = True) -> pd.DataFrame:
    """The overview page's figures for a year with the year before and the change in %."""
    energy = energy_by_year(con, year - 1, year, coal, include_fleet).set_index("year")
    logistics = logistics_by_year(con, year - 1, year).set_index("year")
    rows = []
    spec = [("electricity_use_kwh", energy), ("grid_import_kwh", energy), ("energy_kgce", energy),
            ("fleet_share_pct", energy), ("water_m3", energy), ("pv_generation_kwh", energy), ("dispatches", logistics),
            ("repairs_total", logistics)]
    for metric, frame in spec:
        value = frame[metric].get(year) if metric in frame else None
        previous = frame[metric].get(year - 1) if metric in frame else None
        value = None if value is None or pd.isna(value) else float(value)
        previous = None if previous is None or pd.isna(previous) else float(previous)
        rows.append({"metric": metric, "value": value, "previous": previous,
                     "change_pct": change_pct(value, previous)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ intensities and targets

LEVELS = {None: "county", "type": "type", "institution_id": "institution"}


def intensity_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
                      grid: str = "guangxi", group_by: str | None = None,
                      include_fleet: bool = True) -> pd.DataFrame:
    """Energy (kgce), water, CO2 and their intensities per year, for the county or per type/institution
    (scope_year view).

    Floor area and people count only institutions that have data in that year, so a
    missing bill does not dilute the intensity.

    include_fleet (county only; per type or institution there is no fleet fuel): official-vehicle fuel
    is counted in energy_kgce and its intensities; fleet_kgce is the amount added, fleet_fuel_kgce and
    fleet_share_pct the fleet's fuel and share whether counted or not. CO2 stays buildings-only.
    """
    _basis(coal, grid)
    level = LEVELS[group_by]
    sel = f"{group_by}, " if group_by else ""
    cols = ("floor_area_m2, people, energy_kgce, co2_t, water_m3, electricity_use_kwh, grid_import_kwh, "
            "electricity_kgce, gas_m3, gas_kgce, lpg_kg, lpg_kgce, energy_kgce_per_m2, energy_kgce_per_person, water_m3_per_person, co2_kg_per_m2")
    if level == "county":
        cols += ", buildings_kgce, fleet_kgce, fleet_fuel_kgce, fleet_share_pct"
    return con.execute(f"""
        SELECT year, {sel}{cols} FROM scope_year
        WHERE level = ? AND coal = ? AND grid = ? AND with_fleet = ? AND year BETWEEN ? AND ?
        ORDER BY ALL""", [level, coal, grid, include_fleet, first, last]).df()


def target_status(change_pct_value: float | None, path_pct: float) -> str | None:
    """on_track: at or below the straight path to the target; at_risk: better than the baseline but
    behind the path; off_track: no better than the baseline."""
    if change_pct_value is None or pd.isna(change_pct_value):
        return None
    if change_pct_value <= path_pct:
        return "on_track"
    if change_pct_value < 0:
        return "at_risk"
    return "off_track"


def target_progress(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang",
                    grid: str = "guangxi", group_by: str | None = None, key: str | None = None,
                    include_fleet: bool = True) -> pd.DataFrame:
    """Each target (ref_targets, seeded from data/targets.csv): baseline value, this year's value, change, the straight path
    from the baseline to the target for this year, and the status.

    For the county by default; with group_by ('type' or 'institution_id') and key, for that type or
    institution (the same national targets applied to its own 2020 baseline)."""
    tg = factors.targets(con)
    base_year = int(tg["baseline_year"].min())
    data = intensity_by_year(con, base_year, year, coal, grid, group_by, include_fleet)
    if group_by is not None:
        data = data[data[group_by] == key]
    return progress_from_intensities(data, year, tg)


def progress_from_intensities(data: pd.DataFrame, year: int, tg: pd.DataFrame) -> pd.DataFrame:
    """target_progress from intensity_by_year rows of one scope (county, a type or an institution) that
    include the baseline year and `year`, and the targets (factors.targets): the one definition of the
    targets' arithmetic."""
    data = data.set_index("year")
    rows = []
    for r in tg.itertuples():
        base = data[r.metric].get(r.baseline_year)
        value = data[r.metric].get(year)
        change = change_pct(value, base)
        share = min(max((year - r.baseline_year) / (r.target_year - r.baseline_year), 0.0), 1.0)
        path = r.change_pct * share
        rows.append({"target_id": r.target_id, "metric": r.metric, "baseline_year": r.baseline_year,
                     "baseline": base, "year": year, "value": value, "change_pct": change,
                     "target_change_pct": r.change_pct, "target_year": r.target_year, "path_pct": path,
                     "status": target_status(change, path), "source": r.source,
                     "source_en": getattr(r, "source_en", None)})
    out = pd.DataFrame(rows)
    # a year or baseline without data leaves None: keep the numbers numeric (NaN) and the status None, not "nan"
    num = ["baseline", "value", "change_pct", "path_pct", "target_change_pct"]
    if len(out):
        out[num] = out[num].astype("float64")
        out["status"] = out["status"].astype(object).where(out["status"].notna(), None)
    return out


# ------------------------------------------------------------------ official vehicles


def fleet_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, grid: str = "guangxi") -> pd.DataFrame:
    """Fuel (L, kgce), EV charging (kWh), CO2 (t) and dispatches per year (fleet_year view), with a row of
    zeros for a year without fleet records.

    Fuel is scope 1 (litres x density x emission factor); charging is scope 2 at the year's grid
    factor. A fill counts as diesel when its product or its vehicle says diesel. Top-ups
    (money loaded onto a card) are not fuel and are left out.
    """
    _basis("dangliang", grid)
    df = con.execute("""
        SELECT y.range::INTEGER AS year, f.* EXCLUDE (year, grid)
        FROM range(?, ? + 1) y LEFT JOIN fleet_year f ON f.year = y.range AND f.grid = ?
        ORDER BY year""", [first, last, grid]).df()
    counts = ["petrol_l", "diesel_l", "fuel_kgce", "fuel_co2_t", "charging_kwh", "charging_co2_t", "fuel_yuan",
              "charging_yuan", "dispatches", "distance_km", "ev_dispatches", "ev_hybrid_dispatches", "fleet_co2_t"]
    df[counts] = df[counts].fillna(0)
    return df


# ------------------------------------------------------------------ logistics detail (KPI page)


def repairs_by_group(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """Repairs per year and building group: count, closed, within the service rule, cost (yuan)."""
    return con.execute(f"""
        SELECT year(reported_at) AS year, building_group, count(*) AS repairs_total,
               count(closed_at) AS repairs_closed,
               count(*) FILTER (WHERE {WITHIN_RULE}) AS repairs_within_rule,
               count(*) FILTER (WHERE category = 'major') AS repairs_major,
               coalesce(sum(cost_yuan), 0) AS cost_yuan
        FROM work_orders WHERE year(reported_at) BETWEEN ? AND ?
        GROUP BY ALL ORDER BY year, repairs_total DESC, building_group""", [first, last]).df()


def fleet_safety(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    """Accidents and accident-free days of official vehicles in a year (dispatches.accident).

    The period runs from 1 January to 31 December, or to the latest dispatch in the database when
    that is earlier (a year in progress is not counted into the future).
    - accident_free_days: days of the period on which no dispatch was marked as an accident.
    - days_since_accident: days from the last accident on or before the period end to the period
      end. With no accident on record it counts from the first dispatch on record, and
      `since` says which: 'last_accident' or 'records_start'.
    All values are None when the year has no dispatches.
    """
    row = con.execute("""
        WITH bounds AS (
            SELECT make_date(?, 1, 1) AS p0,
                   least(make_date(?, 12, 31), (SELECT max(depart_at)::DATE FROM dispatches)) AS p1)
        SELECT p0, p1,
               (SELECT count(*) FROM dispatches, bounds b WHERE depart_at::DATE BETWEEN b.p0 AND b.p1) AS trips,
               (SELECT count(*) FROM dispatches, bounds b
                WHERE accident AND depart_at::DATE BETWEEN b.p0 AND b.p1) AS accidents,
               (SELECT count(DISTINCT depart_at::DATE) FROM dispatches, bounds b
                WHERE accident AND depart_at::DATE BETWEEN b.p0 AND b.p1) AS accident_days,
               (SELECT max(depart_at)::DATE FROM dispatches, bounds b WHERE accident AND depart_at::DATE <= b.p1)
                   AS last_accident_on,
               (SELECT min(depart_at)::DATE FROM dispatches) AS records_start
        FROM bounds""", [year, year]).fetchall()[0]
    p0, p1, trips, accidents, accident_days, last_on, start = row
    if not trips:
        return {"accidents": None, "accident_free_days": None, "days_since_accident": None, "since": None,
                "last_accident_on": None, "period_end": None}
    since, ref = ("last_accident", last_on) if last_on is not None else ("records_start", start)
    return {"accidents": int(accidents), "accident_free_days": int((p1 - p0).days + 1 - accident_days),
            "days_since_accident": int((p1 - ref).days), "since": since,
            "last_accident_on": last_on.isoformat() if last_on else None, "period_end": p1.isoformat()}
