"""Display settings of the pages (data/page_settings.csv: page, setting, value, unit, source)."""

from __future__ import annotations

import functools

from etl.store import data_files
from etl.store.db import DATA_DIR

PAGE_SETTINGS_CSV = DATA_DIR / "page_settings.csv"


@functools.lru_cache(maxsize=1)
def _all() -> dict[tuple[str, str], float]:
    return {(r["page"], r["setting"]): float(r["value"]) for r in data_files.rows(PAGE_SETTINGS_CSV)}


def setting(page: str, name: str) -> float:
    """One page's setting, e.g. setting("energy", "ranking_top_per_type") -> 10.0."""
    return _all()[(page, name)]
