"""The PV page's daily figures at ten times the county (issue 14): computed a few sites at a time with the same
rows, and once per state of their inputs in a process (the page asks for them three times)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from etl.pv import project
from etl.store.db import connect


@pytest.fixture()
def db(demo_db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


def test_a_few_sites_at_a_time_give_the_same_rows(db, monkeypatch):
    with connect(db) as con:
        monkeypatch.setattr(project, "PART_SITES", 10_000)  # every site at once, as before
        whole = (project._site_daily(con, 2024), project._interval_alerts(con, 2024, project.settings(con)))
        monkeypatch.setattr(project, "PART_SITES", 3)  # 34 sites in 12 parts
        parts = (project._site_daily(con, 2024), project._interval_alerts(con, 2024, project.settings(con)))
    assert len(whole[0]) > 34 * 300
    pd.testing.assert_frame_equal(whole[0], parts[0])
    assert whole[1] == parts[1] and len(whole[1]) > 0


def test_site_daily_is_computed_once_per_state_of_its_inputs(db, monkeypatch):
    calls = []
    inner = project._site_daily
    monkeypatch.setattr(project, "_site_daily", lambda con, year: calls.append(year) or inner(con, year))
    with connect(db) as con:
        project.alerts(con, 2024)
        project.site_months_adjusted(con, 2024)
        site = con.execute("SELECT min(site_id) FROM pv_production").fetchall()[0][0]
        days = project.site_days(con, 2024, site)
        assert calls == [2024]
        measured = days["measured_kwh"].sum()
        # a row written past the loader moves no data version; the daily figures see it all the same
        con.execute("""INSERT INTO pv_production VALUES (?, '2024-06-01 03:00', 60, 1000, 0, 999)""", [site])
        again = project.site_days(con, 2024, site)
    assert calls == [2024, 2024]
    assert again["measured_kwh"].sum() == pytest.approx(measured + 1000)
