"""Values of one row that cannot all be true together, asked about before anything is written (issue 13).

    fuel_amount(ctx, df)   a fuel-card fill whose 金额 is far from 数量(升) x 单价(元/升)

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
