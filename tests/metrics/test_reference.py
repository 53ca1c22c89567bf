"""Reference tables: seeded from data/, edited with who and when, undone, refused edits change nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from etl.metrics import factors, figures
from etl.store import reference
from etl.store.db import DATA_DIR, connect


def _state(con) -> dict:
    return {n: con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {n} x").fetchall()[0]
            for n in [*reference.REF_TABLES, "ref_edits", "meta"]}


def test_seeded_from_the_files(vcon):
    for name, path in reference.files().items():
        csv = pd.read_csv(path, comment="#")
        table = reference.table(vcon, name)
        assert len(table) == len(csv), name
        assert set(table["source"]) == set(csv["source"]), name
    f = factors.factors(vcon)
    assert_allclose(f.loc[f["factor_id"] == "elec_kgce_dangliang", "value"], [0.1229])
    settings = reference.table(vcon, "ref_settings")
    assert set(settings["scope"]) == {"pv", "anomaly", "fleet"}
    assert settings["source"].str.strip().astype(bool).all()
    pv = pd.read_csv(DATA_DIR / "pv_settings.csv", comment="#", dtype=str, keep_default_na=False)
    assert (settings["scope"] == "pv").sum() == len(pv)


def test_a_factor_edit_moves_the_printed_factor_and_the_figures_together(vcon):
    version = figures.data_version(vcon)
    before = figures.energy_by_year(vcon, 2022, 2022, include_fleet=False).iloc[0]["energy_kgce"]
    edit_id = reference.edit(vcon, "ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000},
                             {"value": "0.2", "source": "test: a corrected value"}, by="admin-anna")
    assert figures.data_version(vcon) != version  # every cached page query is keyed on this
    assert factors.factor_for_year(vcon, "elec_kgce_dangliang", 2022)["value"] == 0.2
    after = figures.energy_by_year(vcon, 2022, 2022, include_fleet=False).iloc[0]["energy_kgce"]
    assert_allclose([before, after], [1000 * 0.1229, 1000 * 0.2])
    e = reference.edits(vcon).iloc[0]
    assert (e["edit_id"], e["tbl"], e["edited_by"]) == (edit_id, "ref_factors", "admin-anna")
    assert pd.notna(e["edited_at"])
    # undo puts the value and the source back, and the figures follow
    reference.undo(vcon, edit_id, by="admin-bo")
    assert factors.factor_for_year(vcon, "elec_kgce_dangliang", 2022)["value"] == 0.1229
    assert_allclose(figures.energy_by_year(vcon, 2022, 2022, include_fleet=False).iloc[0]["energy_kgce"], 122.9)
    assert reference.edits(vcon).iloc[0]["undone_by"] == "admin-bo"
    with pytest.raises(reference.EditError, match="undone already"):
        reference.undo(vcon, edit_id, by="admin-bo")


def test_valid_years_pick_the_factor_of_the_reading_year(vcon):
    def co2_2023() -> float:
        return vcon.execute("""SELECT kgco2_guangxi FROM meter_month_converted
                               WHERE meter_id = 'E1' AND month = '2023-01-01'""").fetchall()[0][0]

    assert_allclose(co2_2023(), 800 * 0.4476)
    g23 = {"factor_id": "grid_co2_guangxi", "valid_from": 2023}
    with pytest.raises(reference.EditError, match="overlap"):  # two values for 2022
        reference.edit(vcon, "ref_factors", g23, {"valid_from": 2022}, by="a")
    # the 2023 value is said to apply from 2024 only, and the 2022 value is extended over 2023
    reference.edit(vcon, "ref_factors", g23, {"valid_from": 2024}, by="a")
    assert co2_2023() is None  # no factor for the year: no figure rather than a wrong one
    reference.edit(vcon, "ref_factors", {"factor_id": "grid_co2_guangxi", "valid_from": 2022}, {"valid_to": 2023},
                   by="a")
    assert_allclose(co2_2023(), 800 * 0.4044)


@pytest.mark.parametrize("table, key, changes, words", [
    ("ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000}, {"value": "abc"}, "must be a number"),
    ("ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000}, {"source": "  "}, "source is required"),
    ("ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000}, {"unit": "x"}, "cannot be edited"),
    ("ref_factors", {"factor_id": "elec_kgce_dangliang", "valid_from": 2000}, {"valid_to": 1990}, "not be after"),
    ("ref_factors", {"factor_id": "nope", "valid_from": 2000}, {"value": 1}, "no row"),
    ("ref_targets", {"target_id": "energy_per_m2"}, {"target_year": 2025.5}, "whole year"),
])
def test_bad_edits_change_nothing(vcon, table, key, changes, words):
    before = _state(vcon)
    with pytest.raises(reference.EditError, match=words):
        reference.edit(vcon, table, key, changes, by="a")
    assert _state(vcon) == before


def test_settings_and_targets_are_edited_the_same_way(vcon):
    from etl.metrics import anomalies

    reference.edit(vcon, "ref_settings", {"scope": "anomaly", "key": "leak_yoy_ratio"}, {"value": "2.5"}, by="a")
    assert anomalies.settings(vcon)["leak_yoy_ratio"] == 2.5
    reference.edit(vcon, "ref_targets", {"target_id": "energy_per_m2"}, {"change_pct": "-10"}, by="a")
    progress = figures.target_progress(vcon, 2023).set_index("target_id")
    assert progress.loc["energy_per_m2", "target_change_pct"] == -10
    assert_allclose(progress.loc["energy_per_m2", "path_pct"], -10 * 3 / 5)


def test_later_edit_is_undone_first(vcon):
    key = {"factor_id": "petrol_density", "valid_from": 2000}
    first = reference.edit(vcon, "ref_factors", key, {"value": 0.74}, by="a")
    reference.edit(vcon, "ref_factors", key, {"value": 0.75}, by="a")
    with pytest.raises(reference.EditError, match="undo it first"):
        reference.undo(vcon, first, by="a")


def test_seed_never_overwrites_edits(view_db):
    with connect(view_db) as con:
        reference.edit(con, "ref_factors", {"factor_id": "petrol_density", "valid_from": 2000}, {"value": 0.74},
                       by="a")
        assert reference.seed(con) == []
    with connect(view_db) as con:
        assert factors.factor_for_year(con, "petrol_density", 2023)["value"] == 0.74


def test_refused_edits_read_in_both_languages(vcon):
    with pytest.raises(reference.EditError) as err:
        reference.edit(vcon, "ref_targets", {"target_id": "energy_per_m2"}, {"change_pct": "abc"}, by="a")
    assert err.value.msg.render("zh") == "必须填写数字，而不是“abc”"
    assert err.value.msg.render("en") == "the value must be a number, not “abc”"
    assert "change_pct" not in err.value.msg.render("zh")  # no column key in the sentence a person reads


def test_an_older_database_gains_the_english_citation_of_the_targets(tmp_path):
    """ref_targets had no source_en before: opening an older database adds it and fills it from the file,
    an edited Chinese citation stays as the admin left it."""
    import duckdb

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    old = reference.REF_TABLES["ref_targets"].columns.replace(", source_en VARCHAR", "")
    con.execute(f"CREATE TABLE ref_targets ({old})")
    con.execute("""INSERT INTO ref_targets VALUES ('energy_per_m2', 'energy_kgce_per_m2', '单位建筑面积能耗',
                   'Energy per m2', 2020, 2025, -5, '管理员改过的出处')""")
    reference.create(con)
    reference.seed(con)
    row = con.execute("SELECT source, source_en FROM ref_targets WHERE target_id = 'energy_per_m2'").fetchall()[0]
    csv = pd.read_csv(DATA_DIR / "targets.csv", comment="#").set_index("target_id")
    assert row == ("管理员改过的出处", csv.loc["energy_per_m2", "source_en"])
    assert con.execute("SELECT count(*) FROM ref_targets").fetchall()[0][0] == 1  # filled, not re-seeded
    con.close()
