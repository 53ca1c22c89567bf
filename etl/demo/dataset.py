"""Demo data: a deterministic county, 2020-2024, written as the files people really get.

The files go to data/demo/ and are loaded through the same loader a user's file
takes. They reproduce what the centre's 2023 summary reports (225 repairs, 378
receptions with 4,584 people, 34 PV sites on 56,104 m2 ...) when the app computes
the figures from the data. Nothing here is a real measurement: the database is
marked as demo and every page says so.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo import certification as demo_cert
from etl.demo import fleet as demo_fleet
from etl.demo import registry as reg
from etl.demo import scale as demo_scale
from etl.ingest.loader import load_paths
from etl.pv import project, pvmodel
from etl.store import per_version
from etl.store.db import DATA_DIR, connect

SEED = 20231231
FIRST_YEAR, LAST_YEAR = 2020, 2024
INTERVAL_YEARS = (2023, 2024)
DEMO_DIR = DATA_DIR / "demo"
TZ = "Asia/Shanghai"
TARGET_PV_SAVING_RATE = 0.13  # the summary's 综合节能率, reproduced for 2024 (all sites built)

# seasonal shape of electricity use by month (AC peak in July-August); schools fall in holidays
ELEC_SEASON = np.array([0.86, 0.78, 0.80, 0.88, 1.02, 1.18, 1.30, 1.32, 1.18, 0.96, 0.84, 0.88])
SCHOOL_FACTOR = np.array([0.85, 0.55, 1.05, 1.05, 1.05, 1.05, 0.45, 0.40, 1.05, 1.05, 1.05, 1.00])
WATER_SEASON = np.array([0.85, 0.80, 0.90, 0.95, 1.05, 1.12, 1.18, 1.18, 1.10, 1.00, 0.95, 0.92])
TARIFF_YUAN_KWH = 0.6317
WATER_YUAN_M3 = 2.20
FUEL_YUAN_L = {2020: 6.05, 2021: 6.95, 2022: 8.25, 2023: 8.02, 2024: 7.86}  # 92# petrol, Guangxi
DIESEL_DISCOUNT = 0.35
BUILDING_GROUPS = ("县行政中心", "汇一联商务楼", "老政府生活区", "周转楼")

# The 2023 figures of the summary. Other years get plausible numbers of their own.
SUMMARY_2023 = {
    "work_orders": 225, "meetings": 612, "dispatches": 3726,
    "reception_groups": 378, "reception_people": 4584, "canteen_groups": 167, "canteen_people": 1899,
    "visitor_groups": 70, "visitor_people": 2749,
}
OTHER_YEARS = {
    2020: {"work_orders": 198, "meetings": 488, "dispatches": 3052, "reception_groups": 251,
           "reception_people": 2890, "canteen_groups": 112, "canteen_people": 1204, "visitor_groups": 58,
           "visitor_people": 1980},
    2021: {"work_orders": 206, "meetings": 566, "dispatches": 3411, "reception_groups": 322,
           "reception_people": 3870, "canteen_groups": 141, "canteen_people": 1597, "visitor_groups": 66,
           "visitor_people": 2410},
    2022: {"work_orders": 214, "meetings": 541, "dispatches": 3380, "reception_groups": 305,
           "reception_people": 3612, "canteen_groups": 138, "canteen_people": 1540, "visitor_groups": 73,
           "visitor_people": 2630},
    2024: {"work_orders": 238, "meetings": 634, "dispatches": 3815, "reception_groups": 391,
           "reception_people": 4702, "canteen_groups": 181, "canteen_people": 2040, "visitor_groups": 64,
           "visitor_people": 2511},
}
YEAR_COUNTS = {**OTHER_YEARS, 2023: SUMMARY_2023}


def _months() -> pd.DatetimeIndex:
    return pd.date_range(f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-01", freq="MS")


def _hours() -> pd.DatetimeIndex:
    return pd.date_range(f"{INTERVAL_YEARS[0]}-01-01", f"{INTERVAL_YEARS[-1]}-12-31 23:00", freq="h", tz=TZ)


def _workdays(year: int) -> pd.DatetimeIndex:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    days = days[days.day_of_week < 5]
    # Spring Festival and National Day weeks: offices closed
    cny = {2020: "01-24", 2021: "02-11", 2022: "01-31", 2023: "01-21", 2024: "02-10"}[year]
    start = pd.Timestamp(f"{year}-{cny}")
    closed = (days >= start) & (days < start + pd.Timedelta(days=7))
    closed |= (days >= pd.Timestamp(f"{year}-10-01")) & (days <= pd.Timestamp(f"{year}-10-07"))
    return days[~closed]


def _partition(rng: np.random.Generator, total: int, groups: int, spread: float = 0.6) -> np.ndarray:
    """`groups` positive integers summing to exactly `total` (people per group)."""
    weights = rng.lognormal(0, spread, groups)
    extra = rng.multinomial(total - groups, weights / weights.sum())
    return extra + 1


def _random_times(rng: np.random.Generator, days: pd.DatetimeIndex, n: int, h0: float = 8.0,
                  h1: float = 17.5) -> pd.Series:
    picked = days[np.sort(rng.integers(0, len(days), n))]
    minutes = rng.uniform(h0 * 60, h1 * 60, n).round()
    return pd.Series(picked + pd.to_timedelta(minutes, unit="min"))


# ------------------------------------------------------------------ energy and water


def monthly_electricity(rng: np.random.Generator, inst: pd.DataFrame) -> pd.DataFrame:
    """kWh used per institution and month, 2020-2024: type intensity, season, a real downward trend."""
    months = _months()
    n = len(inst)
    base = inst["floor_area_m2"].to_numpy() * inst["type"].map(reg.ELEC_KWH_PER_M2).to_numpy()
    base *= rng.lognormal(0, 0.22, n)
    # savings: most institutions cut 1-2.5 % a year from 2021; some drift upwards
    slope = rng.normal(-0.016, 0.012, n)
    years = months.year.to_numpy() - FIRST_YEAR
    trend = np.exp(np.outer(slope, np.maximum(years - 1, 0))) * np.where(years == 1, 1.015, 1.0)
    season = ELEC_SEASON[months.month - 1]
    school = (inst["type"] == "学校").to_numpy()[:, None]
    season = np.where(school, season * SCHOOL_FACTOR[months.month - 1], season)
    covid = np.where((months.year == 2020) & (months.month == 2), np.where(school, 0.6, 0.85), 1.0)
    noise = rng.normal(1, 0.035, (n, len(months)))
    kwh = base[:, None] / 12 * trend * season / season.mean(axis=1, keepdims=True) * covid * noise
    return pd.DataFrame(kwh, index=inst["institution_id"], columns=months)


def monthly_water(rng: np.random.Generator, inst: pd.DataFrame) -> pd.DataFrame:
    months = _months()
    n = len(inst)
    base = inst["people"].to_numpy() * inst["type"].map(reg.WATER_M3_PER_PERSON).to_numpy()
    base *= rng.lognormal(0, 0.25, n)
    slope = rng.normal(-0.017, 0.012, n)
    years = months.year.to_numpy() - FIRST_YEAR
    trend = np.exp(np.outer(slope, years))
    season = WATER_SEASON[months.month - 1]
    school = (inst["type"] == "学校").to_numpy()[:, None]
    season = np.where(school, season * SCHOOL_FACTOR[months.month - 1], season)
    noise = rng.normal(1, 0.05, (n, len(months)))
    m3 = base[:, None] / 12 * trend * season / season.mean(axis=1, keepdims=True) * noise
    df = pd.DataFrame(m3, index=inst["institution_id"], columns=months)
    # two leaks for the anomaly pages to find: a school pipe in spring 2024, an agency in Sept 2023
    schools = inst.loc[inst["type"] == "学校", "institution_id"]
    agencies = inst.loc[inst["type"] == "党政机关", "institution_id"]
    df.loc[schools.iloc[5], pd.Timestamp("2024-04-01"):pd.Timestamp("2024-06-01")] *= 2.6
    df.loc[agencies.iloc[12], pd.Timestamp("2023-09-01")] *= 3.2
    return df


def _load_shape(hours: pd.DatetimeIndex, inst_type: str) -> np.ndarray:
    """Relative hourly load: base load at night, offices by day, AC in the afternoons."""
    h = hours.hour.to_numpy()
    wd = hours.day_of_week.to_numpy() < 5
    day = (h >= 8) & (h < 18)
    if inst_type == "医院":
        return 0.65 + 0.35 * day + 0.1 * ((h >= 7) & (h < 21))
    if inst_type == "学校":
        return 0.25 + np.where(wd, 1.0, 0.15) * day + 0.15 * ((h >= 19) & (h < 22)) * wd
    return 0.22 + np.where(wd, 1.0, 0.12) * day


def hourly_from_monthly(monthly: pd.Series, hours: pd.DatetimeIndex, inst_type: str,
                        rng: np.random.Generator) -> np.ndarray:
    """Hourly kWh whose month sums equal the monthly figures exactly."""
    shape = _load_shape(hours, inst_type) * rng.normal(1, 0.06, len(hours)).clip(0.7, 1.3)
    month_key = hours.tz_localize(None).to_period("M").to_timestamp()
    frame = pd.DataFrame({"m": month_key, "s": shape})
    share = frame["s"] / frame.groupby("m")["s"].transform("sum")
    return (share * frame["m"].map(monthly).to_numpy()).to_numpy()


def pv_generation(sites: pd.DataFrame, hours: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """Hourly 'measured' AC kWh per site (wide: hours x site_id): a weather year of its own, real losses,
    zero before commissioning, and a few faults for the PV page to find."""
    weather = pvmodel.synthetic_weather(hours, seed=seed)
    out = pvmodel.expected_output(sites, weather)
    wide = out.pivot(index="ts", columns="site_id", values="ac_kwh")[sites["site_id"]]
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.93, 1.0, len(sites))  # mismatch, soiling, availability
    gen = wide.to_numpy() * factor * rng.normal(1, 0.02, wide.shape).clip(0.9, 1.1)
    local = hours.tz_localize(None)
    for j, on in enumerate(pd.to_datetime(sites["commissioned_on"])):
        gen[(local < on) if not pd.isna(on) else slice(None), j] = 0.0  # no date: not built, nothing produced
    col = {s: j for j, s in enumerate(sites["site_id"])}
    # faults: a roof losing 30 % from mid-August 2024, an inverter trip, a stuck logger
    gen[local >= pd.Timestamp("2024-08-10"), col["PV12"]] *= 0.70
    gen[(local >= pd.Timestamp("2024-05-03")) & (local < pd.Timestamp("2024-05-13")), col["PV21"]] = 0.0
    stuck = (local.normalize() == pd.Timestamp("2024-10-15")) & (local.hour >= 7) & (local.hour <= 18)
    gen[stuck, col["PV30"]] = round(float(gen[stuck, col["PV30"]].mean()), 2)
    return pd.DataFrame(np.round(gen, 2), index=local, columns=sites["site_id"])


def _saving_rate(gen: np.ndarray, load: np.ndarray) -> float:
    return float(np.minimum(gen, load).sum() / load.sum())


def calibrate_hosts(gen_2024: np.ndarray, load_2024: np.ndarray) -> float:
    """Scale factor for the PV hosts' use so that PV used on site is 13 % of their use in 2024."""
    lo, hi = 0.05, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _saving_rate(gen_2024, load_2024 * mid) > TARGET_PV_SAVING_RATE:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ------------------------------------------------------------------ logistics logs


def work_orders(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    places = {"县行政中心": ["1楼大厅", "3楼会议室", "5楼东侧卫生间", "9楼大会议室", "地下车库", "配电房", "发电机房",
                             "电梯机房", "食堂后厨"],
              "汇一联商务楼": ["2楼走廊", "4楼办公室", "6楼卫生间", "楼顶水箱", "配电间"],
              "老政府生活区": ["3栋楼道", "5栋水管", "7栋屋面", "小区路灯", "11栋化粪池"],
              "周转楼": ["1单元楼道", "2单元热水器", "屋顶防水", "门禁"]}
    minor_tasks = ["水龙头漏水", "灯管更换", "门锁维修", "插座无电", "马桶堵塞", "空调不制冷", "窗户合页损坏",
                   "下水道堵塞"]
    major_tasks = ["电梯故障停运", "配电柜跳闸检修", "屋面渗漏修缮", "供水主管爆裂", "发电机保养维修",
                   "中央空调主机维修"]
    for year, counts in YEAR_COUNTS.items():
        n = counts["work_orders"]
        reported = _random_times(rng, _workdays(year), n, 8.0, 17.0)
        group = rng.choice(BUILDING_GROUPS, n, p=[0.46, 0.2, 0.24, 0.1])
        major = rng.random(n) < 0.14
        hours = np.where(major, rng.uniform(3, 30, n), rng.uniform(0.5, 6, n))
        closed = reported + pd.to_timedelta(hours, unit="h")
        # a few exceed the rule (small repairs overnight, big repairs past the next day)
        late = rng.random(n) < 0.03
        closed = closed.where(~late, closed + pd.Timedelta(days=2))
        # costs of the ageing administrative centre rise year by year
        age = 1.0 + 0.12 * (year - FIRST_YEAR) * (group == "县行政中心")
        cost = np.where(major, rng.lognormal(np.log(4500), 0.6, n), rng.lognormal(np.log(160), 0.5, n)) * age
        for i in range(n):
            open_at_end = year == LAST_YEAR and reported.iloc[i] > pd.Timestamp("2024-12-30 12:00")
            rows.append({
                "工单号": f"WX{year}{i + 1:04d}", "维修区域": group[i],
                "具体位置": rng.choice(places[group[i]]), "维修类别": "大修" if major[i] else "小修",
                "维修内容": rng.choice(major_tasks if major[i] else minor_tasks),
                "报修时间": reported.iloc[i].strftime("%Y-%m-%d %H:%M"),
                "办结时间": "" if open_at_end else closed.iloc[i].strftime("%Y-%m-%d %H:%M"),
                "维修费用(元)": round(float(cost[i]), 2), "是否投诉": "否",
            })
    return pd.DataFrame(rows)


def meetings(rng: np.random.Generator) -> pd.DataFrame:
    venues = ["行政中心九楼大会议室", "行政中心三楼第一会议室", "行政中心三楼第二会议室", "行政中心五楼常委会议室",
              "汇一联四楼会议室", "行政中心视频会议室"]
    titles = ["县委常委会议", "县政府常务会议", "专题工作推进会", "视频调度会", "项目建设推进会", "安全生产工作会",
              "乡村振兴工作会", "创建文明城市工作会", "节能宣传周动员会", "培训会"]
    rows = []
    for year, counts in YEAR_COUNTS.items():
        n = counts["meetings"]
        days = _workdays(year)
        held = days[np.sort(rng.integers(0, len(days), n))]
        for i in range(n):
            rows.append({"会议编号": f"HY{year}{i + 1:04d}", "会议日期": held[i].strftime("%Y-%m-%d"),
                         "会议室": rng.choice(venues), "会议名称": rng.choice(titles),
                         "参会人数": int(rng.integers(12, 180))})
    return pd.DataFrame(rows)


def receptions(rng: np.random.Generator) -> pd.DataFrame:
    guests = ["市财政局检查组", "自治区扶贫检查组", "市机关事务管理局", "兄弟县考察团", "市发改委调研组",
              "自治区党委巡视组", "市教育局督导组", "环鹿寨公路自行车赛组委会", "学青会工作组", "市卫健委调研组"]
    rows = []
    for year, c in YEAR_COUNTS.items():
        days = _workdays(year)
        canteen = _partition(rng, c["canteen_people"], c["canteen_groups"])
        other = _partition(rng, c["reception_people"] - c["canteen_people"],
                           c["reception_groups"] - c["canteen_groups"])
        people = np.concatenate([canteen, other])
        in_canteen = np.r_[np.ones(len(canteen), bool), np.zeros(len(other), bool)]
        order = rng.permutation(len(people))
        held = days[np.sort(rng.integers(0, len(days), len(people)))]
        for i, k in enumerate(order):
            rows.append({"接待编号": f"JD{year}{i + 1:04d}", "接待日期": held[i].strftime("%Y-%m-%d"),
                         "来宾单位": rng.choice(guests), "接待人数": int(people[k]),
                         "机关食堂": "是" if in_canteen[k] else "否"})
    return pd.DataFrame(rows)


def visitors(rng: np.random.Generator) -> pd.DataFrame:
    topics = ["征地补偿", "工资拖欠", "房屋拆迁", "社保待遇", "林地纠纷", "教育就学", "环境投诉"]
    rows = []
    for year, c in YEAR_COUNTS.items():
        days = _workdays(year)
        people = _partition(rng, c["visitor_people"], c["visitor_groups"], spread=0.9)
        held = days[np.sort(rng.integers(0, len(days), len(people)))]
        for i, p in enumerate(people):
            rows.append({"批次号": f"LF{year}{i + 1:04d}", "来访日期": held[i].strftime("%Y-%m-%d"),
                         "人数": int(p), "反映问题": rng.choice(topics)})
    return pd.DataFrame(rows)


def fleet(rng: np.random.Generator, cars: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # noqa: C901 - to split (listed in the README)
    """Dispatches, fuel-card statement and charging sessions, consistent with each other."""
    drivers = ["李师傅", "韦师傅", "覃师傅", "莫师傅", "黄师傅", "蓝师傅", "陆师傅", "梁师傅", "廖师傅", "罗师傅",
               "欧师傅", "潘师傅", "谭师傅", "吴师傅", "周师傅"]
    places = ["中渡镇", "寨沙镇", "平山镇", "黄冕镇", "四排镇", "江口乡", "拉沟乡", "导江乡", "柳州市区", "南宁市",
              "县城内", "县城内", "县城内"]
    distance = {"县城内": (8, 25), "柳州市区": (110, 140), "南宁市": (520, 560)}
    units = ["县政府办", "县委办", "县发改局", "县财政局", "县住建局", "县农业农村局", "县教育局", "县卫健局"]
    acquired = pd.to_datetime(cars["acquired_on"]).to_numpy()
    seconded = cars["plate"].iloc[[2, 6, 11]].tolist()  # 3 cars for the inspection team, 2023-03-30..06-28
    preference = cars["fuel_type"].map({"petrol": 1.0, "diesel": 0.5, "hybrid": 2.4, "electric": 2.6}).to_numpy()
    disp, fills, charges = [], [], []
    for year, c in YEAR_COUNTS.items():
        n = c["dispatches"]
        days = _workdays(year)
        depart = _random_times(rng, days, n, 7.5, 16.5)
        depart_np = depart.to_numpy()
        for i, t in enumerate(depart.tolist()):
            inspection = (year == 2023 and pd.Timestamp("2023-03-30") <= t <= pd.Timestamp("2023-06-28 23:59")
                          and i % 9 == 0)
            if inspection:
                plate = seconded[i % 3]
                dest, purpose, unit = "县城内", "自治区党委第五巡视组用车保障", "县委办"
            else:
                ok = acquired <= depart_np[i]
                # electric and hybrid cars are preferred since 2023 (the summary's 节能环保车型优先)
                w = np.where(ok, preference if year >= 2023 else np.ones(len(cars)), 0.0)
                plate = cars["plate"].iloc[rng.choice(len(cars), p=w / w.sum())]
                dest = rng.choice(places)
                purpose = rng.choice(["会议保障", "公务接待", "检查调研", "文件送达", "下乡督导"])
                unit = rng.choice(units)
            lo, hi = distance.get(dest, (35, 95))
            km = round(float(rng.uniform(lo, hi)), 1)
            back = t + pd.Timedelta(hours=km / 45 + rng.uniform(0.5, 3))
            disp.append({"派车单号": f"PC{year}{i + 1:05d}", "车牌号": plate, "驾驶员": rng.choice(drivers),
                         "出车时间": t.strftime("%Y-%m-%d %H:%M"), "回车时间": back.strftime("%Y-%m-%d %H:%M"),
                         "目的地": dest, "用车事由": purpose, "用车单位": unit, "行驶里程(km)": km,
                         "是否事故": "是" if (year == 2021 and i == 1804) else "否"})
    dispatches = pd.DataFrame(disp)
    # fuel and charging follow each car's kilometres
    dispatches["_t"] = pd.to_datetime(dispatches["回车时间"])
    for car in cars.itertuples():
        trips = dispatches.loc[dispatches["车牌号"] == car.plate].sort_values("_t")
        used = 0.0
        if car.fuel_type == "electric":
            cap = car.battery_kwh
            for t, km in zip(trips["_t"], trips["行驶里程(km)"], strict=True):
                used += km * car.kwh_per_100km / 100 * rng.normal(1, 0.06)
                if used > 0.55 * cap:
                    # a long trip empties the battery on the way: the car charges en route (a public station,
                    # an hour or two before it is back) up to 90 % of the battery per session
                    k = 0
                    while used > 0.9 * cap:
                        k += 1
                        start = t - pd.Timedelta(hours=1.5 * k)
                        kwh = round(0.9 * cap / 0.92, 2)
                        if start.year <= LAST_YEAR:
                            charges.append({"车牌号": car.plate, "开始时间": start.strftime("%Y-%m-%d %H:%M"),
                                            "结束时间": (start + pd.Timedelta(hours=kwh / 60)).strftime("%Y-%m-%d %H:%M"),
                                            "充电量(kWh)": kwh, "充电费用(元)": round(kwh * 1.6, 2),
                                            "充电站": "沿途公共充电站"})
                        used -= 0.9 * cap
                    kwh = round(used / 0.92, 2)  # charger losses
                    start = t + pd.Timedelta(minutes=float(rng.uniform(10, 60)))
                    if start.year > LAST_YEAR:
                        break
                    charges.append({"车牌号": car.plate, "开始时间": start.strftime("%Y-%m-%d %H:%M"),
                                    "结束时间": (start + pd.Timedelta(hours=kwh / 40)).strftime("%Y-%m-%d %H:%M"),
                                    "充电量(kWh)": kwh, "充电费用(元)": round(kwh * 1.15, 2),
                                    "充电站": rng.choice(["行政中心充电桩1", "行政中心充电桩2", "城南公共充电站"])})
                    used = 0.0
            continue
        age = max(0, 2024 - int(str(car.acquired_on)[:4]))
        l100 = car.l_per_100km * (1 + 0.012 * age)  # ageing cars burn more
        for t, km in zip(trips["_t"], trips["行驶里程(km)"], strict=True):
            used += km * l100 / 100 * rng.normal(1, 0.05)
            if used > 0.6 * car.tank_l:
                litres = round(min(used, car.tank_l * 0.98), 2)
                price = FUEL_YUAN_L.get(t.year, FUEL_YUAN_L[LAST_YEAR]) - (DIESEL_DISCOUNT if car.fuel_type == "diesel" else 0)
                ts = t + pd.Timedelta(minutes=float(rng.uniform(5, 40)))
                if ts.year > LAST_YEAR:
                    break
                fills.append({"卡号": car.fuel_card_no, "车牌号": car.plate, "交易时间": ts.strftime("%Y/%m/%d %H:%M:%S"),
                              "交易类型": "加油", "油品": "0#柴油" if car.fuel_type == "diesel" else "92#汽油",
                              "数量(升)": litres, "单价(元/升)": round(price, 2),
                              "金额(元)": f"{litres * price:,.2f}",
                              "加油站": rng.choice(["中石化鹿寨城南站", "中石油飞鹿大道站", "中石化寨沙站"])})
                used = 0.0
    fills_df = pd.DataFrame(fills)
    # money loaded onto each card at the start of every quarter: a top-up, not fuel
    topups = []
    for car in cars.itertuples():
        if not car.fuel_card_no:
            continue
        for q in pd.date_range(f"{FIRST_YEAR}-01-05", f"{LAST_YEAR}-12-31", freq="QS-JAN"):
            topups.append({"卡号": car.fuel_card_no, "车牌号": car.plate,
                           "交易时间": (q + pd.Timedelta(days=4, hours=9)).strftime("%Y/%m/%d %H:%M:%S"),
                           "交易类型": "圈存", "油品": "", "数量(升)": "", "单价(元/升)": "",
                           "金额(元)": "3,000.00", "加油站": "县财政统一圈存"})
    fuel = pd.concat([fills_df, pd.DataFrame(topups)], ignore_index=True)
    fuel = fuel.sort_values("交易时间", kind="stable").reset_index(drop=True)
    return dispatches.drop(columns="_t"), fuel, pd.DataFrame(charges)


# ------------------------------------------------------------------ writing the files


def _bills(meters: pd.DataFrame, usage: pd.DataFrame, kind: str, rng: np.random.Generator,
           names: dict[str, str]) -> pd.DataFrame:
    """Monthly bills with registers, multiplier, amount; a few estimated reads, two missing months."""
    rows = []
    sub = meters[meters["kind"] == kind]
    for m in sub.itertuples():
        series = usage.loc[m.institution_id]
        register = float(rng.integers(1000, 90000))
        for month, qty in series.items():
            if kind == "water" and m.institution_id == "I030" and month in (pd.Timestamp("2022-03-01"),
                                                                          pd.Timestamp("2022-04-01")):
                continue  # the water company never billed these two months
            if m.multiplier > 1:
                diff = max(round(qty / m.multiplier), 0)
                qty = diff * m.multiplier
            else:
                qty = round(float(qty), 2 if m.resolution == "interval" else 0)
                diff = qty
            prev, register = register, register + diff
            read = (month + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
            estimated = rng.random() < 0.01
            if kind == "electricity":
                rows.append({"户号": m.account_no, "户名": names[m.institution_id],
                             "账期": month.strftime("%Y-%m"), "抄表日期": read,
                             "上次示数": round(prev, 2), "本次示数": round(register, 2), "倍率": int(m.multiplier),
                             "抄见电量(kWh)": qty, "电费(元)": round(qty * TARIFF_YUAN_KWH, 2),
                             "估抄": "是" if estimated else "否"})
            else:
                rows.append({"用户号": m.account_no, "户名": names[m.institution_id],
                             "账期": month.strftime("%Y-%m"), "抄表日期": read,
                             "上月读数": round(prev), "本月读数": round(register),
                             "用水量(吨)": qty, "水费(元)": round(qty * WATER_YUAN_M3, 2),
                             "估抄": "是" if estimated else "否"})
    return pd.DataFrame(rows)


def generate(out_dir: Path = DEMO_DIR, progress: Callable[[float, str], None] | None = None,
             districts: int = 1) -> list[Path]:
    """Write every demo input file (CSV) to out_dir; return their paths (N districts: etl/demo/scale.py)."""
    demo_scale.check(districts)
    def step(frac: float, msg: str) -> None:
        if progress:
            progress(frac, msg)

    rng = np.random.default_rng(SEED)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.csv"):
        old.unlink()
    written: list[Path] = []

    def write(df: pd.DataFrame, name: str, encoding: str = "utf-8-sig") -> None:
        path = out_dir / name
        df.to_csv(path, index=False, encoding=encoding)
        written.append(path)

    step(0.02, "registries")
    inst = reg.institutions(rng)
    reg.pv_sites(rng, inst)  # draws as before, so every later demo figure stays the same; the result is not used:
    sites = project.read_sites_csv()  # the committed registry data/pv_sites.csv is what the demo and the model use
    unknown = set(sites["institution_id"].dropna()) - set(inst["institution_id"])
    if unknown:
        raise ValueError(f"{project.SITES_CSV.name}: host institution(s) {sorted(unknown)} are not demo institutions")
    meters = reg.meters(inst)
    cars = reg.vehicles(rng)

    step(0.08, "energy and water")
    elec = monthly_electricity(rng, inst)
    water = monthly_water(rng, inst)

    step(0.15, "PV generation")
    hours = _hours()
    local_hours = hours.tz_localize(None)
    gen = pv_generation(sites, hours, seed=SEED % 1000)
    host_ids = sites["institution_id"].tolist()
    types = inst.set_index("institution_id")["type"]
    step(0.35, "hourly meter data")
    interval_ids = meters.loc[(meters["kind"] == "electricity") & (meters["resolution"] == "interval"),
                              "institution_id"].tolist()
    load = {iid: hourly_from_monthly(elec.loc[iid], hours, types[iid], rng) for iid in interval_ids}
    in_2024 = local_hours.year == 2024
    g24 = gen.to_numpy()[in_2024]
    l24 = np.column_stack([load[iid][in_2024] for iid in host_ids])
    scale = calibrate_hosts(g24, l24)
    # PV hosts are bigger campuses than the first draw: scale area and people with their use
    is_host = inst["institution_id"].isin(host_ids)
    inst.loc[is_host, "floor_area_m2"] = (inst.loc[is_host, "floor_area_m2"] * scale).round(-1)
    inst.loc[is_host, "people"] = (inst.loc[is_host, "people"] * scale).round().astype(int)
    elec.loc[host_ids] *= scale
    water.loc[host_ids] *= scale
    for iid in host_ids:
        load[iid] = load[iid] * scale

    # the grid meter of a PV host measures import only: use minus PV used on site
    gen_arr = gen.to_numpy()
    self_use = np.column_stack([np.minimum(gen_arr[:, j], load[iid]) for j, iid in enumerate(host_ids)])
    export = np.round(gen_arr - self_use, 2)
    interval_rows = []
    for iid in interval_ids:
        imported = load[iid].copy()
        if iid in host_ids:
            imported = imported - self_use[:, host_ids.index(iid)]
        interval_rows.append(pd.DataFrame({"meter": f"0450{int(iid[1:]):06d}", "ts": local_hours,
                                           "kwh": np.round(np.maximum(imported, 0), 2)}))
    interval = pd.concat(interval_rows, ignore_index=True)
    # bills of interval meters are the sums of their intervals (no figure counts both)
    monthly_import = interval.assign(m=interval["ts"].dt.to_period("M").dt.to_timestamp()).groupby(
        ["meter", "m"])["kwh"].sum()
    acct_to_iid = dict(zip(meters["account_no"], meters["institution_id"], strict=True))
    for (acct, month), kwh in monthly_import.items():
        elec.loc[acct_to_iid[acct], month] = kwh

    meters = reg.with_capacity(meters, elec, water, load)  # 报装容量 and 口径, sized from the use above
    step(0.55, "writing registries")
    names = dict(zip(inst["institution_id"], inst["name"], strict=True))
    write(inst.rename(columns={"institution_id": "单位编码", "name": "单位名称", "type": "单位类型",
                               "floor_area_m2": "建筑面积(m2)", "people": "用能人数", "township": "所在乡镇",
                               "building_group": "楼群"}), "institutions.csv")
    write(meters.rename(columns={"meter_id": "表号", "institution_id": "单位编码", "kind": "能源种类",
                                 "unit": "计量单位", "resolution": "数据类型", "measures": "计量对象",
                                 "account_no": "户号", "multiplier": "倍率", "capacity_kva": "报装容量(kVA)",
                                 "caliber": "口径"}), "meters.csv")
    write(cars.rename(columns={"plate": "车牌号", "model": "车型", "fuel_type": "能源类型",
                               "tank_l": "油箱容积(L)", "battery_kwh": "电池容量(kWh)", "fuel_card_no": "油卡号",
                               "l_per_100km": "百公里油耗", "kwh_per_100km": "百公里电耗",
                               "acquired_on": "购置日期"}), "vehicles.csv", "gb18030")
    shutil.copyfile(project.SITES_CSV, out_dir / "pv_sites.csv")  # loaded as the officer's own file
    written.append(out_dir / "pv_sites.csv")
    write(demo_cert.stage_rows(rng, inst), "certifications.csv", "gb18030")

    step(0.62, "writing bills")
    write(_bills(meters, elec, "electricity", rng, names), "electricity_bills.csv", "gb18030")
    write(_bills(meters, water, "water", rng, names), "water_bills.csv", "gb18030")
    step(0.68, "writing interval data")
    interval["时间"] = interval["ts"].dt.strftime("%Y-%m-%d %H:%M")
    for year in INTERVAL_YEARS:
        part = interval.loc[interval["ts"].dt.year == year, ["meter", "时间", "kwh"]]
        write(part.rename(columns={"meter": "户号", "kwh": "电量(kWh)"}), f"electricity_hourly_{year}.csv")
    step(0.78, "writing PV production")
    site_names = dict(zip(sites["site_id"], sites["name"], strict=True))
    pv_long = pd.DataFrame({
        "电站名称": np.repeat(sites["site_id"].map(site_names).to_numpy()[None, :], len(gen), 0).ravel(),
        "ts": np.repeat(local_hours.to_numpy(), len(sites)),
        "发电量(kWh)": gen_arr.ravel(), "上网电量(kWh)": export.ravel(),
    })
    on = pd.to_datetime(sites["commissioned_on"]).to_numpy()
    pv_long = pv_long[pv_long["ts"].to_numpy() >= np.tile(on, len(gen))]
    gap = (pv_long["电站名称"] == site_names["PV05"]) & pv_long["ts"].between("2024-09-01", "2024-09-07 23:00")
    pv_long = pv_long[~gap]  # a logger that lost a week of data
    pv_long["统计时间"] = pv_long["ts"].dt.strftime("%Y-%m-%d %H:%M")
    for year in INTERVAL_YEARS:
        part = pv_long.loc[pv_long["ts"].dt.year == year, ["电站名称", "统计时间", "发电量(kWh)", "上网电量(kWh)"]]
        write(part, f"pv_production_{year}.csv")

    step(0.88, "writing logs")
    disp, fuel, charging = fleet(rng, cars)
    disp, fuel = demo_fleet.extend(cars, disp, fuel, out_dir, written)  # odometers, costs, planted fuel-card checks
    write(disp, "dispatches.csv", "gb18030")
    write(fuel, "fuel_card_statement.csv", "gb18030")
    write(charging, "ev_charging.csv")
    write(work_orders(rng), "work_orders.csv", "gb18030")
    write(meetings(rng), "meetings.csv")
    write(receptions(rng), "receptions.csv", "gb18030")
    write(visitors(rng), "visitors.csv")
    written += demo_scale.extend(out_dir, written, districts)  # districts 2..N (none at scale 1)
    step(0.92, "files written")
    return written


def build(db: str | Path | None = None, out_dir: Path = DEMO_DIR,
          progress: Callable[[float, str], None] | None = None, scale: int = 1) -> dict[str, float]:
    """Generate the demo files and load them through the loader. Returns timings in seconds."""
    t0 = time.perf_counter()
    files = generate(out_dir, progress, districts=scale)
    t1 = time.perf_counter()
    with connect(db) as con, per_version.once_at_end(con):  # what is kept per data version: once, not per file
        def each(i: int, n: int, name: str) -> None:
            if progress and n:
                progress(0.92 + 0.08 * i / n, f"loading {name}")

        results = load_paths(con, list(files), user="demo", progress=each)
        bad = [r for r in results if r.status == "rejected"]
        if bad:
            raise RuntimeError("demo file rejected: " + "; ".join(str(p) for r in bad for p in r.problems[:3]))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")
        demo_cert.seed_records(con)  # checklist marks and evidence of the certification campaign
        t2 = time.perf_counter()
        if progress:
            progress(0.99, "PV model")
        project.run_model(con)  # expected output per site for the years with production (2023-2024)
    t3 = time.perf_counter()
    return {"generate_s": t1 - t0, "load_s": t2 - t1, "model_s": t3 - t2}
