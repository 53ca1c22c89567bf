"""The PV project from data (etl/pv/project.py): registry, settings, model runs, PR table, alerts, savings, settlement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from etl.pv import project, pvmodel
from etl.store.db import connect

# ------------------------------------------------------------------ registry and settings


def test_committed_site_registry_matches_the_project():
    sites = project.read_sites_csv()
    assert len(sites) == 34 and sites["site_id"].is_unique
    assert sites["roof_area_m2"].sum() == 56104
    assert sites["modules"].sum() == 12804
    assert 6900 <= sites["dc_kwp"].sum() <= 7000  # 12,804 modules of 540-550 W
    assert_allclose(sites["dc_kwp"], sites["modules"] * sites["module_w"] / 1000, atol=0.01)
    assert set(sites["status"]) <= {"planned", "under_construction", "commissioned"}
    assert (pd.to_datetime(sites["construction_started_on"]) < pd.to_datetime(sites["commissioned_on"])).all()
    early = sites.set_index("site_id").loc[["PV01", "PV02"]]
    assert early["roof_area_m2"].sum() == 3558  # 城南二小 + 县第一幼儿园, built before 2023-06-12
    assert (pd.to_datetime(early["commissioned_on"]) < pd.Timestamp("2023-06-12")).all()


def test_registry_hosts_are_demo_institutions():
    from etl.demo import dataset
    from etl.demo import registry as reg

    inst = reg.institutions(np.random.default_rng(dataset.SEED)).set_index("institution_id")
    sites = project.read_sites_csv()
    assert sites["institution_id"].isin(inst.index).all()
    hosts = inst.loc[sites["institution_id"], "name"].to_numpy()
    assert [n.removesuffix("屋顶光伏") for n in sites["name"]] == list(hosts)


def test_registry_loads_as_the_pv_sites_kind(empty_db, demo_db):
    with connect(demo_db) as con:
        loaded = con.execute("SELECT site_id, roof_area_m2, modules, dc_kwp FROM pv_sites ORDER BY site_id").df()
    committed = project.read_sites_csv()[["site_id", "roof_area_m2", "modules", "dc_kwp"]]
    pd.testing.assert_frame_equal(loaded, committed, check_dtype=False)


def test_every_setting_is_documented(empty_db):
    with connect(empty_db) as con:
        table = project.settings_table(con)
        cfg = project.settings(con)
    assert table["key"].is_unique
    for row in table.itertuples():
        assert row.source.strip() and row.name_zh.strip() and row.name_en.strip(), row.key
        assert row.group in {"model", "alert", "saving", "contract"}, row.key
    assert cfg["losses_pct"] == pytest.approx(14.08)  # the PVWatts defaults
    assert cfg["discount_pct"] == 10 and cfg["term_years"] == 20
    root = Path(__file__).resolve().parent.parent
    used = set()
    for src in ((root / "etl" / "pv" / "project.py").read_text(encoding="utf-8"), (root / "pages" / "pv.py").read_text("utf-8")):
        used |= {k for k in table["key"] if f'"{k}"' in src}
    assert used == set(table["key"]), set(table["key"]) - used  # no setting is dead


# ------------------------------------------------------------------ a tiny database


def _tiny(db, sites: list[dict], production: pd.DataFrame | None = None) -> None:
    with connect(db) as con:
        for s in sites:
            row = {"name": s["site_id"], "institution_id": "I001", "latitude": 24.47, "longitude": 109.74,
                   "roof_area_m2": 1000.0, "modules": 400, "module_w": 550.0, "dc_kwp": 220.0, "tilt_deg": 18.0,
                   "azimuth_deg": 180.0, "ac_kw": 200.0, "construction_started_on": "2023-01-01",
                   "commissioned_on": "2023-06-01", "status": "commissioned", "batch_id": 0, **s}
            cols = ", ".join(row)
            con.execute(f"INSERT INTO pv_sites ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        if production is not None:
            con.register("_p", production.assign(batch_id=0))
            con.execute("INSERT INTO pv_production (site_id, ts, interval_min, generation_kwh, export_kwh, batch_id) "
                        "SELECT site_id, ts, interval_min, generation_kwh, export_kwh, batch_id FROM _p")


def _production(site_id: str, start: str, periods: int, freq: str, kwh: float | np.ndarray, export=0.0):
    ts = pd.date_range(start, periods=periods, freq=freq)
    return pd.DataFrame({"site_id": site_id, "ts": ts, "interval_min": int(pd.tseries.frequencies.to_offset(freq).nanos // 60_000_000_000),
                         "generation_kwh": kwh, "export_kwh": export})


def test_clear_sky_day_through_the_database_matches_pvmodel(tmp_path):
    db = tmp_path / "cs.duckdb"
    _tiny(db, [{"site_id": "S1"}], _production("S1", "2024-06-21", 96, "15min", 1.0))
    with connect(db) as con:
        r = project.run_model(con, "clearsky", [2024])
        assert r["interval_min"] == 15 and r["weather"] == "clearsky"
        got = con.execute("SELECT ts, ac_kwh, poa_kwh_m2 FROM pv_expected WHERE ts::DATE = '2024-06-21' "
                          "ORDER BY ts").df()
        cfg = project.settings(con)
    times = pd.date_range("2024-06-21", periods=96, freq="15min", tz=project.TZ)
    weather = project.clearsky_weather(times, cfg)
    site = pd.DataFrame([{"site_id": "S1", "latitude": 24.47, "longitude": 109.74, "dc_kwp": 220.0,
                          "tilt_deg": 18.0, "azimuth_deg": 180.0, "ac_kw": 200.0}])
    ref = pvmodel.expected_output(site, weather, losses_pct=14.08, gamma_pdc=-0.0037)
    assert (got["ts"].to_numpy() == times.tz_localize(None).to_numpy()).all()  # local time, interval start
    assert_allclose(got["ac_kwh"], ref["ac_kwh"], rtol=1e-9, atol=1e-9)
    assert 5.0 < got["ac_kwh"].sum() / 220.0 < 8.0  # a clear June day at 24.5 N
    assert (got["ac_kwh"] / 0.25 <= 200.0 * (1 + 1e-9)).all()


def test_measured_weather_replaces_the_typical_year_where_it_exists(tmp_path):
    db = tmp_path / "w.duckdb"
    _tiny(db, [{"site_id": "S1"}], _production("S1", "2024-01-01", 24 * 366, "h", 1.0))
    with connect(db) as con:
        synthetic = project.run_model(con, "auto")
        assert synthetic["weather"] == "synthetic" and not project.refresh_needed(con)
        before = con.execute("SELECT sum(ac_kwh) FROM pv_expected WHERE ts::DATE = '2024-07-01'").fetchall()[0][0]
        ts = pd.date_range("2024-07-01", periods=24, freq="h")
        ghi = np.clip(1000 * np.sin(np.pi * (ts.hour - 6) / 13), 0, None)  # a bright day
        con.register("_w", pd.DataFrame({"station": "county", "ts": ts, "interval_min": 60, "ghi_w_m2": ghi,
                                         "temp_air_c": 30.0, "batch_id": 7}))
        con.execute("INSERT INTO weather (station, ts, interval_min, ghi_w_m2, temp_air_c, batch_id) "
                    "SELECT * FROM _w")
        con.execute("INSERT INTO load_batches VALUES (7, 'weather', 'w.csv', 'x', 24, 0, NULL, NULL, 't', now(), "
                    "'loaded', NULL, NULL)")
        assert project.refresh_needed(con)  # new weather: the app recomputes
        measured = project.run_model(con, "auto")
        assert measured["weather"] == "measured:county" and not project.refresh_needed(con)
        src = project.weather_sources(con, 2024).set_index("weather_source")["intervals"]
        assert src["measured"] == 24 and src["synthetic"] == 24 * 366 - 24
        after = con.execute("SELECT sum(ac_kwh) FROM pv_expected WHERE ts::DATE = '2024-07-01'").fetchall()[0][0]
        assert after != pytest.approx(before)
        # an edited site changes the fingerprint too
        con.execute("UPDATE pv_sites SET tilt_deg = 25")
        assert project.refresh_needed(con)


def test_model_pv_command(tmp_path, capsys):
    from etl.__main__ import main

    db = tmp_path / "cli.duckdb"
    _tiny(db, [{"site_id": "S1"}, {"site_id": "S2", "commissioned_on": "2024-03-01"}])
    assert main(["model-pv", "--db", str(db)]) == 1  # no production and no year: a sentence, not a traceback
    assert "give the year" in capsys.readouterr().err
    assert main(["model-pv", "--db", str(db), "--weather", "synthetic", "--year", "2024"]) == 0
    with connect(db) as con:
        first = con.execute("SELECT site_id, min(ts) FROM pv_expected GROUP BY ALL ORDER BY 1").fetchall()
    assert [f[1] for f in first] == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01")]  # from commissioning


# ------------------------------------------------------------------ the monthly PR table by hand


def test_site_months_hand_computed(tmp_path):
    db = tmp_path / "pr.duckdb"
    _tiny(db, [{"site_id": "S1", "dc_kwp": 100.0}])
    with connect(db) as con:
        # four hourly intervals in June: POA 0.5, 1.0, 0.5 and 0 kWh/m2 at 40, 50, 40 and 20 C cell temperature
        con.execute("""INSERT INTO pv_expected VALUES
            ('S1', '2024-06-01 10:00', 60, 40.0, 0.5, 40.0, 'synthetic'),
            ('S1', '2024-06-01 11:00', 60, 80.0, 1.0, 50.0, 'synthetic'),
            ('S1', '2024-06-01 12:00', 60, 40.0, 0.5, 40.0, 'synthetic'),
            ('S1', '2024-06-01 22:00', 60, 0.0, 0.0, 20.0, 'synthetic')""")
        # measured: 36 and 70 kWh; the 12:00 interval is missing
        con.execute("""INSERT INTO pv_production VALUES
            ('S1', '2024-06-01 10:00', 60, 36.0, 0.0, 0), ('S1', '2024-06-01 11:00', 60, 70.0, 0.0, 0)""")
        m = project.site_months(con, 2024, gamma_pdc=-0.004).iloc[0]
    assert m["expected_kwh"] == 160.0 and m["measured_kwh"] == 106.0
    assert m["expected_covered_kwh"] == 120.0 and m["poa_covered_kwh_m2"] == 1.5
    assert m["ratio"] == pytest.approx(106 / 120)
    assert m["specific_yield_kwh_kwp"] == pytest.approx(1.06)
    assert m["pr"] == pytest.approx((106 / 100) / 1.5)  # Yf / Yr, IEC 61724-1
    # T_typ = (0.5*40 + 1*50 + 0.5*40) / 2 = 45 C; denominators 0.5*(1 + 0.004*(45-40)) + 1*(1 + 0.004*(45-50))
    t_typ = 45.0
    assert m["t_typ_c"] == pytest.approx(t_typ)
    assert m["pr_temp"] == pytest.approx(1.06 / (0.5 * 1.02 + 1.0 * 0.98))
    assert m["pr_temp"] == pytest.approx(pvmodel.temperature_corrected_pr(
        [36.0, 70.0], 100.0, [0.5, 1.0], [40.0, 50.0], t_typ, gamma_pdc=-0.004))
    assert m["completeness"] == pytest.approx(2 / 3)  # 3 daylight intervals, 2 with data
    assert m["pr_expected"] == pytest.approx(1.6 / 2.0)


# ------------------------------------------------------------------ the demo: model, faults, savings


def test_demo_has_expected_output_for_2023_2024(demo_db):
    with connect(demo_db) as con:
        run = project.last_run(con)
        assert run["weather"] == "synthetic" and run["first_year"] == 2023 and run["last_year"] == 2024
        assert not project.refresh_needed(con)
        over = con.execute("""SELECT count(*) FROM pv_expected e JOIN pv_sites s USING (site_id)
                              WHERE e.ac_kwh / (e.interval_min / 60.0) > s.ac_kw * (1 + 1e-9)""").fetchall()[0][0]
        assert over == 0  # no interval above the inverter's AC rating
        fleet = con.execute("""SELECT sum(ac_kwh) / (SELECT sum(dc_kwp) FROM pv_sites) FROM pv_expected
                               WHERE year(ts) = 2024""").fetchall()[0][0]
        assert 870 <= fleet <= 1010  # kWh/kWp on the default climate, all sites built
        year = project.site_year(con, 2024)
    assert len(year) == 34 and year["site_id"].iloc[0] == "PV12"  # worst first
    assert year["completeness"].min() > 0.97 and 0.70 < year["pr"].median() < 0.85


def test_alerts_find_the_injected_demo_faults(demo_db):
    with connect(demo_db) as con:
        a = project.alerts(con, 2024)
    found = {(r.site_id, r.kind): r for r in a.itertuples()}
    low = found[("PV12", "underperformance")]
    assert abs((low.start - pd.Timestamp("2024-08-10")).days) <= 3 and low.end >= pd.Timestamp("2024-12-20")
    assert 0.6 < low.ratio < 0.8 and low.lost_kwh > 5000
    zero = found[("PV21", "zero")]
    assert (zero.start, zero.end, zero.days) == (pd.Timestamp("2024-05-03"), pd.Timestamp("2024-05-12"), 10)
    gap = found[("PV05", "gap")]
    assert (gap.start, gap.end) == (pd.Timestamp("2024-09-01"), pd.Timestamp("2024-09-07"))
    stuck = found[("PV30", "stuck")]
    assert stuck.start == stuck.end == pd.Timestamp("2024-10-15") and stuck.intervals >= 8
    assert set(found) == {("PV12", "underperformance"), ("PV21", "zero"), ("PV05", "gap"), ("PV30", "stuck")}


def test_saving_rate_2024_is_near_the_reported_13_percent(demo_db):
    with connect(demo_db) as con:
        s = project.savings(con, 2024, "dangliang", "guangxi", "self_use")
        gen = project.savings(con, 2024, "dangliang", "national", "generation")
    assert 12.0 <= s["saving_rate_pct"] <= 14.0
    assert s["kgce_avoided"] == pytest.approx(s["pv_self_use_kwh"] * 0.1229)
    assert s["co2_t_avoided"] == pytest.approx(s["pv_self_use_kwh"] * 0.4476 / 1000)
    assert gen["co2_t_avoided"] == pytest.approx(gen["pv_generation_kwh"] * 0.5306 / 1000)


def test_settlement_by_hand(tmp_path):
    db = tmp_path / "s.duckdb"
    prod = pd.concat([
        _production("S1", "2023-06-01 10:00", 2, "h", 100.0, 10.0),   # before signing: not settled
        _production("S1", "2023-07-01 10:00", 2, "h", 100.0, 20.0),   # 160 kWh on site in 2023
        _production("S1", "2024-07-01 10:00", 3, "h", 50.0, 0.0),     # 150 kWh on site in 2024
    ])
    _tiny(db, [{"site_id": "S1"}], prod)
    with connect(db) as con:
        con.execute("INSERT INTO meters (meter_id, institution_id, kind, unit, resolution, measures, account_no, multiplier, batch_id) VALUES ('E1', 'I001', 'electricity', 'kWh', 'billing', 'import', 'A', 1, 0)")
        con.execute("INSERT INTO readings (meter_id, period_start, period_end, source, energy_kwh, amount_yuan, "
                    "batch_id) VALUES ('E1', '2023-07-01', '2023-08-01', 'bill', 1000, 650, 0)")
        billed = project.settlement(con, None, 10.0, 20, "2023-06-12").set_index("year")
        fixed = project.settlement(con, 0.60, 15.0, 20, "2023-06-12").set_index("year")
        fallback = project.settings(con)["tariff_yuan_kwh"]
    assert billed.loc[2023, "on_site_kwh"] == 160.0 and billed.loc[2023, "export_kwh"] == 40.0
    assert billed.loc[2023, "tariff_yuan_kwh"] == pytest.approx(0.65)  # 650 yuan / 1,000 kWh on the bill
    assert billed.loc[2023, "host_pays_yuan"] == pytest.approx(160 * 0.65 * 0.9)
    assert billed.loc[2023, "host_saves_yuan"] == pytest.approx(160 * 0.65 * 0.1)
    assert billed.loc[2024, "tariff_source"] == "setting"  # no 2024 bill: the settings' fallback price
    assert billed.loc[2024, "tariff_yuan_kwh"] == pytest.approx(fallback)
    assert fixed.loc[2024, "host_pays_yuan"] == pytest.approx(150 * 0.60 * 0.85)
    assert fixed.loc[2024, "host_saves_yuan"] == pytest.approx(150 * 0.60 * 0.15)
    assert str(billed.loc[2023, "contract_end"]) == "2043-06-11"


def test_clipping_and_stuck_checks_on_a_small_fleet(tmp_path):
    """Three identical roofs under clear sky; one is held at its inverter rating at midday, one logger sticks."""
    db = tmp_path / "c.duckdb"
    sites = [{"site_id": s, "commissioned_on": "2024-01-01"} for s in ("A", "B", "C")]
    _tiny(db, sites, _production("A", "2024-06-01", 24 * 30, "h", 0.0))
    with connect(db) as con:
        project.run_model(con, "clearsky", [2024])
        exp = con.execute("SELECT site_id, ts, ac_kwh FROM pv_expected WHERE ts < '2024-07-01' AND ts >= '2024-06-01' "
                          "ORDER BY site_id, ts").df()
        prod = exp.rename(columns={"ac_kwh": "generation_kwh"}).assign(interval_min=60, export_kwh=0.0)
        prod["generation_kwh"] = prod["generation_kwh"].round(2)
        a = prod["site_id"] == "A"
        prod.loc[a, "generation_kwh"] = np.minimum(prod.loc[a, "generation_kwh"] * 1.4, 200.0)  # a larger array
        b = (prod["site_id"] == "B") & (prod["ts"].dt.date == pd.Timestamp("2024-06-20").date()) & \
            prod["ts"].dt.hour.between(8, 16)
        prod.loc[b, "generation_kwh"] = 55.55
        con.execute("DELETE FROM pv_production")
        con.register("_p", prod.assign(batch_id=0))
        con.execute("INSERT INTO pv_production SELECT site_id, ts, interval_min, generation_kwh, export_kwh, "
                    "batch_id FROM _p")
        found = project.alerts(con, 2024)
    clip = found[found["kind"] == "clipping"]
    assert set(clip["site_id"]) == {"A"} and clip["intervals"].iloc[0] >= 30
    stuck = found[found["kind"] == "stuck"]
    assert list(stuck["site_id"]) == ["B"] and stuck["start"].iloc[0] == pd.Timestamp("2024-06-20")
    assert stuck["value"].iloc[0] == pytest.approx(55.55)
