"""Every figure the pages, the exports and the tests show, defined once.

Functions take an open connection and return plain values or DataFrames; the
pages cache them by data version. Units are in the names.

Decisions (see README, "Decisions"):
- 综合能耗 (energy_kgce) counts purchased energy: grid electricity import (and gas
  where present). PV electricity used on site is a saving, shown as such, not
  consumption; official-vehicle fuel is shown separately.
- A year is the calendar year of a bill's billing month or an interval's start.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import factors
from etl.factors import ELECTRICITY_COAL


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


def _coal_factors(con: duckdb.DuckDBPyConnection, coal: str, first: int, last: int) -> None:
    con.register("_coal", factors.factor_table(ELECTRICITY_COAL[coal], range(first, last + 1)))


def energy_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang") -> pd.DataFrame:
    """County totals per year: electricity use, grid import, PV, kgce, water."""
    _coal_factors(con, coal, first, last)
    try:
        return con.execute("""
            SELECT year(m.month) AS year,
                   sum(m.electricity_use_kwh) AS electricity_use_kwh,
                   sum(m.grid_import_kwh) AS grid_import_kwh,
                   sum(m.pv_generation_kwh) AS pv_generation_kwh,
                   sum(m.pv_self_use_kwh) AS pv_self_use_kwh,
                   sum(m.grid_import_kwh * f.value) AS energy_kgce,
                   sum(m.water_m3) AS water_m3
            FROM institution_month m JOIN _coal f ON f.year = year(m.month)
            WHERE year(m.month) BETWEEN ? AND ?
            GROUP BY ALL ORDER BY year""", [first, last]).df()
    finally:
        con.unregister("_coal")


def monthly_by_type(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Electricity use and water per month and institution type."""
    return con.execute("""
        SELECT m.month, i.type, sum(m.electricity_use_kwh) AS electricity_use_kwh,
               sum(m.grid_import_kwh) AS grid_import_kwh, sum(m.water_m3) AS water_m3
        FROM institution_month m JOIN institutions i USING (institution_id)
        WHERE year(m.month) = ? GROUP BY ALL ORDER BY m.month, i.type""", [year]).df()


def logistics_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """Repairs, meetings, receptions, visitors and dispatches per year."""
    return con.execute("""
        WITH y AS (SELECT range AS year FROM range(?, ? + 1)),
        wo AS (SELECT year(reported_at) AS year, count(*) AS repairs_total,
                      count(closed_at) AS repairs_closed,
                      count(*) FILTER (WHERE closed_at IS NOT NULL AND (
                          (category = 'minor' AND closed_at::DATE = reported_at::DATE) OR
                          (category = 'major' AND closed_at::DATE <= reported_at::DATE + 1))) AS repairs_within_rule
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
    row = con.execute("""
        WITH hosts AS (SELECT DISTINCT institution_id FROM pv_sites WHERE institution_id IS NOT NULL)
        SELECT sum(pv_self_use_kwh) AS pv_self_use_kwh, sum(electricity_use_kwh) AS host_use_kwh,
               sum(pv_generation_kwh) AS pv_generation_kwh
        FROM institution_month JOIN hosts USING (institution_id)
        WHERE year(month) = ? AND pv_generation_kwh > 0""", [year]).fetchall()[0]
    self_use, use, gen = (v or 0.0 for v in row)
    return {"pv_self_use_kwh": self_use, "host_use_kwh": use, "pv_generation_kwh": gen,
            "saving_rate_pct": 100.0 * self_use / use if use else None}


def certification_stages(con: duckdb.DuckDBPyConnection, program: str, as_of: str) -> pd.DataFrame:
    """Units per current stage (the latest stage reached by the date) for 'jieyue' or 'jieshui'."""
    return con.execute("""
        WITH latest AS (
            SELECT institution_id, arg_max(stage, stage_date) AS stage
            FROM certifications WHERE program = ? AND stage_date <= ?::DATE GROUP BY ALL)
        SELECT stage, count(*) AS units FROM latest GROUP BY ALL ORDER BY units DESC""",
                       [program, as_of]).df()


def change_pct(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or pd.isna(value) or pd.isna(previous) or previous == 0:
        return None
    return 100.0 * (value - previous) / previous


def overview(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang") -> pd.DataFrame:
    """The overview page's figures for a year with the year before and the change in %."""
    energy = energy_by_year(con, year - 1, year, coal).set_index("year")
    logistics = logistics_by_year(con, year - 1, year).set_index("year")
    rows = []
    spec = [("electricity_use_kwh", energy), ("grid_import_kwh", energy), ("energy_kgce", energy),
            ("water_m3", energy), ("pv_generation_kwh", energy), ("dispatches", logistics),
            ("repairs_total", logistics)]
    for metric, frame in spec:
        value = frame[metric].get(year) if metric in frame else None
        previous = frame[metric].get(year - 1) if metric in frame else None
        value = None if value is None or pd.isna(value) else float(value)
        previous = None if previous is None or pd.isna(previous) else float(previous)
        rows.append({"metric": metric, "value": value, "previous": previous,
                     "change_pct": change_pct(value, previous)})
    return pd.DataFrame(rows)
