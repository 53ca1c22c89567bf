"""Where a cold page's time and memory go: every query a page runs, timed, in a fresh process. Not a test.

    .venv/bin/python bench/profile_pages.py --db PATH [--page pages/energy.py ...] [--top 8]

Each page runs in its own child process (cold: empty Streamlit cache, DuckDB just opened), through AppTest
as bench_scale.py does: first the landing page (overview), then the page. Printed per page: the page run's
seconds, its peak memory (VmHWM reset before the run), the seconds spent inside ui.common.query (by query
function, slowest first) and what is left (drawing, Streamlit, Python).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ["pages/overview.py", "pages/energy.py", "pages/kpi.py", "pages/pv.py", "pages/certification.py",
         "pages/fleet.py"]


def _rss() -> tuple[float, float]:
    now = peak = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def worker(db: str, page: str) -> dict:
    import streamlit as st
    from streamlit import config as st_config
    from streamlit.testing.v1 import AppTest

    from ui import common

    st_config.set_option("runner.magicEnabled", False)
    os.environ["ENERGY_DB"] = db
    spent: dict[str, list[float]] = defaultdict(list)
    inner = common.query

    def timed(fn, *args):
        t0 = time.perf_counter()
        try:
            return inner(fn, *args)
        finally:
            spent[f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"].append(time.perf_counter() - t0)

    common.query = timed
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state["lang"] = "zh"
    before, _ = _rss()
    t0 = time.perf_counter()
    at.run()  # the landing page is the overview: for it, this run is the page
    landing = time.perf_counter() - t0
    landing_q = {k: sum(v) for k, v in spent.items()}
    if page != "pages/overview.py":
        spent.clear()
        with open("/proc/self/clear_refs", "w") as f:  # reset the peak: the page's own
            f.write("5")
        before, _ = _rss()
        t1 = time.perf_counter()
        at.switch_page(page).run()
        seconds = time.perf_counter() - t1
    else:
        seconds = landing
    after, peak = _rss()
    q = {k: (sum(v), len(v)) for k, v in spent.items()}
    return {"page": page, "landing_s": landing, "landing_queries_s": sum(landing_q.values()), "seconds": seconds,
            "queries": q, "rss_before_mb": before, "rss_after_mb": after, "peak_mb": peak,
            "error": str(at.exception[0].message)[:200] if at.exception else None}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--page", action="append")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--worker")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.db, args.worker)))
        return 0
    for page in args.page or PAGES:
        res = subprocess.run([sys.executable, __file__, "--db", args.db, "--worker", page], capture_output=True,
                             text=True, cwd=ROOT, timeout=3600)
        line = next((x for x in reversed(res.stdout.splitlines()) if x.startswith("{")), None)
        if line is None:
            print(f"{page}: failed\n{res.stderr[-800:]}")
            continue
        r = json.loads(line)
        total_q = sum(s for s, _n in r["queries"].values())
        print(f"\n{page}: {r['seconds']:.2f} s cold (queries {total_q:.2f} s, rest {r['seconds'] - total_q:.2f} s), "
              f"peak {r['peak_mb']:.0f} MB (RSS {r['rss_before_mb']:.0f} -> {r['rss_after_mb']:.0f} MB); "
              f"landing overview first {r['landing_s']:.2f} s" + (f"  ERROR {r['error']}" if r["error"] else ""))
        for name, (s, n) in sorted(r["queries"].items(), key=lambda kv: -kv[1][0])[:args.top]:
            print(f"    {s:7.2f} s  {n:2d}x  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
