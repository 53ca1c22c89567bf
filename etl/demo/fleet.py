"""Demo official cars, on top of the dispatches and fuel-card statement of etl/demo/dataset.py:

- odometers on every dispatch (出车里程 / 回车里程) and fuel receipt (里程表读数), continuous per car;
- the registry as the 行驶证 writes it (fuel type in Chinese, registration date, displacement or power,
  pooled or assigned);
- monthly top-ups (圈存) matched to each card's spending of the month, replacing the quarterly ones;
- maintenance, insurance and inspection costs (kind vehicle_costs), more for older cars;
- the 3 cars and drivers seconded to the regional inspection team, 2023-03-30 .. 2023-06-28;
- a few planted fuel-card irregularities of each check code in 2023, among clean months, listed in
  fleet_planted.json so a test can check that `etl fleet --year 2023` finds exactly these.

It draws from a generator of its own, so every other demo figure stays as it was; the number of
dispatches is not changed (3,726 in 2023).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 11_2023
PLANT_YEAR = 2023
PLANTED_FILE = "fleet_planted.json"
SECONDED_TO = "自治区党委第五巡视组"
SECONDMENT = ("2023-03-30", "2023-06-28")
FUEL_TYPE_ZH = {"petrol": "汽油", "diesel": "柴油", "hybrid": "油电混合动力", "phev": "插电式混合动力",
                "erev": "增程式", "electric": "纯电动"}
DISPLACEMENT_L = {"大众帕萨特 1.8T": 1.8, "丰田凯美瑞 2.0": 2.0, "别克GL8 2.0T": 2.0, "丰田海狮 2.7 柴油": 2.7,
                  "江铃全顺 2.2T 柴油": 2.2, "丰田凯美瑞 双擎": 2.5, "比亚迪秦PLUS DM-i": 1.5}
POWER_KW = {"比亚迪汉 EV": 163.0, "比亚迪e6": 90.0}
TS_FMT = "%Y/%m/%d %H:%M:%S"


def extend(cars: pd.DataFrame, disp: pd.DataFrame, fuel: pd.DataFrame, out_dir: Path,
           written: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add odometers, costs, secondments and planted irregularities. Rewrites vehicles.csv in out_dir, writes
    vehicle_costs.csv and vehicle_secondments.csv (added to `written`) and fleet_planted.json; returns the
    dispatches and the fuel-card statement to write."""
    rng = np.random.default_rng(SEED)
    disp = disp.copy()
    disp["_ret"] = pd.to_datetime(disp["回车时间"])
    disp["_dep"] = pd.to_datetime(disp["出车时间"])
    fills = fuel[fuel["交易类型"] == "加油"].copy()
    fills["_ts"] = pd.to_datetime(fills["交易时间"], format=TS_FMT)
    fills["_l"] = fills["数量(升)"].astype(float)
    fills["_yuan"] = fills["金额(元)"].astype(str).str.replace(",", "").astype(float)
    fills["_odo"] = np.nan

    start_odo = {p: float(rng.integers(8_000, 30_000)) for p in cars["plate"]}
    rated = {c.plate: c.l_per_100km * (1 + 0.012 * max(0, 2024 - int(str(c.acquired_on)[:4])))
             for c in cars.itertuples()}  # as dataset.fleet() burns fuel
    for plate, trips in disp.groupby("车牌号"):
        trips = trips.sort_values(["_ret", "_dep"])
        # the odometer counts whole km; a trip's reading is the cumulative km at its return
        cum = start_odo[plate] + trips["行驶里程(km)"].astype(float).cumsum()
        disp.loc[trips.index, "回车里程"] = cum.round().astype(int)
        disp.loc[trips.index, "出车里程"] = (cum - trips["行驶里程(km)"].astype(float)).round().astype(int)
        ret = trips["_ret"].to_numpy()
        back = np.concatenate([[start_odo[plate]], disp.loc[trips.index, "回车里程"].to_numpy(float)])
        prev_odo = start_odo[plate]
        for i in fills.index[fills["车牌号"] == plate]:
            ts = fills.at[i, "_ts"]
            # the base generator fills 5-40 min after the trip that emptied the tank; when two trips of the
            # car came back in that window, the receipt follows the one whose km explain its litres
            near = np.flatnonzero((ret >= ts - pd.Timedelta(minutes=41)) & (ret <= ts - pd.Timedelta(minutes=4)))
            if len(near) > 1:
                k = min(near, key=lambda j: abs((back[j + 1] - prev_odo) * rated[plate] / 100 - fills.at[i, "_l"]))
                ts = pd.Timestamp(ret[k]) + pd.Timedelta(minutes=3)
            pos = int(np.searchsorted(ret, ts.to_datetime64(), side="right"))
            # a receipt printed after midnight belongs to the day the car came back: keep it on that day
            if pos and ts.date() != pd.Timestamp(ret[pos - 1]).date():
                r = pd.Timestamp(ret[pos - 1])
                ts = min(r + pd.Timedelta(minutes=2), r.normalize() + pd.Timedelta(hours=23, minutes=59))
            fills.at[i, "_ts"] = ts
            fills.at[i, "_odo"] = prev_odo = back[pos]

    fills = _clean_consumption(cars, disp, fills)
    planted = _plant(rng, cars, disp, fills)
    topups = _topups(cars, fills)
    mismatch = _plant_topups(topups, planted)

    fills["交易时间"] = fills["_ts"].dt.strftime(TS_FMT)
    fills["数量(升)"] = fills["_l"].round(2)
    fills["金额(元)"] = fills["_yuan"].map(lambda v: f"{v:,.2f}")
    fills["里程表读数"] = fills["_odo"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    cols = [c for c in fuel.columns] + ["里程表读数"]
    out_fuel = pd.concat([fills[cols], topups.reindex(columns=cols).astype(object).fillna("")], ignore_index=True)
    out_fuel = out_fuel.assign(_k=pd.to_datetime(out_fuel["交易时间"], format=TS_FMT)).sort_values(
        "_k", kind="stable").drop(columns="_k").reset_index(drop=True)

    _write_vehicles(rng, cars, out_dir)
    costs = _costs(rng, cars)
    costs.to_csv(out_dir / "vehicle_costs.csv", index=False, encoding="gb18030")
    seconded = _secondments(cars, disp)
    seconded.to_csv(out_dir / "vehicle_secondments.csv", index=False, encoding="utf-8-sig")
    written += [out_dir / "vehicle_costs.csv", out_dir / "vehicle_secondments.csv"]
    (out_dir / PLANTED_FILE).write_text(json.dumps(planted + mismatch, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return disp.drop(columns=["_ret", "_dep"]), out_fuel


def _clean_consumption(cars: pd.DataFrame, disp: pd.DataFrame, fills: pd.DataFrame) -> pd.DataFrame:
    """The base generator caps a fill at the tank when a long trip used more than a tankful; a real driver
    fills up on the way. Such a fill is split in two: the first at a station on the road, half way through
    the trip (its receipt without odometer), the rest after the return as before."""
    tank = dict(zip(cars["plate"], cars["tank_l"], strict=True))
    extra = []
    for plate, f in fills.groupby("车牌号"):
        f = f.sort_values("_ts")
        km = f["_odo"].diff()
        l100 = 100 * f["_l"] / km
        med = l100[km >= 50].median()
        trips = disp[disp["车牌号"] == plate].sort_values("_ret")
        for i in f.index[(km >= 50) & (l100 < 0.8 * med)]:
            first = km[i] * med / 100 - f.at[i, "_l"]
            if first <= 0 or first > tank[plate]:
                continue
            last = trips[trips["_ret"] <= f.at[i, "_ts"]].iloc[-1]  # the long trip that emptied the tank
            row = f.loc[i].copy()
            row["_ts"] = last["_dep"] + (last["_ret"] - last["_dep"]) / 2
            row["_l"] = round(first, 2)
            row["_yuan"] = round(first * float(row["单价(元/升)"]), 2)
            row["_odo"] = np.nan
            extra.append(row)
    if extra:
        fills = pd.concat([fills, pd.DataFrame(extra)], ignore_index=True)
    return fills.sort_values("_ts", kind="stable").reset_index(drop=True)


def _trip_span_days(disp: pd.DataFrame, plate: str) -> set:
    t = disp[disp["车牌号"] == plate]
    days = set()
    for a, b in zip(t["_dep"].dt.normalize(), t["_ret"].dt.normalize(), strict=True):
        days.update(pd.date_range(a, b, freq="D"))
    return days


def _plant(rng: np.random.Generator, cars: pd.DataFrame, disp: pd.DataFrame, fills: pd.DataFrame) -> list[dict]:  # noqa: C901 - to split (listed in the README)
    """Two irregularities of each fill-level check, each on its own car and month of PLANT_YEAR, built so
    that it raises its own check and no other. Returns [{code, plate, ts}]."""
    out: list[dict] = []
    used: set[tuple[str, int]] = set()
    tank = dict(zip(cars["plate"], cars["tank_l"], strict=True))
    card = dict(zip(cars["plate"], cars["fuel_card_no"], strict=True))
    petrol = cars.loc[cars["fuel_type"] == "petrol", "plate"].tolist()

    def candidates(plates, months):
        y = fills[(fills["_ts"].dt.year == PLANT_YEAR) & fills["车牌号"].isin(plates)
                  & fills["_ts"].dt.month.isin(months) & fills["_odo"].notna()]
        y = y[[(p, m) not in used and p not in {o["plate"] for o in out[-1:]}
               for p, m in zip(y["车牌号"], y["_ts"].dt.month, strict=True)]]
        return y.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))

    def neighbours(i):
        f = fills[fills["车牌号"] == fills.at[i, "车牌号"]].sort_values("_ts")
        k = f.index.get_loc(i)
        return (f.index[k - 1] if k > 0 else None), (f.index[k + 1] if k + 1 < len(f) else None)

    def take(i, code, ts=None):
        plate = fills.at[i, "车牌号"]
        ts = fills.at[i, "_ts"] if ts is None else ts
        used.add((plate, ts.month))
        out.append({"code": code, "plate": plate, "ts": ts.strftime("%Y-%m-%d %H:%M:%S")})

    # over_tank: a receipt for more than the tank holds (no odometer written on it)
    small_tank = [p for p in petrol if tank[p] <= 65]
    for months in ((2,), (9,)):
        for i, r in candidates(small_tank, months).iterrows():
            prev, nxt = neighbours(i)
            if r["_l"] >= 0.65 * tank[r["车牌号"]] and prev is not None and nxt is not None:
                fills.at[i, "_l"] = round(tank[r["车牌号"]] * 1.2, 2)
                fills.at[i, "_yuan"] = round(fills.at[i, "_l"] * float(r["单价(元/升)"]), 2)
                fills.at[i, "_odo"] = np.nan
                take(i, "over_tank")
                break
    # no_dispatch_day: a Friday fill booked on the Saturday
    for months in ((3,), (10,)):
        for i, r in candidates(petrol, months).iterrows():
            sat = r["_ts"].normalize() + pd.Timedelta(days=1, hours=10, minutes=int(rng.integers(0, 50)))
            prev, nxt = neighbours(i)
            trips = disp[(disp["车牌号"] == r["车牌号"]) & (disp["_ret"] > r["_ts"]) & (disp["_dep"] < sat)]
            if (r["_ts"].day_of_week == 4 and nxt is not None and fills.at[nxt, "_ts"] > sat and trips.empty
                    and sat.normalize() not in _trip_span_days(disp, r["车牌号"])):
                fills.at[i, "_ts"] = sat
                take(i, "no_dispatch_day")
                break
    # consumption_band: litres on the receipt half as many again as the km explain
    for months in ((4,), (11,)):
        for i, r in candidates(cars["plate"][cars["tank_l"] > 0].tolist(), months).iterrows():
            prev, nxt = neighbours(i)
            if (r["_l"] <= 0.66 * tank[r["车牌号"]] and prev is not None and nxt is not None
                    and not pd.isna(fills.at[prev, "_odo"]) and r["_odo"] - fills.at[prev, "_odo"] >= 100):
                fills.at[i, "_l"] = round(r["_l"] * 1.5, 2)
                fills.at[i, "_yuan"] = round(fills.at[i, "_l"] * float(r["单价(元/升)"]), 2)
                take(i, "consumption_band")
                break
    # too_close: a second fill 90 minutes after the first, with no trip between
    for months in ((5,), (8,)):
        for i, r in candidates(petrol, months).iterrows():
            ts = r["_ts"] + pd.Timedelta(minutes=90)
            prev, nxt = neighbours(i)
            trips = disp[(disp["车牌号"] == r["车牌号"]) & (disp["_ret"] > r["_ts"]) & (disp["_dep"] < ts)]
            if ts.date() == r["_ts"].date() and nxt is not None and fills.at[nxt, "_ts"] > ts and trips.empty:
                row = r.copy()
                row["_ts"], row["_l"] = ts, 25.0
                row["_yuan"] = round(25.0 * float(r["单价(元/升)"]), 2)
                new = fills.index.max() + 1
                fills.loc[new] = row
                take(new, "too_close")
                break
    # over_cap: a receipt whose amount is far above litres x price (goods bought on the card)
    for months in ((7,), (12,)):
        for i in candidates(petrol, months).index:
            fills.at[i, "_yuan"] = float(760 + int(rng.integers(0, 120)))
            take(i, "over_cap")
            break
    # wrong_card: a car filled with another car's card
    for months in ((1,), (6,)):
        for i, r in candidates(petrol, months).iterrows():
            other = [p for p in petrol if p != r["车牌号"]][int(rng.integers(0, len(petrol) - 1))]
            fills.at[i, "卡号"] = card[other]
            take(i, "wrong_card")
            break
    return out


def _topups(cars: pd.DataFrame, fills: pd.DataFrame) -> pd.DataFrame:
    """Each card is topped up (圈存) on the month's last day by its spending of the month, rounded up to 100."""
    plate_of = dict(zip(cars["fuel_card_no"], cars["plate"], strict=True))
    month = fills["_ts"].dt.to_period("M")
    spend = fills.groupby([fills["卡号"], month])["_yuan"].sum()
    rows = []
    for (card_no, m), yuan in spend.items():
        day = m.to_timestamp(how="end").normalize() + pd.Timedelta(hours=17)
        rows.append({"卡号": card_no, "车牌号": plate_of.get(card_no, ""), "交易时间": day.strftime(TS_FMT),
                     "交易类型": "圈存", "金额(元)": math.ceil(round(yuan, 2) / 100) * 100,
                     "加油站": "县财政统一圈存"})
    return pd.DataFrame(rows)


def _plant_topups(topups: pd.DataFrame, planted: list[dict]) -> list[dict]:
    """topup_mismatch: two card-months topped up with 2,000 yuan more than was spent."""
    busy = {(p["plate"], p["ts"][:7]) for p in planted}
    ts = pd.to_datetime(topups["交易时间"], format=TS_FMT)
    out: list[dict] = []
    for month in (f"{PLANT_YEAR}-08", f"{PLANT_YEAR}-11"):
        cand = topups[(ts.dt.strftime("%Y-%m") == month)
                      & np.array([(p, month) not in busy for p in topups["车牌号"]], dtype=bool)]
        i = cand.index[len(out) * 3 % len(cand)]
        topups.at[i, "金额(元)"] += 2000
        out.append({"code": "topup_mismatch", "plate": topups.at[i, "车牌号"], "ts": f"{month}-01 00:00:00"})
    topups["金额(元)"] = topups["金额(元)"].map(lambda v: f"{v:,.2f}")
    return out


def _write_vehicles(rng: np.random.Generator, cars: pd.DataFrame, out_dir: Path) -> None:
    v = cars.copy()
    acquired = pd.to_datetime(v["acquired_on"])
    v["registered_on"] = (acquired + pd.to_timedelta(rng.integers(3, 20, len(v)), unit="D")).dt.strftime("%Y-%m-%d")
    v["fuel_type"] = v["fuel_type"].map(FUEL_TYPE_ZH)
    v["displacement_l"] = v["model"].map(DISPLACEMENT_L)
    v["power_kw"] = v["model"].map(POWER_KW)
    # the vans serve the township offices on a fixed assignment; the rest are dispatched from the pool
    v["use_mode"] = np.where(v["model"].str.contains("海狮|全顺"), "定向保障", "统筹调度")
    v.rename(columns={"plate": "车牌号", "model": "车型", "fuel_type": "能源类型", "tank_l": "油箱容积(L)",
                      "battery_kwh": "电池容量(kWh)", "fuel_card_no": "油卡号", "l_per_100km": "百公里油耗",
                      "kwh_per_100km": "百公里电耗", "acquired_on": "购置日期", "registered_on": "注册登记日期",
                      "displacement_l": "排量(L)", "power_kw": "电机功率(kW)", "use_mode": "使用方式"}).to_csv(
        out_dir / "vehicles.csv", index=False, encoding="gb18030")


def _costs(rng: np.random.Generator, cars: pd.DataFrame) -> pd.DataFrame:
    """Insurance and inspection every year, service twice a year, repairs more often as a car ages."""
    rows = []
    for car in cars.itertuples():
        acq = pd.Timestamp(car.acquired_on)
        ev = car.fuel_type == "electric"
        for year in range(max(2020, acq.year), 2025):
            age = year - acq.year
            month = acq.month

            def add(day: pd.Timestamp, cat: str, yuan: float, note: str, acq=acq, car=car) -> None:
                if day > acq:
                    rows.append({"车牌号": car.plate, "费用日期": day.strftime("%Y-%m-%d"), "费用类别": cat,
                                 "金额": round(yuan, 2), "备注": note})
            add(pd.Timestamp(year, month, 10), "保险", rng.uniform(3200, 5200), "交强险及商业险")
            if age >= 6:
                add(pd.Timestamp(year, month, 20), "年检", 300 + rng.uniform(0, 80), "机动车安全技术检验")
            for m in (3, 9):
                add(pd.Timestamp(year, m, 12 + sum(map(ord, car.plate)) % 10), "保养",
                    rng.uniform(300, 600) if ev else rng.uniform(600, 1300), "定期保养")
            for _ in range(int(rng.poisson(0.3 + 0.35 * age))):
                day = pd.Timestamp(year, int(rng.integers(1, 13)), int(rng.integers(1, 28)))
                add(day, "维修", rng.uniform(400, 1500) * (1 + 0.15 * age), "故障维修")
    df = pd.DataFrame(rows)
    return df.drop_duplicates(["车牌号", "费用日期", "费用类别"]).reset_index(drop=True)


def _secondments(cars: pd.DataFrame, disp: pd.DataFrame) -> pd.DataFrame:
    """The three cars (and their most frequent drivers there) seconded for the inspection team."""
    plates = cars["plate"].iloc[[2, 6, 11]].tolist()  # as dataset.fleet() picks them
    t = disp[disp["用车事由"].str.contains("巡视组", na=False)]
    rows = []
    for p in plates:
        drivers = t.loc[t["车牌号"] == p, "驾驶员"]
        rows.append({"车牌号": p, "驾驶员": drivers.mode().iloc[0] if len(drivers) else "",
                     "借调开始日期": SECONDMENT[0], "借调结束日期": SECONDMENT[1], "借调单位": SECONDED_TO,
                     "备注": "车辆及驾驶员借调保障巡视工作"})
    return pd.DataFrame(rows)


def planted(out_dir: Path) -> list[dict]:
    """The irregularities planted in the demo files of out_dir."""
    return json.loads((Path(out_dir) / PLANTED_FILE).read_text(encoding="utf-8"))
