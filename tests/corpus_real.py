"""Exports in the shapes the real exporters write, each with its true totals (worked out by hand below).

Families: grid bills (南方电网/广西电网, 国家电网), water bills, charging orders (特来电, 星星充电, e充电),
fuel-card statements (中国石化, 中国石油), piped-gas bills and bottled-LPG delivery notes. Each file carries what such exports carry:
title lines, merged title rows, GBK or UTF-8/UTF-16, 合计/小计/本页合计 rows, 制表人/打印时间/备注 lines,
account numbers as Excel leaves them (leading zeros lost, 4.5E+09, trailing .0, digits after the 15th set
to 0), dates as Excel serial numbers, and old `.xls` next to `.xlsx` (both written here with a library).

The registry they load into is `real_db` in tests/test_corpus_real.py: the `registry_db` county plus
E-I003 (户号 4500000123, 倍率 10), gas meter G-I001 (户号 0771000123), two cars with fuel cards
9030000012345678 (桂B·A1234) and 9030000012349999 (桂B·A5678), and two EVs (桂B·D5678, 桂B·E9012).
`python -m tests.corpus_real DIR` writes the files out, e.g. to try them in the app.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class RealCase:
    name: str
    family: str                  # grid_bill / water_bill / charging / fuel / gas
    data: bytes
    kind: str                    # the kind detection must find
    totals: dict[str, float]     # SQL returning one number -> its true value
    notes: tuple[str, ...] = ()  # words some note (info) must contain
    warnings: bool = False       # loads only after its warnings are accepted
    extra: dict[str, object] = field(default_factory=dict)


def _xlsx(rows: list[list], merge_title: int = 0) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    if merge_title:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=merge_title)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xls(rows: list[list], merge_title: int = 0) -> bytes:
    """An old Excel 97-2003 workbook (BIFF8), as many government portals still export."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    start = 0
    if merge_title:
        ws.write_merge(0, 0, 0, merge_title - 1, rows[0][0])
        start = 1
    for i, row in enumerate(rows[start:], start=start):
        for j, v in enumerate(row):
            if v is not None and v != "":
                ws.write(i, j, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _csv(lines: list[str], encoding: str = "utf-8", sep: str = ",") -> bytes:
    return ("\r\n".join(line.replace(",", sep) for line in lines) + "\r\n").encode(encoding)


def cases() -> list[RealCase]:
    c: list[RealCase] = []
    # ------------------------------------------------------------------ grid bills
    # 广西电网 customer-service export (GBK): 抄见 + 变损 + 线损 = 结算, 尖峰/峰/平/谷, 力调, a 合计 row and a
    # 制表人/打印时间 line. 2400+36+12 = 2448, 2200+33+11 = 2244, 2400+48 = 2448, 2200+44 = 2244.
    c.append(RealCase("gxdw_bill_gbk.csv", "grid_bill", _csv([
        "广西电网有限责任公司柳州鹿寨供电局 客户电费明细表,,,,,,,,,,,,,,,,,",
        "单位名称：XX县机关后勤服务中心,,,,,,,,,,,,,,,,,",
        "户号,户名,计量点编号,电费年月,抄表日期,上次示数,本次示数,倍率,抄见电量(kWh),变损电量(kWh),线损电量(kWh),"
        "结算电量(kWh),尖峰电量(kWh),峰电量(kWh),平电量(kWh),谷电量(kWh),力调电费(元),电费(元)",
        "0450000001,县财政局,JL0001,202301,2023-01-31,1000,3400,1,2400,36,12,2448,0,800,1000,600,-12.30,1516.08",
        "0450000001,县财政局,JL0001,202302,2023-02-28,3400,5600,1,2200,33,11,2244,0,700,950,550,-10.10,1389.74",
        "0450000002,城南二小,JL0002,202301,2023-01-31,100,160,40,2400,48,0,2448,100,700,1000,600,5.20,1580.00",
        "0450000002,城南二小,JL0002,202302,2023-02-28,160,215,40,2200,44,0,2244,100,600,900,600,4.80,1450.50",
        "合计,,,,,,,,9200,161,23,9384,200,2800,3850,2350,-12.40,5936.32",
        "制表人：韦工,,打印时间：2023-03-05 09:30,,,,,,,,,,,,,,,",
    ], "gb18030"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 9384, "SELECT sum(read_kwh) FROM readings": 9200,
        "SELECT sum(loss_kwh) FROM readings": 184, "SELECT sum(sharp_kwh) FROM readings": 200,
        "SELECT sum(peak_kwh) FROM readings": 2800, "SELECT sum(flat_kwh) FROM readings": 3850,
        "SELECT sum(valley_kwh) FROM readings": 2350, "SELECT sum(pf_adjust_yuan) FROM readings": -12.40,
        "SELECT sum(amount_yuan) FROM readings": 5936.32, "SELECT count(*) FROM readings": 4,
    }, notes=("settled energy (结算电量) is stored", "total rows", "skipped as notes")))
    # 国家电网 style XLSX: merged title, 用户编号 as numbers (leading zero gone), 综合倍率, 计费电量, 小计 per
    # account and a 合计. (8000-5600)x1 = 2400, (10100-8000) = 2100, (300-0)x10 = 3000.
    head = ["用户编号", "用户名称", "电费年月", "抄表日期", "上次示数", "本次示数", "综合倍率", "抄见电量", "变损电量", "计费电量",
            "峰", "平", "谷", "电度电费", "力调电费", "应收电费"]
    c.append(RealCase("sgcc_bill.xlsx", "grid_bill", _xlsx([
        ["国网XX供电公司 电费发行明细（2023年3-4月）"], head,
        [450000001, "县财政局", "2023-03", datetime(2023, 3, 31), 5600, 8000, 1, 2400, 24, 2424, 800, 1000, 600,
         1400.0, 0, 1400.0],
        [450000001, "县财政局", "2023-04", datetime(2023, 4, 30), 8000, 10100, 1, 2100, 21, 2121, 700, 900, 500,
         1230.0, 0, 1230.0],
        ["小计", None, None, None, None, None, None, 4500, 45, 4545, 1500, 1900, 1100, 2630.0, 0, 2630.0],
        [4500000123, "县人民医院", "2023-03", datetime(2023, 3, 31), 0, 300, 10, 3000, 30, 3030, 1000, 1200, 800,
         1800.0, 9.0, 1809.0],
        ["小计", None, None, None, None, None, None, 3000, 30, 3030, 1000, 1200, 800, 1800.0, 9.0, 1809.0],
        ["合计", None, None, None, None, None, None, 7500, 75, 7575, 2500, 3100, 1900, 4430.0, 9.0, 4439.0],
    ], merge_title=len(head)), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 7575, "SELECT sum(read_kwh) FROM readings": 7500,
        "SELECT sum(loss_kwh) FROM readings": 75, "SELECT sum(amount_yuan) FROM readings": 4439,
        "SELECT sum(energy_kwh) FROM readings WHERE meter_id = 'E-I001'": 4545,
        "SELECT sum(energy_kwh) FROM readings WHERE meter_id = 'E-I003'": 3030,
    }, notes=("leading zeros were lost",)))
    # opened and saved in Excel: 4.5E+09, 450000001.0, 450000002 (zeros gone), 本页合计 per page and a 总计
    c.append(RealCase("gxdw_bill_excel_saved.csv", "grid_bill", _csv([
        "户号,户名,账期,抄见电量(kWh),结算电量(kWh),电费(元)",
        "4.5E+09,县人民医院,2023-05,3100,3131,1850.00",
        "450000001.0,县财政局,2023-05,2000,2020,1180.00",
        "本页合计,,,5100,5151,3030.00",
        "450000002,城南二小,2023-05,2300,2323,1400.00",
        "本页合计,,,2300,2323,1400.00",
        "总计,,,7400,7474,4430.00",
    ], "utf-8-sig"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 7474, "SELECT sum(read_kwh) FROM readings": 7400,
        "SELECT sum(amount_yuan) FROM readings": 4430, "SELECT count(DISTINCT meter_id) FROM readings": 3,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I003'": 3131,
    }, notes=("scientific notation", "leading zeros were lost")))
    # ------------------------------------------------------------------ water bills
    # 277 x 2.20 = 609.40, 252 x 2.20 = 554.40, 1200 x 2.20 = 2640.00
    c.append(RealCase("water_gbk.csv", "water_bill", _csv([
        "鹿寨县自来水有限公司 水费账单明细,,,,,,,,",
        "用户号,用户名称,抄表日期,上月读数,本月读数,用水量(吨),水费(元),污水处理费(元),合计金额(元)",
        "88000001,县财政局,2023年1月25日,5321,5598,277,609.40,263.15,872.55",
        "88000001,县财政局,2023年2月24日,5598,5850,252,554.40,239.40,793.80",
        "88000002,城南二小,2023年1月25日,10200,11400,1200,2640.00,1140.00,3780.00",
        "合计,,,,,1729,3803.80,1642.55,5446.35",
        "备注：水价2.20元/吨，污水处理费0.95元/吨,,,,,,,,",
    ], "gb18030"), "water", {
        "SELECT sum(water_m3) FROM readings": 1729, "SELECT sum(amount_yuan) FROM readings": 3803.80,
        "SELECT count(*) FROM readings": 3,
    }, notes=("total rows", "skipped as notes")))
    # old .xls with a merged title, 抄表日期 as Excel serial numbers (44950 = 2023-01-24, 44981 = 2023-02-24)
    c.append(RealCase("water_bill.xls", "water_bill", _xls([
        ["鹿寨县自来水有限公司 2023年1-2月水费清单"],
        ["用户号", "用户名称", "抄表日期", "上月读数", "本月读数", "用水量(吨)", "水费(元)"],
        [88000002, "城南二小", 44950, 11400, 12650, 1250, 2750.00],
        [88000002, "城南二小", 44981, 12650, 13700, 1050, 2310.00],
        ["小计", "", "", "", "", 2300, 5060.00],
        [88000001, "县财政局", 44950, 5850, 6100, 250, 550.00],
        ["小计", "", "", "", "", 250, 550.00],
        ["合计", "", "", "", "", 2550, 5610.00],
    ], merge_title=7), "water", {
        "SELECT sum(water_m3) FROM readings": 2550, "SELECT sum(amount_yuan) FROM readings": 5610,
        "SELECT count(*) FROM readings WHERE period_start = DATE '2023-02-01'": 1,
    }))
    c.append(RealCase("water_excel_saved.csv", "water_bill", _csv([
        "水费缴费记录,,,,,",
        "用户号,抄表日期,上月读数,本月读数,用水量(吨),水费(元)",
        "88000001.0,2023-03-25,6100,6380,280,616.00",
        "88000002.0,2023-03-25,13700,14900,1200,2640.00",
        "本页合计,,,,1480,3256.00",
    ]), "water", {
        "SELECT sum(water_m3) FROM readings": 1480, "SELECT sum(amount_yuan) FROM readings": 3256,
    }, notes=("trailing .0",)))
    # ------------------------------------------------------------------ charging orders
    # 特来电: 电费 0.70 + 服务费 0.50 元/度; 32.5 -> 22.75 + 16.25 = 39.00; 28.4 -> 19.88 + 14.20 = 34.08
    c.append(RealCase("teld_orders.csv", "charging", _csv([
        "订单编号,充电站名称,终端编号,车牌号,开始充电时间,结束充电时间,充电时长(分钟),充电量(度),电费(元),服务费(元),"
        "订单金额(元),优惠金额(元),实付金额(元)",
        "TLD202303020001,鹿寨县行政中心充电站,T01,桂B·D5678,2023-03-02 12:30:05,2023-03-02 13:40:11,70,32.50,22.75,"
        "16.25,39.00,2.00,37.00",
        "TLD202303050002,鹿寨县行政中心充电站,T02,桂B·D5678,2023-03-05 18:02:44,2023-03-05 19:10:01,67,28.40,19.88,"
        "14.20,34.08,0.00,34.08",
        "TLD202303090003,柳州北站充电站,T11,桂B·E9012,2023-03-09 09:15:00,2023-03-09 10:01:30,46,20.00,14.00,10.00,"
        "24.00,1.00,23.00",
        "合计,,,,,,,80.90,56.63,40.45,97.08,3.00,94.08",
    ]), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 80.90,
        "SELECT sum(energy_fee_yuan) FROM charging_sessions": 56.63,
        "SELECT sum(service_fee_yuan) FROM charging_sessions": 40.45,
        "SELECT sum(amount_yuan) FROM charging_sessions": 97.08,
        "SELECT sum(paid_yuan) FROM charging_sessions": 94.08,
    }, notes=("total rows",)))
    # 星星充电 XLSX, times as date cells; the 50 kWh night charge at the valley price 0.30
    c.append(RealCase("starcharge_orders.xlsx", "charging", _xlsx([
        ["星星充电 企业账户充电订单"],
        ["订单号", "车牌号", "电站名称", "充电开始时间", "充电结束时间", "充电电量(kWh)", "电费(元)", "服务费(元)", "总金额(元)",
         "支付方式"],
        ["XX0001", "桂B·D5678", "鹿寨汽车站充电站", datetime(2023, 4, 1, 8), datetime(2023, 4, 1, 9), 40.0, 28.00,
         16.00, 44.00, "企业账户"],
        ["XX0002", "桂B·E9012", "鹿寨汽车站充电站", datetime(2023, 4, 3, 14, 20), datetime(2023, 4, 3, 15, 5), 25.5,
         17.85, 10.20, 28.05, "企业账户"],
        ["XX0003", "桂B·D5678", "鹿寨汽车站充电站", datetime(2023, 4, 7, 20), datetime(2023, 4, 7, 21, 30), 50.0, 15.00,
         20.00, 35.00, "企业账户"],
        ["总计", None, None, None, None, 115.5, 60.85, 46.20, 107.05, None],
    ], merge_title=10), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 115.5,
        "SELECT sum(energy_fee_yuan) FROM charging_sessions": 60.85,
        "SELECT sum(service_fee_yuan) FROM charging_sessions": 46.20,
        "SELECT sum(amount_yuan) FROM charging_sessions": 107.05,
        "SELECT count(*) FROM charging_sessions WHERE plate = '桂B·D5678'": 2,
    }))
    c.append(RealCase("echarge_orders_gbk.csv", "charging", _csv([
        "国网电动汽车 e充电 充电记录,,,,,,,,,",
        "导出时间：2023-06-01 10:00:00,,,,,,,,,",
        "订单号,车牌号码,充电站名称,开始时间,结束时间,充电量(kWh),充电电费(元),服务费(元),订单金额(元),实付金额(元)",
        "E20230510001,桂B·D5678,国网鹿寨服务区充电站,2023/5/10 11:20,2023/5/10 12:05,30.00,21.00,12.00,33.00,33.00",
        "E20230518002,桂B·E9012,国网鹿寨服务区充电站,2023/5/18 16:40,2023/5/18 17:30,35.20,24.64,14.08,38.72,36.72",
        "合计,,,,,65.20,45.64,26.08,71.72,69.72",
        "数据来源：e充电平台,,,,,,,,,",
    ], "gb18030"), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 65.20,
        "SELECT sum(energy_fee_yuan) FROM charging_sessions": 45.64,
        "SELECT sum(service_fee_yuan) FROM charging_sessions": 26.08,
        "SELECT sum(amount_yuan) FROM charging_sessions": 71.72,
        "SELECT sum(paid_yuan) FROM charging_sessions": 69.72,
    }, notes=("skipped as notes",)))
    # ------------------------------------------------------------------ fuel-card statements
    # 中国石化: a 圈存 (money onto the card, no litres) between two fills; the 合计 sums every row's 金额
    c.append(RealCase("sinopec_card_gbk.csv", "fuel", _csv([
        "中国石化加油卡 卡交易明细,,,,,,,,",
        "卡号,车牌号,交易时间,交易类型,油品,数量(升),单价(元/升),金额(元),加油站",
        "9030000012345678,桂B·A1234,2023-03-02 09:15:20,加油,92#汽油,38.50,7.85,302.23,中石化鹿寨城南站",
        "9030000012345678,桂B·A1234,2023-03-10 10:00:00,圈存,,,,2000.00,",
        "9030000012349999,桂B·A5678,2023-03-12 16:45:10,加油,0#柴油,50.00,7.60,380.00,中石化鹿寨城南站",
        "合计,,,,,88.50,,2682.23,",
        "制表日期：2023-04-01,,,,,,,,",
    ], "gb18030"), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 88.50,
        "SELECT sum(amount_yuan) FROM fuel_fills WHERE txn_type = 'fuel'": 682.23,
        "SELECT sum(amount_yuan) FROM fuel_fills WHERE txn_type = 'topup'": 2000,
    }, notes=("total rows", "skipped as notes")))
    # 中国石油 XLSX: 卡号 as numbers, so Excel kept 15 digits (9030000012345678 -> 9030000012345670)
    c.append(RealCase("petrochina_card.xlsx", "fuel", _xlsx([
        ["卡号", "车牌号", "交易时间", "交易类型", "商品名称", "数量(升)", "单价", "金额(元)", "网点"],
        [9030000012345670, "桂B·A1234", datetime(2023, 4, 2, 8, 30), "消费", "92#汽油", 40.00, 7.90, 316.00,
         "中石油鹿寨加油站"],
        [9030000012349990, "桂B·A5678", datetime(2023, 4, 5, 9, 10), "消费", "0#柴油", 60.00, 7.65, 459.00,
         "中石油鹿寨加油站"],
        ["合计", None, None, None, None, 100.00, None, 775.00, None],
    ]), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 100, "SELECT sum(amount_yuan) FROM fuel_fills": 775,
        "SELECT count(*) FROM fuel_fills WHERE card_no = '9030000012345678' AND plate = '桂B·A1234'": 1,
        "SELECT count(*) FROM fuel_fills WHERE card_no = '9030000012349999' AND plate = '桂B·A5678'": 1,
    }, notes=("digits after the 15th",)))
    # saved from Excel as "Unicode text": UTF-16, tabs, 小计 per card and a 本页合计
    c.append(RealCase("sinopec_card_utf16.txt", "fuel", _csv([
        "卡号,车牌号,交易时间,交易类型,油品,数量(升),金额(元),加油站",
        "9030000012345678,桂B·A1234,2023-05-03 07:50,加油,92#汽油,35.00,276.50,中石化鹿寨城南站",
        "9030000012345678,桂B·A1234,2023-05-17 17:20,加油,92#汽油,42.00,331.80,中石化鹿寨城南站",
        "小计,,,,,77.00,608.30,",
        "9030000012349999,桂B·A5678,2023-05-09 12:00,加油,0#柴油,55.00,418.00,中石化柳州北站",
        "小计,,,,,55.00,418.00,",
        "本页合计,,,,,132.00,1026.30,",
    ], "utf-16", sep="\t"), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 132, "SELECT sum(amount_yuan) FROM fuel_fills": 1026.30,
    }))
    # ------------------------------------------------------------------ piped gas
    # 3.14 元/m³: 380 -> 1193.20, 330 -> 1036.20, 390 -> 1224.60; 400 -> 1256.00, 360 -> 1130.40
    c.append(RealCase("gas_bill_gbk.csv", "gas", _csv([
        "鹿寨县燃气有限公司 燃气费明细,,,,,,,",
        "用户号,用户名称,抄表日期,上次读数,本次读数,用气量(m³),单价(元/m³),燃气费(元)",
        "0771000123,县财政局食堂,2023-01-20,1200,1580,380,3.14,1193.20",
        "0771000123,县财政局食堂,2023-02-20,1580,1910,330,3.14,1036.20",
        "合计,,,,,710,,2229.40",
        "制表人：覃某,,,,,,,",
    ], "gb18030"), "gas", {
        "SELECT sum(water_m3) FROM readings": 710, "SELECT sum(amount_yuan) FROM readings": 2229.40,
        "SELECT count(*) FROM readings WHERE meter_id = 'G-I001'": 2,
        # the metric layer reads a gas meter's m3 as gas: 710 m3 x 1.2143 kgce/m3 = 862.153 kgce
        "SELECT sum(gas_m3) FROM institution_month": 710,
        "SELECT sum(gas_kgce) FROM institution_month_energy WHERE coal = 'dangliang' AND grid = 'guangxi'": 862.153,
    }, notes=("total rows",)))
    # old .xls: 用户号 as a number (leading zero gone), dates as serials 44946/44977/45005 = Jan/Feb/Mar 20
    c.append(RealCase("gas_bill.xls", "gas", _xls([
        ["鹿寨县燃气有限公司 2023年一季度燃气费"],
        ["用户号", "用户名称", "抄表日期", "上次读数", "本次读数", "用气量(m3)", "燃气费(元)"],
        [771000123, "县财政局食堂", 44946, 1200, 1580, 380, 1193.20],
        [771000123, "县财政局食堂", 44977, 1580, 1910, 330, 1036.20],
        [771000123, "县财政局食堂", 45005, 1910, 2300, 390, 1224.60],
        ["合计", "", "", "", "", 1100, 3454.00],
    ], merge_title=7), "gas", {
        "SELECT sum(water_m3) FROM readings": 1100, "SELECT sum(amount_yuan) FROM readings": 3454,
        "SELECT count(DISTINCT period_start) FROM readings": 3,
    }, notes=("leading zeros were lost",)))
    c.append(RealCase("gas_bill_utf8.csv", "gas", _csv([
        "户号,户名,账期,用气量(立方米),金额(元)",
        "0771000123,县财政局食堂,2023-04,400,1256.00",
        "0771000123,县财政局食堂,2023-05,360,1130.40",
        "小计,,,760,2386.40",
    ]), "gas", {
        "SELECT sum(water_m3) FROM readings": 760, "SELECT sum(amount_yuan) FROM readings": 2386.40,
    }))
    # ------------------------------------------------------------------ bottled LPG
    # delivery notes count cylinders: 4 x 15 + 3 x 15 = 105 kg for 县财政局, 2 x 50 = 100 kg for 城南二小
    c.append(RealCase("lpg_delivery_gbk.csv", "lpg", _csv([
        "鹿寨县液化气站 送气记录,,,,,",
        "送气日期,用气单位,钢瓶规格,瓶数,单价(元/瓶),金额(元)",
        "2023-03-02,县财政局,YSP35.5(15kg),4,120,480.00",
        "2023-03-16,县财政局,YSP35.5(15kg),3,120,360.00",
        "2023-03-20,城南二小,YSP118(50kg),2,380,760.00",
        "合计,,,9,,1600.00",
        "经办人：黄某,,,,,",
    ], "gb18030"), "lpg", {
        "SELECT sum(lpg_kg) FROM lpg_purchases": 205, "SELECT sum(amount_yuan) FROM lpg_purchases": 1600,
        "SELECT sum(lpg_kg) FROM lpg_purchases WHERE institution_id = 'I001'": 105,
    }, notes=("cylinders × the size",)))
    c.append(RealCase("lpg_weighed.xlsx", "lpg", _xlsx([
        ["单位编码", "购气日期", "重量(kg)", "金额(元)", "供气单位"],
        ["I001", datetime(2023, 4, 3), 45.5, 364.00, "鹿寨县液化气站"],
        ["I002", datetime(2023, 4, 10), 150, 1140.00, "鹿寨县液化气站"],
        ["合计", None, 195.5, 1504.00, None],
    ]), "lpg", {
        "SELECT sum(lpg_kg) FROM lpg_purchases": 195.5, "SELECT sum(amount_yuan) FROM lpg_purchases": 1504,
    }))
    c.append(RealCase("lpg_canteen_utf8.csv", "lpg", _csv([
        "购买日期,单位名称,瓶数,规格,充装量(公斤),金额(元)",
        "2023-05-05,县财政局,2,15公斤,30,240.00",
        "2023-05-19,县财政局,2,15公斤,30,240.00",
        "小计,,4,,60,480.00",
    ]), "lpg", {
        "SELECT sum(lpg_kg) FROM lpg_purchases": 60, "SELECT sum(cylinders) FROM lpg_purchases": 4,
        "SELECT max(cylinder_kg) FROM lpg_purchases": 15,
    }))
    from tests.corpus_bands import cases as band_cases  # grid bills one row per time band

    c += band_cases()
    return c


def write_all(corpus: list, out: str) -> None:
    """Write a corpus's files into a folder (to open them as a user would, or to load them by hand)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for case in corpus:
        (folder / case.name).write_bytes(case.data)
    print(f"{len(corpus)} files written to {folder}")


def main(out: str) -> None:
    write_all(cases(), out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus_real")
