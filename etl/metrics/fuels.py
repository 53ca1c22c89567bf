"""Piped gas and bottled LPG per institution and year, in their units and in kgce (综合能耗).

kgce = m3 × the natural-gas factor, kg × the LPG factor, each of the reading's own year
(data/factors.csv: natural_gas_kgce_per_m3, lpg_kgce_per_kg; GB/T 2589-2020). A gas meter with both a
bill and interval readings in a month counts the bill, as meter_month does for electricity and water.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.metrics import factors

GAS_FACTOR = "natural_gas_kgce_per_m3"
LPG_FACTOR = "lpg_kgce_per_kg"


def gas_lpg_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """year, institution_id, gas_m3, lpg_kg, gas_kgce, lpg_kgce, kgce (sum of both) for the years asked."""
    years = range(first, last + 1)
    con.register("_gas_f", factors.factor_table(GAS_FACTOR, years))
    con.register("_lpg_f", factors.factor_table(LPG_FACTOR, years))
    try:
        return con.execute("""
            WITH gm AS (
                SELECT r.meter_id, date_trunc('month', r.period_start)::DATE AS month, r.source,
                       sum(r.gas_m3) AS gas_m3
                FROM readings r WHERE r.gas_m3 IS NOT NULL GROUP BY ALL),
            one AS (
                SELECT *, row_number() OVER (PARTITION BY meter_id, month ORDER BY (source = 'bill') DESC) AS rk
                FROM gm),
            gas AS (
                SELECT year(o.month) AS year, m.institution_id, sum(o.gas_m3) AS gas_m3,
                       sum(o.gas_m3 * f.value) AS gas_kgce
                FROM one o JOIN meters m USING (meter_id) JOIN _gas_f f ON f.year = year(o.month)
                WHERE o.rk = 1 GROUP BY ALL),
            lpg AS (
                SELECT year(p.purchased_on) AS year, p.institution_id, sum(p.lpg_kg) AS lpg_kg,
                       sum(p.lpg_kg * f.value) AS lpg_kgce
                FROM lpg_purchases p JOIN _lpg_f f ON f.year = year(p.purchased_on) GROUP BY ALL)
            SELECT coalesce(gas.year, lpg.year) AS year,
                   coalesce(gas.institution_id, lpg.institution_id) AS institution_id,
                   coalesce(gas.gas_m3, 0) AS gas_m3, coalesce(lpg.lpg_kg, 0) AS lpg_kg,
                   coalesce(gas.gas_kgce, 0) AS gas_kgce, coalesce(lpg.lpg_kgce, 0) AS lpg_kgce,
                   coalesce(gas.gas_kgce, 0) + coalesce(lpg.lpg_kgce, 0) AS kgce
            FROM gas FULL OUTER JOIN lpg ON gas.year = lpg.year AND gas.institution_id = lpg.institution_id
            WHERE coalesce(gas.year, lpg.year) BETWEEN ? AND ?
            ORDER BY year, institution_id""", [first, last]).df()
    finally:
        con.unregister("_gas_f")
        con.unregister("_lpg_f")
