"""Piped gas and bottled LPG per institution and year, in their units and in kgce (综合能耗).

Both come from the metric layer (etl/store/views.py, `institution_month_energy`): a gas meter's m3 ×
natural_gas_kgce_per_m3 (the bill counting where a month also has intervals) and the LPG bought (kg) ×
lpg_kgce_per_kg, each with the factor of its own year from `ref_factors` (seeded from data/factors.csv).
"""

from __future__ import annotations

import duckdb
import pandas as pd


def gas_lpg_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int) -> pd.DataFrame:
    """year, institution_id, gas_m3, lpg_kg, gas_kgce, lpg_kgce, kgce (sum of both) for the years asked."""
    # gas and LPG kgce do not depend on the electricity basis: one basis is enough
    return con.execute("""
        SELECT year, institution_id, coalesce(sum(gas_m3), 0) AS gas_m3, coalesce(sum(lpg_kg), 0) AS lpg_kg,
               coalesce(sum(gas_kgce), 0) AS gas_kgce, coalesce(sum(lpg_kgce), 0) AS lpg_kgce,
               coalesce(sum(gas_kgce), 0) + coalesce(sum(lpg_kgce), 0) AS kgce
        FROM institution_month_energy
        WHERE coal = 'dangliang' AND grid = 'guangxi' AND (gas_m3 IS NOT NULL OR lpg_kg IS NOT NULL)
          AND year BETWEEN ? AND ?
        GROUP BY ALL ORDER BY year, institution_id""", [first, last]).df()
