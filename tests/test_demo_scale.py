"""`etl demo --scale N`: N districts like the demo county; N=1 is the demo as it always was (issue 14)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from etl.demo import dataset
from etl.demo import scale as demo_scale
from etl.ingest.loader import load_paths
from etl.store.db import connect


@pytest.fixture(scope="module", params=["extend", pytest.param("generate", marks=pytest.mark.deep)])
def two(request, tmp_path_factory, demo_db):
    """Two districts: in make test the demo's own files extended by district 2 (what generate does last, about
    4 s); in the deep tier `generate(districts=2)` from scratch (about 20 s more)."""
    out = tmp_path_factory.mktemp(f"scale2-{request.param}")
    if request.param == "generate":
        return out, dataset.generate(out, districts=2)
    county = []
    for path in sorted((demo_db.parent / "files").glob("*.csv")):
        shutil.copyfile(path, out / path.name)
        county.append(out / path.name)
    return out, county + demo_scale.extend(out, county, 2)


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=demo_scale._encoding(path))


def test_the_county_itself_is_written_byte_for_byte_as_at_scale_1(two, demo_files):
    """Generated at scale 2 (deep tier), or extended by a district (make test): the county's files stay as at 1."""
    out, files = two
    base = sorted(p.name for p in demo_files.glob("*.csv"))
    assert sorted(p.name for p in files if "_d02" not in p.name) == base
    for name in base:
        assert (out / name).read_bytes() == (demo_files / name).read_bytes(), name
    assert sorted(p.name for p in files if "_d02" in p.name) == [n.replace(".csv", "_d02.csv") for n in base]


def test_a_district_has_its_own_codes_and_the_same_readings(two):
    out, _ = two
    inst, inst2 = _read(out / "institutions.csv"), _read(out / "institutions_d02.csv")
    assert len(inst2) == len(inst)
    assert set(inst2["单位编码"]).isdisjoint(inst["单位编码"]) and set(inst2["单位名称"]).isdisjoint(inst["单位名称"])
    assert inst2.loc[inst["单位编码"] == "I001", "单位编码"].item() == "I2001"
    assert inst2.loc[inst["单位名称"] == "县财政局", "单位名称"].item() == "柳城县财政局"
    assert inst2["建筑面积(m2)"].tolist() == inst["建筑面积(m2)"].tolist()
    for name, key in (("electricity_bills", "户号"), ("electricity_hourly_2023", "户号"), ("water_bills", "用户号"),
                      ("vehicles", "车牌号"), ("fuel_card_statement", "卡号"), ("dispatches", "派车单号"),
                      ("pv_production_2024", "电站名称"), ("pv_sites", "site_id")):
        a, b = _read(out / f"{name}.csv"), _read(out / f"{name}_d02.csv")
        assert len(a) == len(b) and set(a[key]).isdisjoint(b[key]), name
        changed = {c for cols, _fn in demo_scale.RULES for c in cols}  # codes and names; readings stay
        same = [c for c in a.columns if c not in changed]
        assert same, name
        pd.testing.assert_frame_equal(a[same], b[same], obj=name)


def test_a_district_loads_and_doubles_the_county(two, demo_db, tmp_path):
    out, _ = two
    db = tmp_path / "s.duckdb"
    shutil.copy(demo_db, db)
    sql = """SELECT mt.kind, sum(coalesce(mm.energy_kwh, mm.water_m3)) FROM meter_month mm JOIN meters mt
             USING (meter_id) WHERE year(mm.month) = 2022 GROUP BY ALL ORDER BY 1"""
    with connect(db) as con:
        before = dict(con.execute(sql).fetchall())
        names = ("institutions_d02", "meters_d02", "electricity_bills_d02", "water_bills_d02")
        results = load_paths(con, [out / f"{n}.csv" for n in names], user="test")
        assert [r.status for r in results] == ["loaded"] * 4, [p for r in results for p in r.problems[:2]]
        after = dict(con.execute(sql).fetchall())
    assert before["electricity"] > 0 and before["water"] > 0
    for kind in ("electricity", "water"):
        assert after[kind] == pytest.approx(2 * before[kind], rel=1e-9)


def test_a_scale_out_of_range_is_refused_with_a_sentence(capsys, tmp_path):
    from etl.__main__ import main

    assert main(["demo", "--db", str(tmp_path / "x.duckdb"), "--scale", "99"]) == 2
    assert "--scale must be between 1 and" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()
