"""Conversion and emission factors and targets, read from the committed CSV files in data/.

Factors are data with a source (data/factors.csv), never literals in code: the
officer corrects a value there without a release. A reading is converted with
the factor valid for its own year.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.store.db import DATA_DIR

FACTORS_CSV = DATA_DIR / "factors.csv"
TARGETS_CSV = DATA_DIR / "targets.csv"
NATIONAL_CSV = DATA_DIR / "national_averages.csv"

ELECTRICITY_COAL = {"dangliang": "elec_kgce_dangliang", "dengjia": "elec_kgce_dengjia"}
GRID_CO2 = {"national": "grid_co2_national", "south": "grid_co2_south", "guangxi": "grid_co2_guangxi"}


@lru_cache(maxsize=8)
def _read(path: Path, mtime: float) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={"factor_id": str})


def read_csv(path: Path) -> pd.DataFrame:
    """A data CSV, re-read when the file changes."""
    return _read(path, path.stat().st_mtime).copy()


def factors() -> pd.DataFrame:
    return read_csv(FACTORS_CSV)


def targets() -> pd.DataFrame:
    return read_csv(TARGETS_CSV)


def national_averages() -> pd.DataFrame:
    return read_csv(NATIONAL_CSV)


def factor_for_year(factor_id: str, year: int) -> dict:
    """The row of `factor_id` valid in `year` (value, unit, source, status)."""
    f = factors()
    rows = f[(f["factor_id"] == factor_id) & (f["valid_from"] <= year) & (f["valid_to"] >= year)]
    if rows.empty:
        raise KeyError(f"no factor {factor_id} for {year} in {FACTORS_CSV.name}")
    return rows.iloc[0].to_dict()


def factor_table(factor_id: str, years: range) -> pd.DataFrame:
    """year -> value for a factor, for joining in SQL."""
    return pd.DataFrame({"year": list(years), "value": [factor_for_year(factor_id, y)["value"] for y in years]})
