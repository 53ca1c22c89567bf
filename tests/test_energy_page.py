"""The energy page (AppTest): a link reproduces the view, filters go into the URL, numbers come from etl.metrics.energy."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.metrics import energy, figures
from etl.store.db import connect
from tests.app_pages import app_as


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    return demo_db


def open_energy(language: str = "en", **params) -> AppTest:
    at = app_as(None, language)
    at.run()
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page("pages/energy.py").run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, prefix: str) -> str:
    return next(m.value for m in at.metric if prefix in m.label)


def test_county_numbers_and_fleet_toggle(app_env):
    at = open_energy("en", year="2023")
    with connect(app_env) as con:
        county = energy.scope_by_year(con, 2023, 2023, include_fleet=False).iloc[0]
        fuel = figures.fleet_by_year(con, 2023, 2023).iloc[0]["fuel_kgce"]
        targets = figures.target_progress(con, 2023).set_index("metric")
    # official-vehicle fuel is counted by default (the statistics do) and its share is shown
    assert _metric(at, "Total energy") == f"{(county['energy_kgce'] + fuel) / 1000:,.1f}"
    assert _metric(at, "Water (m³)") == f"{county['water_m3']:,.0f}"
    assert _metric(at, "Energy per m²") == f"{targets.loc['energy_kgce_per_m2', 'value']:,.2f}"
    captions = " ".join(c.value for c in at.caption)
    assert "IS counted" in captions and f"{100 * fuel / (county['energy_kgce'] + fuel):,.1f}%" in captions
    at.toggle(key="en_fleet").set_value(False).run()
    assert _metric(at, "Total energy") == f"{county['energy_kgce'] / 1000:,.1f}"
    assert dict(at.query_params)["fleet"] in ("0", ["0"])
    assert "NOT counted" in " ".join(c.value for c in at.caption)


def test_filters_go_into_the_url_and_a_link_reproduces_the_view(app_env):
    at = open_energy("en")
    at.selectbox(key="en_type").set_value("学校").run()
    at.selectbox(key="en_inst").set_value("I100").run()
    at.radio(key="en_coal").set_value("dengjia").run()
    assert not at.exception
    params = {k: v[0] if isinstance(v, list) else v for k, v in dict(at.query_params).items()}
    assert params["type"] == "学校" and params["inst"] == "I100" and params["coal"] == "dengjia"
    # the same parameters in a new session give the same view
    again = open_energy(params.pop("lang"), **params)
    assert again.selectbox(key="en_inst").value == "I100"
    assert again.radio(key="en_coal").value == "dengjia"
    assert [m.value for m in again.metric] == [m.value for m in at.metric]
    # a meter in the link alone is enough: institution and type follow from it
    meter = open_energy("en", meter="W-I100", year="2024")
    assert meter.selectbox(key="en_type").value == "学校"
    assert any(s.value.startswith("Meter W-I100") for s in meter.subheader)


def test_anomaly_rows_link_to_the_meter_chart(app_env):
    at = open_energy("zh", type="学校", inst="I100", year="2024")
    tables = [d.value for d in at.dataframe]
    anomaly = next(df for df in tables if "异常类型" in df.columns)
    leak = anomaly[anomaly["异常类型"].str.startswith("疑似漏水")]
    assert len(leak) == 3
    assert all("meter=W-I100" in u and "inst=I100" in u for u in leak["查看"])


def test_lpg_shows_in_the_breakdown_by_kind(demo_db, tmp_path, monkeypatch):
    """Bottled LPG counts in 综合能耗: 100 kg bought by I100 (a school) in 2024 = 100 x 1.7143 = 171.43 kgce,
    shown in the county's breakdown (row 学校, column "of which LPG") and named on the institution's view."""
    import shutil

    db = tmp_path / "lpg.duckdb"
    shutil.copy(demo_db, db)
    with connect(db) as con:
        before = figures.intensity_by_year(con, 2024, 2024, group_by="type").set_index("type")
        con.execute("""INSERT INTO lpg_purchases (institution_id, purchased_on, lpg_kg, cylinders, cylinder_kg, batch_id)
                       VALUES ('I100', '2024-05-06', 100, 2, 50, 0)""")
    with connect(db) as con:  # a row written past the loader: the next cursor reads the plain views (rollups)
        after = figures.intensity_by_year(con, 2024, 2024, group_by="type").set_index("type")
    assert abs(after.loc["学校", "energy_kgce"] - before.loc["学校", "energy_kgce"] - 171.43) < 1e-6
    monkeypatch.setenv("ENERGY_DB", str(db))
    at = open_energy("en", year="2024")
    table = next(d.value for d in at.dataframe if "of which LPG kgce" in d.value.columns)
    row = table[table["Name"] == "School"].iloc[0]
    assert row["of which LPG kgce"] == 171
    assert table["of which LPG kgce"].sum() == 171  # no other type bought any
    inst = open_energy("en", year="2024", type="学校", inst="I100")
    assert any("Bottled LPG bought this year: 100 kg, 171 kgce" in c.value for c in inst.caption)
