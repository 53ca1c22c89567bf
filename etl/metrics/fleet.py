"""Official vehicles (公务用车): per car figures, emissions, the fuel-card checks and the replacement scenario.

Every fleet figure the page, the command line and the tests show is defined here once, in SQL:

- km of a dispatch: 回车里程 - 出车里程 (odometer back - out) where both are written, else 行驶里程 (distance).
- fuel: fuel-card rows of type fuel (top-ups 圈存/充值 are money, not fuel); a fill is diesel when its
  product or its car says diesel (as `figures.fleet_by_year`).
- CO2: fuel is scope 1 = litres x density [kg/L] x kgCO2/kg; charging is scope 2 = kWh x the year's grid
  factor. Factors come from the metric layer's basis_year view (ref_factors), each valid for its own year.
- cost: fuel + charging + maintenance (vehicle_costs: repair, service, insurance, inspection, other).

Check thresholds and scenario defaults are settings (ref_settings scope 'fleet', seeded from
data/fleet_settings.csv, with sources; an admin edits them on the settings page).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from etl.metrics import factors
from etl.metrics.factors import GRID_CO2
from etl.store.views import GRIDS

CHECK_CODES = ("over_tank", "no_dispatch_day", "consumption_band", "too_close", "over_cap", "wrong_card",
               "topup_mismatch")
# Fuel types (codes of etl/ingest/kinds.FUEL_TYPES) driven at least partly on electricity.
ELECTRIFIED = ("electric", "phev", "erev", "hybrid")
COST_CATEGORIES = ("repair", "service", "insurance", "inspection", "other")


def settings_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """setting, value, unit, help_zh, help_en, source (ref_settings, scope 'fleet')."""
    return con.execute("""SELECT key AS setting, value, unit, help_zh, help_en, source FROM ref_settings
                          WHERE scope = 'fleet' ORDER BY rowid""").df()


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """setting -> value."""
    df = settings_table(con)
    return dict(zip(df["setting"], df["value"].astype(float), strict=True))


# km of one dispatch, from the odometer where both readings are written, else the distance column
DISPATCH_KM = ("CASE WHEN d.odo_out_km IS NOT NULL AND d.odo_back_km IS NOT NULL AND d.odo_back_km >= d.odo_out_km "
               "THEN d.odo_back_km - d.odo_out_km ELSE d.distance_km END")
IS_DIESEL = "(coalesce(f.product, '') LIKE '%柴%' OR v.fuel_type = 'diesel')"


def car_months(con: duckdb.DuckDBPyConnection, first: int, last: int, grid: str = "guangxi") -> pd.DataFrame:
    """Per car and month: km, dispatches, days used, litres (petrol, diesel), kWh charged, CO2 [kg]
    (fuel scope 1, charging scope 2) and cost [yuan] (fuel, charging, maintenance). The base of every
    other fleet figure."""
    if grid not in GRIDS:
        raise ValueError(f"unknown grid {grid}")
    # the year's factors come from basis_year (ref_factors)
    return con.execute(f"""
            WITH trips AS (
                SELECT d.plate, date_trunc('month', d.depart_at)::DATE AS month, count(*) AS dispatches,
                       count(DISTINCT d.depart_at::DATE) AS days_used, sum({DISPATCH_KM}) AS km
                FROM dispatches d WHERE d.plate IS NOT NULL AND year(d.depart_at) BETWEEN $1 AND $2 GROUP BY ALL),
            fills AS (
                SELECT f.plate, date_trunc('month', f.ts)::DATE AS month,
                       sum(f.fuel_l) FILTER (WHERE NOT {IS_DIESEL}) AS petrol_l,
                       sum(f.fuel_l) FILTER (WHERE {IS_DIESEL}) AS diesel_l,
                       count(*) AS fills, sum(f.amount_yuan) AS fuel_yuan
                FROM fuel_fills f LEFT JOIN vehicles v USING (plate)
                WHERE f.txn_type = 'fuel' AND f.plate IS NOT NULL AND year(f.ts) BETWEEN $1 AND $2 GROUP BY ALL),
            charge AS (
                SELECT plate, date_trunc('month', start_ts)::DATE AS month, sum(energy_kwh) AS charge_kwh,
                       sum(amount_yuan) AS charge_yuan
                FROM charging_sessions WHERE year(start_ts) BETWEEN $1 AND $2 GROUP BY ALL),
            costs AS (
                SELECT plate, date_trunc('month', cost_date)::DATE AS month, sum(amount_yuan) AS maintenance_yuan
                FROM vehicle_costs WHERE year(cost_date) BETWEEN $1 AND $2 GROUP BY ALL),
            keys AS (SELECT plate, month FROM trips UNION SELECT plate, month FROM fills
                     UNION SELECT plate, month FROM charge UNION SELECT plate, month FROM costs)
            SELECT k.plate, k.month, year(k.month) AS year,
                   coalesce(t.km, 0) AS km, coalesce(t.dispatches, 0) AS dispatches,
                   coalesce(t.days_used, 0) AS days_used,
                   coalesce(fi.petrol_l, 0) AS petrol_l, coalesce(fi.diesel_l, 0) AS diesel_l,
                   coalesce(fi.petrol_l, 0) + coalesce(fi.diesel_l, 0) AS fuel_l, coalesce(fi.fills, 0) AS fills,
                   coalesce(c.charge_kwh, 0) AS charge_kwh,
                   coalesce(fi.petrol_l, 0) * x.petrol_density * x.petrol_co2_per_kg
                     + coalesce(fi.diesel_l, 0) * x.diesel_density * x.diesel_co2_per_kg AS co2_fuel_kg,
                   coalesce(c.charge_kwh, 0) * x.grid_kgco2_per_kwh AS co2_charge_kg,
                   coalesce(fi.fuel_yuan, 0) AS fuel_yuan, coalesce(c.charge_yuan, 0) AS charge_yuan,
                   coalesce(m.maintenance_yuan, 0) AS maintenance_yuan
            FROM keys k JOIN basis_year x ON x.year = year(k.month) AND x.coal = 'dangliang' AND x.grid = $3
            LEFT JOIN trips t USING (plate, month) LEFT JOIN fills fi USING (plate, month)
            LEFT JOIN charge c USING (plate, month) LEFT JOIN costs m USING (plate, month)
            ORDER BY k.plate, k.month""", [first, last, grid]).df().pipe(_derive)


def _derive(df: pd.DataFrame) -> pd.DataFrame:
    """Ratios shared by month and year rows: consumption, CO2 and cost per km."""
    km = df["km"].where(df["km"] > 0)
    df["co2_kg"] = df["co2_fuel_kg"] + df["co2_charge_kg"]
    df["cost_yuan"] = df["fuel_yuan"] + df["charge_yuan"] + df["maintenance_yuan"]
    df["l_per_100km"] = (100 * df["fuel_l"] / km).where(df["fuel_l"] > 0)
    df["kwh_per_100km"] = (100 * df["charge_kwh"] / km).where(df["charge_kwh"] > 0)
    df["cost_per_km_yuan"] = df["cost_yuan"] / km
    df["co2_kg_per_km"] = df["co2_kg"] / km
    df["co2_kg_per_dispatch"] = df["co2_kg"] / df["dispatches"].where(df["dispatches"] > 0)
    return df


_SUMMED = ("km", "dispatches", "days_used", "petrol_l", "diesel_l", "fuel_l", "fills", "charge_kwh", "co2_fuel_kg",
           "co2_charge_kg", "fuel_yuan", "charge_yuan", "maintenance_yuan")


def vehicles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The vehicle registry with the registration year used for age (registration date, else purchase)."""
    return con.execute("""
        SELECT plate, model, fuel_type, tank_l, battery_kwh, fuel_card_no, l_per_100km AS rated_l_per_100km,
               kwh_per_100km AS rated_kwh_per_100km, displacement_l, power_kw, acquired_on, registered_on,
               disposed_on, use_mode, year(coalesce(registered_on, acquired_on)) AS registration_year
        FROM vehicles ORDER BY plate""").df()


def cars(con: duckdb.DuckDBPyConnection, year: int, grid: str = "guangxi") -> pd.DataFrame:
    """Per car for a year: the sums of car_months and their ratios, with the registry's model, fuel type and
    registration year. Cars of the registry without any record that year are left out."""
    months = car_months(con, year, year, grid)
    per = months.groupby("plate", as_index=False)[list(_SUMMED)].sum()
    out = _derive(per).merge(vehicles(con)[["plate", "model", "fuel_type", "registration_year", "use_mode"]],
                             on="plate", how="left")
    return out.sort_values(["co2_kg", "plate"], ascending=[False, True]).reset_index(drop=True)


def totals(con: duckdb.DuckDBPyConnection, year: int, grid: str = "guangxi") -> dict:
    """Fleet totals of a year and the year before: km, litres, kWh, CO2, cost, dispatches, shares of km driven
    electric (and electric or hybrid), and the open and explained flags of the year."""
    out: dict = {"year": year}
    for y, key in ((year, None), (year - 1, "previous")):
        c = cars(con, y, grid)
        t: dict[str, Any] = {k: float(c[k].sum()) for k in _SUMMED}
        t["co2_kg"] = t["co2_fuel_kg"] + t["co2_charge_kg"]
        t["co2_t"] = t["co2_kg"] / 1000
        t["cost_yuan"] = t["fuel_yuan"] + t["charge_yuan"] + t["maintenance_yuan"]
        km = t["km"] or None
        t["cars"] = int(len(c))
        t["cost_per_km_yuan"] = t["cost_yuan"] / km if km else None
        t["co2_kg_per_km"] = t["co2_kg"] / km if km else None
        t["co2_kg_per_dispatch"] = t["co2_kg"] / t["dispatches"] if t["dispatches"] else None
        t["l_per_100km"] = 100 * t["fuel_l"] / km if km else None
        t["electric_km_share_pct"] = (100 * float(c.loc[c["fuel_type"] == "electric", "km"].sum()) / km
                                      if km else None)
        t["electrified_km_share_pct"] = (100 * float(c.loc[c["fuel_type"].isin(ELECTRIFIED), "km"].sum()) / km
                                         if km else None)
        if key is None:
            out.update(t)
        else:
            out[key] = t if t["cars"] else None
    fl = flags(con, year)
    out["flags_open"] = int((~fl["explained"]).sum())
    out["flags_explained"] = int(fl["explained"].sum())
    prev = out["previous"]
    out["change_pct"] = {k: (100 * (out[k] - prev[k]) / prev[k] if prev and prev.get(k) else None)
                         for k in ("km", "fuel_l", "charge_kwh", "co2_kg", "cost_yuan", "dispatches")}
    return out


def age_cost(con: duckdb.DuckDBPyConnection, year: int, grid: str = "guangxi") -> pd.DataFrame:
    """Cost and CO2 per km by registration year: the case for replacing the oldest cars."""
    c = cars(con, year, grid)
    g = c.groupby("registration_year", as_index=False).agg(
        cars=("plate", "count"), km=("km", "sum"), cost_yuan=("cost_yuan", "sum"), co2_kg=("co2_kg", "sum"),
        maintenance_yuan=("maintenance_yuan", "sum"))
    km = g["km"].where(g["km"] > 0)
    g["cost_per_km_yuan"] = g["cost_yuan"] / km
    g["co2_kg_per_km"] = g["co2_kg"] / km
    g["age_years"] = year - g["registration_year"]
    return g


def monthly(con: duckdb.DuckDBPyConnection, year: int, plate: str | None = None,
            grid: str = "guangxi") -> pd.DataFrame:
    """Per month of a year (one car, or the fleet): km, litres, kWh, CO2, cost, consumption."""
    m = car_months(con, year, year, grid)
    if plate is not None:
        m = m[m["plate"] == plate]
    g = m.groupby("month", as_index=False)[list(_SUMMED)].sum()
    return _derive(g)


def dispatch_breakdown(con: duckdb.DuckDBPyConnection, year: int, by: str) -> pd.DataFrame:
    """Dispatches and km of a year by month, purpose, destination or requesting unit."""
    col = {"month": "date_trunc('month', d.depart_at)::DATE", "purpose": "d.purpose",
           "destination": "d.destination", "unit": "d.requesting_unit"}[by]
    return con.execute(f"""
        SELECT {col} AS key, count(*) AS dispatches, sum({DISPATCH_KM}) AS km
        FROM dispatches d WHERE year(d.depart_at) = ? GROUP BY ALL
        ORDER BY {'key' if by == 'month' else 'dispatches DESC, key'}""", [year]).df()


def car_timeline(con: duckdb.DuckDBPyConnection, plate: str, year: int) -> pd.DataFrame:
    """A car's fills, charging sessions, costs and dispatches of a year on one timeline."""
    return con.execute(f"""
        SELECT ts, event, quantity, unit, amount_yuan, detail FROM (
            SELECT f.ts, CASE WHEN f.txn_type = 'fuel' THEN 'fill' ELSE 'topup' END AS event, f.fuel_l AS quantity,
                   'L' AS unit, f.amount_yuan, concat_ws(' · ', f.product, f.station, f.card_no) AS detail
            FROM fuel_fills f WHERE f.plate = $1 AND year(f.ts) = $2
            UNION ALL
            SELECT start_ts, 'charge', energy_kwh, 'kWh', amount_yuan, station FROM charging_sessions
            WHERE plate = $1 AND year(start_ts) = $2
            UNION ALL
            SELECT d.depart_at, 'dispatch', {DISPATCH_KM}, 'km', NULL,
                   concat_ws(' · ', d.destination, d.purpose, d.driver)
            FROM dispatches d WHERE d.plate = $1 AND year(d.depart_at) = $2
            UNION ALL
            SELECT cost_date::TIMESTAMP, 'cost_' || category, NULL, NULL, amount_yuan, note FROM vehicle_costs
            WHERE plate = $1 AND year(cost_date) = $2)
        ORDER BY ts, event""", [plate, year]).df()


def secondments(con: duckdb.DuckDBPyConnection, start: str, end: str) -> pd.DataFrame:
    """Cars and drivers seconded at any time between start and end (dates), with the dispatches they drove then."""
    return con.execute("""
        SELECT s.plate, v.model, s.driver, s.start_on, s.end_on, s.seconded_to, s.note,
               (SELECT count(*) FROM dispatches d WHERE d.plate = s.plate
                  AND d.depart_at::DATE BETWEEN greatest(s.start_on, $1::DATE)
                                            AND least(coalesce(s.end_on, $2::DATE), $2::DATE)) AS dispatches
        FROM vehicle_secondments s LEFT JOIN vehicles v USING (plate)
        WHERE s.start_on <= $2::DATE AND coalesce(s.end_on, $2::DATE) >= $1::DATE
        ORDER BY s.start_on, s.plate""", [start, end]).df()


# ------------------------------------------------------------------ replacement scenario


def scenario(con: duckdb.DuckDBPyConnection, year: int, n: int, rank_by: str = "co2_kg",
             ev_kwh_per_100km: float | None = None, price_yuan_kwh: float | None = None,
             purchase_yuan: float | None = None, grid: str = "guangxi") -> dict:
    """Replace the n fuel cars with the highest CO2 (rank_by='co2_kg') or cost per km ('cost_per_km_yuan') of
    the year by electric cars that drive the same km.

    new kWh = km x ev_kwh_per_100km / 100; new CO2 = new kWh x the year's grid factor; new energy cost =
    new kWh x price. Saved = the cars' fuel and charging CO2 and cost of the year - the new ones
    (maintenance is left out: the EV's is not known). Payback = n x purchase price / yuan saved a year.
    """
    s = settings(con)
    ev = s["scenario_ev_kwh_per_100km"] if ev_kwh_per_100km is None else ev_kwh_per_100km
    price = s["scenario_price_yuan_kwh"] if price_yuan_kwh is None else price_yuan_kwh
    purchase = s["scenario_purchase_yuan"] if purchase_yuan is None else purchase_yuan
    if rank_by not in ("co2_kg", "cost_per_km_yuan"):
        raise ValueError("rank_by is co2_kg or cost_per_km_yuan")
    grid_co2 = factors.factor_for_year(con, GRID_CO2[grid], year)["value"]
    c = cars(con, year, grid)
    c = c[(c["fuel_type"] != "electric") & (c["km"] > 0)]
    chosen = c.sort_values([rank_by, "plate"], ascending=[False, True]).head(max(int(n), 0)).copy()
    chosen["new_kwh"] = chosen["km"] * ev / 100
    chosen["new_co2_kg"] = chosen["new_kwh"] * grid_co2
    chosen["new_energy_yuan"] = chosen["new_kwh"] * price
    chosen["saved_co2_kg"] = chosen["co2_kg"] - chosen["new_co2_kg"]
    chosen["saved_yuan"] = chosen["fuel_yuan"] + chosen["charge_yuan"] - chosen["new_energy_yuan"]
    saved_t = float(chosen["saved_co2_kg"].sum()) / 1000
    saved_yuan = float(chosen["saved_yuan"].sum())
    invest = purchase * len(chosen)
    return {"year": year, "n": int(len(chosen)), "rank_by": rank_by, "ev_kwh_per_100km": ev,
            "price_yuan_kwh": price, "purchase_yuan": purchase, "grid_co2_kg_per_kwh": grid_co2,
            "saved_co2_t": saved_t, "saved_yuan_per_year": saved_yuan, "investment_yuan": invest,
            "payback_years": invest / saved_yuan if saved_yuan > 0 else None,
            "cars": chosen[["plate", "model", "fuel_type", "km", "co2_kg", "cost_per_km_yuan", "fuel_yuan",
                            "new_kwh", "new_co2_kg", "new_energy_yuan", "saved_co2_kg", "saved_yuan"]]}


# ------------------------------------------------------------------ fuel-card checks

_FILLS = "SELECT * FROM fuel_fills WHERE txn_type = 'fuel' AND plate IS NOT NULL"


def _check_sql(s: dict[str, float]) -> dict[str, str]:
    """One SQL per check code: rows of (plate, ts, card_no, evidence as a JSON object)."""
    return {
        "over_tank": f"""
            SELECT f.plate, f.ts, f.card_no, json_object('fuel_l', f.fuel_l, 'tank_l', v.tank_l,
                   'limit_l', round(v.tank_l * (1 + {s['tank_tolerance_pct']} / 100), 2)) AS evidence
            FROM ({_FILLS}) f JOIN vehicles v USING (plate)
            WHERE v.tank_l > 0 AND f.fuel_l > v.tank_l * (1 + {s['tank_tolerance_pct']} / 100)""",
        # judged only in months the dispatch log covers (some car was dispatched), so a missing log is not a flag
        "no_dispatch_day": f"""
            SELECT f.plate, f.ts, f.card_no, json_object('fill_date', f.ts::DATE::VARCHAR,
                   'last_dispatch', (SELECT max(d.depart_at)::DATE::VARCHAR FROM dispatches d
                                     WHERE d.plate = f.plate AND d.depart_at < f.ts),
                   'next_dispatch', (SELECT min(d.depart_at)::DATE::VARCHAR FROM dispatches d
                                     WHERE d.plate = f.plate AND d.depart_at > f.ts)) AS evidence
            FROM ({_FILLS}) f
            WHERE EXISTS (SELECT 1 FROM dispatches d WHERE date_trunc('month', d.depart_at) = date_trunc('month', f.ts))
              AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.plate = f.plate
                              AND f.ts::DATE BETWEEN d.depart_at::DATE AND coalesce(d.return_at, d.depart_at)::DATE)""",
        "consumption_band": f"""
            WITH iv AS (SELECT *, 100 * fuel_l / (odometer_km - prev_odo) AS l100, odometer_km - prev_odo AS km
                        FROM {_INTERVALS} WHERE odometer_km - prev_odo >= {s['consumption_min_km']}),
                 band AS (SELECT plate, median(l100) AS med, count(*) AS n FROM iv GROUP BY plate)
            SELECT iv.plate, iv.ts, iv.card_no, json_object('l_per_100km', round(iv.l100, 2), 'km', iv.km,
                   'fuel_l', iv.fuel_l, 'car_median', round(b.med, 2),
                   'band', [round(b.med * {s['consumption_band_low']}, 2),
                            round(b.med * {s['consumption_band_high']}, 2)]) AS evidence
            FROM iv JOIN band b USING (plate)
            WHERE b.n >= {s['consumption_min_intervals']}
              AND (iv.l100 < b.med * {s['consumption_band_low']} OR iv.l100 > b.med * {s['consumption_band_high']})""",
        # km driven between two fills: dispatches under way at any time between them (a fill on the road
        # during a long trip is explained by that trip)
        "too_close": f"""
            WITH seq AS (SELECT plate, ts, card_no, fuel_l, lag(ts) OVER (PARTITION BY plate ORDER BY ts) AS prev_ts
                         FROM ({_FILLS})),
                 iv AS (SELECT *, 100 * fuel_l / (odometer_km - prev_odo) AS l100 FROM {_INTERVALS}
                        WHERE odometer_km - prev_odo >= {s['consumption_min_km']}),
                 usual AS (SELECT v.plate, coalesce(median(iv.l100), any_value(v.l_per_100km)) AS l100
                           FROM vehicles v LEFT JOIN iv USING (plate) GROUP BY v.plate),
                 driven AS (SELECT s.plate, s.ts, coalesce(sum({DISPATCH_KM}), 0) AS km
                            FROM seq s LEFT JOIN dispatches d ON d.plate = s.plate
                              AND coalesce(d.return_at, d.depart_at) > s.prev_ts AND d.depart_at < s.ts
                            WHERE s.prev_ts IS NOT NULL GROUP BY ALL)
            SELECT s.plate, s.ts, s.card_no, json_object('fuel_l', s.fuel_l, 'previous_fill', s.prev_ts::VARCHAR,
                   'km_dispatched', round(k.km, 1), 'usual_l_per_100km', round(u.l100, 2),
                   'explainable_l', round(k.km * u.l100 / 100, 2)) AS evidence
            FROM seq s JOIN driven k USING (plate, ts) JOIN usual u USING (plate)
            WHERE u.l100 > 0 AND EXISTS (SELECT 1 FROM dispatches d WHERE d.plate = s.plate)
              AND s.fuel_l > {s['too_close_ratio']} * k.km * u.l100 / 100 + {s['too_close_slack_l']}""",
        "over_cap": f"""
            SELECT f.plate, f.ts, f.card_no, json_object('amount_yuan', f.amount_yuan, 'fuel_l', f.fuel_l,
                   'cap_yuan', {s['fill_cap_yuan']}) AS evidence
            FROM ({_FILLS}) f WHERE f.amount_yuan > {s['fill_cap_yuan']}""",
        "wrong_card": f"""
            SELECT f.plate, f.ts, f.card_no, json_object('card_no', f.card_no, 'card_of', v.plate,
                   'filled_car', f.plate) AS evidence
            FROM ({_FILLS}) f JOIN vehicles v ON v.fuel_card_no = f.card_no WHERE v.plate <> f.plate""",
        # judged for cards topped up at least once in the year: a county topping up yearly sets no monthly rule
        "topup_mismatch": f"""
            WITH m AS (SELECT card_no, date_trunc('month', ts) AS month,
                              coalesce(sum(amount_yuan) FILTER (WHERE txn_type = 'topup'), 0) AS topup_yuan,
                              coalesce(sum(amount_yuan) FILTER (WHERE txn_type = 'fuel'), 0) AS fuel_yuan
                       FROM fuel_fills GROUP BY ALL),
                 topped AS (SELECT DISTINCT card_no, year(ts) AS y FROM fuel_fills WHERE txn_type = 'topup')
            SELECT coalesce(v.plate, m.card_no) AS plate, m.month AS ts, m.card_no,
                   json_object('month', strftime(m.month, '%Y-%m'), 'topup_yuan', round(m.topup_yuan, 2),
                               'fuel_yuan', round(m.fuel_yuan, 2),
                               'difference_yuan', round(m.topup_yuan - m.fuel_yuan, 2)) AS evidence
            FROM m JOIN topped t ON t.card_no = m.card_no AND t.y = year(m.month)
            LEFT JOIN vehicles v ON v.fuel_card_no = m.card_no
            WHERE abs(m.topup_yuan - m.fuel_yuan) > {s['topup_mismatch_yuan']}
              AND abs(m.topup_yuan - m.fuel_yuan) > {s['topup_mismatch_share']} * m.fuel_yuan""",
    }


# consecutive fills of a car with the odometer of the fill before (NULL when that one has none)
_INTERVALS = f"""(SELECT plate, ts, card_no, fuel_l, odometer_km,
                        lag(odometer_km) OVER (PARTITION BY plate ORDER BY ts) AS prev_odo FROM ({_FILLS}))"""


def flags(con: duckdb.DuckDBPyConnection, year: int | None = None, codes: tuple[str, ...] = CHECK_CODES,
          settings_: dict[str, float] | None = None) -> pd.DataFrame:
    """Every fuel-card flag (of a year, or all), with its evidence and the officer's mark when explained:
    code, plate, ts, card_no, evidence (JSON text), explained, note, explained_by, explained_at."""
    sql = _check_sql(settings_ or settings(con))
    parts = [f"SELECT '{code}' AS code, plate, ts, card_no, evidence::VARCHAR AS evidence FROM ({sql[code]})"
             for code in codes]
    where = "WHERE year(x.ts) = $1" if year is not None else ""
    df = con.execute(f"""
        SELECT x.code, x.plate, x.ts, x.card_no, x.evidence, n.note IS NOT NULL AS explained, n.note,
               n.explained_by, n.explained_at
        FROM ({' UNION ALL '.join(parts)}) x
        LEFT JOIN fleet_flag_notes n ON n.code = x.code AND n.plate = x.plate AND n.ts = x.ts
        {where} ORDER BY x.ts, x.code, x.plate""", [year] if year is not None else []).df()
    df["explained"] = df["explained"].astype(bool)
    return df


class NotAllowed(PermissionError):
    """The user may not write (not an officer or admin, or not an active user)."""


class FlagError(ValueError):
    """A mark that cannot be kept; `reason` is note_missing or flag_gone (the page says it in its language)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def explain_flag(con: duckdb.DuckDBPyConnection, code: str, plate: str, ts: datetime, note: str, user: str,
                 now: datetime | None = None) -> None:
    """Mark a flag explained with the officer's note (kept with who and when). Checks the user's role in the
    users table itself, whatever the page showed; a flag that no longer fires cannot be marked."""
    from etl.store.users import WRITER_ROLES, ensure_users_table

    ensure_users_table(con)
    row = con.execute("SELECT role, active FROM users WHERE name = ?", [user]).fetchall()
    if not row or row[0][0] not in WRITER_ROLES or not row[0][1]:
        raise NotAllowed("only an officer or admin may mark a flag explained")
    note = (note or "").strip()
    if not note:
        raise FlagError("note_missing", "write a note that says why the fill is in order")
    ts = pd.Timestamp(ts).to_pydatetime()
    current = flags(con, ts.year)
    hit = current[(current["code"] == code) & (current["plate"] == plate) & (current["ts"] == pd.Timestamp(ts))]
    if hit.empty:
        raise FlagError("flag_gone", "this flag is not raised by the current data")
    con.execute("DELETE FROM fleet_flag_notes WHERE code = ? AND plate = ? AND ts = ?", [code, plate, ts])
    con.execute("INSERT INTO fleet_flag_notes VALUES (?, ?, ?, ?, ?, ?, ?)",
                [code, plate, ts, hit.iloc[0]["evidence"], note[:2000], user, now or datetime.now()])
    con.execute(
        "INSERT OR REPLACE INTO meta SELECT 'data_version', "
        "CAST(coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR)")


# ------------------------------------------------------------------ the command line's report


def _num(v):
    return None if v is None or pd.isna(v) else float(v)


def report(con: duckdb.DuckDBPyConnection, year: int, grid: str = "guangxi") -> dict:
    """What `python -m etl fleet --year Y --format json` prints (stable keys)."""
    c = cars(con, year, grid)
    fl = flags(con, year)
    return {
        "year": year,
        "cars": [{"plate": r.plate, "km": _num(r.km), "fuel_l": _num(r.fuel_l), "charge_kwh": _num(r.charge_kwh),
                  "l_per_100km": _num(r.l_per_100km), "kwh_per_100km": _num(r.kwh_per_100km),
                  "co2_kg": _num(r.co2_kg), "cost_yuan": _num(r.cost_yuan),
                  "cost_per_km_yuan": _num(r.cost_per_km_yuan)} for r in c.itertuples()],
        "totals": totals(con, year, grid),
        "flags": [{"code": r.code, "plate": r.plate, "ts": pd.Timestamp(r.ts).isoformat(sep=" "),
                   "evidence": json.loads(r.evidence), "explained": bool(r.explained)} for r in fl.itertuples()],
    }
