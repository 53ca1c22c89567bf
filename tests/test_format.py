"""The one formatter (ui/format.py), the first screen's statuses (etl/metrics/headline.py) and the county
name setting (etl/site.py), against values worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl import site
from etl.metrics import headline
from ui import format as fmt


def test_numbers():
    assert fmt.num(1234567.49) == "1,234,567"
    assert fmt.num(6.0395, 2) == "6.04"
    assert fmt.num(None) == fmt.num(float("nan")) == fmt.num(pd.NA) == "—"
    assert fmt.num(-0.004, 2) == "0.00"  # never "-0.00"
    assert fmt.num(12.3456, unit="kgce/m²") == "12.35" and fmt.num(12345.6, unit="kWh") == "12,346"
    assert fmt.pct(-11.29087) == "-11.3%" and fmt.pct(1.66) == "+1.7%"
    assert fmt.pct(-0.04) == fmt.pct(0.0) == "0.0%"  # no "-0.0%", no "+0.0%"
    assert fmt.delta(None) is None and fmt.delta(1.7, unit="pp") == "+1.7 pp" and fmt.delta(0.01, unit="pp") == "0.0 pp"


def test_delta_colour_follows_what_is_good():
    assert fmt.delta_color(+3.3, "lower") == "inverse"   # a rising cost or emission is red
    assert fmt.delta_color(-9.0, "lower") == "inverse"   # Streamlit's inverse: a fall shows green
    assert fmt.delta_color(+2.4, None) == "off"          # dispatches: no judgement, grey
    assert fmt.delta_color(+0.04, "higher") == "off" and fmt.delta_arrow(0.04) == "off"  # +0.0 %: no arrow
    assert fmt.delta_color(+1.7, "higher") == "normal" and fmt.delta_arrow(1.7) == "auto"


def test_table_fixes_decimals_and_units():
    df = pd.DataFrame({"name": ["a", "b"], "energy_kwh": [1234.4, 5.0], "per_m2": [1.234, -0.001]})
    shown, config = fmt.table(df, {"name": ("单位", None, None), "energy_kwh": ("用电量", "kWh", None),
                                   "per_m2": ("单位面积能耗", "kgce/m²", None)}, "zh", pin="name")
    assert list(shown.columns) == ["单位", "用电量（kWh）", "单位面积能耗（kgce/m²）"]
    assert shown["单位面积能耗（kgce/m²）"].tolist() == [1.23, 0.0]
    assert str(shown["单位面积能耗（kgce/m²）"].iloc[1]) == "0.0"  # not -0.0
    assert config["用电量（kWh）"]["type_config"]["format"] == "%,.0f"
    assert config["单位面积能耗（kgce/m²）"]["type_config"]["format"] == "%,.2f"
    assert config["单位"]["pinned"] is True


def test_citation_and_badge():
    row = {"name_zh": "广西电网排放因子", "name_en": "Guangxi grid CO2", "value": 0.4476, "unit": "kgCO2/kWh",
           "source": "生态环境部、国家统计局公告（2025年第47号）", "source_en": "MEE and NBS (2025 No. 47)",
           "status": "unconfirmed"}
    assert fmt.citation(row, "zh").endswith(":orange-badge[待核实]")
    assert "to be confirmed" in fmt.citation(row, "en") and "MEE and NBS" in fmt.citation(row, "en")
    assert "待核实" not in fmt.citation({**row, "status": "confirmed"}, "zh")
    assert fmt.factor_text(row, "en").startswith("Guangxi grid CO2 0.4476 kgCO2/kWh (")


def test_factor_sources_are_citations():
    from etl.store.db import DATA_DIR

    f = pd.read_csv(DATA_DIR / "factors.csv", comment="#")
    assert {"source", "source_en", "status", "note"} <= set(f.columns)
    assert f["status"].isin(["confirmed", "unconfirmed"]).all()
    for text in [*f["source"], *f["source_en"]]:
        assert isinstance(text, str) and text
        assert not any(w in text.lower() for w in ("third-party", "seen in", "seen only", "code citing"))


REPORT = {  # a KPI report cut down to what the first screen reads; values chosen by hand
    "year": 2024, "baseline_year": 2020, "energy_kgce": 900.0, "energy_kgce_change_vs_2020_pct": -10.0,
    "energy_kgce_per_m2": 9.0, "energy_kgce_per_m2_change_vs_2020_pct": -10.0,
    "energy_kgce_per_person": 90.0, "energy_kgce_per_person_change_vs_2020_pct": -2.0,
    "pv_saving_rate_pct": 12.0, "jieyue_units_certified": 20, "fleet_co2_t": 50.0,
    "previous": {"jieyue_units_certified": 0},
    "change_pct": {"fleet_co2_t": 0.04, "jieyue_units_certified": None}, "change_pp": {"pv_saving_rate_pct": -1.0},
    "targets": {
        "energy_kgce_per_m2": {"kind": "path", "status": "on_track"},
        "energy_kgce_per_person": {"kind": "path", "status": "at_risk"},
        "pv_saving_rate_pct": {"kind": "level", "status": "not_met"},
        "jieyue_units": {"kind": "level", "status": "met", "target": 25},
        "water_m3_per_person": {"kind": "path", "status": None},
    },
}


def test_headline_statuses():
    items = {i["key"]: i for i in headline.headline(REPORT)}
    assert list(items) == ["energy_kgce", "energy_kgce_per_m2", "energy_kgce_per_person", "pv_saving_rate_pct",
                           "jieyue_units_certified", "fleet_co2_t"]
    assert items["energy_kgce"]["status"] == "better" and items["energy_kgce"]["against"] == 2020  # no target: -10 %
    assert items["energy_kgce_per_person"]["status"] == "at_risk"
    assert items["pv_saving_rate_pct"]["status"] == "not_met" and items["pv_saving_rate_pct"]["change_unit"] == "pp"
    assert items["jieyue_units_certified"]["status"] == "met"
    assert items["fleet_co2_t"]["status"] == "unchanged" and items["fleet_co2_t"]["against"] == 2023  # +0.04 %
    line = headline.status_line(REPORT, 4)
    assert line == {"targets": 4, "good": 2, "at_risk": 1, "bad": 1, "open_alerts": 4}


def test_direction():
    assert headline.direction(+3.3, "lower") == "worse" and headline.direction(-3.3, "lower") == "better"
    assert headline.direction(0.04, "higher") == "unchanged" and headline.direction(1.0, None) is None
    assert headline.direction(None, "higher") is None


def test_county_name_setting(monkeypatch):
    monkeypatch.delenv("COUNTY_NAME", raising=False)
    s = site.settings()
    assert site.county_name("zh", demo=False) == s["county_name"]["zh"]
    assert site.county_name("en", demo=True) == s["demo_county_name"]["en"]
    assert "XX" not in site.county_name("zh", demo=True) and "XX" not in site.county_name("en", demo=True)
    monkeypatch.setenv("COUNTY_NAME", "鹿寨县")
    assert site.county_name("en", demo=True) == "鹿寨县"


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_infinite_is_not_finite(value):
    assert not fmt.is_finite(value) and fmt.is_finite(1.0)


def test_for_screen_gaps_decimals_and_dates():
    df = pd.DataFrame({"L/100 km": [4.94, float("nan")], "km": [24798.4, 10101.0], "change": [2.26, float("nan")],
                       "year": [2015, 2022], "note": ["ok", None],
                       "month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                       "ts": pd.to_datetime(["2024-03-01 09:30", None])})
    shown, config = fmt.for_screen(df, digits={"L/100 km": 1, "km": 0, "change": 1}, signed=("change",),
                                   dates={"month": "%Y-%m"}, pin="note")
    # a column with a gap becomes text written like the others, "—" for the gap; without gaps it stays a number
    assert shown["L/100 km"].tolist() == ["4.9", "—"]
    assert shown["change"].tolist() == ["+2.3", "—"]
    assert shown["km"].tolist() == [24798.0, 10101.0] and config["km"]["type_config"]["format"] == "%,.0f"
    assert shown["year"].tolist() == [2015, 2022] and "year" not in config  # a year: no separators
    assert shown["note"].tolist() == ["ok", "—"] and config["note"]["pinned"] is True
    assert shown["month"].tolist() == ["2024-01", "2024-02"]
    assert shown["ts"].tolist() == ["2024-03-01 09:30", "—"]
    assert df["L/100 km"].isna().sum() == 1  # the downloads' table is left as it was
