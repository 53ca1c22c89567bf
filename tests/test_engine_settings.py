"""DuckDB's settings per process are data (data/engine_settings.csv), applied when a file is opened (issue 14)."""

from __future__ import annotations

import pandas as pd

from etl.store import db as store_db
from etl.store.db import connect


def test_every_engine_setting_has_a_source_and_is_applied(empty_db):
    df = pd.read_csv(store_db.ENGINE_CSV, comment="#")
    assert set(df["setting"]) == {"memory_limit_mb", "threads"}
    assert df["source"].str.len().min() > 20
    cfg = store_db.engine_config()
    limit_mb = df.set_index("setting").loc["memory_limit_mb", "value"]
    assert cfg["memory_limit"] == f"{int(limit_mb)}MB"
    with connect(empty_db) as con:
        got = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    # DuckDB reports MiB: 512 MB = 488.2 MiB
    assert abs(float(got.split()[0]) - int(limit_mb) * 1e6 / 2**20) < 0.1, got
