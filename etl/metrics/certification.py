"""Certification tracker: 节约型机关 (jieyue) and 节水型单位 (jieshui), defined once.

The certification page, `python -m etl cert ...` and the KPI page's certification cards read these functions.

Model
- Stages are data (data/cert_stages.csv, the Guangxi 2023 sequence). Every change of stage is a row of the
  `certifications` table (unit, program, stage, date, note), written by the loader: an officer's file, the page's
  form and `cert set-stage` all go through it, so who made a change is the batch's `loaded_by` and every change is
  undone like any other batch. The state on a date is a query over those rows (`state`), never a second table.
- Tasks are data (data/cert_tasks.csv): program, units, stage to reach, deadline. A unit counts towards a task when
  its stage on the deadline (or on the as-of date, when earlier) has at least the task stage's rank; `not_passed`
  has rank 0 and counts for nothing.
- Scoring sheets are data (data/cert_items_<program>.csv). Per unit and item, officers' marks (state, score, note)
  live in `cert_item_marks` and evidence files in `cert_evidence` (files stored by content hash beside the
  database). Both are histories: a change is a new row; undo marks a row undone and the row before counts again.
- Computed items are answered from the database for the scoring year (the last calendar year complete on the
  as-of date): metering coverage, ledger completeness, water per person against the type's average, year-on-year
  energy per m² and per person, water per person against the year before, suspected-leak months (anomaly rules).
  An officer may override a computed item only with a note; the mark keeps the officer's score and the computed
  value and score of that moment, and the live computed figures stay visible next to it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl.metrics import anomalies, figures, years
from etl.store.db import DATA_DIR

STAGES_CSV = DATA_DIR / "cert_stages.csv"
TASKS_CSV = DATA_DIR / "cert_tasks.csv"
SETTINGS_CSV = DATA_DIR / "cert_settings.csv"
PROGRAMS = ("jieyue", "jieshui")
PROGRAM_ZH = {"jieyue": "节约型机关", "jieshui": "节水型单位"}
MARK_STATES = ("todo", "in_progress", "met", "not_met")
# scoring method -> (meter kinds it looks at, comparison of value against threshold for a pass)
COMPUTED = {
    "metering_water": ("water", ">="), "metering_all": ("all", ">="),
    "ledger_water": ("water", ">="), "ledger_all": ("all", ">="),
    "water_per_person": ("water", "<="), "yoy_energy": ("electricity", "<"), "yoy_water": ("water", "<="),
    "leaks": ("water", "<="),
}
NAME_ZH = {"energy_kgce_per_m2": "单位面积能耗", "energy_kgce_per_person": "人均能耗",
           "water_m3_per_person": "人均用水"}
WRITER_ROLES = ("officer", "admin", "cli")  # cli: someone with shell access to the database
# evidence file types, told apart by their first bytes (and, for the Office formats, the zip's main part)
EVIDENCE_TYPES = ("pdf", "jpg", "png", "xlsx", "docx")


@lru_cache(maxsize=16)
def _read(path: Path, mtime: float) -> pd.DataFrame:
    return pd.read_csv(path, comment="#")


def _read_csv(path: Path) -> pd.DataFrame:
    """A data file of the tracker, re-read when it changes."""
    return _read(path, path.stat().st_mtime).copy()


class CertError(ValueError):
    """A write refused: the message is a sentence for the user (what is wrong, how to fix it)."""


# ------------------------------------------------------------------ data files


def stages() -> pd.DataFrame:
    """stage, rank, seq, name_zh, name_en, aliases, source — in funnel order (seq)."""
    return _read_csv(STAGES_CSV).sort_values("seq").reset_index(drop=True)


def stage_aliases() -> dict[str, str]:
    """Every word a file may use for a stage -> the stage code (the loader's choices)."""
    out = {}
    for r in stages().itertuples():
        for alias in str(r.aliases).split("|"):
            out[alias.strip()] = r.stage
    return out


def tasks() -> pd.DataFrame:
    """program, year, units, stage, deadline, confirmed, source."""
    df = _read_csv(TASKS_CSV)
    df["deadline"] = pd.to_datetime(df["deadline"]).dt.date
    return df


def settings() -> dict[str, float]:
    return {r.setting: float(r.value) for r in _read_csv(SETTINGS_CSV).itertuples()}


def settings_table() -> pd.DataFrame:
    return _read_csv(SETTINGS_CSV)


def items(program: str) -> pd.DataFrame:
    """The program's scoring sheet: item_id, area, texts, points, starred (bool), pass_mark, scoring, threshold …"""
    _check_program(program)
    df = _read_csv(DATA_DIR / f"cert_items_{program}.csv")
    df["starred"] = df["starred"].astype(str).str.lower().isin(("yes", "true", "1"))
    df["computed"] = df["scoring"] != "manual"
    df["confirmed"] = df["confirmed"].astype(str).str.lower().isin(("yes", "true", "1"))
    return df


def pass_mark(program: str) -> float:
    return float(items(program)["pass_mark"].max())


def _check_program(program: str) -> None:
    if program not in PROGRAMS:
        raise CertError(f"unknown program {program!r}: use jieyue (节约型机关) or jieshui (节水型单位)")


def _day(value: str | date | datetime) -> date:
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError) as exc:
        raise CertError(f"{value!r} is not a date: write it as YYYY-MM-DD") from exc


def scoring_year(as_of: str | date) -> int:
    """The last calendar year complete on the as-of date (a self-assessment looks at a whole year)."""
    d = _day(as_of)
    return d.year if (d.month, d.day) == (12, 31) else d.year - 1


# ------------------------------------------------------------------ stages


def _stages_rel(con: duckdb.DuckDBPyConnection) -> None:
    con.register("_stages", stages()[["stage", "rank", "seq"]])


def history(con: duckdb.DuckDBPyConnection, program: str | None = None,
            institution_id: str | None = None) -> pd.DataFrame:
    """Every stage row (oldest first): unit, program, stage, date, who (the batch's loader), note, batch."""
    return con.execute("""
        SELECT c.institution_id, c.program, c.stage, c.stage_date, b.loaded_by AS who, c.note, c.batch_id,
               b.file_name, b.loaded_at
        FROM certifications c LEFT JOIN load_batches b USING (batch_id)
        WHERE (? IS NULL OR c.program = ?) AND (? IS NULL OR c.institution_id = ?)
        ORDER BY c.institution_id, c.program, c.stage_date, c.batch_id""",
                       [program, program, institution_id, institution_id]).df()


def state(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date) -> pd.DataFrame:
    """Each unit's stage on the date: the latest stage row dated on or before it (same day: the later stage in
    the funnel's order). Columns: institution_id, name, type, township, stage, stage_since, rank, seq,
    days_in_stage."""
    _check_program(program)
    d = _day(as_of)
    _stages_rel(con)
    try:
        return con.execute("""
            WITH s AS (
                SELECT c.institution_id, c.stage, c.stage_date, coalesce(g.rank, 0) AS rank,
                       coalesce(g.seq, 99) AS seq,
                       row_number() OVER (PARTITION BY c.institution_id
                                          ORDER BY c.stage_date DESC, coalesce(g.seq, 99) DESC) AS rk
                FROM certifications c LEFT JOIN _stages g USING (stage)
                WHERE c.program = ? AND c.stage_date <= ?)
            SELECT s.institution_id, i.name, i.type, i.township, s.stage, s.stage_date AS stage_since,
                   s.rank, s.seq, date_diff('day', s.stage_date, ?::DATE) AS days_in_stage
            FROM s LEFT JOIN institutions i USING (institution_id)
            WHERE s.rk = 1 ORDER BY s.institution_id""", [program, d, d]).df()
    finally:
        con.unregister("_stages")


def funnel(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date) -> dict[str, int]:
    """stage -> units in it on the date, every stage of data/cert_stages.csv in funnel order (zeros kept)."""
    counts = state(con, program, as_of)["stage"].value_counts().to_dict()
    out = {s: int(counts.pop(s, 0)) for s in stages()["stage"]}
    out.update({str(s): int(n) for s, n in counts.items()})  # a stage a file used that the table lacks
    return out


def task_for(program: str, as_of: str | date) -> dict | None:
    """The task that applies on the date: the first whose deadline is on or after it, else the last one."""
    tk = tasks()
    tk = tk[tk["program"] == program].sort_values("deadline")
    if tk.empty:
        return None
    d = _day(as_of)
    upcoming = tk[tk["deadline"] >= d]
    row = (upcoming.iloc[0] if len(upcoming) else tk.iloc[-1]).to_dict()
    return {"program": program, "year": int(row["year"]), "units": int(row["units"]), "stage": row["stage"],
            "deadline": row["deadline"].isoformat(), "confirmed": str(row["confirmed"]).lower() == "yes",
            "source": row["source"]}


def task_status(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date,
                task: dict | None = None) -> dict | None:
    """The task with units_reached (units at or past its stage on min(as_of, deadline)) and status:
    met / not_met (deadline passed) / on_course (reached already) / open."""
    task = task or task_for(program, as_of)
    if task is None:
        return None
    d, deadline = _day(as_of), _day(task["deadline"])
    counted_on = min(d, deadline)
    rank = dict(zip(stages()["stage"], stages()["rank"], strict=True))
    need = rank.get(task["stage"])
    if need is None:
        raise CertError(f"{TASKS_CSV.name}: task stage {task['stage']!r} is not in {STAGES_CSV.name}; "
                        "use one of its stage codes")
    st_ = state(con, program, counted_on)
    reached = int((st_["rank"] >= need).sum())
    if reached >= task["units"]:
        status = "met" if d >= deadline else "on_course"
    else:
        status = "not_met" if d >= deadline else "open"
    return {**task, "units_reached": reached, "counted_on": counted_on.isoformat(),
            "days_left": (deadline - d).days, "status": status}


def _writer(role: str | None, user: str | None) -> None:
    """Every write checks the role itself (the page hides the controls too)."""
    if role not in WRITER_ROLES or not user:
        raise PermissionError("only a logged-in officer or admin may change certification records")


def set_stage(con: duckdb.DuckDBPyConnection, institution_id: str, program: str, stage: str,
              stage_date: str | date, note: str | None, user: str, role: str) -> int:
    """Record a change of stage as a one-row certifications batch through the loader (same checks, same history
    and undo as an uploaded file). Returns the batch id."""
    from etl.ingest import loader
    from etl.ingest.kinds import PROGRAMS as PROGRAM_WORDS

    _writer(role, user)
    program = PROGRAM_WORDS.get(program, program)
    _check_program(program)
    code = stage_aliases().get(stage, stage)
    if code not in set(stages()["stage"]):
        raise CertError(f"unknown stage {stage!r}: use one of " + ", ".join(stages()["stage"]))
    d = _day(stage_date)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["单位编码", "创建类型", "阶段", "阶段日期", "备注"])
    w.writerow([institution_id, program, code, d.isoformat(), note or ""])
    name = f"set-stage {institution_id} {program} {code} {d.isoformat()} {datetime.now():%Y%m%d%H%M%S%f}"
    prep = loader.prepare(con, buf.getvalue().encode(), name, "certifications")
    if not prep.ok:
        raise CertError("; ".join(p.format("en") for p in prep.errors))
    return loader.commit(con, prep, user)


def undo_stage(con: duckdb.DuckDBPyConnection, batch_id: int, user: str, role: str,
               institution_id: str | None = None) -> None:
    """Undo the batch that wrote a stage row (the loader's undo rule applies). With institution_id (the unit
    view), only a batch of that unit alone: a whole file is undone on the upload history page."""
    from etl.ingest import loader

    _writer(role, user)
    row = con.execute("SELECT kind, file_name FROM load_batches WHERE batch_id = ?", [batch_id]).fetchall()
    if not row or row[0][0] != "certifications":
        raise CertError(f"batch {batch_id} is not a certification batch")
    if institution_id is not None:
        others = con.execute("SELECT count(DISTINCT institution_id) FROM certifications WHERE batch_id = ? "
                             "AND institution_id <> ?", [batch_id, institution_id]).fetchall()[0][0]
        if others:
            raise CertError(f"batch {batch_id} is the file {Path(row[0][1]).name} with rows of {others + 1} units; "
                            "undo the whole file on the upload history page")
    try:
        loader.undo(con, batch_id, user)
    except ValueError as exc:
        raise CertError(str(exc)) from exc


# ------------------------------------------------------------------ computed items


def _meter_months(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """Per consumption meter of the year: institution, kind, months with a figure, estimated months."""
    return con.execute("""
        SELECT mt.meter_id, mt.institution_id, mt.kind,
               count(mm.month) AS months, count(*) FILTER (WHERE mm.estimated) AS estimated_months
        FROM meters mt LEFT JOIN meter_month mm ON mm.meter_id = mt.meter_id AND year(mm.month) = ?
        WHERE mt.measures IN ('consumption', 'import')
        GROUP BY ALL""", [year]).df()


def computed_items(con: duckdb.DuckDBPyConnection, program: str, year: int,
                   institution_ids: list[str] | None = None) -> pd.DataFrame:
    """Per unit and computed item of the program's sheet: value, threshold, verdict (pass / fail / no_data),
    computed score and the figures behind it (a short text with the numbers).

    - metering_*: % of the unit's consumption meters (water, or all) with a figure in each of the 12 months.
    - ledger_*: the fewest clean months (with a figure, not estimated) of any of those meters; 12 passes.
    - water_per_person: m3 per person against threshold × the average of the unit's type (county, same year).
    - yoy_energy: the larger change (%) of kgce per m² and per person against the year before; both must fall.
    - yoy_water: change (%) of m3 per person against the year before.
    - leaks: months of the year with a suspected leak (anomaly rule water_leak) on the unit's water meters.
    """
    cols = ["institution_id", "item_id", "scoring", "value", "threshold", "verdict", "computed_score", "figures",
            "figures_zh"]
    sheet = items(program)
    sheet = sheet[sheet["computed"]]
    units = con.execute("SELECT institution_id, type FROM institutions ORDER BY institution_id").df()
    if institution_ids is not None:
        units = units[units["institution_id"].isin(institution_ids)]
    if sheet.empty or units.empty:
        return pd.DataFrame(columns=cols)
    units = units.set_index("institution_id")
    mm = _meter_months(con, year)
    mm["clean"] = mm["months"] - mm["estimated_months"]
    mm["full"] = (mm["months"] >= 12).astype(int)

    def meter_stats(kind: str) -> pd.DataFrame:
        m = mm if kind == "all" else mm[mm["kind"] == kind]
        return m.groupby("institution_id").agg(n=("meter_id", "size"), full=("full", "sum"),
                                               min_clean=("clean", "min"), min_months=("months", "min"),
                                               est=("estimated_months", "sum"), any_months=("months", "max"))

    inten = figures.intensity_by_year(con, year - 1, year, group_by="institution_id")
    cur = inten[inten["year"] == year].set_index("institution_id")
    prev = inten[inten["year"] == year - 1].set_index("institution_id")
    by_type = figures.intensity_by_year(con, year, year, group_by="type").set_index("type")["water_m3_per_person"]
    frames = []
    for it in sheet.itertuples():
        kind, cmp = COMPUTED[it.scoring]
        thr = float(it.threshold)
        f = pd.DataFrame(index=units.index)
        f["threshold"] = thr
        f["figures"] = ""
        f["figures_zh"] = ""
        if it.scoring.startswith(("metering", "ledger")):
            ms = meter_stats(kind).reindex(units.index)
            if it.scoring.startswith("metering"):
                f["value"] = 100.0 * ms["full"] / ms["n"]
                f["figures"] = [f"{int(a)}/{int(b)} meters with 12 months" if b == b else ""
                                for a, b in zip(ms["full"], ms["n"], strict=True)]
                f["figures_zh"] = [f"{int(b)}块表中{int(a)}块12个月数据齐全" if b == b else ""
                                   for a, b in zip(ms["full"], ms["n"], strict=True)]
            else:
                f["value"] = ms["min_clean"].astype(float)
                f["figures"] = [f"{int(n)} meters; fewest months {int(a)}, estimated months {int(e)}" if n == n else ""
                                for n, a, e in zip(ms["n"], ms["min_months"], ms["est"], strict=True)]
                f["figures_zh"] = [f"共{int(n)}块表；最少{int(a)}个月有数据，估抄{int(e)}个月" if n == n else ""
                                   for n, a, e in zip(ms["n"], ms["min_months"], ms["est"], strict=True)]
        elif it.scoring == "water_per_person":
            c = cur.reindex(units.index)
            avg = units["type"].map(by_type).astype(float)
            f["value"] = c["water_m3_per_person"]
            f["threshold"] = thr * avg
            f["figures"] = [f"{w:.0f} m3 / {p:.0f} people; {t} average {a:.2f} m3/person × {thr:g}"
                            if v == v and a == a else ""
                            for w, p, t, a, v in zip(c["water_m3"], c["people"], units["type"], avg, f["value"],
                                                     strict=True)]
            f["figures_zh"] = [f"{w:.0f}立方米 / {p:.0f}人；{t}平均{a:.2f}立方米/人 × {thr:g}"
                               if v == v and a == a else ""
                               for w, p, t, a, v in zip(c["water_m3"], c["people"], units["type"], avg, f["value"],
                                                        strict=True)]
        elif it.scoring in ("yoy_energy", "yoy_water"):
            names = (("energy_kgce_per_m2", "energy_kgce_per_person") if it.scoring == "yoy_energy"
                     else ("water_m3_per_person",))
            c, p = cur.reindex(units.index), prev.reindex(units.index)
            changes = pd.DataFrame({n: 100.0 * (c[n] - p[n]) / p[n].where(p[n] != 0) for n in names})
            f["value"] = changes.max(axis=1, skipna=False)  # both must fall: the worse one decides
            f["figures"] = ["; ".join(f"{n} {p.at[i, n]:.2f} → {c.at[i, n]:.2f} ({changes.at[i, n]:+.1f}%)"
                                      for n in names) if v == v else ""
                            for i, v in zip(units.index, f["value"], strict=True)]
            f["figures_zh"] = ["；".join(f"{NAME_ZH[n]} {p.at[i, n]:.2f} → {c.at[i, n]:.2f}（{changes.at[i, n]:+.1f}%）"
                                         for n in names) if v == v else ""
                               for i, v in zip(units.index, f["value"], strict=True)]
        elif it.scoring == "leaks":
            lk = anomalies.water_leaks(con)
            lk = lk[pd.to_datetime(lk["period_start"]).dt.year == year]
            months = lk.groupby("institution_id")["period_start"].apply(
                lambda s: sorted(set(pd.to_datetime(s).dt.strftime("%Y-%m"))))
            has_water = meter_stats("water").reindex(units.index)["any_months"].fillna(0) > 0
            lists = [months.get(i, []) for i in units.index]
            f["value"] = [float(len(x)) if h else float("nan") for x, h in zip(lists, has_water, strict=True)]
            f["figures"] = [("suspected leaks: " + ", ".join(x)) if x else ("no suspected-leak month" if h else "")
                            for x, h in zip(lists, has_water, strict=True)]
            f["figures_zh"] = [("疑似漏水月份：" + "、".join(x)) if x else ("全年无疑似漏水月份" if h else "")
                               for x, h in zip(lists, has_water, strict=True)]
        v, t = f["value"].astype(float), f["threshold"].astype(float)
        ok = {">=": v >= t, "<=": v <= t, "<": v < t}[cmp]
        known = v.notna() & t.notna()
        f["verdict"] = "no_data"
        f.loc[known & ok, "verdict"] = "pass"
        f.loc[known & ~ok, "verdict"] = "fail"
        f["computed_score"] = f["verdict"].map({"pass": float(it.points), "fail": 0.0})
        f["item_id"], f["scoring"] = it.item_id, it.scoring
        frames.append(f.reset_index())
    out = pd.concat(frames, ignore_index=True)[cols]
    out["value"] = out["value"].astype(float)
    return out


def _f(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


# ------------------------------------------------------------------ marks (officers' checklist)


def marks(con: duckdb.DuckDBPyConnection, program: str, year: int, institution_id: str | None = None,
          include_undone: bool = False) -> pd.DataFrame:
    """Officers' marks for the scoring year; by default only the current one per unit and item: the latest not
    undone, of the year or, when the year has none, of the latest year before (a rule in place stays in place)."""
    df = con.execute("""
        SELECT *, row_number() OVER (PARTITION BY institution_id, item_id
                                     ORDER BY (undone_at IS NULL) DESC, year DESC, marked_at DESC,
                                              mark_id DESC) AS rk
        FROM cert_item_marks WHERE program = ? AND year <= ? AND (? IS NULL OR institution_id = ?)
        ORDER BY institution_id, item_id, mark_id""", [program, year, institution_id, institution_id]).df()
    if include_undone:
        return df.drop(columns="rk")
    return df[(df["rk"] == 1) & df["undone_at"].isna()].drop(columns="rk").reset_index(drop=True)


def mark_item(con: duckdb.DuckDBPyConnection, institution_id: str, program: str, item_id: str, year: int,
              state_: str, score: float | None, note: str | None, user: str, role: str) -> int:
    """Record an officer's mark for one item. A computed item may be overridden only with a note; the computed
    value and score of the moment are kept in the same row. Returns the mark id."""
    _writer(role, user)
    sheet = items(program).set_index("item_id")
    if item_id not in sheet.index:
        raise CertError(f"item {item_id!r} is not on the {program} sheet")
    if state_ not in MARK_STATES:
        raise CertError(f"state {state_!r} unknown: use one of {', '.join(MARK_STATES)}")
    it = sheet.loc[item_id]
    if score is not None and not 0 <= score <= float(it["points"]):
        raise CertError(f"score {score:g} outside 0..{it['points']:g} for item {item_id}")
    if not con.execute("SELECT 1 FROM institutions WHERE institution_id = ?", [institution_id]).fetchall():
        raise CertError(f"institution {institution_id!r} is not in the registry")
    cvalue = cscore = None
    if it["computed"]:
        c = computed_items(con, program, year, [institution_id])
        c = c[c["item_id"] == item_id]
        if len(c):
            cvalue, cscore = _f(c.iloc[0]["value"]), _f(c.iloc[0]["computed_score"])
        if not (note or "").strip():
            raise CertError(f"item {item_id} is computed from the data: an override needs a note saying why")
    mark_id = con.execute("SELECT coalesce(max(mark_id), 0) + 1 FROM cert_item_marks").fetchall()[0][0]
    con.execute("INSERT INTO cert_item_marks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [mark_id, institution_id, program, item_id, year, state_, score, cscore, cvalue,
                 (note or "").strip() or None, user, datetime.now()])
    _bump(con)
    return int(mark_id)


def undo_mark(con: duckdb.DuckDBPyConnection, mark_id: int, user: str, role: str) -> None:
    """Take a mark back: the mark before it (if any) counts again."""
    _writer(role, user)
    n = con.execute("SELECT count(*) FROM cert_item_marks WHERE mark_id = ? AND undone_at IS NULL",
                    [mark_id]).fetchall()[0][0]
    if not n:
        raise CertError(f"there is no current mark {mark_id} (already undone?)")
    con.execute("UPDATE cert_item_marks SET undone_by = ?, undone_at = ? WHERE mark_id = ?",
                [user, datetime.now(), mark_id])
    _bump(con)


def _bump(con: duckdb.DuckDBPyConnection) -> None:
    """The pages cache queries by data version: a write changes it."""
    con.execute(
        "INSERT OR REPLACE INTO meta SELECT 'data_version', "
        "CAST(coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR)")


# ------------------------------------------------------------------ evidence files


def sniff(data: bytes) -> str | None:
    """The file's type from its content (magic bytes; for XLSX/DOCX the zip's main part), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
    return None


def evidence_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Evidence files live beside the database file, in evidence/ (named by content hash, so databases in one
    folder may share it; the first-start build renames its database file, which must not lose its evidence)."""
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
                       ).fetchall()[0][0]
    if not path:
        raise CertError("the database is in memory: evidence files need a database file")
    return Path(path).parent / "evidence"


def add_evidence(con: duckdb.DuckDBPyConnection, institution_id: str, program: str, item_id: str | None,
                 file_name: str, data: bytes, user: str, role: str) -> int:
    """Store an evidence file (checked by content and size) and its metadata row. Refused files store nothing."""
    _writer(role, user)
    _check_program(program)
    limit_mb = settings()["evidence_max_mb"]
    if len(data) > limit_mb * 1024 * 1024:
        raise CertError(f"{file_name}: the file has {len(data) / 1024 / 1024:.1f} MB, more than the "
                        f"{limit_mb:g} MB allowed; reduce it (scan at a lower resolution, split it) and attach again")
    kind = sniff(data)
    if kind is None:
        raise CertError(f"{file_name}: the content is not a PDF, JPG, PNG, XLSX or DOCX file (whatever its name "
                        "says); save it as one of these and attach it again")
    if item_id is not None and item_id not in set(items(program)["item_id"]):
        raise CertError(f"item {item_id!r} is not on the {program} sheet")
    digest = hashlib.sha256(data).hexdigest()
    folder = evidence_dir(con)
    target = folder / f"{digest}.{kind}"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    eid = con.execute("SELECT coalesce(max(evidence_id), 0) + 1 FROM cert_evidence").fetchall()[0][0]
    con.execute("INSERT INTO cert_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [eid, institution_id, program, item_id, digest, Path(file_name).name[:200], kind, len(data), user,
                 datetime.now()])
    _bump(con)
    return int(eid)


def evidence(con: duckdb.DuckDBPyConnection, program: str, institution_id: str | None = None,
             include_undone: bool = False) -> pd.DataFrame:
    return con.execute("""
        SELECT * FROM cert_evidence WHERE program = ? AND (? IS NULL OR institution_id = ?)
          AND (? OR undone_at IS NULL) ORDER BY evidence_id""",
                       [program, institution_id, institution_id, include_undone]).df()


def evidence_bytes(con: duckdb.DuckDBPyConnection, evidence_id: int) -> tuple[str, bytes] | None:
    row = con.execute("SELECT file_name, sha256, file_type FROM cert_evidence WHERE evidence_id = ?",
                      [evidence_id]).fetchall()
    if not row:
        return None
    name, digest, kind = row[0]
    f = evidence_dir(con) / f"{digest}.{kind}"
    return (name, f.read_bytes()) if f.exists() else None


def undo_evidence(con: duckdb.DuckDBPyConnection, evidence_id: int, user: str, role: str) -> None:
    """Detach an evidence file (the stored file stays: other rows may share its content)."""
    _writer(role, user)
    n = con.execute("SELECT count(*) FROM cert_evidence WHERE evidence_id = ? AND undone_at IS NULL",
                    [evidence_id]).fetchall()[0][0]
    if not n:
        raise CertError(f"there is no attached evidence file {evidence_id}")
    con.execute("UPDATE cert_evidence SET undone_by = ?, undone_at = ? WHERE evidence_id = ?",
                [user, datetime.now(), evidence_id])
    _bump(con)


# ------------------------------------------------------------------ scorecard and status


def checklist(con: duckdb.DuckDBPyConnection, program: str, year: int, institution_ids: list[str]) -> pd.DataFrame:
    """Per unit and item of the sheet: the item's data, the computed figures (computed items), the officer's
    current mark, and the effective state and score (the officer's score where given, else the computed one)."""
    sheet = items(program)
    base = pd.DataFrame({"institution_id": institution_ids}).merge(sheet, how="cross")
    comp = computed_items(con, program, year, institution_ids).rename(
        columns={"value": "computed_value", "threshold": "computed_threshold"})
    out = base.merge(comp.drop(columns="scoring"), on=["institution_id", "item_id"], how="left")
    mk = marks(con, program, year)
    mk = mk[["institution_id", "item_id", "mark_id", "state", "score", "computed_score", "computed_value", "note",
             "marked_by", "marked_at"]].rename(columns={"state": "mark_state", "score": "mark_score",
                                                        "computed_score": "mark_computed_score",
                                                        "computed_value": "mark_computed_value"})
    out = out.merge(mk, on=["institution_id", "item_id"], how="left")
    ev = evidence(con, program)
    n_ev = ev.groupby(["institution_id", "item_id"]).size().rename("evidence_files").reset_index()
    out = out.merge(n_ev, on=["institution_id", "item_id"], how="left")
    out["evidence_files"] = out["evidence_files"].fillna(0).astype(int)
    out["overridden"] = out["computed"] & out["mark_id"].notna()
    out["effective_score"] = out["mark_score"].where(out["mark_score"].notna(), out["computed_score"])
    verdict_state = out["verdict"].map({"pass": "met", "fail": "not_met", "no_data": "todo"})
    out["effective_state"] = out["mark_state"].where(out["mark_state"].notna(),
                                                     verdict_state.where(out["computed"], "todo")).fillna("todo")
    return out


def scorecard(con: duckdb.DuckDBPyConnection, program: str, year: int, institution_ids: list[str],
              cl: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit: score, pass mark, missing items and failing items (starred first), starred items at zero,
    computed items passed / failed, and whether the sheet passes. cl: the checklist, when computed already."""
    pm = pass_mark(program)
    if cl is None:
        cl = checklist(con, program, year, institution_ids)
    cl = cl.sort_values(["institution_id", "starred", "item_id"], ascending=[True, False, True])
    ids = pd.Index(sorted(set(cl["institution_id"])), name="institution_id")

    def listed(mask: pd.Series) -> pd.Series:
        got = cl[mask].groupby("institution_id")["item_id"].agg(list)
        return pd.Series([got.get(i, []) for i in ids], index=ids)

    comp = cl[cl["computed"]]
    out = pd.DataFrame({
        "score": cl.groupby("institution_id")["effective_score"].sum(min_count=0).reindex(ids).fillna(0.0),
        "pass_mark": pm,
        "missing": listed(cl["effective_state"].isin(("todo", "in_progress"))),
        "failing": listed(cl["effective_state"] == "not_met"),
        "starred_zero": listed(cl["starred"] & (cl["effective_score"].fillna(0) <= 0)),
        "computed_pass": (comp["verdict"] == "pass").groupby(comp["institution_id"]).sum().reindex(ids).fillna(0),
        "computed_fail": (comp["verdict"] == "fail").groupby(comp["institution_id"]).sum().reindex(ids).fillna(0),
        "computed_no_data": (comp["verdict"] == "no_data").groupby(comp["institution_id"]).sum().reindex(ids)
        .fillna(0),
    }, index=ids)
    for c in ("computed_pass", "computed_fail", "computed_no_data"):
        out[c] = out[c].astype(int)
    out["passes"] = (out["score"] >= pm) & (out["starred_zero"].str.len() == 0)
    return out.reset_index()


def units_table(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date,
                cl: pd.DataFrame | None = None) -> pd.DataFrame:
    """The page's table of units: stage, days in stage, stuck flag, score / pass mark, missing and failing items,
    computed verdicts, and whether the unit is short of the task's stage near or past its deadline."""
    st_ = state(con, program, as_of)
    if st_.empty:
        return st_
    year = scoring_year(as_of)
    if cl is None:
        cl = checklist(con, program, year, st_["institution_id"].tolist())
    sc = scorecard(con, program, year, st_["institution_id"].tolist(), cl)
    out = st_.merge(sc, on="institution_id", how="left")
    s = settings()
    out["stuck"] = (out["days_in_stage"] > s["stuck_days"]) & ~out["stage"].isin(("certified", "rechecked"))
    task = task_status(con, program, as_of)
    if task:
        need = dict(zip(stages()["stage"], stages()["rank"], strict=True))[task["stage"]]
        short = out["rank"] < need
        out["deadline_flag"] = "ok"
        out.loc[short & (task["days_left"] < 0), "deadline_flag"] = "missed"
        out.loc[short & (task["days_left"] >= 0) & (task["days_left"] <= s["deadline_warn_days"]),
                "deadline_flag"] = "due_soon"
        out.loc[short & (task["days_left"] > s["deadline_warn_days"]), "deadline_flag"] = "open"
    else:
        out["deadline_flag"] = None
    return out


def stuck_units(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date) -> pd.DataFrame:
    """Units longer than the stuck_days setting in one stage (named and re-checked units are done, not stuck)."""
    days = settings()["stuck_days"]
    st_ = state(con, program, as_of)
    return st_[(st_["days_in_stage"] > days) & ~st_["stage"].isin(("certified", "rechecked"))].sort_values(
        "days_in_stage", ascending=False).reset_index(drop=True)


def status(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date) -> dict:
    """The stable JSON of `python -m etl cert status` (see the README)."""
    _check_program(program)
    d = _day(as_of)
    ids = state(con, program, d)["institution_id"].tolist()
    cl = checklist(con, program, scoring_year(d), ids)
    table = units_table(con, program, d, cl)
    comp = {iid: g for iid, g in cl[cl["computed"]].groupby("institution_id")}
    units = []
    for r in table.itertuples():
        c = comp.get(r.institution_id, cl.iloc[0:0])
        units.append({
            "institution_id": r.institution_id, "stage": r.stage, "stage_since": pd.Timestamp(r.stage_since).date()
            .isoformat(), "score": r.score, "pass_mark": r.pass_mark, "missing": list(r.missing) + list(r.failing),
            "computed": {x.item_id: {"value": _f(x.computed_value), "threshold": _f(x.computed_threshold),
                                    "verdict": x.verdict}
                         for x in c.itertuples()},
        })
    return {"program": program, "as_of": d.isoformat(), "task": task_status(con, program, d),
            "funnel": funnel(con, program, d), "units": units}


def unit_figures(con: duckdb.DuckDBPyConnection, institution_id: str, year: int) -> pd.DataFrame:
    """The unit's energy and water against the year before (kgce, per m², per person, water, per person)."""
    df = figures.intensity_by_year(con, year - 1, year, group_by="institution_id")
    df = df[df["institution_id"] == institution_id]
    cols = ["energy_kgce", "energy_kgce_per_m2", "energy_kgce_per_person", "water_m3", "water_m3_per_person"]
    rows = []
    for c in cols:
        now = df.loc[df["year"] == year, c]
        before = df.loc[df["year"] == year - 1, c]
        v = _f(now.iloc[0]) if len(now) else None
        p = _f(before.iloc[0]) if len(before) else None
        rows.append({"metric": c, "previous": p, "value": v, "change_pct": figures.change_pct(v, p)})
    return pd.DataFrame(rows)


def unit_history(con: duckdb.DuckDBPyConnection, program: str, institution_id: str) -> pd.DataFrame:
    """Every change to one unit, newest first: stage rows (batch), item marks, evidence files, with who, when,
    and whether it was undone — each row names what undoes it (kind + id)."""
    # stage rows now in force, and rows a later batch replaced (listed as undone: undo that later batch)
    st_ = con.execute("""
        SELECT 'stage' AS kind, c.batch_id AS id, c.stage AS what, c.stage_date::VARCHAR AS detail, c.note,
               b.loaded_by AS who, b.loaded_at AS at, b.status = 'undone' OR c.replaced AS undone
        FROM load_batches b JOIN (SELECT *, false AS replaced FROM certifications UNION ALL
                                  SELECT * EXCLUDE (replaced_by), true FROM certifications__replaced) c
             USING (batch_id)
        WHERE c.institution_id = ? AND c.program = ?""", [institution_id, program]).df()
    mk = con.execute("""
        SELECT 'mark' AS kind, mark_id AS id, item_id || ' ' || state AS what,
               coalesce(CAST(score AS VARCHAR), '') || CASE WHEN computed_score IS NOT NULL
                   THEN ' (computed ' || CAST(computed_score AS VARCHAR) || ')' ELSE '' END AS detail,
               note, marked_by AS who, marked_at AS at, undone_at IS NOT NULL AS undone
        FROM cert_item_marks WHERE institution_id = ? AND program = ?""", [institution_id, program]).df()
    ev = con.execute("""
        SELECT 'evidence' AS kind, evidence_id AS id, coalesce(item_id, '') || ' ' || file_name AS what,
               file_type || ', ' || CAST(size_bytes AS VARCHAR) || ' B' AS detail, NULL AS note,
               added_by AS who, added_at AS at, undone_at IS NOT NULL AS undone
        FROM cert_evidence WHERE institution_id = ? AND program = ?""", [institution_id, program]).df()
    frames = [f for f in (st_, mk, ev) if len(f)]
    if not frames:
        return st_
    return pd.concat(frames, ignore_index=True).sort_values("at", ascending=False).reset_index(drop=True)


def undo(con: duckdb.DuckDBPyConnection, kind: str, id_: int, user: str, role: str,
         institution_id: str | None = None) -> None:
    """Undo one change of unit_history (stage / mark / evidence); institution_id: the unit it was listed for."""
    if kind == "stage":
        undo_stage(con, int(id_), user, role, institution_id)
    else:
        {"mark": undo_mark, "evidence": undo_evidence}[kind](con, int(id_), user, role)


def default_as_of(con: duckdb.DuckDBPyConnection) -> date:
    """The page's starting date: 31 December of the latest year with stage rows, or of the last complete year
    of meter data (etl/metrics/years.py) when that is later; the latest year with meter data when none is
    complete. One meter's January does not move the page into a year that has not happened yet."""
    meters = years.last_complete_year(con)
    if meters is None:
        meters = con.execute("SELECT max(year(month)) FROM meter_month").fetchall()[0][0]
    stages = con.execute("SELECT max(year(stage_date)) FROM certifications").fetchall()[0][0]
    row = max((y for y in (meters, stages) if y is not None), default=None)
    return date(int(row), 12, 31) if row else date.today()


# ------------------------------------------------------------------ exports (XLSX through etl.reports.exports)

REVIEW_COLUMNS = {  # column -> (zh, en): what a city review asks for
    "seq": ("序号", "No."), "institution_id": ("单位编码", "Code"), "name": ("单位名称", "Unit"),
    "type": ("单位类型", "Type"), "township": ("所在乡镇", "Township"), "people": ("用能人数", "People"),
    "floor_area_m2": ("建筑面积(m²)", "Floor area (m²)"), "stage": ("当前阶段", "Stage"),
    "stage_since": ("阶段日期", "Since"), "score": ("自评得分", "Self-assessed score"),
    "pass_mark": ("合格分", "Pass mark"), "passes": ("是否达到合格", "Passes"),
    "starred_zero": ("星号项未得分", "Starred items at zero"), "failing": ("未达标项", "Failing items"),
    "missing": ("缺项", "Missing items"), "computed": ("数据核验（通过/未通过/无数据）",
                                                   "Checked from data (pass/fail/no data)"),
}


def review_list(con: duckdb.DuckDBPyConnection, program: str, as_of: str | date, lang: str = "zh") -> pd.DataFrame:
    """The unit list with the columns a city review asks for (one row per unit, labels in the language)."""
    tbl = units_table(con, program, as_of)
    if tbl.empty:
        return pd.DataFrame(columns=[v[0 if lang == "zh" else 1] for v in REVIEW_COLUMNS.values()])
    reg = con.execute("SELECT institution_id, people, floor_area_m2 FROM institutions").df()
    tbl = tbl.merge(reg, on="institution_id", how="left")
    names = stages().set_index("stage")["name_zh" if lang == "zh" else "name_en"]
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    out = pd.DataFrame({
        "seq": range(1, len(tbl) + 1), "institution_id": tbl["institution_id"], "name": tbl["name"],
        "type": tbl["type"], "township": tbl["township"], "people": tbl["people"],
        "floor_area_m2": tbl["floor_area_m2"], "stage": tbl["stage"].map(names).fillna(tbl["stage"]),
        "stage_since": pd.to_datetime(tbl["stage_since"]).dt.strftime("%Y-%m-%d"), "score": tbl["score"],
        "pass_mark": tbl["pass_mark"], "passes": tbl["passes"].map({True: yes, False: no}),
        "starred_zero": tbl["starred_zero"].map(", ".join), "failing": tbl["failing"].map(", ".join),
        "missing": tbl["missing"].map(", ".join),
        "computed": [f"{a}/{b}/{c}" for a, b, c in zip(tbl["computed_pass"], tbl["computed_fail"],
                                                       tbl["computed_no_data"], strict=True)],
    })
    return out.rename(columns={k: v[0 if lang == "zh" else 1] for k, v in REVIEW_COLUMNS.items()})


def self_assessment(con: duckdb.DuckDBPyConnection, program: str, institution_id: str, as_of: str | date,
                    lang: str = "zh") -> pd.DataFrame:
    """A unit's self-assessment sheet, filled from its items: per item the criterion, points, how it is scored,
    the data's figures (computed items), the officer's mark and note, evidence files and the score; a total row."""
    year = scoring_year(as_of)
    cl = checklist(con, program, year, [institution_id]).sort_values(["area_zh", "item_id"])
    zh = lang == "zh"
    yes = "是" if zh else "yes"
    rows = []
    for r in cl.itertuples():
        rows.append({
            ("序号" if zh else "Item"): r.item_id, ("类别" if zh else "Area"): r.area_zh if zh else r.area_en,
            ("评价内容" if zh else "Criterion"): r.text_zh if zh else r.text_en,
            ("分值" if zh else "Points"): r.points, ("星号项" if zh else "Starred"): yes if r.starred else "",
            ("评分方式" if zh else "Scored"): ("数据核验" if zh else "from data") if r.computed else
            ("人工评分" if zh else "by officer"),
            ("核验数值" if zh else "Data value"): _f(r.computed_value),
            ("核验标准" if zh else "Data limit"): _f(r.computed_threshold),
            ("核验结论" if zh else "Data verdict"): r.verdict if r.computed else None,
            ("核验依据" if zh else "Data figures"): (r.figures_zh if zh else r.figures) if r.computed else None,
            ("自评状态" if zh else "State"): r.effective_state,
            ("得分" if zh else "Score"): _f(r.effective_score),
            ("说明" if zh else "Note"): None if pd.isna(r.note) else r.note,
            ("证明材料(份)" if zh else "Evidence files"): r.evidence_files,
        })
    out = pd.DataFrame(rows)
    total: dict[str, object] = {c: None for c in out.columns}
    total[out.columns[0]] = "合计" if zh else "Total"
    total[out.columns[3]] = float(cl["points"].sum())
    total[out.columns[11]] = float(cl["effective_score"].fillna(0).sum())
    total[out.columns[12]] = (f"合格分 {pass_mark(program):g}" if zh else f"pass mark {pass_mark(program):g}")
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)
