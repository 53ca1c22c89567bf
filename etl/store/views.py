"""The metric layer: every conversion and figure defined once, as SQL views on the fact and reference tables.

Read from the bottom up (each view builds on the ones above it):

- `is_purchased(kind, measures)` (macro): electricity a meter counts as bought — consumption or grid
  import; export and generation meters are not; piped gas is bought.
- `pv_self_use(generation, export)` (macro): PV used on site = generation − export.
- `factor_year`: one row per year, one column per factor (`ref_factors`, the factor valid in that year).
- `basis_year`: every conversion the pages offer — coal (当量值 dangliang / 等价值 dengjia) × grid
  (national / south / guangxi) — per year with the factor values that choice applies.
- `meter_month_converted`: one row per meter and month (`meter_month`: the bill, else the intervals), unit
  from the meter registry, the purchased flag, kgce 当量值 and 等价值, kgCO2 by grid level.
- `institution_month`: grid import, PV generation / export / self-use, electricity use, water, gas.
- `institution_month_energy`: institution_month × basis_year: kgce of electricity and gas, kgCO2, and the
  coal and CO2 the PV self-use avoided.
- `pv_year`: the PV project's 综合节能率 and the coal and CO2 its on-site use avoided, per basis.
- `fleet_year`: official-vehicle fuel (litres × density × kgce/kg or kgCO2/kg), charging (kWh × grid
  factor, per grid level), dispatches, km.
- `institution_year`: energy of every kind, water, area, people and intensities per institution.
- `scope_year`: the same for the county, each type and each institution (one definition of the
  intensities), with `with_fleet` true/false: at county level 综合能耗 adds the fleet's fuel when true
  (the default of every page and report); `fleet_fuel_kgce` and `fleet_share_pct` are always there.
- `county_year`: scope_year's county rows.

CO2 counts purchased electricity (scope 2); fleet CO2 is in fleet_year (scope 1 fuel, scope 2 charging).
"""

from __future__ import annotations

import duckdb

# kWh of a meter that count as bought energy; one definition for every query
MACROS = {
    "is_purchased": "(kind, measures) AS (kind = 'electricity' AND measures IN ('consumption', 'import'))"
                    " OR kind = 'gas'",
    "pv_self_use": "(generation, export) AS coalesce(generation, 0) - coalesce(export, 0)",
}

COALS = ("dangliang", "dengjia")
GRIDS = ("national", "south", "guangxi")
# factor ids of data/factors.csv behind each choice
ELECTRICITY_COAL = {"dangliang": "elec_kgce_dangliang", "dengjia": "elec_kgce_dengjia"}
GRID_CO2 = {"national": "grid_co2_national", "south": "grid_co2_south", "guangxi": "grid_co2_guangxi"}
FACTOR_COLUMNS = (*ELECTRICITY_COAL.values(), *GRID_CO2.values(), "natural_gas_kgce_per_m3", "petrol_density",
                  "diesel_density", "petrol_kgce_per_kg", "diesel_kgce_per_kg", "petrol_co2_per_kg",
                  "diesel_co2_per_kg")

_FACTOR_COLS = ",\n".join(f"max(f.value) FILTER (WHERE f.factor_id = '{c}') AS {c}" for c in FACTOR_COLUMNS)
_INTENSITIES = """
    energy_kgce / nullif(floor_area_m2, 0) AS energy_kgce_per_m2,
    energy_kgce / nullif(people, 0) AS energy_kgce_per_person,
    water_m3 / nullif(people, 0) AS water_m3_per_person,
    1000 * co2_t / nullif(floor_area_m2, 0) AS co2_kg_per_m2"""
_SUMS = """
    sum(electricity_use_kwh) AS electricity_use_kwh, sum(grid_import_kwh) AS grid_import_kwh,
    sum(pv_generation_kwh) AS pv_generation_kwh, sum(pv_export_kwh) AS pv_export_kwh,
    sum(pv_self_use_kwh) AS pv_self_use_kwh, sum(gas_m3) AS gas_m3, sum(water_m3) AS water_m3,
    sum(electricity_kgce) AS electricity_kgce, sum(gas_kgce) AS gas_kgce,
    sum(pv_avoided_kgce) AS pv_avoided_kgce, sum(pv_avoided_co2_t) AS pv_avoided_co2_t"""

_SCOPE_SUMS = f"""sum(floor_area_m2) AS floor_area_m2, sum(people) AS people, {_SUMS},
                   sum(energy_kgce) AS buildings_kgce, sum(co2_t) AS co2_t"""

VIEWS = {
    "factor_year": f"""
        WITH y AS (SELECT range::INTEGER AS year
                   FROM range((SELECT min(valid_from) FROM ref_factors), (SELECT max(valid_to) FROM ref_factors) + 1))
        SELECT y.year, {_FACTOR_COLS}
        FROM y LEFT JOIN ref_factors f ON y.year BETWEEN f.valid_from AND f.valid_to
        GROUP BY y.year""",
    "basis_year": """
        SELECT f.*, c.coal, g.grid,
               CASE c.coal WHEN 'dangliang' THEN f.elec_kgce_dangliang ELSE f.elec_kgce_dengjia END
                   AS elec_kgce_per_kwh,
               CASE g.grid WHEN 'national' THEN f.grid_co2_national WHEN 'south' THEN f.grid_co2_south
                           ELSE f.grid_co2_guangxi END AS grid_kgco2_per_kwh
        FROM factor_year f, (VALUES ('dangliang'), ('dengjia')) c(coal),
             (VALUES ('national'), ('south'), ('guangxi')) g(grid)""",
    "meter_month_converted": """
        SELECT mm.meter_id, mt.institution_id, mt.kind, mt.measures, mt.unit, mt.resolution,
               mm.month, year(mm.month) AS year, mm.source, mm.estimated, mm.readings,
               coalesce(mm.energy_kwh, mm.water_m3) AS quantity,
               mm.energy_kwh, CASE WHEN mt.kind = 'water' THEN mm.water_m3 END AS water_m3,
               CASE WHEN mt.kind = 'gas' THEN mm.water_m3 END AS gas_m3,
               is_purchased(mt.kind, mt.measures) AS purchased,
               CASE WHEN mt.kind = 'gas' THEN mm.water_m3 * f.natural_gas_kgce_per_m3
                    WHEN is_purchased(mt.kind, mt.measures) THEN mm.energy_kwh * f.elec_kgce_dangliang END
                   AS kgce_dangliang,
               CASE WHEN mt.kind = 'gas' THEN mm.water_m3 * f.natural_gas_kgce_per_m3
                    WHEN is_purchased(mt.kind, mt.measures) THEN mm.energy_kwh * f.elec_kgce_dengjia END
                   AS kgce_dengjia,
               CASE WHEN mt.kind = 'electricity' AND is_purchased(mt.kind, mt.measures)
                    THEN mm.energy_kwh * f.grid_co2_national END AS kgco2_national,
               CASE WHEN mt.kind = 'electricity' AND is_purchased(mt.kind, mt.measures)
                    THEN mm.energy_kwh * f.grid_co2_south END AS kgco2_south,
               CASE WHEN mt.kind = 'electricity' AND is_purchased(mt.kind, mt.measures)
                    THEN mm.energy_kwh * f.grid_co2_guangxi END AS kgco2_guangxi
        FROM meter_month mm JOIN meters mt USING (meter_id) LEFT JOIN factor_year f ON f.year = year(mm.month)""",
    # Per institution and month. At a PV host the grid meter sees import only:
    # use = grid import + PV generation - export.
    "institution_month": """
        WITH m AS (
            SELECT institution_id, month,
                   sum(CASE WHEN kind = 'electricity' AND purchased THEN energy_kwh END) AS grid_import_kwh,
                   sum(water_m3) AS water_m3, sum(gas_m3) AS gas_m3
            FROM meter_month_converted GROUP BY ALL),
        pv AS (
            SELECT s.institution_id, date_trunc('month', p.ts)::DATE AS month,
                   sum(p.generation_kwh) AS pv_generation_kwh, sum(coalesce(p.export_kwh, 0)) AS pv_export_kwh
            FROM pv_counted p JOIN pv_sites s USING (site_id)  -- one resolution per site and period
            WHERE s.institution_id IS NOT NULL GROUP BY ALL)
        SELECT coalesce(m.institution_id, pv.institution_id) AS institution_id,
               coalesce(m.month, pv.month) AS month,
               coalesce(m.grid_import_kwh, 0) AS grid_import_kwh,
               coalesce(pv.pv_generation_kwh, 0) AS pv_generation_kwh,
               coalesce(pv.pv_export_kwh, 0) AS pv_export_kwh,
               pv_self_use(pv.pv_generation_kwh, pv.pv_export_kwh) AS pv_self_use_kwh,
               coalesce(m.grid_import_kwh, 0) + pv_self_use(pv.pv_generation_kwh, pv.pv_export_kwh)
                   AS electricity_use_kwh,
               m.water_m3, m.gas_m3
        FROM m FULL OUTER JOIN pv ON m.institution_id = pv.institution_id AND m.month = pv.month""",
    "institution_month_energy": """
        SELECT m.*, year(m.month) AS year, b.coal, b.grid,
               m.grid_import_kwh * b.elec_kgce_per_kwh AS electricity_kgce,
               coalesce(m.gas_m3, 0) * b.natural_gas_kgce_per_m3 AS gas_kgce,
               m.grid_import_kwh * b.elec_kgce_per_kwh + coalesce(m.gas_m3, 0) * b.natural_gas_kgce_per_m3
                   AS energy_kgce,
               m.grid_import_kwh * b.grid_kgco2_per_kwh / 1000 AS co2_t,
               m.pv_self_use_kwh * b.elec_kgce_per_kwh AS pv_avoided_kgce,
               m.pv_self_use_kwh * b.grid_kgco2_per_kwh / 1000 AS pv_avoided_co2_t
        FROM institution_month m JOIN basis_year b ON b.year = year(m.month)""",
    # The PV project's year: 综合节能率 = PV used on site / the hosts' electricity use, counting only months in
    # which a host's site produced (a site commissioned in November does not dilute the rate with ten empty
    # months); the coal and CO2 that PV use avoided, at each basis. CO2 on generation is for the EMC's reports.
    "pv_year": """
        WITH m AS (
            SELECT year(month) AS year, sum(pv_generation_kwh) AS pv_generation_kwh,
                   sum(pv_self_use_kwh) AS pv_self_use_kwh, sum(electricity_use_kwh) AS host_use_kwh
            FROM institution_month
            WHERE pv_generation_kwh > 0
              AND institution_id IN (SELECT institution_id FROM pv_sites WHERE institution_id IS NOT NULL)
            GROUP BY ALL)
        SELECT m.year, b.coal, b.grid, m.pv_generation_kwh, m.pv_self_use_kwh, m.host_use_kwh,
               100 * m.pv_self_use_kwh / nullif(m.host_use_kwh, 0) AS saving_rate_pct,
               b.elec_kgce_per_kwh AS coal_factor, b.grid_kgco2_per_kwh AS co2_factor,
               m.pv_self_use_kwh * b.elec_kgce_per_kwh AS kgce_avoided,
               m.pv_self_use_kwh * b.grid_kgco2_per_kwh / 1000 AS co2_t_avoided_self_use,
               m.pv_generation_kwh * b.grid_kgco2_per_kwh / 1000 AS co2_t_avoided_generation
        FROM m JOIN basis_year b USING (year)""",
    # Official vehicles. A fill counts as diesel when its product or its vehicle says diesel; top-ups
    # (money onto a card) are not fuel. Fuel is scope 1, charging scope 2 at the year's grid factor.
    "fleet_year": """
        WITH fills AS (
            SELECT year(f.ts) AS year,
                   sum(f.fuel_l) FILTER (WHERE NOT is_diesel) AS petrol_l,
                   sum(f.fuel_l) FILTER (WHERE is_diesel) AS diesel_l, sum(f.amount_yuan) AS fuel_yuan
            FROM (SELECT f.*, (coalesce(f.product, '') LIKE '%柴%' OR v.fuel_type = 'diesel') AS is_diesel
                  FROM fuel_fills f LEFT JOIN vehicles v USING (plate) WHERE f.txn_type = 'fuel') f
            GROUP BY ALL),
        charging AS (SELECT year(start_ts) AS year, sum(energy_kwh) AS charging_kwh,
                            sum(amount_yuan) AS charging_yuan FROM charging_sessions GROUP BY ALL),
        trips AS (SELECT year(d.depart_at) AS year, count(*) AS dispatches, sum(d.distance_km) AS distance_km,
                         count(*) FILTER (WHERE v.fuel_type = 'electric') AS ev_dispatches,
                         count(*) FILTER (WHERE v.fuel_type IN ('electric', 'hybrid')) AS ev_hybrid_dispatches
                  FROM dispatches d LEFT JOIN vehicles v USING (plate) GROUP BY ALL),
        y AS (SELECT year FROM fills UNION SELECT year FROM charging UNION SELECT year FROM trips),
        x AS (
            SELECT y.year, b.grid,
                   coalesce(petrol_l, 0) AS petrol_l, coalesce(diesel_l, 0) AS diesel_l,
                   coalesce(petrol_l, 0) * b.petrol_density * b.petrol_kgce_per_kg
                     + coalesce(diesel_l, 0) * b.diesel_density * b.diesel_kgce_per_kg AS fuel_kgce,
                   (coalesce(petrol_l, 0) * b.petrol_density * b.petrol_co2_per_kg
                     + coalesce(diesel_l, 0) * b.diesel_density * b.diesel_co2_per_kg) / 1000 AS fuel_co2_t,
                   coalesce(charging_kwh, 0) AS charging_kwh,
                   coalesce(charging_kwh, 0) * b.grid_kgco2_per_kwh / 1000 AS charging_co2_t,
                   coalesce(fuel_yuan, 0) AS fuel_yuan, coalesce(charging_yuan, 0) AS charging_yuan,
                   coalesce(dispatches, 0) AS dispatches, coalesce(distance_km, 0) AS distance_km,
                   coalesce(ev_dispatches, 0) AS ev_dispatches,
                   coalesce(ev_hybrid_dispatches, 0) AS ev_hybrid_dispatches
            FROM y LEFT JOIN fills USING (year) LEFT JOIN charging USING (year) LEFT JOIN trips USING (year)
            JOIN basis_year b ON b.year = y.year AND b.coal = 'dangliang')
        SELECT *, fuel_co2_t + charging_co2_t AS fleet_co2_t,
               1000 * (fuel_co2_t + charging_co2_t) / nullif(dispatches, 0) AS co2_kg_per_dispatch,
               100 * ev_dispatches / nullif(dispatches, 0) AS electric_share_pct
        FROM x""",
    "institution_year": f"""
        WITH s AS (
            SELECT e.institution_id, i.name, i.type, e.year, e.coal, e.grid,
                   any_value(i.floor_area_m2) AS floor_area_m2, any_value(i.people) AS people, {_SUMS},
                   sum(energy_kgce) AS energy_kgce, sum(co2_t) AS co2_t
            FROM institution_month_energy e JOIN institutions i USING (institution_id) GROUP BY ALL)
        SELECT *, {_INTENSITIES} FROM s""",
    # one branch per level (UNION ALL), so a query for the county never aggregates types or institutions
    "scope_year": f"""
        WITH g AS (
            SELECT 'county' AS level, year, coal, grid, NULL::VARCHAR AS type, NULL::VARCHAR AS institution_id,
                   {_SCOPE_SUMS} FROM institution_year GROUP BY year, coal, grid
            UNION ALL
            SELECT 'type', year, coal, grid, type, NULL, {_SCOPE_SUMS}
            FROM institution_year GROUP BY year, coal, grid, type
            UNION ALL
            SELECT 'institution', year, coal, grid, type, institution_id, {_SCOPE_SUMS}
            FROM institution_year GROUP BY year, coal, grid, type, institution_id),
        f AS (
            SELECT g.*, w.with_fleet,
                   CASE WHEN g.level = 'county' THEN coalesce(fl.fuel_kgce, 0) END AS fleet_fuel_kgce,
                   CASE WHEN g.level = 'county' AND w.with_fleet THEN coalesce(fl.fuel_kgce, 0) ELSE 0 END
                       AS fleet_kgce
            FROM g CROSS JOIN (VALUES (true), (false)) w(with_fleet)
            LEFT JOIN fleet_year fl ON g.level = 'county' AND fl.year = g.year AND fl.grid = g.grid),
        e AS (SELECT *, buildings_kgce + fleet_kgce AS energy_kgce,
                     100 * fleet_fuel_kgce / nullif(buildings_kgce + fleet_fuel_kgce, 0) AS fleet_share_pct
              FROM f)
        SELECT *, {_INTENSITIES} FROM e""",
    "county_year": """
        SELECT * EXCLUDE (level, type, institution_id) FROM scope_year WHERE level = 'county'""",
}


def create(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the macros and views, in dependency order."""
    for name, body in MACROS.items():
        con.execute(f"CREATE OR REPLACE MACRO {name}{body}")
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
