"""Every table of the database, created in one place.

Fact and registry tables carry the `batch_id` of the file that loaded each row.
Each has a shadow table `<name>__replaced` that keeps rows a later file replaced,
so that undoing that file restores exactly what was there before.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = "2-pv+formats"

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
        status VARCHAR NOT NULL              -- planned / under_construction / commissioned""",
        ("site_id",),
    ),
    "pv_production": (
        """site_id VARCHAR NOT NULL, ts TIMESTAMP NOT NULL, interval_min INTEGER NOT NULL,
        generation_kwh DOUBLE, export_kwh DOUBLE""",
        ("site_id", "ts"),
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
    # bottled LPG bought by an institution (canteens): kg, or cylinders of a stated size
    "lpg_purchases": (
        """institution_id VARCHAR NOT NULL, purchased_on DATE NOT NULL,
        lpg_kg DOUBLE NOT NULL, cylinders DOUBLE, cylinder_kg DOUBLE, amount_yuan DOUBLE, supplier VARCHAR""",
        ("institution_id", "purchased_on"),
    ),
}

# Columns added to a table after it was first shipped: created on new databases and added to existing
# ones (and their __replaced shadows) by ensure_schema, so an older database keeps working.
ADDED_COLUMNS: dict[str, tuple[str, ...]] = {
    # grid bills: 抄见 (read) energy, transformer/line losses, the power-factor adjustment (力调) and the
    # time-of-use splits; energy_kwh is the settled energy (结算电量), what the institution buys
    "readings": ("read_kwh DOUBLE", "loss_kwh DOUBLE", "pf_adjust_yuan DOUBLE", "sharp_kwh DOUBLE",
                 "peak_kwh DOUBLE", "flat_kwh DOUBLE", "valley_kwh DOUBLE", "gas_m3 DOUBLE"),
    # charging orders: energy fee and service fee; amount_yuan is the order total, paid_yuan what was paid
    "charging_sessions": ("energy_fee_yuan DOUBLE", "service_fee_yuan DOUBLE", "paid_yuan DOUBLE"),
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


# Metric building blocks, defined once in SQL. Every page and export reads through these.
VIEWS = {
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
            FROM pv_production p JOIN pv_sites s USING (site_id)
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
    for name, added in ADDED_COLUMNS.items():
        for col in added:
            for t in (name, f"{name}__replaced"):
                con.execute(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {col}")
    for name, cols in DERIVED.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols}\n)")
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, in order."""
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
