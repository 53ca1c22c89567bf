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
