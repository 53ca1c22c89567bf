"""Registered capacity: usage per interval a meter cannot have measured (issue 13).

A meter's registry row may carry what it can pass at most:
- electricity: 报装容量/合同容量/变压器容量 (kVA). Energy per interval at most
  kVA x power factor x hours x margin (`capacity_power_factor`, `capacity_margin_electricity`);
- water: the caliber 口径 (DN, mm). Volume per interval at most Q4 x hours x margin, where Q4 =
  Q3 x `water_q4_over_q3` and Q3 is the caliber's permanent flow (data/water_meter_flow.csv).
The settings are in data/load_checks.csv. A value above its bound is a warning the officer must accept,
naming the line, the value, the limit and the likely causes (a unit error such as MWh as kWh or 升 as
吨, a multiplier applied twice, a running total). Gas meters and meters without a capacity are not checked.

Both lanes of the loader use the same three steps (the SQL lane on its own DuckDB connection):

    b = bounds(main_con)                            # one row per meter that has a bound (a DataFrame)
    hits = find(con, "rows_relation", "energy_kwh", b)  # rows above it (at most MAX_SHOWN, plus the count)
    warn(ctx, hits, "energy_kwh")                   # the warnings, one per line
`rows_relation` is any relation with meter_id, period_start, period_end, the quantity and _line.
`check(ctx, df, qty)` does all three for a pandas frame.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl.ingest.messages import msg
from etl.store import data_files

FLOW_CSV = Path(__file__).resolve().parents[2] / "data" / "water_meter_flow.csv"
MAX_SHOWN = 50  # lines named one by one; the rest are counted
_CALIBER = re.compile(r"^(?:dn|Φ|φ|ф)?\s*(\d+(?:\.\d+)?)\s*(?:mm|毫米)?$", re.IGNORECASE)


def water_flows() -> dict[float, float]:
    """Caliber (DN, mm) -> permanent flow Q3 (m3/h), from data/water_meter_flow.csv."""
    return {float(r["dn_mm"]): float(r["q3_m3_h"]) for r in data_files.rows(FLOW_CSV)}


def parse_caliber(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'DN25', 'dn 25', '25', '25mm' -> 25.0; (values, bad) where bad marks text that is not a caliber."""
    text = raw.fillna("").astype("string").str.strip()
    got = text.str.extract(_CALIBER, expand=False)
    values = pd.to_numeric(got, errors="coerce").astype("float64")
    bad = (text != "") & values.isna()
    return values, bad.fillna(False).astype(bool)


def registry_columns(ctx, df: pd.DataFrame) -> None:
    """The meter registry's capacity and caliber: typed and checked (called from the loader's meters rule)."""
    if "capacity_kva" in df.columns:
        ctx.report(df, (df["capacity_kva"] <= 0).fillna(False).astype(bool), "capacity_kva", "capacity_not_positive", "check_value")
    if "caliber_mm" not in df.columns:
        return
    values, bad = parse_caliber(df["caliber_mm"])
    ctx.report(df, bad, "caliber_mm", "caliber_not_understood", "write_caliber_dn")
    known = water_flows()
    water = (df["kind"] == "water").fillna(False).astype(bool) if "kind" in df.columns else False
    unknown = values.notna() & ~values.isin(list(known)) & water
    ctx.report(df, unknown, "caliber_mm", msg("caliber_no_flow", dns=", ".join(f"DN{d:g}" for d in sorted(known))),
               "caliber_use_standard", "warning")
    df["caliber_mm"] = values


def bounds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per meter with a bound: meter_id, kind, capacity (kVA or DN), rate (kW or the Q4 in m3/h),
    margin, factor (power factor; 1 for water) and per_h_max = rate x factor x margin (kWh or m3 per hour)."""
    from etl.ingest import pv_portal  # the loader's physical settings are read there

    s = pv_portal.settings()
    m = con.execute("SELECT meter_id, kind, capacity_kva, caliber_mm FROM meters "
                    "WHERE (kind = 'electricity' AND capacity_kva > 0) OR (kind = 'water' AND caliber_mm > 0)").df()
    elec = m[m["kind"] == "electricity"]
    out_e = pd.DataFrame({"meter_id": elec["meter_id"], "kind": "electricity", "capacity": elec["capacity_kva"],
                          "rate": elec["capacity_kva"], "factor": s["capacity_power_factor"],
                          "margin": s["capacity_margin_electricity"]})
    water = m[m["kind"] == "water"]
    q4 = water["caliber_mm"].map(water_flows()) * s["water_q4_over_q3"]
    out_w = pd.DataFrame({"meter_id": water["meter_id"], "kind": "water", "capacity": water["caliber_mm"],
                          "rate": q4, "factor": 1.0, "margin": s["capacity_margin_water"]})
    out = pd.concat([out_e, out_w], ignore_index=True) if len(out_w) else out_e.reset_index(drop=True)
    out = out[out["rate"].notna()].astype({"capacity": "float64", "rate": "float64", "factor": "float64",
                                          "margin": "float64"})
    out["per_h_max"] = out["rate"] * out["factor"] * out["margin"]
    return out.reset_index(drop=True)


def find_sql(rows: str, qty: str, bounds_rel: str = "_capacity_bounds") -> str:
    """The rows of `rows` above their meter's bound, first lines first, with the number of all such rows."""
    hours = "(date_diff('second', r.period_start, r.period_end) / 3600.0)"
    return f"""
        SELECT r._line AS _line, r.meter_id AS meter_id, r.{qty} AS value, {hours} AS hours,
               b.kind, b.capacity, b.rate, b.factor, b.margin, b.per_h_max * {hours} AS "limit",
               count(*) OVER () AS n_over
        FROM {rows} r JOIN {bounds_rel} b ON r.meter_id = b.meter_id
        WHERE r.{qty} > b.per_h_max * {hours} AND r.period_end > r.period_start
        ORDER BY r._line LIMIT {MAX_SHOWN}"""


def find(con: duckdb.DuckDBPyConnection, rows: str, qty: str, bnd: pd.DataFrame) -> pd.DataFrame:
    """Rows of the relation `rows` (on con) above their bound (see find_sql); empty when no meter has a bound."""
    if bnd.empty:
        return pd.DataFrame(columns=["_line", "meter_id", "value", "hours", "kind", "capacity", "rate", "factor",
                                     "margin", "limit", "n_over"])
    con.register("_capacity_bounds", bnd)
    try:
        return con.execute(find_sql(rows, qty)).df()
    finally:
        con.unregister("_capacity_bounds")


def _basis(h: pd.Series):
    hours = f"{h['hours']:g}"
    if h["kind"] == "electricity":
        return msg("capacity_basis_kva", kva=f"{h['capacity']:g}", pf=f"{h['factor']:g}", hours=hours,
                   margin=f"{h['margin']:g}")
    return msg("capacity_basis_dn", dn=f"{h['capacity']:g}", q4=f"{h['rate']:g}", hours=hours,
               margin=f"{h['margin']:g}")


def warn(ctx, hits: pd.DataFrame, qty: str) -> None:
    """One warning per line above its bound (the first MAX_SHOWN), then one for the rest."""
    from etl.ingest.loader import Problem

    if hits.empty:
        return
    column = ctx.header_of.get(qty, qty)
    unit = "kWh" if qty == "energy_kwh" else "m³"
    for _, h in hits.iterrows():
        line = int(h["_line"])
        ctx._flagged[(line, qty)] = "warning"  # the history check does not say it a second time
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, line, column, f"{h['value']:g}",
            msg("usage_above_capacity", meter=h["meter_id"], value=f"{h['value']:,.6g}", unit=unit,
                limit=f"{h['limit']:,.6g}", basis=_basis(h)),
            "fix_usage_above_capacity", "warning"))
    rest = int(hits["n_over"].iat[0]) - len(hits)
    if rest > 0:
        ctx.file_problem(msg("more_rows_same_problem", n=rest, message=msg("usage_above_capacity_short")),
                         "fix_usage_above_capacity", "warning", column)


def check(ctx, df: pd.DataFrame, qty: str) -> None:
    """The pandas lane: the frame's rows against their meters' registered capacity."""
    if df.empty or qty not in df.columns:
        return
    bnd = bounds(ctx.con)
    if bnd.empty or not df["meter_id"].isin(bnd["meter_id"]).any():
        return
    rows = df.loc[df["meter_id"].isin(bnd["meter_id"]), ["meter_id", "period_start", "period_end", qty, "_line"]]
    rows = rows.astype({qty: "float64", "_line": np.int64})
    ctx.con.register("_capacity_rows", rows)
    try:
        hits = find(ctx.con, "_capacity_rows", qty, bnd)
    finally:
        ctx.con.unregister("_capacity_rows")
    warn(ctx, hits, qty)
