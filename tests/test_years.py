"""Complete and incomplete years (etl/metrics/years.py): the rule on tiny counties built through the loader,
every expected value worked out by hand in the comments.

The tiny county (tests/conftest.build_registry) has four meters: E-I001, W-I001 (I001), E-I002, W-I002 (I002).
With min_meter_share 0.9 (data/year_rules.csv) a month is covered when at least 0.9 × 4 = 3.6, so all 4,
reference meters have a figure for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.ingest.loader import commit, prepare
from etl.metrics import kpi
from etl.metrics import years as yr
from etl.store.db import connect

ACCOUNT = {"E-I001": "0450000001", "E-I002": "0450000002", "W-I001": "88000001", "W-I002": "88000002"}
ALL = tuple(ACCOUNT)


def load(db: Path, months: dict[str, list[str]]) -> None:
    """Bills: meter -> its billing months ('2024-01', ...), 100 kWh or m³ each."""
    elec = "户号,账期,抄见电量(kWh)\n" + "".join(
        f"{ACCOUNT[m]},{p},100\n" for m, ps in months.items() if m.startswith("E") for p in ps)
    water = "户号,账期,用水量(吨)\n" + "".join(
        f"{ACCOUNT[m]},{p},100\n" for m, ps in months.items() if m.startswith("W") for p in ps)
    with connect(db) as con:
        for kind, text in (("electricity", elec), ("water", water)):
            if text.count("\n") > 1:
                prep = prepare(con, text.encode(), f"{kind}.csv", kind)
                assert prep.ok, [str(p) for p in prep.problems]
                commit(con, prep, "test")


def year_of(y: int, first: int = 1, last: int = 12) -> list[str]:
    return [f"{y}-{m:02d}" for m in range(first, last + 1)]


@pytest.fixture()
def county(registry_db) -> Path:
    return registry_db


def status(db: Path, year: int) -> dict:
    with connect(db) as con:
        return yr.year_status(con, year)


def test_one_meters_january_is_not_a_year(county):
    # 2023: all four meters, all twelve months (a first year: its own four meters are the reference)
    # 2024: E-I001's January only -> 1 of 4 reporting, January covered by 1 < 3.6 meters: nothing covered
    load(county, {m: year_of(2023) for m in ALL} | {"E-I001": year_of(2023) + ["2024-01"]})
    with connect(county) as con:
        assert yr.last_complete_year(con) == 2023
        assert not yr.comparable(con, 2024)
        assert not yr.comparable(con, 2023)  # nothing before 2023 to compare with
    s = status(county, 2024)
    assert (s["complete"], s["expected_meters"], s["reporting_meters"], s["new_meters"]) == (False, 4, 1, 0)
    assert (s["months_with_data"], s["covered_months"], s["last_month"], s["from_january"]) == ([1], [], 1, True)
    assert status(county, 2023)["complete"] is True
    # 2025 has nothing: incomplete, and its reference is 2024's one meter with a figure
    assert {k: status(county, 2025)[k] for k in ("complete", "expected_meters", "reporting_meters")} == {
        "complete": False, "expected_meters": 1, "reporting_meters": 0}


def test_a_year_that_starts_in_july(county):
    # 2022: July to December only (first year: reference = its own 4) -> months 7..12 covered, incomplete
    # 2023: whole year of the same 4 -> complete, but not comparable with the half year before it
    load(county, {m: year_of(2022, 7) + year_of(2023) for m in ALL})
    s = status(county, 2022)
    assert (s["complete"], s["covered_months"], s["from_january"]) == (False, list(range(7, 13)), False)
    with connect(county) as con:
        assert yr.last_complete_year(con) == 2023
        assert yr.is_complete(con, 2023) and not yr.comparable(con, 2023)
        j = yr.judgement(con, 2023, 2022)  # a 2022 baseline that is half a year gives no change against it
        assert (j["complete"], j["comparable"], j["baseline"]) == (True, False, False)


def test_a_year_with_one_institution_only(county):
    # 2024: I001's two meters all year, I002 nothing -> every month 2 of 4 (< 3.6): incomplete, 2/4 reporting
    load(county, {m: year_of(2023) for m in ALL} | {m: year_of(2023) + year_of(2024) for m in ("E-I001", "W-I001")})
    s = status(county, 2024)
    assert (s["complete"], s["reporting_meters"], s["expected_meters"], s["months_with_data"]) == (
        False, 2, 4, list(range(1, 13)))


def test_a_new_meter_neither_breaks_nor_makes_a_year(county):
    # 2023: three meters (E-I002 not yet); 2024: the three all year and E-I002 new from March
    # -> reference 3 (needs 2.7, so all 3), every month covered: complete; E-I002 counted as new
    three = ("E-I001", "W-I001", "W-I002")
    load(county, {m: year_of(2023) + year_of(2024) for m in three} | {"E-I002": year_of(2024, 3)})
    s = status(county, 2024)
    assert (s["complete"], s["expected_meters"], s["reporting_meters"], s["new_meters"]) == (True, 3, 3, 1)
    with connect(county) as con:
        assert yr.comparable(con, 2024)


def test_the_share_is_a_setting(county):
    # 2024: E-I002 stops after June -> July..December have 3 of 4 = 0.75: incomplete at 0.9, complete at 0.7
    load(county, {m: year_of(2023) + year_of(2024) for m in ALL if m != "E-I002"}
         | {"E-I002": year_of(2023) + year_of(2024, 1, 6)})
    with connect(county) as con:
        assert yr.rules()["min_meter_share"] == 0.9
        strict = yr.coverage(con).set_index("year").loc[2024]
        loose = yr.coverage(con, share=0.7).set_index("year").loc[2024]
    assert (bool(strict["complete"]), strict["covered_months"]) == (False, list(range(1, 7)))
    assert bool(loose["complete"]) and loose["covered_months"] == list(range(1, 13))


def test_empty_database(empty_db):
    with connect(empty_db) as con:
        assert yr.coverage(con).empty
        assert yr.last_complete_year(con) is None
        s = yr.year_status(con, 2025)
        assert (s["complete"], s["months_with_data"], s["expected_meters"], s["last_month"]) == (False, [], 0, None)
        assert yr.fleet_months(con).empty and yr.fleet_status(con, 2025)["comparable"] is False


def test_default_year_is_a_pure_choice():
    assert yr.default_year([2025, 2024, 2023], 2024) == 2024
    assert yr.default_year([2025, 2024], None) == 2025        # nothing complete: the newest, marked incomplete
    assert yr.default_year([2019, 2018], 2024) == 2019        # a page whose data end earlier
    assert yr.default_year([], 2024) is None
    assert yr.default_index([2025, 2024, 2023], 2023) == 2
    assert yr.month_ranges([1, 2, 3, 7, 9, 10]) == [(1, 3), (7, 7), (9, 10)]


def test_kpi_report_of_an_incomplete_year_is_not_compared_or_judged(county):
    # 2024 is January of one meter: no change against 2023, no target status, the year's status carried along
    load(county, {m: year_of(2023) for m in ALL} | {"E-I001": year_of(2023) + ["2024-01"]})
    with connect(county) as con:
        r = kpi.kpi_report(con, 2024)
        whole = kpi.kpi_report(con, 2023)
    assert r["complete"] is False and r["comparable"] is False
    assert r["electricity_use_kwh"] == pytest.approx(100)          # the value itself is still shown
    assert all(v is None for v in r["change_pct"].values())
    assert all(v is None for v in r["change_pp"].values())
    assert r["energy_kgce_change_vs_2020_pct"] is None
    assert r["targets"] and all(tg["status"] is None and tg["not_judged"] for tg in r["targets"].values())
    assert whole["complete"] is True and whole["electricity_use_kwh"] == pytest.approx(2 * 12 * 100)
    from etl.reports import documents

    with connect(county) as con:
        notes = [t for s, t in documents.summary_paragraphs(con, 2024, r) if s == "note"]
        whole_notes = [t for s, t in documents.summary_paragraphs(con, 2023, whole) if s == "note"]
    assert any("2024年计量数据不完整（截至1月，1/" in n and "不作同比" in n for n in notes), notes
    assert not any("不完整" in n for n in whole_notes)  # the Word draft names an incomplete year, only that
