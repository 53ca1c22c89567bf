"""Anomaly rules: they find what the demo data injects, carry their evidence, and leave clean meters alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl.metrics import anomalies
from etl.store.db import connect
from tests.test_energy import INSTITUTIONS, METERS, load


@pytest.fixture(scope="module")
def findings(demo_db) -> pd.DataFrame:
    with connect(demo_db) as con:
        return anomalies.find_all(con)


@pytest.fixture(scope="module")
def demo_ids(demo_db) -> dict[str, str]:
    """The institutions the demo generator gives anomalies (by position, as etl/demo/dataset.py picks them)."""
    with connect(demo_db) as con:
        inst = con.execute("SELECT institution_id, type FROM institutions ORDER BY institution_id").df()
    return {"school6": inst.loc[inst["type"] == "学校", "institution_id"].iloc[5],
            "agency13": inst.loc[inst["type"] == "党政机关", "institution_id"].iloc[12]}


def _months(f: pd.DataFrame) -> list[str]:
    return sorted(f["period_start"].dt.strftime("%Y-%m"))


def test_every_finding_has_its_evidence(findings):
    assert list(findings.columns) == anomalies.FINDING_COLUMNS
    assert set(findings["rule"]) <= set(anomalies.RULES)
    assert findings[["meter_id", "institution_id", "name", "period_start", "unit"]].notna().all().all()


def test_school_leak_found(findings, demo_ids):
    leak = findings[(findings["rule"] == "water_leak") & (findings["institution_id"] == demo_ids["school6"])]
    assert _months(leak) == ["2024-04", "2024-05", "2024-06"]
    assert (leak["ratio"] > 2.0).all()  # injected 2.6x against the same month a year earlier
    assert (leak["value"] > leak["reference"]).all()


def test_agency_spike_found(findings, demo_ids):
    spike = findings[(findings["rule"] == "water_leak") & (findings["institution_id"] == demo_ids["agency13"])]
    assert _months(spike) == ["2023-09"]
    assert spike["ratio"].iloc[0] == pytest.approx(3.2, rel=0.25)


def test_only_the_injected_leaks(findings, demo_ids):
    leaks = findings[findings["rule"] == "water_leak"]
    assert set(leaks["institution_id"]) == {demo_ids["school6"], demo_ids["agency13"]}


def test_missing_months_found(findings):
    missing = findings[findings["rule"] == "missing_month"]
    assert set(missing["meter_id"]) == {"W-I030"}
    assert _months(missing) == ["2022-03", "2022-04"]


def test_estimated_reads_found(findings, demo_files):
    est = findings[findings["rule"] == "estimated_read"]
    n_files = sum(int((pd.read_csv(demo_files / f, encoding="gb18030")["估抄"] == "是").sum())
                  for f in ("electricity_bills.csv", "water_bills.csv"))
    assert len(est) == n_files > 0


def test_clean_demo_meters_not_flagged(findings, demo_files, demo_ids):
    """No base-load, night-flow or overlap findings in the demo (none injected), and clean water meters
    (no injected leak, no missing month, no estimated read in the file) have nothing at all."""
    assert not findings["rule"].isin(["night_base_load", "weekend_base_load", "base_load_step",
                                      "water_night_flow", "overlapping_bills"]).any()
    bills = pd.read_csv(demo_files / "water_bills.csv", encoding="gb18030", dtype={"用户号": str})
    estimated = set(bills.loc[bills["估抄"] == "是", "用户号"])
    injected = {demo_ids["school6"], demo_ids["agency13"], "I030"}
    clean = [f"W-I{int(a[2:]):03d}" for a in sorted(set(bills["用户号"]) - estimated)]
    clean = [m for m in clean if m[2:] not in injected]
    assert len(clean) >= 50
    assert not findings["meter_id"].isin(clean).any()


def test_for_scope_filters(findings, demo_ids):
    scoped = anomalies.for_scope(findings, 2024, "学校", demo_ids["school6"])
    assert "water_leak" in set(scoped["rule"])
    assert (scoped["institution_id"] == demo_ids["school6"]).all()
    assert anomalies.for_scope(findings, 2021, institution_id=demo_ids["school6"]).query(
        "rule == 'water_leak'").empty


def test_every_setting_has_help_in_both_languages(empty_db):
    with connect(empty_db) as con:
        table = anomalies.settings_table(con)
        s = anomalies.settings(con)
    assert table["help_zh"].str.strip().astype(bool).all() and table["help_en"].str.strip().astype(bool).all()
    for key in ("leak_yoy_ratio", "leak_range_ratio", "night_base_ratio", "step_ratio", "night_flow_share"):
        assert isinstance(s[key], float)


# ------------------------------------------------------------------ interval rules on a hand-made meter


def _hourly_csv(meter: str, night: np.ndarray, work: float, weekend: float, start: str = "2023-01-02") -> str:
    """Hourly readings: `night[k]` kWh at night in week k, `work` on weekday daytime, `weekend` at weekends."""
    hours = pd.date_range(start, periods=24 * 7 * len(night), freq="h")
    week = (hours - hours[0]).days // 7
    day = (hours.hour >= 8) & (hours.hour < 18)
    weekday = hours.day_of_week < 5
    value = np.where(day & weekday, work, np.where(day, weekend, night[week]))
    rows = [f"{meter},{ts:%Y-%m-%d %H:%M},{v}" for ts, v in zip(hours, value, strict=True)]
    return "户号,时间,电量(kWh)\n" + "\n".join(rows) + "\n"


def test_night_base_load_and_step_found_clean_meter_left_alone(tmp_path):
    db = tmp_path / "iv.duckdb"
    meters = METERS + "E-I002B,I002,电,0450000009,1\n"
    # E-I001: nights at 2 kW for 4 weeks, then 7 kW (a load left on); working hours 10 kW
    stepped = _hourly_csv("0450000001", np.array([2.0] * 4 + [7.0] * 5), work=10.0, weekend=2.5)
    # E-I002B: a clean office, nights 2 kW, weekends 2.5 kW, working hours 10 kW, all 9 weeks
    clean = _hourly_csv("0450000009", np.array([2.0] * 9), work=10.0, weekend=2.5)
    load(db, {"institutions.csv": INSTITUTIONS, "meters.csv": meters, "a.csv": stepped, "b.csv": clean})
    with connect(db) as con:
        found = anomalies.find_all(con)
    step = found[found["rule"] == "base_load_step"]
    assert step["meter_id"].tolist() == ["E-I001"]
    assert step["value"].iloc[0] == pytest.approx(7.0) and step["reference"].iloc[0] == pytest.approx(2.0)
    assert step["period_start"].iloc[0] == pd.Timestamp("2023-01-30")  # the fifth week
    night = found[found["rule"] == "night_base_load"]
    assert set(night["meter_id"]) == {"E-I001"}
    assert night["ratio"].max() == pytest.approx(0.7)  # 7 kW at night against 10 kW working hours
    assert found[found["meter_id"] == "E-I002B"].empty


def test_water_night_flow_found(tmp_path):
    db = tmp_path / "wn.duckdb"
    hours = pd.date_range("2023-03-01", "2023-03-31 23:00", freq="h")
    leaking = [f"88000001,{ts:%Y-%m-%d %H:%M},{0.4 if ts.hour < 6 else 1.5}" for ts in hours]
    tight = [f"88000002,{ts:%Y-%m-%d %H:%M},{0 if ts.hour < 6 else 3}" for ts in hours]
    csv = "用户号,时间,用水量(吨)\n" + "\n".join(leaking + tight) + "\n"
    load(db, {"institutions.csv": INSTITUTIONS, "meters.csv": METERS, "w.csv": csv})
    with connect(db) as con:
        found = anomalies.water_night_flow(con)
    assert found["meter_id"].tolist() == ["W-I001"]
    assert found["value"].iloc[0] == pytest.approx(0.4)
    assert found["ratio"].iloc[0] == pytest.approx(1.0)


def test_overlapping_bills_found(tmp_path):
    """The loader keys a bill by its month, so overlaps come from other sources: inserted here directly."""
    db = tmp_path / "ov.duckdb"
    load(db, {"institutions.csv": INSTITUTIONS, "meters.csv": METERS})
    with connect(db) as con:
        con.execute("""INSERT INTO readings (meter_id, period_start, period_end, source, water_m3, batch_id) VALUES
            ('W-I001', '2023-01-01', '2023-02-10', 'bill', 120, 99),
            ('W-I001', '2023-02-01', '2023-03-01', 'bill', 100, 99),
            ('W-I002', '2023-01-01', '2023-02-01', 'bill', 500, 99),
            ('W-I002', '2023-02-01', '2023-03-01', 'bill', 480, 99)""")
        found = anomalies.overlapping_bills(con)
    assert found["meter_id"].tolist() == ["W-I001"]
    assert found["detail"].iloc[0] == 9  # days of overlap
    assert found["value"].iloc[0] == 100 and found["reference"].iloc[0] == 120
