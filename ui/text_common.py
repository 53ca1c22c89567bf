"""Texts of the app frame and the overview page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # app frame
    "app_title": ("公共机构能源资源分析", "Public-institution energy & resources"),
    "county_default": ("XX县", "XX County"),
    "county_centre": ("{county}机关后勤服务中心", "{county} Logistics Service Centre"),
    "language": ("语言 / Language", "语言 / Language"),
    "demo_banner": ("演示数据：当前数据库为程序生成的演示数据，并非真实计量数据。",
                    "Demo data: the database holds generated demo data, not real measurements."),
    "db_building": ("首次启动：正在生成演示数据库……", "First start: building the demo database…"),
    "db_built": ("演示数据库已生成。", "Demo database built."),
    "db_busy": ("数据库正被其他程序（例如正在导入的文件）占用，请稍候刷新页面。",
                "The database is busy (probably a file load still running). Wait a moment and reload the page."),
    "no_data": ("数据库中还没有数据。请先导入文件，或运行 python -m etl demo 生成演示数据。",
                "The database holds no data yet. Load files first, or run python -m etl demo for demo data."),
    # pages
    "page_overview": ("概览", "Overview"),
    # overview
    "overview_title": ("年度概览", "Year overview"),
    "year": ("年份", "Year"),
    "vs_prev": ("较上年", "vs previous year"),
    "no_prev": ("无上年数据", "no data for the previous year"),
    "electricity_use_kwh": ("用电量（含光伏自用）", "Electricity used (incl. PV self-use)"),
    "grid_import_kwh": ("外购电量（电网）", "Grid electricity purchased"),
    "energy_kgce": ("综合能耗", "Total energy use"),
    "water_m3": ("用水量", "Water use"),
    "pv_generation_kwh": ("光伏发电量", "PV generated"),
    "dispatches": ("公务用车调度", "Vehicle dispatches"),
    "repairs_total": ("维修工单", "Repairs"),
    "unit_kwh": ("kWh", "kWh"),
    "unit_kgce": ("kgce", "kgce"),
    "unit_m3": ("m³", "m³"),
    "unit_times": ("车次", "trips"),
    "unit_orders": ("次", "orders"),
    "monthly_chart": ("{year}年逐月用电量（按单位类型）", "Electricity use by month and institution type, {year}"),
    "month": ("月份", "Month"),
    "institution_type": ("单位类型", "Institution type"),
    "trend_table": ("历年对比", "Year by year"),
    "energy_note": ("综合能耗按外购电量折算标准煤，电力折标系数 {value} kgce/kWh（{name}，{source}）；"
                    "光伏自用电量计为节能量，不计入能耗。{fleet}",
                    "Total energy converts purchased grid electricity to coal equivalent at {value} kgce/kWh "
                    "({name}; {source}); PV used on site counts as a saving, not as consumption. {fleet}"),
    "col_year": ("年份", "Year"),
    "type_党政机关": ("党政机关", "Government agency"),
    "type_学校": ("学校", "School"),
    "type_医院": ("医院", "Hospital"),
    "type_其他": ("其他", "Other"),
}
