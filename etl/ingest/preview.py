"""What the upload preview shows before Commit, computed here so the page only draws.

* :func:`preview_series`: the file's values per day (or month) next to the same meters' or sites'
  stored history, per quantity, so a unit or scale error shows at a glance;
* :func:`resolution_plan`: for each meter or site, which resolution counts for the file's periods once
  it is loaded (a bill over interval data, a daily PV report over interval data: one counts, never both).

Both read the database and write nothing (the file's rows are registered in memory only).
"""

from __future__ import annotations

import pandas as pd

from etl.store.schema import pv_counted_sql

HISTORY_DAYS = 60  # history drawn before the file's first day
FILE_BATCH = 2**31 - 1  # the file's rows are newer than every stored batch


def _pv_merged(con, prep) -> str:
    """SQL of the site's rows as they will be after commit: stored rows not replaced, plus the file's."""
    rows = prep.rows[["site_id", "ts", "interval_min", "generation_kwh", "export_kwh"]]
    con.register("_preview_file", rows)
    return f"""(SELECT site_id, ts, interval_min, generation_kwh, export_kwh, {FILE_BATCH} AS batch_id,
                       true AS from_file FROM _preview_file
                UNION ALL
                SELECT site_id, ts, interval_min, generation_kwh, export_kwh, batch_id, false AS from_file
                FROM pv_production t
                WHERE site_id IN (SELECT site_id FROM _preview_file)
                  AND NOT EXISTS (SELECT 1 FROM _preview_file s WHERE s.site_id = t.site_id AND s.ts = t.ts
                                  AND s.interval_min = t.interval_min))"""


def _readings_frame(prep) -> pd.DataFrame:
    qty = "energy_kwh" if prep.kind == "electricity" else "water_m3"
    # the SQL lane's rows are read from their spill, the four columns only, not the whole table's frame
    r = prep.spill.frame(["meter_id", "period_start", "source", qty]) if prep.spill is not None else prep.rows
    return pd.DataFrame({"entity": r["meter_id"], "period_start": r["period_start"], "source": r["source"],
                         "value": r[qty]}), qty


def resolution_plan(con, prep) -> pd.DataFrame:
    """Per meter or site and resolution in the file: its periods, how many of them count, and what counts instead.

    Columns: entity, resolution (interval / day / month / bill), first, last, periods (days, or months for
    monthly rows and bills), counted (of those, where the file's rows count), instead (the stored
    resolution that counts for the others, '' when none).
    """
    cols = ["entity", "resolution", "first", "last", "periods", "counted", "instead"]
    if prep.row_count == 0 or prep.kind not in ("pv", "electricity", "water"):
        return pd.DataFrame(columns=cols)
    if prep.kind == "pv":
        merged = _pv_merged(con, prep)
        try:
            df = con.execute(f"""
                WITH m AS {merged}, c AS ({pv_counted_sql('m')}),
                f AS (SELECT m.*, CASE WHEN interval_min < 1440 THEN 'interval' WHEN interval_min = 1440
                                  THEN 'day' ELSE 'month' END AS resolution,
                             CASE WHEN interval_min > 1440 THEN date_trunc('month', ts)
                                  ELSE date_trunc('day', ts) END AS period
                      FROM m WHERE from_file),
                counts AS (SELECT DISTINCT site_id, ts, interval_min FROM c WHERE from_file),
                other AS (SELECT site_id, date_trunc('day', ts) AS day, date_trunc('month', ts) AS month,
                                 resolution FROM c WHERE NOT from_file)
                SELECT f.site_id AS entity, f.resolution, min(f.ts) AS first, max(f.ts) AS last,
                       count(DISTINCT f.period) AS periods,
                       count(DISTINCT f.period) FILTER (WHERE k.site_id IS NOT NULL) AS counted,
                       coalesce(string_agg(DISTINCT o.resolution, ', ') FILTER (WHERE k.site_id IS NULL), '')
                           AS instead
                FROM f LEFT JOIN counts k USING (site_id, ts, interval_min)
                LEFT JOIN other o ON o.site_id = f.site_id AND k.site_id IS NULL
                     AND (o.day = date_trunc('day', f.ts) OR (o.resolution = 'month'
                          AND o.month = date_trunc('month', f.ts)))
                GROUP BY ALL ORDER BY entity, resolution""").df()
        finally:
            con.unregister("_preview_file")
        return df[cols]
    # readings: per meter and month, the bill counts when there is one (view meter_month)
    f, _qty = _readings_frame(prep)
    f["month"] = f["period_start"].dt.to_period("M").dt.start_time
    f["resolution"] = f["source"]
    stored = con.execute(
        "SELECT DISTINCT meter_id AS entity, date_trunc('month', period_start) AS month, source FROM readings "
        "WHERE meter_id IN (SELECT unnest(?))", [sorted(f["entity"].dropna().unique().tolist())]).df()
    bill_months = set(zip(stored.loc[stored["source"] == "bill", "entity"],
                          pd.to_datetime(stored.loc[stored["source"] == "bill", "month"]), strict=True))
    file_bills = set(zip(f.loc[f["source"] == "bill", "entity"], f.loc[f["source"] == "bill", "month"], strict=True))
    out = []
    for (entity, res), g in f.groupby(["entity", "resolution"]):
        months = set(g["month"])
        if res == "bill":
            counted, instead = len(months), ""
        else:
            covered = {m for m in months if (entity, m) in bill_months | file_bills}
            counted, instead = len(months) - len(covered), "bill" if covered else ""
        out.append({"entity": entity, "resolution": res, "first": g["period_start"].min(),
                    "last": g["period_start"].max(), "periods": len(months), "counted": counted,
                    "instead": instead})
    return pd.DataFrame(out, columns=cols)


def preview_series(con, prep) -> pd.DataFrame:
    """The file's values and the stored history of the same meters or sites, per quantity and period.

    Columns: quantity (field name with unit), period (day, or month for bills and monthly reports),
    value (sum over the file's meters or sites), source ('file' / 'stored'). Stored values are the ones
    that count (views pv_counted and meter_month), from HISTORY_DAYS before the file's first day to its last.
    """
    cols = ["quantity", "period", "value", "source"]
    if prep.row_count == 0 or prep.kind not in ("pv", "electricity", "water"):
        return pd.DataFrame(columns=cols)
    if prep.kind == "pv":
        r = prep.rows
        monthly = bool((r["interval_min"] > 1440).all())
        trunc = "month" if monthly else "day"
        start = r["ts"].min() - pd.Timedelta(days=HISTORY_DAYS)
        con.register("_preview_sites", r[["site_id"]].drop_duplicates())
        try:
            stored = con.execute(f"""
                SELECT date_trunc('{trunc}', ts) AS period, sum(generation_kwh) AS generation_kwh,
                       sum(export_kwh) AS export_kwh
                FROM pv_counted WHERE site_id IN (SELECT site_id FROM _preview_sites) AND ts >= ? AND ts <= ?
                GROUP BY ALL""", [start.to_pydatetime(), r["ts"].max().to_pydatetime()]).df()
        finally:
            con.unregister("_preview_sites")
        mine = r.assign(period=r["ts"].dt.to_period("M" if monthly else "D").dt.start_time).groupby(
            "period", as_index=False)[["generation_kwh", "export_kwh"]].sum(min_count=1)
        parts = []
        for src, frame in (("file", mine), ("stored", stored)):
            for q in ("generation_kwh", "export_kwh"):
                if q in frame.columns and frame[q].notna().any():
                    parts.append(pd.DataFrame({"quantity": q, "period": pd.to_datetime(frame["period"]),
                                               "value": frame[q].astype(float), "source": src}))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
        # the stored export is drawn only when the file has export too
        has = set(out.loc[out["source"] == "file", "quantity"])
        return out[out["quantity"].isin(has)].sort_values(["quantity", "source", "period"]).reset_index(drop=True)
    f, qty = _readings_frame(prep)
    bills = bool((f["source"] == "bill").all())
    f["period"] = f["period_start"].dt.to_period("M" if bills else "D").dt.start_time
    mine = f.groupby("period", as_index=False)["value"].sum(min_count=1).assign(source="file")
    start = f["period_start"].min() - pd.Timedelta(days=HISTORY_DAYS)
    meters = sorted(f["entity"].dropna().unique().tolist())
    if bills:
        stored = con.execute(f"""
            SELECT month AS period, sum({qty}) AS value FROM meter_month
            WHERE meter_id IN (SELECT unnest(?)) AND month >= ? AND month <= ? GROUP BY ALL""",
                             [meters, start.to_pydatetime(), f["period_start"].max().to_pydatetime()]).df()
    else:
        stored = con.execute(f"""
            SELECT date_trunc('day', period_start) AS period, sum({qty}) AS value FROM readings
            WHERE source = 'interval' AND meter_id IN (SELECT unnest(?)) AND period_start >= ?
              AND period_start <= ? GROUP BY ALL""",
                             [meters, start.to_pydatetime(), f["period_start"].max().to_pydatetime()]).df()
    stored = stored.assign(source="stored", period=pd.to_datetime(stored["period"]))
    out = pd.concat([mine, stored], ignore_index=True).assign(quantity=qty)
    return out[cols].sort_values(["source", "period"]).reset_index(drop=True)
