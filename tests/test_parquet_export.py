"""export-parquet (issue 14): Hive partitions, types any engine reads, a manifest of the factors used,
and a round trip through DuckDB that reproduces the county's KPIs."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from etl.__main__ import main as etl_main
from etl.metrics import kpi
from etl.store import parquet_export
from etl.store.db import connect


def test_export_reads_back_and_reproduces_the_kpis(demo_db, tmp_path):
    out = tmp_path / "export"
    assert etl_main(["--db", str(demo_db), "export-parquet", str(out), "--county", "450223"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["county"] == "450223" and set(manifest["factors"]) == set(parquet_export.FACTOR_FILES)
    assert (out / "factors" / "factors.csv").exists()
    years = sorted(p.name for p in (out / "readings" / "county=450223").iterdir())
    assert years[0] == "year=2020" and (out / "institutions" / "county=450223").is_dir()
    # timestamps in microseconds, no DuckDB-only types
    schema = pq.read_schema(next((out / "pv_production" / "county=450223" / "year=2024").glob("*.parquet")))
    assert str(schema.field("ts").type) == "timestamp[us]"
    allowed = ("string", "large_string", "double", "int32", "int64", "bool", "date32[day]", "timestamp[us]")
    for table in ("readings", "institutions", "dispatches", "pv_expected"):
        f = next((out / table / "county=450223").rglob("*.parquet"))
        assert all(str(fld.type) in allowed for fld in pq.read_schema(f)), (table, pq.read_schema(f))
    # rows per table as in the manifest, read with DuckDB the way another engine would
    with connect(demo_db) as con:
        for table, info in manifest["tables"].items():
            if info["rows"]:
                n = con.execute(f"SELECT count(*) FROM read_parquet('{out.as_posix()}/{table}/**/*.parquet', "
                                "hive_partitioning = true) WHERE county = '450223'").fetchone()[0]
                assert n == info["rows"] == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
        expected = {y: kpi.kpi_report(con, y) for y in (2023, 2024)}
    # a fresh database filled from the export gives the same KPIs
    copy = tmp_path / "from_parquet.duckdb"
    with connect(copy) as con:
        parquet_export.import_into(con, out, "450223")
        for year, report in expected.items():
            _same(kpi.kpi_report(con, year), report, str(year))


def _same(got, want, where: str) -> None:
    """Equal, numbers to 1e-9 relative (sums over Parquet files add in another order)."""
    if isinstance(want, dict):
        assert set(got) == set(want), where
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert got == pytest.approx(want, rel=1e-9), where
    else:
        assert got == want, where


def test_export_refuses_a_bad_county_code(demo_db, tmp_path, capsys):
    assert etl_main(["--db", str(demo_db), "export-parquet", str(tmp_path / "x"), "--county", "../evil"]) == 1
    assert "county code" in capsys.readouterr().err
