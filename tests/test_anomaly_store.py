"""Anomaly findings are computed by the writers, once per data version, and read by the pages (issue 14)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.ingest import loader
from etl.metrics import anomalies, anomaly_store, figures
from etl.store import reference
from etl.store.db import connect
from tests.test_no_hidden_writes import every_table


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal as a page uses them: same rows, order and values (numbers compared as numbers)."""
    assert list(a.columns) == list(b.columns) == anomalies.FINDING_COLUMNS
    a, b = a.copy(), b.copy()
    for col in ("value", "reference", "ratio", "detail"):
        a[col], b[col] = pd.to_numeric(a[col]).astype(float), pd.to_numeric(b[col]).astype(float)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def _stored_matches_a_fresh_scan(con) -> pd.DataFrame:
    assert anomaly_store.is_current(con)
    assert con.execute("SELECT value FROM meta WHERE key = ?", [anomaly_store.STAMP_KEY]).fetchall()[0][0] \
        == figures.data_version(con)
    fresh = anomalies.find_all(con)
    _same(anomaly_store.stored(con), fresh)
    return fresh


def test_the_demo_build_stores_the_findings(db):
    with connect(db) as con:
        fresh = _stored_matches_a_fresh_scan(con)
    assert len(fresh) > 10 and {"water_leak", "missing_month"} <= set(fresh["rule"])


def test_undo_and_commit_refresh_the_findings(db, demo_files):
    with connect(db) as con:
        before = anomaly_store.stored(con)
        batch, name = con.execute("""SELECT batch_id, file_name FROM load_batches
                                     WHERE kind = 'water' AND status = 'loaded' ORDER BY batch_id DESC
                                     LIMIT 1""").fetchall()[0]
        loader.undo(con, batch, user="test")
        after_undo = _stored_matches_a_fresh_scan(con)
        assert "water_leak" in set(before["rule"]) and "water_leak" not in set(after_undo["rule"])
        # the same file committed again brings the leaks back, stored with the commit
        prep = loader.prepare(con, (demo_files / name).read_bytes(), name)
        loader.commit(con, prep, user="test")
        _same(_stored_matches_a_fresh_scan(con), before)


def test_a_threshold_edit_and_its_undo_refresh_the_findings(db):
    with connect(db) as con:
        before = anomaly_store.stored(con)
        edit_id = reference.edit(con, "ref_settings", {"scope": "anomaly", "key": "leak_range_ratio"},
                                 {"value": "1.2"}, by="test-admin")
        looser = _stored_matches_a_fresh_scan(con)
        assert (looser["rule"] == "water_leak").sum() > (before["rule"] == "water_leak").sum()
        reference.undo(con, edit_id, by="test-admin")
        _same(_stored_matches_a_fresh_scan(con), before)


def test_a_write_elsewhere_moves_the_stamp_without_a_scan(db, monkeypatch):
    with connect(db) as con:
        before = anomaly_store.stored(con)
        monkeypatch.setattr(anomalies, "find_all", lambda _con: pytest.fail("a factor edit needs no anomaly scan"))
        reference.edit(con, "ref_factors", {"factor_id": "petrol_density", "valid_from": 2000},
                       {"value": "0.74"}, by="test-admin")
        assert anomaly_store.is_current(con)
        _same(anomaly_store.stored(con), before)


def test_stale_or_missing_findings_are_computed_without_a_write(db):
    with connect(db) as con:  # a write that did not refresh (an older program): the version moved on
        con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")
        con.execute("DELETE FROM anomaly_findings WHERE rule = 'water_leak'")
        assert not anomaly_store.is_current(con)
        _same(anomaly_store.findings(con), anomalies.find_all(con))
        con.execute("DROP TABLE anomaly_findings")  # an older database: no table at all
        _same(anomaly_store.findings(con), anomalies.find_all(con))
        con.execute("DELETE FROM meta WHERE key = ?", [anomaly_store.STAMP_KEY])
    before = every_table(db)
    st.cache_data.clear()
    for lang in ("zh", "en"):
        at = AppTest.from_file("../dashboard.py", default_timeout=120)
        at.session_state["lang"] = lang
        at.run()
        at.switch_page("pages/energy.py").run()
        assert not at.exception, at.exception
        assert any(s.value for s in at.subheader)
    assert every_table(db) == before


def test_the_energy_page_reads_the_stored_findings(db, monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(anomalies, "find_all", lambda _con: pytest.fail("the page scanned instead of reading"))
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/energy.py").run()
    assert not at.exception, at.exception
    assert any(re.match(r"\d+ findings", c.value) for c in at.caption)  # the year's findings, from the table
