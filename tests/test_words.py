"""No internal text on any page, in either language (AppTest): no raw keys, no None/NaN, no negative
zero, no server paths, no research notes, no placeholder county on demo data (patterns in tests/texts.py)."""

from __future__ import annotations

import pytest

from tests.app_pages import app_as
from tests.texts import page_texts, problems

PAGES = ["pages/overview.py", "pages/energy.py", "pages/pv.py", "pages/kpi.py", "pages/upload.py",
         "pages/batches.py", "pages/users.py", "pages/fleet.py", "pages/settings.py"]
LOGIN = {"pages/upload.py": "officer", "pages/batches.py": "officer", "pages/users.py": "admin",
         "pages/settings.py": "admin"}


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    monkeypatch.delenv("COUNTY_NAME", raising=False)
    return demo_db


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_internal_text(app_env, lang, page):
    """One walk of every page in both languages for two files' checks: the demo banner on the first run, no
    exception and a title (what test_app.py's own walk of the same pages asserted), then the words."""
    at = app_as(LOGIN.get(page), lang)
    at.run()
    banners = [e.value for e in at.main if type(e).__name__ == "Warning"]
    assert banners and banners[0].startswith("演示数据" if lang == "zh" else "Demo data")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, "the page shows its title"
    texts = page_texts(at)
    assert len(texts) > 20, "the walk found the page's texts"
    found = problems(texts)
    assert not found, "\n".join(dict.fromkeys(found))
    if lang == "en":  # an English page has no Chinese of the app's own (names from data may be Chinese)
        assert not any("待核实" in x for x in texts)


def test_the_patterns_catch_what_they_should():
    bad = ["grid_co2_guangxi", "energy_kwh (kWh)", "jieyue", "None", "NaN", "-0.0%", "−0.0", "/work/x/data/a.csv",
           "value seen in third-party code", "XX县机关后勤服务中心"]
    for text in bad:
        assert problems([text]), text
    good = ["综合能耗（kgce）", "+1.2%", "0.0%", "-0.04 kgce", "data/pv_settings.csv", "`energy?year=2024&coal=dangliang`",
            "GB/T 2589-2020《综合能耗计算通则》附录A", "2024-12-31", "PV21 城南二小"]
    for text in good:
        assert not problems([text]), (text, problems([text]))


def test_every_setting_has_a_name_in_both_languages():
    """The settings page and the energy page's rule table name each anomaly and fleet setting (their seed files
    carry only help texts): a new setting needs its name in ui/text_words.py."""
    from etl.store.reference import seed_frame
    from ui.i18n import TEXT

    s = seed_frame("ref_settings")
    for scope, key, name_zh in zip(s["scope"], s["key"], s["name_zh"], strict=True):
        if scope == "pv":
            assert isinstance(name_zh, str) and name_zh.strip(), key
        else:
            zh, en = TEXT[f"sn_{scope}_{key}"]
            assert zh.strip() and en.strip() and not problems([zh, en]), key


def test_fleet_download_headers_are_words(demo_db):
    """Every column of the fleet tables the page shows and downloads has a name in both languages (the page
    renames by `fc_<column>`), so no XLSX header is a raw key. Columns the page leaves out are listed here."""
    from etl.metrics import fleet
    from etl.store.db import connect
    from ui.i18n import TEXT

    with connect(demo_db) as con:
        cars = fleet.cars(con, 2024)
        frames = [cars, fleet.monthly(con, 2024), fleet.age_cost(con, 2024), fleet.flags(con, 2024),
                  fleet.car_timeline(con, cars["plate"].iloc[0], 2024), fleet.dispatch_breakdown(con, 2024, "purpose"),
                  fleet.secondments(con, "2023-01-01", "2023-12-31"), fleet.scenario(con, 2024, 3)["cars"]]
    left_out = {"petrol_l", "diesel_l", "fills", "co2_fuel_kg", "co2_charge_kg", "co2_kg_per_dispatch", "explained"}
    for df in frames:
        unnamed = [c for c in df.columns if c not in left_out and f"fc_{c}" not in TEXT]
        assert not unnamed, unnamed
        for col in df.columns:
            if f"fc_{col}" in TEXT:
                assert not problems(list(TEXT[f"fc_{col}"])), col
