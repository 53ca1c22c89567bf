"""The upload preview in AppTest: the file drawn against the site's history, the plan of resolutions, the
assumptions made (here: a day counter differenced), in Chinese and English."""

from __future__ import annotations

import pytest

from etl.ingest.loader import commit, prepare
from etl.store.db import connect
from tests.app_pages import app_as
from tests.conftest import table_state
from tests.test_pv_portal import CORPUS, NOW, pv_db  # noqa: F401 - the fixture is used by name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_preview_draws_history_plan_and_assumptions(pv_db, monkeypatch, lang):  # noqa: F811
    daily = "统计时间,电站名称,发电量(kWh)\n2024-05-30,PV02,1000\n2024-05-31,PV02,1050\n2024-06-01,PV02,990\n"
    with connect(pv_db) as con:
        commit(con, prepare(con, daily.encode(), "daily.csv", now=NOW), "test")
    monkeypatch.setenv("ENERGY_DB", str(pv_db))
    before = table_state(pv_db)
    at = app_as("officer", lang, user="alice")
    at.run()
    at.switch_page("pages/upload.py").run()
    data = (CORPUS / "fusionsolar_device_15min_gbk.csv").read_bytes()
    at.file_uploader[0].set_value(("device.csv", data, "text/csv")).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 1  # one quantity (generation): file against history
    frames = [d.value for d in at.dataframe]
    entity = "表计/站点" if lang == "zh" else "Meter / site"
    plan = next(f for f in frames if entity in f.columns)
    # 2024-06-01 has the daily report: it counts there; the file's intervals count for 2024-06-02 only
    assert plan.iloc[0].tolist()[1:] == (["分时", "2024-06-01", "2024-06-02", 2, 1, "日报"] if lang == "zh" else
                                         ["interval", "2024-06-01", "2024-06-02", 2, 1, "daily"])
    said = next(f for f in frames if ("假定" if lang == "zh" else "Assumption") in f.columns).iloc[:, 0].tolist()
    assert said == (["当日累计值“当日发电量(kWh)”已按相邻读数之差换算为每个时段的电量（零点清零）"] if lang == "zh" else
                    ["the day counter '当日发电量(kWh)' was differenced into energy per interval (it restarts at "
                     "midnight)"])
    assert table_state(pv_db) == before, "a preview never writes"
