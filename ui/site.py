"""The county's name as the pages show it (etl/site.py), and whether the data is demo data."""

from __future__ import annotations

from etl import site
from etl.metrics import figures
from etl.store.db import db_path
from ui.common import query
from ui.i18n import lang


def is_demo() -> bool:
    """True while the database holds the generated demo data (False before it exists)."""
    return db_path().exists() and bool(query(figures.is_demo))


def county() -> str:
    return site.county_name(lang(), is_demo())
