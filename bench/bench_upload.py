"""Benchmark of the one loader on a large interval file: prepare() + commit() of a ~50 MB CSV.

Not a test. Run from the repository root:

    .venv/bin/python bench/bench_upload.py [--mb 50] [--repeats 3]

Builds a GB18030 CSV of 15-minute electricity readings (户号, 时间, 电量(kWh)) for as many
meters and days as make the size asked for, then, in a fresh database each repeat, times
prepare() (decode, parse, validate, unusual-value and gap checks) and commit() (one
transaction). Prints the median of the repeats and rows per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl.ingest.loader import commit, prepare  # noqa: E402
from etl.store.db import connect  # noqa: E402


def registry(n_meters: int) -> tuple[bytes, bytes]:
    inst = "单位编码,单位名称,单位类型,建筑面积(m2),用能人数\nI001,县财政局,党政机关,2000,50\n".encode()
    meters = "表号,单位编码,能源种类,户号,倍率\n" + "".join(
        f"E-{i:03d},I001,电,04500{i:05d},1\n" for i in range(n_meters))
    return inst, meters.encode()


def interval_csv(target_mb: float, n_meters: int = 40, seed: int = 1) -> tuple[bytes, int]:
    rng = np.random.default_rng(seed)
    row_bytes = 33.4  # measured: "0450000012,2023-01-01 00:15,12.34\n" and shorter values
    rows = int(target_mb * 1e6 / row_bytes)
    per_meter = rows // n_meters
    ts = pd.date_range("2023-01-01", periods=per_meter, freq="15min").strftime("%Y-%m-%d %H:%M")
    parts = ["户号,时间,电量(kWh)\n"]
    for i in range(n_meters):
        kwh = np.round(rng.gamma(4.0, 3.0, per_meter), 2)
        acct = f"04500{i:05d}"
        parts.append("".join(f"{acct},{t},{v}\n" for t, v in zip(ts, kwh, strict=True)))
    data = "".join(parts).encode("gb18030")
    return data, per_meter * n_meters


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=50.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    data, rows = interval_csv(args.mb)
    inst, meters = registry(40)
    print(f"file: {len(data) / 1e6:.1f} MB, {rows:,} rows, 40 meters, 15 min")
    t_prep, t_commit = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            with connect(Path(tmp) / "b.duckdb") as con:
                for name, d in (("i.csv", inst), ("m.csv", meters)):
                    commit(con, prepare(con, d, name), "bench")
                t0 = time.perf_counter()
                prep = prepare(con, data, "big.csv")
                t1 = time.perf_counter()
                assert prep.ok, prep.errors[:3]
                commit(con, prep, "bench")
                t2 = time.perf_counter()
                assert con.execute("SELECT count(*) FROM readings").fetchall()[0][0] == rows
        t_prep.append(t1 - t0)
        t_commit.append(t2 - t1)
    p, c = statistics.median(t_prep), statistics.median(t_commit)
    print(f"prepare: median {p:.1f} s   commit: median {c:.1f} s   total {p + c:.1f} s "
          f"({rows / (p + c):,.0f} rows/s; repeats {args.repeats})")


if __name__ == "__main__":
    main()
