"""Settings of this installation (data/site.csv): the county's name, in both languages.

The name is data, not a literal: the officer edits data/site.csv or sets COUNTY_NAME. While the
database holds the demo data, the demo's own county name is shown, so a printout of demo figures
never carries the real county's placeholder.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from etl.store.db import DATA_DIR

SITE_CSV = DATA_DIR / "site.csv"


@lru_cache(maxsize=4)
def _read(path: Path, mtime: float) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


def settings() -> dict[str, dict[str, str]]:
    """key -> {"zh": …, "en": …, "source": …} (the file is re-read when it changes)."""
    df = _read(SITE_CSV, SITE_CSV.stat().st_mtime)
    return {r.key: {"zh": r.value_zh, "en": r.value_en, "source": r.source} for r in df.itertuples()}


def county_name(lang: str = "zh", demo: bool = False) -> str:
    """The county's name: $COUNTY_NAME, else the demo's name on demo data, else data/site.csv's."""
    env = os.environ.get("COUNTY_NAME", "").strip()
    if env:
        return env
    row = settings()["demo_county_name" if demo else "county_name"]
    return row["en" if lang == "en" else "zh"]
