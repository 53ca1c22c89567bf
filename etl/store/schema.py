"""Every table of the database, created in one place.

Fact and registry tables carry the `batch_id` of the file that loaded each row.
Each has a shadow table `<name>__replaced` that keeps rows a later file replaced,
so that undoing that file restores exactly what was there before.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = "2-pv+site-aliases"

# table name -> (column definitions, key columns used to find rows a new file replaces)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "institutions": (
        """institution_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
        type VARCHAR NOT NULL,              -- 党政机关 / 学校 / 医院 / 其他
        floor_area_m2 DOUBLE, people INTEGER, -- 用能人数
        township VARCHAR, building_group VARCHAR""",
        ("institution_id",),
    ),
    "meters": (
        """meter_id VARCHAR NOT NULL, institution_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,               -- electricity / water / gas
        unit VARCHAR NOT NULL,               -- kWh / m3
        resolution VARCHAR NOT NULL,         -- billing / interval
        measures VARCHAR NOT NULL,           -- consumption / import / export / generation
        account_no VARCHAR, multiplier DOUBLE""",
        ("meter_id",),
    ),
    "readings": (
        """meter_id VARCHAR NOT NULL,
        period_start TIMESTAMP NOT NULL, period_end TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,             -- bill / interval
        energy_kwh DOUBLE, water_m3 DOUBLE, amount_yuan DOUBLE,
        prev_register DOUBLE, curr_register DOUBLE, multiplier DOUBLE,
        estimated BOOLEAN""",
        ("meter_id", "source", "period_start"),
    ),
    "pv_sites": (
        """site_id VARCHAR NOT NULL, name VARCHAR NOT NULL, institution_id VARCHAR,
        latitude DOUBLE, longitude DOUBLE, roof_area_m2 DOUBLE, modules INTEGER,
        module_w DOUBLE, dc_kwp DOUBLE, tilt_deg DOUBLE, azimuth_deg DOUBLE, ac_kw DOUBLE,
        construction_started_on DATE, commissioned_on DATE,
        status VARCHAR NOT NULL,             -- planned / under_construction / commissioned
        aliases VARCHAR                      -- names inverter portals use for the site, ';'-separated""",
        ("site_id",),
    ),
    "pv_production": (
        """site_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, interval_min INTEGER NOT NULL,
        generation_kwh DOUBLE, export_kwh DOUBLE""",
        # a day's report and the day's first interval share site and ts: the length keeps them apart
        ("site_id", "ts", "interval_min"),
    ),
    "weather": (
        """station VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, interval_min INTEGER NOT NULL,
        ghi_w_m2 DOUBLE, dni_w_m2 DOUBLE, dhi_w_m2 DOUBLE, poa_w_m2 DOUBLE,
        temp_air_c DOUBLE, wind_m_s DOUBLE""",
        ("station", "ts"),
    ),
    "vehicles": (
        """plate VARCHAR NOT NULL, model VARCHAR,
        fuel_type VARCHAR NOT NULL,          -- petrol / diesel / hybrid / electric
        tank_l DOUBLE, battery_kwh DOUBLE, fuel_card_no VARCHAR,
        l_per_100km DOUBLE, kwh_per_100km DOUBLE, acquired_on DATE""",
        ("plate",),
    ),
    "fuel_fills": (
        """card_no VARCHAR NOT NULL, plate VARCHAR, ts TIMESTAMP NOT NULL,
        txn_type VARCHAR NOT NULL,           -- fuel / topup (money onto the card, not fuel)
        product VARCHAR, fuel_l DOUBLE, unit_price_yuan DOUBLE, amount_yuan DOUBLE, station VARCHAR""",
        ("card_no", "ts", "txn_type"),
    ),
    "charging_sessions": (
        """plate VARCHAR NOT NULL, start_ts TIMESTAMP NOT NULL, end_ts TIMESTAMP,
        energy_kwh DOUBLE NOT NULL, amount_yuan DOUBLE, station VARCHAR""",
        ("plate", "start_ts"),
    ),
    "dispatches": (
        """dispatch_id VARCHAR NOT NULL, plate VARCHAR, driver VARCHAR,
        depart_at TIMESTAMP NOT NULL, return_at TIMESTAMP,
        destination VARCHAR, purpose VARCHAR, requesting_unit VARCHAR,
        distance_km DOUBLE, accident BOOLEAN""",
        ("dispatch_id",),
    ),
    "work_orders": (
        """order_id VARCHAR NOT NULL, building_group VARCHAR NOT NULL, location VARCHAR,
        category VARCHAR NOT NULL,           -- minor (小修) / major (大修)
        description VARCHAR, reported_at TIMESTAMP NOT NULL, closed_at TIMESTAMP,
        cost_yuan DOUBLE, complaint BOOLEAN""",
        ("order_id",),
    ),
    "meetings": (
        """meeting_id VARCHAR NOT NULL, held_on DATE NOT NULL, venue VARCHAR,
        title VARCHAR, attendees INTEGER""",
        ("meeting_id",),
    ),
    "receptions": (
        """reception_id VARCHAR NOT NULL, held_on DATE NOT NULL, guest_unit VARCHAR,
        people INTEGER NOT NULL, in_canteen BOOLEAN NOT NULL""",
        ("reception_id",),
    ),
    "visitor_groups": (
        """visit_id VARCHAR NOT NULL, visited_on DATE NOT NULL, people INTEGER NOT NULL,
        topic VARCHAR""",
        ("visit_id",),
    ),
    "certifications": (
        """institution_id VARCHAR NOT NULL,
        program VARCHAR NOT NULL,            -- jieyue (节约型机关) / jieshui (节水型单位)
        stage VARCHAR NOT NULL, stage_date DATE NOT NULL, note VARCHAR""",
        ("institution_id", "program", "stage"),
    ),
}

# Tables computed from others (no batch_id, no undo): the PV model's expected output and a record of
# each model run with the fingerprint of its inputs (sites, weather batches, settings), so the app knows
# when to recompute (etl/pv/project.py).
DERIVED = {
    "pv_expected": """site_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, interval_min INTEGER NOT NULL,
        ac_kwh DOUBLE, poa_kwh_m2 DOUBLE, temp_cell_c DOUBLE,
        weather_source VARCHAR NOT NULL      -- synthetic / clearsky / measured""",
    "pv_model_runs": """run_id INTEGER NOT NULL, fingerprint VARCHAR NOT NULL, computed_at TIMESTAMP NOT NULL,
        mode VARCHAR NOT NULL,               -- auto / synthetic / clearsky / measured (as requested)
        years_requested VARCHAR,             -- JSON list, NULL = the years with measured production
        weather VARCHAR NOT NULL,            -- what was used: synthetic / clearsky / measured:<station>
        first_year INTEGER, last_year INTEGER, interval_min INTEGER, rows BIGINT, seconds DOUBLE""",
}

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS load_batches (
    batch_id INTEGER NOT NULL, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL, rows_loaded INTEGER NOT NULL, rows_replaced INTEGER NOT NULL,
    period_start TIMESTAMP, period_end TIMESTAMP,
    loaded_by VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,             -- loaded / undone
    undone_by VARCHAR, undone_at TIMESTAMP);
"""


def pv_counted_sql(src: str = "pv_production") -> str:
    """PV rows that count, one resolution per site and period (like a bill over interval data).

    A monthly report counts for its month; a daily report for its day where no monthly report covers it;
    interval rows where neither covers their day, and of overlapping interval rows (a day exported at
    15 and at 60 min) only the newest batch's. A row that does not count stays stored (undo, the
    comparison with the model's intervals) but is never added. `src` is any relation with the columns of
    pv_production (the upload preview passes the file's rows merged with the stored ones).
    """
    return f"""
        WITH p AS (
            SELECT *, CASE WHEN interval_min < 1440 THEN 'interval' WHEN interval_min = 1440 THEN 'day'
                           ELSE 'month' END AS resolution,
                   ts + to_minutes(interval_min) AS ts_end
            FROM {src}),
        months AS (SELECT DISTINCT site_id, date_trunc('month', ts) AS m FROM p WHERE resolution = 'month'),
        days AS (SELECT DISTINCT site_id, date_trunc('day', ts) AS d FROM p WHERE resolution = 'day'),
        iv AS (SELECT site_id, ts, ts_end, batch_id FROM p WHERE resolution = 'interval')
        SELECT p.* EXCLUDE (ts_end) FROM p
        WHERE p.resolution = 'month'
           OR (NOT EXISTS (SELECT 1 FROM months x WHERE x.site_id = p.site_id AND x.m = date_trunc('month', p.ts))
               AND (p.resolution = 'day'
                    OR (NOT EXISTS (SELECT 1 FROM days y WHERE y.site_id = p.site_id
                                    AND y.d = date_trunc('day', p.ts))
                        AND NOT EXISTS (SELECT 1 FROM iv q WHERE q.site_id = p.site_id AND q.batch_id > p.batch_id
                                        AND q.ts < p.ts_end AND p.ts < q.ts_end))))"""


# Metric building blocks, defined once in SQL. Every page and export reads through these.
VIEWS = {
    # PV generation and export that count: one resolution per site and period, never twice.
    "pv_counted": pv_counted_sql(),
    # One figure per meter and month: the bill when there is one, else the sum of the intervals,
    # so a meter with both never counts twice.
    "meter_month": """
        WITH r AS (
            SELECT meter_id, date_trunc('month', period_start)::DATE AS month, source,
                   sum(energy_kwh) AS energy_kwh, sum(water_m3) AS water_m3,
                   bool_or(coalesce(estimated, false)) AS estimated, count(*) AS readings
            FROM readings GROUP BY ALL),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY meter_id, month ORDER BY (source = 'bill') DESC) AS rk
            FROM r)
        SELECT meter_id, month, source, energy_kwh, water_m3, estimated, readings FROM ranked WHERE rk = 1""",
    # Per institution and month. At a PV host the grid meter sees import only:
    # use = grid import + PV generation - export.
    "institution_month": """
        WITH m AS (
            SELECT mt.institution_id, mm.month,
                   sum(CASE WHEN mt.kind = 'electricity' AND mt.measures IN ('consumption', 'import')
                            THEN mm.energy_kwh END) AS grid_import_kwh,
                   sum(CASE WHEN mt.kind = 'water' THEN mm.water_m3 END) AS water_m3
            FROM meter_month mm JOIN meters mt USING (meter_id) GROUP BY ALL),
        pv AS (
            SELECT s.institution_id, date_trunc('month', p.ts)::DATE AS month,
                   sum(p.generation_kwh) AS pv_generation_kwh, sum(coalesce(p.export_kwh, 0)) AS pv_export_kwh
            FROM pv_counted p JOIN pv_sites s USING (site_id)
            WHERE s.institution_id IS NOT NULL GROUP BY ALL)
        SELECT coalesce(m.institution_id, pv.institution_id) AS institution_id,
               coalesce(m.month, pv.month) AS month,
               coalesce(m.grid_import_kwh, 0) AS grid_import_kwh,
               coalesce(pv.pv_generation_kwh, 0) AS pv_generation_kwh,
               coalesce(pv.pv_export_kwh, 0) AS pv_export_kwh,
               coalesce(pv.pv_generation_kwh, 0) - coalesce(pv.pv_export_kwh, 0) AS pv_self_use_kwh,
               coalesce(m.grid_import_kwh, 0) + coalesce(pv.pv_generation_kwh, 0)
                   - coalesce(pv.pv_export_kwh, 0) AS electricity_use_kwh,
               m.water_m3
        FROM m FULL OUTER JOIN pv ON m.institution_id = pv.institution_id AND m.month = pv.month""",
}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables; cheap when they exist already."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if row and row[0][0] == SCHEMA_VERSION:
            return
    except duckdb.CatalogException:
        pass
    con.execute(_BOOKKEEPING)
    for name, (cols, _key) in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols}\n, batch_id INTEGER NOT NULL)")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {name}__replaced ({cols}\n, batch_id INTEGER NOT NULL, "
            "replaced_by INTEGER NOT NULL)"
        )
    _add_new_columns(con)
    for name, cols in DERIVED.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols}\n)")
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A database made by an older version gets the columns added since (e.g. pv_sites.aliases).

    The shadow table is rebuilt rather than altered: commit() fills it by position, and an added
    column would land after batch_id / replaced_by.
    """
    for name, (cols, _key) in TABLES.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE _expected_cols ({cols}\n)")
        want = [(r[0], r[1]) for r in con.execute("DESCRIBE _expected_cols").fetchall()]
        con.execute("DROP TABLE _expected_cols")
        have = set(columns(con, name))
        missing = [(c, t) for c, t in want if c not in have]
        if not missing:
            continue
        for c, t in missing:
            con.execute(f"ALTER TABLE {name} ADD COLUMN {c} {t}")
        old = set(columns(con, f"{name}__replaced"))
        select = ", ".join(c if c in old else f"CAST(NULL AS {t}) AS {c}" for c, t in want)
        con.execute(f"CREATE TABLE _rebuilt AS SELECT {select}, batch_id, replaced_by FROM {name}__replaced")
        con.execute(f"DROP TABLE {name}__replaced")
        con.execute(f"ALTER TABLE _rebuilt RENAME TO {name}__replaced")


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, in order."""
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
