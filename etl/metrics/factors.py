"""Conversion and emission factors, targets and national averages, as they are in the database.

The reference tables (`ref_factors`, `ref_targets`, `ref_national_averages`, `ref_kpi_targets`,
`ref_settings`; etl/store/reference.py) are seeded from the files under data/ and edited by an admin
on the settings page. The conversions themselves are SQL views (etl/store/views.py); these functions
only say which factor a page printed, so the printed factor and the figures always agree.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.store import reference
from etl.store.views import ELECTRICITY_COAL, GRID_CO2

__all__ = ["ELECTRICITY_COAL", "GRID_CO2", "factor_for_year", "factors", "national_averages", "targets"]


def factors(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return reference.table(con, "ref_factors")


def targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return reference.table(con, "ref_targets")


def national_averages(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return reference.table(con, "ref_national_averages")


def baseline_year(con: duckdb.DuckDBPyConnection) -> int:
    """The targets' baseline year (2020)."""
    return int(con.execute("SELECT min(baseline_year) FROM ref_targets").fetchall()[0][0])


def factor_for_year(con: duckdb.DuckDBPyConnection, factor_id: str, year: int) -> dict:
    """The row of `factor_id` valid in `year` (value, unit, source, status)."""
    rows = con.execute("""SELECT * FROM ref_factors WHERE factor_id = ? AND ? BETWEEN valid_from AND valid_to""",
                       [factor_id, year]).df()
    if rows.empty:
        raise KeyError(f"no factor {factor_id} for {year}: add one on the settings page")
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in rows.iloc[0].items()}

