"""Pages show numbers from the database, in both languages (AppTest); every page's plain render in both
languages is in tests/test_words.py."""

from __future__ import annotations

import pytest

from etl.metrics import figures
from etl.store.db import connect
from tests.app_pages import app_as


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    return demo_db


# Every page rendering in both languages (demo banner, no exception, a title) is asserted in
# tests/test_words.py's walk of the same pages, which checks their words in the same run.


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_numbers_come_from_the_database(app_env, lang):
    at = app_as(None, lang)
    at.run()
    at.selectbox(key="overview_year").set_value(2023).run()
    assert not at.exception
    with connect(app_env) as con:
        expected = figures.overview(con, 2023).set_index("metric")
    shown = {m.label: m.value for m in at.metric}
    repairs = next(v for k, v in shown.items() if k.startswith(("维修工单", "Repairs")))
    assert repairs == f"{expected.loc['repairs_total', 'value']:,.0f}" == "225"
    energy = next(v for k, v in shown.items() if k.startswith(("综合能耗", "Total energy")))
    assert energy == f"{expected.loc['energy_kgce', 'value']:,.0f}"
    # 综合能耗 counts the fleet's fuel by default, and the fleet's share is shown
    with connect(app_env) as con:
        fuel = figures.fleet_by_year(con, 2023, 2023).iloc[0]["fuel_kgce"]
        buildings = figures.energy_by_year(con, 2023, 2023, include_fleet=False).iloc[0]["energy_kgce"]
    assert expected.loc["energy_kgce", "value"] == pytest.approx(buildings + fuel)
    share = next(v for k, v in shown.items() if k.startswith(("公务用车燃油占", "Fleet fuel share")))
    assert share == f"{100 * fuel / (buildings + fuel):,.1f}"
    assert len(at.metric) == 8


def test_app_builds_missing_database(tmp_path, monkeypatch):
    """A user who starts the app with no database sees it built (here: a stubbed, fast build)."""
    from etl.demo import dataset

    db = tmp_path / "new.duckdb"
    monkeypatch.setenv("ENERGY_DB", str(db))
    calls = []

    def fake_build(path, progress=None, **_):
        calls.append(path)
        progress(0.5, "half")
        with connect(path) as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")

    monkeypatch.setattr(dataset, "build", fake_build)
    at = app_as(timeout=60)
    at.run()
    assert not at.exception and calls and db.exists()
    infos = [e.value for e in at.main if type(e).__name__ == "Info"]
    assert infos and "python -m etl demo" in infos[0]  # the empty database says how to get data


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pv_numbers_come_from_the_database(app_env, lang):
    from etl.pv import project

    at = app_as(None, lang)
    at.query_params["site"] = "PV21"
    at.run()
    at.switch_page("pages/pv.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pv_year").value == 2024
    with connect(app_env) as con:
        sav = project.savings(con, 2024, "dangliang", "guangxi", "self_use")
        status = project.status_summary(con, "2024-12-31").set_index("status")
        n_alerts = len(project.alerts(con, 2024))
    shown = {m.label: m.value for m in at.metric}
    rate = next(v for k, v in shown.items() if k.startswith(("综合节能率", "Comprehensive")))
    assert rate == f"{sav['saving_rate_pct']:.1f}%" == "13.1%"
    kgce = next(v for k, v in shown.items() if k.startswith(("节约标准煤", "Coal equivalent")))
    assert kgce == f"{sav['kgce_avoided']:,.0f}"
    sites = next(v for k, v in shown.items() if k.startswith(("已并网站点", "Sites commissioned")))
    assert sites == f"{status.loc['commissioned', 'sites']:,.0f}" == "34"
    assert any(str(n_alerts) in h.value for h in at.header)
    assert at.selectbox(key="pv_site").value == "PV21"  # ?site= opens that site's daily chart
    # a year with sites still under construction
    at.selectbox(key="pv_year").set_value(2023).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    with connect(app_env) as con:
        built = project.status_summary(con, "2023-12-31").set_index("status").loc["commissioned", "sites"]
    assert next(v for k, v in shown.items() if k.startswith(("已并网站点", "Sites commissioned"))) == f"{built:,.0f}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kpi_page_shows_the_kpi_report(app_env, lang):
    """The KPI page shows etl.metrics.kpi's figures for the chosen year, with targets and both reports."""
    from etl.metrics import kpi

    at = app_as(None, lang)
    at.run()
    at.switch_page("pages/kpi.py").run()
    at.selectbox(key="kpi_year").set_value(2023).run()
    assert not at.exception, at.exception
    with connect(app_env) as con:
        report = kpi.kpi_report(con, 2023)
    shown = {m.label: m.value for m in at.metric}

    def value(prefix_zh: str, prefix_en: str) -> str:
        return next(v for k, v in shown.items() if k.startswith(prefix_zh if lang == "zh" else prefix_en))

    assert value("维修（", "Repairs (") == f"{report['repairs_total']:,}" == "225"
    assert value("公务接待人次", "Reception guests") == f"{report['reception_people']:,}" == "4,584"
    assert value("光伏已并网站点", "PV sites commissioned") == (
        f"{report['pv_sites_commissioned']} / {report['pv_sites_total']}")
    # the task's figure (data/cert_tasks.csv: 25 agencies past city review by 2023-12-31), as on the cert page
    assert value("节约型机关达到任务阶段", "Agencies at the task") == f"{report['jieyue_units_reached']} / 25" == "25 / 25"
    assert value("公务用车碳排放", "Fleet CO") == f"{report['fleet_co2_t']:,.1f}"
    # 综合能耗 counts the fleet's fuel by default; its share has a card of its own
    assert value("综合能耗（", "Total energy use (") == f"{report['energy_kgce']:,.0f}"
    assert value("综合能耗中公务用车燃油占比", "Fleet fuel share") == f"{report['energy_fleet_share_pct']:,.1f}"
    assert report["energy_kgce"] == pytest.approx(report["energy_kgce_buildings"] + report["energy_fleet_kgce"])
    assert len(at.metric) == 30
    badges = " ".join(str(e.proto) for e in at.main if type(e).__name__ in ("Markdown", "Badge"))
    assert ("未达标" if lang == "zh" else "not met") in badges  # 97.8 % of repairs within the rule, target 100
    assert len(at.get("download_button")) == 2
