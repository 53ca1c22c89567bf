"""Every table of the database, created in one place.

Fact and registry tables carry the `batch_id` of the file that loaded each row.
Each has a shadow table `<name>__replaced` that keeps rows a later file replaced,
so that undoing that file restores exactly what was there before.
"""

from __future__ import annotations

import re

import duckdb

SCHEMA_VERSION = "10-target-source-en+stored-rollups+meter-capacity"

# Columns that interval rows (nearly all rows) leave empty or constant. DuckDB stores an empty or constant
# segment as a constant whatever the column's compression; told not to compress, it skips choosing a
# method for it. Choosing costs ~40 ms per column per million rows written (27 % of a load's insert into
# this table, bench/bench_loader.py); the few bill rows stay uncompressed, a few kB. Tables built
# before keep DuckDB's default (same rows, slower inserts).
_BILL_ONLY = "USING COMPRESSION uncompressed"

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
        account_no VARCHAR, multiplier DOUBLE,
        capacity_kva DOUBLE,                 -- electricity: 报装容量/合同容量 (kVA), bounds usage per hour
        caliber_mm DOUBLE                    -- water: 口径 (DN, mm), its flow in data/water_meter_flow.csv""",
        ("meter_id",),
    ),
    "readings": (
        f"""meter_id VARCHAR NOT NULL,
        period_start TIMESTAMP NOT NULL, period_end TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,             -- bill / interval
        energy_kwh DOUBLE, water_m3 DOUBLE, amount_yuan DOUBLE {_BILL_ONLY},
        prev_register DOUBLE {_BILL_ONLY}, curr_register DOUBLE {_BILL_ONLY}, multiplier DOUBLE {_BILL_ONLY},
        estimated BOOLEAN {_BILL_ONLY},
        -- grid bills: energy_kwh is the settled energy (结算电量, what is bought); the read energy (抄见),
        -- losses (变损 + 线损), the power-factor adjustment (力调电费) and time-of-use splits (尖/峰/平/谷)
        read_kwh DOUBLE {_BILL_ONLY}, loss_kwh DOUBLE {_BILL_ONLY}, pf_adjust_yuan DOUBLE {_BILL_ONLY},
        sharp_kwh DOUBLE {_BILL_ONLY}, peak_kwh DOUBLE {_BILL_ONLY}, flat_kwh DOUBLE {_BILL_ONLY},
        valley_kwh DOUBLE {_BILL_ONLY}""",
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
        fuel_type VARCHAR NOT NULL,          -- petrol / diesel / hybrid (油电混合) / phev (插电式) / erev (增程式) / electric
        tank_l DOUBLE, battery_kwh DOUBLE, fuel_card_no VARCHAR,
        l_per_100km DOUBLE, kwh_per_100km DOUBLE, acquired_on DATE,
        displacement_l DOUBLE, power_kw DOUBLE, registered_on DATE, disposed_on DATE,
        use_mode VARCHAR                     -- pooled (统筹调度) / assigned (定向保障)""",
        ("plate",),
    ),
    "fuel_fills": (
        """card_no VARCHAR NOT NULL, plate VARCHAR, ts TIMESTAMP NOT NULL,
        txn_type VARCHAR NOT NULL,           -- fuel / topup (money onto the card, not fuel)
        product VARCHAR, fuel_l DOUBLE, unit_price_yuan DOUBLE, amount_yuan DOUBLE, station VARCHAR,
        odometer_km DOUBLE                   -- odometer on the receipt, when written""",
        ("card_no", "ts", "txn_type"),
    ),
    "charging_sessions": (
        """plate VARCHAR NOT NULL, start_ts TIMESTAMP NOT NULL, end_ts TIMESTAMP,
        energy_kwh DOUBLE NOT NULL, amount_yuan DOUBLE, station VARCHAR,
        -- charging orders: 电费 and 服务费; amount_yuan is the order total, paid_yuan what was paid (实付)
        energy_fee_yuan DOUBLE, service_fee_yuan DOUBLE, paid_yuan DOUBLE""",
        ("plate", "start_ts"),
    ),
    "dispatches": (
        """dispatch_id VARCHAR NOT NULL, plate VARCHAR, driver VARCHAR,
        depart_at TIMESTAMP NOT NULL, return_at TIMESTAMP,
        destination VARCHAR, purpose VARCHAR, requesting_unit VARCHAR,
        distance_km DOUBLE, accident BOOLEAN,
        odo_out_km DOUBLE, odo_back_km DOUBLE -- 出车里程 / 回车里程 (odometer out and back)""",
        ("dispatch_id",),
    ),
    "vehicle_costs": (
        """plate VARCHAR NOT NULL, cost_date DATE NOT NULL,
        category VARCHAR NOT NULL,           -- repair / service / insurance / inspection / other
        amount_yuan DOUBLE NOT NULL, note VARCHAR""",
        ("plate", "cost_date", "category"),
    ),
    "vehicle_secondments": (
        """plate VARCHAR NOT NULL, driver VARCHAR, start_on DATE NOT NULL, end_on DATE,
        seconded_to VARCHAR, note VARCHAR""",
        ("plate", "start_on"),
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
    # An officer's "explained" mark on a fuel-card flag (etl/metrics/fleet.py): the flag itself is computed
    # from the data; its key (code, plate, ts) finds the mark again, with the evidence as it was then.
    "fleet_flag_notes": """code VARCHAR NOT NULL, plate VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
        evidence VARCHAR, note VARCHAR NOT NULL, explained_by VARCHAR NOT NULL, explained_at TIMESTAMP NOT NULL""",
}

# Records officers write in the app, kept as a history (a change is a new row; undo marks a row undone, so the
# row before it counts again): certification checklist marks and evidence files (etl/metrics/certification.py).
RECORDS = {
    "cert_item_marks": """mark_id INTEGER NOT NULL, institution_id VARCHAR NOT NULL, program VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL, year INTEGER NOT NULL,
        state VARCHAR NOT NULL,              -- todo / in_progress / met / not_met
        score DOUBLE,                        -- the officer's score (overrides a computed score; both kept)
        computed_score DOUBLE, computed_value DOUBLE, -- what the database said when the mark was made
        note VARCHAR, marked_by VARCHAR NOT NULL, marked_at TIMESTAMP NOT NULL,
        undone_by VARCHAR, undone_at TIMESTAMP""",
    "cert_evidence": """evidence_id INTEGER NOT NULL, institution_id VARCHAR NOT NULL, program VARCHAR NOT NULL,
        item_id VARCHAR, sha256 VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
        file_type VARCHAR NOT NULL,          -- pdf / jpg / png / xlsx / docx (checked from the content)
        size_bytes BIGINT NOT NULL, added_by VARCHAR NOT NULL, added_at TIMESTAMP NOT NULL,
        undone_by VARCHAR, undone_at TIMESTAMP""",
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
    interval rows where neither covers their day, and of interval rows of one site and hour from several
    files (a day exported at 15 and at 60 min) only the newest batch's. A row that does not count stays
    stored (undo, the comparison with the model's intervals) but is never added. `src` is any relation
    with the columns of pv_production (the upload preview passes the file's rows merged with the stored).
    Equality joins and a window only: it must stay fast on years of 15-min data.
    """
    return f"""
        WITH p AS (
            SELECT *, CASE WHEN interval_min < 1440 THEN 'interval' WHEN interval_min = 1440 THEN 'day'
                           ELSE 'month' END AS resolution,
                   date_trunc('month', ts) AS _m, date_trunc('day', ts) AS _d, date_trunc('hour', ts) AS _h
            FROM {src}),
        months AS (SELECT DISTINCT site_id, _m FROM p WHERE resolution = 'month'),
        days AS (SELECT DISTINCT site_id, _d FROM p WHERE resolution = 'day'),
        iv AS (SELECT * FROM p WHERE resolution = 'interval'),
        -- hours with interval rows of several files (rare): the older files' rows there do not count
        several AS (SELECT site_id, _h, max(batch_id) AS newest FROM iv GROUP BY ALL HAVING min(batch_id) < max(batch_id)),
        stale AS (SELECT DISTINCT iv.site_id, iv._h, iv.batch_id FROM iv JOIN several USING (site_id, _h)
                  WHERE iv.batch_id < several.newest),
        dy AS (SELECT * FROM p WHERE resolution = 'day')
        SELECT * EXCLUDE (_m, _d, _h) FROM p WHERE resolution = 'month'
        UNION ALL
        SELECT * EXCLUDE (_m, _d, _h) FROM dy ANTI JOIN months USING (site_id, _m)
        UNION ALL
        SELECT * EXCLUDE (_m, _d, _h) FROM iv ANTI JOIN months USING (site_id, _m) ANTI JOIN days USING (site_id, _d)
            ANTI JOIN stale USING (site_id, _h, batch_id)"""


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
    # institution_month and every converted figure: etl/store/views.py (the metric layer)
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
    for name, cols in {**DERIVED, **RECORDS}.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols}\n)")
    _add_new_columns(con)
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
    _metric_layer(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def _metric_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Reference tables (seeded from data/ when empty) and the metric views on them."""
    from etl.store import reference, rollups, views

    reference.create(con)
    reference.seed(con)
    views.create(con)
    rollups.create(con)  # pv_counted, meter_month, institution_month kept as tables by the writers


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Columns added to a table after a database was built (odometers, vehicle details): add them empty.
    The shadow table is rebuilt in the declared order, because the loader copies rows into it by position."""
    for name, (cols, _key) in TABLES.items():
        have = set(columns(con, name))
        defs = [p.split()[:2] for p in re.sub(r"--[^\n]*", "", cols).split(",") if len(p.split()) >= 2]
        missing = [(c, typ) for c, typ in defs if c not in have]
        if not missing:
            continue
        for c, typ in missing:
            con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {c} {typ}")
        select = ", ".join(c if c in have else f"CAST(NULL AS {typ}) AS {c}" for c, typ in defs)
        con.execute(f"CREATE OR REPLACE TABLE {name}__replaced AS "
                    f"SELECT {select}, batch_id, replaced_by FROM {name}__replaced")


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Column names of a table, in order."""
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
