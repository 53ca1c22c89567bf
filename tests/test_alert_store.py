"""PV alerts are computed by the writers per state of their inputs and read by the pages (issue 14,
etl/pv/alert_store.py): the kept alerts equal freshly computed ones after every write."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from etl.ingest import loader
from etl.pv import alert_store, project
from etl.store import per_version, reference
from etl.store.db import connect
from tests.app_pages import app_as
from tests.test_no_hidden_writes import every_table


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal as the pages use them: same rows in the same order, numbers compared as numbers."""
    assert list(a.columns) == list(b.columns) == alert_store.COLUMNS
    a, b = a.reset_index(drop=True).copy(), b.reset_index(drop=True).copy()
    for col in ("days", "intervals", "measured_kwh", "expected_kwh", "ratio", "lost_kwh", "value"):
        a[col], b[col] = pd.to_numeric(a[col]).astype(float), pd.to_numeric(b[col]).astype(float)
    for col in ("site_id", "kind", "name"):
        a[col], b[col] = a[col].astype(object), b[col].astype(object)
    for col in ("start", "end"):
        a[col], b[col] = pd.to_datetime(a[col]).astype("datetime64[us]"), pd.to_datetime(b[col]).astype("datetime64[us]")
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9)


def _kept_equals_fresh(con) -> dict[int, pd.DataFrame]:
    """Every modelled year: the kept alerts are there, current, and equal a fresh computation."""
    assert alert_store.is_current(con)
    years = [r[0] for r in con.execute("SELECT DISTINCT year(ts) FROM pv_expected ORDER BY 1").fetchall()]
    assert years
    out = {}
    for y in years:
        kept = alert_store.stored(con, y)
        assert kept is not None, y
        fresh = project.compute_alerts(con, y)
        _same(kept, fresh)
        _same(project.alerts(con, y), fresh)
        out[y] = fresh
    return out


def test_the_demo_build_keeps_the_alerts(db, monkeypatch):
    with connect(db) as con:
        fresh = _kept_equals_fresh(con)
        assert sum(len(f) for f in fresh.values()) >= 3
        assert {"underperformance", "zero", "gap"} <= set(pd.concat(fresh.values())["kind"])
        monkeypatch.setattr(project, "compute_alerts", lambda *_a: pytest.fail("read, not computed"))
        assert len(project.alerts(con, 2024)) == len(fresh[2024])


def test_undo_and_commit_of_a_pv_file_refresh_the_alerts(db, demo_files):
    with connect(db) as con:
        before = _kept_equals_fresh(con)
        batch, name = con.execute("""SELECT batch_id, file_name FROM load_batches WHERE kind = 'pv'
                                     AND status = 'loaded' ORDER BY batch_id DESC LIMIT 1""").fetchall()[0]
        loader.undo(con, batch, user="test")
        project.refresh_if_needed(con)  # as the history page does after an undo
        after_undo = _kept_equals_fresh(con)
        assert {y: len(f) for y, f in after_undo.items()} != {y: len(f) for y, f in before.items()}
        prep = loader.prepare(con, (demo_files / name).read_bytes(), name)
        loader.commit(con, prep, user="test")
        project.refresh_if_needed(con)  # as the upload page and `etl load` do after a commit
        again = _kept_equals_fresh(con)
        assert again.keys() == before.keys()
        for y in before:
            _same(again[y], before[y])


def test_an_alert_threshold_edit_and_its_undo_refresh_them(db):
    with connect(db) as con:
        before = _kept_equals_fresh(con)
        edit_id = reference.edit(con, "ref_settings", {"scope": "pv", "key": "underperf_share"},
                                 {"value": "0.97"}, by="test-admin")
        stricter = _kept_equals_fresh(con)
        low = {y: int((f["kind"] == "underperformance").sum()) for y, f in stricter.items()}
        assert sum(low.values()) > sum(int((f["kind"] == "underperformance").sum()) for f in before.values())
        reference.undo(con, edit_id, by="test-admin")
        back = _kept_equals_fresh(con)
        for y in before:
            _same(back[y], before[y])


def test_other_writes_leave_them_current_without_computing(db, monkeypatch):
    with connect(db) as con:
        monkeypatch.setattr(project, "compute_alerts", lambda *_a: pytest.fail("no PV input changed"))
        reference.edit(con, "ref_factors", {"factor_id": "petrol_density", "valid_from": 2000},
                       {"value": "0.74"}, by="test-admin")
        reference.edit(con, "ref_settings", {"scope": "anomaly", "key": "leak_range_ratio"},
                       {"value": "1.2"}, by="test-admin")
        assert alert_store.is_current(con)


def test_stale_or_missing_alerts_are_computed_and_a_page_writes_nothing(db):
    with connect(db) as con:  # rows written past the writers: the fingerprint no longer fits
        gone = con.execute("DELETE FROM pv_production WHERE site_id = 'PV12' AND ts >= '2024-06-01' "
                           "AND ts < '2024-06-03'").fetchall()[0][0]
        assert gone > 0
        assert not alert_store.is_current(con) and alert_store.stored(con, 2024) is None
        fresh = project.compute_alerts(con, 2024)
        _same(project.alerts(con, 2024), fresh)
        con.execute(f"DROP TABLE {alert_store.TABLE}")  # an older database: no table at all
        assert not alert_store.is_current(con)
        _same(project.alerts(con, 2024), fresh)
    before = every_table(db)
    st.cache_data.clear()
    for lang in ("zh", "en"):
        for page in ("pages/kpi.py", "pages/pv.py"):
            at = app_as(None, lang).run()
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
    assert every_table(db) == before


def test_refresh_order_and_deferral(db, monkeypatch):
    """One list says the order; inside deferred() nothing refreshes."""
    assert per_version.STORES == ("etl.store.rollups", "etl.metrics.anomaly_store", "etl.pv.alert_store")
    with connect(db) as con:
        monkeypatch.setattr(project, "compute_alerts", lambda *_a: pytest.fail("deferred"))
        with per_version.deferred():
            con.execute("BEGIN")
            con.execute("UPDATE ref_settings SET value = '0.9' WHERE scope = 'pv' AND key = 'underperf_share'")
            assert per_version.refresh(con, "ref_settings") == {}
            con.execute("ROLLBACK")
