"""The energy page's figures (etl.metrics.energy, etl.metrics.figures) against numbers computed by hand.

A tiny county is loaded through the loader from CSV strings: two institutions, two months in each of
2020 and 2021. Factors (data/factors.csv): 当量值 0.1229 and 等价值 0.3 kgce/kWh; Guangxi grid
0.5154 kgCO2/kWh in 2020 and 2021; national grid 0.5703 (2020) and 0.5568 (2021).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from etl.ingest.loader import commit, prepare
from etl.metrics import energy, factors, figures
from etl.store.db import connect
from tests.conftest import copy_of

INSTITUTIONS = """单位编码,单位名称,单位类型,建筑面积(m2),用能人数
I001,县财政局,党政机关,2000,50
I002,城南二小,学校,8000,900
"""
METERS = """表号,单位编码,能源种类,户号,倍率
E-I001,I001,电,0450000001,1
W-I001,I001,水,88000001,1
E-I002,I002,电,0450000002,1
W-I002,I002,水,88000002,1
"""
ELECTRICITY = """户号,账期,抄见电量(kWh),估抄
0450000001,2020-01,1000,否
0450000001,2020-02,1200,否
0450000001,2021-01,900,否
0450000001,2021-02,1000,是
0450000002,2020-01,5000,否
0450000002,2020-02,4000,否
0450000002,2021-01,4500,否
0450000002,2021-02,3500,否
"""
WATER = """用户号,账期,用水量(吨)
88000001,2020-01,100
88000001,2020-02,110
88000001,2021-01,90
88000001,2021-02,95
88000002,2020-01,800
88000002,2020-02,700
88000002,2021-01,780
88000002,2021-02,650
"""


def load(db: Path, files: dict[str, str]) -> None:
    with connect(db) as con:
        for name, text in files.items():
            prep = prepare(con, text.encode(), name)
            assert prep.ok, prep.problems
            commit(con, prep, "test")


@pytest.fixture()
def tiny_db(tmp_path) -> Path:
    return copy_of("tiny", tmp_path, lambda db: load(db, {
        "institutions.csv": INSTITUTIONS, "meters.csv": METERS, "electricity.csv": ELECTRICITY, "water.csv": WATER}))


@pytest.fixture()
def con(tiny_db):
    with connect(tiny_db) as c:
        yield c


def test_county_figures_by_hand(con):
    df = energy.scope_by_year(con, 2020, 2021).set_index("year")
    # 2020: (1000 + 1200 + 5000 + 4000) kWh = 11,200 kWh x 0.1229 = 1,376.48 kgce
    assert df.loc[2020, "grid_import_kwh"] == pytest.approx(11200)
    assert df.loc[2020, "energy_kgce"] == pytest.approx(1376.48)
    assert df.loc[2020, "energy_kgce_per_m2"] == pytest.approx(1376.48 / 10000)
    assert df.loc[2020, "energy_kgce_per_person"] == pytest.approx(1376.48 / 950)
    # water: 100 + 110 + 800 + 700 = 1,710 m3 over 950 people
    assert df.loc[2020, "water_m3"] == pytest.approx(1710)
    assert df.loc[2020, "water_m3_per_person"] == pytest.approx(1.8)
    # CO2: 11,200 kWh x 0.5154 kg = 5,772.48 kg = 5.77248 t; per m2 0.577248 kg
    assert df.loc[2020, "co2_t"] == pytest.approx(5.77248)
    assert df.loc[2020, "co2_kg_per_m2"] == pytest.approx(0.577248)
    # 2021: 9,900 kWh x 0.1229 = 1,216.71 kgce
    assert df.loc[2021, "energy_kgce"] == pytest.approx(1216.71)


def test_institution_and_type_by_hand(con):
    inst = energy.scope_by_year(con, 2020, 2020, institution_id="I001").iloc[0]
    # 2,200 kWh x 0.1229 = 270.38 kgce over 2,000 m2 and 50 people; 210 m3 / 50 = 4.2 m3/person
    assert inst["energy_kgce"] == pytest.approx(270.38)
    assert inst["energy_kgce_per_m2"] == pytest.approx(0.13519)
    assert inst["energy_kgce_per_person"] == pytest.approx(5.4076)
    assert inst["water_m3_per_person"] == pytest.approx(4.2)
    assert inst["co2_kg_per_m2"] == pytest.approx(2200 * 0.5154 / 2000)
    school = energy.scope_by_year(con, 2020, 2020, type_="学校").iloc[0]
    assert school["energy_kgce"] == pytest.approx(9000 * 0.1229)
    assert school["water_m3_per_person"] == pytest.approx(1500 / 900)


def test_factor_choice_and_each_years_own_factor(con):
    dengjia = energy.scope_by_year(con, 2020, 2020, coal="dengjia").iloc[0]
    assert dengjia["energy_kgce"] == pytest.approx(11200 * 0.3)  # 1000 kWh x 0.3 = 300 kgce
    national = energy.scope_by_year(con, 2020, 2021, grid="national").set_index("year")
    assert national.loc[2020, "co2_t"] == pytest.approx(11200 * 0.5703 / 1000)
    assert national.loc[2021, "co2_t"] == pytest.approx(9900 * 0.5568 / 1000)
    months = energy.meter_monthly(con, "E-I001", grid="national").set_index("month")
    assert months.loc[pd.Timestamp("2020-01-01"), "energy_kgce"] == pytest.approx(122.9)  # 1000 x 0.1229
    assert months.loc[pd.Timestamp("2021-01-01"), "co2_t"] == pytest.approx(900 * 0.5568 / 1000)
    assert months.loc[pd.Timestamp("2021-01-01"), "same_month_last_year"] == pytest.approx(1000)


def test_targets_by_hand(con):
    tp = figures.target_progress(con, 2021).set_index("metric")
    per_m2 = tp.loc["energy_kgce_per_m2"]
    assert per_m2["baseline"] == pytest.approx(0.137648)
    assert per_m2["change_pct"] == pytest.approx(100 * (1216.71 - 1376.48) / 1376.48)  # -11.6 %
    assert per_m2["path_pct"] == pytest.approx(-1.0)  # one fifth of the way to -5 %
    assert per_m2["status"] == "on_track"
    water = tp.loc["water_m3_per_person"]  # 1,615 / 950 against 1,710 / 950: -5.56 %, path -1.2 %
    assert water["change_pct"] == pytest.approx(100 * (1615 - 1710) / 1710)
    assert water["status"] == "on_track"
    # the page derives the same table from the rows it already has
    derived = energy.targets_from(energy.scope_by_year(con, 2020, 2021), 2021,
                                  factors.targets(con)).set_index("metric")
    pd.testing.assert_frame_equal(derived, tp)
    inst = figures.target_progress(con, 2021, group_by="institution_id", key="I001").set_index("metric")
    # I001: 1,900 against 2,200 kWh -> -13.6 %; water 185 against 210 -> -11.9 %
    assert inst.loc["energy_kgce_per_m2", "change_pct"] == pytest.approx(100 * (1900 - 2200) / 2200)
    assert inst.loc["water_m3_per_person", "change_pct"] == pytest.approx(100 * (185 - 210) / 210)


def test_target_status_rules():
    assert figures.target_status(-4.0, -4.0) == "on_track"
    assert figures.target_status(-2.0, -4.0) == "at_risk"
    assert figures.target_status(0.0, -4.0) == "off_track"
    assert figures.target_status(None, -4.0) is None


def test_totals_add_up_to_institutions_and_files(con):
    county = energy.scope_by_year(con, 2021, 2021).iloc[0]
    types = energy.breakdown(con, 2021)
    insts = pd.concat([energy.breakdown(con, 2021, type_=ty) for ty in types["key"]])
    mtrs = pd.concat([energy.breakdown(con, 2021, institution_id=i) for i in insts["key"]])
    files_kwh = pd.read_csv(io.StringIO(ELECTRICITY), dtype={"账期": str})
    files_m3 = pd.read_csv(io.StringIO(WATER), dtype={"账期": str})
    file_kwh = files_kwh.loc[files_kwh["账期"].str.startswith("2021"), "抄见电量(kWh)"].sum()
    file_m3 = files_m3.loc[files_m3["账期"].str.startswith("2021"), "用水量(吨)"].sum()
    assert county["grid_import_kwh"] == pytest.approx(file_kwh) == pytest.approx(9900)
    assert county["water_m3"] == pytest.approx(file_m3) == pytest.approx(1615)
    for frame in (types, insts):
        assert frame["energy_kgce"].sum() == pytest.approx(county["energy_kgce"])
        assert frame["water_m3"].sum() == pytest.approx(county["water_m3"])
    assert mtrs["energy_kwh"].sum() == pytest.approx(file_kwh)
    assert mtrs["energy_kgce"].sum() == pytest.approx(county["energy_kgce"])
    assert mtrs["water_m3"].sum() == pytest.approx(file_m3)
    monthly = energy.monthly(con, 2021, 2021)
    assert monthly["energy_kgce"].sum() == pytest.approx(county["energy_kgce"])
    # previous-year and baseline changes: I001's energy 1,900 against 2,200 kWh
    i001 = insts.set_index("key").loc["I001"]
    assert i001["energy_kgce_change_pct"] == pytest.approx(100 * (1900 - 2200) / 2200)
    assert i001["energy_kgce_vs_base_pct"] == pytest.approx(100 * (1900 - 2200) / 2200)


def test_ranking_worst_first_within_type(tmp_path):
    db = tmp_path / "rank.duckdb"
    inst = INSTITUTIONS + "I003,县审计局,党政机关,1000,40\n"
    meters = METERS + "E-I003,I003,电,0450000003,1\n"
    elec = ELECTRICITY + "0450000003,2021-01,3000,否\n"
    load(db, {"institutions.csv": inst, "meters.csv": meters, "electricity.csv": elec, "water.csv": WATER})
    with connect(db) as con:
        rk = energy.ranking(con, 2021, "energy_kgce_per_m2")
    agencies = rk[rk["type"] == "党政机关"]
    # I003: 3,000 kWh x 0.1229 / 1,000 m2 = 0.3687; I001: 1,900 x 0.1229 / 2,000 = 0.116755
    assert agencies["institution_id"].tolist() == ["I003", "I001"]
    assert agencies["value"].tolist() == pytest.approx([0.3687, 0.116755])
    assert agencies["rank_in_type"].tolist() == [1, 2]
    assert agencies["national"].iloc[0] == pytest.approx(18.48)  # latest national average at or before 2021


def test_fleet_fuel_is_counted_by_default_and_the_switch_leaves_it_out(demo_db):
    with connect(demo_db) as con:
        without = energy.scope_by_year(con, 2023, 2023, include_fleet=False).iloc[0]
        with_fleet = energy.scope_by_year(con, 2023, 2023).iloc[0]
        fuel = figures.fleet_by_year(con, 2023, 2023).iloc[0]["fuel_kgce"]
        by_type = figures.intensity_by_year(con, 2023, 2023, group_by="type")
    assert fuel > 0
    # fuel is not assigned to types or institutions: they add up to the buildings' energy
    assert by_type["energy_kgce"].sum() == pytest.approx(without["energy_kgce"])
    assert with_fleet["fleet_share_pct"] == pytest.approx(100 * fuel / (without["energy_kgce"] + fuel))
    assert without["fleet_share_pct"] == pytest.approx(with_fleet["fleet_share_pct"])  # shown either way
    assert with_fleet["energy_kgce"] == pytest.approx(without["energy_kgce"] + fuel)
    assert with_fleet["energy_kgce_per_m2"] == pytest.approx((without["energy_kgce"] + fuel) / without["floor_area_m2"])
    assert with_fleet["co2_t"] == pytest.approx(without["co2_t"])


def test_demo_county_equals_institutions_and_loaded_files(demo_db, demo_files):
    with connect(demo_db) as con:
        county = energy.scope_by_year(con, 2023, 2023, include_fleet=False).iloc[0]
        types = energy.breakdown(con, 2023)
        insts = pd.concat([energy.breakdown(con, 2023, type_=ty) for ty in types["key"]])
        pv = energy.pv_contribution(con, 2020, 2024).set_index("year")
    bills_e = pd.read_csv(demo_files / "electricity_bills.csv", encoding="gb18030", dtype={"账期": str})
    bills_w = pd.read_csv(demo_files / "water_bills.csv", encoding="gb18030", dtype={"账期": str})
    file_kwh = bills_e.loc[bills_e["账期"].str.startswith("2023"), "抄见电量(kWh)"].sum()
    file_m3 = bills_w.loc[bills_w["账期"].str.startswith("2023"), "用水量(吨)"].sum()
    assert county["grid_import_kwh"] == pytest.approx(file_kwh)
    assert county["water_m3"] == pytest.approx(file_m3)
    assert county["energy_kgce"] == pytest.approx(file_kwh * 0.1229)
    assert insts["energy_kgce"].sum() == pytest.approx(county["energy_kgce"])
    assert insts["water_m3"].sum() == pytest.approx(county["water_m3"])
    assert len(insts) == 167
    # PV: self-use = generation - export, avoided coal at the year's factor
    prod = pd.read_csv(demo_files / "pv_production_2024.csv")
    assert pv.loc[2024, "pv_self_use_kwh"] == pytest.approx(prod["发电量(kWh)"].sum() - prod["上网电量(kWh)"].sum())
    assert pv.loc[2024, "avoided_kgce"] == pytest.approx(pv.loc[2024, "pv_self_use_kwh"] * 0.1229)
    assert pv.loc[2024, "saving_rate_pct"] == pytest.approx(13, abs=0.5)
