"""The demo county's registries: institutions, meters, PV sites, vehicles.

Names are those a county in Guangxi really has (bureaus, township schools and
health centres); codes, areas, people and equipment are invented. Everything
here is deterministic. The three PV hosts the 2023 summary names (城南二小,
县第一幼儿园, 江口乡中心校) are sites PV01-PV03.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOWNSHIPS = {  # approximate centres [deg]; 鹿寨镇 is the county seat
    "鹿寨镇": (24.473, 109.741), "中渡镇": (24.796, 109.628), "寨沙镇": (24.503, 110.010),
    "平山镇": (24.382, 109.880), "黄冕镇": (24.790, 109.953), "四排镇": (24.632, 109.602),
    "江口乡": (24.334, 109.684), "拉沟乡": (24.564, 109.467), "导江乡": (24.420, 109.560),
}

AGENCIES = [
    "县委办公室", "县人民政府办公室", "县人大常委会办公室", "县政协办公室", "县纪委监委", "县委组织部", "县委宣传部",
    "县委统战部", "县委政法委", "县委编办", "县委党校", "县发展和改革局", "县教育局", "县科学技术和工业信息化局",
    "县公安局", "县民政局", "县司法局", "县财政局", "县人力资源和社会保障局", "县自然资源局", "市生态环境局鹿寨分局",
    "县住房和城乡建设局", "县交通运输局", "县水利局", "县农业农村局", "县商务局", "县文化广电体育和旅游局",
    "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局", "县市场监督管理局", "县统计局", "县医疗保障局",
    "县林业局", "县信访局", "县行政审批局", "县机关后勤服务中心", "县人民法院", "县人民检察院", "县总工会", "团县委",
    "县妇联", "县残联", "县科协", "县工商联", "县乡村振兴局", "县城市管理监督局", "县投资促进局", "县档案局",
    "县国有资产服务中心", "县粮食和物资储备中心", "县税务局", "县气象局", "县供销社", "县人武部",
]
TOWNSHIP_AGENCIES = ["人民政府", "财政所", "农业农村服务中心", "社会保障服务中心"]
COUNTY_SCHOOLS = [
    "鹿寨中学", "县高级中学", "县职业教育中心", "城南二小", "城北一小", "县实验小学", "城南一小", "县第二中学",
    "县第一幼儿园", "县第二幼儿园", "县特殊教育学校", "县第三中学",
]
TOWNSHIP_SCHOOLS = ["中心校", "中学", "中心幼儿园"]
COUNTY_HOSPITALS = ["县人民医院", "县中医医院", "县妇幼保健院"]
OTHERS = [
    "县图书馆", "县文化馆", "县博物馆", "县体育中心", "县档案馆", "县疾病预防控制中心", "县融媒体中心",
    "县社会保险服务中心", "县住房公积金管理中心", "县公共资源交易中心", "县殡仪馆", "县农业技术推广中心",
    "县水文站", "县不动产登记中心", "县规划展示馆", "县青少年活动中心", "县老年大学", "县救助站",
    "县动物疫病预防控制中心", "县林业种苗站", "县水库管理所", "县城市公园管理所", "县环境卫生服务中心",
    "县综合检验检测中心", "县烈士陵园管理所",
]
# The buildings the centre itself runs (the summary's 行政中心 and 汇一联商务楼)
CENTRE_BUILDINGS = ["县行政中心", "汇一联商务楼"]

# (name, type) of the 34 PV hosts: government offices, schools, hospitals
PV_HOSTS = [
    "城南二小", "县第一幼儿园", "江口乡中心校", "县人民医院", "县中医医院", "县妇幼保健院", "鹿寨中学",
    "县高级中学", "县职业教育中心", "城北一小", "县实验小学", "城南一小", "县第二中学", "县第二幼儿园", "县第三中学",
    "鹿寨镇中心校", "中渡镇中心校", "寨沙镇中心校", "平山镇中心校", "黄冕镇中心校", "四排镇中心校", "拉沟乡中心校",
    "导江乡中心校", "中渡镇中学", "寨沙镇中学", "中渡镇卫生院", "寨沙镇卫生院", "黄冕镇卫生院", "县委党校",
    "县公安局", "县人民法院", "县人民检察院", "县住房和城乡建设局", "县自然资源局",
]
assert len(PV_HOSTS) == 34 and len(set(PV_HOSTS)) == 34

# kWh per m2 of floor area and year, and m3 of water per person and year, by type (2020 level)
ELEC_KWH_PER_M2 = {"党政机关": 62.0, "学校": 30.0, "医院": 120.0, "其他": 45.0}
WATER_M3_PER_PERSON = {"党政机关": 22.0, "学校": 9.0, "医院": 30.0, "其他": 24.0}
TOTAL_ROOF_M2 = 56104
TOTAL_MODULES = 12804
EARLY_ROOFS_M2 = {"城南二小": 2046, "县第一幼儿园": 1512}  # 3,558 m2 built before 2023-06-12


def institutions(rng: np.random.Generator) -> pd.DataFrame:
    rows: list[tuple[str, str, str]] = []  # name, type, township
    rows += [(n, "党政机关", "鹿寨镇") for n in CENTRE_BUILDINGS + AGENCIES]
    for t in TOWNSHIPS:
        rows += [(f"{t}{a}", "党政机关", t) for a in TOWNSHIP_AGENCIES]
    rows += [(n, "学校", "鹿寨镇") for n in COUNTY_SCHOOLS]
    for t in TOWNSHIPS:
        if t != "鹿寨镇":
            rows += [(f"{t}{s}", "学校", t) for s in TOWNSHIP_SCHOOLS]
        else:
            rows += [("鹿寨镇中心校", "学校", t)]
    rows += [(n, "医院", "鹿寨镇") for n in COUNTY_HOSPITALS]
    rows += [(f"{t}卫生院", "医院", t) for t in TOWNSHIPS if t != "鹿寨镇"]
    rows += [(n, "其他", "鹿寨镇") for n in OTHERS]
    df = pd.DataFrame(rows, columns=["name", "type", "township"])
    df.insert(0, "institution_id", [f"I{i + 1:03d}" for i in range(len(df))])
    n = len(df)
    size = rng.lognormal(0, 0.45, n)
    area_base = df["type"].map({"党政机关": 1800, "学校": 7000, "医院": 9000, "其他": 1500}).to_numpy()
    people_per_m2 = df["type"].map({"党政机关": 1 / 28, "学校": 1 / 9, "医院": 1 / 40, "其他": 1 / 35}).to_numpy()
    area = area_base * size
    big = {"县行政中心": 36000, "汇一联商务楼": 14500, "县人民医院": 62000, "县中医医院": 31000,
           "县妇幼保健院": 16000, "鹿寨中学": 52000, "县高级中学": 58000, "县职业教育中心": 41000}
    for name, a in big.items():
        area[df.index[df["name"] == name][0]] = a
    hosts = df["name"].isin(PV_HOSTS).to_numpy()
    # PV hosts are campuses: several buildings, PV on some roofs
    area = np.where(hosts & (area < 9000), area * 2.2 + 6000, area)
    df["floor_area_m2"] = np.round(area, -1)
    people = area * people_per_m2 * rng.lognormal(0, 0.15, n)
    people[df.index[df["name"] == "县行政中心"][0]] = 1350
    people[df.index[df["name"] == "汇一联商务楼"][0]] = 520
    df["people"] = np.maximum(np.round(people), 8).astype(int)
    df["building_group"] = np.where(df["name"].isin(CENTRE_BUILDINGS), df["name"], "")
    return df


def meters(inst: pd.DataFrame) -> pd.DataFrame:
    hosts = inst["name"].isin(PV_HOSTS) | (inst["name"] == "县行政中心")
    rows = []
    for r, interval in zip(inst.itertuples(), hosts, strict=True):
        mult = 1.0 if interval or r.floor_area_m2 < 8000 else 40.0
        rows.append((f"E-{r.institution_id}", r.institution_id, "electricity", "kWh",
                     "interval" if interval else "billing",
                     "import" if r.name in PV_HOSTS else "consumption", f"0450{int(r.institution_id[1:]):06d}", mult))
        rows.append((f"W-{r.institution_id}", r.institution_id, "water", "m3", "billing", "consumption",
                     f"88{int(r.institution_id[1:]):06d}", 1.0))
    return pd.DataFrame(rows, columns=["meter_id", "institution_id", "kind", "unit", "resolution", "measures",
                                       "account_no", "multiplier"])


# Ratings a county's supply is registered at (GB/T 6451 distribution transformers from 30 kVA; small
# low-voltage accounts register 10-20 kVA): the demo's 报装容量 is the smallest that keeps the peak at 60 %
KVA_RATINGS = (10, 16, 20, 30, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600,
               2000, 2500, 3150)
PEAK_SHARE_OF_RATING = 0.6
BILL_LOAD_FACTOR = 0.35  # a billed meter's peak: the month's mean power / 0.35 (offices and schools run days)
WATER_PEAK_OVER_MEAN = 4.0  # a caliber chosen so that 4 x the month's mean flow stays under Q3


def with_capacity(meters: pd.DataFrame, elec: pd.DataFrame, water: pd.DataFrame,
                  hourly: dict[str, np.ndarray]) -> pd.DataFrame:
    """The registry with 报装容量 (kVA) for electricity and 口径 (DN) for water, sized from the demo's own use
    (no random draws: every other demo figure stays the same). Water flows: data/water_meter_flow.csv."""
    from etl.ingest.capacity import water_flows

    flows = sorted(water_flows().items())
    hours_min = 672.0  # the shortest month
    out = meters.copy()
    cap: list[float | None] = []
    dn: list[str | None] = []
    for m in out.itertuples():
        if m.kind == "electricity":
            peak = elec.loc[m.institution_id].max() / hours_min / BILL_LOAD_FACTOR
            if m.institution_id in hourly:
                peak = max(peak, float(np.max(hourly[m.institution_id])))
            need = peak / PEAK_SHARE_OF_RATING
            cap.append(float(next((r for r in KVA_RATINGS if r >= need), KVA_RATINGS[-1])))
            dn.append(None)
        else:
            need = water.loc[m.institution_id].max() / hours_min * WATER_PEAK_OVER_MEAN
            dn.append(f"DN{next((d for d, q3 in flows if q3 >= need), flows[-1][0]):g}")
            cap.append(None)
    out["capacity_kva"] = cap
    out["caliber"] = dn
    return out


def _split_total(rng: np.random.Generator, total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to weights that sum exactly to total."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    order = np.argsort(-(raw - out) + rng.uniform(0, 1e-9, len(raw)))
    out[order[:rest]] += 1
    return out


def pv_sites(rng: np.random.Generator, inst: pd.DataFrame) -> pd.DataFrame:
    host_rows = inst.set_index("name").loc[PV_HOSTS]
    n = len(PV_HOSTS)
    roof = np.zeros(n, dtype=int)
    roof[0], roof[1] = EARLY_ROOFS_M2["城南二小"], EARLY_ROOFS_M2["县第一幼儿园"]
    weights = rng.lognormal(0, 0.45, n - 2) * np.where(host_rows["type"].to_numpy()[2:] == "医院", 1.6, 1.0)
    roof[2:] = _split_total(rng, TOTAL_ROOF_M2 - roof[:2].sum(), weights)
    modules = _split_total(rng, TOTAL_MODULES, roof / 4.38 * rng.uniform(0.97, 1.03, n))
    module_w = np.where(np.arange(n) < 2, 540.0, 545.0)
    dc = modules * module_w / 1000
    ac = np.maximum(np.round(dc / 1.15 / 10) * 10, 20)
    lat = np.empty(n)
    lon = np.empty(n)
    for i, town in enumerate(host_rows["township"]):
        la, lo = TOWNSHIPS[town]
        lat[i], lon[i] = la + rng.normal(0, 0.01), lo + rng.normal(0, 0.01)
    tilt = rng.choice([10.0, 12.0, 15.0, 18.0, 20.0], n)
    azimuth = np.clip(np.round(180 + rng.normal(0, 15, n)), 135, 225)
    azimuth[[9, 21]] = [90.0, 270.0]  # two metal roofs laid east-west
    start = pd.Timestamp("2023-07-01") + pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    commissioned = start + pd.to_timedelta(rng.integers(75, 150, n), unit="D")
    start = start.to_numpy().copy()
    commissioned = commissioned.to_numpy().copy()
    start[0], commissioned[0] = np.datetime64("2023-03-06"), np.datetime64("2023-04-28")
    start[1], commissioned[1] = np.datetime64("2023-03-20"), np.datetime64("2023-05-26")
    start[2], commissioned[2] = np.datetime64("2023-05-22"), np.datetime64("2023-11-15")
    commissioned = np.minimum(commissioned, np.datetime64("2024-02-28"))
    return pd.DataFrame({
        "site_id": [f"PV{i + 1:02d}" for i in range(n)],
        "name": [f"{h}屋顶光伏" for h in PV_HOSTS],
        "institution_id": host_rows["institution_id"].to_numpy(),
        "latitude": np.round(lat, 4), "longitude": np.round(lon, 4),
        "roof_area_m2": roof, "modules": modules, "module_w": module_w, "dc_kwp": np.round(dc, 2),
        "tilt_deg": tilt, "azimuth_deg": azimuth, "ac_kw": ac,
        "construction_started_on": pd.to_datetime(start).strftime("%Y-%m-%d"),
        "commissioned_on": pd.to_datetime(commissioned).strftime("%Y-%m-%d"),
        "status": "commissioned",
    })


def vehicles(rng: np.random.Generator) -> pd.DataFrame:
    spec = (  # model, fuel type, tank L, battery kWh, L/100km, kWh/100km, count, acquired years
        ("大众帕萨特 1.8T", "petrol", 70, 0, 9.8, 0, 5, (2012, 2016)),
        ("丰田凯美瑞 2.0", "petrol", 60, 0, 8.6, 0, 5, (2015, 2019)),
        ("别克GL8 2.0T", "petrol", 65, 0, 11.2, 0, 4, (2013, 2018)),
        ("丰田海狮 2.7 柴油", "diesel", 70, 0, 10.5, 0, 2, (2011, 2014)),
        ("江铃全顺 2.2T 柴油", "diesel", 80, 0, 11.0, 0, 1, (2016, 2016)),
        ("丰田凯美瑞 双擎", "hybrid", 50, 1.6, 4.9, 0, 3, (2020, 2022)),
        ("比亚迪秦PLUS DM-i", "hybrid", 48, 8.3, 4.2, 0, 2, (2022, 2023)),
        ("比亚迪汉 EV", "electric", 0, 76.9, 0, 14.5, 2, (2021, 2022)),
        ("比亚迪e6", "electric", 0, 71.7, 0, 17.5, 2, (2021, 2023)),
    )
    rows = []
    for model, fuel, tank, batt, lp, kp, count, (y0, y1) in spec:
        for _ in range(count):
            rows.append((model, fuel, tank, batt, lp, kp, int(rng.integers(y0, y1 + 1))))
    df = pd.DataFrame(rows, columns=["model", "fuel_type", "tank_l", "battery_kwh", "l_per_100km",
                                     "kwh_per_100km", "year"])
    df["plate"] = [f"桂B·{c}{rng.integers(1000, 9999)}" if f != "electric" else f"桂B·D{rng.integers(10000, 99999)}"
                   for c, f in zip(rng.choice(list("ACEFGJKLMN"), len(df)), df["fuel_type"], strict=True)]
    df["fuel_card_no"] = [f"903001{10000000 + i * 7919:010d}" if f != "electric" else ""
                          for i, f in enumerate(df["fuel_type"])]
    df["acquired_on"] = [f"{y}-{rng.integers(1, 13):02d}-15" for y in df["year"]]
    # the EVs only arrived in 2021-2023, the oldest cars burn more as they age
    return df.drop(columns="year")[["plate", "model", "fuel_type", "tank_l", "battery_kwh", "fuel_card_no",
                                    "l_per_100km", "kwh_per_100km", "acquired_on"]]
