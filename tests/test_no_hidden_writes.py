"""No stale or hidden writes: a visitor's page views change nothing, an edited factor shows everywhere at once,
and only an admin reaches the settings page (AppTest)."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from etl.metrics import figures
from etl.pv import project
from etl.store import reference
from etl.store.db import connect
from tests.app_pages import app_as

VISITOR_PAGES = ["pages/overview.py", "pages/energy.py", "pages/kpi.py", "pages/pv.py", "pages/fleet.py"]


def every_table(db) -> dict[str, tuple]:
    """Row count and a content checksum of every table in the database."""
    with connect(db) as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM "{n}" x').fetchall()[0]
                for n in names}


@pytest.fixture()
def db_copy(demo_db, tmp_path, monkeypatch):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("ENERGY_DB", str(db))
    return db


def app(role: str | None = None, lang: str = "en") -> AppTest:
    return app_as(role, lang).run()


def listed(at: AppTest, page: str) -> bool:
    try:
        at.switch_page(page)
    except ValueError:
        return False
    return True


def test_visitor_page_views_change_nothing_even_when_the_pv_model_is_stale(db_copy):
    with connect(db_copy) as con:  # a model setting changed behind the app's back: the model is out of date
        con.execute("UPDATE ref_settings SET value = '15' WHERE scope = 'pv' AND key = 'losses_pct'")
        assert project.refresh_needed(con)
    before = every_table(db_copy)
    for lang in ("zh", "en"):
        for page in VISITOR_PAGES:
            at = app(lang=lang)
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
    at = app()
    at.switch_page("pages/pv.py").run()
    assert any("has not been recomputed" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "pv_run_model"], "a visitor gets no model button"
    assert every_table(db_copy) == before


def test_officer_recomputes_the_pv_model_with_the_button(db_copy):
    with connect(db_copy) as con:
        con.execute("UPDATE ref_settings SET value = '15' WHERE scope = 'pv' AND key = 'losses_pct'")
        runs = con.execute("SELECT count(*) FROM pv_model_runs").fetchall()[0][0]
    at = app("officer")
    at.switch_page("pages/pv.py").run()
    at.button(key="pv_run_model").click().run()
    assert not at.exception
    with connect(db_copy) as con:
        assert con.execute("SELECT count(*) FROM pv_model_runs").fetchall()[0][0] == runs + 1
        assert not project.refresh_needed(con)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_edited_factor_shows_with_the_figures_at_once(db_copy, lang):
    at = app(lang=lang)
    at.selectbox(key="overview_year").set_value(2023).run()

    def shown() -> tuple[str, str]:
        energy = next(m.value for m in at.metric if m.label.startswith(("综合能耗", "Total energy")))
        return energy, " ".join(c.value for c in at.caption)

    energy, caption = shown()
    assert "0.1229" in caption
    with connect(db_copy) as con:  # what an admin's edit on the settings page does
        reference.edit(con, "ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000},
                       {"value": "0.125", "source": "GB/T 2589-2020 (test edit)",
                        "source_en": "GB/T 2589-2020 (test edit)"}, by="test-admin")
        expected = figures.overview(con, 2023).set_index("metric").loc["energy_kgce", "value"]
    at.run()
    energy_after, caption_after = shown()
    assert "0.125" in caption_after and "test edit" in caption_after and "0.1229" not in caption_after
    assert energy_after == f"{expected:,.0f}" != energy


def test_only_an_admin_reaches_the_settings_page(db_copy):
    assert not listed(app(), "pages/settings.py")
    assert not listed(app("officer"), "pages/settings.py")
    run_directly = app_as(None, "en", script="pages/settings.py")
    run_directly.run()
    assert not run_directly.dataframe and any("admin" in w.value.lower() for w in run_directly.warning)
    assert listed(app("admin"), "pages/settings.py")


def test_admin_edits_and_undoes_a_factor_on_the_settings_page(db_copy):
    at = app("admin")
    at.switch_page("pages/settings.py").run()
    assert not at.exception, at.exception
    with connect(db_copy) as con:
        rows = reference.table(con, "ref_factors")
    row = int(rows.index[(rows["factor_id"] == "petrol_density")][0])
    at.selectbox(key="set_row_ref_factors").set_value(row)
    at.selectbox(key="set_col_ref_factors").set_value("value")
    at.text_input(key="set_val_ref_factors").input("0.74")
    next(b for b in at.button if b.label == "Save the edit" and "ref_factors" in str(b.proto.form_id)).click().run()
    assert not at.exception, at.exception
    assert any("Saved" in s.value for s in at.success)
    with connect(db_copy) as con:
        assert con.execute("SELECT value FROM ref_factors WHERE factor_id = 'petrol_density'").fetchall()[0][0] == 0.74
        edit = reference.edits(con).iloc[0]
    assert edit["edited_by"] == "test-admin"
    at.selectbox(key="set_undo").set_value(int(edit["edit_id"]))
    next(b for b in at.button if b.label == "Undo").click().run()
    with connect(db_copy) as con:
        assert con.execute("SELECT value FROM ref_factors WHERE factor_id = 'petrol_density'").fetchall()[0][0] == 0.73
    # a refused edit says why and changes nothing
    at.selectbox(key="set_row_ref_factors").set_value(row)
    at.selectbox(key="set_col_ref_factors").set_value("value")
    at.text_input(key="set_val_ref_factors").input("heavy")
    next(b for b in at.button if b.label == "Save the edit" and "ref_factors" in str(b.proto.form_id)).click().run()
    assert any("must be a number" in e.value for e in at.error)


def test_loading_a_pv_file_from_the_command_line_runs_the_model(tmp_path):
    from etl.__main__ import main
    from tests.test_kpi import FILES

    db = tmp_path / "pv.duckdb"
    paths = []
    for kind in ("institutions", "pv_sites", "pv"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(FILES[kind], encoding="utf-8")
        paths.append(str(path))
    assert main(["load", *paths[:2], "--db", str(db), "--accept-warnings"]) == 0
    with connect(db) as con:  # sites but no production yet: nothing to model
        assert con.execute("SELECT count(*) FROM pv_model_runs").fetchall()[0][0] == 0
    assert main(["load", paths[2], "--db", str(db), "--accept-warnings"]) == 0
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM pv_model_runs").fetchall()[0][0] == 1
        assert con.execute("SELECT count(*) FROM pv_expected").fetchall()[0][0] > 0
        assert not project.refresh_needed(con)
