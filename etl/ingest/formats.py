"""Exports as they really come: total and footer lines, identifiers Excel has changed, grid bills, charging orders.

Pure helpers the loader calls at a few points (see loader.prepare, loader._readings, loader._charging):

    total_and_footer_rows()  which body lines are 合计/小计/本页合计 rows or 制表人/打印时间/备注 lines
    check_totals()           a stated total must equal the sum of the rows it covers (else a row went missing)
    repair_ids()             户号/卡号 that Excel stripped of leading zeros, wrote as 4.5E+09 or with '.0'
    settle_grid_bill()       结算电量 is the meter's energy; 抄见, losses, 力调 and 尖/峰/平/谷 kept beside it
    charging_amounts()       电费 + 服务费 and the order total (总金额/订单金额), and what was paid (实付金额)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from etl.ingest import readers
from etl.ingest.messages import Msg, msg

if TYPE_CHECKING:  # the loader's context; imported only for the type hints
    from etl.ingest.kinds import Kind
    from etl.ingest.loader import _Ctx

# ------------------------------------------------------------------ totals and footers

# a cell that is only a total label: 合计, 总计, 小计, 本页合计, 合计：, "合 计", Total …
# (and 全月合计, 2024年合计, 本年累计合计: a few words or digits before 合计/总计/小计)
_TOTAL = re.compile(r"^(?:[\u4e00-\u9fff\d]{0,6}(合计|总计|小计)|(sub)?total|grandtotal|sum)[:：]?$")
# level of a total: a 小计 covers the rows since the last total, a 本页合计 the rows of its page,
# a 合计/总计 everything since the last 合计/总计
_LEVEL = {"小计": 1, "subtotal": 1, "本页合计": 2, "本页小计": 1}
# the first cell of a line under the table that is not data: who made it, when it was printed, remarks
# (and the page line printed under each page: 第 1 页，共 3 页 / 共 3 页 / Page 1 of 3)
_FOOTER = re.compile(r"^(?:制表|打印|备注|说明|审核|复核|导出|经办|负责人|填报|填表|数据来源|注[:：]|注\d|"
                     r"第\s*\d+\s*页|共\s*\d+\s*页|page\s*\d+|"
                     r"prepared|printed|note[:：])", re.IGNORECASE)
QUANTITY_SUFFIXES = ("_kwh", "_m3", "_l", "_kg", "_yuan")
NOT_ADDITIVE = ("unit_price_yuan",)


def _squash(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\s+", "", regex=True).str.lower()


def total_and_footer_rows(cells: list[pd.Series]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(total mask, footer mask, label of each total row or "") over the body lines of a file.

    cells: every column of the body as stripped text, in file order.
    """
    n = len(cells[0]) if cells else 0
    total = np.zeros(n, dtype=bool)
    label = np.array([""] * n, dtype=object)
    first = pd.Series([""] * n, dtype="string")
    filled = np.zeros(n, dtype=int)
    for col in cells:
        col = col.fillna("")
        sq = _squash(col)
        hit = sq.str.fullmatch(_TOTAL).fillna(False).to_numpy(bool) & ~total
        label[hit] = sq[hit].str.rstrip(":：").to_numpy()
        total |= hit
        first = first.where(first != "", col)
        filled += (col != "").to_numpy(bool)
    # "制表人：张三" or a lone "备注 …": a keyword with a colon, or a line of at most two cells; a data row
    # whose first value merely starts so (a meeting titled 说明会) has more cells and no colon
    keyword = first.str.contains(_FOOTER).fillna(False).to_numpy(bool)
    colon = first.str.contains(r"[:：]").fillna(False).to_numpy(bool)
    footer = keyword & (colon | (filled <= 2)) & ~total
    return total, footer, [str(x) for x in label]


def candidates_sql(cells: list[str]) -> str:
    """SQL condition over a staged body's text cells that every total or footer line meets (few others do).

    The fast path (loader._frame_staged) fetches only these lines and runs total_and_footer_rows on them;
    both tests are per line, so the answer equals the one over the whole body.
    """
    # a total label squashed of spaces contains 计, total or sum; spaces may sit between the letters
    total = " OR ".join(f"regexp_matches({c}, '计|(?i)t\\s*o\\s*t\\s*a\\s*l|s\\s*u\\s*m')" for c in cells)
    first = "coalesce(" + ", ".join(f"nullif({c}, '')" for c in cells) + ", '')"
    footer = f"regexp_matches({first}, '(?i){_FOOTER.pattern}')"
    return f"({total} OR {footer})"


def skipped_note(ctx: _Ctx, lines: list[int], what: str) -> None:
    """One note for the lines skipped as totals or footers (the preview lists them)."""
    if not lines:
        return
    shown = ", ".join(map(str, lines[:20])) + (" …" if len(lines) > 20 else "")
    if what == "total":
        sentence = msg("total_rows_skipped", n=len(lines), shown=shown)
        ctx.file_problem(sentence, "fix_total_rows_skipped", "info")
    else:
        sentence = msg("footer_lines_skipped", n=len(lines), shown=shown)
        ctx.file_problem(sentence, "nothing_to_do", "info")
    found = getattr(ctx.prep, "assumptions", None)  # the preview lists what was skipped
    if found is not None and sentence not in found:
        found.append(sentence)


def check_totals(ctx: _Ctx, spec: Kind, df: pd.DataFrame) -> None:
    """Where the file states a total, the rows it covers must add up to it: a mismatch is an error on its line."""
    rows = df.attrs.get("total_rows") or []
    if not rows or df.empty:
        return
    units = df.attrs.get("units", {})
    fields = [c for c in spec.columns if c.type == "number" and c.name in df.columns
              and c.name.endswith(QUANTITY_SUFFIXES) and c.name not in NOT_ADDITIVE]
    lines = df["_line"].to_numpy()
    from etl.ingest.bands import is_band_total

    lines = np.where(is_band_total(df), -1, lines)  # a bill's own 合计 row (one row per band) is not added again
    levels = [_LEVEL.get(label, 1 if label.endswith("小计") else 3) for _line, label, _v in rows]
    for k, (line, label, values) in enumerate(rows):
        level = levels[k]
        before = [rows[i][0] for i in range(k) if levels[i] >= level]
        start = max(before) if before else 0
        covered = (lines > start) & (lines < line)
        if not covered.any():  # a total written above its rows covers those below, up to the next total
            after = [rows[i][0] for i in range(k + 1, len(rows)) if levels[i] >= level]
            covered = (lines > line) & (lines < (min(after) if after else np.inf))
        if not covered.any():
            continue
        for col in fields:
            text = values.get(col.name, "")
            if not text:
                continue
            stated, bad = readers.parse_number(pd.Series([text]))
            if bad.iloc[0] or pd.isna(stated.iloc[0]):
                continue
            factor = col.units.get(units.get(col.name, "").replace(" ", ""), 1.0) if col.units else 1.0
            want = float(stated.iloc[0]) * factor
            got = float(df.loc[covered, col.name].sum())
            if abs(want - got) > 0.011 + 1e-6 * abs(want):
                header = ctx.header_of.get(col.name, col.name)
                ctx.prep.problems.append(_problem(
                    ctx, line, header, text,
                    msg("total_differs", label=label, want=f"{want:g}", n=int(covered.sum()), got=f"{got:g}",
                        diff=f"{want - got:+g}"),
                    "fix_total_differs"))


def _problem(ctx: _Ctx, line: int | None, column: str, value: str, message: Msg | str, fix: Msg | str,
             severity: str = "error"):
    from etl.ingest.loader import Problem

    return Problem(ctx.prep.file_name, line, column, value[:80], message, fix, severity)


# ------------------------------------------------------------------ identifiers Excel has changed

_SCI = re.compile(r"^\d+(?:\.\d+)?[eE]\+?\d+$")
_DOT_ZERO = re.compile(r"^(\d+)\.0+$")


def _sci_fits(text: str, account: str) -> bool:
    """Does the account, written as Excel would in scientific notation, read as `text`? (4.5E+09 ~ 4500000002)"""
    mantissa = text.lower().split("e")[0]
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1
    try:
        return float(f"{int(account):.{digits - 1}e}") == float(text)
    except (ValueError, OverflowError):
        return False


def _candidates(text: str, numeric: dict[str, str]) -> tuple[list[str], str]:
    """Registry ids the text can be after Excel changed it, and how it was changed ('' when it was not)."""
    m = _DOT_ZERO.match(text)
    if m:
        text = m.group(1)
        how = "dot_zero"
    else:
        how = ""
    if _SCI.match(text):
        return [a for a in numeric if _sci_fits(text, a)], "scientific"
    if not text.isdigit():
        return [], how
    if len(text) > 15 and text.endswith("0"):  # Excel keeps 15 significant digits, the rest become 0
        hits = [a for a in numeric if len(a) == len(text) and a[:15] == text[:15]]
        if hits:
            return hits, "digits"
    hits = [a for a in numeric if a != text and a.lstrip("0") == text.lstrip("0")]
    if hits:
        return hits, "zeros"
    if how:
        return [a for a in numeric if a == text], how
    return [], ""


# codes of the notes and of the reasons, by what Excel did (etl/ingest/messages.py)
_TAKEN = {"scientific": "id_scientific_repaired", "zeros": "id_leading_zeros_repaired",
          "digits": "id_15_digits_repaired", "dot_zero": "id_trailing_zero_repaired"}
_LOST = {"scientific": "reason_scientific", "zeros": "reason_leading_zeros", "digits": "reason_15_digits",
         "dot_zero": "reason_trailing_zero"}



def repair_ids(ctx: _Ctx, df: pd.DataFrame, field_name: str, found: pd.Series, registry: dict[str, str],
               what: str = "meter") -> pd.Series:
    """Fill the ids not found in the registry where Excel changed them and exactly one registry id fits.

    found: the registry id found so far per row (NaN where none); registry: number as written -> id.
    Each repaired value gets a note; a changed value that fits no id, or several, gets an error that says
    what was probably lost (the generic "not in the registry" error follows for the rest).
    """
    missing = found.isna() & df[field_name].notna()
    found = found.astype(object)
    if not missing.any():
        return found
    numeric = {k: v for k, v in registry.items() if isinstance(k, str) and k.isdigit()}
    out = found.astype(object)
    header = ctx.header_of.get(field_name, field_name)
    notes: dict[tuple[str, str], list[int]] = {}
    for i in np.flatnonzero(missing.to_numpy()):
        text = str(df[field_name].iat[i]).strip().replace(" ", "")
        hits, how = _candidates(text, numeric)
        line = int(df["_line"].iat[i])
        if not how:
            continue
        targets = sorted({numeric[a] for a in hits})
        if len(targets) == 1:
            out.iat[i] = targets[0]
            account = next(a for a in hits if numeric[a] == targets[0])
            notes.setdefault((how, account), []).append(line)
        else:
            n = len(targets)
            reason = msg(_LOST[how])
            ctx._flagged[(line, field_name)] = "error"
            ctx.prep.problems.append(_problem(
                ctx, line, header, text,
                msg("id_not_in_registry_many", thing=msg(f"thing_{what}"), reason=reason, n=n) if n else
                msg("id_not_in_registry_none", thing=msg(f"thing_{what}"), reason=reason),
                "fix_id_as_text"))
    for (how, account), lines in notes.items():
        shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
        ctx.prep.problems.append(_problem(
            ctx, lines[0], header, account, msg(_TAKEN[how], target=account, shown=shown),
            "fix_id_repaired", "info"))
    return out


# ------------------------------------------------------------------ grid bills

LOSS_PARTS = ("transformer_loss_kwh", "line_loss_kwh", "loss_kwh")
TOU = ("sharp_kwh", "peak_kwh", "flat_kwh", "valley_kwh")


def _present(df: pd.DataFrame, c: str) -> bool:
    return c in df.columns and df[c].notna().any()


def settle_grid_bill(ctx: _Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """The settled energy (结算电量) is the meter's energy; 抄见电量, losses, 力调 and TOU splits are kept beside it.

    Without a 结算电量 column the settled energy is 抄见 + losses (变损/线损) when the file gives losses,
    else 抄见 itself, as before.
    """
    parts = [c for c in LOSS_PARTS if _present(df, c)]
    if parts:
        df["loss_kwh"] = df[parts].sum(axis=1, min_count=1)
    has_settled, has_read = _present(df, "energy_kwh"), _present(df, "read_kwh")
    if has_read and not has_settled:
        read_header = ctx.header_of.get("read_kwh", "read_kwh")
        if parts:
            df["energy_kwh"] = df["read_kwh"] + df["loss_kwh"].fillna(0.0)
            ctx.file_problem("settled_from_read_plus_losses",
                             "fix_settled_from_read",
                             "info", read_header)
        else:
            df["energy_kwh"] = df["read_kwh"]
        ctx.header_of.setdefault("energy_kwh", read_header)
        # the energy is the 抄见 cell: a problem already reported there is not reported again
        if "_raw_read_kwh" in df.columns:
            df["_raw_energy_kwh"] = df["_raw_read_kwh"]
        ctx.raw_alias["energy_kwh"] = "read_kwh"  # the fast path looks the cell up by field
        for (line, name), severity in list(ctx._flagged.items()):
            if name == "read_kwh":
                ctx._flagged.setdefault((line, "energy_kwh"), severity)
    elif has_read and has_settled:
        ctx.file_problem("settled_energy_stored",
                         "nothing_to_do", "info", ctx.header_of.get("energy_kwh", "energy_kwh"))
    tou = [c for c in TOU if _present(df, c)]
    if len(tou) >= 2:
        split = df[tou].sum(axis=1, min_count=1)
        def off(ref: pd.Series) -> pd.Series:
            return (split - ref).abs() > 0.5 + 0.001 * ref.abs()
        ref_read = df["read_kwh"] if has_read else df.get("energy_kwh", pd.Series(np.nan, index=df.index))
        bad = split.notna() & ref_read.notna() & off(ref_read)
        if "energy_kwh" in df.columns:
            bad &= ~(df["energy_kwh"].notna() & ~off(df["energy_kwh"]))
        ctx.report(df, bad, tou[0], "tou_splits_differ",
                   "fix_tou_splits", "warning")
    return df


# ------------------------------------------------------------------ charging orders


def charging_amounts(ctx: _Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """The order total is 电费 + 服务费 when the file gives no total; a total that differs is a warning."""
    fees = [c for c in ("energy_fee_yuan", "service_fee_yuan") if _present(df, c)]
    if not fees:
        return df
    both = df[fees].sum(axis=1, min_count=len(fees))
    if not _present(df, "amount_yuan"):
        df["amount_yuan"] = both if len(fees) == 2 else (df["paid_yuan"] if _present(df, "paid_yuan") else np.nan)
        if len(fees) == 2:
            ctx.file_problem("amount_from_parts",
                             "nothing_to_do", "info", ctx.header_of.get(fees[0], fees[0]))
    elif len(fees) == 2:
        off = both.notna() & df["amount_yuan"].notna() & ((both - df["amount_yuan"]).abs() > 0.011)
        ctx.report(df, off, "amount_yuan", "amount_parts_differ",
                   "fix_amount_parts", "warning")
    return df


# ------------------------------------------------------------------ LPG purchases

_SIZE_KG = re.compile(r"(\d+(?:\.\d+)?)\s*(?:kg|公斤|千克)", re.IGNORECASE)
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")


def lpg_weights(ctx: _Ctx, df: pd.DataFrame) -> pd.DataFrame:
    """kg of LPG per purchase: the weight column, else cylinders × the stated size (15kg, 50公斤, YSP35.5(15kg))."""
    size_text = df["cylinder_size"].fillna("").astype(str) if "cylinder_size" in df.columns else \
        pd.Series("", index=df.index)
    kg = size_text.str.extract(_SIZE_KG, expand=False)
    kg = kg.fillna(size_text.str.strip().where(size_text.str.strip().str.fullmatch(_PLAIN)))
    df["cylinder_kg"] = pd.to_numeric(kg, errors="coerce")
    ctx.report(df, (size_text.str.strip() != "") & df["cylinder_kg"].isna(), "cylinder_size",
               "cylinder_size_no_kg", "fix_cylinder_size")
    if "lpg_kg" not in df.columns:
        df["lpg_kg"] = np.nan
    if "cylinders" not in df.columns:
        df["cylinders"] = np.nan
    from_cyl = df["cylinders"] * df["cylinder_kg"]
    fill = df["lpg_kg"].isna() & from_cyl.notna()
    if fill.any():
        ctx.file_problem("lpg_from_cylinders",
                         "fix_lpg_from_cylinders", "info",
                         ctx.header_of.get("cylinders", "cylinders"))
    df.loc[fill, "lpg_kg"] = from_cyl[fill]
    off = ~fill & df["lpg_kg"].notna() & from_cyl.notna() & ((df["lpg_kg"] - from_cyl).abs() > 0.01 * from_cyl)
    ctx.report(df, off, "lpg_kg", "lpg_weight_differs",
               "fix_lpg_weight", "warning")
    ctx.report(df, df["lpg_kg"].isna(), "lpg_kg", "lpg_quantity_missing",
               "fix_lpg_quantity")
    ctx.report(df, df["lpg_kg"] <= 0, "lpg_kg", "lpg_not_positive", "check_value")
    return df
