"""Where the loader's CPU goes, stage by stage, on bench_loader's interval file. Not a test.

    .venv/bin/python bench/profile_loader.py [--rows 1000000] [--gb18030] [--cprofile FILE]

Prepares and commits the file into a database holding only the meter registry (as bench_loader's
"ours"), with each stage wrapped to add up its process CPU time (user + system of every thread, so
DuckDB's threads count): read (head, re-encode, read_csv into the staged text table), type (cells typed,
meters looked up), checks (the per-meter pass, gaps), spill (Parquet out, comparison with stored rows),
insert (commit's writes), anomaly refresh, rollups refresh. Then it undoes the batch and reports the
same refreshes for the undo. --cprofile also writes a cProfile of prepare + commit.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_loader import registry  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def _wrap(module: object, name: str, stage: str) -> None:
    fn = getattr(module, name)

    @functools.wraps(fn)
    def timed(*a, **k):
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            SPENT[stage] += time.process_time() - t0

    setattr(module, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--gb18030", action="store_true")
    ap.add_argument("--cprofile", default="")
    args = ap.parse_args()

    from etl.ingest import fastread, loader, sql_lane
    from etl.metrics import anomaly_store
    from etl.store import rollups
    from etl.store.db import connect

    for mod, name, stage in ((fastread, "head", "read"), (fastread, "stage", "read"),
                             (sql_lane, "_typed", "type"), (sql_lane, "_meter_stats", "checks"),
                             (sql_lane, "_report_gaps", "checks"), (sql_lane, "_spill", "spill"),
                             (rollups, "refresh", "rollups refresh"),
                             (anomaly_store, "refresh", "anomaly refresh")):
        _wrap(mod, name, stage)
    with tempfile.TemporaryDirectory(prefix="profile_loader_") as tmp:
        # written by a child process: its DuckDB's memory is not this process's peak
        out = subprocess.run([sys.executable, "-c", "import sys, json; sys.path.insert(0, sys.argv[1]); "
                              "from bench.bench_loader import write_files; from pathlib import Path; "
                              "print(json.dumps([str(x) for x in write_files(Path(sys.argv[2]), int(sys.argv[3]))]))",
                              str(ROOT), tmp, str(args.rows)], capture_output=True, text=True, check=True)
        utf8, gbk, meters = json.loads(out.stdout.strip().splitlines()[-1])
        utf8, gbk, meters = Path(utf8), Path(gbk), int(meters)
        csv = gbk if args.gb18030 else utf8
        db = Path(tmp) / "p.duckdb"
        with connect(db) as con:
            inst, mtrs = registry(meters)
            for name, d in (("i.csv", inst), ("m.csv", mtrs)):
                p = loader.prepare(con, d, name)
                assert p.ok, p.errors[:3]
                loader.commit(con, p, "bench")
            SPENT.clear()
            data = csv.read_bytes()
            prof = cProfile.Profile() if args.cprofile else None
            if prof:
                prof.enable()
            t0 = time.process_time()
            prep = loader.prepare(con, data, csv.name)
            t1 = time.process_time()
            peak_prepare = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            assert prep.ok and prep.spill is not None, prep.problems[:3]
            batch = loader.commit(con, prep, "bench")
            t2 = time.process_time()
            peak_commit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if prof:
                prof.disable()
                prof.dump_stats(args.cprofile)
            prepare_s, commit_s = t1 - t0, t2 - t1
            commit_stages = SPENT["anomaly refresh"] + SPENT["rollups refresh"]
            print(f"{args.rows:,} rows, {'GB18030' if args.gb18030 else 'UTF-8'}, CPU s per stage")
            for stage in ("read", "type", "checks", "spill"):
                print(f"  {stage:<18} {SPENT[stage]:6.2f}")
            other = prepare_s - sum(SPENT[s] for s in ("read", "type", "checks", "spill"))
            print(f"  {'prepare, other':<18} {other:6.2f}")
            print(f"  {'insert':<18} {commit_s - commit_stages:6.2f}")
            for stage in ("anomaly refresh", "rollups refresh"):
                print(f"  {stage:<18} {SPENT[stage]:6.2f}")
            print(f"  {'total':<18} {prepare_s + commit_s:6.2f}")
            print(f"  peak RSS {peak_prepare:,.0f} MB after prepare, {peak_commit:,.0f} MB after commit "
                  f"(the file's bytes: {len(data) / 2**20:,.0f} MB)")
            SPENT.clear()
            t3 = time.process_time()
            loader.undo(con, batch, "bench")
            undo_s = time.process_time() - t3
            print(f"  undo {undo_s:.2f} (anomaly refresh {SPENT['anomaly refresh']:.2f}, "
                  f"rollups refresh {SPENT['rollups refresh']:.2f})")
            prep.spill.close()


if __name__ == "__main__":
    main()
