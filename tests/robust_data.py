"""Small databases cut from the demo files, for the robustness tests (issue 14).

Each case is a set of files (whole demo files, filtered lines of them, or header-only files)
loaded through the real loader, optionally on top of a copy of the full demo database.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from etl.ingest.loader import load_paths
from etl.store.db import connect

REGISTRY = ["institutions.csv", "meters.csv", "pv_sites.csv", "vehicles.csv"]
LOGS = ["work_orders.csv", "meetings.csv", "receptions.csv", "visitors.csv", "dispatches.csv"]


def text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def cut(src: Path, out: Path, keep: Callable[[str], bool] = lambda _line: True,
        edit: Callable[[str], str] = lambda line: line) -> Path:
    """The header of src and the lines keep() accepts, edited, written as UTF-8."""
    lines = text(src).splitlines()
    out.write_text("\n".join([lines[0], *(edit(ln) for ln in lines[1:] if keep(ln))]) + "\n", encoding="utf-8")
    return out


def build(db: Path, files: list[Path], base: Path | None = None) -> Path:
    db.unlink(missing_ok=True)
    if base is not None:
        shutil.copy(base, db)
    with connect(db) as con:
        results = load_paths(con, files, user="test")
    bad = [(r.path, [p.message for p in r.problems][:2]) for r in results if r.status not in ("loaded",)]
    assert not bad, bad
    return db


def cases(demo_db: Path, root: Path) -> dict[str, Path]:
    """name -> database. A handful on purpose: each costs a few seconds to build and render."""
    src = demo_db.parent / "files"
    out: dict[str, Path] = {}
    root.mkdir(parents=True, exist_ok=True)

    def d(name: str) -> Path:
        p = root / name
        p.mkdir(exist_ok=True)
        return p

    # the registry alone: institutions, meters, PV sites, cars; no readings, no logs
    f = d("registry")
    out["registry_only"] = build(f / "db.duckdb", [shutil.copy(src / n, f / n) and f / n for n in REGISTRY])

    # one year only (2024 bills), no PV production, no fleet logs, no logs: no baseline year at all
    f = d("one_year")
    files = [shutil.copy(src / n, f / n) and f / n for n in ("institutions.csv", "meters.csv")]
    files += [cut(src / n, f / n, keep=lambda ln: ",2024-" in ln) for n in ("electricity_bills.csv", "water_bills.csv")]
    out["one_year_no_pv_no_fleet"] = build(f / "db.duckdb", files)

    # bills of every year but 2023 (a year with no bills); institution I002 without 2020 (no baseline);
    # logs of 2020 only: every later year has empty logs (a header-only file is refused by the loader)
    f = d("gaps")
    files = [shutil.copy(src / n, f / n) and f / n for n in ("institutions.csv", "meters.csv")]
    files += [cut(src / n, f / n, keep=lambda ln: ",2023-" not in ln
                  and not (ln.startswith(("0450000002,", "88000002,")) and ",2020-" in ln))
              for n in ("electricity_bills.csv", "water_bills.csv")]
    files += [cut(src / n, f / n, keep=lambda ln: ln[2:6] == "2020" or ",2020-" in ln)
              for n in ("work_orders.csv", "meetings.csv")]
    out["gaps_empty_logs"] = build(f / "db.duckdb", files)

    # the full demo and one electricity bill file for January 2025 (the KPI page's KeyError 'kpi_status_nan',
    # the report's KeyError nan)
    f = d("jan2025")
    jan = cut(src / "electricity_bills.csv", f / "electricity_2025_01.csv", keep=lambda ln: ",2024-01," in ln,
              edit=lambda ln: ln.replace("2024-01", "2025-01"))
    out["demo_plus_jan_2025"] = build(f / "db.duckdb", [jan], base=demo_db)
    return out
