"""Grid bills written as one row per time band (国家电网/南方电网 分时电量明细), read as one bill.

Some exports list a bill as several rows with the same 户号 and period, one per 时段 (尖/峰/平/谷,
or 正向有功尖/峰/平/谷 as a 示数类型), sometimes with a row for the whole bill (合计/总/正向有功总)
before or after them. They are read as one bill per account and period:

- each band row's energy becomes the bill's split column (sharp_kwh / peak_kwh / flat_kwh / valley_kwh):
  its settled energy when the row has one, else its read energy;
- every quantity of the bill (结算, 抄见, losses, amount) is the stated total row's when it states it, else
  the sum of the band rows. Never both: the total row is not a bill of its own.
- a stated total that differs from the sum of its band rows (settled or read energy) is an error naming
  the rows; a band written twice for one bill, or a band word not understood, is an error too.
- registers: the total row's; without one, the sum of the bands' (a meter's total register is the sum
  of its time-of-use registers), so (本次 − 上次) × 倍率 is still checked against 抄见.

Interval files (a time per row) keep their rows: a band label there only names the tariff of the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.ingest.messages import at_lines, msg

BANDS = ("sharp", "peak", "flat", "valley")
SPLIT = {"sharp": "sharp_kwh", "peak": "peak_kwh", "flat": "flat_kwh", "valley": "valley_kwh"}
# a band word, tried in this order (尖峰 is sharp, not peak; off-peak is valley)
_WORDS = (("total", ("合计", "总", "全时段", "total", "all")), ("sharp", ("尖", "sharp", "critical")),
          ("valley", ("谷", "valley", "off-peak", "offpeak")), ("flat", ("平", "flat", "shoulder", "mid")),
          ("peak", ("峰", "peak", "on-peak")))
KEY = ("meter", "meter_point", "month", "read_date")
CHECKED = ("energy_kwh", "read_kwh")  # a stated total that differs from its bands is an error
SUMMED = ("energy_kwh", "read_kwh", "transformer_loss_kwh", "line_loss_kwh", "loss_kwh", "pf_adjust_yuan",
          "amount_yuan")
REGISTERS = ("prev_register", "curr_register")


def classify(text: pd.Series) -> pd.Series:
    """Each cell's band: sharp / peak / flat / valley / total ('' for an empty cell, None when not a band word)."""
    t = text.fillna("").astype("string").str.replace(r"\s+", "", regex=True).str.lower()
    out = pd.Series([None] * len(t), index=t.index, dtype=object)
    out[t == ""] = ""
    for band, words in _WORDS:
        hit = out.isna() & t.str.contains("|".join(words), regex=True).fillna(False).astype(bool)
        out[hit] = band
    return out


def is_band_total(df: pd.DataFrame) -> np.ndarray:
    """Rows that are a bill's total row in a band file (formats.check_totals leaves them out of a file total)."""
    if "band" not in df.columns or df.empty:
        return np.zeros(len(df), dtype=bool)
    band = classify(df["band"])
    return band.isin(["total", ""]).to_numpy(bool) & _is_band_file(band)


def _is_band_file(band: pd.Series) -> bool:
    return bool(band.isin(BANDS).any())


def collapse(ctx, df: pd.DataFrame) -> pd.DataFrame | None:
    """One row per account and period from a bill file with one row per time band (see the module doc)."""
    if "band" not in df.columns:
        return df
    band = classify(df["band"])
    df = df.drop(columns="band")
    interval = "ts" in df.columns and df["ts"].notna().any()
    if interval or not _is_band_file(band):
        return df  # a tariff label on intervals, or a column of other words: not a band file
    unknown = band.isna()
    if unknown.any():
        for line in df.loc[unknown, "_line"].head(50):
            ctx.file_problem("band_not_recognised", "write_band", column=ctx.header_of.get("band", "band"),
                             line=int(line))
        return None
    df = df.assign(_band=band.where(band != "", "total").to_numpy())
    keys = [k for k in KEY if k in df.columns]
    df["_bill"] = df.groupby(keys, dropna=False, sort=False).ngroup() if keys else 0
    n_errors = len(ctx.prep.errors)  # a file total found wrong before does not hide the bills' own checks
    _check_repeats(ctx, df)
    if len(ctx.prep.errors) > n_errors:
        return None
    is_band = df["_band"].isin(BANDS)
    bands, totals = df.loc[is_band], df.loc[~is_band]
    qty = [c for c in SUMMED if c in df.columns]
    summed = bands.groupby("_bill")[qty].sum(min_count=1) if qty else pd.DataFrame(index=bands["_bill"].unique())
    stated = totals.set_index("_bill")
    _check_stated(ctx, stated, summed, bands)
    if len(ctx.prep.errors) > n_errors:
        return None
    out = _bills(df, is_band, stated, summed, qty)
    n_bills = len(out)
    ctx.file_problem(msg("band_rows_read_as_bills", rows=len(df), bills=n_bills), "nothing_to_do", "info",
                     ctx.header_of.get("band", "band"))
    found = getattr(ctx.prep, "assumptions", None)
    if found is not None:
        found.append(msg("band_rows_read_as_bills", rows=len(df), bills=n_bills))
    return out.drop(columns=["_band", "_is_total"]).reset_index(drop=True)


def _bills(df: pd.DataFrame, is_band: pd.Series, stated: pd.DataFrame, summed: pd.DataFrame,
           qty: list[str]) -> pd.DataFrame:
    """One row per bill: the total row where there is one, else the first band row (text, period, _line);
    quantities stated or summed, registers stated or summed, each band's energy in its split column."""
    bands = df.loc[is_band]
    first = df.assign(_is_total=~is_band).sort_values(["_bill", "_is_total", "_line"], ascending=[True, False, True])
    out = first.drop_duplicates("_bill").set_index("_bill")
    for c in qty:
        total = summed[c].reindex(out.index)
        out[c] = stated[c].reindex(out.index).fillna(total) if c in stated.columns else total
    for c in REGISTERS:
        if c in df.columns:
            own = stated[c].reindex(out.index) if c in stated.columns else pd.Series(np.nan, index=out.index)
            out[c] = own.fillna(bands.groupby("_bill")[c].sum(min_count=1).reindex(out.index))
    energy = bands["energy_kwh"] if "energy_kwh" in bands.columns else pd.Series(np.nan, index=bands.index)
    if "read_kwh" in bands.columns:
        energy = energy.fillna(bands["read_kwh"])
    per_band = pd.DataFrame({"_bill": bands["_bill"], "_band": bands["_band"], "e": energy}).pivot_table(
        index="_bill", columns="_band", values="e", aggfunc="sum")
    for b in BANDS:
        if b in per_band.columns:
            out[SPLIT[b]] = per_band[b].reindex(out.index)
    return out


def _check_repeats(ctx, df: pd.DataFrame) -> None:
    """A band (or a total row) written twice for one bill is an error on the later line, naming the first."""
    dup = df.duplicated(["_bill", "_band"], keep=False)
    if not dup.any():
        return
    for (_bill, band), grp in df.loc[dup].groupby(["_bill", "_band"], sort=False):
        lines = [int(x) for x in grp["_line"]]
        ctx.file_problem(msg("band_repeated", band=msg(f"band_{band}"), lines=", ".join(map(str, lines))),
                         "keep_one_line", column=ctx.header_of.get("band", "band"), line=lines[-1])


def _check_stated(ctx, stated: pd.DataFrame, summed: pd.DataFrame, bands: pd.DataFrame) -> None:
    """A total row's energy must equal the sum of its band rows (or a band row went missing)."""
    for c in CHECKED:
        if c not in stated.columns or c not in summed.columns:
            continue
        want = stated[c]
        got = summed[c].reindex(want.index)
        off = want.notna() & got.notna() & ((want - got).abs() > 0.5 + 0.001 * want.abs())
        for bill in want.index[off.to_numpy(bool)]:
            lines = bands.loc[bands["_bill"] == bill, "_line"].tolist()
            line = int(stated.loc[bill, "_line"])
            ctx.file_problem(
                msg("band_total_differs", want=f"{want[bill]:g}", got=f"{got[bill]:g}",
                    lines=at_lines([(b, ln) for b, ln in zip(
                        [msg(f"band_{x}") for x in bands.loc[bands['_bill'] == bill, '_band']], lines,
                        strict=True)])),
                "fix_band_total", column=ctx.header_of.get(c, c), line=line)
