"""Texts of the leadership KPI page: key -> (Chinese, English).

KPI names and units come from the one KPI definition (etl/metrics/kpi.py SPEC) as keys kpi_<key> and
kpiu_<key>, so the page, the workbook and the Word draft name a KPI the same way.
"""

from etl.metrics.kpi import SPEC

TEXT: dict[str, tuple[str, str]] = {
    "page_kpi": ("领导驾驶舱", "Leadership KPIs"),
    "kpi_title": ("年度关键指标", "Key figures of the year"),
    "kpi_year": ("年份", "Year"),
    "kpi_title_year": ("{year}年度关键指标", "Key figures of {year}"),
    "kpi_head": ("{county}机关后勤服务中心 · {year}年 · 生成于 {date}",
                 "{county} Logistics Service Centre · {year} · produced {date}"),
    "kpi_data_demo": ("演示数据（程序生成，并非真实计量数据）", "Demo data (generated, not real measurements)"),
    "kpi_data_real": ("数据：系统数据库记录", "Data: records in the system's database"),
    "kpi_status_line": ("目标 {n} 项：{good} 项达标或符合序时进度，{risk} 项慢于序时进度，{bad} 项未达标",
                        "{n} targets: {good} met or on track, {risk} behind the path, {bad} not met"),
    "kpi_alerts_line": ("{year}年光伏告警 {n} 条", "{n} PV alerts in {year}"),
    "kpi_head_jieshui": ("节水型单位已命名 {value} / {total}", "Water-saving units certified: {value} / {total}"),
    "kpi_head_no_change": ("无{year}年数据可比", "no {year} figure to compare"),
    "kpi_vs_prev": ("较上年", "vs previous year"),
    "kpi_pp": ("个百分点", "pp"),
    "kpi_area_logistics": ("后勤保障", "Logistics services"),
    "kpi_area_energy": ("能源资源节约", "Energy and resources"),
    "kpi_area_certification": ("节约型机关 · 节水型单位", "Certification"),
    "kpi_area_fleet": ("公务用车", "Official vehicles"),
    "kpi_download_xlsx": ("指标表 Excel", "KPI workbook (Excel)"),
    "kpi_download_docx": ("总结初稿 Word", "Summary draft (Word)"),
    "kpi_print_hint": ("打印：浏览器菜单“打印”即可，侧边栏和按钮不会打印。",
                       "Print: use the browser's Print; the sidebar and buttons are left out."),
    "kpi_no_data": ("无数据", "no data"),
    # target statuses (kpi_status_on_track ...) are words of etl/ingest/messages.py: ui.i18n.status_badge
    "kpi_target_level": ("目标 {comparison} {target}", "target {comparison} {target}"),
    "kpi_target_path": ("{target_year}年目标 {target}%（较{baseline_year}年），本年序时 {path}%",
                        "{target_year} target {target}% vs {baseline_year}; path this year {path}%"),
    "kpi_vs_baseline": ("较{year}年 {change}", "vs {year}: {change}"),
    "kpi_of_total": ("{value} / {total}", "{value} / {total}"),
    "kpi_repairs_chart": ("{year}年维修工单（按区域）", "Repairs by building group, {year}"),
    "kpi_repairs_in_rule": ("按时办结", "Closed within the rule"),
    "kpi_repairs_late": ("超时或未办结", "Late or open"),
    "kpi_building_group": ("区域", "Building group"),
    "kpi_orders": ("工单数", "Work orders"),
    "kpi_cost_wan": ("维修费用（万元）", "Repair cost (10,000 yuan)"),
    "kpi_cert_chart": ("{year}年底创建进度（单位数）", "Certification stage at the end of {year} (units)"),
    "kpi_units": ("单位数", "Units"),
    "kpi_stage": ("阶段", "Stage"),
    "kpi_target": ("任务", "Target"),
    "kpi_program_jieyue": ("节约型机关", "Conservation-oriented agencies"),
    "kpi_program_jieshui": ("节水型单位", "Water-saving units"),
    "kpi_no_cert": ("{year}年底尚无创建进度记录。", "No certification records by the end of {year}."),
    "kpi_accident_since_last": ("自上一起事故（{date}）起计", "since the last accident ({date})"),
    "kpi_accident_since_start": ("无事故记录，自有派车记录起计", "no accident on record; counted from the first dispatch"),
    "kpi_notes": ("口径说明", "Definitions"),
    "kpi_notes_text": (
        "维修按时办结：小修当天办结、大修次日内办结。无事故天数：本年中没有登记事故的派车日历天数。"
        "综合能耗：外购电力折标准煤（当量值），光伏自用电量计为节能量。光伏综合节能率：光伏就地自用电量 ÷ "
        "所在单位用电量（有发电的月份）。创建进度按年底各单位所处的最新阶段统计。目标来源：{sources}。",
        "Within the rule: minor repairs closed the same day, major ones by the end of the next day. Accident-free "
        "days: calendar days of the year with no dispatch marked as an accident. Total energy: purchased "
        "electricity in coal equivalent; PV used on site counts as a saving. PV saving rate: PV used on site ÷ "
        "electricity use of the host sites (months with generation). Certification: each unit's latest stage at "
        "the year end. Target sources: {sources}."),
    "stage_creating": ("创建中", "Creating"),
    "stage_self_assessed": ("自评完成", "Self-assessed"),
    "stage_county_review": ("材料收集审核中", "County review"),
    "stage_city_passed": ("已通过市级审核", "Passed city review"),
    "stage_submitted": ("已报自治区", "Submitted to the region"),
    "stage_certified": ("已命名", "Certified"),
    "stage_rechecked": ("复核通过", "Re-checked"),
}
TEXT.update({f"kpi_{k.key}": (k.zh, k.en) for k in SPEC})
TEXT.update({f"kpiu_{k.key}": (k.unit_zh, k.unit_en) for k in SPEC})
