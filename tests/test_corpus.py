"""Every corpus file has its expected outcome; a rejected file changes nothing in the database."""

from __future__ import annotations

from datetime import datetime

import pytest

from etl.ingest.loader import NotAccepted, commit, prepare
from etl.reports.exports import to_csv_bytes
from etl.store.db import connect
from tests.conftest import table_state
from tests.corpus import cases, long_line

NOW = datetime(2025, 6, 1)
CASES = cases()


def test_corpus_is_big_enough():
    assert len(CASES) >= 25
    assert sum(c.outcome == "rejected" for c in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file(registry_db, case):
    check_case(registry_db, case)


@pytest.mark.deep
def test_a_twelve_mb_line_is_refused_as_the_short_one(registry_db):
    """The corpus' long line is 2.4 MB (just over DuckDB's line limit); this is the 12 MB one it was."""
    case = long_line(2_000_000)
    assert len(case.data) > 12_000_000
    check_case(registry_db, case)


def check_case(registry_db, case) -> None:
    """The case's outcome, and nothing written unless it loads."""
    before = table_state(registry_db)
    with connect(registry_db) as con:
        prep = prepare(con, case.data, case.name, case.kind, sheet=case.sheet, now=NOW)
        if case.outcome == "rejected":
            assert prep.errors, f"expected a rejection, got {prep.problems}"
            first = prep.errors[0]
            assert case.words in first.message, first
            if case.line is not None:
                assert first.line == case.line, first
            assert first.fix, "every error says how to fix it"
            assert case.name in str(first)
            with pytest.raises(ValueError):
                commit(con, prep, "test")
        elif case.outcome == "needs_accept":
            assert prep.ok, prep.errors
            hits = [w for w in prep.warnings if case.words in w.message]
            assert hits and hits[0].line == case.line, prep.warnings
            with pytest.raises(NotAccepted):
                commit(con, prep, "test", accept_warnings=False)
        else:
            assert prep.ok and not prep.warnings, prep.problems
    if case.outcome != "loaded":
        assert table_state(registry_db) == before, "a rejected or unaccepted file wrote something"
    if case.outcome != "rejected":
        with connect(registry_db) as con:
            batch = commit(con, prep, "test", accept_warnings=True)
            rows = con.execute("SELECT rows_loaded FROM load_batches WHERE batch_id = ?", [batch]).fetchall()[0][0]
        assert rows == len(prep.rows) > 0
        assert table_state(registry_db) != before


def _load(db, name):
    case = next(c for c in CASES if c.name == name)
    with connect(db) as con:
        prep = prepare(con, case.data, case.name, case.kind, sheet=case.sheet, now=NOW)
        commit(con, prep, "test")
        return prep, con.execute("SELECT * FROM readings ORDER BY period_start").df()


def test_rollover_is_no_spike(registry_db):
    prep, rows = _load(registry_db, "register_rollover.csv")
    assert rows["energy_kwh"].tolist() == [10.0] * 11  # 99,990 -> 0 wraps to 10 kWh, not -99,990
    assert not rows["estimated"].any()


def test_meter_replacement_is_no_spike(registry_db):
    _, rows = _load(registry_db, "register_meter_replaced.csv")
    assert rows["energy_kwh"].max() == 10.0 and rows["energy_kwh"].min() >= 3
    assert rows.loc[rows["estimated"], "energy_kwh"].tolist() == [3.0]  # the new meter counted from 0


def test_power_becomes_energy(registry_db):
    _, rows = _load(registry_db, "power_kw_15min.csv")
    assert rows["energy_kwh"].tolist() == [10.0] * 12  # 40 kW x 0.25 h
    assert ((rows["period_end"] - rows["period_start"]).dt.total_seconds() == 900).all()


def test_chosen_sheet_and_units(registry_db):
    _, rows = _load(registry_db, "xlsx_second_sheet.xlsx")
    assert rows["energy_kwh"].tolist() == [1800.0]
    _, rows = _load(registry_db, "mwh_and_thousands.csv")
    assert 1_234_500.0 in rows["energy_kwh"].tolist()


def test_formula_text_is_stored_as_text_and_neutralised_on_export(registry_db):
    _load(registry_db, "formula_text_cells.csv")
    with connect(registry_db) as con:
        df = con.execute("SELECT station FROM fuel_fills").df()
    assert df["station"].iloc[0].startswith("=HYPERLINK")
    assert b"'=HYPERLINK" in to_csv_bytes(df)


def test_sql_looking_text_is_only_text(registry_db):
    _load(registry_db, "sql_looking_text.csv")
    with connect(registry_db) as con:
        assert con.execute("SELECT destination FROM dispatches").fetchall()[0][0].startswith("');")
        con.execute("SELECT count(*) FROM readings")  # the table is still there


def test_problems_name_the_column_as_written_in_the_file(registry_db):
    with connect(registry_db) as con:
        prep = prepare(con, "户号,账期,抄见电量(kWh)\n0450000001,2023-03,abc\n".encode(), "f.csv", now=NOW)
    assert prep.errors[0].column == "抄见电量(kWh)"


def test_every_template_loads_through_the_cli(tmp_path):
    """Each kind's template, as downloaded from the page, loads with `python -m etl load` (registries first)."""
    import subprocess
    import sys

    from etl.ingest.kinds import LOAD_ORDER
    from etl.ingest.loader import template_csv

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for kind in LOAD_ORDER:
        (inbox / f"{kind}.csv").write_text(template_csv(kind), encoding="gb18030")
    # the water template's meter must be in the registry too
    (inbox / "meters_water.csv").write_text("表号,单位编码,能源种类,户号\nW-I001,I001,水,88012345\n", encoding="utf-8")
    # and the gas template's
    (inbox / "meters_gas.csv").write_text("表号,单位编码,能源种类,户号\nG-I001,I001,燃气,30012345\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    run = subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "load", str(inbox), "--user", "officer1"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("loaded: ") == len(LOAD_ORDER) + 2
    with connect(db) as con:
        kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM load_batches WHERE loaded_by = 'officer1'"
                                           ).fetchall()}
    assert kinds == set(LOAD_ORDER)
