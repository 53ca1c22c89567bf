"""A load's commit and undo refresh the stored rollups and anomaly findings only for the keys they touched
(etl/store/changes.py), and the result equals a full rebuild, table for table (issue 13)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from etl.ingest import loader
from etl.metrics import anomalies, anomaly_store
from etl.store import changes, rollups
from etl.store.db import connect


@pytest.fixture()
def db(demo_db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture()
def spy(monkeypatch):
    """Which way each refresh went: 'keys' (incremental) or 'whole'."""
    calls: list[str] = []
    keys, find_all = rollups._refresh_keys, anomalies.find_all

    def _keys(con, changed):
        calls.append("rollups:keys")
        return keys(con, changed)

    def _find_all(con, meters=None):
        calls.append("anomalies:whole" if meters is None else "anomalies:keys")
        return find_all(con, meters)

    monkeypatch.setattr(rollups, "_refresh_keys", _keys)
    monkeypatch.setattr(anomalies, "find_all", _find_all)
    return calls


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def _equals_full_rebuild(con) -> None:
    """Stored rollups == their plain views and stored findings == a fresh whole scan, whole tables."""
    assert rollups.is_current(con) and anomaly_store.is_current(con)
    for name in rollups.NAMES:
        stored = _sorted(con.execute(f"SELECT * FROM {name}__stored").df())
        live = _sorted(con.execute(f"SELECT * FROM {name}__live").df())
        assert len(live) > 0, name
        pd.testing.assert_frame_equal(stored, live, check_exact=False, rtol=1e-12, obj=name)
    a, b = anomaly_store.stored(con), _fresh(con)  # _fresh: find_all's rules, not counted by the spy
    for col in ("value", "reference", "ratio", "detail"):
        a[col], b[col] = pd.to_numeric(a[col]).astype(float), pd.to_numeric(b[col]).astype(float)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def _fresh(con) -> pd.DataFrame:
    s = anomalies.settings(con)
    return anomalies.ordered([anomalies.water_leaks(con, s), anomalies.water_night_flow(con, s),
                              anomalies.base_load(con, s), anomalies.base_load_steps(con, s),
                              anomalies.missing_months(con), anomalies.overlapping_bills(con),
                              anomalies.estimated_reads(con)])


def _load(con, text: str, name: str, kind: str | None = None) -> int:
    prep = loader.prepare(con, text.encode("utf-8"), name, kind=kind)
    assert prep.ok, [str(p) for p in prep.errors]
    return loader.commit(con, prep, user="test")


def _hours(account: str, start: str, n: int, kwh: float) -> str:
    ts = pd.date_range(start, periods=n, freq="h")
    return "户号,时间,电量(kWh)\n" + "".join(f"{account},{t:%Y-%m-%d %H:%M},{kwh + i % 7}\n"
                                           for i, t in enumerate(ts))


def test_the_keys_of_a_batch(db):
    with connect(db) as con:
        got = changes.capture(con, "readings",
                              "(SELECT 'E-1' AS meter_id, TIMESTAMP '2024-12-31 23:00' AS period_start "
                              "UNION ALL SELECT 'E-1', TIMESTAMP '2025-01-01 00:00' "
                              "UNION ALL SELECT 'E-2', TIMESTAMP '2025-01-01 05:00')")
        assert sorted(got.keys, key=str) == sorted([("E-1", pd.Timestamp("2024-12-01").date()),
                                                   ("E-1", pd.Timestamp("2025-01-01").date()),
                                                   ("E-2", pd.Timestamp("2025-01-01").date())], key=str)
        assert got.rollups_current and got.entities() == ["E-1", "E-2"]
        assert changes.capture(con, "meters", "meters") is None  # registers: rebuilt whole
        assert changes.in_list("m", ["a'b"]) == "m IN ('a''b')" and changes.in_list("m", []) == "false"


def test_one_meter_in_a_shared_month_commit_replace_undo(db, spy):
    """One interval meter, a month every other meter has too: new rows, then rows that replace stored ones,
    then both undone; after each step the stored tables equal a full rebuild."""
    with connect(db) as con:
        account = con.execute("SELECT account_no FROM meters WHERE meter_id = 'E-I001'").fetchall()[0][0]
        before = con.execute("SELECT * FROM meter_month__stored WHERE meter_id <> 'E-I001'").df()
        # replaces 48 stored hours of March 2024 (other meters have March 2024 as well)
        b1 = _load(con, _hours(account, "2024-03-10 00:00", 48, 500.0), "march.csv")
        assert con.execute("SELECT rows_replaced FROM load_batches WHERE batch_id = ?", [b1]).fetchall()[0][0] == 48
        assert spy == ["rollups:keys", "anomalies:keys"]
        _equals_full_rebuild(con)
        # the other meters' stored months were not touched
        after = con.execute("SELECT * FROM meter_month__stored WHERE meter_id <> 'E-I001'").df()
        pd.testing.assert_frame_equal(_sorted(before), _sorted(after))
        # a night load that high starts base-load findings for this meter in March
        b2 = _load(con, _hours(account, "2024-03-10 00:00", 48, 900.0), "march_again.csv")
        _equals_full_rebuild(con)
        loader.undo(con, b2, user="test")
        _equals_full_rebuild(con)
        loader.undo(con, b1, user="test")
        _equals_full_rebuild(con)
        assert spy.count("rollups:keys") == 4 and "anomalies:whole" not in spy


def test_a_batch_across_a_year_boundary(db, spy):
    with connect(db) as con:
        account = con.execute("SELECT account_no FROM meters WHERE meter_id = 'E-I013'").fetchall()[0][0]
        b = _load(con, _hours(account, "2024-12-31 12:00", 36, 40.0), "new_year.csv")  # 12 h replaced, 24 new
        assert con.execute("SELECT count(*) FROM meter_month__stored WHERE meter_id = 'E-I013' "
                           "AND month = DATE '2025-01-01'").fetchall()[0][0] == 1
        _equals_full_rebuild(con)
        loader.undo(con, b, user="test")
        assert con.execute("SELECT count(*) FROM meter_month__stored WHERE meter_id = 'E-I013' "
                           "AND month = DATE '2025-01-01'").fetchall()[0][0] == 0
        _equals_full_rebuild(con)
        assert "anomalies:whole" not in spy and spy.count("rollups:keys") == 2


# The hourly year (35 meters) is deep: make test has the same commit, replace and undo of one meter's hours above.
@pytest.mark.parametrize("kind", ["water", pytest.param("electricity", marks=pytest.mark.deep), "pv"])
def test_the_demo_files_undone_and_loaded_again(db, demo_files, spy, kind):
    """Water bills (leak findings), an hourly year and a PV year (self-use at an import meter)."""
    with connect(db) as con:
        batch, name = con.execute("""SELECT batch_id, file_name FROM load_batches WHERE kind = ?
                                     AND status = 'loaded' ORDER BY batch_id DESC LIMIT 1""", [kind]
                                  ).fetchall()[0]
        loader.undo(con, batch, user="test")
        _equals_full_rebuild(con)
        prep = loader.prepare(con, (demo_files / name).read_bytes(), name)
        loader.commit(con, prep, user="test")
        _equals_full_rebuild(con)
        assert "anomalies:whole" not in spy and spy.count("rollups:keys") == 2
        assert "water_leak" in set(anomaly_store.stored(con)["rule"])


def test_lpg_purchases_refresh_institution_months(db, spy):
    with connect(db) as con:
        b = _load(con, "单位编码,购气日期,液化气重量,瓶数,规格,金额,供气单位\n"
                       "I001,2024-12-30,,4,15kg,480.00,站\nI002,2025-01-02,30,,,260.00,站\n", "lpg.csv", "lpg")
        assert spy == ["rollups:keys"]  # no anomaly rule reads LPG: only the stamp moves
        _equals_full_rebuild(con)
        loader.undo(con, b, user="test")
        _equals_full_rebuild(con)


def test_not_current_before_means_a_full_rebuild(db, spy):
    """Stored tables that were stale before the write are rebuilt whole, never patched."""
    with connect(db) as con:
        con.execute("DELETE FROM meta WHERE key IN (?, ?)", [rollups.STAMP_KEY, anomaly_store.STAMP_KEY])
        con.execute("DELETE FROM meter_month__stored")  # stale on purpose: a patch would leave it empty
        account = con.execute("SELECT account_no FROM meters WHERE meter_id = 'E-I001'").fetchall()[0][0]
        _load(con, _hours(account, "2024-05-01 00:00", 24, 30.0), "may.csv")
        assert spy == ["anomalies:whole"]
        _equals_full_rebuild(con)


def test_a_registry_load_rebuilds_whole(db, demo_files, spy):
    with connect(db) as con:
        text = (demo_files / "meters.csv").read_bytes()
        prep = loader.prepare(con, text.replace(b"\n", b"\r\n"), "meters_again.csv")  # other bytes, same rows
        if prep.ok and prep.row_count:
            loader.commit(con, prep, user="test")
            assert "rollups:keys" not in spy
        _equals_full_rebuild(con)
