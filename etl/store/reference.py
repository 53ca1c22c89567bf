"""Reference data in the database: factors, targets, national averages, KPI targets and settings.

The committed files under data/ are the seed: when the schema is created (first open, demo build,
the command line) an empty reference table is filled from its file. From then on the tables are the
truth: an admin edits a row on the settings page (value, source, valid years), every edit is kept
with who and when in `ref_edits` and can be undone, and an edit bumps the data version, so every
cached figure follows at once. A page view never seeds or edits (it only reads).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl.ingest.messages import msg
from etl.store.db import DATA_DIR


@dataclass(frozen=True)
class RefTable:
    name: str
    csv: str                        # the seed file under data/
    columns: str                    # column definitions
    key: tuple[str, ...]            # what names one row
    editable: tuple[str, ...]       # what an admin may change
    numeric: tuple[str, ...] = ()   # editable columns that must be numbers
    years: tuple[str, str] | None = None  # (from, to) columns of the valid years


REF_TABLES: dict[str, RefTable] = {t.name: t for t in (
    RefTable("ref_factors", "factors.csv",
             """factor_id VARCHAR NOT NULL, name_zh VARCHAR, name_en VARCHAR, value DOUBLE NOT NULL,
             unit VARCHAR, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL, source VARCHAR NOT NULL,
             status VARCHAR, source_en VARCHAR""",
             ("factor_id", "valid_from"), ("value", "source", "valid_from", "valid_to", "status", "source_en"),
             ("value", "valid_from", "valid_to"), ("valid_from", "valid_to")),
    RefTable("ref_targets", "targets.csv",
             """target_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, name_zh VARCHAR, name_en VARCHAR,
             baseline_year INTEGER NOT NULL, target_year INTEGER NOT NULL, change_pct DOUBLE NOT NULL,
             source VARCHAR NOT NULL, source_en VARCHAR""",
             ("target_id",), ("change_pct", "source", "baseline_year", "target_year", "source_en"),
             ("change_pct", "baseline_year", "target_year"), ("baseline_year", "target_year")),
    RefTable("ref_national_averages", "national_averages.csv",
             """metric VARCHAR NOT NULL, year INTEGER NOT NULL, value DOUBLE NOT NULL, unit VARCHAR,
             source VARCHAR NOT NULL""",
             ("metric", "year"), ("value", "source"), ("value",)),
    RefTable("ref_kpi_targets", "kpi_targets.csv",
             """kpi VARCHAR NOT NULL, name_zh VARCHAR, name_en VARCHAR, comparison VARCHAR NOT NULL,
             target DOUBLE NOT NULL, unit VARCHAR, year_from INTEGER NOT NULL, year_to INTEGER NOT NULL,
             source VARCHAR NOT NULL, note VARCHAR""",
             ("kpi", "year_from"), ("target", "source", "year_from", "year_to"),
             ("target", "year_from", "year_to"), ("year_from", "year_to")),
    # PV model / alert / contract settings, anomaly and fleet-check thresholds: values are text (a few are words)
    RefTable("ref_settings", "pv_settings.csv + anomaly_settings.csv + fleet_settings.csv",
             """scope VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR, unit VARCHAR, grp VARCHAR,
             name_zh VARCHAR, name_en VARCHAR, help_zh VARCHAR, help_en VARCHAR, source VARCHAR,
             valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL""",
             ("scope", "key"), ("value", "source", "valid_from", "valid_to"),
             ("valid_from", "valid_to"), ("valid_from", "valid_to")),
)}

EDITS_DDL = """CREATE TABLE IF NOT EXISTS ref_edits (
    edit_id INTEGER NOT NULL, tbl VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
    before VARCHAR NOT NULL, after VARCHAR NOT NULL,   -- JSON of the changed columns
    edited_by VARCHAR NOT NULL, edited_at TIMESTAMP NOT NULL,
    undone_by VARCHAR, undone_at TIMESTAMP)"""


class EditError(ValueError):
    """An edit that would leave the reference data wrong; nothing was changed. .msg is the sentence for the
    user (a catalogue code and its values, etl/ingest/messages.py)."""

    def __init__(self, code: str, **params: object):
        self.msg = msg(code, **params)
        super().__init__(self.msg.render("en"))


def _column_defs(t: RefTable) -> list[tuple[str, str]]:
    return [(p.split()[0], p.split()[1]) for p in t.columns.replace("\n", " ").split(",") if p.strip()]


def create(con: duckdb.DuckDBPyConnection) -> None:
    for t in REF_TABLES.values():
        con.execute(f"CREATE TABLE IF NOT EXISTS {t.name} ({t.columns})")
        # a column added after a database was built (the targets' English citation): added empty, and
        # filled from the seed file by seed() where the row has no value yet
        for col, typ in _column_defs(t):
            con.execute(f"ALTER TABLE {t.name} ADD COLUMN IF NOT EXISTS {col} {typ}")
    con.execute(EDITS_DDL)


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, comment="#", dtype=str, keep_default_na=False)


def seed_frame(table: str) -> pd.DataFrame:
    """The rows a reference table is seeded with, from its file(s) under data/."""
    t = REF_TABLES[table]
    if table == "ref_settings":
        pv = _csv("pv_settings.csv").rename(columns={"group": "grp"}).assign(scope="pv", help_zh="", help_en="")
        an = _csv("anomaly_settings.csv").rename(columns={"setting": "key"})
        an = an.assign(scope="anomaly", grp="anomaly", name_zh="", name_en="",
                       source="data/anomaly_settings.csv (project thresholds, see help)")
        frames = [pv, an]
        if (DATA_DIR / "fleet_settings.csv").exists():
            fl = _csv("fleet_settings.csv").rename(columns={"setting": "key"})
            frames.append(fl.assign(scope="fleet", grp="fleet", name_zh="", name_en=""))
        df = pd.concat(frames, ignore_index=True)
        df["valid_from"], df["valid_to"] = "2000", "2099"
    else:
        df = _csv(t.csv)
    return df.reindex(columns=[c for c, _ in _column_defs(t)])


def seed(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fill every empty reference table from its file; settings the table lacks (a new file or key) are
    added too. An edited row is never overwritten. Returns the tables that received rows."""
    done = []
    for name, t in REF_TABLES.items():
        filled = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        if filled and name != "ref_settings" and not _missing_english(con, t):
            continue
        df = seed_frame(name)
        con.register("_seed", df)
        try:
            on = " AND ".join(f"r.{k} = s.{k}" for k in t.key)
            if "source_en" in df.columns:  # an English citation the row lacks (added after the row was)
                con.execute(f"""UPDATE {name} r SET source_en = s.source_en FROM _seed s
                                WHERE {on} AND r.source_en IS NULL AND coalesce(s.source_en, '') <> ''""")
            if filled and name != "ref_settings":
                continue
            n = con.execute(f"SELECT count(*) FROM _seed s WHERE NOT EXISTS (SELECT 1 FROM {name} r WHERE {on})"
                            ).fetchall()[0][0]
            if n:
                con.execute(f"""INSERT INTO {name} BY NAME SELECT * FROM _seed s
                                WHERE NOT EXISTS (SELECT 1 FROM {name} r WHERE {on})""")
                done.append(name)
        finally:
            con.unregister("_seed")
    return done


def _missing_english(con: duckdb.DuckDBPyConnection, t: RefTable) -> bool:
    if "source_en" not in dict(_column_defs(t)):
        return False
    return bool(con.execute(f"SELECT count(*) FROM {t.name} WHERE source_en IS NULL").fetchall()[0][0])


def table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """A reference table as it is now, ordered by its key."""
    t = REF_TABLES[name]
    return con.execute(f"SELECT * FROM {name} ORDER BY {', '.join(t.key)}").df()


# ------------------------------------------------------------------ edits


def _key_json(key: dict) -> str:
    return json.dumps(key, ensure_ascii=False, sort_keys=True, default=str)


def _where(t: RefTable, key: dict) -> tuple[str, list]:
    missing = set(t.key) - set(key)
    if missing:
        raise EditError("edit_key_missing", missing=sorted(missing))
    return " AND ".join(f"{k} = ?" for k in t.key), [key[k] for k in t.key]


def _clean(t: RefTable, changes: dict) -> dict:
    out = {}
    for col, value in changes.items():
        if col not in t.editable:
            raise EditError("edit_not_editable", editable=list(t.editable))
        if col in t.numeric:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise EditError("edit_not_number", value=value) from None
            if col in (t.years or ()) or col.endswith("year"):
                if value != int(value):
                    raise EditError("edit_not_whole_year", value=value)
                value = int(value)
        elif col == "source" and not str(value or "").strip():
            raise EditError("edit_source_required")
        else:
            value = None if value is None else str(value).strip()
        out[col] = value
    return out


def _check(con: duckdb.DuckDBPyConnection, t: RefTable) -> None:
    """Valid years in order, and a factor never has two values in one year."""
    if t.years:
        lo, hi = t.years
        bad = con.execute(f"SELECT count(*) FROM {t.name} WHERE {lo} > {hi}").fetchall()[0][0]
        if bad:
            raise EditError("edit_years_order")
    if t.name == "ref_factors":
        clash = con.execute("""
            SELECT a.factor_id, a.valid_from, a.valid_to, b.valid_from, b.valid_to
            FROM ref_factors a JOIN ref_factors b ON a.factor_id = b.factor_id AND a.rowid < b.rowid
            WHERE a.valid_from <= b.valid_to AND b.valid_from <= a.valid_to LIMIT 1""").fetchall()
        if clash:
            f, a0, a1, b0, b1 = clash[0]
            raise EditError("edit_years_overlap", name=f, a0=a0, a1=a1, b0=b0, b1=b1)


def bump_version(con: duckdb.DuckDBPyConnection) -> None:
    """Every cached figure is keyed on this number (ui.common.query)."""
    con.execute(
        "INSERT OR REPLACE INTO meta SELECT 'data_version', "
        "CAST(coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR)")


def _refresh_findings(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Anomaly and PV alert thresholds are settings: what is kept per data version follows an edit in its
    transaction (etl.store.per_version; a store whose inputs the edit is not only moves its stamp)."""
    from etl.store import per_version

    per_version.refresh(con, name)


def _apply(con: duckdb.DuckDBPyConnection, t: RefTable, key: dict, values: dict) -> dict:
    """Set values on the row named by key, return the new key (a key column may be among the values)."""
    where, params = _where(t, key)
    sets = ", ".join(f"{c} = ?" for c in values)
    n = con.execute(f"SELECT count(*) FROM {t.name} WHERE {where}", params).fetchall()[0][0]
    if n != 1:
        raise EditError("edit_no_row")
    con.execute(f"UPDATE {t.name} SET {sets} WHERE {where}", [*values.values(), *params])
    return {k: values.get(k, key[k]) for k in t.key}


def edit(con: duckdb.DuckDBPyConnection, name: str, key: dict, changes: dict, by: str) -> int:
    """Change some columns of one row; kept in ref_edits with who and when. Returns the edit id.

    Nothing changes when the edit is refused (EditError with a sentence saying why)."""
    if name not in REF_TABLES:
        raise EditError("edit_no_table", table=name)
    t = REF_TABLES[name]
    values = _clean(t, changes)
    where, params = _where(t, key)
    row = con.execute(f"SELECT {', '.join(values)} FROM {name} WHERE {where}", params).fetchall()
    if not row:
        raise EditError("edit_no_row")
    before = dict(zip(values, row[0], strict=True))
    values = {c: v for c, v in values.items() if before[c] != v}
    if not values:
        raise EditError("edit_nothing_to_change")
    con.execute("BEGIN")
    try:
        new_key = _apply(con, t, key, values)
        _check(con, t)
        edit_id = con.execute("SELECT coalesce(max(edit_id), 0) + 1 FROM ref_edits").fetchall()[0][0]
        con.execute("INSERT INTO ref_edits VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                    [edit_id, name, _key_json(new_key), _key_json({c: before[c] for c in values}),
                     _key_json(values), by, datetime.now()])
        bump_version(con)
        _refresh_findings(con, name)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return int(edit_id)


def undo(con: duckdb.DuckDBPyConnection, edit_id: int, by: str) -> None:
    """Put back what an edit changed. Only the latest live edit of a row can be undone (later ones first)."""
    row = con.execute("SELECT tbl, row_key, before, undone_at FROM ref_edits WHERE edit_id = ?",
                      [edit_id]).fetchall()
    if not row:
        raise EditError("edit_no_edit", edit_id=edit_id)
    name, row_key, before, undone_at = row[0]
    if undone_at is not None:
        raise EditError("edit_undone_already", edit_id=edit_id)
    later = con.execute("""SELECT min(edit_id) FROM ref_edits WHERE tbl = ? AND row_key = ? AND edit_id > ?
                           AND undone_at IS NULL""", [name, row_key, edit_id]).fetchall()[0][0]
    if later is not None:
        raise EditError("edit_undo_later_first", later=later)
    t = REF_TABLES[name]
    con.execute("BEGIN")
    try:
        _apply(con, t, json.loads(row_key), json.loads(before))
        _check(con, t)
        con.execute("UPDATE ref_edits SET undone_by = ?, undone_at = ? WHERE edit_id = ?",
                    [by, datetime.now(), edit_id])
        bump_version(con)
        _refresh_findings(con, name)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def edits(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every edit, newest first: table, row, before, after, who and when, undone by and when."""
    return con.execute("SELECT * FROM ref_edits ORDER BY edit_id DESC").df()


def files() -> dict[str, Path]:
    """The seed files (for the README and the tests)."""
    return {n: DATA_DIR / t.csv for n, t in REF_TABLES.items() if n != "ref_settings"}
