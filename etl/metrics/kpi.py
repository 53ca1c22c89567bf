"""The leadership KPIs of a year, defined once: the KPI page, `python -m etl kpi`, the XLSX workbook and
the Word draft all read `kpis()` / `kpi_report()` / `kpi_table()`.

Every value comes from a function of etl.metrics.figures (the same definitions as the energy, PV,
certification and fleet pages); this module only picks, combines and compares them.

- `kpis(con, year)` -> flat dict of stable keys and plain JSON-able values (numbers, None, and for
  certification a dict stage -> units).
- `kpi_report(con, year)` -> the flat dict plus `previous` (the same keys for the year before),
  `change_pct` (relative change against the year before, for amounts), `change_pp` (difference in
  percentage points, for the keys ending in _pct) and `targets` (key -> target, status, source).
- `kpi_table(con, year)` -> one row per KPI of SPEC, for the page and the workbook.

Decisions:
- A logistics log with no record at all in the year (no work order, no meeting ...) gives None,
  not 0: an empty table means "not loaded", and a report must not say "0 repairs".
- Certification counts are as of 31 December of the year (each unit's stage then) and the task figures are those
  of etl.metrics.certification (units at or past the task's stage on its deadline, data/cert_tasks.csv): the
  certification page and these cards read the same definitions.
- Changes against the baseline use the baseline year of data/targets.csv (2020).
- Target statuses: intensities (data/targets.csv) are on_track / at_risk / off_track against the
  straight path to the 2025 target (figures.target_progress); the KPI targets of
  data/kpi_targets.csv are met / not_met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from etl.ingest.messages import msg
from etl.metrics import certification, factors, figures
from etl.metrics import years as yr
from etl.store import reference

PROGRAMS = ("jieyue", "jieshui")
# target statuses: on_track / at_risk / off_track against the path, met / not_met against a level; their words are
# the catalogue's kpi_status_<status> (etl/ingest/messages.py), the same on the pages, in the workbook and the draft
STATUSES = ("on_track", "at_risk", "off_track", "met", "not_met")
CERTIFIED = ("certified", "rechecked")


def status_text(status: str | None, lang: str = "zh") -> str | None:
    """A target status in words (None for no status): the one wording of every page and report."""
    return msg(f"kpi_status_{status}").render(lang) if status in STATUSES else None


@dataclass(frozen=True)
class Kpi:
    key: str
    area: str            # logistics / energy / certification / fleet
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    better: str | None   # 'higher', 'lower' or None (no direction)
    digits: int = 0


SPEC: tuple[Kpi, ...] = (
    # logistics
    Kpi("repairs_total", "logistics", "维修", "Repairs", "次", "orders", None),
    Kpi("repairs_closed_pct", "logistics", "维修办结率", "Repairs closed", "%", "%", "higher", 1),
    Kpi("repairs_within_rule_pct", "logistics", "维修及时率", "Repairs on time", "%", "%",
        "higher", 1),
    Kpi("meetings_served", "logistics", "会务保障", "Meetings served", "场次", "meetings", None),
    Kpi("reception_groups", "logistics", "公务接待", "Official receptions", "批次", "groups", None),
    Kpi("reception_people", "logistics", "公务接待人次", "Reception guests", "人次", "people", None),
    Kpi("canteen_groups", "logistics", "机关食堂接待", "Receptions in the canteen", "批次", "groups", None),
    Kpi("canteen_people", "logistics", "机关食堂接待人次", "Canteen guests", "人次", "people", None),
    Kpi("canteen_share_pct", "logistics", "食堂接待批次占比", "Canteen share of receptions", "%", "%", None, 1),
    Kpi("visitor_groups", "logistics", "来访群众", "Petition visitors", "批", "groups", None),
    Kpi("visitor_people", "logistics", "来访群众人次", "Petition visitors, people", "人次", "people", None),
    Kpi("dispatches", "logistics", "公务用车调度", "Vehicle dispatches", "车次", "trips", None),
    Kpi("fleet_accidents", "logistics", "行车安全事故", "Fleet accidents", "起", "accidents", "lower"),
    Kpi("fleet_accident_free_days", "logistics", "无事故天数", "Accident-free days", "天", "days", "higher"),
    Kpi("fleet_days_since_accident", "logistics", "连续安全行车天数", "Days since the last accident", "天", "days",
        "higher"),
    # energy and resources
    Kpi("energy_kgce", "energy", "综合能耗", "Total energy use", "kgce", "kgce", "lower"),
    Kpi("energy_fleet_share_pct", "energy", "综合能耗中公务用车燃油占比", "Fleet fuel share of total energy", "%",
        "%", None, 1),
    Kpi("energy_kgce_change_vs_2020_pct", "energy", "综合能耗较2020年", "Total energy vs 2020", "%", "%", "lower", 1),
    Kpi("energy_kgce_per_m2", "energy", "单位建筑面积能耗", "Energy per m²", "kgce/m²", "kgce/m²", "lower", 2),
    Kpi("energy_kgce_per_person", "energy", "人均综合能耗", "Energy per person", "kgce/人", "kgce/person", "lower", 2),
    Kpi("water_m3", "energy", "用水量", "Water use", "m³", "m³", "lower"),
    Kpi("water_m3_per_person", "energy", "人均用水量", "Water per person", "m³/人", "m³/person", "lower", 2),
    Kpi("co2_kg_per_m2", "energy", "单位建筑面积碳排放", "CO₂ per m²", "kgCO₂/m²", "kgCO₂/m²", "lower", 2),
    Kpi("pv_generation_kwh", "energy", "光伏发电量", "PV generated", "kWh", "kWh", "higher"),
    Kpi("pv_saving_rate_pct", "energy", "光伏综合节能率", "PV energy-saving rate", "%", "%", "higher", 1),
    Kpi("pv_sites_commissioned", "energy", "光伏已并网站点", "PV sites commissioned", "家", "sites", "higher"),
    Kpi("pv_sites_total", "energy", "光伏项目站点", "PV sites in the project", "家", "sites", None),
    Kpi("pv_roof_m2", "energy", "光伏屋顶面积", "PV roof area", "m²", "m²", None),
    Kpi("pv_modules", "energy", "光伏组件", "PV modules", "块", "modules", None),
    # certification
    Kpi("jieyue_units_reached", "certification", "节约型机关达到任务阶段", "Agencies at the task's stage", "家", "units",
        "higher"),
    Kpi("jieshui_units_reached", "certification", "节水型单位达到任务阶段", "Water-saving units at the task's stage", "家",
        "units", "higher"),
    Kpi("jieyue_units", "certification", "节约型机关创建", "Conservation-oriented agencies", "家", "units", "higher"),
    Kpi("jieyue_units_certified", "certification", "节约型机关已命名", "Agencies certified", "家", "units", "higher"),
    Kpi("jieshui_units", "certification", "节水型单位建设", "Water-saving units", "家", "units", "higher"),
    Kpi("jieshui_units_certified", "certification", "节水型单位已命名", "Water-saving units certified", "家", "units",
        "higher"),
    # fleet
    Kpi("fleet_co2_t", "fleet", "公务用车碳排放", "Fleet CO₂", "tCO₂", "tCO₂", "lower", 1),
    Kpi("fleet_co2_kg_per_dispatch", "fleet", "每车次碳排放", "CO₂ per dispatch", "kgCO₂", "kgCO₂", "lower", 1),
    Kpi("fleet_electric_share_pct", "fleet", "纯电动车出车占比", "Electric share of dispatches", "%", "%", "higher", 1),
    Kpi("fleet_ev_hybrid_share_pct", "fleet", "新能源及混动出车占比", "Electric + hybrid share", "%", "%", "higher", 1),
    Kpi("fleet_fuel_l", "fleet", "公务用车燃油", "Fleet fuel", "L", "L", "lower"),
)
BY_KEY = {k.key: k for k in SPEC}
AREAS = ("logistics", "energy", "certification", "fleet")


def _py(value):
    """A plain JSON-able value: numpy scalars to Python, NaN to None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _pct(part, whole) -> float | None:
    part, whole = _py(part), _py(whole)
    if part is None or not whole:
        return None
    return 100.0 * part / whole


def _row(frame: pd.DataFrame, year: int) -> dict:
    rows = frame.loc[frame["year"] == year]
    return {k: _py(v) for k, v in rows.iloc[0].items()} if len(rows) else {}


def kpi_targets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The KPI targets (ref_kpi_targets, seeded from data/kpi_targets.csv)."""
    return reference.table(con, "ref_kpi_targets")


def baseline_year(con: duckdb.DuckDBPyConnection) -> int:
    return factors.baseline_year(con)


def kpis(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang", grid: str = "guangxi",
         include_fleet: bool = True) -> dict:
    """Every KPI of the year under its stable key (see SPEC and the module docstring).

    energy_kgce (综合能耗) counts the official vehicles' fuel unless include_fleet is False; the fleet's
    share of it is energy_fleet_share_pct either way."""
    out: dict = {"year": year, "energy_includes_fleet": include_fleet}
    lg = _row(figures.logistics_by_year(con, year, year), year)
    has = {
        "repairs": lg.get("repairs_total", 0) > 0, "meetings": lg.get("meetings_served", 0) > 0,
        "receptions": lg.get("reception_groups", 0) > 0, "visitors": lg.get("visitor_groups", 0) > 0,
        "dispatches": lg.get("dispatches", 0) > 0,
    }

    def logged(key: str, source: str):
        return lg.get(key) if has[source] else None

    for key in ("repairs_total", "repairs_closed", "repairs_within_rule"):
        out[key] = logged(key, "repairs")
    out["repairs_closed_pct"] = _pct(out["repairs_closed"], out["repairs_total"])
    out["repairs_within_rule_pct"] = _pct(out["repairs_within_rule"], out["repairs_total"])
    out["meetings_served"] = logged("meetings_served", "meetings")
    for key in ("reception_groups", "reception_people", "canteen_groups", "canteen_people"):
        out[key] = logged(key, "receptions")
    out["canteen_share_pct"] = _pct(out["canteen_groups"], out["reception_groups"])
    out["visitor_groups"] = logged("visitor_groups", "visitors")
    out["visitor_people"] = logged("visitor_people", "visitors")
    out["dispatches"] = logged("dispatches", "dispatches")
    safety = figures.fleet_safety(con, year)
    out["fleet_accidents"] = safety["accidents"]
    out["fleet_accident_free_days"] = safety["accident_free_days"]
    out["fleet_days_since_accident"] = safety["days_since_accident"]
    out["fleet_days_since_accident_from"] = safety["since"]
    out["fleet_last_accident_on"] = safety["last_accident_on"]
    out["fleet_safety_period_end"] = safety["period_end"]

    base = baseline_year(con)
    first = min(base, year)
    energy = figures.energy_by_year(con, first, year, coal, include_fleet, grid)
    en, en0 = _row(energy, year), _row(energy, base)
    for key in ("electricity_use_kwh", "grid_import_kwh", "energy_kgce", "water_m3", "pv_generation_kwh",
                "pv_self_use_kwh"):
        out[key] = en.get(key)
    out["energy_kgce_buildings"] = en.get("buildings_kgce")
    out["energy_fleet_kgce"] = en.get("fleet_fuel_kgce")
    out["energy_fleet_share_pct"] = en.get("fleet_share_pct")
    out["baseline_year"] = base
    out["energy_kgce_baseline"] = en0.get("energy_kgce")
    out["energy_kgce_change_vs_2020_pct"] = figures.change_pct(out["energy_kgce"], out["energy_kgce_baseline"])
    cur, b0 = en, en0  # energy_by_year carries the county's intensities too (one query of county_year)
    out["floor_area_m2"] = cur.get("floor_area_m2")
    out["people"] = cur.get("people")
    for key in ("energy_kgce_per_m2", "energy_kgce_per_person", "water_m3_per_person", "co2_kg_per_m2"):
        out[key] = cur.get(key)
        out[f"{key}_change_vs_2020_pct"] = _py(figures.change_pct(cur.get(key), b0.get(key)))

    pv = figures.pv_project(con, f"{year}-12-31")
    out["pv_sites_total"] = pv["sites_total"]
    out["pv_sites_commissioned"] = pv["sites_commissioned"]
    out["pv_sites_under_construction"] = pv["sites_under_construction"]
    out["pv_roof_m2"] = pv["roof_m2"]
    out["pv_roof_m2_commissioned"] = pv["roof_m2_commissioned"]
    out["pv_modules"] = pv["modules"]
    out["pv_dc_kwp"] = pv["dc_kwp"]
    rate = figures.pv_saving_rate(con, year)
    out["pv_saving_rate_pct"] = _py(rate["saving_rate_pct"])

    for program in PROGRAMS:
        ordered = {s: n for s, n in certification.funnel(con, program, f"{year}-12-31").items() if n}
        out[f"{program}_units_by_stage"] = ordered
        out[f"{program}_units"] = sum(ordered.values())
        out[f"{program}_units_certified"] = sum(n for s, n in ordered.items() if s in CERTIFIED)
        task = _year_task(con, program, year)
        out[f"{program}_units_reached"] = task["units_reached"] if task else None
        out[f"{program}_task"] = task

    fl = _row(figures.fleet_by_year(con, year, year, grid), year)
    has_fleet = bool(fl) and (fl["dispatches"] or fl["petrol_l"] or fl["diesel_l"] or fl["charging_kwh"])
    fleet_keys = {"fleet_co2_t": "fleet_co2_t", "fleet_co2_kg_per_dispatch": "co2_kg_per_dispatch",
                  "fleet_electric_share_pct": "electric_share_pct", "fleet_fuel_kgce": "fuel_kgce",
                  "fleet_charging_kwh": "charging_kwh", "fleet_distance_km": "distance_km"}
    for key, col in fleet_keys.items():
        out[key] = fl.get(col) if has_fleet else None
    out["fleet_fuel_l"] = (fl["petrol_l"] + fl["diesel_l"]) if has_fleet else None
    out["fleet_ev_hybrid_share_pct"] = _pct(fl.get("ev_hybrid_dispatches"), fl.get("dispatches")) if has_fleet else None
    return {k: v if isinstance(v, dict) else _int(k, _py(v)) for k, v in out.items()}


COUNTS = {"repairs_total", "repairs_closed", "repairs_within_rule", "meetings_served", "reception_groups",
          "reception_people", "canteen_groups", "canteen_people", "visitor_groups", "visitor_people", "dispatches",
          "pv_sites_total", "pv_sites_commissioned", "pv_sites_under_construction", "pv_modules", "people"}


def _int(key: str, value):
    """Counts as int (DuckDB sums come back as floats)."""
    if key in COUNTS and value is not None:
        return int(round(value))
    return value


def _compare(value, comparison: str, target: float) -> str | None:
    if value is None:
        return None
    ok = value >= target if comparison == ">=" else value <= target
    return "met" if ok else "not_met"


def _year_task(con: duckdb.DuckDBPyConnection, program: str, year: int) -> dict | None:
    """The certification task of the year (data/cert_tasks.csv) with its units reached, counted at the year end."""
    tk = certification.tasks()
    tk = tk[(tk["program"] == program) & (tk["year"] == year)]
    if tk.empty:
        return None
    task = certification.task_for(program, tk.iloc[0]["deadline"])
    return certification.task_status(con, program, f"{year}-12-31", task)


def targets_for(con: duckdb.DuckDBPyConnection, year: int, values: dict, coal: str = "dangliang",
                grid: str = "guangxi", include_fleet: bool = True) -> dict:
    """key -> {target, comparison or target_change_pct/path, status, source} for the KPIs with a target."""
    out: dict = {}
    progress = figures.target_progress(con, year, coal, grid, include_fleet=include_fleet)
    for r in progress.itertuples():
        out[r.metric] = {"kind": "path", "baseline_year": int(r.baseline_year), "baseline": _py(r.baseline),
                         "target_change_pct": _py(r.target_change_pct), "target_year": int(r.target_year),
                         "change_pct": _py(r.change_pct), "path_pct": _py(r.path_pct), "status": _py(r.status),
                         "source": r.source}
    for program in PROGRAMS:
        task = values.get(f"{program}_task")
        if task:
            out[f"{program}_units_reached"] = {
                "kind": "level", "target": task["units"], "comparison": ">=", "stage": task["stage"],
                "deadline": task["deadline"], "status": "met" if task["status"] in ("met", "on_course") else "not_met",
                "source": task["source"], "note": None if task["confirmed"] else "to be confirmed"}
    tg = kpi_targets(con)
    tg = tg[(tg["year_from"] <= year) & (tg["year_to"] >= year)]
    for r in tg.itertuples():
        target = _py(r.target)
        out[r.kpi] = {"kind": "level", "target": target, "comparison": r.comparison,
                      "status": _compare(values.get(r.kpi), r.comparison, target), "source": r.source,
                      "note": r.note}
    return out


def kpi_report(con: duckdb.DuckDBPyConnection, year: int, coal: str = "dangliang", grid: str = "guangxi",
               include_fleet: bool = True) -> dict:
    """The year's KPIs (flat, stable keys) with `previous`, `change_pct` and `targets` alongside."""
    now = kpis(con, year, coal, grid, include_fleet)
    prev = kpis(con, year - 1, coal, grid, include_fleet)
    change, change_pp = {}, {}
    for key, value in now.items():
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or key in ("year", "baseline_year", "energy_kgce_baseline")):
            continue
        before = prev.get(key)
        if key.endswith("_pct"):  # a share or a change already: the difference in percentage points
            change_pp[key] = None if before is None or value is None else value - before
        else:
            change[key] = _py(figures.change_pct(value, before))
    targets = targets_for(con, year, now, coal, grid, include_fleet)
    # an incomplete year (etl/metrics/years.py) is neither compared nor judged: one meter's January is not
    # -100 % against the year before, nor "on track" against the 2020 baseline
    judged = yr.judgement(con, year, now["baseline_year"])
    status, comparable = judged["status"], judged["comparable"]
    if not comparable:
        change = dict.fromkeys(change)
        change_pp = dict.fromkeys(change_pp)
    if not judged["baseline"]:
        now = {k: None if k.endswith("_change_vs_2020_pct") else v for k, v in now.items()}
    if not status["complete"]:
        targets = {k: {**tg, "status": None, "not_judged": True} for k, tg in targets.items()}
    return {**now, "previous": prev, "change_pct": change, "change_pp": change_pp, "targets": targets,
            "year_status": status, "complete": status["complete"], "comparable": comparable}


def kpi_table(report: dict, lang: str = "zh") -> pd.DataFrame:
    """One row per KPI of SPEC: area, key, name, unit, value, previous, change, target, status."""
    rows = []
    for k in SPEC:
        tgt = report["targets"].get(k.key)
        target = None
        if tgt and tgt["kind"] == "level":
            target = f"{tgt['comparison']} {tgt['target']:g}"
        elif tgt:
            target = f"{tgt['target_year']}: {tgt['target_change_pct']:+g}% vs {tgt['baseline_year']}"
        rows.append({"area": k.area, "key": k.key, "name": k.zh if lang == "zh" else k.en,
                     "unit": k.unit_zh if lang == "zh" else k.unit_en, "value": report.get(k.key),
                     "previous": report["previous"].get(k.key), "change_pct": report["change_pct"].get(k.key),
                     "change_pp": report["change_pp"].get(k.key),
                     "target": target, "status": tgt["status"] if tgt else None})
    return pd.DataFrame(rows)


def stage_table(report: dict) -> pd.DataFrame:
    """Units per certification stage (rows: stages in process order; columns: jieyue, jieshui)."""
    rows = []
    for stage in certification.stages()["stage"]:
        rows.append({"stage": stage, **{p: report[f"{p}_units_by_stage"].get(stage, 0) for p in PROGRAMS}})
    return pd.DataFrame(rows)
