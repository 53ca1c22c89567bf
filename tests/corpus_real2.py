"""A second, independent corpus of exports in real shapes, each with its true totals worked out by hand.

Written from how the exporters lay their files out (南方电网 95598 / 网上国网 bill queries, 计量自动化 load
curves, 自来水/燃气 营业收费 exports, FusionSolar / iSolarCloud / Growatt reports, 云快充 / 特来电 / 星星充电
orders, 中国石化 / 中国石油 昆仑 card statements, LPG delivery notes), in the shapes the first corpus
(tests/corpus_real.py) does not have: units in a row of their own under the header, headers split over two
rows under merged group cells, 万千瓦时 and MWh, dates as 2024.03, 2024年3月, 20240301, 20240301 08:30:00
and Excel serials, date and time in two columns, `1,234.50` and full-width digits (１２００), account numbers
written as ="0450000001" (how many systems keep Excel from eating the zeros), a card number only in the title,
total rows worded 合  计 / 总计： / 全月合计 / Total, UTF-8, UTF-8-BOM, GBK, UTF-16, CSV, XLSX and XLS, and
workbooks whose first sheet is a summary.

The registry is tests/test_corpus_real.py's `real_db` plus the three PV sites of tests/test_pv_portal.py
(PV01 251.1 kWp alias 鹿寨县城南二小学分布式光伏电站, PV02 188.46 kWp, PV03 140.06 kWp alias JKX-PV-2023).
`python -m tests.corpus_real2 DIR` writes the files out, e.g. to try them with `python -m etl load`.
"""

from __future__ import annotations

import io
import sys
from datetime import datetime

from tests.corpus_real import RealCase, _csv, _xlsx, write_all


def _book(sheets: dict[str, list[list]], merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> bytes:
    """An .xlsx of several sheets (first = first in the dict); merges: sheet -> (row1, col1, row2, col2), 1-based."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for r1, c1, r2, c2 in (merges or {}).get(name, []):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xls_book(sheets: dict[str, list[list]]) -> bytes:
    """An old .xls of several sheets, every non-empty value written as given."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None and v != "":
                    ws.write(i, j, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def cases() -> list[RealCase]:  # noqa: PLR0915 - one list of files
    c: list[RealCase] = []
    # ------------------------------------------------------------------ grid bills
    # 南方电网 95598 bill query saved as CSV: units in their own row under the header, thousands separators,
    # months as 2024年3月, a 合  计 row. 1234.50 + 1105.00 + 3200.00 = 5539.50 kWh; 876.50 + 784.55 + 2272.00
    # = 3933.05 yuan
    c.append(RealCase("csg95598_units_row.csv", "grid_bill", _csv([
        "南方电网 95598 电费账单查询结果",
        "户号,户名,电费年月,结算电量,电费",
        ",,,kWh,元",
        '0450000001,县财政局,2024年3月,"1,234.50",876.50',
        '0450000001,县财政局,2024年4月,"1,105.00",784.55',
        '0450000002,城南二小,2024年3月,"3,200.00","2,272.00"',
        '合  计,,,"5,539.50","3,933.05"',
    ], "utf-8-sig"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 5539.50, "SELECT sum(amount_yuan) FROM readings": 3933.05,
        "SELECT count(*) FROM readings WHERE period_start = DATE '2024-03-01'": 2,
    }, notes=("total rows",)))
    # 网上国网 export: a summary sheet first, the bills on the second; energy in 万千瓦时, months 2024.03,
    # a 总计： row. 0.2448 + 0.2244 万kWh = 2448 + 2244 = 4692 kWh; 1468.80 + 1346.40 = 2815.20 yuan
    c.append(RealCase("sgcc_summary_first.xlsx", "grid_bill", _book({
        "汇总": [["2024年3-4月 电费汇总"], ["户数", 1], ["总电费(元)", 2815.20]],
        "电费明细": [["用户编号", "用户名称", "账期", "计费电量(万千瓦时)", "应收电费(元)"],
                  ["0450000001", "县财政局", "2024.03", 0.2448, 1468.80],
                  ["0450000001", "县财政局", "2024.04", 0.2244, 1346.40],
                  ["总计：", None, None, 0.4692, 2815.20]],
    }), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 4692, "SELECT sum(amount_yuan) FROM readings": 2815.20,
        "SELECT count(*) FROM readings WHERE period_start = DATE '2024-04-01'": 1,
    }))
    # 广西电网 营业厅 export (GBK): ids as ="0450000001", read dates 20240325, full-width digits, columns in
    # another order, a 全月合计 row. 1200 + 12 = 1212, 2000 + 20 = 2020: 3232 settled, 3200 read, 32 losses;
    # 860.52 + 1434.20 = 2294.72 yuan
    c.append(RealCase("gxdw_fullwidth_gbk.csv", "grid_bill", _csv([
        "抄表日期,户号,抄见电量(kWh),变损电量(kWh),结算电量(kWh),电费(元)",
        '20240325,="0450000001",１２００,１２,１２１２,８６０．５２',
        '20240325,="0450000002",２０００,２０,２０２０,"1,434.20"',
        '全月合计,,３２００,３２,３２３２,"2,294.72"',
    ], "gb18030"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 3232, "SELECT sum(read_kwh) FROM readings": 3200,
        "SELECT sum(loss_kwh) FROM readings": 32, "SELECT sum(amount_yuan) FROM readings": 2294.72,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I002'": 2020,
    }, notes=("total rows",)))
    # monthly bill list printed page by page: 序号 first, 本月用电量 / 本月电费, the 合计 under 户号, a 第 1 页，共 1 页
    # line. 1580 + 2420 = 4000 kWh; 1121.80 + 1718.20 = 2840.00 yuan
    c.append(RealCase("csg_monthly_page_line.csv", "grid_bill", _csv([
        "序号,户号,户名,抄表年月,本月用电量(kWh),本月电费(元)",
        "1,0450000001,县财政局,2024-06,1580,1121.80",
        "2,0450000002,城南二小,2024-06,2420,1718.20",
        ",合计,,,4000,2840.00",
        "第 1 页，共 1 页,,,,,",
    ]), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 4000, "SELECT sum(amount_yuan) FROM readings": 2840,
    }, notes=("total rows", "skipped as notes")))
    # time-of-use bill as an old .xls with its header over two rows: 电量（kWh） merged over 峰/平/谷/结算电量.
    # 400 + 500 + 300 = 1200 settled for E-I001, 900 + 1200 + 700 = 2800 for E-I002: 4000 kWh, 2856.00 yuan
    c.append(RealCase("gxdw_tou_two_row_header.xls", "grid_bill", _xls_book({"Sheet1": [
        ["户号", "户名", "电费年月", "电量（kWh）", "", "", "", "电费（元）"],
        ["", "", "", "峰", "平", "谷", "结算电量", ""],
        ["0450000001", "县财政局", "202405", 400, 500, 300, 1200, 856.80],
        ["0450000002", "城南二小", "202405", 900, 1200, 700, 2800, 1999.20],
        ["合计", "", "", 1300, 1700, 1000, 4000, 2856.00],
    ]}), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 4000, "SELECT sum(peak_kwh) FROM readings": 1300,
        "SELECT sum(flat_kwh) FROM readings": 1700, "SELECT sum(valley_kwh) FROM readings": 1000,
        "SELECT sum(amount_yuan) FROM readings": 2856.00,
    }))
    # ------------------------------------------------------------------ grid interval (计量自动化 / 用电信息采集)
    # 计量点 export with date and time in two columns: 4 quarter hours of E-I001, 12.5 + 13.0 + 12.0 + 11.5 = 49 kWh
    c.append(RealCase("jlzdh_date_time_columns.csv", "grid_interval", _csv([
        "计量点编号,日期,时间,正向有功电量(kWh)",
        "E-I001,2024-03-01,08:00,12.5",
        "E-I001,2024-03-01,08:15,13.0",
        "E-I001,2024-03-01,08:30,12.0",
        "E-I001,2024-03-01,08:45,11.5",
    ]), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 49,
        "SELECT count(*) FROM readings WHERE period_start = TIMESTAMP '2024-03-01 08:45'": 1,
    }))
    # 用电信息采集 hourly energy, times as 20240302 10:00 (GBK): 20 + 22 + 25 = 67 kWh for E-I002
    c.append(RealCase("yxcj_hourly_compact_dates_gbk.csv", "grid_interval", _csv([
        "用户编号,数据时间,有功电量(kWh)",
        "0450000002,20240302 10:00,20",
        "0450000002,20240302 11:00,22",
        "0450000002,20240302 12:00,25",
    ], "gb18030"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 67,
        "SELECT count(*) FROM readings WHERE meter_id = 'E-I002'": 3,
    }))
    # 计量自动化 电量曲线: a day per row, 96 columns 00:15 … 24:00 (interval ends), the unit in the title, a 合计
    # row. Every point of 2024-03-01 is 1.5 kWh, of 2024-03-02 2.0 kWh: 96 x 1.5 + 96 x 2.0 = 144 + 192 = 336 kWh
    ends = [f"{m // 60:02d}:{m % 60:02d}" for m in range(15, 24 * 60 + 1, 15)]
    c.append(RealCase("jlzdh_day_curve_kwh.csv", "grid_interval", _csv([
        "计量自动化系统 电量曲线（kWh）",
        "计量点编号,数据日期," + ",".join(ends),
        "E-I001,2024-03-01," + ",".join(["1.5"] * 96),
        "E-I001,2024-03-02," + ",".join(["2.0"] * 96),
        "合计,," + ",".join(["3.5"] * 96),
    ]), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 336, "SELECT count(*) FROM readings": 192,
        "SELECT min(period_start) = TIMESTAMP '2024-03-01 00:00' FROM readings": 1,
        "SELECT max(period_end) = TIMESTAMP '2024-03-03 00:00' FROM readings": 1,
    }, notes=("read as a row per time",)))
    # 负荷曲线 in kW (GBK), slots written 00:00-00:15 … 23:45-24:00, dates 2024/03/05: 40 kW for 15 minutes is
    # 10 kWh, x 96 = 960 kWh for E-I002
    slots = [f"{m // 60:02d}:{m % 60:02d}-{(m + 15) // 60:02d}:{(m + 15) % 60:02d}" for m in range(0, 24 * 60, 15)]
    c.append(RealCase("jlzdh_load_curve_kw_gbk.csv", "grid_interval", _csv([
        "负荷曲线查询 单位：kW",
        "户号,日期," + ",".join(slots),
        "0450000002,2024/03/05," + ",".join(["40"] * 96),
    ], "gb18030"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 960,
        "SELECT count(*) FROM readings WHERE period_start = TIMESTAMP '2024-03-05 23:45'": 1,
    }, notes=("average power over its interval",)))
    # the long form of the same export: one row per quarter hour, labelled by its end, the day's last as 24:00
    # (00:00 of the next day). 96 x 0.5 = 48 kWh
    c.append(RealCase("jlzdh_long_2400.csv", "grid_interval", _csv([
        "计量点编号,数据时间,正向有功电量(kWh)",
        *[f"E-I001,2024-03-01 {m // 60:02d}:{m % 60:02d},0.5" for m in range(15, 24 * 60 + 1, 15)],
    ]), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 48, "SELECT count(*) FROM readings": 96,
        "SELECT count(*) FROM readings WHERE period_start > TIMESTAMP '2024-03-02 00:00'": 0,
    }))
    # the same curve without a word on its unit: kW read as kWh per quarter hour would be 4x off, so it is refused
    c.append(RealCase("jlzdh_day_curve_no_unit.csv", "grid_interval", _csv([
        "计量点编号,数据日期," + ",".join(ends),
        "E-I001,2024-03-01," + ",".join(["1.5"] * 96),
    ]), "", {}, extra={"refused": ("does not say whether the values are energy (kWh) or load (kW)", 1)}))
    # a bill whose 全月合计 states more than its rows: a row went missing, refused on the total's line
    c.append(RealCase("gxdw_total_short_gbk.csv", "grid_bill", _csv([
        "户号,抄表日期,结算电量(kWh),电费(元)",
        "0450000001,20240425,1212,860.52",
        "全月合计,,3232,2294.72",
    ], "gb18030"), "electricity", {}, extra={"refused": ("states 3232 but the 1 rows it covers add up to 1212", 3)}))
    # ------------------------------------------------------------------ water bills
    # 营业收费系统 export: merged title, units row (m³, 元), read dates 2024.03.25, a 合 计 row.
    # 6650 - 6380 = 270 t x 2.20 = 594.00; 16100 - 14900 = 1200 t x 2.20 = 2640.00: 1470 m³, 3234.00 yuan
    c.append(RealCase("water_units_row.xlsx", "water_bill", _xlsx([
        ["鹿寨县自来水有限公司 2024年3月 水费清单"],
        ["用户号", "用户名称", "抄表日期", "上月读数", "本月读数", "用水量", "水费"],
        [None, None, None, None, None, "m³", "元"],
        ["88000001", "县财政局", "2024.03.25", 6380, 6650, 270, 594.00],
        ["88000002", "城南二小", "2024.03.25", 14900, 16100, 1200, 2640.00],
        ["合 计", None, None, None, None, 1470, 3234.00],
    ], merge_title=7), "water", {
        "SELECT sum(water_m3) FROM readings": 1470, "SELECT sum(amount_yuan) FROM readings": 3234,
    }, notes=("total rows",)))
    # "Unicode text" (UTF-16, tabs): 本期水量 / 应缴金额, months 2024年4月, a 总计： row.
    # 290 + 1150 = 1440 m³; 638.00 + 2530.00 = 3168.00 yuan
    c.append(RealCase("water_utf16_tabs.txt", "water_bill", _csv([
        "户号,账期,本期水量(立方米),应缴金额(元)",
        "88000001,2024年4月,290,638.00",
        "88000002,2024年4月,1150,2530.00",
        "总计：,,1440,3168.00",
    ], "utf-16", sep="\t"), "water", {
        "SELECT sum(water_m3) FROM readings": 1440, "SELECT sum(amount_yuan) FROM readings": 3168,
    }))
    # old .xls whose first sheet is a 说明 note: 抄表日期 as serials (45376 = 2024-03-25, 45407 = 2024-04-25),
    # 本期水费. 260 + 275 = 535 m³; 572.00 + 605.00 = 1177.00 yuan
    c.append(RealCase("water_note_sheet_first.xls", "water_bill", _xls_book({
        "说明": [["本表由营业收费系统导出，仅供对账使用"], ["导出时间：2024-05-01"]],
        "水费明细": [["用户编号", "抄表日期", "实用水量(吨)", "本期水费(元)"],
                 ["88000001", 45376, 260, 572.00],
                 ["88000001", 45407, 275, 605.00],
                 ["合计", "", 535, 1177.00]],
    }), "water", {
        "SELECT sum(water_m3) FROM readings": 535, "SELECT sum(amount_yuan) FROM readings": 1177,
        "SELECT count(*) FROM readings WHERE period_start = DATE '2024-04-01'": 1,
    }))
    # ------------------------------------------------------------------ PV portals
    # FusionSolar station report in English: Statistical Period, PV Yield, Export, a Total row.
    # 1005.20 + 702.80 + 1210.40 = 2918.40 kWh; export 180.90 + 126.50 + 217.90 = 525.30 kWh
    c.append(RealCase("fusionsolar_en_daily.csv", "pv", _csv([
        "Plant Report (Daily)",
        "Statistical Period,Plant Name,PV Yield (kWh),Inverter Yield (kWh),Export (kWh),Consumption (kWh),"
        "Revenue (CNY)",
        '2024-03-01,鹿寨县城南二小学分布式光伏电站,"1,005.20",985.10,180.90,1400.00,390.50',
        "2024-03-02,鹿寨县城南二小学分布式光伏电站,702.80,690.00,126.50,1100.00,273.10",
        '2024-03-03,鹿寨县城南二小学分布式光伏电站,"1,210.40","1,188.70",217.90,1500.00,470.30',
        'Total,,"2,918.40","2,863.80",525.30,4000.00,1133.90',
    ], "utf-8-sig"), "pv", {
        "SELECT sum(generation_kwh) FROM pv_production": 2918.40,
        "SELECT sum(export_kwh) FROM pv_production": 525.30,
        "SELECT count(DISTINCT site_id) FROM pv_production WHERE site_id = 'PV01'": 1,
    }))
    # iSolarCloud monthly report in MWh, months 2024/01 (GBK), site by its alias code.
    # 11.1558 + 10.4121 + 12.3953 MWh = 33963.2 kWh; export 3.3467 + 3.1236 + 3.7186 = 10188.9 kWh
    c.append(RealCase("isolarcloud_monthly_mwh_gbk.csv", "pv", _csv([
        "电站名称,统计月份,发电量(MWh),上网电量(MWh)",
        "JKX-PV-2023,2024/01,11.1558,3.3467",
        "JKX-PV-2023,2024/02,10.4121,3.1236",
        "JKX-PV-2023,2024/03,12.3953,3.7186",
    ], "gb18030"), "pv", {
        "SELECT sum(generation_kwh) FROM pv_production": 33963.2,
        "SELECT sum(export_kwh) FROM pv_production": 10188.9,
    }))
    # Growatt daily report as XLSX with dates left as serial numbers (45352 = 2024-03-01): 650.5 + 712.3 + 598.2
    # = 1961.0 kWh for PV02
    c.append(RealCase("growatt_daily_serials.xlsx", "pv", _xlsx([
        ["日期", "电站名称", "发电量(kWh)"],
        [45352, "县第一幼儿园屋顶光伏", 650.5],
        [45353, "县第一幼儿园屋顶光伏", 712.3],
        [45354, "县第一幼儿园屋顶光伏", 598.2],
        ["合计", None, 1961.0],
    ]), "pv", {
        "SELECT sum(generation_kwh) FROM pv_production": 1961.0,
        "SELECT count(*) FROM pv_production WHERE site_id = 'PV02'": 3,
    }))
    # SolisCloud inverter history in English: two bracketed parts per header ('(Active)(W)'), the site in the
    # title, power in W next to the day counter. The counter is differenced from 0:00: its last value of the day,
    # 196.0 kWh, is the day's energy (the power column is not added on top)
    counter = [120.0, 130.5, 141.2, 152.0, 163.1, 174.0, 185.2, 196.0]
    c.append(RealCase("soliscloud_inverter_en.csv", "pv", _csv([
        "Plant Name: 江口中心校",
        "Time,Inverter SN,AC Output Total Power (Active)(W),Daily Generation (Active)(kWh),"
        "Total Generation (Active)(kWh)",
        *[f"2024-03-05 {10 + k // 4:02d}:{15 * (k % 4):02d}:00,1031A0123456,{42000 + 100 * k},{v},{51000 + v}"
          for k, v in enumerate(counter)],
    ]), "pv", {
        "SELECT sum(generation_kwh) FROM pv_production": 196.0,
        "SELECT count(DISTINCT site_id) FROM pv_production WHERE site_id = 'PV03'": 1,
    }))
    # ------------------------------------------------------------------ charging orders
    # 云快充 platform orders: 充电度数, 电费金额 / 服务费金额 / 订单总额 / 实收金额, times 20240301 08:30:00.
    # 30.00 + 22.50 = 52.50 kWh; 18.00 + 13.50 = 31.50; 12.00 + 9.00 = 21.00; 30.00 + 22.50 = 52.50; paid 50.00
    c.append(RealCase("ykc_orders.csv", "charging", _csv([
        "订单号,充电桩编号,车牌号,充电开始时间,充电结束时间,充电度数(kWh),电费金额(元),服务费金额(元),订单总额(元),"
        "实收金额(元)",
        "YKC24030100001,45010001,桂B·D5678,20240301 08:30:00,20240301 09:30:00,30.00,18.00,12.00,30.00,30.00",
        "YKC24030200002,45010002,桂B·E9012,20240302 14:00:00,20240302 14:45:00,22.50,13.50,9.00,22.50,20.00",
    ]), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 52.50,
        "SELECT sum(energy_fee_yuan) FROM charging_sessions": 31.50,
        "SELECT sum(service_fee_yuan) FROM charging_sessions": 21.00,
        "SELECT sum(amount_yuan) FROM charging_sessions": 52.50,
        "SELECT sum(paid_yuan) FROM charging_sessions": 50.00,
    }))
    # 特来电 enterprise export: header over two rows (充电时间 over 开始/结束, 费用（元） over 电费/服务费/合计).
    # 40.0 + 25.0 = 65.0 kWh; 28.00 + 17.50 = 45.50; 16.00 + 10.00 = 26.00; 44.00 + 27.50 = 71.50 yuan
    c.append(RealCase("teld_two_row_header.xlsx", "charging", _book({"订单": [
        ["订单编号", "车牌号", "充电时间", None, "充电量(度)", "费用（元）", None, None],
        [None, None, "开始", "结束", None, "电费", "服务费", "合计"],
        ["TLD2403050001", "桂B·D5678", datetime(2024, 3, 5, 9), datetime(2024, 3, 5, 10), 40.0, 28.00, 16.00, 44.00],
        ["TLD2403060002", "桂B·E9012", datetime(2024, 3, 6, 13), datetime(2024, 3, 6, 14), 25.0, 17.50, 10.00, 27.50],
    ]}, {"订单": [(1, 3, 1, 4), (1, 6, 1, 8)]}), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 65.0,
        "SELECT sum(energy_fee_yuan) FROM charging_sessions": 45.50,
        "SELECT sum(service_fee_yuan) FROM charging_sessions": 26.00,
        "SELECT sum(amount_yuan) FROM charging_sessions": 71.50,
    }))
    # 星星充电 app export (GBK): 车牌 / 电量（度） / 总费用（元）, times 2024/3/8 8:05, a 合  计 row.
    # 18.6 + 21.4 = 40.0 kWh; 26.04 + 29.96 = 56.00 yuan
    c.append(RealCase("starcharge_app_gbk.csv", "charging", _csv([
        "车牌,电站,开始时间,结束时间,电量（度）,总费用（元）",
        "桂B·D5678,鹿寨汽车站充电站,2024/3/8 8:05,2024/3/8 8:50,18.6,26.04",
        "桂B·E9012,鹿寨汽车站充电站,2024/3/9 17:40,2024/3/9 18:35,21.4,29.96",
        "合  计,,,,40.0,56.00",
    ], "gb18030"), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 40.0,
        "SELECT sum(amount_yuan) FROM charging_sessions": 56.00,
    }, notes=("total rows",)))
    # e充电 app records: the day in one column, start and end times of day in two more, only 实付金额.
    # 25.0 + 27.2 = 52.2 kWh; paid 31.25 + 34.00 = 65.25 yuan
    c.append(RealCase("echarge_date_apart.csv", "charging", _csv([
        "充电日期,开始时间,结束时间,车牌号码,充电电量(kWh),实付金额(元)",
        "2024-04-02,12:10,12:55,桂B·D5678,25.0,31.25",
        "2024-04-09,18:30,19:20,桂B·E9012,27.2,34.00",
    ]), "charging", {
        "SELECT sum(energy_kwh) FROM charging_sessions": 52.2,
        "SELECT sum(paid_yuan) FROM charging_sessions": 65.25,
        "SELECT count(*) FROM charging_sessions WHERE end_ts = TIMESTAMP '2024-04-09 19:20'": 1,
    }))
    # ------------------------------------------------------------------ fuel cards
    # 昆仑加油卡 交易明细 of one card: the card number only in the title, 交易地点 / 油品名称, a 充值 row.
    # fuel 50.00 + 45.00 = 95.00 L, 380.00 + 342.00 = 722.00 yuan; top-up 1000.00
    c.append(RealCase("kunlun_card_in_title.csv", "fuel", _csv([
        "昆仑加油卡交易明细查询",
        "卡号：9030000012349999,,,,,,,,",
        "交易时间,交易地点,交易类型,油品名称,数量(升),单价(元),金额(元),余额(元),积分",
        "2024-03-03 10:20:11,中石油鹿寨加油站,加油,0#柴油,50.00,7.60,380.00,1620.00,380",
        "2024-03-10 09:00:00,中石油鹿寨加油站,充值,,,,1000.00,2620.00,0",
        "2024-03-17 15:42:30,中石油鹿寨加油站,加油,0#柴油,45.00,7.60,342.00,2278.00,342",
    ], "utf-8-sig"), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 95.0,
        "SELECT sum(amount_yuan) FROM fuel_fills WHERE txn_type = 'fuel'": 722.00,
        "SELECT sum(amount_yuan) FROM fuel_fills WHERE txn_type = 'topup'": 1000.00,
        "SELECT count(*) FROM fuel_fills WHERE card_no = '9030000012349999'": 3,
    }))
    # 中国石化 statement as .xls: a 汇总 sheet first, then 明细 with 交易日期 and 交易时间 in two columns, 加油量(L).
    # 45.00 + 30.00 = 75.00 L; 353.25 + 235.50 = 588.75 yuan
    c.append(RealCase("sinopec_summary_first.xls", "fuel", _xls_book({
        "汇总": [["卡号", "期初余额", "消费金额"], ["9030000012345678", 2000.00, 588.75]],
        "明细": [["序号", "卡号", "车牌号", "交易日期", "交易时间", "油品", "加油量(L)", "金额(元)", "加油站"],
               [1, "9030000012345678", "桂B·A1234", "2024-03-02", "09:15:20", "92#汽油", 45.00, 353.25, "中石化鹿寨城南站"],
               [2, "9030000012345678", "桂B·A1234", "2024-03-20", "17:02:05", "92#汽油", 30.00, 235.50, "中石化鹿寨城南站"]],
    }), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 75.0, "SELECT sum(amount_yuan) FROM fuel_fills": 588.75,
        "SELECT count(*) FROM fuel_fills WHERE ts = TIMESTAMP '2024-03-20 17:02:05'": 1,
    }))
    # 中国石化 GBK statement with cards as ="9030000012345678" and times 2024年03月12日 16:45.
    # 50.00 + 38.50 = 88.50 L; 380.00 + 302.23 = 682.23 yuan
    c.append(RealCase("sinopec_eq_text_gbk.csv", "fuel", _csv([
        "卡号,车牌号,交易时间,交易类型,油品,数量(升),金额(元),加油站",
        '="9030000012349999",桂B·A5678,2024年03月12日 16:45,加油,0#柴油,50.00,380.00,中石化鹿寨城南站',
        '="9030000012345678",桂B·A1234,2024年03月14日 08:10,加油,92#汽油,38.50,302.23,中石化鹿寨城南站',
    ], "gb18030"), "fuel", {
        "SELECT sum(fuel_l) FROM fuel_fills": 88.50, "SELECT sum(amount_yuan) FROM fuel_fills": 682.23,
        "SELECT count(*) FROM fuel_fills WHERE card_no = '9030000012345678' AND plate = '桂B·A1234'": 1,
    }))
    # ------------------------------------------------------------------ piped gas
    # 燃气 营业收费 export (GBK): 上期读数 / 本期读数, units row, read dates 2024/01/20.
    # 2680 - 2300 = 380 m³ x 3.14 = 1193.20; 3010 - 2680 = 330 m³ x 3.14 = 1036.20: 710 m³, 2229.40 yuan
    c.append(RealCase("gas_units_row_gbk.csv", "gas", _csv([
        "用户编号,户名,抄表日期,上期读数,本期读数,用气量,燃气费",
        ",,,m³,m³,m³,元",
        "0771000123,县财政局食堂,2024/01/20,2300,2680,380,1193.20",
        "0771000123,县财政局食堂,2024/02/20,2680,3010,330,1036.20",
    ], "gb18030"), "gas", {
        "SELECT sum(water_m3) FROM readings": 710, "SELECT sum(amount_yuan) FROM readings": 2229.40,
        "SELECT count(*) FROM readings WHERE meter_id = 'G-I001'": 2,
    }))
    # XLSX: 燃气户号 as a number (leading zero gone), months 2024.03, Nm³, amounts as text with separators.
    # 400 + 360 = 760 m³; 1256.00 + 1130.40 = 2386.40 yuan
    c.append(RealCase("gas_nm3_dotted_months.xlsx", "gas", _xlsx([
        ["燃气户号", "账单月份", "用气量(Nm³)", "应缴金额(元)"],
        [771000123, "2024.03", 400, "1,256.00"],
        [771000123, "2024.04", 360, "1,130.40"],
    ]), "gas", {
        "SELECT sum(water_m3) FROM readings": 760, "SELECT sum(amount_yuan) FROM readings": 2386.40,
    }, notes=("leading zeros were lost",)))
    # ------------------------------------------------------------------ bottled LPG
    # delivery note (GBK): 数量(瓶), 规格 15KG / 50KG. 4 x 15 + 2 x 50 = 160 kg; 480.00 + 760.00 = 1240.00 yuan
    c.append(RealCase("lpg_bottles_upper_kg_gbk.csv", "lpg", _csv([
        "日期,用户名称,品名,数量(瓶),规格,单价,金额",
        "2024-03-04,县财政局,液化石油气,4,15KG,120,480.00",
        "2024-03-11,城南二小,液化石油气,2,50KG,380,760.00",
    ], "gb18030"), "lpg", {
        "SELECT sum(lpg_kg) FROM lpg_purchases": 160, "SELECT sum(amount_yuan) FROM lpg_purchases": 1240,
    }, notes=("cylinders × the size",)))
    # bulk LPG weighed in tonnes, dates 2024年4月3日, an empty spacer column: 0.045 t + 0.15 t = 195 kg;
    # 360.00 + 1140.00 = 1500.00 yuan
    c.append(RealCase("lpg_tonnes.xlsx", "lpg", _xlsx([
        ["单位编码", None, "购气日期", "充装量(吨)", None, "金额(元)"],
        ["I001", None, "2024年4月3日", 0.045, None, 360.00],
        ["I002", None, "2024年4月10日", 0.15, None, 1140.00],
    ]), "lpg", {
        "SELECT sum(lpg_kg) FROM lpg_purchases": 195, "SELECT sum(amount_yuan) FROM lpg_purchases": 1500,
    }))
    return c


def main(out: str) -> None:
    write_all(cases(), out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus_real2")
