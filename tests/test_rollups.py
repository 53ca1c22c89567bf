"""pv_counted, meter_month and institution_month are kept as tables by the writers and read by everyone else
(issue 14, etl/store/rollups.py): the stored rows equal the plain views' rows after every write."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.ingest import loader
from etl.metrics import figures
from etl.store import reference, rollups
from etl.store.db import connect
from tests.test_no_hidden_writes import every_table


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _stored_equals_live(con) -> None:
    """Every stored table holds exactly its plain view's rows (whole tables; sums compared to 1e-9)."""
    for name in rollups.NAMES:
        stored = _sorted(con.execute(f"SELECT * FROM {name}__stored").df())
        live = _sorted(con.execute(f"SELECT * FROM {name}__live").df())
        assert len(live) > 0, name
        pd.testing.assert_frame_equal(stored, live, check_exact=False, rtol=1e-9, obj=name)


def _reads_stored(con) -> bool:
    return bool(con.execute(f"SELECT getvariable('{rollups.VARIABLE}')").fetchall()[0][0])


def test_the_demo_build_stores_the_views(db):
    with connect(db) as con:
        assert rollups.is_current(con) and _reads_stored(con)
        _stored_equals_live(con)
        # the view reads the table and nothing else: the fact tables are not in its plan
        plan = con.execute("EXPLAIN SELECT * FROM institution_month").fetchall()[0][1]
        assert "institution_month__stored" in plan and "readings" not in plan and "pv_production" not in plan
        assert con.execute("SELECT count(*) FROM institution_month").fetchall()[0][0] == \
            con.execute("SELECT count(*) FROM institution_month__live").fetchall()[0][0]


# The demo's hourly year (35 meters) is deep; the PV year here and one meter's hours in
# test_incremental_refresh.py take the same commit and undo path in make test.
@pytest.mark.parametrize("kinds", [pytest.param(("pv",), id="pv"),
                                   pytest.param(("pv", "electricity"), id="pv_electricity", marks=pytest.mark.deep)])
def test_commit_and_undo_refresh_the_tables(db, demo_files, kinds):
    with connect(db) as con:
        for kind in kinds:
            batch, name = con.execute("""SELECT batch_id, file_name FROM load_batches WHERE kind = ?
                                         AND status = 'loaded' ORDER BY batch_id DESC LIMIT 1""", [kind]).fetchall()[0]
            before = con.execute("SELECT sum(grid_import_kwh), sum(pv_generation_kwh) FROM institution_month"
                                 ).fetchall()[0]
            loader.undo(con, batch, user="test")
            assert rollups.is_current(con)
            _stored_equals_live(con)
            after = con.execute("SELECT sum(grid_import_kwh), sum(pv_generation_kwh) FROM institution_month"
                                ).fetchall()[0]
            assert after != before  # the undo took rows out, and the stored view shows it
            prep = loader.prepare(con, (demo_files / name).read_bytes(), name)
            loader.commit(con, prep, user="test")
            assert rollups.is_current(con)
            _stored_equals_live(con)
            again = con.execute("SELECT sum(grid_import_kwh), sum(pv_generation_kwh) FROM institution_month"
                                ).fetchall()[0]
            assert again == pytest.approx(before)


def test_a_settings_edit_keeps_them_current(db):
    """No factor or setting enters these three views: an edit and its undo leave them current and equal."""
    with connect(db) as con:
        edit_id = reference.edit(con, "ref_factors", {"factor_id": "grid_co2_guangxi", "valid_from": 2023},
                                 {"value": "0.5"}, by="test-admin")
        assert rollups.is_current(con)
        _stored_equals_live(con)
        reference.undo(con, edit_id, by="test-admin")
        edit_id = reference.edit(con, "ref_settings", {"scope": "anomaly", "key": "leak_range_ratio"},
                                 {"value": "1.2"}, by="test-admin")
        assert rollups.is_current(con)
        _stored_equals_live(con)


def test_rows_written_past_the_loader_are_read_through_the_plain_views(db):
    with connect(db) as con:
        before = figures.energy_by_year(con, 2024, 2024).iloc[0]["energy_kgce"]
        con.execute("""INSERT INTO lpg_purchases (institution_id, purchased_on, lpg_kg, batch_id)
                       VALUES ('I100', '2024-05-06', 100, 0)""")
    with connect(db) as con:  # the next cursor sees the change: the tables are not current any more
        assert not rollups.is_current(con) and not _reads_stored(con)
        after = figures.energy_by_year(con, 2024, 2024).iloc[0]["energy_kgce"]
        assert after - before == pytest.approx(100 * 1.7143)


def test_an_older_database_reads_the_plain_views_and_a_page_writes_nothing(db):
    with connect(db) as con:  # as a database from before the tables: no fingerprint, empty tables
        live = _sorted(con.execute("SELECT * FROM institution_month__live").df())
        con.execute("DELETE FROM meta WHERE key = ?", [rollups.STAMP_KEY])
        for name in rollups.NAMES:
            con.execute(f"DELETE FROM {name}__stored")
    with connect(db) as con:
        assert not _reads_stored(con)
        pd.testing.assert_frame_equal(_sorted(con.execute("SELECT * FROM institution_month").df()), live,
                                      check_exact=False, rtol=1e-9)
    before = every_table(db)
    st.cache_data.clear()
    at = AppTest.from_file("../dashboard.py", default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("pages/kpi.py").run()
    assert not at.exception, at.exception
    assert every_table(db) == before
