"""The energy page's figures: drill-down county → type → institution → meter, built on etl.metrics.figures.

Every function takes an open connection and returns a DataFrame (or a dict); the page caches
them through ui.common.query. Definitions are those of etl.metrics.figures and the views of etl.store.schema:

- energy_kgce: purchased electricity (grid import or plain consumption meters) × the 电力折标
  factor valid in the reading's year (当量值 or 等价值, ref_factors), plus piped gas. PV used on site is a
  saving, not consumption. Official-vehicle fuel is counted at county level by default (include_fleet).
- Every conversion is a view of etl/store/views.py; the functions here choose rows and columns.
- co2_t: the same kWh × the year's grid factor (national, South China regional or Guangxi).
- Per-m2 and per-person figures count the floor area and people of institutions with data in the year.
- A meter's month is one figure (meter_month view): the bill if any, else the sum of its intervals.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from etl.metrics import factors, figures
from etl.store.views import COALS, GRIDS

INTENSITIES = ("energy_kgce_per_m2", "energy_kgce_per_person", "water_m3_per_person", "co2_kg_per_m2")


def level_of(type_: str | None, institution_id: str | None, meter_id: str | None) -> str:
    """The drill-down level a selection stands for."""
    if meter_id:
        return "meter"
    if institution_id:
        return "institution"
    if type_:
        return "type"
    return "county"


def _columns(coal: str, grid: str) -> tuple[str, str]:
    """The meter_month_converted columns of a conversion choice (kgce_<coal>, kgco2_<grid>)."""
    if coal not in COALS or grid not in GRIDS:
        raise ValueError(f"unknown conversion {coal}/{grid}")
    return f"kgce_{coal}", f"kgco2_{grid}"


def data_years(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    """First and last year with meter or PV data."""
    row = con.execute("SELECT min(year(month)), max(year(month)) FROM institution_month").fetchall()[0]
    return None if row[0] is None else (int(row[0]), int(row[1]))


# ------------------------------------------------------------------ registries for the selectors


def institution_types(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT type FROM institutions ORDER BY type").fetchall()]


def institutions(con: duckdb.DuckDBPyConnection, type_: str | None = None) -> pd.DataFrame:
    """institution_id, name, type, floor_area_m2, people (of one type, or all)."""
    return con.execute("""
        SELECT institution_id, name, type, floor_area_m2, people FROM institutions
        WHERE ? IS NULL OR type = ? ORDER BY institution_id""", [type_, type_]).df()


def meters(con: duckdb.DuckDBPyConnection, institution_id: str | None = None) -> pd.DataFrame:
    """meter_id, institution_id, kind, unit, resolution, measures, and whether it has interval data."""
    return con.execute("""
        SELECT mt.meter_id, mt.institution_id, i.name, i.type, mt.kind, mt.unit, mt.resolution, mt.measures,
               EXISTS (SELECT 1 FROM readings r WHERE r.meter_id = mt.meter_id AND r.source = 'interval')
                   AS has_intervals
        FROM meters mt JOIN institutions i USING (institution_id)
        WHERE ? IS NULL OR mt.institution_id = ? ORDER BY mt.meter_id""", [institution_id, institution_id]).df()


# ------------------------------------------------------------------ per year, per scope


def scope_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
                  grid: str = "guangxi", type_: str | None = None, institution_id: str | None = None,
                  include_fleet: bool = True) -> pd.DataFrame:
    """figures.intensity_by_year for the selected scope (county, one type or one institution).

    Official-vehicle fuel is counted at county level only (include_fleet)."""
    if institution_id:
        df = figures.intensity_by_year(con, first, last, coal, grid, "institution_id")
        return df[df["institution_id"] == institution_id].reset_index(drop=True)
    if type_:
        df = figures.intensity_by_year(con, first, last, coal, grid, "type")
        return df[df["type"] == type_].reset_index(drop=True)
    return figures.intensity_by_year(con, first, last, coal, grid, include_fleet=include_fleet)


def targets_from(per_year: pd.DataFrame, year: int, targets: pd.DataFrame) -> pd.DataFrame:
    """Target progress from scope_by_year's rows (which must reach back to the baseline year) and the
    targets (factors.targets): the same arithmetic as figures.target_progress, without querying again."""
    return figures.progress_from_intensities(per_year, year, targets)


def meter_by_year(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
                  grid: str = "guangxi", type_: str | None = None,
                  institution_id: str | None = None) -> pd.DataFrame:
    """Per meter and year: kWh or m3, kgce and tCO2 (purchased electricity only), months with a figure,
    months estimated (估抄) and months taken from interval readings."""
    kgce, kgco2 = _columns(coal, grid)
    return con.execute(f"""
        SELECT mm.year, mm.meter_id, mm.institution_id, i.name, i.type, mm.kind, mm.measures, mm.resolution,
               sum(mm.energy_kwh) AS energy_kwh, sum(coalesce(mm.water_m3, mm.gas_m3)) AS water_m3,
               sum(mm.{kgce}) AS energy_kgce, sum(mm.{kgco2}) / 1000 AS co2_t,
               count(*) AS months, count(*) FILTER (WHERE mm.estimated) AS estimated_months,
               count(*) FILTER (WHERE mm.source = 'interval') AS interval_months
        FROM meter_month_converted mm JOIN institutions i USING (institution_id)
        WHERE mm.year BETWEEN ? AND ? AND (? IS NULL OR i.type = ?) AND (? IS NULL OR mm.institution_id = ?)
        GROUP BY ALL ORDER BY mm.year, mm.meter_id""",
                       [first, last, type_, type_, institution_id, institution_id]).df()


def _with_changes(cur: pd.DataFrame, prev: pd.DataFrame, base: pd.DataFrame, key: str,
                  cols: tuple[str, ...]) -> pd.DataFrame:
    """Add <col>_prev, <col>_change_pct (vs previous year) and <col>_vs_base_pct (vs 2020) columns."""
    out = cur.copy()
    for col in cols:
        p = out[key].map(prev.set_index(key)[col]) if not prev.empty else pd.Series(float("nan"), index=out.index)
        b = out[key].map(base.set_index(key)[col]) if not base.empty else pd.Series(float("nan"), index=out.index)
        # float even when the year has no rows (an empty map keeps the key's str dtype)
        p, b = p.astype("float64"), b.astype("float64")
        out[f"{col}_prev"] = p
        out[f"{col}_change_pct"] = figures.change_pct(out[col], p)
        out[f"{col}_vs_base_pct"] = figures.change_pct(out[col], b)
    return out


def breakdown(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang", grid: str = "guangxi",
              type_: str | None = None, institution_id: str | None = None) -> pd.DataFrame:
    """The rows one level below the selection, for the year, with the change against the previous
    year and against the baseline year (2020, data/targets.csv):

    county → one row per type; type → one row per institution; institution → one row per meter.
    Columns: key, label (name), type, and the figures; meters carry kind and measures.
    """
    base_year = factors.baseline_year(con)
    first = min(base_year, year - 1)
    if institution_id:
        df = meter_by_year(con, first, year, coal, grid, institution_id=institution_id)
        df = df.rename(columns={"meter_id": "key"})
        df["label"] = df["key"]
        cols: tuple[str, ...] = ("energy_kwh", "water_m3", "energy_kgce", "co2_t")
    else:
        group = "type" if not type_ else "institution_id"
        df = figures.intensity_by_year(con, first, year, coal, grid, group)
        if type_:
            names = institutions(con, type_)
            df = df[df["institution_id"].isin(names["institution_id"])]
            df = df.merge(names[["institution_id", "name", "type"]], on="institution_id")
            df = df.rename(columns={"institution_id": "key", "name": "label"})
        else:
            df = df.assign(key=df["type"], label=df["type"])
        cols = ("energy_kgce", "electricity_use_kwh", "grid_import_kwh", "water_m3", "co2_t", *INTENSITIES)
    cur, prev, base = (df[df["year"] == y] for y in (year, year - 1, base_year))
    out = _with_changes(cur, prev, base, "key", cols)
    return out.sort_values("energy_kgce", ascending=False, na_position="last").reset_index(drop=True)


# ------------------------------------------------------------------ by month


def monthly(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
            grid: str = "guangxi", type_: str | None = None, institution_id: str | None = None) -> pd.DataFrame:
    """Per month and institution type in the scope: electricity use, grid import, PV self-use,
    energy (kgce), CO2 (t) and water (m3). The monthly stacked bars of the page."""
    _columns(coal, grid)
    return con.execute("""
        SELECT m.month, i.type,
               sum(m.electricity_use_kwh) AS electricity_use_kwh, sum(m.grid_import_kwh) AS grid_import_kwh,
               sum(m.pv_self_use_kwh) AS pv_self_use_kwh, sum(m.energy_kgce) AS energy_kgce,
               sum(m.co2_t) AS co2_t, sum(m.water_m3) AS water_m3
        FROM institution_month_energy m JOIN institutions i USING (institution_id)
        WHERE m.coal = ? AND m.grid = ? AND m.year BETWEEN ? AND ?
          AND (? IS NULL OR i.type = ?) AND (? IS NULL OR m.institution_id = ?)
        GROUP BY ALL ORDER BY m.month, i.type""",
                       [coal, grid, first, last, type_, type_, institution_id, institution_id]).df()


def meter_monthly(con: duckdb.DuckDBPyConnection, meter_id: str, coal: str = "dangliang",
                  grid: str = "guangxi") -> pd.DataFrame:
    """One meter's months (all years): kWh or m3, where the figure comes from (bill / interval),
    estimated, the same month a year earlier, and kgce / tCO2 for purchased electricity."""
    kgce, kgco2 = _columns(coal, grid)
    return con.execute(f"""
        SELECT mm.month, mm.meter_id, mm.kind, mm.quantity AS value, mm.unit, mm.source, mm.estimated,
               p.quantity AS same_month_last_year, mm.{kgce} AS energy_kgce, mm.{kgco2} / 1000 AS co2_t
        FROM meter_month_converted mm
        LEFT JOIN meter_month_converted p ON p.meter_id = mm.meter_id
             AND p.month = (mm.month - INTERVAL 1 YEAR)::DATE
        WHERE mm.meter_id = ? ORDER BY mm.month""", [meter_id]).df()


# Interval readings as hourly load. At a PV host the grid meter sees import only; the site's load adds
# the PV used on site in the same interval (generation − export), as institution_month does per month.
# The PV is added to an institution's import meters only when it has exactly one, so it never counts twice.
HOURLY_LOAD_SQL = """
    WITH pv AS (
        SELECT s.institution_id, p.ts, sum(pv_self_use(p.generation_kwh, p.export_kwh)) AS self_kwh
        FROM pv_production p JOIN pv_sites s USING (site_id)
        WHERE s.institution_id IS NOT NULL AND p.interval_min < 1440 GROUP BY ALL),
    single_import AS (
        SELECT institution_id FROM meters WHERE kind = 'electricity' AND measures = 'import'
        GROUP BY ALL HAVING count(*) = 1)
    SELECT r.meter_id, mt.institution_id, mt.kind, r.period_start AS ts,
           greatest(date_diff('minute', r.period_start, r.period_end), 1) / 60.0 AS hours,
           coalesce(r.energy_kwh, r.water_m3)
               + CASE WHEN mt.measures = 'import' AND si.institution_id IS NOT NULL
                      THEN coalesce(pv.self_kwh, 0) ELSE 0 END AS value
    FROM readings r JOIN meters mt USING (meter_id)
    LEFT JOIN single_import si ON si.institution_id = mt.institution_id
    LEFT JOIN pv ON pv.institution_id = mt.institution_id AND pv.ts = r.period_start
    WHERE r.source = 'interval' AND (is_purchased(mt.kind, mt.measures) OR mt.kind = 'water')"""


def hourly_profile(con: duckdb.DuckDBPyConnection, meter_id: str, year: int) -> pd.DataFrame:
    """One interval meter's load in a year per day and hour (kWh or m3; PV self-use added at a PV host):
    the heat map."""
    return con.execute(f"""
        WITH h AS ({HOURLY_LOAD_SQL})
        SELECT ts::DATE AS day, hour(ts) AS hour, sum(value) AS value
        FROM h WHERE meter_id = ? AND year(ts) = ? GROUP BY ALL ORDER BY day, hour""", [meter_id, year]).df()


# ------------------------------------------------------------------ ranking and references


def national_reference(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, float]:
    """The national public-institution averages (ref_national_averages) for a year: per metric the
    latest published value at or before the year (else the earliest)."""
    nat = factors.national_averages(con)
    out = {}
    for metric, rows in nat.groupby("metric"):
        upto = rows[rows["year"] <= year]
        row = (upto if not upto.empty else rows).sort_values("year").iloc[-1 if not upto.empty else 0]
        out[metric] = float(row["value"])
    return out


def ranking(con: duckdb.DuckDBPyConnection, year: int, metric: str = "energy_kgce_per_m2",
            coal: str = "dangliang", grid: str = "guangxi", type_: str | None = None) -> pd.DataFrame:
    """Institutions by an intensity within their type, worst (highest) first: rank within the type,
    the type's own intensity, the national average, and the change against the previous year."""
    if metric not in INTENSITIES:
        raise ValueError(f"unknown intensity {metric}")
    df = figures.intensity_by_year(con, year - 1, year, coal, grid, "institution_id")
    names = institutions(con, type_)
    df = df.merge(names[["institution_id", "name", "type"]], on="institution_id")
    cur, prev = df[df["year"] == year].copy(), df[df["year"] == year - 1]
    cur["previous"] = cur["institution_id"].map(prev.set_index("institution_id")[metric])
    cur["change_pct"] = figures.change_pct(cur[metric], cur["previous"])
    by_type = figures.intensity_by_year(con, year, year, coal, grid, "type").set_index("type")[metric]
    cur["type_value"] = cur["type"].map(by_type)
    cur["national"] = national_reference(con, year).get(metric)
    cur = cur.dropna(subset=[metric]).sort_values(["type", metric], ascending=[True, False])
    cur["rank_in_type"] = cur.groupby("type").cumcount() + 1
    cur["of_in_type"] = cur.groupby("type")["institution_id"].transform("count")
    cols = ["type", "rank_in_type", "of_in_type", "institution_id", "name", metric, "type_value", "national",
            "previous", "change_pct", "floor_area_m2", "people", "energy_kgce", "water_m3", "co2_t"]
    return cur[cols].rename(columns={metric: "value"}).reset_index(drop=True)


# ------------------------------------------------------------------ PV and fleet


def pv_contribution(con: duckdb.DuckDBPyConnection, first: int, last: int, coal: str = "dangliang",
                    grid: str = "guangxi") -> pd.DataFrame:
    """Per year: PV generated, exported and used on site (measured, institution_month), the coal and
    CO2 the self-use avoided (same factors as consumption), and the 综合节能率 of figures.pv_saving_rate."""
    _columns(coal, grid)
    df = con.execute("""
        SELECT year, pv_generation_kwh, pv_export_kwh, pv_self_use_kwh, pv_avoided_kgce AS avoided_kgce,
               pv_avoided_co2_t AS avoided_co2_t, buildings_kgce AS energy_kgce
        FROM county_year WHERE coal = ? AND grid = ? AND with_fleet AND year BETWEEN ? AND ?
        ORDER BY year""", [coal, grid, first, last]).df()
    df = df[df["pv_generation_kwh"] > 0].reset_index(drop=True)
    df["saving_rate_pct"] = [figures.pv_saving_rate(con, int(y))["saving_rate_pct"] for y in df["year"]]
    # share of the county's energy the PV self-use avoided: avoided / (purchased + avoided)
    df["county_share_pct"] = 100 * df["avoided_kgce"] / (df["energy_kgce"] + df["avoided_kgce"])
    return df.drop(columns="energy_kgce")


def fleet(con: duckdb.DuckDBPyConnection, first: int, last: int, grid: str = "guangxi") -> pd.DataFrame:
    """Official-vehicle fuel per year (figures.fleet_by_year), the columns the energy page shows."""
    df = figures.fleet_by_year(con, first, last, grid)
    return df[["year", "petrol_l", "diesel_l", "fuel_kgce", "fuel_co2_t", "charging_kwh", "charging_co2_t",
               "fleet_co2_t", "dispatches", "distance_km"]]
