"""The energy page's ranking shows the highest of each type, all on request, the same numbers (issue 14)."""

from __future__ import annotations

import pytest

from etl.metrics import energy
from etl.store.db import connect
from tests.test_energy_page import open_energy
from ui.page_settings import setting


@pytest.fixture()
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(demo_db))
    return demo_db


def ranking_table(at):
    return next(d.value for d in at.dataframe if "Rank in type" in d.value.columns)


def test_the_ranking_table_shows_the_top_of_each_type_then_all(app_env):
    top_n = int(setting("energy", "ranking_top_per_type"))
    assert top_n == 10  # data/page_settings.csv
    with connect(app_env) as con:
        rk = energy.ranking(con, 2024, "energy_kgce_per_m2")
    expected = rk.groupby("type").head(top_n)
    assert len(expected) < len(rk), "the demo county has types with more than ten institutions"
    at = open_energy("en", year="2024")
    table = ranking_table(at)
    assert len(table) == len(expected)
    assert table["Name"].tolist() == expected["name"].tolist()
    assert table["Intensity"].tolist() == expected["value"].round(3).tolist()
    assert table["Rank in type"].max() == top_n
    assert all(f"inst={i}" in u for i, u in zip(expected["institution_id"], table["Open"], strict=True))
    assert any(f"{len(rk):,} institutions in all" in c.value for c in at.caption)
    at.toggle(key="en_rank_all").set_value(True).run()
    assert not at.exception
    every = ranking_table(at)
    assert len(every) == len(rk)
    assert every["Intensity"].tolist() == rk["value"].round(3).tolist()


def test_the_chinese_page_names_the_choice(app_env):
    at = open_energy("zh", year="2024")
    assert any(tg.label.startswith("显示全部") for tg in at.toggle)
    assert any("下载文件包含全部单位" in c.value for c in at.caption)
