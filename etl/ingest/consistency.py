"""Values of one row that cannot all be true together, asked about before anything is written (issue 13).

    fuel_amount(ctx, df)   a fuel-card fill whose 金额 is far from 数量(升) x 单价(元/升)
    charge_above_battery(ctx, df)  one charging session above the car's battery (a fill above the tank is a fuel-card
                                   check of the fleet page, etl/metrics/fleet.py `over_tank`: it can be true, and misuse)

A difference is a warning the officer must accept, naming the line, the values, what they should give and
the likely causes. Tolerances are data (data/load_checks.csv). (A bill's usage against (本次 − 上次) x 倍率
is checked in loader._readings; a PV or meter value against physics in pv_portal and capacity.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.ingest.messages import msg

MAX_SHOWN = 50


def fuel_amount(ctx, df: pd.DataFrame) -> None:
    """Warning where |litres x unit price − amount| > max(tolerance x amount, 1 元) on a fuel row."""
    need = ("fuel_l", "unit_price_yuan", "amount_yuan")
    if df.empty or not all(c in df.columns for c in need):
        return
    from etl.ingest import pv_portal  # the loader's settings are read there
    from etl.ingest.loader import Problem

    tol = pv_portal.settings()["fuel_amount_tolerance"]
    fuel = (df["txn_type"] == "fuel").fillna(False).to_numpy(bool) if "txn_type" in df.columns else True
    litres, price, amount = (df[c].astype("float64") for c in need)
    expected = litres * price
    ok_values = (litres > 0) & (price > 0) & (amount > 0)
    off = ok_values & ((expected - amount).abs() > np.maximum(tol * amount, 1.0)) & fuel
    hits = np.flatnonzero(off.fillna(False).to_numpy(bool))
    column = ctx.header_of.get("amount_yuan", "amount_yuan")
    for i in hits[:MAX_SHOWN]:
        line = int(df["_line"].iat[i])
        ctx._flagged[(line, "amount_yuan")] = "warning"
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, line, column, f"{amount.iat[i]:g}",
            msg("fuel_amount_differs", litres=f"{litres.iat[i]:g}", price=f"{price.iat[i]:g}",
                expected=f"{expected.iat[i]:,.2f}", amount=f"{amount.iat[i]:,.2f}",
                share=f"{abs(expected.iat[i] / amount.iat[i] - 1):.0%}", tolerance=f"{tol:.0%}"),
            "fix_fuel_amount_differs", "warning"))
    if len(hits) > MAX_SHOWN:
        ctx.file_problem(msg("more_rows_same_problem", n=len(hits) - MAX_SHOWN, message=msg("fuel_amount_short")),
                         "fix_fuel_amount_differs", "warning", column)


def charge_above_battery(ctx, df: pd.DataFrame) -> None:
    """Warning where one charging session holds more than the car's registered battery can take from empty:
    two sessions in one order, Wh as kWh, a wrong plate or battery size."""
    if df.empty or "energy_kwh" not in df.columns or "plate" not in df.columns:
        return
    from etl.ingest import pv_portal  # the loader's settings are read there
    from etl.ingest.loader import Problem

    factor = pv_portal.settings()["charge_over_battery"]
    cars = ctx.con.execute("SELECT plate, battery_kwh FROM vehicles WHERE battery_kwh > 0").fetchall()
    battery = df["plate"].map(dict(cars)).astype("float64")
    energy = df["energy_kwh"].astype("float64")
    hits = np.flatnonzero((energy > battery * factor).fillna(False).to_numpy(bool))
    column = ctx.header_of.get("energy_kwh", "energy_kwh")
    for i in hits[:MAX_SHOWN]:
        line = int(df["_line"].iat[i])
        if ctx._flagged.get((line, "energy_kwh")) in ("warning", "error"):  # said already on this cell
            continue
        ctx._flagged[(line, "energy_kwh")] = "warning"
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, line, column, f"{energy.iat[i]:g}",
            msg("charge_above_battery", plate=str(df["plate"].iat[i]), value=f"{energy.iat[i]:,.2f}", unit="kWh",
                capacity=f"{battery.iat[i]:,.1f}", limit=f"{battery.iat[i] * factor:,.1f}"),
            "fix_charge_above_battery", "warning"))
    if len(hits) > MAX_SHOWN:
        ctx.file_problem(msg("more_rows_same_problem", n=len(hits) - MAX_SHOWN, message=msg("charge_above_battery_short")),
                         "fix_charge_above_battery", "warning", column)


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= 0.5 + 0.01 * abs(b)


def register_cause(stated: float, regs: float, mult: float) -> str:
    """The likely reason a bill's usage differs from (本次 − 上次) × 倍率 (a code of the catalogue)."""
    computed = regs * mult
    if mult != 1 and _near(stated, regs):
        return "cause_multiplier_not_applied"
    if mult != 1 and _near(stated, computed * mult):
        return "cause_multiplier_twice"
    if computed and (_near(stated, computed * 1000) or _near(stated * 1000, computed)):
        return "cause_unit_thousand"
    return "cause_register_misread"


def registers(ctx, df: pd.DataFrame, read: str, from_regs: pd.Series, mult: pd.Series, mask: pd.Series) -> None:
    """Warning per line where the usage differs from (本次 − 上次) × 倍率, with the values and the likely cause."""
    from etl.ingest.loader import Problem

    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    column = ctx.header_of.get(read, read)
    for i in hits[:MAX_SHOWN]:
        line = int(df["_line"].iat[i])
        if ctx._flagged.get((line, read)) in ("warning", "error"):  # said already on this cell
            continue
        ctx._flagged[(line, read)] = "warning"
        stated, m = float(df[read].iat[i]), float(mult.iat[i])
        prev, curr = float(df["prev_register"].iat[i]), float(df["curr_register"].iat[i])
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, line, column, f"{stated:g}",
            msg("usage_differs_registers", stated=f"{stated:,.6g}", curr=f"{curr:,.6g}", prev=f"{prev:,.6g}",
                multiplier=f"{m:g}", computed=f"{float(from_regs.iat[i]):,.6g}",
                cause=msg(register_cause(stated, curr - prev, m))),
            "check_registers_multiplier", "warning"))
    if len(hits) > MAX_SHOWN:
        ctx.file_problem(msg("more_rows_same_problem", n=len(hits) - MAX_SHOWN, message=msg("registers_short")),
                         "check_registers_multiplier", "warning", column)
