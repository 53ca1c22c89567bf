"""The fleet page (AppTest) in both languages, as a visitor (no edit control) and as an officer."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.metrics import fleet
from etl.store.db import connect
from tests.app_pages import app_as


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    return demo_db


def open_fleet(language: str, role: str | None = None) -> AppTest:
    at = app_as(role, language, user=f"page_test_{role}")
    at.run()
    at.switch_page("pages/fleet.py").run()
    assert not at.exception, at.exception
    return at



def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("language, km_label, open_label", [("zh", "行驶里程 (km)", "待核实油卡提示"),
                                                            ("en", "Distance (km)", "Open fuel-card flags")])
def test_visitor_sees_the_figures_and_no_edit_control(app_env, language, km_label, open_label):
    at = open_fleet(language)
    year = at.selectbox(key="fl_year").value
    with connect(app_env) as con:
        t = fleet.totals(con, year)
    assert _metric(at, km_label) == f"{t['km']:,.0f}"
    assert _metric(at, open_label) == str(t["flags_open"])
    assert not at.text_area  # the explain form is for officers only
    assert len(at.get("download_button")) >= 10


def test_2023_shows_the_planted_flags_and_the_scenario(app_env):
    at = open_fleet("en")
    at.selectbox(key="fl_year").set_value(2023).run()
    assert not at.exception
    assert _metric(at, "Open fuel-card flags") == "14"
    with connect(app_env) as con:
        sc = fleet.scenario(con, 2023, 3, "co2_kg")
    assert _metric(at, "CO₂ saved a year (t)") == f"{sc['saved_co2_t']:,.1f}"
    at.radio(key="fl_by").set_value("unit").run()
    at.radio(key="fl_rank").set_value("cost_per_km_yuan").run()
    assert not at.exception
    with connect(app_env) as con:
        worst = fleet.cars(con, 2023).sort_values(["cost_per_km_yuan", "plate"], ascending=[False, True])
    assert at.selectbox(key="fl_plate").options[0] == worst["plate"].iloc[0]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_officer_has_the_explain_action(app_env, language):
    at = open_fleet(language, "officer")
    at.selectbox(key="fl_year").set_value(2023).run()
    assert not at.exception
    assert at.text_area(key="fl_explain_note") and at.button(key="fl_explain_save")
    assert len(at.selectbox(key="fl_explain_pick").options) == 14
    # the page view wrote nothing (explain_flag's own role check is tested in tests/test_fleet.py)
    with connect(app_env) as con:
        assert con.execute("SELECT count(*) FROM fleet_flag_notes").fetchall()[0][0] == 0
