"""Anomaly findings computed once per data version and kept in a table (issue 14).

Scanning every meter for anomalies (etl.metrics.anomalies.find_all) takes seconds and grows with the
county, and it is the same for every visitor. So the writers compute it, inside their own transaction,
right after they bump the data version, after the stored metric views (etl.store.per_version: deferral,
once at the end of a build, refresh order): a load's commit and undo (etl.ingest.loader), a settings edit
and its undo (etl.store.reference: thresholds are settings), a PV model run, and the demo build (once, at
the end).

- `anomaly_findings` holds FINDING_COLUMNS in find_all's order (`pos`); meta `anomaly_findings_version`
  says which data version they were computed for.
- A write that cannot change the findings (a fleet log, a factor edit) only moves that stamp along, when
  the findings were current before it.
- Readers call `findings(con)`: the table when its stamp is the current data version, else find_all in
  memory (an older database, or a write elsewhere that bumped the version). Reading never writes.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.metrics import anomalies
from etl.metrics.anomalies import FINDING_COLUMNS
from etl.store import per_version
from etl.store.changes import Changed, in_list

TABLE = "anomaly_findings"
STAMP_KEY = "anomaly_findings_version"
# tables find_all reads (readings, the registers, PV self-use added to import meters, the thresholds)
INPUT_TABLES = frozenset({"readings", "meters", "institutions", "pv_production", "pv_sites", "ref_settings"})

_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    pos INTEGER, rule VARCHAR, meter_id VARCHAR, institution_id VARCHAR, name VARCHAR, type VARCHAR,
    kind VARCHAR, period_start TIMESTAMP, period_end TIMESTAMP, value DOUBLE, reference DOUBLE,
    ratio DOUBLE, unit VARCHAR, detail DOUBLE)"""



def _version(con: duckdb.DuckDBPyConnection) -> str | None:
    return per_version.data_version(con)


def _stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    return per_version.stamp(con, STAMP_KEY)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return per_version.has_tables(con, [TABLE])


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """The stored findings were computed for the data as it is now."""
    return _has_table(con) and _stamp(con) is not None and _stamp(con) == _version(con)


def _meters_of(con: duckdb.DuckDBPyConnection, changed: Changed) -> list[str]:
    """The meters whose findings a load's rows can change: its own meters; for PV rows, every meter of the
    sites' institutions (PV self-use is added to an institution's import meter)."""
    if changed.table == "readings":
        return changed.entities()
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT meter_id FROM meters WHERE institution_id IN (SELECT institution_id FROM pv_sites "
        f"WHERE {in_list('site_id', changed.entities())}) ORDER BY ALL").fetchall()]


def refresh(con: duckdb.DuckDBPyConnection, changed_table: str | None = None,
            changed: Changed | None = None, force: bool = False) -> bool:
    """Recompute the stored findings for the current data version (call after the version bump, inside the
    writer's transaction). With changed_table outside INPUT_TABLES and findings current before the bump,
    only the stamp moves (force: scan anyway). With `changed` (a load's commit or undo of readings or PV rows, etl.store.changes)
    and findings current before the bump, only the findings of the meters it can touch are recomputed and
    the others kept. Returns True when a scan ran."""
    if per_version.is_deferred():
        return False
    version = _version(con)
    if version is None:
        return False
    con.execute(_DDL)
    before = _stamp(con)
    was_current = before is not None and before.isdigit() and version.isdigit() and int(before) == int(version) - 1
    if changed_table is not None and changed_table not in INPUT_TABLES and was_current and not force:
        per_version.set_stamp(con, STAMP_KEY, version)
        return False
    scoped = was_current and not force and changed is not None and changed.table in ("readings", "pv_production")
    try:
        if scoped and changed is not None:
            meters = _meters_of(con, changed)
            kept = con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM {TABLE} "
                               f"WHERE NOT {in_list('meter_id', meters)} ORDER BY pos").df()
            found = anomalies.ordered([kept, anomalies.find_in_chunks(con, meters)])
        else:
            found = anomalies.find_in_chunks(con)
    except (KeyError, ValueError, TypeError):  # e.g. a threshold missing: readers compute (and say) it themselves
        per_version.drop_stamp(con, STAMP_KEY)
        return False
    rows = found.assign(pos=range(len(found)))
    for col in ("value", "reference", "ratio", "detail"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype("float64")
    cols = ["pos", *FINDING_COLUMNS]
    per_version.replace_rows(con, TABLE, rows[cols])
    per_version.set_stamp(con, STAMP_KEY, version)
    return True


def stored(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The stored findings as find_all returns them (FINDING_COLUMNS, same order and types)."""
    df = con.execute(f"SELECT {', '.join(FINDING_COLUMNS)} FROM {TABLE} ORDER BY pos").df()
    for col in ("period_start", "period_end"):
        df[col] = pd.to_datetime(df[col])
    for col in ("ratio", "detail"):  # find_all leaves these as objects (None where a rule has no figure)
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every rule's findings for the data as it is now: stored when current, else computed (never written)."""
    if is_current(con):
        return stored(con)
    return anomalies.find_all(con)
