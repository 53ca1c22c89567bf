"""Every page renders in both languages with numbers from the database (AppTest)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl import metrics
from etl.db import connect

PAGES = ["pages/overview.py", "pages/energy.py"]


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    return demo_db


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders(app_env, lang, page):
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    banners = [e.value for e in at.main if type(e).__name__ == "Warning"]
    assert banners and banners[0].startswith("演示数据" if lang == "zh" else "Demo data")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "the page shows its title"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_numbers_come_from_the_database(app_env, lang):
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.selectbox(key="overview_year").set_value(2023).run()
    assert not at.exception
    with connect(app_env) as con:
        expected = metrics.overview(con, 2023).set_index("metric")
    shown = {m.label: m.value for m in at.metric}
    repairs = next(v for k, v in shown.items() if k.startswith(("维修工单", "Repairs")))
    assert repairs == f"{expected.loc['repairs_total', 'value']:,.0f}" == "225"
    energy = next(v for k, v in shown.items() if k.startswith(("综合能耗", "Total energy")))
    assert energy == f"{expected.loc['energy_kgce', 'value']:,.0f}"
    assert len(at.metric) == 7


def test_app_builds_missing_database(tmp_path, monkeypatch):
    """A user who starts the app with no database sees it built (here: a stubbed, fast build)."""
    from etl import demo

    db = tmp_path / "new.duckdb"
    monkeypatch.setenv("ENERGY_DB", str(db))
    calls = []

    def fake_build(path, progress=None, **_):
        calls.append(path)
        progress(0.5, "half")
        with connect(path) as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")

    monkeypatch.setattr(demo, "build", fake_build)
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    at.run()
    assert not at.exception and calls and db.exists()
    infos = [e.value for e in at.main if type(e).__name__ == "Info"]
    assert infos and "python -m etl demo" in infos[0]  # the empty database says how to get data
