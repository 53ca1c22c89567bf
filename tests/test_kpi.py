"""Leadership KPIs (etl/metrics/kpi.py), their CLI and the reports (etl/reports/documents.py).

A small county is loaded through the loader, file by file as an officer would, and the JSON KPIs
are compared with numbers worked out by hand below. The demo database must give the 2023
summary's figures.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from etl.__main__ import main
from etl.ingest.loader import commit, prepare
from etl.metrics import kpi
from etl.reports import documents
from etl.store.db import connect

ROOT = Path(__file__).resolve().parent.parent
# the small county's years hold a few months each: its changes and statuses are checked as if they were whole
# years (the completeness rule itself: tests/test_years.py)
pytestmark = pytest.mark.usefixtures("every_year_complete")

FILES = {  # kind -> CSV text, loaded in this order
    "institutions": "单位编码,单位名称,单位类型,建筑面积(m2),用能人数\n"
                    "I001,县财政局,党政机关,2000,50\nI002,城南二小,学校,8000,900\n",
    "meters": "表号,单位编码,能源种类,户号,倍率\nE-I001,I001,电,0450000001,1\nW-I001,I001,水,88000001,1\n",
    "vehicles": "车牌号,能源类型,油箱容积(L),电池容量(kWh),油卡号\n桂B·A0001,汽油,50,,9030000000000001\n"
                "桂B·D0002,纯电,,50,\n",
    "pv_sites": "电站编号,电站名称,单位编码,纬度,经度,屋顶面积(m2),组件数量,组件功率(W),倾角,方位角,逆变器容量(kW),"
                "开工日期,并网日期,建设状态\n"
                "PV01,县财政局屋顶光伏,I001,24.47,109.74,300,60,545,15,180,30,2023-03-01,2023-05-20,已并网\n"
                "PV02,城南二小屋顶光伏,I002,24.47,109.74,200,40,545,15,180,20,2023-10-01,,在建\n",
    "certifications": "单位编码,创建类型,阶段,阶段日期\nI001,节约型机关,创建中,2023-03-01\n"
                      "I001,节约型机关,已通过市级审核,2023-11-01\nI002,节约型机关,创建中,2023-04-01\n"
                      "I002,节水型单位,材料收集审核中,2023-10-01\n",
    # 2020: 10000 kWh, 120 m3; 2023: 9000 + 920 kWh, 100 m3 (I001 only)
    "electricity": "户号,账期,抄见电量(kWh)\n0450000001,2020-01,10000\n0450000001,2023-01,9000\n"
                   "0450000001,2023-06,920\n",
    "water": "户号,账期,用水量(吨)\n88000001,2020-01,120\n88000001,2023-01,100\n",
    # June 2023: 100 kWh generated, 20 exported -> 80 used on site
    "pv": "电站名称,统计时间,发电量(kWh),上网电量(kWh)\nPV01,2023-06-10,60,12\nPV01,2023-06-11,40,8\n",
    "fuel": "卡号,车牌号,交易时间,交易类型,油品,数量(升),金额(元)\n"
            "9030000000000001,桂B·A0001,2023-03-02 09:15,加油,92#汽油,40,320\n"
            "9030000000000001,桂B·A0001,2023-01-05 09:00,圈存,,,3000\n",
    "charging": "车牌号,开始时间,充电量(kWh)\n桂B·D0002,2023-04-01 12:00,30\n",
    # one accident, on 2022-06-01; the last dispatch on record is 2023-11-30
    "dispatches": "派车单号,车牌号,出车时间,行驶里程(km),是否事故\n"
                  "PC1,桂B·A0001,2022-06-01 08:00,20,是\n"
                  "PC2,桂B·A0001,2023-03-02 08:00,30,否\nPC3,桂B·D0002,2023-04-01 08:00,40,否\n"
                  "PC4,桂B·D0002,2023-07-01 08:00,50,否\nPC5,桂B·A0001,2023-11-30 08:00,60,否\n",
    # 2023: minor same day (in rule); minor overnight (late); major next day (in rule); major still open
    "work_orders": "工单号,维修区域,维修类别,报修时间,办结时间,维修费用(元)\n"
                   "W1,县行政中心,小修,2023-03-01 09:00,2023-03-01 15:00,100\n"
                   "W2,县行政中心,小修,2023-03-02 16:00,2023-03-03 09:00,200\n"
                   "W3,周转楼,大修,2023-05-10 10:00,2023-05-11 18:00,3000\n"
                   "W4,周转楼,大修,2023-12-30 10:00,,\n"
                   "W0,县行政中心,小修,2022-08-01 09:00,2022-08-01 10:00,50\n",
    "meetings": "会议编号,会议日期\nM1,2023-01-10\nM2,2023-02-10\nM3,2023-03-10\nM0,2022-03-10\n",
    "receptions": "接待编号,接待日期,接待人数,机关食堂\nR1,2023-01-11,10,是\nR2,2023-02-11,20,否\n"
                  "R3,2023-03-11,5,是\n",
    "visitors": "批次号,来访日期,人数\nV1,2023-04-01,3\nV2,2023-05-01,7\n",
}


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("kpi") / "small.duckdb"
    with connect(db) as con:
        for kind, text in FILES.items():
            prep = prepare(con, text.encode(), f"{kind}.csv", kind)
            assert prep.ok, (kind, [str(p) for p in prep.problems])
            commit(con, prep, "test")
    return db


def cli_json(db: Path, year: int, capsys) -> dict:
    assert main(["kpi", "--year", str(year), "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_kpis_match_hand_computed_values(small_db, capsys):
    k = cli_json(small_db, 2023, capsys)
    # logistics
    assert (k["repairs_total"], k["repairs_closed"], k["repairs_within_rule"]) == (4, 3, 2)
    assert k["repairs_closed_pct"] == pytest.approx(75.0)
    assert k["repairs_within_rule_pct"] == pytest.approx(50.0)
    assert k["meetings_served"] == 3
    assert (k["reception_groups"], k["reception_people"], k["canteen_groups"], k["canteen_people"]) == (3, 35, 2, 15)
    assert k["canteen_share_pct"] == pytest.approx(200 / 3)
    assert (k["visitor_groups"], k["visitor_people"]) == (2, 10)
    assert k["dispatches"] == 4
    # no accident in 2023; the period ends at the last dispatch on record (2023-11-30): 334 days
    assert k["fleet_accidents"] == 0 and k["fleet_accident_free_days"] == 334
    # 2022-06-01 -> 2023-06-01 is 365 days, -> 2023-11-30 another 182
    assert k["fleet_days_since_accident"] == 547 and k["fleet_days_since_accident_from"] == "last_accident"
    # energy: (9000 + 920) kWh x 0.1229 = 1,219.168 kgce of electricity, plus the fleet's 40 L petrol
    # x 0.73 kg/L x 1.4714 kgce/kg = 42.96488 kgce (counted by default), against 10000 kWh x 0.1229 in 2020
    assert k["energy_kgce"] == pytest.approx(1219.168 + 42.96488)
    assert k["energy_kgce_buildings"] == pytest.approx(1219.168)
    assert k["energy_fleet_share_pct"] == pytest.approx(100 * 42.96488 / 1262.13288)
    assert k["energy_kgce_change_vs_2020_pct"] == pytest.approx(100 * (1262.13288 - 1229) / 1229)
    assert k["water_m3"] == pytest.approx(100)
    assert k["water_m3_per_person"] == pytest.approx(2.0)  # 100 m3 / 50 people (I002 has no data)
    assert k["water_m3_per_person_change_vs_2020_pct"] == pytest.approx(100 * (2.0 - 2.4) / 2.4)
    assert k["energy_kgce_per_m2"] == pytest.approx(1262.13288 / 2000)
    # PV: 100 kWh generated, 80 used on site; June use = 920 grid + 80 = 1000 kWh -> 8 %
    assert k["pv_generation_kwh"] == pytest.approx(100) and k["pv_self_use_kwh"] == pytest.approx(80)
    assert k["pv_saving_rate_pct"] == pytest.approx(8.0)
    assert (k["pv_sites_total"], k["pv_sites_commissioned"], k["pv_sites_under_construction"]) == (2, 1, 1)
    assert (k["pv_roof_m2"], k["pv_modules"]) == (500, 100)
    # certification at 2023-12-31
    assert k["jieyue_units_by_stage"] == {"creating": 1, "city_passed": 1}
    assert k["jieshui_units_by_stage"] == {"county_review": 1}
    assert (k["jieyue_units"], k["jieshui_units"], k["jieyue_units_certified"]) == (2, 1, 0)
    # fleet: 40 L petrol (the top-up is money, not fuel) and 30 kWh charged; 2 of 4 trips electric
    f = {"petrol_density": 0.73, "petrol_co2_per_kg": 2.925, "grid_co2_guangxi": 0.4476}
    assert k["fleet_fuel_l"] == pytest.approx(40)
    co2_t = (40 * f["petrol_density"] * f["petrol_co2_per_kg"] + 30 * f["grid_co2_guangxi"]) / 1000
    assert k["fleet_co2_t"] == pytest.approx(co2_t)
    assert k["fleet_co2_kg_per_dispatch"] == pytest.approx(1000 * co2_t / 4)
    assert k["fleet_electric_share_pct"] == pytest.approx(50.0)


def test_previous_year_changes_and_targets(small_db, capsys):
    k = cli_json(small_db, 2023, capsys)
    assert k["previous"]["repairs_total"] == 1 and k["change_pct"]["repairs_total"] == pytest.approx(300.0)
    assert k["previous"]["meetings_served"] == 1
    assert k["previous"]["reception_groups"] is None  # no receptions logged in 2022: missing, not 0
    assert k["change_pp"]["repairs_within_rule_pct"] == pytest.approx(50.0 - 100.0)
    tg = k["targets"]
    assert tg["repairs_closed_pct"]["status"] == "not_met" and tg["repairs_closed_pct"]["target"] == 100
    assert tg["fleet_accidents"]["status"] == "met"
    assert tg["pv_sites_commissioned"] == {**tg["pv_sites_commissioned"], "target": 34, "status": "not_met"}
    # tasks (data/cert_tasks.csv): units at or past the task's stage, not units in the programme
    assert k["jieyue_units_reached"] == 1 and k["jieshui_units_reached"] == 1
    assert tg["jieyue_units_reached"]["target"] == 25 and tg["jieyue_units_reached"]["status"] == "not_met"
    assert tg["jieshui_units_reached"]["target"] == 138 and tg["jieshui_units_reached"]["stage"] == "county_review"
    assert "jieyue_units" not in tg
    # water per person -16.7 % against 2020, beyond the straight path to -6 % by 2025
    assert tg["water_m3_per_person"]["status"] == "on_track"
    assert tg["water_m3_per_person"]["path_pct"] == pytest.approx(-6 * 3 / 5)
    assert "pv_saving_rate_pct" not in tg  # the 13 % estimate applies from 2024 (data/kpi_targets.csv)


def test_targets_are_data(small_db):
    with connect(small_db) as con:
        tg = kpi.kpi_targets(con)
    assert set(tg["kpi"]) <= set(kpi.BY_KEY)
    assert tg["source"].notna().all() and tg["comparison"].isin([">=", "<="]).all()


def test_year_without_data_says_missing(small_db, capsys):
    k = cli_json(small_db, 2019, capsys)
    assert k["repairs_total"] is None and k["dispatches"] is None and k["energy_kgce"] is None
    with connect(small_db) as con:
        text = "\n".join(t for _, t in documents.summary_paragraphs(con, 2019))
    assert "系统中没有2019年维修工单数据" in text and "请补充" in text


def test_table_format(small_db, capsys):
    assert main(["kpi", "--year", "2023", "--format", "table", "--db", str(small_db)]) == 0
    out = capsys.readouterr().out
    assert "repairs_within_rule_pct" in out and "jieyue_units_by_stage" in out


def test_demo_2023_gives_the_summary_figures(demo_db, capsys):
    k = cli_json(demo_db, 2023, capsys)
    assert k["repairs_total"] == 225 and k["repairs_closed_pct"] == 100.0
    assert (k["reception_groups"], k["reception_people"]) == (378, 4584)
    assert (k["canteen_groups"], k["canteen_people"]) == (167, 1899)
    assert (k["visitor_groups"], k["visitor_people"]) == (70, 2749)
    assert k["meetings_served"] >= 600 and k["dispatches"] >= 3700 and k["fleet_accidents"] == 0
    assert (k["pv_sites_total"], k["pv_roof_m2"], k["pv_modules"]) == (34, 56104, 12804)
    assert k["jieyue_units_by_stage"] == {"city_passed": 25}
    assert k["jieshui_units_by_stage"] == {"county_review": 138}
    for key in ("repairs_within_rule_pct", "energy_kgce", "energy_kgce_change_vs_2020_pct", "water_m3",
                "pv_sites_commissioned", "pv_generation_kwh", "pv_saving_rate_pct", "fleet_co2_t"):
        assert k[key] is not None, key


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def test_docx_opens_and_holds_the_fixture_numbers(small_db, tmp_path):
    out = tmp_path / "s.docx"
    assert main(["report", "--year", "2023", "--format", "docx", "--out", str(out), "--db", str(small_db)]) == 0
    from docx import Document

    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {"（二）后勤保障工作", "（四）公务用车管理工作", "（六）公共机构节能工作"} <= set(headings)
    text = _docx_text(out.read_bytes())
    for phrase in ("维修4次", "已办结3次，办结率75%", "按时办结2次，占50%", "县行政中心2次", "周转楼2次",
                   "会务保障工作3场次", "来访群众2批，10人次", "接待来宾3批次35人次", "机关食堂2批次15人次",
                   "共调度4车次", "全年未发生行车安全事故", "至2023年11月30日已连续安全行车547天", "2022年6月1日上一起事故",
                   "加油40升", "充电30千瓦时", "纯电动汽车出车占全部车次的50%",
                   "共2家", "屋顶安装面积500平方米", "安装组件100块", "已并网1家", "在建1家", "综合节能率8%",
                   "节约型机关创建任务25家", "1家已通过市级审核", "1家创建中", "节水型单位创建任务138家",
                   "1家材料收集审核中", "较2020年增长2.7%", "含公务用车燃油", "占3.4%", "全年光伏发电100千瓦时，其中就地自用80千瓦时",
                   "全年维修费用3300元", "用水量100立方米"):
        assert phrase in text, phrase
    assert "演示数据" not in text  # the small database is not demo data


def test_docx_numbers_all_come_from_the_kpis(small_db):
    """Nothing invented: every number in the paragraphs is a KPI value (in its written form), a year,
    a target or a date part."""
    with connect(small_db) as con:
        report = kpi.kpi_report(con, 2023)
        paragraphs = [t for s, t in documents.summary_paragraphs(con, 2023, report) if s == "p"]
    numbers = {n for t in paragraphs for n in re.findall(r"\d+(?:\.\d+)?", t)}
    allowed = {"2020", "2022", "2023", "2025", "6", "1", "5", "11", "30", "0.1229", "25", "138"}  # years, dates, factor, targets
    for v in [*report.values(), *report["change_pct"].values(), *report["change_pp"].values()]:
        if isinstance(v, int | float) and not isinstance(v, bool):
            for digits in (0, 1, 2):
                for scale in (1, 1e3, 1e4):
                    allowed.add(f"{abs(v) / scale:.{digits}f}")
                    allowed.add(f"{abs(v) / scale:.{digits}f}".removesuffix(".0"))
    for t in report["targets"].values():
        allowed |= {f"{abs(t.get('target_change_pct') or 0):g}"}
    with connect(small_db) as con:
        groups = documents.figures.repairs_by_group(con, 2022, 2023)
    for v in [*groups["repairs_total"], *groups["cost_yuan"], *groups.groupby("year")["cost_yuan"].sum()]:
        allowed |= {f"{v:g}", f"{v / 1e4:.2f}"}
    # change of the repair cost against the year before
    allowed |= {f"{100 * (3300 - 50) / 50:.1f}".removesuffix(".0"), f"{100 * (300 - 50) / 50:.1f}".removesuffix(".0")}
    assert numbers <= allowed, numbers - allowed


def test_xlsx_workbook_holds_every_kpi_table(small_db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "k.xlsx"
    assert main(["report", "--year", "2023", "--format", "xlsx", "--out", str(out), "--db", str(small_db)]) == 0
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 6
    ws = wb[wb.sheetnames[0]]
    header = [c.value for c in ws[1]]
    rows = {r[header.index("指标")]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {k.zh for k in kpi.SPEC}
    assert rows["维修"][header.index("本年数值")] == 4
    assert rows["维修及时率"][header.index("状态")] == documents.STATUS_ZH["not_met"]
    # headers and coded values in words: no raw keys (energy_kgce, jieyue, on_track) for the reader
    for sheet in wb:
        cells = [c.value for c in sheet[1]] + [v for row in sheet.iter_rows(min_row=2, values_only=True) for v in row]
        raw = [v for v in cells if isinstance(v, str) and (re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", v) or v in (
            "jieyue", "jieshui", "logistics", "energy", "certification", "fleet", "met", "creating"))]
        assert not raw, (sheet.title, raw[:5])


def test_page_and_report_code_hold_no_summary_figures():
    """The page and the reports take every figure from the data (the summary's numbers are not code)."""
    figures = ("225", "4584", "1899", "2749", "3726", "56104", "12804", "378", "167", "612", "3558")
    for path in (ROOT / "pages" / "kpi.py", ROOT / "etl" / "reports" / "documents.py", ROOT / "etl" / "metrics" / "kpi.py",
                 ROOT / "ui" / "text_kpi.py"):
        code = path.read_text(encoding="utf-8")
        found = [f for f in figures if re.search(rf"(?<![\d.]){f}(?![\d.])", code)]
        assert not found, (path.name, found)


def test_days_since_accident_count_from_first_dispatch_when_none(empty_db):
    from etl.metrics import figures

    text = "派车单号,出车时间,是否事故\nA1,2023-02-01 08:00,否\nA2,2023-03-01 08:00,\n"
    with connect(empty_db) as con:
        commit(con, prepare(con, text.encode(), "d.csv", "dispatches"), "test")
        safety = figures.fleet_safety(con, 2023)
        assert figures.fleet_safety(con, 2022)["accidents"] is None  # no dispatch that year: unknown
    # the period ends at the last dispatch on record (2023-03-01): 31 + 28 + 1 = 60 days; 28 since the first
    assert safety == {"accidents": 0, "accident_free_days": 60, "days_since_accident": 28,
                      "since": "records_start", "last_accident_on": None, "period_end": "2023-03-01"}


def test_stage_words_in_the_draft_are_never_codes():
    """Every stage of data/cert_stages.csv reads as its Chinese name in the Word draft (not_passed was printed
    as '1家not_passed': the forms' table has no word for it)."""
    from etl.metrics import certification

    codes = list(certification.stages()["stage"])
    text = documents._stages_text({code: 1 for code in codes})
    for code in codes:
        assert code not in text, (code, text)
    assert "1家未通过" in text and "1家已命名" in text
