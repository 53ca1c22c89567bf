"""Reports of the KPI page: an XLSX workbook of every KPI table and a Word draft of the annual summary.

Both read etl.metrics.kpi (one definition of every figure). The Word draft follows the centre's annual work
summary (data/../shared seed): plain official Chinese, 一是……二是……, headings numbered as in the
summary so the officer can paste the sections in. Every number in it comes from the KPI report; a
figure that is missing is named as missing, never guessed.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd

from etl import site
from etl.ingest.kinds import STAGE_ORDER, STAGES
from etl.metrics import factors, figures, kpi
from etl.reports.exports import to_xlsx_bytes
from etl.reports.labels import labelled

# Stage code -> its Chinese name as the forms write it (the first alias of each code in etl/ingest/kinds.py).
STAGE_ZH = {code: next(k for k, v in STAGES.items() if v == code) for code in STAGE_ORDER}
PROGRAM_ZH = {"jieyue": "节约型机关", "jieshui": "节水型单位"}


def _cert_stage_zh() -> dict[str, str]:
    """Chinese names of the stages of data/cert_stages.csv (e.g. not_passed), for those the loader table lacks."""
    from etl.metrics import certification

    st_ = certification.stages()
    return dict(zip(st_["stage"], st_["name_zh"], strict=True))


def stage_zh(code: str) -> str:
    """A stage's Chinese name: the forms' word, else data/cert_stages.csv's (never the code itself when known)."""
    return STAGE_ZH.get(code) or _cert_stage_zh().get(code, code)

STATUS_ZH: dict[str | None, str | None] = {**{s: kpi.status_text(s, "zh") for s in kpi.STATUSES}, None: "—"}  # the catalogue's words


# ------------------------------------------------------------------ XLSX


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Every XLSX of this module goes through the shared export helper (it neutralises formula-looking text)."""
    return to_xlsx_bytes(sheets)


def workbook_sheets(con: duckdb.DuckDBPyConnection, year: int, report: dict | None = None) -> dict[str, pd.DataFrame]:
    """The KPI tables of a year, by sheet name."""
    report = report or kpi.kpi_report(con, year)
    table = kpi.kpi_table(report, "zh").rename(columns={"name": "name_zh", "unit": "unit_zh"})
    table.insert(3, "name_en", [kpi.BY_KEY[k].en for k in table["key"]])
    table["status_zh"] = table["status"].map(lambda s: STATUS_ZH.get(s, s) if s else None)
    stages = kpi.stage_table(report)
    stages.insert(1, "stage_zh", stages["stage"].map(STAGE_ZH).fillna(stages["stage"].map(_cert_stage_zh())))
    base = kpi.baseline_year(con)
    first = min(base, year - 1)
    energy = figures.energy_by_year(con, first, year, include_fleet=report.get("energy_includes_fleet", True))
    energy = energy.drop(columns=["floor_area_m2", "people", "co2_t", "energy_kgce_per_m2", "energy_kgce_per_person",
                                  "water_m3_per_person", "co2_kg_per_m2"])  # the intensities have a sheet of their own
    logistics = figures.logistics_by_year(con, first, year)
    fleet = figures.fleet_by_year(con, first, year)
    years = logistics.merge(energy, on="year", how="left").merge(fleet.drop(columns="dispatches"), on="year",
                                                                  how="left")
    targets = figures.target_progress(con, year, include_fleet=report.get("energy_includes_fleet", True))
    level = kpi.kpi_targets(con)
    level = level[(level["year_from"] <= year) & (level["year_to"] >= year)]
    level = level.assign(value=[report.get(k) for k in level["kpi"]],
                         status=[report["targets"].get(k, {}).get("status") for k in level["kpi"]])
    sheets = {
        f"KPI {year}": table,
        "维修分区域 repairs": figures.repairs_by_group(con, year - 1, year),
        "创建进度 certification": stages,
        "能耗目标 targets 2025": targets,
        "其他目标 targets": level,
        "历年 by year": years,
    }
    # headers and coded values in words for the reader (etl/reports/labels.py)
    return {name: labelled(df) for name, df in sheets.items()}


def kpi_workbook(con: duckdb.DuckDBPyConnection, year: int, report: dict | None = None) -> bytes:
    """XLSX workbook of every KPI table of the year."""
    return xlsx_bytes(workbook_sheets(con, year, report))


# ------------------------------------------------------------------ Word draft


def _num(value, digits: int = 0, scale: float = 1.0) -> str | None:
    """A number as the summary writes it (no thousands separators), or None when missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return f"{value / scale:.{digits}f}"


def _pc(value) -> str | None:
    """A percentage with one decimal, '100' rather than '100.0'."""
    text = _num(value, 1)
    return text[:-2] if text and text.endswith(".0") else text


def _amount(value, small: str, big: str, scale: float, digits: int = 2) -> str | None:
    """'66.07万千瓦时' for large amounts, '8200千瓦时' for small ones (no '0.01万')."""
    if value is None or pd.isna(value):
        return None
    if abs(value) >= scale:
        return f"{_num(value, digits, scale)}{big}"
    return f"{_num(value, 0)}{small}"


def _date_zh(iso: str) -> str:
    y, m, d = (int(x) for x in iso[:10].split("-"))
    return f"{y}年{m}月{d}日"


def _updown(change: float | None, digits: int = 1, up: str = "增长", down: str = "下降") -> str | None:
    """'增长3.2%' / '下降3.2%' / '持平'."""
    if change is None or pd.isna(change):
        return None
    if round(abs(change), digits) == 0:
        return "持平"
    return f"{up if change > 0 else down}{_pc(abs(change)) if digits == 1 else f'{abs(change):.{digits}f}'}%"


def _missing(what: str, year: int) -> str:
    return f"（系统中没有{year}年{what}数据，此处数字请补充。）"


def _stages_text(by_stage: dict) -> str:
    parts = [f"{n}家{stage_zh(s)}" for s, n in sorted(
        by_stage.items(), key=lambda kv: -STAGE_ORDER.index(kv[0]) if kv[0] in STAGE_ORDER else 0)]
    return "，".join(parts)


def _logistics_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(二) 后勤保障: repairs, meetings, visitors."""
    prev = r["previous"]
    out: list[tuple[str, str]] = []
    out.append(("h2", "（二）后勤保障工作"))
    if r["repairs_total"] is None:
        out.append(("p", "一是加强基础设施维保工作。坚持做到小修不过夜，大修不隔天。" + _missing("维修工单", year)))
    else:
        s = (f"一是加强基础设施维保工作。坚持做到小修不过夜，大修不隔天。{year}年，办公区和生活区维修{r['repairs_total']}次，"
             f"已办结{r['repairs_closed']}次，办结率{_pc(r['repairs_closed_pct'])}%；其中按“小修不过夜，大修不隔天”"
             f"要求按时办结{r['repairs_within_rule']}次，占{_pc(r['repairs_within_rule_pct'])}%。")
        groups = figures.repairs_by_group(con, year - 1, year)
        cur, before = groups[groups["year"] == year], groups[groups["year"] == year - 1].set_index("building_group")
        if len(cur):
            s += "分区域看，" + "，".join(f"{g.building_group}{g.repairs_total}次" for g in cur.itertuples()) + "。"
            total = cur["cost_yuan"].sum()
            s += f"全年维修费用{_amount(total, '元', '万元', 1e4)}"
            top = cur.sort_values("cost_yuan", ascending=False).iloc[0]
            prev_total = before["cost_yuan"].sum() if len(before) else None
            if prev_total:
                s += f"，较上年{_updown(figures.change_pct(total, prev_total))}"
            s += f"；其中{top['building_group']}{_amount(top['cost_yuan'], '元', '万元', 1e4)}"
            if top["building_group"] in before.index and before.loc[top["building_group"], "cost_yuan"]:
                s += f"，较上年{_updown(figures.change_pct(top['cost_yuan'], before.loc[top['building_group'], 'cost_yuan']))}"
            s += "。"
        out.append(("p", s))
    if r["meetings_served"] is None:
        out.append(("p", "二是认真做好各项会议会务保障工作。" + _missing("会务保障", year)))
    else:
        s = f"二是认真做好各项会议会务保障工作。全年共完成各项大小会务保障工作{r['meetings_served']}场次"
        if prev.get("meetings_served") is not None:
            d = r["meetings_served"] - prev["meetings_served"]
            s += "，与上年持平" if d == 0 else f"，较上年{'增加' if d > 0 else '减少'}{abs(d)}场次"
        out.append(("p", s + "。"))
    if r["visitor_groups"] is None:
        out.append(("p", "三是加强安全保卫工作。" + _missing("来访群众登记", year)))
    else:
        out.append(("p", f"三是加强安全保卫工作。严格门卫登记制度，对上访群众做好有序引导。全年协助政府、信访局共接待来访群众"
                         f"{r['visitor_groups']}批，{r['visitor_people']}人次。"))
    return out


def _reception_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(三) 公务接待."""
    out: list[tuple[str, str]] = []
    out.append(("h2", "（三）公务接待工作"))
    if r["reception_groups"] is None:
        out.append(("p", _missing("公务接待", year)))
    else:
        out.append(("p", f"严格执行公务接待事先审批制度，统筹做好各项公务接待工作。全年共接待来宾{r['reception_groups']}批次"
                         f"{r['reception_people']}人次，其中机关食堂{r['canteen_groups']}批次{r['canteen_people']}人次，"
                         f"占接待批次的{_pc(r['canteen_share_pct'])}%。"))
    return out


def _fleet_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(四) 公务用车: dispatches, safety, fuel and emissions."""
    chg = r["change_pct"]
    pp = r["change_pp"]
    out: list[tuple[str, str]] = []
    out.append(("h2", "（四）公务用车管理工作"))
    if r["dispatches"] is None:
        out.append(("p", "一是有序保障公务用车需求。" + _missing("派车记录", year)))
    else:
        s = f"一是有序保障公务用车需求。{year}年共调度{r['dispatches']}车次"
        if r.get("fleet_distance_km"):
            s += f"，行驶里程{_amount(r['fleet_distance_km'], '公里', '万公里', 1e4)}"
        if r["fleet_accidents"] == 0:
            since = (f"{_date_zh(r['fleet_last_accident_on'])}上一起事故" if r["fleet_days_since_accident_from"]
                     == "last_accident" else "系统有派车记录")
            s += (f"，全年未发生行车安全事故，至{_date_zh(r['fleet_safety_period_end'])}已连续安全行车"
                  f"{r['fleet_days_since_accident']}天"
                  f"（自{since}起计）。")
        else:
            s += f"，全年派车记录中登记行车安全事故{r['fleet_accidents']}起，请补充事故情况及整改措施。"
        out.append(("p", s))
    if r["fleet_co2_t"] is None:
        out.append(("p", "二是注重公务用车节能减排。" + _missing("油卡及充电", year)))
    else:
        s = (f"二是注重公务用车节能减排。全年公务用车加油{_num(r['fleet_fuel_l'], 0)}升，折合标准煤"
             f"{_amount(r['fleet_fuel_kgce'], '千克', '吨', 1e3)}；纯电动车充电{_num(r['fleet_charging_kwh'], 0)}千瓦时。"
             f"公务用车碳排放{_num(r['fleet_co2_t'], 1)}吨二氧化碳")
        if chg.get("fleet_co2_t") is not None:
            s += f"，较上年{_updown(chg['fleet_co2_t'])}"
        if r["fleet_co2_kg_per_dispatch"] is not None:
            s += f"；平均每车次{_num(r['fleet_co2_kg_per_dispatch'], 1)}千克"
            if chg.get("fleet_co2_kg_per_dispatch") is not None:
                s += f"，较上年{_updown(chg['fleet_co2_kg_per_dispatch'])}"
        s += "。"
        if r["fleet_electric_share_pct"] is not None:
            s += (f"优先调度节能环保车型，纯电动汽车出车占全部车次的{_pc(r['fleet_electric_share_pct'])}%，"
                  f"纯电动和混合动力汽车合计占{_pc(r['fleet_ev_hybrid_share_pct'])}%")
            if pp.get("fleet_ev_hybrid_share_pct") is not None:
                d = pp["fleet_ev_hybrid_share_pct"]
                s += f"，较上年{'提高' if d >= 0 else '降低'}{_pc(abs(d))}个百分点"
            s += "。"
        out.append(("p", s))
    return out


def _energy_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(六) 一: energy and water use against the targets."""
    chg = r["change_pct"]
    tg = r["targets"]
    out: list[tuple[str, str]] = []
    out.append(("h2", "（六）公共机构节能工作"))
    base = r["baseline_year"]
    if r["energy_kgce"] is None:
        out.append(("p", "一是能源资源消耗情况。" + _missing("用电、用水计量", year)))
    else:
        coal = factors.factor_for_year(con, "elec_kgce_dangliang", year)
        s = (f"一是能源资源消耗情况。{year}年，全县公共机构综合能耗{_amount(r['energy_kgce'], '千克标准煤', '吨标准煤', 1e3)}"
             f"（外购电力按{coal['value']}千克标准煤/千瓦时折算")
        if r.get("energy_fleet_kgce"):
            s += ("；含" if r.get("energy_includes_fleet", True) else "；不含") + \
                f"公务用车燃油{_amount(r['energy_fleet_kgce'], '千克标准煤', '吨标准煤', 1e3)}"
            if r.get("energy_fleet_share_pct") is not None:
                s += f"，占{_pc(r['energy_fleet_share_pct'])}%"
        s += "）"
        parts = []
        if chg.get("energy_kgce") is not None:
            parts.append(f"较上年{_updown(chg['energy_kgce'])}")
        if r["energy_kgce_change_vs_2020_pct"] is not None and year != base:
            parts.append(f"较{base}年{_updown(r['energy_kgce_change_vs_2020_pct'])}")
        s += ("，" + "，".join(parts) if parts else "") + "。"
        for key, name, unit, digits in (("energy_kgce_per_m2", "单位建筑面积能耗", "千克标准煤/平方米", 2),
                                        ("energy_kgce_per_person", "人均综合能耗", "千克标准煤/人", 2),
                                        ("water_m3_per_person", "人均用水量", "立方米/人", 2)):
            if r.get(key) is None:
                continue
            s += f"{name}{_num(r[key], digits)}{unit}"
            t = tg.get(key)
            change = r.get(f"{key}_change_vs_2020_pct")
            if change is not None and year != base:
                s += f"，较{base}年{_updown(change)}"
            if t and t["kind"] == "path":
                s += (f"（“十四五”目标为{t['target_year']}年较{t['baseline_year']}年下降{abs(t['target_change_pct']):g}%，"
                      f"{STATUS_ZH[t['status']]}）" if t["status"] else "")
            s += "；"
        if r.get("water_m3") is not None:
            s += f"全年用水量{_amount(r['water_m3'], '立方米', '万立方米', 1e4)}"
            if chg.get("water_m3") is not None:
                s += f"，较上年{_updown(chg['water_m3'])}"
        s = s.rstrip("；") + "。"
        out.append(("p", s))
    return out


def _pv_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(六) 二: the rooftop PV project."""
    out: list[tuple[str, str]] = []
    if not r["pv_sites_total"]:
        out.append(("p", "二是推进屋顶分布式光伏发电项目。" + _missing("光伏站点台账", year)))
    else:
        s = (f"二是推进屋顶分布式光伏发电项目。全县屋顶分布式光伏发电项目共{r['pv_sites_total']}家，屋顶安装面积"
             f"{_num(r['pv_roof_m2'], 0)}平方米，安装组件{r['pv_modules']}块，装机容量{_num(r['pv_dc_kwp'], 1)}千瓦。"
             + (f"截至{year}年底，已并网{r['pv_sites_commissioned']}家，屋顶使用面积共"
                f"{_num(r['pv_roof_m2_commissioned'], 0)}平方米" if r["pv_sites_commissioned"]
                else f"截至{year}年底尚无站点并网"))
        if r["pv_sites_under_construction"]:
            s += f"，在建{r['pv_sites_under_construction']}家"
        s += "。"
        if r.get("pv_generation_kwh"):
            s += (f"全年光伏发电{_amount(r['pv_generation_kwh'], '千瓦时', '万千瓦时', 1e4)}，其中就地自用"
                  f"{_amount(r['pv_self_use_kwh'], '千瓦时', '万千瓦时', 1e4)}")
            if r["pv_saving_rate_pct"] is not None:
                s += f"，按自用电量占所在单位用电量计算，综合节能率{_pc(r['pv_saving_rate_pct'])}%"
            s += "。"
        else:
            s += f"系统中没有{year}年光伏发电数据。"
        out.append(("p", s))
    return out


def _certification_paragraphs(con: duckdb.DuckDBPyConnection, year: int, r: dict) -> list[tuple[str, str]]:
    """(六) 三: 节约型机关 and 节水型单位 against their tasks."""
    tg = r["targets"]
    out: list[tuple[str, str]] = []
    s = "三是扎实开展节约型机关、节水型单位创建。"
    for program in kpi.PROGRAMS:
        name = PROGRAM_ZH[program]
        t = tg.get(f"{program}_units_reached")  # the task of data/cert_tasks.csv (etl/metrics/certification.py)
        by_stage = r[f"{program}_units_by_stage"]
        if t:
            s += f"{name}创建任务{t['target']:g}家"
            s += f"，截至{year}年底{_stages_text(by_stage)}" if by_stage else "，系统中尚无创建进度记录"
            s += (f"，达到任务阶段（{stage_zh(t['stage'])}）的{r[f'{program}_units_reached']}家，"
                  f"{'完成任务' if t['status'] == 'met' else '未完成任务'}；")
        elif by_stage:
            s += f"{name}截至{year}年底{_stages_text(by_stage)}；"
        else:
            s += f"系统中没有{name}创建进度记录；"
    out.append(("p", s.rstrip("；") + "。"))
    return out

def summary_paragraphs(con: duckdb.DuckDBPyConnection, year: int, report: dict | None = None) -> list[tuple[str, str]]:
    """The draft as (style, text) pairs: 'title', 'note', 'h1', 'h2', 'p'. Pure text, so tests and the
    docx share it."""
    r = report or kpi.kpi_report(con, year)
    county = site.county_name("zh", figures.is_demo(con))  # data/site.csv or COUNTY_NAME
    out: list[tuple[str, str]] = [("title", f"{county}机关后勤服务中心{year}年工作总结（数据部分初稿）")]
    note = (f"说明：本稿由能源资源分析系统根据数据库记录自动生成，统计期为{year}年1月1日至12月31日，"
            "文中数字均取自系统中的维修工单、会务、接待、来访、派车、油卡、充电、计量账单、光伏和创建进度记录，"
            "文字表述请结合实际修改后使用。")
    out.append(("note", note))
    if figures.is_demo(con):
        out.append(("note", "注意：当前数据库为程序生成的演示数据，并非真实计量数据，本稿仅供试用，不得上报。"))
    if not r.get("complete", True):  # etl/metrics/years.py: the year's meters have not all reported every month
        st_ = r["year_status"]
        upto = (f"截至{st_['last_month']}月" if st_["from_january"] and st_["last_month"]
                else f"有数据的月份：{'、'.join(str(m) for m in st_['months_with_data']) or '无'}")
        out.append(("note", f"注意：{year}年计量数据不完整（{upto}，{st_['reporting_meters']}/{st_['expected_meters']}"
                            "块表有数据），文中不作同比，目标暂不评价；全年数据齐全后请重新生成。"))
    out.append(("h1", f"一、{year}年工作总结"))

    for part in (_logistics_paragraphs, _reception_paragraphs, _fleet_paragraphs, _energy_paragraphs,
                 _pv_paragraphs, _certification_paragraphs):
        out += part(con, year, r)
    out.append(("h1", "附表：主要指标"))
    return out


def _target_zh(target: dict | None) -> str:
    """'≥100，达到' / '2025年较2020年下降5%，符合序时进度' / '—'."""
    if not target:
        return "—"
    if target["kind"] == "level":
        text = f"{'≥' if target['comparison'] == '>=' else '≤'}{target['target']:g}"
    else:
        text = (f"{target['target_year']}年较{target['baseline_year']}年"
                f"{'下降' if target['target_change_pct'] < 0 else '增长'}{abs(target['target_change_pct']):g}%")
    return f"{text}，{STATUS_ZH[target['status']]}" if target.get("status") else text


def _docx_fonts(doc) -> None:
    """Official-document fonts: 仿宋 body, 小标宋 title, 黑体 and 楷体 headings (East Asian font set too)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    def font(style, name: str, size: float, bold: bool = False) -> None:
        style.font.name = name
        style.font.size = Pt(size)
        style.font.bold = bold
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), name)

    font(doc.styles["Normal"], "仿宋_GB2312", 16)
    font(doc.styles["Title"], "方正小标宋简体", 22)
    font(doc.styles["Heading 1"], "黑体", 16)
    font(doc.styles["Heading 2"], "楷体_GB2312", 16, bold=True)
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].font.color.rgb = None


def _docx_paragraphs(doc, paragraphs: list[tuple[str, str]]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for style, text in paragraphs:
        if style == "title":
            p = doc.add_heading(text, level=0)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif style in ("h1", "h2"):
            doc.add_heading(text, level=int(style[1]))
        else:
            p = doc.add_paragraph(text)
            p.paragraph_format.first_line_indent = Pt(32)
            if style == "note":
                for run in p.runs:
                    run.italic = True
                    run.font.size = Pt(12)


def _change_zh(row: dict) -> str:
    if row["change_pct"] is not None and not pd.isna(row["change_pct"]):
        return f"{row['change_pct']:+.1f}%"
    if row["change_pp"] is not None and not pd.isna(row["change_pp"]):
        return f"{row['change_pp']:+.1f}个百分点"
    return "—"


def _docx_kpi_table(doc, report: dict, year: int) -> None:
    from docx.shared import Pt

    table = kpi.kpi_table(report, "zh")
    grid = doc.add_table(rows=1, cols=6)
    grid.style = "Table Grid"
    for cell, head in zip(grid.rows[0].cells, ("指标", "单位", f"{year}年", f"{year - 1}年", "较上年", "目标及完成情况"),
                          strict=True):
        cell.text = head
    for row in table.to_dict("records"):
        k = kpi.BY_KEY[row["key"]]
        target = _target_zh(report["targets"].get(row["key"]))
        cells = grid.add_row().cells
        for cell, text in zip(cells, (row["name"], row["unit"], _num(row["value"], k.digits) or "无数据",
                                      _num(row["previous"], k.digits) or "无数据", _change_zh(row), target), strict=True):
            cell.text = text
    for r in grid.rows:
        for cell in r.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(10.5)


def summary_docx(con: duckdb.DuckDBPyConnection, year: int, report: dict | None = None) -> bytes:
    """Word draft of the year's summary sections (后勤保障, 公务接待, 公务用车, 公共机构节能) and a KPI table."""
    from docx import Document

    report = report or kpi.kpi_report(con, year)
    doc = Document()
    _docx_fonts(doc)
    _docx_paragraphs(doc, summary_paragraphs(con, year, report))
    _docx_kpi_table(doc, report, year)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
