"""What one load's commit or undo changed, so the tables kept per data version refresh only those rows.

    capture(con, table, source_sql)  -> Changed | None   (inside the writer's transaction, before its writes)

A commit's rows and the rows it replaces share their key (schema.TABLES: the meter or site and the time),
and an undo puts back exactly the rows its batch had replaced, so the (entity, month) pairs of the batch's
own rows are every pair whose stored rows can change. The refreshes (etl.store.rollups,
etl.metrics.anomaly_store) take a `changed` argument: with it they recompute those keys only, without it
(a registry load, a settings edit, the demo build, an older caller) they rebuild whole, as before.
Incremental is only taken where the stored rows were current before the write (`rollups_current`, and the
anomaly stamp one data version behind), so the fingerprints stay honest: current + the changed keys
recomputed = current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

# table -> (the entity column, the time column whose month is the key's month)
ENTITY = {"readings": ("meter_id", "period_start"), "pv_production": ("site_id", "ts"),
          "lpg_purchases": ("institution_id", "purchased_on")}


@dataclass(frozen=True)
class Changed:
    """The (entity, month) pairs a write touched in `table`; entity is a meter, site or institution id."""

    table: str
    keys: tuple[tuple[str, date], ...]
    rollups_current: bool  # the stored rollups held the views' rows just before the write

    def entities(self) -> list[str]:
        return sorted({e for e, _m in self.keys})

    def months(self) -> list[date]:
        return sorted({m for _e, m in self.keys})

    def frame(self) -> pd.DataFrame:
        """The pairs as a frame (entity, month) to join with."""
        return pd.DataFrame({"entity": [e for e, _m in self.keys],
                             "month": pd.to_datetime([m for _e, m in self.keys]).date
                             if self.keys else []}).astype({"entity": object})


def capture(con: duckdb.DuckDBPyConnection, table: str, source_sql: str) -> Changed | None:
    """The pairs of the rows in source_sql (a relation with the table's columns); None for a table whose
    kept rows are rebuilt whole on any change (the registers, and tables nothing is kept for)."""
    if table not in ENTITY:
        return None
    from etl.store import rollups

    entity, ts = ENTITY[table]
    rows = con.execute(f"SELECT DISTINCT {entity}, date_trunc('month', {ts})::DATE FROM {source_sql} "
                       f"WHERE {entity} IS NOT NULL AND {ts} IS NOT NULL").fetchall()
    return Changed(table, tuple((str(e), m) for e, m in rows), rollups.is_current(con))


def in_list(column: str, values: list) -> str:
    """`column IN (literals)`: a constant list DuckDB pushes into the table scan (a join would not be)."""
    if not values:
        return "false"
    out = []
    for v in values:
        if isinstance(v, date):
            out.append(f"DATE '{v.isoformat()}'")
        else:
            out.append("'" + str(v).replace("'", "''") + "'")
    return f"{column} IN ({', '.join(out)})"
