"""`python -m etl export-parquet DIR`: the county's tables as Hive-partitioned Parquet (issue 14).

A county fits one machine; a city or the region reads many counties' exports with an engine that
exists already (DuckDB over object storage, Spark, Trino). So the export uses only types every
engine reads: strings, doubles, integers, booleans, dates and timestamps in microseconds (no
DuckDB-only types), partitioned as

    DIR/<table>/county=<code>/year=<yyyy>/data_0.parquet   fact tables (by their time column)
    DIR/<table>/county=<code>/data_0.parquet               registries (institutions, meters, …)
    DIR/factors/*.csv                                       the factors, targets and KPI targets used
    DIR/manifest.json                                       tables, columns, types, rows, factor checksums

Undo history (`*__replaced`, load_batches) stays home: it is the county's bookkeeping, not data.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from etl.store.db import DATA_DIR
from etl.store.schema import DERIVED, TABLES

# fact table -> the column whose year partitions it
FACT_TIME = {"readings": "period_start", "pv_production": "ts", "weather": "ts", "fuel_fills": "ts",
             "charging_sessions": "start_ts", "dispatches": "depart_at", "work_orders": "reported_at",
             "meetings": "held_on", "receptions": "held_on", "visitor_groups": "visited_on", "pv_expected": "ts"}
FACTOR_FILES = ("factors.csv", "targets.csv", "kpi_targets.csv")
_SAFE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


def tables() -> list[str]:
    return [*TABLES, *DERIVED]


def export(con: duckdb.DuckDBPyConnection, out_dir: str | Path, county: str) -> dict:
    """Write every table of the county under out_dir (replacing this county's earlier export)."""
    if not _SAFE.match(county):
        raise ValueError(f"county code {county!r}: use letters, digits, - or _ (e.g. the code 450223)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"county": county, "exported_at": datetime.now().isoformat(timespec="seconds"),
                      "format": "parquet, hive partitions county=/year=, timestamps in microseconds",
                      "tables": {}, "factors": {}}
    for name in tables():
        target = out / name
        shutil.rmtree(target / f"county={county}", ignore_errors=True)
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        cols = con.execute(f"DESCRIBE {name}").fetchall()
        manifest["tables"][name] = {"rows": rows, "partitioned_by": ["county", "year"] if name in FACT_TIME
                                    else ["county"], "time_column": FACT_TIME.get(name),
                                    "columns": {c[0]: c[1] for c in cols}}
        if not rows:
            continue
        target.mkdir(exist_ok=True)
        year = f", year({FACT_TIME[name]}) AS year" if name in FACT_TIME else ""
        parts = "county, year" if name in FACT_TIME else "county"
        con.execute(f"COPY (SELECT *, '{county}' AS county{year} FROM {name}) TO '{target.as_posix()}' "
                    f"(FORMAT parquet, PARTITION_BY ({parts}), OVERWRITE_OR_IGNORE)")
    fdir = out / "factors"
    fdir.mkdir(exist_ok=True)
    for f in FACTOR_FILES:
        src = DATA_DIR / f
        shutil.copyfile(src, fdir / f)
        manifest["factors"][f] = {"sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
                                  "path": f"factors/{f}"}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def import_into(con: duckdb.DuckDBPyConnection, out_dir: str | Path, county: str) -> None:
    """Fill an empty database (schema created) with one county of an export: the round trip a test
    checks, and how a city would pull one county back into the dashboard."""
    out = Path(out_dir)
    for name in tables():
        files = list((out / name / f"county={county}").rglob("*.parquet"))
        if not files:
            continue
        drop = "county, year" if name in FACT_TIME else "county"
        con.execute(f"INSERT INTO {name} BY NAME SELECT * EXCLUDE ({drop}) FROM read_parquet("
                    f"'{(out / name).as_posix()}/county={county}/**/*.parquet', hive_partitioning = true)")
