"""Which years of data are complete: the one definition every page's default year and every year-on-year
comparison reads.

The rule (README, "Complete and incomplete years"):
- The reference meters of year Y are the meters with a figure (meter_month: a bill or intervals) in Y−1;
  when Y−1 has none (the first year of data), the meters with a figure in Y itself.
- A month of Y is covered when at least `min_meter_share` (data/year_rules.csv) of the reference meters have
  a figure for it.
- Y is complete when all twelve of its months are covered. Meters new in Y do not make it incomplete, and
  cannot make it complete on their own.
- The last complete year is the latest complete year; a page opens on it (`default_year`). A later
  incomplete year stays selectable, is named as incomplete and gets no year-on-year change and no target
  status (`comparable`). A year with no meter data at all is incomplete.
"""

from __future__ import annotations

import functools
from typing import Any

import duckdb
import pandas as pd

from etl.store import data_files
from etl.store.db import DATA_DIR

RULES_CSV = DATA_DIR / "year_rules.csv"
COLUMNS = ["year", "expected_meters", "reporting_meters", "new_meters", "months_with_data", "covered_months",
           "complete"]


@functools.lru_cache(maxsize=1)
def rules() -> dict[str, float]:
    """data/year_rules.csv: setting -> value."""
    return {r["setting"]: float(r["value"]) for r in data_files.rows(RULES_CSV)}


def coverage(con: duckdb.DuckDBPyConnection, share: float | None = None) -> pd.DataFrame:
    """One row per year with meter data, oldest first: expected_meters (the reference meters),
    reporting_meters (of those, how many have any figure in the year), new_meters (meters with a figure in
    the year that are not reference meters), months_with_data (month numbers with any figure, sorted),
    covered_months (month numbers covered by the rule, sorted) and complete."""
    share = rules()["min_meter_share"] if share is None else share
    df = con.execute("""
        WITH mm AS (SELECT DISTINCT meter_id, year(month) AS y, month(month) AS m FROM meter_month),
        ym AS (SELECT DISTINCT meter_id, y FROM mm),
        yrs AS (SELECT DISTINCT y FROM ym),
        ref AS (  -- the meters of the year before, or of the year itself when the year before has none
            SELECT yrs.y, p.meter_id FROM yrs JOIN ym p ON p.y = yrs.y - 1
            UNION ALL
            SELECT yrs.y, s.meter_id FROM yrs JOIN ym s ON s.y = yrs.y
            WHERE NOT EXISTS (SELECT 1 FROM ym q WHERE q.y = yrs.y - 1)),
        expected AS (SELECT y, count(*) AS n FROM ref GROUP BY y),
        per_month AS (SELECT ref.y, mm.m, count(*) AS n
                      FROM ref JOIN mm ON mm.meter_id = ref.meter_id AND mm.y = ref.y GROUP BY ALL),
        reporting AS (SELECT ref.y, count(*) AS n FROM ref JOIN ym USING (meter_id, y) GROUP BY ref.y),
        new AS (SELECT ym.y, count(*) AS n FROM ym ANTI JOIN ref USING (meter_id, y) GROUP BY ym.y),
        any_month AS (SELECT y, list(DISTINCT m ORDER BY m) AS months FROM mm GROUP BY y)
        SELECT yrs.y AS year, e.n AS expected_meters, coalesce(r.n, 0) AS reporting_meters,
               coalesce(nw.n, 0) AS new_meters, a.months AS months_with_data,
               coalesce((SELECT list(pm.m ORDER BY pm.m) FROM per_month pm
                         WHERE pm.y = yrs.y AND pm.n >= ? * e.n), []) AS covered_months
        FROM yrs JOIN expected e USING (y) LEFT JOIN reporting r USING (y) LEFT JOIN new nw USING (y)
        JOIN any_month a USING (y)
        ORDER BY year""", [share]).df()
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df["year"] = df["year"].astype(int)
    for col in ("expected_meters", "reporting_meters", "new_meters"):
        df[col] = df[col].astype(int)
    df["months_with_data"] = df["months_with_data"].map(lambda v: [int(m) for m in v])
    df["covered_months"] = df["covered_months"].map(lambda v: [int(m) for m in v])
    df["complete"] = df["covered_months"].map(len) == 12
    return df[COLUMNS]


def complete_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The complete years (a chart or table names the others as incomplete)."""
    return _complete_years(coverage(con))


def last_complete_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest complete year, None when no year is complete (or there is no meter data)."""
    return max(complete_years(con), default=None)


def default_year(choices: list[int], last_complete: int | None) -> int | None:
    """The year a page opens on: the newest of its choices that is not after the last complete year; the
    newest choice when none is (a database with no complete year opens on what it has, marked incomplete)."""
    if not choices:
        return None
    fit = [y for y in choices if last_complete is not None and y <= last_complete]
    return max(fit) if fit else max(choices)


def default_index(choices: list[int], last_complete: int | None) -> int:
    """default_year's position in the choices (for a selectbox's index)."""
    y = default_year(choices, last_complete)
    return 0 if y is None else list(choices).index(y)


def year_status(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    """The year's row of `coverage` as a dict (complete False, no months and no meters for a year without
    meter data), plus last_month (the latest month with data, None without), from_january (its months
    with data run from January without a gap) and comparable (see `comparable`), from one reading."""
    return _status_from(coverage(con), year)


def _complete_years(cov: pd.DataFrame) -> set[int]:
    return {int(y) for y in cov.loc[cov["complete"], "year"]}


def _status_from(cov: pd.DataFrame, year: int) -> dict:
    row = cov[cov["year"] == year]
    out: dict[str, Any]
    if row.empty:
        before = cov[cov["year"] == year - 1]
        # the reference meters: every meter with a figure in the year before (those it expected and new ones)
        expected = int(before["reporting_meters"].iloc[0] + before["new_meters"].iloc[0]) if not before.empty else 0
        out = {"year": year, "expected_meters": expected, "reporting_meters": 0, "new_meters": 0,
               "months_with_data": [], "covered_months": [], "complete": False}
    else:
        out = row.iloc[0].to_dict()
        out = {**out, "year": int(out["year"]), "complete": bool(out["complete"]),
               **{k: int(out[k]) for k in ("expected_meters", "reporting_meters", "new_meters")}}
    months = [int(m) for m in out["months_with_data"]]
    out["last_month"] = max(months) if months else None
    out["from_january"] = bool(months) and months == list(range(1, max(months) + 1))
    done = _complete_years(cov)
    out["comparable"] = year in done and year - 1 in done
    return out


def is_complete(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    return year in complete_years(con)


def comparable(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    """Whether a year may be compared with the year before: both are complete (a year against a year that
    started in July, or against one meter's January, is no comparison)."""
    return year_status(con, year)["comparable"]


def judgement(con: duckdb.DuckDBPyConnection, year: int, baseline_year: int) -> dict:
    """What a report may say about a year, from one reading of the coverage: status (year_status), complete,
    comparable (with the year before) and baseline (the baseline year is complete too, so a change against
    it may be given)."""
    cov = coverage(con)
    status = _status_from(cov, year)
    return {"status": status, "complete": status["complete"], "comparable": status["comparable"],
            "baseline": status["complete"] and baseline_year in _complete_years(cov)}


def month_ranges(months: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 9, 10] -> [(1, 3), (7, 7), (9, 10)]: the months as runs, for a sentence."""
    runs: list[tuple[int, int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return runs


def fleet_months(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The official cars' records by year: year, months (month numbers with a dispatch, a fuel fill or a charging
    session, sorted) and complete (all twelve). The fleet page reads this instead of the meters: cars are logged,
    not metered, and a county may keep its car records in a year its meter files have not reached."""
    df = con.execute("""
        WITH t AS (SELECT depart_at AS ts FROM dispatches
                   UNION ALL SELECT ts FROM fuel_fills WHERE txn_type = 'fuel'
                   UNION ALL SELECT start_ts FROM charging_sessions)
        SELECT year(ts) AS year, list(DISTINCT month(ts) ORDER BY month(ts)) AS months
        FROM t WHERE ts IS NOT NULL GROUP BY ALL ORDER BY year""").df()
    if df.empty:
        return pd.DataFrame(columns=["year", "months", "complete"])
    df["year"] = df["year"].astype(int)
    df["months"] = df["months"].map(lambda v: [int(m) for m in v])
    df["complete"] = df["months"].map(len) == 12
    return df


def fleet_status(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    """year, months, complete and comparable (it and the year before complete) of the cars' records."""
    fm = fleet_months(con)
    done = set(fm.loc[fm["complete"], "year"]) if not fm.empty else set()
    row = fm[fm["year"] == year]
    months = row["months"].iloc[0] if not row.empty else []
    return {"year": year, "months": months, "complete": year in done,
            "comparable": year in done and year - 1 in done}
