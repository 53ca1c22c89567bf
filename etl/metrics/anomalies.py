"""Anomaly rules for meters and bills. Each finding carries its evidence.

Every rule returns rows with the same columns (FINDING_COLUMNS): the rule, the meter, the period,
the value found, the reference it was compared with, their ratio, the unit, and a detail figure.
Thresholds are data (ref_settings scope 'anomaly', seeded from data/anomaly_settings.csv, each with a help
text; an admin edits them on the settings page), not literals here.

Rules
- water_leak: a water month far above the same month last year AND the meter's own range
  (median of its previous 12 months); when last year's month is missing, the range alone.
- water_night_flow: interval water meters whose flow never drops to zero at night.
- night_base_load: an interval electricity meter whose night base load (median kW, 0:00-5:00) is high
  against its own weekday working-hours load (median kW) in the month.
- weekend_base_load: the same for weekend daytime load.
- base_load_step: the night base load relative to the working-hours load jumps and stays up (weekly).
- missing_month: a month with no figure between a meter's first and last month.
- overlapping_bills: two bills of one meter whose periods overlap.
- estimated_read: a bill marked 估抄 (estimated), with the same month last year as reference.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from etl.metrics.energy import HOURLY_LOAD_SQL
from etl.store.changes import in_list

RULES = ("water_leak", "water_night_flow", "night_base_load", "weekend_base_load", "base_load_step",
         "missing_month", "overlapping_bills", "estimated_read")
FINDING_COLUMNS = ["rule", "meter_id", "institution_id", "name", "type", "kind", "period_start", "period_end",
                   "value", "reference", "ratio", "unit", "detail"]


def settings_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """setting, value, unit, help_zh, help_en, source (ref_settings, scope 'anomaly')."""
    return con.execute("""SELECT key AS setting, value, unit, help_zh, help_en, source FROM ref_settings
                          WHERE scope = 'anomaly' ORDER BY rowid""").df()


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, float | str]:
    """Setting name -> value (a number where the value is numeric)."""
    out: dict[str, float | str] = {}
    for r in settings_table(con).itertuples():
        try:
            out[r.setting] = float(r.value)
        except (TypeError, ValueError):
            out[r.setting] = "" if pd.isna(r.value) else str(r.value)
    return out


def _finish(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Add the rule, the institution's name and type and the meter's kind; keep FINDING_COLUMNS."""
    if df.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    reg = con.execute("""SELECT mt.meter_id, mt.institution_id, i.name, i.type, mt.kind
                         FROM meters mt JOIN institutions i USING (institution_id)""").df()
    df = df.merge(reg, on="meter_id", how="left")
    df["rule"] = rule
    for col in FINDING_COLUMNS:
        if col not in df.columns:
            df[col] = None
    return df[FINDING_COLUMNS]


def _only(column: str, meters: list[str] | None) -> str:
    """The condition that keeps the meters a refresh recomputes (every meter when None)."""
    return "true" if meters is None else in_list(column, meters)


def water_leaks(con: duckdb.DuckDBPyConnection, s: dict | None = None, meters: list[str] | None = None
                ) -> pd.DataFrame:
    s = s or settings(con)
    df = con.execute(f"""
        WITH w AS (
            SELECT mm.meter_id, mm.month, mm.water_m3 AS v FROM meter_month mm JOIN meters mt USING (meter_id)
            WHERE mt.kind = 'water' AND mm.water_m3 IS NOT NULL AND {_only('mm.meter_id', meters)}),
        x AS (
            SELECT w.*, p.v AS last_year,
                   (SELECT median(q.v) FROM w q WHERE q.meter_id = w.meter_id
                       AND q.month >= w.month - INTERVAL 12 MONTH AND q.month < w.month) AS median_12,
                   (SELECT count(*) FROM w q WHERE q.meter_id = w.meter_id
                       AND q.month >= w.month - INTERVAL 12 MONTH AND q.month < w.month) AS n_12
            FROM w LEFT JOIN w p ON p.meter_id = w.meter_id AND p.month = (w.month - INTERVAL 1 YEAR)::DATE)
        SELECT meter_id, month AS period_start, (month + INTERVAL 1 MONTH)::DATE AS period_end,
               v AS value, coalesce(last_year, median_12) AS reference,
               v / nullif(coalesce(last_year, median_12), 0) AS ratio, 'm3' AS unit,
               v / nullif(median_12, 0) AS detail
        FROM x
        WHERE n_12 >= 6 AND v >= ? * median_12 AND (last_year IS NULL OR v >= ? * last_year)
        ORDER BY meter_id, month""", [s["leak_range_ratio"], s["leak_yoy_ratio"]]).df()
    return _finish(con, df, "water_leak")


def water_night_flow(con: duckdb.DuckDBPyConnection, s: dict | None = None, meters: list[str] | None = None
                     ) -> pd.DataFrame:
    s = s or settings(con)
    df = con.execute(f"""
        WITH h AS ({HOURLY_LOAD_SQL}),
        nights AS (
            SELECT meter_id, ts::DATE AS night, min(value / hours) AS min_flow
            FROM h WHERE kind = 'water' AND hour(ts) < ? AND {_only('meter_id', meters)} GROUP BY ALL)
        SELECT meter_id, date_trunc('month', night)::DATE AS period_start,
               (date_trunc('month', night) + INTERVAL 1 MONTH)::DATE AS period_end,
               median(min_flow) AS value, ?::DOUBLE AS reference,
               avg((min_flow > ?)::INTEGER) AS ratio, 'm3/h' AS unit, count(*) AS detail
        FROM nights GROUP BY ALL
        HAVING avg((min_flow > ?)::INTEGER) >= ? ORDER BY ALL""",
                     [s["night_hours_end"], s["night_flow_min_m3_h"], s["night_flow_min_m3_h"],
                      s["night_flow_min_m3_h"], s["night_flow_share"]]).df()
    return _finish(con, df, "water_night_flow")


def _exempt(s: dict) -> list[str]:
    return [t for t in str(s.get("base_load_exempt_types") or "").split("|") if t]


def _hourly_kw(s: dict, meters: list[str] | None = None) -> str:
    """Interval electricity as kW per hour, tagged night / work / weekend_day, exempt types left out."""
    exempt = ", ".join("'" + t.replace("'", "''") + "'" for t in _exempt(s)) or "''"
    return f"""
        WITH h AS ({HOURLY_LOAD_SQL}),
        k AS (
            SELECT h.meter_id, h.ts, h.value / h.hours AS kw,
                   hour(h.ts) < {float(s['night_hours_end'])} AS is_night,
                   isodow(h.ts) <= 5 AND hour(h.ts) >= {float(s['work_hours_start'])}
                       AND hour(h.ts) < {float(s['work_hours_end'])} AS is_work,
                   isodow(h.ts) >= 6 AND hour(h.ts) >= {float(s['work_hours_start'])}
                       AND hour(h.ts) < {float(s['work_hours_end'])} AS is_weekend_day
            FROM h JOIN institutions i USING (institution_id)
            WHERE h.kind = 'electricity' AND i.type NOT IN ({exempt}) AND {_only('h.meter_id', meters)})"""


def load_medians(con: duckdb.DuckDBPyConnection, s: dict | None = None, meters: list[str] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The median loads both base-load rules compare, from one scan of the hourly load (two scans cost 2.4x
    as much at 1 M rows): per meter and month (night, weekend day, working hours) and per meter and week
    (night, working hours; weeks with at least 15 night hours)."""
    s = s or settings(con)
    df = con.execute(f"""
        {_hourly_kw(s, meters)}
        SELECT *, (month + INTERVAL 1 MONTH)::DATE AS month_end FROM (
            SELECT meter_id, date_trunc('month', ts)::DATE AS month, date_trunc('week', ts)::DATE AS week,
                   grouping(week) = 1 AS monthly,
                   median(kw) FILTER (WHERE is_night) AS night_kw,
                   median(kw) FILTER (WHERE is_weekend_day) AS weekend_kw,
                   median(kw) FILTER (WHERE is_work) AS work_kw, count(*) FILTER (WHERE is_night) AS night_hours
            FROM k GROUP BY GROUPING SETS ((meter_id, month), (meter_id, week)))""").df()
    monthly = df[df["monthly"]].sort_values(["meter_id", "month"])
    monthly = monthly.assign(period_start=monthly["month"], period_end=monthly["month_end"])
    weekly = df[~df["monthly"] & (df["night_hours"] >= 3 * 5)].sort_values(["meter_id", "week"])
    return (monthly[["meter_id", "period_start", "period_end", "night_kw", "weekend_kw", "work_kw"]]
            .reset_index(drop=True),
            weekly[["meter_id", "week", "night_kw", "work_kw"]].reset_index(drop=True))


def base_load(con: duckdb.DuckDBPyConnection, s: dict | None = None, meters: list[str] | None = None,
              medians: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """night_base_load and weekend_base_load findings, per meter and month (medians: load_medians' answer,
    when the caller has it)."""
    s = s or settings(con)
    df = (medians or load_medians(con, s, meters))[0]
    out = []
    for rule, col, limit in (("night_base_load", "night_kw", s["night_base_ratio"]),
                             ("weekend_base_load", "weekend_kw", s["weekend_base_ratio"])):
        d = df[df["work_kw"] > 0].assign(value=lambda x, c=col: x[c], reference=lambda x: x["work_kw"])
        d = d.assign(ratio=d["value"] / d["reference"], unit="kW")
        d = d[d["ratio"] > limit]
        out.append(_finish(con, d[["meter_id", "period_start", "period_end", "value", "reference", "ratio",
                                   "unit"]], rule))
    return pd.concat(out, ignore_index=True)


def step_hits(r: np.ndarray, n: int, step_ratio: float) -> list[tuple[int, float]]:
    """Weeks i where the median ratio of weeks i..i+n-1 is step_ratio times that of weeks i-n..i-1, all above.

    Every n-week window's median, min and max at once (one np.median per meter, not two per week): window k
    is r[k:k + n]; week i compares window i (after) with window i - n (before).
    """
    if n < 1 or len(r) < 2 * n:
        return []
    win = np.lib.stride_tricks.sliding_window_view(r, n)
    med, low, high = np.median(win, axis=1), win.min(axis=1), win.max(axis=1)
    hits = []
    for i in range(n, len(r) - n + 1):
        ratio = float(med[i] / med[i - n])
        if ratio >= step_ratio and low[i] > high[i - n]:
            hits.append((i, ratio))
    return hits


def base_load_steps(con: duckdb.DuckDBPyConnection, s: dict | None = None, meters: list[str] | None = None,
                    medians: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """A step up in the night base load relative to the working-hours load, sustained for step_weeks.

    Working on the ratio (night ÷ working hours, per week) keeps seasons, holidays and term starts
    from looking like steps: they move both loads together. One finding per step (its strongest week).
    """
    s = s or settings(con)
    weekly = (medians or load_medians(con, s, meters))[1]
    weekly = weekly[weekly["work_kw"] > 0]  # sorted by meter and week (load_medians)
    n = int(s["step_weeks"])
    # numpy slices per meter: pandas per meter cost 2 ms a meter, the most of the refresh's Python time
    meter = weekly["meter_id"].to_numpy()
    week = weekly["week"].to_numpy()
    night = weekly["night_kw"].to_numpy(dtype=float)
    work = weekly["work_kw"].to_numpy(dtype=float)
    bounds = np.flatnonzero(meter[1:] != meter[:-1]) + 1
    rows = []
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(meter)], strict=True) if len(meter) else ():
        r = night[lo:hi] / work[lo:hi]
        hits = step_hits(r, n, float(s["step_ratio"]))
        # consecutive weeks belong to one step: keep its strongest week
        groups: list[list[tuple[int, float]]] = []
        for h in hits:
            if groups and h[0] - groups[-1][-1][0] <= n:
                groups[-1].append(h)
            else:
                groups.append([h])
        for grp in groups:
            i, ratio = max(grp, key=lambda x: x[1])
            g_night, g_work = night[lo:hi], work[lo:hi]
            rows.append({"meter_id": meter[lo], "period_start": week[lo + i],
                         "period_end": week[lo + min(i + n, hi - lo - 1)],
                         "value": float(np.median(g_night[i:i + n])),
                         "reference": float(np.median(g_night[i - n:i])),
                         "ratio": ratio, "unit": "kW",
                         "detail": float(np.median(g_work[i:i + n]))})
    return _finish(con, pd.DataFrame(rows), "base_load_step")


def missing_months(con: duckdb.DuckDBPyConnection, meters: list[str] | None = None) -> pd.DataFrame:
    """Months with neither a bill nor interval readings between a meter's first and last month."""
    df = con.execute(f"""
        WITH span AS (SELECT meter_id, min(month) AS m0, max(month) AS m1 FROM meter_month
                      WHERE {_only('meter_id', meters)} GROUP BY ALL),
        grid AS (SELECT meter_id, unnest(generate_series(m0, m1, INTERVAL 1 MONTH))::DATE AS month FROM span)
        SELECT g.meter_id, g.month AS period_start, (g.month + INTERVAL 1 MONTH)::DATE AS period_end,
               NULL::DOUBLE AS value,
               (SELECT median(coalesce(x.energy_kwh, x.water_m3)) FROM meter_month x
                WHERE x.meter_id = g.meter_id AND x.month BETWEEN g.month - INTERVAL 6 MONTH
                                                              AND g.month + INTERVAL 6 MONTH) AS reference,
               CASE WHEN mt.kind = 'water' THEN 'm3' ELSE 'kWh' END AS unit
        FROM grid g JOIN meters mt USING (meter_id)
        LEFT JOIN meter_month mm ON mm.meter_id = g.meter_id AND mm.month = g.month
        WHERE mm.meter_id IS NULL ORDER BY g.meter_id, g.month""").df()
    return _finish(con, df, "missing_month")


def overlapping_bills(con: duckdb.DuckDBPyConnection, meters: list[str] | None = None) -> pd.DataFrame:
    """Bills of one meter whose billing periods overlap (value: this bill, reference: the earlier one)."""
    df = con.execute(f"""
        WITH b AS (
            SELECT meter_id, period_start, period_end, coalesce(energy_kwh, water_m3) AS v,
                   lag(period_end) OVER w AS prev_end, lag(coalesce(energy_kwh, water_m3)) OVER w AS prev_v
            FROM readings WHERE source = 'bill' AND {_only('meter_id', meters)}
            WINDOW w AS (PARTITION BY meter_id ORDER BY period_start, period_end))
        SELECT b.meter_id, b.period_start, b.prev_end AS period_end, b.v AS value, b.prev_v AS reference,
               b.v / nullif(b.prev_v, 0) AS ratio,
               CASE WHEN mt.kind = 'water' THEN 'm3' ELSE 'kWh' END AS unit,
               date_diff('day', b.period_start, b.prev_end) AS detail
        FROM b JOIN meters mt USING (meter_id)
        WHERE b.prev_end > b.period_start ORDER BY ALL""").df()
    return _finish(con, df, "overlapping_bills")


def estimated_reads(con: duckdb.DuckDBPyConnection, meters: list[str] | None = None) -> pd.DataFrame:
    """Bills marked as estimated (估抄); reference: the meter's same month a year earlier."""
    df = con.execute(f"""
        SELECT r.meter_id, r.period_start, r.period_end, coalesce(r.energy_kwh, r.water_m3) AS value,
               coalesce(p.energy_kwh, p.water_m3) AS reference,
               coalesce(r.energy_kwh, r.water_m3) / nullif(coalesce(p.energy_kwh, p.water_m3), 0) AS ratio,
               CASE WHEN mt.kind = 'water' THEN 'm3' ELSE 'kWh' END AS unit
        FROM readings r JOIN meters mt USING (meter_id)
        LEFT JOIN meter_month p ON p.meter_id = r.meter_id
             AND p.month = (date_trunc('month', r.period_start) - INTERVAL 1 YEAR)::DATE
        WHERE r.source = 'bill' AND r.estimated AND {_only('r.meter_id', meters)} ORDER BY r.meter_id, r.period_start""").df()
    return _finish(con, df, "estimated_read")


def find_all(con: duckdb.DuckDBPyConnection, meters: list[str] | None = None) -> pd.DataFrame:
    """Every rule's findings, one table (FINDING_COLUMNS), newest first within each rule.

    meters: only those meters' findings (every rule looks at one meter's own rows, its registry entry and,
    for an import meter, its institution's PV; etl.metrics.anomaly_store recomputes the meters a load
    touched and keeps the rest)."""
    s = settings(con)
    medians = load_medians(con, s, meters)
    parts = [water_leaks(con, s, meters), water_night_flow(con, s, meters), base_load(con, s, meters, medians),
             base_load_steps(con, s, meters, medians), missing_months(con, meters), overlapping_bills(con, meters),
             estimated_reads(con, meters)]
    return ordered(parts)


# interval rows per scan when the findings are computed in pieces: the medians keep their values in memory
# and DuckDB cannot spill them (10 M rows in one scan ran out of a 512 MB limit). Measured at 10 M rows:
# pieces of 0.5 M took 21.5 s CPU, 1 M 14.0 s, 2 M 19.2 s
CHUNK_ROWS = 1_000_000


def find_in_chunks(con: duckdb.DuckDBPyConnection, meters: list[str] | None = None,
                   chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """find_all (for the meters given, else every registered meter) in pieces of about chunk_rows interval
    rows: the same rows in the same order (each rule looks at one meter at a time), in bounded memory."""
    where = "true" if meters is None else in_list("m.meter_id", meters)
    counts = con.execute(f"""SELECT m.meter_id, count(r.meter_id) FROM meters m
                             LEFT JOIN readings r ON r.meter_id = m.meter_id AND r.source = 'interval'
                             WHERE {where} GROUP BY ALL ORDER BY ALL""").fetchall()
    if sum(n for _m, n in counts) <= chunk_rows:
        return find_all(con, meters)
    chunks: list[list[str]] = [[]]
    size = 0
    for meter, n in counts:
        if chunks[-1] and size + n > chunk_rows:
            chunks.append([])
            size = 0
        chunks[-1].append(meter)
        size += n
    return ordered([find_all(con, chunk) for chunk in chunks])


def ordered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The rules' findings as one table in find_all's order: rule, newest first, meter (stable within)."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    out["rule"] = pd.Categorical(out["rule"], categories=RULES, ordered=True)
    out = out.sort_values(["rule", "period_start", "meter_id"], ascending=[True, False, True])
    out["rule"] = out["rule"].astype(str)
    return out.reset_index(drop=True)


def for_scope(findings: pd.DataFrame, year: int | None = None, type_: str | None = None,
              institution_id: str | None = None, meter_id: str | None = None) -> pd.DataFrame:
    """The findings of a drill-down selection (and of a year: periods that touch it)."""
    f = findings
    if year is not None:
        last_day = f["period_end"] - pd.Timedelta(days=1)
        f = f[(f["period_start"].dt.year <= year) & (last_day.dt.year >= year)]
    if type_:
        f = f[f["type"] == type_]
    if institution_id:
        f = f[f["institution_id"] == institution_id]
    if meter_id:
        f = f[f["meter_id"] == meter_id]
    return f.reset_index(drop=True)
