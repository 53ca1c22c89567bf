"""The public pages' queries warmed when the server starts and when the data version moves (ui/warmup.py)."""

from __future__ import annotations

import importlib
import logging
import shutil
import time

import pytest
import streamlit as st

from etl.store import reference
from etl.store.db import connect
from tests.app_pages import app_as
from tests.test_no_hidden_writes import every_table
from ui import common, warmup

PUBLIC = ["pages/overview.py", "pages/energy.py", "pages/kpi.py", "pages/pv.py"]


class Misses:
    """Counts the cache misses of ui.common.query: each miss imports its module and looks its function up."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def import_module(self, name: str):
        real, calls = importlib.import_module(name), self.calls

        class Looked:
            def __getattr__(self, attr: str):
                calls.append(f"{name}.{attr}")
                return getattr(real, attr)

        return Looked()


@pytest.fixture()
def misses(monkeypatch) -> Misses:
    m = Misses()
    monkeypatch.setattr(common, "importlib", m)
    return m


@pytest.fixture()
def fresh(monkeypatch):
    """Empty caches, no warm-up thread before or after; a short poll so a test waits little."""
    warmup.stop()
    st.cache_data.clear()
    monkeypatch.setattr(warmup, "settings", lambda: {"enabled": 1, "poll_s": 0.1})
    yield
    warmup.stop()
    st.cache_data.clear()


@pytest.fixture()
def db(demo_db, tmp_path, monkeypatch, fresh):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    monkeypatch.setenv("ENERGY_DB", str(copy))
    return copy


def wait_for(runs: int, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while warmup.state.runs < runs and warmup.state.failed is None:
        assert time.monotonic() < deadline, "the warm-up did not run"
        time.sleep(0.05)
    assert warmup.state.failed is None, warmup.state.failed


def visit(page: str, lang: str) -> None:
    at = app_as(None, lang).run()
    if page != "pages/overview.py":  # the app lands on the overview
        at.switch_page(page).run()
    assert not at.exception, (page, at.exception)


def test_without_a_warm_up_a_page_computes_its_queries(db, misses):
    """The control: the counter sees a cold page's queries (so the next test can fail)."""
    visit("pages/energy.py", "en")
    assert "etl.metrics.energy.ranking" in misses.calls
    assert warmup._thread is None, "AppTest runs no warm-up thread"


def test_after_the_warm_up_every_public_page_is_a_cache_hit_in_both_languages(db, misses):
    before = every_table(db)
    warmup.start(force=True)
    wait_for(1)
    warmed = set(misses.calls)
    assert {"etl.metrics.figures.overview", "etl.metrics.energy.breakdown", "etl.metrics.kpi.kpi_report",
            "etl.pv.project.site_days"} <= warmed
    misses.calls.clear()
    for lang in ("zh", "en"):
        for page in PUBLIC:
            visit(page, lang)
    assert misses.calls == [], "a page computed what the warm-up should have"
    assert every_table(db) == before, "the warm-up wrote"


def test_a_new_data_version_is_warmed_and_an_unchanged_one_is_not(db, misses):
    warmup.start(force=True)
    wait_for(1)
    time.sleep(0.5)  # polls with the file unchanged: nothing warmed again
    assert warmup.state.runs == 1
    with connect(db) as con:  # an admin's settings edit moves the data version
        reference.edit(con, "ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000},
                       {"value": "0.125", "source": "test edit", "source_en": "test edit"}, by="test-admin")
    wait_for(2)
    assert "etl.metrics.figures.overview" in misses.calls[-200:]
    misses.calls.clear()
    visit("pages/energy.py", "zh")
    visit("pages/overview.py", "en")
    assert misses.calls == []


def test_a_missing_database_is_left_alone(tmp_path, monkeypatch, fresh, caplog):
    missing = tmp_path / "none.duckdb"
    monkeypatch.setenv("ENERGY_DB", str(missing))
    assert warmup.check() is False
    assert not missing.exists(), "the warm-up must never create the database"
    assert not caplog.records


def test_an_empty_database_warms_nothing_without_error(empty_db, monkeypatch, fresh, caplog):
    monkeypatch.setenv("ENERGY_DB", str(empty_db))
    assert warmup.check() is True
    assert warmup.state.failed is None and warmup.state.runs == 1


def test_a_damaged_database_is_one_log_line_without_traceback(tmp_path, monkeypatch, fresh, caplog):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database at all" * 1000)
    monkeypatch.setenv("ENERGY_DB", str(bad))
    with caplog.at_level(logging.WARNING, logger="energy.warmup"):
        assert warmup.check() is False
        assert warmup.check() is False  # the same file: not tried again
    assert "damaged" in warmup.state.failed
    records = [r for r in caplog.records if r.name == "energy.warmup"]
    assert len(records) == 1 and records[0].exc_info is None
    assert bad.read_bytes() == b"not a database at all" * 1000


def test_serve_starts_the_warm_up_when_the_server_starts(fresh):
    """make run serves serve.py: its lifespan hook starts the warm-up before any session (none in AppTest)."""
    import asyncio

    serve = importlib.import_module("serve")
    assert type(serve.app).__name__ == "App"

    async def server_starts() -> None:
        async with serve.lifespan(serve.app):
            assert warmup._thread is not None and warmup._thread.is_alive()

    asyncio.run(server_starts())
