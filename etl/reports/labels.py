"""Column headers and coded values of the KPI workbook in words: "综合能耗（kgce）", never `energy_kgce`.

A reviewer reads the workbook without the code: every header is a Chinese name with its unit, every coded
value (status, area, stage, certification programme) its Chinese word. KPI names come from the one KPI
definition (etl/metrics/kpi.py SPEC); the other columns are named here.
"""

from __future__ import annotations

import pandas as pd

from etl.metrics import kpi

# column -> (name, unit or "")
HEADERS: dict[str, tuple[str, str]] = {
    "area": ("领域", ""), "name_zh": ("指标", ""), "name_en": ("指标（英文）", ""), "unit_zh": ("单位", ""),
    "unit": ("单位", ""), "value": ("本年数值", ""), "previous": ("上年数值", ""), "change_pct": ("较上年变化", "%"),
    "change_pp": ("较上年变化", "个百分点"), "target": ("目标", ""), "status_zh": ("状态", ""),
    "year": ("年份", ""), "building_group": ("区域", ""), "repairs_major": ("其中大修", "次"),
    "cost_yuan": ("维修费用", "元"), "stage_zh": ("阶段", ""), "jieyue": ("节约型机关", "家"),
    "jieshui": ("节水型单位", "家"), "baseline_year": ("基准年", ""), "baseline": ("基准年数值", ""),
    "target_change_pct": ("目标变化", "%"), "target_year": ("目标年", ""), "path_pct": ("本年序时进度", "%"),
    "source": ("来源", ""), "source_en": ("来源（英文）", ""), "comparison": ("比较", ""), "year_from": ("适用起始年", ""), "year_to": ("适用截止年", ""),
    "note": ("说明", ""), "repairs_closed": ("已办结维修", "次"), "repairs_within_rule": ("按时办结维修", "次"),
    "canteen_people": ("机关食堂接待人次", "人次"), "electricity_use_kwh": ("用电量（含光伏自用）", "kWh"),
    "grid_import_kwh": ("外购电量", "kWh"), "pv_self_use_kwh": ("光伏自用电量", "kWh"), "petrol_l": ("汽油", "L"),
    "diesel_l": ("柴油", "L"), "fuel_kgce": ("燃油折标煤", "kgce"), "fuel_co2_t": ("燃油碳排放", "tCO₂"),
    "charging_kwh": ("充电量", "kWh"), "charging_co2_t": ("充电碳排放", "tCO₂"), "fuel_yuan": ("燃油费用", "元"),
    "charging_yuan": ("充电费用", "元"), "distance_km": ("行驶里程", "km"), "ev_dispatches": ("纯电动车出车", "车次"),
    "ev_hybrid_dispatches": ("新能源及混动出车", "车次"), "co2_kg_per_dispatch": ("每车次碳排放", "kgCO₂"),
    "electric_share_pct": ("纯电动车出车占比", "%"), "buildings_kgce": ("建筑能耗", "kgce"),
    "fleet_kgce": ("公务用车能耗", "kgce"), "fleet_fuel_kgce": ("计入综合能耗的公务用车燃油", "kgce"),
    "fleet_share_pct": ("综合能耗中公务用车燃油占比", "%"),
}
# coded values -> words
AREA_ZH = {"logistics": "后勤保障", "energy": "能源资源节约", "certification": "节约型机关·节水型单位", "fleet": "公务用车"}
STATUS_ZH = {s: kpi.status_text(s, "zh") for s in kpi.STATUSES}  # the catalogue's words (etl/ingest/messages.py)
DROP = ("key", "stage", "status", "target_id", "kpi", "metric")  # codes whose words are in another column


def header(col: str) -> str:
    if col in HEADERS:
        name, unit = HEADERS[col]
    elif col in kpi.BY_KEY:
        spec = kpi.BY_KEY[col]
        name, unit = spec.zh, spec.unit_zh
    else:
        return col
    return f"{name}（{unit}）" if unit else name


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The sheet as a reader sees it: coded columns in words, codes dropped, headers named with units."""
    out = df.copy()
    if "area" in out:
        out["area"] = out["area"].map(lambda a: AREA_ZH.get(a, a))
    if "status" in out and "status_zh" not in out:
        out["status_zh"] = out["status"].map(lambda s: STATUS_ZH.get(s, s) if isinstance(s, str) else None)
    if "metric" in out and "name_zh" not in out:  # a target row: name it by its KPI
        out.insert(0, "name_zh", out["metric"].map(lambda m: kpi.BY_KEY[m].zh if m in kpi.BY_KEY else m))
    out = out.drop(columns=[c for c in DROP if c in out.columns])
    names = {c: header(c) for c in out.columns}
    if "baseline_year" in out and "change_pct" in out:  # a target row's change is against its baseline year
        names["change_pct"] = "较基准年变化（%）"
    seen: dict[str, int] = {}
    for col, name in names.items():  # two codes never share one header
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[col] = f"{name}（{col}）"
    return out.rename(columns=names)
