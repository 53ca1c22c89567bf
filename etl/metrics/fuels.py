"""Piped gas and bottled LPG per institution and year, in their units and in kgce (综合能耗).

Gas comes from the metric layer (etl/store/views.py: a gas meter's m3 × natural_gas_kgce_per_m3, the bill
counting where a month also has intervals); LPG is kg × lpg_kgce_per_kg of the purchase's own year, from the
reference table `ref_factors` (seeded from data/factors.csv, GB/T 2589-2020).
"""

from __future__ import annotations

import duckdb
import pandas as pd

LPG_FACTOR = "lpg_kgce_per_kg"


def gas_lpg_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """year, institution_id, gas_m3, lpg_kg, gas_kgce, lpg_kgce, kgce (sum of both) for the years asked."""
    return con.execute("""
        WITH gas AS (
            -- gas kgce does not depend on the electricity basis: one basis row per month is enough
            SELECT year, institution_id, sum(gas_m3) AS gas_m3, sum(gas_kgce) AS gas_kgce
            FROM institution_month_energy WHERE coal = 'dangliang' AND grid = 'guangxi' AND gas_m3 IS NOT NULL
            GROUP BY ALL),
        lpg AS (
            SELECT year(p.purchased_on) AS year, p.institution_id, sum(p.lpg_kg) AS lpg_kg,
                   sum(p.lpg_kg * f.value) AS lpg_kgce
            FROM lpg_purchases p LEFT JOIN ref_factors f
              ON f.factor_id = ? AND year(p.purchased_on) BETWEEN f.valid_from AND f.valid_to
            GROUP BY ALL)
        SELECT coalesce(gas.year, lpg.year) AS year,
               coalesce(gas.institution_id, lpg.institution_id) AS institution_id,
               coalesce(gas.gas_m3, 0) AS gas_m3, coalesce(lpg.lpg_kg, 0) AS lpg_kg,
               coalesce(gas.gas_kgce, 0) AS gas_kgce, coalesce(lpg.lpg_kgce, 0) AS lpg_kgce,
               coalesce(gas.gas_kgce, 0) + coalesce(lpg.lpg_kgce, 0) AS kgce
        FROM gas FULL OUTER JOIN lpg ON gas.year = lpg.year AND gas.institution_id = lpg.institution_id
        WHERE coalesce(gas.year, lpg.year) BETWEEN ? AND ?
        ORDER BY year, institution_id""", [LPG_FACTOR, first, last]).df()
