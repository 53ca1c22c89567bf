"""One meter's January 2025 on top of the demo (which ends with 2024), on every page that picks a year (AppTest,
both languages): each opens on 2024, the last complete year; 2025 stays selectable and, chosen, says in one
sentence that it is incomplete, with no -100 % and no target judged "on track"."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from etl.ingest.loader import commit, prepare
from etl.ingest.messages import msg
from etl.store.db import connect
from tests.app_pages import app_as
from tests.conftest import copy_of
from tests.texts import page_texts, problems
from ui.i18n import STATUS_MARK, TEXT

# 0450000001 is the demo's 县行政中心 grid account; PV01 城南二小屋顶光伏 one day of output (the PV page's years)
JAN_2025 = {"electricity": "户号,账期,抄见电量(kWh)\n0450000001,2025-01,150000\n",
            "pv": "电站名称,统计时间,发电量(kWh),上网电量(kWh)\n城南二小屋顶光伏,2025-01-10,300,40\n",
            # and one trip: the fleet page judges 2025 by the cars' own records (January only)
            "dispatches": "派车单号,车牌号,出车时间,行驶里程(km),是否事故\nPC2025TEST1,桂B·A5004,2025-01-06 08:00,42,否\n"}
YEAR_KEY = {"energy": "en_year", "overview": "overview_year", "kpi": "kpi_year", "fleet": "fl_year",
            "pv": "pv_year"}


@pytest.fixture()
def jan_db(demo_db, tmp_path, monkeypatch) -> Path:
    def build(path: Path) -> None:
        shutil.copy(demo_db, path)
        with connect(path) as con:
            for kind, text in JAN_2025.items():
                prep = prepare(con, text.encode(), f"{kind}_2025_01.csv", kind)
                assert prep.ok, [str(p) for p in prep.problems]
                commit(con, prep, "test")

    db = copy_of("demo_jan2025", tmp_path, build)
    monkeypatch.setenv("ENERGY_DB", str(db))
    monkeypatch.delenv("COUNTY_NAME", raising=False)
    return db


def meters_2024(db: Path) -> int:
    """By hand, not through the rule: the meters with a 2024 figure (all of the demo's)."""
    with connect(db) as con:
        return con.execute("SELECT count(DISTINCT meter_id) FROM meter_month WHERE year(month) = 2024").fetchone()[0]


def open_page(page: str, lang: str):
    at = app_as("officer", lang)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def sentence(lang: str, n: int) -> str:
    return (f"2025 年数据不完整：截至 1 月，1/{n} 块表有数据" if lang == "zh"
            else f"2025 data are incomplete: up to Jan; 1 of {n} meters reported")


def assert_not_judged(texts: list[str], lang: str, words: bool = True) -> None:
    joined = "\n".join(texts)
    assert "-100" not in joined and "−100" not in joined
    for status in ("on_track", "at_risk", "off_track", "met", "not_met"):  # a status as badges show it (the
        # note that explains the statuses names the words alone)
        assert f"{STATUS_MARK[status]} {msg(f'kpi_status_{status}').render(lang)}" not in joined, status
    found = problems(texts) if words else []
    assert not found, found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", ["energy", "overview", "kpi", "pv"])
def test_opens_on_the_last_complete_year_and_names_2025_incomplete(jan_db, page, lang):
    at = open_page(page, lang)
    picker = at.selectbox(key=YEAR_KEY[page])
    assert picker.value == 2024 and "2025" in picker.options
    picker.set_value(2025).run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    joined = "\n".join(texts)
    assert sentence(lang, meters_2024(jan_db)) in joined
    if page in ("energy", "kpi"):  # target cards and tables say they are not judged
        assert TEXT["yr_not_judged"][0 if lang == "zh" else 1] in joined
    assert_not_judged(texts, lang)
    if page == "overview":  # the year-by-year table names the partial year
        years_col = at.dataframe[0].value.iloc[:, 0].tolist()
        assert years_col[-2:] == ["2024", TEXT["yr_year_incomplete"][0 if lang == "zh" else 1].format(year=2025)]
    if page in ("energy", "overview"):  # no card compares January with the whole of 2024
        assert all(not m.delta for m in at.metric), [(m.label, m.delta) for m in at.metric]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fleet_opens_on_2024_and_2025_shows_no_change(jan_db, lang):
    at = open_page("fleet", lang)
    assert at.selectbox(key="fl_year").value == 2024
    assert any(m.delta for m in at.metric)  # 2024 against 2023: both complete, compared
    at.selectbox(key="fl_year").set_value(2025).run()
    assert not at.exception, at.exception
    assert [m for m in at.metric if m.value not in ("—", "0")], "2025's one trip is shown"
    assert all(not m.delta for m in at.metric), [(m.label, m.delta) for m in at.metric]
    texts = page_texts(at)
    assert ("2025 年公务用车记录不完整：截至 1 月" if lang == "zh" else "2025 car records are incomplete: up to Jan"
            ) in "\n".join(texts)
    assert_not_judged(texts, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_certification_opens_at_the_end_of_2024(jan_db, lang):
    at = open_page("certification", lang)
    assert at.date_input(key="cert_as_of").value == date(2024, 12, 31)
    # the certification page is not in test_words' walk and its checklist grid still prints gaps as None
    assert_not_judged(page_texts(at), lang, words=False)
    at.date_input(key="cert_as_of").set_value(date(2025, 12, 31)).run()  # scoring 2025: one meter's January
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert sentence(lang, meters_2024(jan_db)) in "\n".join(texts)
    assert_not_judged(texts, lang, words=False)
