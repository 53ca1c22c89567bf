"""The county's name as the pages show it (etl/site.py), and whether the data is demo data."""

from __future__ import annotations

from etl import site
from etl.metrics import figures
from etl.store.db import DatabaseBusy, DatabaseDamaged, db_path
from ui.common import query
from ui.i18n import lang


def is_demo() -> bool:
    """True while the database holds the generated demo data (False before it exists)."""
    if not db_path().exists():
        return False
    try:
        return bool(query(figures.is_demo))
    except (DatabaseBusy, DatabaseDamaged):
        return False  # the page itself says what is wrong with the database; the sidebar still shows


def county() -> str:
    return site.county_name(lang(), is_demo())
