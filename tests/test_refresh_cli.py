"""`python -m etl refresh` fills what is kept per data version on an older database (issue 14)."""

from __future__ import annotations

import shutil

import pandas as pd

from etl.__main__ import main as etl_main
from etl.metrics import anomalies, anomaly_store
from etl.pv import alert_store, project
from etl.store import per_version, rollups
from etl.store.db import connect
from tests.test_alert_store import _same as _same_alerts
from tests.test_anomaly_store import _same as _same_findings


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def test_refresh_rebuilds_emptied_and_dropped_tables(demo_db, tmp_path, capsys):
    db = tmp_path / "old.duckdb"
    shutil.copy(demo_db, db)
    with connect(db) as con:  # as a database from before: tables empty or missing, no stamps
        for name in rollups.NAMES:
            con.execute(f"DELETE FROM {name}__stored")
        con.execute(f"DROP TABLE {anomaly_store.TABLE}")
        con.execute(f"DROP TABLE {alert_store.TABLE}")
        for key in (rollups.STAMP_KEY, anomaly_store.STAMP_KEY, alert_store.STAMP_KEY):
            con.execute("DELETE FROM meta WHERE key = ?", [key])
        assert not any(per_version.current(con).values())

    assert etl_main(["--db", str(db), "refresh"]) == 0
    out = capsys.readouterr().out
    for label in per_version.LABELS.values():
        assert f"rebuilt {label} in " in out
    assert "refresh took " in out

    with connect(db) as con:
        assert all(per_version.current(con).values())
        for name in rollups.NAMES:
            stored = _sorted(con.execute(f"SELECT * FROM {name}__stored").df())
            assert len(stored) > 0
            pd.testing.assert_frame_equal(stored, _sorted(con.execute(f"SELECT * FROM {name}__live").df()),
                                          check_exact=False, rtol=1e-9, obj=name)
        _same_findings(anomaly_store.stored(con), anomalies.find_all(con))
        for year in (2023, 2024):
            _same_alerts(alert_store.stored(con, year), project.compute_alerts(con, year))

    assert etl_main(["--db", str(db), "refresh"]) == 0  # current now: nothing to do
    assert "nothing rebuilt" in capsys.readouterr().out
