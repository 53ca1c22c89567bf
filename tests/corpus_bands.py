"""Grid bills written one row per time band (国家电网/南方电网 分时电量明细), by hand, with their true totals.

Each bill is several rows with the same 户号 and period, one per 时段 (尖峰/峰/平/谷), sometimes with the
bill's own 合计/总 row before or after them; the loader reads one bill per account and period
(etl/ingest/bands.py). Registers are per band and add up to the total register; usage = (本次 − 上次) × 倍率.
They load into `real_db` (tests/test_corpus_real.py) and join tests/corpus_real.py's cases.
"""

from __future__ import annotations

from tests.corpus_real import RealCase, _csv, _xlsx


def cases() -> list[RealCase]:
    c: list[RealCase] = []
    # 国家电网 分时电量电费明细 (GBK), each bill's 合计 row after its bands and a 总计 for the file.
    # E-I001 (file 倍率 40): 尖峰 (150-120)x40 = 1200, 峰 (480-400)x40 = 3200, 平 (790-700)x40 = 3600,
    # 谷 (360-300)x40 = 2400 -> 10400 = its 合计 (1780-1520)x40. Amounts at 1.0283/0.8570/0.5713/0.2856 元:
    # 1233.96 + 2742.40 + 2056.68 + 685.44 = 6718.48.
    # E-I002, no 合计 row: 尖峰 (70-50)x40 = 800, 峰 (350-300)x40 = 2000, 平 (560-500)x40 = 2400,
    # 谷 (240-200)x40 = 1600 -> 6800; 822.64 + 1714.00 + 1371.12 + 456.96 = 4364.72.
    # The file: 10400 + 6800 = 17200 kWh, 6718.48 + 4364.72 = 11083.20 元.
    c.append(RealCase("sgcc_tou_rows_gbk.csv", "grid_bill", _csv([
        "国网广西电力 鹿寨县供电公司 分时电量电费明细（2023年5月）,,,,,,,,,,",
        "户号,户名,电费年月,时段,上次示数,本次示数,倍率,抄见电量(kWh),结算电量(kWh),电价(元/kWh),电费(元)",
        "0450000001,县财政局,202305,尖峰,120.00,150.00,40,1200,1200,1.0283,1233.96",
        "0450000001,县财政局,202305,峰,400.00,480.00,40,3200,3200,0.8570,2742.40",
        "0450000001,县财政局,202305,平,700.00,790.00,40,3600,3600,0.5713,2056.68",
        "0450000001,县财政局,202305,谷,300.00,360.00,40,2400,2400,0.2856,685.44",
        "0450000001,县财政局,202305,合计,1520.00,1780.00,40,10400,10400,,6718.48",
        "0450000002,城南二小,202305,尖峰,50.00,70.00,40,800,800,1.0283,822.64",
        "0450000002,城南二小,202305,峰,300.00,350.00,40,2000,2000,0.8570,1714.00",
        "0450000002,城南二小,202305,平,500.00,560.00,40,2400,2400,0.5713,1371.12",
        "0450000002,城南二小,202305,谷,200.00,240.00,40,1600,1600,0.2856,456.96",
        "总计,,,,,,,17200,17200,,11083.20",
        "制表人：韦工,,打印时间：2023-06-05 10:12,,,,,,,,",
    ], "gb18030"), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 17200, "SELECT sum(read_kwh) FROM readings": 17200,
        "SELECT count(*) FROM readings": 2, "SELECT sum(amount_yuan) FROM readings": 11083.20,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I001'": 10400,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I002'": 6800,
        "SELECT sum(sharp_kwh) FROM readings": 2000, "SELECT sum(peak_kwh) FROM readings": 5200,
        "SELECT sum(flat_kwh) FROM readings": 6000, "SELECT sum(valley_kwh) FROM readings": 4000,
        "SELECT curr_register - prev_register FROM readings WHERE meter_id = 'E-I002'": 1220 - 1050,
    }, notes=("one row per time band", "total rows")))
    # 南方电网 抄表电量明细 (UTF-8): 示数类型 正向有功总 first, then 尖/峰/平/谷; 变损, 结算电量 and the amount
    # only on the 总 row. E-I002 (综合倍率 40), June: 总 (2150-2000)x40 = 6000 = 尖 (215-200)x40 600 + 峰
    # (650-600)x40 2000 + 平 (855-800)x40 2200 + 谷 (430-400)x40 1200; 结算 6000 + 变损 90 = 6090, 3850.20 元.
    # July: 总 (2290-2150)x40 = 5600 = 520 + 1880 + 2040 + 1160; 5600 + 84 = 5684, 3590.10 元.
    # Settled 6090 + 5684 = 11774; read 11600; splits 尖 1120, 峰 3880, 平 4240, 谷 2360.
    c.append(RealCase("csg_register_types_utf8.csv", "grid_bill", _csv([
        "户号,户名,抄表年月,示数类型,上次示数,本次示数,综合倍率,抄见电量,变损电量,结算电量,电费(元)",
        "0450000002,城南二小,2023-06,正向有功总,2000,2150,40,6000,90,6090,3850.20",
        "0450000002,城南二小,2023-06,正向有功尖,200,215,40,600,,,",
        "0450000002,城南二小,2023-06,正向有功峰,600,650,40,2000,,,",
        "0450000002,城南二小,2023-06,正向有功平,800,855,40,2200,,,",
        "0450000002,城南二小,2023-06,正向有功谷,400,430,40,1200,,,",
        "0450000002,城南二小,2023-07,正向有功总,2150,2290,40,5600,84,5684,3590.10",
        "0450000002,城南二小,2023-07,正向有功尖,215,228,40,520,,,",
        "0450000002,城南二小,2023-07,正向有功峰,650,697,40,1880,,,",
        "0450000002,城南二小,2023-07,正向有功平,855,906,40,2040,,,",
        "0450000002,城南二小,2023-07,正向有功谷,430,459,40,1160,,,",
    ]), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 11774, "SELECT sum(read_kwh) FROM readings": 11600,
        "SELECT sum(loss_kwh) FROM readings": 174, "SELECT sum(amount_yuan) FROM readings": 7440.30,
        "SELECT count(*) FROM readings": 2, "SELECT sum(sharp_kwh) FROM readings": 1120,
        "SELECT sum(peak_kwh) FROM readings": 3880, "SELECT sum(flat_kwh) FROM readings": 4240,
        "SELECT sum(valley_kwh) FROM readings": 2360,
    }, notes=("one row per time band", "settled energy (结算电量) is stored")))
    # 国家电网 XLSX: 时段 尖/峰/平/谷 per row, no bill total row, 户号 as numbers, a 合计 for the file.
    # E-I003 (户号 4500000123), August: 300 + 1500 + 2100 + 1100 = 5000 kWh, 308.49 + 1285.50 + 1199.73 +
    # 314.16 = 3107.88 元. E-I001: 0 + 900 + 1300 + 800 = 3000 kWh, 0 + 771.30 + 742.69 + 228.48 = 1742.47 元.
    # The file: 8000 kWh, 4850.35 元.
    head = ["户号", "户名", "电费年月", "时段", "电量(kWh)", "电价(元/kWh)", "电费(元)"]
    c.append(RealCase("sgcc_tou_rows.xlsx", "grid_bill", _xlsx([
        ["国网XX供电公司 分时段电量明细 2023年8月"], head,
        [4500000123, "县人民医院", "2023-08", "尖", 300, 1.0283, 308.49],
        [4500000123, "县人民医院", "2023-08", "峰", 1500, 0.8570, 1285.50],
        [4500000123, "县人民医院", "2023-08", "平", 2100, 0.5713, 1199.73],
        [4500000123, "县人民医院", "2023-08", "谷", 1100, 0.2856, 314.16],
        [450000001, "县财政局", "2023-08", "尖", 0, 1.0283, 0],
        [450000001, "县财政局", "2023-08", "峰", 900, 0.8570, 771.30],
        [450000001, "县财政局", "2023-08", "平", 1300, 0.5713, 742.69],
        [450000001, "县财政局", "2023-08", "谷", 800, 0.2856, 228.48],
        ["合计", None, None, None, 8000, None, 4850.35],
    ], merge_title=len(head)), "electricity", {
        "SELECT sum(energy_kwh) FROM readings": 8000, "SELECT sum(amount_yuan) FROM readings": 4850.35,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I003'": 5000,
        "SELECT energy_kwh FROM readings WHERE meter_id = 'E-I001'": 3000,
        "SELECT count(*) FROM readings": 2, "SELECT sum(peak_kwh) FROM readings": 2400,
        "SELECT sharp_kwh FROM readings WHERE meter_id = 'E-I001'": 0,
    }, notes=("one row per time band", "leading zeros were lost")))
    return c
