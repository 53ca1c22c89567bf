"""PV exports as inverter portals write them, turned into energy per interval, and checked against physics.

Huawei FusionSolar, Sungrow iSolarCloud, GoodWe SEMS, Solis and Growatt export

* station reports per day or month: 发电量 / 上网电量 (energy of the row's day or month);
* device histories every 5 or 15 minutes with power (kW or W) only, or with counters:
  当日发电量 / 日发电量 / E-Day rises through the day and restarts at midnight; 累计发电量 / 总发电量 /
  E-Total rises for the life of the inverter.

A counter is differenced, never summed (summing a day counter overstates energy about 100x). A column
that *behaves* as a running counter (never falls within a day and ends the day at its maximum, where a
power or interval-energy curve falls in the afternoon) is treated as one whatever its name.

Reset rule. The energy between two readings of the same device is ``c[t] - c[t-1]``. A day counter
restarts from 0 at midnight: the first reading of a day (after midnight) gives ``c[t]`` for the interval
from 0:00 to that reading; a reading at exactly 0:00 that has not fallen still closes the previous day.
A counter that falls (more than its rounding) restarted: ``c[t]`` is counted from 0, with a warning when
that happens inside a day (day counter) or at all (lifetime counter: a replaced or reset inverter).
The first reading of a lifetime counter only starts the count.

Physics (settings in data/load_checks.csv): no interval may exceed kWp x hours x margin, no day
kWp x the daily bound. Breaking either is an error that names the line, the value, the limit and the
likely cause.

The loader calls :func:`preparse` before the generic parsing and :func:`transform` as the kind's rule.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from etl.ingest.messages import Msg, at_lines, msg
from etl.store import data_files

SETTINGS_CSV = Path(__file__).resolve().parents[2] / "data" / "load_checks.csv"
TOTAL_WORDS = ("合计", "总计", "小计", "本页合计", "total", "sum")
FOOTER_WORDS = ("制表人", "制表", "打印时间", "导出时间", "备注", "说明", "审核人")
_MONTH_ONLY = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")
_SITE_IN_TITLE = re.compile(r"(?:电站名称|电站|站点名称|站点|plant(?:\s*name)?|station)\s*[:：]\s*(.+)", re.IGNORECASE)
# a portal's name for a site often adds the county and a suffix to the registry's name
_NAME_PREFIXES = ("广西", "柳州市", "鹿寨县", "xx县")
_NAME_SUFFIXES = ("屋顶分布式光伏发电项目", "分布式光伏发电项目", "屋顶分布式光伏电站", "分布式光伏电站",
                  "屋顶光伏发电站", "屋顶光伏电站", "光伏发电站", "光伏发电项目", "光伏电站", "屋顶光伏",
                  "分布式光伏", "光伏项目", "光伏", "电站")


@functools.cache
def settings() -> dict[str, float]:
    """The loader's physical bounds (data/load_checks.csv): key -> value."""
    return {r["key"]: float(r["value"]) for r in data_files.rows(SETTINGS_CSV)}


# ------------------------------------------------------------------ before parsing


def preparse(ctx, spec, df: pd.DataFrame, title_rows: list[list[str]]) -> pd.DataFrame:
    """Skip total and footer rows, turn month-only times (monthly reports) into the month's first day."""
    df.attrs["title_rows"] = title_rows
    if "ts" not in df.columns or df.empty:
        return df
    ts = df["ts"].fillna("").astype("string").str.strip()
    # only lines whose time does not start with a digit can be totals or footers (cheap on big files)
    odd = ~ts.str.match(r"^\d").fillna(False).astype(bool)
    if not odd.any():
        return _months(df)
    first_cells = ts.str.lower()
    if "site" in df.columns:
        first_cells = first_cells + " " + df["site"].fillna("").astype("string").str.lower()
    total = first_cells.str.contains("|".join(TOTAL_WORDS), regex=True) & ~ts.str.match(r"^\d{4}")
    footer = ts.str.startswith(FOOTER_WORDS) | (
        df.drop(columns=["_line", "ts"]).fillna("").astype("string").apply(lambda c: c.str.strip() == "").all(axis=1)
        & ts.str.contains("|".join(FOOTER_WORDS), regex=True))
    total, footer = total & odd, footer & odd
    # the rows a portal labels more loosely (月合计, Total: …) join the file's other total rows: one note,
    # and formats.check_totals checks every stated total against the rows it covers
    from etl.ingest import formats

    if total.any():
        label = first_cells.str.replace(r"\s+", "", regex=True).str.rstrip(":：")
        df.attrs["total_rows"] = sorted(
            list(df.attrs.get("total_rows") or []) +
            [(int(df["_line"].iat[i]), str(label.iat[i]),
              {c: str(df[c].iat[i] if pd.notna(df[c].iat[i]) else "").strip()
               for c in ("generation_kwh", "export_kwh") if c in df.columns})  # counters are not summed
             for i in np.flatnonzero(total.to_numpy(bool))], key=lambda r: r[0])
        formats.skipped_note(ctx, [int(x) for x in df.loc[total, "_line"]], "total")
    if footer.any():
        formats.skipped_note(ctx, [int(x) for x in df.loc[footer, "_line"]], "footer")
    attrs = dict(df.attrs)
    df = df.loc[~(total | footer)].reset_index(drop=True)
    df.attrs.update(attrs)
    return _months(df)


def _months(df: pd.DataFrame) -> pd.DataFrame:
    """Monthly reports: '2024-06', '2024年6月', '202406' become the month's first day, marked monthly."""
    ts = df["ts"].fillna("").astype("string").str.strip()
    sample = ts[ts != ""].head(1)
    if sample.empty or not _MONTH_ONLY.match(str(sample.iloc[0])):
        return df
    month = ts.str.extract(_MONTH_ONLY)
    is_month = month[0].notna() & (ts != "")
    if len(df) and is_month[ts != ""].all() and (ts != "").any():
        mm = month[1].fillna(month[2])
        ok = pd.to_numeric(mm, errors="coerce").between(1, 12)
        df.loc[ok, "ts"] = month[0][ok] + "-" + mm[ok].str.zfill(2) + "-01"
        df.attrs["pv_monthly"] = True
    return df


def add_assumption(ctx, sentence: Msg) -> None:
    """An assumption the preview lists (a code of the catalogue in etl/ingest/messages.py and its values)."""
    found = getattr(ctx.prep, "assumptions", None)
    if found is not None and sentence not in found:
        found.append(sentence)


# ------------------------------------------------------------------ sites


def _norm(name: str) -> str:
    return re.sub(r"[\s()（）\-_·]", "", unicodedata.normalize("NFKC", str(name))).lower()


def _core(name: str) -> str:
    n = _norm(name)
    for p in _NAME_PREFIXES:
        if n.startswith(p) and len(n) > len(p) + 1:
            n = n[len(p):]
    for s in _NAME_SUFFIXES:
        if n.endswith(s) and len(n) > len(s) + 1:
            n = n[: -len(s)]
            break
    return n


def site_map(con, refs: pd.Series) -> tuple[pd.Series, dict[str, str]]:
    """site_id for each name as written (id, name, alias; else the name without county and suffix, when unique).

    Returns (site ids, {name as written: site_id} of the names matched only by their core).
    """
    sites = con.execute("SELECT site_id, name, aliases FROM pv_sites").fetchall()
    exact: dict[str, set[str]] = {}
    core: dict[str, set[str]] = {}
    for sid, name, aliases in sites:
        names = [sid, name, *re.split(r"[;；、|,，]", aliases or "")]
        for n in filter(None, (x.strip() for x in names)):
            exact.setdefault(_norm(n), set()).add(sid)
            core.setdefault(_core(n), set()).add(sid)
    out, loose = {}, {}
    for ref in refs.dropna().unique():
        hit = exact.get(_norm(ref))
        if hit and len(hit) == 1:
            out[ref] = next(iter(hit))
            continue
        hit = core.get(_core(ref))
        if hit and len(hit) == 1 and _core(ref):
            out[ref] = loose[ref] = next(iter(hit))
    return refs.map(out), loose


def _site_from_title(title_rows: list[list[str]]) -> str | None:
    for row in title_rows:
        cells = [str(c).strip() for c in row if str(c).strip()]
        for i, cell in enumerate(cells):
            m = _SITE_IN_TITLE.search(cell)
            if m and m.group(1).strip():
                return m.group(1).strip()
            if re.fullmatch(r"(电站名称|电站|站点名称)[:：]?", cell) and i + 1 < len(cells):
                return cells[i + 1]
    return None


# ------------------------------------------------------------------ counters


def _entity(df: pd.DataFrame) -> list[str]:
    return ["site_id", "device"]


def behaves_as_counter(df: pd.DataFrame, col: str) -> str | None:
    """'day' or 'total' when the column runs as a counter on most judged days, else None.

    A day is judged when a device has at least 6 values on it, some above 0, and a reading at or after
    15:00. It looks like a counter when the values never fall (beyond 1 % of the day's maximum) and the
    last is at the day's maximum. Day vs lifetime: whether the first value of a day restarts near 0.
    """
    d = _sorted(df.loc[df[col].notna() & df["ts"].notna(), ["site_id", "device", "ts", col]])
    if d.empty:
        return None
    d["day"] = d["ts"].dt.normalize()
    # fast exit: a counter almost never falls between two readings of the same device and day
    v = d[col].to_numpy(float)
    same = (d["site_id"].to_numpy() == np.roll(d["site_id"].to_numpy(), 1)) & \
        (d["device"].to_numpy() == np.roll(d["device"].to_numpy(), 1)) & \
        (d["day"].to_numpy() == np.roll(d["day"].to_numpy(), 1))
    same[0] = False
    falls = same & (v < np.roll(v, 1) - 0.01 * np.abs(np.roll(v, 1)) - 1e-9)
    if same.any() and falls.sum() > 0.1 * same.sum():
        return None
    keys = ["site_id", "device", "day"]
    g = d.groupby(keys, sort=False, dropna=False)[col]
    step = g.diff()
    stats = pd.DataFrame({"n": g.size(), "max": g.max(), "last": g.last(), "first": g.first(),
                          "min_step": step.groupby([d[k] for k in keys], sort=False, dropna=False).min(),
                          "last_hour": d.groupby(keys, sort=False, dropna=False)["ts"].max().dt.hour})
    judged = (stats["n"] >= 6) & (stats["max"] > 0) & (stats["last_hour"] >= 15)
    if not judged.any():
        return None
    tol = 0.01 * stats["max"] + 1e-9
    like = judged & (stats["min_step"].fillna(0) >= -tol) & (stats["last"] >= 0.95 * stats["max"])
    if like.sum() < settings()["pv_counter_day_share"] * judged.sum():
        return None
    s = stats.reset_index().sort_values(keys)
    prev_last = s.groupby(["site_id", "device"], dropna=False)["last"].shift(1)
    moved = prev_last.notna()
    if moved.any():
        restarted = s["first"] < 0.2 * prev_last
        return "day" if restarted[moved].mean() >= 0.5 else "total"
    return "day" if (s["first"] <= 0.1 * s["max"]).all() else "total"


def difference(ctx, df: pd.DataFrame, col: str, reset: str) -> pd.DataFrame:
    """Counter readings -> energy per interval, per device (see the module's reset rule).

    Returns site_id, device, ts (interval start), interval_min, <col> (energy, kWh), _line (of the reading
    that closes the interval).
    """
    from etl.ingest.loader import MAX_PROBLEMS_PER_CHECK, Problem

    d = df.loc[df[col].notna() & df["ts"].notna(), ["site_id", "device", "ts", col, "_line"]]
    d = d.sort_values(["site_id", "device", "ts", "_line"]).reset_index(drop=True)
    c = d[col].astype(float)
    grp = d.groupby(["site_id", "device"], sort=False, dropna=False)
    prev_c, prev_ts = grp[col].shift(1).astype(float), grp["ts"].shift(1)
    first = prev_ts.isna()
    midnight = d["ts"] == d["ts"].dt.normalize()
    new_day = ~first & (prev_ts.dt.normalize() != d["ts"].dt.normalize())
    tol = 0.05 + 0.001 * prev_c.abs()
    diff = c - prev_c
    fell = ~first & (diff < -tol)
    if reset == "day":
        restart = fell | (new_day & ~midnight)
        energy = np.where(restart, c, diff.clip(lower=0))
        start = prev_ts.where(~(restart & new_day & ~midnight), d["ts"].dt.normalize())
        # the first reading of a device: a day counter has counted from 0 since midnight
        from_midnight = first & ~midnight
        energy = np.where(from_midnight, c, energy)
        start = start.where(~from_midnight, d["ts"].dt.normalize())
        odd = fell & ~new_day
        fell_code = "day_counter_fell"
        keep = ~first | from_midnight
    else:
        energy = np.where(fell, c, diff.clip(lower=0))
        start = prev_ts
        odd = fell
        fell_code = "lifetime_counter_fell"
        keep = ~first
    column = ctx.header_of.get(col, col)
    for i in np.flatnonzero(odd.to_numpy())[:MAX_PROBLEMS_PER_CHECK]:
        ctx.prep.problems.append(Problem(ctx.prep.file_name, int(d["_line"].iat[i]), column,
                                         f"{prev_c.iat[i]:g} -> {c.iat[i]:g}", fell_code,
                                         "fix_counter_fell", "warning"))
    starts = d.loc[first & ~keep]
    if len(starts):
        names = at_lines((dev or sid, ln) for sid, dev, ln in
                         zip(starts["site_id"], starts["device"], starts["_line"], strict=True))
        ctx.file_problem(msg("first_device_reading_starts_count", lines=names),
                         "fix_first_reading",
                         "info", column)
    out = pd.DataFrame({"site_id": d["site_id"], "device": d["device"], "ts": start, col: energy,
                        "_line": d["_line"]})
    out["interval_min"] = ((d["ts"] - start).dt.total_seconds() / 60).round()
    out = out.loc[keep.to_numpy() & (out["interval_min"] > 0).to_numpy()]
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ the kind's rule


def transform(ctx, spec, df: pd.DataFrame) -> pd.DataFrame | None:  # noqa: C901 - to split (listed in the README)
    """PV rows of any portal shape -> pv_production rows (site_id, ts, interval_min, generation, export)."""
    from etl.ingest import loader

    if not _sites(ctx, df):
        return None
    if "device" not in df.columns:
        df["device"] = ""
    df["device"] = df["device"].fillna("").astype(str)
    ctx.report(df, df.get("generation_kwh", pd.Series(0.0, index=df.index)) < 0, "generation_kwh",
               "negative_generation", "check_value")
    if "export_kwh" in df.columns:
        ctx.report(df, df["export_kwh"] < 0, "export_kwh", "negative_export", "check_value")
    for c in ("day_counter_kwh", "total_counter_kwh", "power_kw"):
        if c in df.columns:
            ctx.report(df, df[c] < 0, c, "negative_counter", "check_value")
    if ctx.prep.errors:
        return None
    kept = _no_repeats(ctx, df)
    if kept is None:
        return None
    df = kept
    have = [c for c in ("generation_kwh", "day_counter_kwh", "total_counter_kwh", "power_kw")
            if c in df.columns and df[c].notna().any()]
    if not have:
        ctx.file_problem("no_energy_column", "export_generation_or_counters")
        return None
    monthly = bool(df.attrs.get("pv_monthly"))
    at_midnight = (df["ts"] == df["ts"].dt.normalize()).all()
    one_a_day = not df.assign(_day=df["ts"].dt.normalize()).duplicated(["site_id", "device", "_day"]).any()
    resolution = "month" if monthly else "day" if at_midnight and one_a_day else "interval"
    df.attrs["resolution"] = resolution
    gen = _energy(ctx, df, resolution, have, "generation_kwh")
    if gen is None:
        return None
    out = gen
    if "export_kwh" in df.columns and df["export_kwh"].notna().any():
        exp = _energy(ctx, df, resolution, ["generation_kwh"], "export_kwh", source="export_kwh")
        if exp is not None:
            out = out.merge(exp[["site_id", "device", "ts", "export_kwh"]], on=["site_id", "device", "ts"],
                            how="left")
    if "export_kwh" not in out.columns:
        out["export_kwh"] = np.nan
    # several inverters of one site: one row per site and interval
    if out.duplicated(["site_id", "ts"]).any():
        g = out.groupby(["site_id", "ts"], sort=True)
        out = pd.concat([g[["generation_kwh", "export_kwh"]].sum(min_count=1), g["interval_min"].max(),
                         g["_line"].min()], axis=1).reset_index()
    else:
        out = out.sort_values(["site_id", "ts"]).reset_index(drop=True)
    out["interval_min"] = out["interval_min"].astype("int64")
    if "export_kwh" in df.columns:
        over = out["export_kwh"] > out["generation_kwh"] + 1e-6
        ctx.report(out, over, "export_kwh", "export_above_generation", "check_both_columns")
    check_physics(ctx, out, df)
    if ctx.prep.errors:
        return None
    return loader._select(ctx, spec, out)


def _sites(ctx, df: pd.DataFrame) -> bool:
    if "site" not in df.columns or df["site"].isna().all():
        name = _site_from_title(df.attrs.get("title_rows", []))
        if name is None:
            ctx.file_problem("no_site_column",
                             "add_site_column")
            return False
        df["site"] = name
        ctx.file_problem(msg("site_from_title", name=name), "nothing_to_do", "info")
    ids, loose = site_map(ctx.con, df["site"])
    df["site_id"] = ids
    for ref, sid in loose.items():
        ctx.file_problem(msg("site_matched_loosely", name=ref, site=sid),
                         "add_site_alias", "info", ctx.header_of.get("site", "site"))
        add_assumption(ctx, msg("site_matched_loosely", name=ref, site=sid))
    ref = df["site"].fillna("")
    ctx.report(df, df["site_id"].isna() & (ref != ""), "site", "site_not_in_registry",
               "add_site_or_alias")
    ctx.report(df, ref == "", "site", "value_missing", "fill_value")
    return not ctx.prep.errors


def _no_repeats(ctx, df: pd.DataFrame) -> pd.DataFrame | None:
    """Repeated readings of one device and time: identical ones are ignored (the frame without them is
    returned), different ones are an error (None)."""
    key = ["site_id", "device", "ts"]
    same = df.duplicated(key, keep=False)
    if not same.any():
        return df
    values = [c for c in ("generation_kwh", "day_counter_kwh", "total_counter_kwh", "power_kw", "export_kwh")
              if c in df.columns]
    exact = df.duplicated(key + values, keep="first")
    ctx.report(df, exact, "ts", "reading_repeated", "repeat_ignored", "warning")
    df = df.drop(index=df.index[exact])
    conflict = df.duplicated(key, keep="first")
    ctx.report(df, conflict, "ts", "pv_value_conflict",
               "keep_one_line")
    return None if ctx.prep.errors else df


def _energy(ctx, df: pd.DataFrame, resolution: str, have: list[str], target: str,
            source: str | None = None) -> pd.DataFrame | None:
    """Energy per row of the target column (generation or export) from the best column the file has."""
    base = ["site_id", "device", "ts", "_line"]
    col = source or next(c for c in ("generation_kwh", "day_counter_kwh", "total_counter_kwh", "power_kw")
                         if c in have)
    header = ctx.header_of.get(col, col)
    if resolution == "interval":
        if col in ("generation_kwh", "export_kwh"):
            runs = behaves_as_counter(df, col)
            if runs is None:
                out = df.loc[df[col].notna(), base + [col]].copy()
                out["interval_min"] = _steps(df, out)
                return out.rename(columns={col: target})
            summed = float(df[col].sum())
            out = difference(ctx, df, col, runs)
            done = float(out[col].sum())
            said = msg("day_counter_summed" if runs == "day" else "lifetime_counter_summed", header=header,
                       done=f"{done:.1f}", summed=f"{summed:.1f}")
            ctx.file_problem(said, "fix_counter_summed", "warning",
                             header)
            add_assumption(ctx, said)
            return out.rename(columns={col: target})
        if col in ("day_counter_kwh", "total_counter_kwh"):
            out = difference(ctx, df, col, "day" if col == "day_counter_kwh" else "total")
            said = msg("day_counter_per_interval" if col == "day_counter_kwh" else "lifetime_counter_per_interval",
                       header=header)
            ctx.file_problem(said, "nothing_to_do", "info", header)
            add_assumption(ctx, said)
            return out.rename(columns={col: target})
        out = df.loc[df[col].notna(), base + [col]].copy()
        out["interval_min"] = _steps(df, out)
        out[target] = out[col] * out["interval_min"] / 60.0
        steps = [msg("minutes", n=f"{m:g}") for m in sorted(out["interval_min"].unique())[:5]]
        said = msg("power_to_energy", steps=steps)
        ctx.file_problem(said, "fix_power_to_energy", "info", header)
        add_assumption(ctx, said)
        return out.drop(columns=col)
    if col == "power_kw":
        ctx.file_problem("power_only_daily",
                         "export_generation")
        return None
    minutes = _period_minutes(df["ts"], resolution)
    if col == "total_counter_kwh":
        d = df.assign(interval_min=minutes)
        out = difference(ctx, d, col, "total")
        out["interval_min"] = _period_minutes(out["ts"], resolution).to_numpy()
        said = msg("lifetime_counter_per_day" if resolution == "day" else "lifetime_counter_per_month", header=header)
        ctx.file_problem(said, "nothing_to_do", "info", header)
        add_assumption(ctx, said)
        return out.rename(columns={col: target})
    out = df.loc[df[col].notna(), base + [col]].copy()
    out["interval_min"] = minutes[out.index]
    if col == "day_counter_kwh":
        said = msg("daily_value_as_energy", header=header)
        ctx.file_problem(said, "nothing_to_do", "info", header)
        add_assumption(ctx, said)
    return out.rename(columns={col: target})


def _sorted(d: pd.DataFrame) -> pd.DataFrame:
    """Rows by site, device and time (integer codes sort much faster than the names)."""
    order = np.lexsort((d["ts"].to_numpy(), pd.factorize(d["device"])[0], pd.factorize(d["site_id"])[0]))
    return d.iloc[order]


def _steps(df: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Each row's interval length in minutes: the usual step between readings of the same device."""
    d = _sorted(df[["site_id", "device", "ts"]])
    steps = d.groupby(["site_id", "device"], dropna=False)["ts"].diff().dt.total_seconds() / 60
    med = steps.groupby([d["site_id"], d["device"]], dropna=False).transform("median")
    return med.fillna(60.0).clip(lower=1, upper=1440).round().reindex(rows.index)


def _period_minutes(ts: pd.Series, resolution: str) -> pd.Series:
    if resolution == "month":
        return (ts.dt.days_in_month * 1440).astype("int64")
    return pd.Series(1440, index=ts.index, dtype="int64")


def _unit_factor(ctx, df: pd.DataFrame, col: str) -> float:
    from etl.ingest.kinds import KINDS

    unit = df.attrs.get("units", {}).get(col, "").replace(" ", "")
    return KINDS["pv"].col(col).units.get(unit, 1.0) if unit else 1.0


# ------------------------------------------------------------------ physics


def likely_cause(kwh_per_kwp_h: float, interval_min: float, unit: str, counter_like: bool) -> str:
    """The most probable reason a PV value breaks the bound, from how far it is over (a code of the catalogue)."""
    per_hour = 60.0 / interval_min if interval_min else 1.0
    if unit in ("mwh", "兆瓦时", "万kwh", "万千瓦时") and kwh_per_kwp_h > 50:
        return "cause_kwh_under_mwh"
    if kwh_per_kwp_h > 300:
        return "cause_wh_or_mwh"
    if counter_like:
        return "cause_running_total"
    if interval_min < 60 and 0.4 * per_hour <= kwh_per_kwp_h <= 1.3 * per_hour:
        return "cause_power_as_energy"
    return "cause_running_total_or_kwp"


def check_physics(ctx, out: pd.DataFrame, df: pd.DataFrame) -> None:
    """Errors for intervals above kWp x hours x margin and days above kWp x the daily bound."""
    from etl.ingest.loader import MAX_PROBLEMS_PER_CHECK, Problem

    cfg = settings()
    margin, daily = cfg["pv_interval_margin"], cfg["pv_daily_kwh_per_kwp"]
    kwp = dict(ctx.con.execute("SELECT site_id, dc_kwp FROM pv_sites WHERE dc_kwp > 0").fetchall())
    size = out["site_id"].map(kwp).astype(float)
    if size.isna().any():
        missing = ", ".join(sorted(out.loc[size.isna(), "site_id"].unique()))
        ctx.file_problem(msg("no_kwp", sites=missing),
                         "fill_kwp", "warning")
    hours = out["interval_min"] / 60.0
    per_day = out["interval_min"] >= 1440
    limit = np.where(per_day, size * daily * hours / 24.0, size * hours * margin)
    gen = out["generation_kwh"]
    over = (gen > limit) & size.notna()
    units = df.attrs.get("units", {})
    header = ctx.header_of.get("generation_kwh", "generation_kwh")
    unit = units.get("generation_kwh", "").replace(" ", "")
    counter_like = "generation_kwh" in df.columns and df.attrs.get("resolution") != "interval" and \
        _rises(df, "generation_kwh")
    # one cause for the file, judged from its largest excess (a unit or column mistake affects every row)
    ratio = (gen / (size * hours)).where(over)
    worst = int(np.nanargmax(ratio.to_numpy())) if over.any() else 0
    file_cause = likely_cause(float(ratio.iat[worst]), float(out["interval_min"].iat[worst]), unit, counter_like) \
        if over.any() else ""
    n = 0
    for i in np.flatnonzero(over.to_numpy()):
        if n >= MAX_PROBLEMS_PER_CHECK:
            ctx.file_problem(msg("more_rows_same_problem", n=int(over.sum()) - n, message=msg("above_physical_bound")),
                             "fix_above_bound")
            break
        r = out.iloc[i]
        cause = file_cause
        bound = f"{size.iat[i]:g} kWp x {daily:g} kWh/kWp x {hours.iat[i] / 24:g} d" if per_day.iat[i] else \
            f"{size.iat[i]:g} kWp x {hours.iat[i]:g} h x {margin:g}"
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, int(r["_line"]), header, f"{r['generation_kwh']:.1f}",
            msg("above_bound_interval", value=f"{r['generation_kwh']:.1f}", minutes=int(r["interval_min"]),
                site=r["site_id"], bound=bound, limit=f"{limit[i]:.1f}", reason=msg(cause)),
            "fix_above_bound"))
        n += 1
    # days: interval rows summed per site and day
    iv = out.loc[~per_day & size.notna() & ~over]
    if iv.empty:
        return
    day = iv.assign(day=iv["ts"].dt.normalize()).groupby(["site_id", "day"], as_index=False).agg(
        kwh=("generation_kwh", "sum"), _line=("_line", "max"), minutes=("interval_min", "min"))
    day["limit"] = day["site_id"].map(kwp) * daily
    for _, r in day.loc[day["kwh"] > day["limit"]].head(MAX_PROBLEMS_PER_CHECK).iterrows():
        cause = likely_cause(r["kwh"] / (r["limit"] / daily * 24.0), r["minutes"], unit,
                             _rises(df, "generation_kwh"))
        ctx.prep.problems.append(Problem(
            ctx.prep.file_name, int(r["_line"]), header, f"{r['kwh']:.1f}",
            msg("above_bound_day", value=f"{r['kwh']:.1f}", day=f"{r['day']:%Y-%m-%d}", site=r["site_id"],
                kwp=f"{r['limit'] / daily:g}", bound=f"{daily:g}", limit=f"{r['limit']:.1f}", reason=msg(cause)),
            "fix_above_bound"))


def _rises(df: pd.DataFrame, col: str) -> bool:
    """The column mostly rises from row to row of each device (a running total read as energy)."""
    if col not in df.columns:
        return False
    d = df.loc[df[col].notna()].sort_values(["site_id", "device", "ts"])
    step = d.groupby(["site_id", "device"], dropna=False)[col].diff().dropna()
    return len(step) >= 3 and (step >= 0).mean() >= 0.9 and (step > 0).mean() >= 0.5
