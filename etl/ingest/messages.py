"""The one catalogue of the loader's words, and the one place that renders them.

Problems, read errors, refusals and command-line lines carry a code and its values, never a sentence:

    msg("required_column_missing", names="meter (户号/表号)").render("zh")  -> "缺少必填列：meter (户号/表号)"
    msg("cannot_read_file", error=msg("file_empty")).render("en")         -> "cannot read the file: the file is empty"

CATALOGUE is code -> (zh, en), the same shape as the page texts in ui/text_*.py (see the README, "One
catalogue of words"). Placeholders are `{name}` and the same names in both languages; the English may
quote a value with `{name!r}` where the Chinese puts it in “”. A value that is itself a Msg (a nested
sentence such as the error in "cannot read the file: {error}") is rendered in the same language; a list
or tuple of values is joined with ", ". tests/test_messages.py checks every code used has both languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any

# code -> (Chinese, English). The English is what the command line prints (tests read it); the Chinese is
# written in the plain style of a county energy officer.
CATALOGUE: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- shared by several checks
    "more_rows_same_problem": ("另有 {n} 行存在同样的问题（{message}）",
        "{n} more rows with the same problem ({message})"),
    "use_one_of": ("请使用以下之一：{choices}",
        "use one of: {choices}"),
    "check_value": ("请检查该值",
        "check the value"),
    "check_both_times": ("请检查这两个时间",
        "check both times"),
    "check_both_columns": ("请检查这两列",
        "check both columns"),
    "check_year": ("请检查年份",
        "check the year"),
    "repeat_ignored": ("重复的行将被忽略",
        "the repeat is ignored"),
    "keep_one_line": ("请只保留其中一行",
        "keep one of the two lines"),
    # ---------------------------------------------------------------- kind, reading the file
    "unknown_kind": ("未知的数据类型",
        "unknown kind"),
    "cannot_read_file": ("无法读取文件：{error}",
        "cannot read the file: {error}"),
    "fix_file_load_again": ("请修改文件后重新导入",
        "fix the file and load it again"),
    "columns_match_several_kinds": ("列名同时符合多种数据类型：{kinds}",
        "the columns match several kinds: {kinds}"),
    "header_matches_no_kind": ("表头与任何一种数据类型都对不上",
        "the header matches no kind of file"),
    "cannot_tell_kind": ("无法判断这是哪类数据（{reason}）",
        "cannot tell what kind of data this is ({reason})"),
    "choose_kind_or_template": ("请选择数据类型（命令行用 --kind 类型），或使用模板的表头",
        "choose the kind (--kind KIND) or use the template's headers"),
    "header_but_no_rows": ("文件只有表头，没有数据行",
        "the file has a header but no data rows"),
    "add_data_rows_below_header": ("请在表头下方填写数据行",
        "add the data rows below the header"),
    "cannot_open_file": ("无法打开文件：{error}",
        "cannot open the file: {error}"),
    "check_path": ("请检查文件路径",
        "check the path"),
    "os_no_such_file": ("文件或文件夹不存在",
        "No such file or directory"),
    "os_permission_denied": ("没有读取权限",
        "Permission denied"),
    "os_is_a_directory": ("这是一个文件夹",
        "Is a directory"),
    # readers.ReadError (shown after "cannot read the file: ")
    "not_valid_utf16": ("文件开头像 UTF-16 编码，但内容不是有效的 UTF-16；请另存为“CSV UTF-8”格式",
        "the file starts like UTF-16 but is not valid UTF-16; save it again as CSV UTF-8"),
    "binary_not_text": ("这不是文本表格（含有二进制数据）；请把数据导出为 CSV 或 XLSX",
        "this is not a text table (it contains binary data); export the data as CSV or XLSX"),
    "neither_utf8_nor_gbk": ("文件既不是 UTF-8 也不是 GBK/GB18030 文本；请用 Excel 打开，另存为“CSV UTF-8”格式",
        "the file is neither UTF-8 nor GBK/GB18030 text; open it in Excel and save as 'CSV UTF-8'"),
    "file_empty": ("文件是空的",
        "the file is empty"),
    "not_valid_utf8": ("文件开头像 UTF-8 编码，但内容不是有效的 UTF-8；请另存为“CSV UTF-8”格式",
        "the file starts like UTF-8 but is not valid UTF-8; save it again as CSV UTF-8"),
    "xlsx_damaged": ("XLSX 文件打不开（已损坏或不是 Excel 文件）；请用 Excel 重新保存",
        "the XLSX file cannot be opened (damaged or not Excel); save it again from Excel"),
    "no_sheet_number": ("工作簿只有 {n} 个工作表，没有第 {number} 个",
        "the workbook has {n} sheets; there is no sheet {number}"),
    "no_sheet_named": ("工作簿中没有名为“{sheet}”的工作表；现有工作表：{names}",
        "the workbook has no sheet named {sheet!r}; sheets are: {names}"),
    # ---------------------------------------------------------------- header
    "column_not_used": ("列“{header}”不是{kind}所需的列，未使用",
        "column {header!r} is not used for {kind}"),
    "fix_column_not_used": ("如不需要此列，无需处理",
        "nothing to do if it is not needed"),
    "columns_same_field": ("列“{first}”和“{second}”含义相同（都是 {field}）",
        "columns {first!r} and {second!r} both mean {field}"),
    "delete_or_rename_one": ("请删除其中一列，或给它改名",
        "delete or rename one of them"),
    "required_column_missing": ("缺少必填列：{names}",
        "required column missing: {names}"),
    "add_required_column": ("请按模板添加该列，列名用括号中的任一名称（见模板）",
        "add the column with one of the names shown (see the template)"),
    "unit_not_known": ("列“{column}”的单位“{unit}”无法识别",
        "unit {unit!r} in column {column!r} is not known"),
    "more_values_than_header": ("此行的值比表头的 {width} 列还多",
        "this line has more values than the header's {width} columns"),
    "fix_unquoted_delimiter": ("请检查是否有没加引号的分隔符（如数字或名称里的逗号）",
        "check for an unquoted delimiter (e.g. a comma inside a number or name)"),
    "value_too_long": ("此行有一个值超过 {n} 个字符",
        "a value on this line is longer than {n} characters"),
    "fix_unclosed_quote": ("此行很可能已损坏（有一个引号没有闭合，把后面的行都包了进去）：请检查此行的引号",
        "the line is probably broken (an unclosed quote takes in the following lines): check the quotes on this line"),
    # ---------------------------------------------------------------- values
    "formula_as_text": ("看起来像表格公式，已按普通文字保存",
        "looks like a spreadsheet formula; stored as plain text"),
    "fix_formula_as_text": ("无需处理：导出时会标记为文字，公式不会被执行",
        "nothing to do: exports mark it as text so it cannot run"),
    "not_number": ("不是数字",
        "not a number"),
    "write_plain_number": ("请填写纯数字，如 1234.5",
        "write a plain number such as 1234.5"),
    "not_whole_number": ("必须是整数",
        "must be a whole number"),
    "write_whole_number": ("请填写整数",
        "write a whole number"),
    "not_date": ("不是日期",
        "not a date"),
    "write_dates": ("日期请写成 2023-01-05 或 2023-01-05 08:00",
        "write dates as 2023-01-05 or 2023-01-05 08:00"),
    "date_in_future": ("日期在未来",
        "date is in the future"),
    "date_before_2000": ("日期早于 2000 年",
        "date is before 2000"),
    "not_month": ("不是月份",
        "not a month"),
    "write_month_2023_01": ("月份请写成 2023-01",
        "write the month as 2023-01"),
    "not_yes_no": ("不是“是/否”",
        "not yes/no"),
    "write_yes_no": ("请填写“是”或“否”",
        "write 是 or 否"),
    "value_missing": ("缺少数值",
        "value missing"),
    "fill_value": ("请填写该值",
        "fill in the value"),
    "value_not_recognised": ("无法识别的值",
        "value not recognised"),
    "value_too_large": ("数值超出此列允许的范围（最大 {limit}）",
        "value too large for this column (at most {limit})"),
    "value_not_storable": ("此值无法存入该列（{type}）",
        "value cannot be stored in this column ({type})"),
    # ---------------------------------------------------------------- meter readings
    "meter_not_in_registry": ("计量表或户号不在台账中",
        "meter or account not in the registry"),
    "add_meter_to_registry": ("请先在计量表台账（kind: meters）中登记该表，或更正表号",
        "add the meter to the meter registry (kind: meters) first, or correct the number"),
    "not_this_meter_kind": ("此表不是{meter_kind}表",
        "this meter is not a {meter_kind} meter"),
    "load_as_kind": ("请按数据类型“{kind}”导入此文件",
        "load this file as kind {kind}"),
    "time_missing": ("缺少时间",
        "time missing"),
    "fill_time_interval": ("请填写该时段的时间",
        "fill in the time of the interval"),
    "fill_time_reading": ("请填写抄表时间",
        "fill in the time of the reading"),
    "negative_power": ("功率为负数",
        "negative power"),
    "fix_negative_power": ("用电计量表的功率不可能小于零：请检查该值",
        "a consumption meter cannot draw less than nothing: check the value"),
    "power_to_energy": ("功率（kW）已按“功率 × 时段长度（{steps}）”换算为电量（kWh），即把每个值当作该时段的平均功率",
        "power (kW) was turned into energy (kWh) as power x interval length ({steps}), taking each value as the average power over its interval"),
    "fix_power_to_energy": ("如果这些值就是时段平均功率，无需处理；否则请导出电量（kWh）数据",
        "nothing to do if the values are interval averages; export energy (kWh) otherwise"),
    "no_month_column": ("没有账期列或抄表日期列，也没有时间列",
        "no billing month (账期) or reading date (抄表日期) column, and no time column"),
    "add_month_column": ("请添加“账期”列，如 2023-01",
        "add a 账期 column such as 2023-01"),
    "billing_month_missing": ("缺少账期",
        "billing month missing"),
    "fill_month": ("请填写月份，如 2023-01",
        "fill in the month, e.g. 2023-01"),
    "usage_differs_registers": ("用量 {stated} 与（本次示数 {curr} − 上次示数 {prev}）× 倍率 {multiplier} = {computed} 不一致：{cause}",
        "usage {stated} differs from (current {curr} − previous {prev} register) × multiplier {multiplier} = {computed}: {cause}"),
    "registers_short": ("用量与（本次示数 − 上次示数）× 倍率不一致",
        "usage differs from (current − previous register) × multiplier"),
    "cause_multiplier_not_applied": ("可能是用量没有乘倍率",
        "the multiplier was probably not applied to the usage"),
    "cause_multiplier_twice": ("可能是倍率乘了两次",
        "the multiplier was probably applied twice"),
    "cause_unit_thousand": ("相差 1000 倍：可能是单位错误（升当成吨、kWh 当成 MWh）",
        "a factor of 1000: probably a unit error (升 as 吨, kWh as MWh)"),
    "cause_register_misread": ("可能是示数抄错、中途换表，或用量属于另一个账期",
        "a register misread, a meter replaced during the period, or the usage of another period?"),
    "check_registers_multiplier": ("请检查示数和倍率",
        "check the registers and the multiplier"),
    "usage_missing": ("缺少用量",
        "usage missing"),
    "fill_usage_both_registers": ("请填写用量，或同时填写上次示数和本次示数",
        "fill in the usage or both registers"),
    "negative_usage": ("用量为负数",
        "negative usage"),
    "fix_negative_usage": ("计量表的用量不可能小于零：请检查该值",
        "a meter cannot use less than nothing: check the value"),
    "register_reading_missing": ("缺少表码示数",
        "register reading missing"),
    "fill_reading": ("请填写示数",
        "fill in the reading"),
    "negative_register": ("表码示数不能为负数",
        "a register cannot be negative"),
    "reading_repeated": ("此读数与前面某行完全相同",
        "this reading repeats an earlier line exactly"),
    "reading_conflict": ("同一块表、同一时间有两个不同的读数",
        "two different readings for the same meter and time"),
    "multiplier_from_registry": ("文件中没有倍率列：已使用计量表台账中的倍率（{used}）",
        "no multiplier (倍率) column: the meter registry's multiplier was used ({used})"),
    "add_multiplier_column": ("如文件中读数的倍率与台账不同，请添加“倍率”列",
        "add a 倍率 column if the file's readings differ"),
    "register_rollover": ("示数变小：按表码满 {top} 归零处理（用量 {usage} × {multiplier} = {total}）",
        "the register fell: taken as a rollover at {top} (usage {usage} x {multiplier} = {total})"),
    "fix_register_rollover": ("如电表读数确实走满归零，请确认接受；否则请更正读数",
        "accept if the meter's display wrapped round to zero; otherwise correct the reading"),
    "meter_replaced": ("示数变小且不是走满归零：按换表处理，新表从 0 起算（用量 {usage} × {multiplier}，标为估算）",
        "the register fell and this is not a rollover: taken as a meter replacement, the new meter counted from 0 (usage {usage} x {multiplier}, marked estimated)"),
    "fix_meter_replaced": ("如确已换表，请确认接受；否则请更正读数",
        "accept if the meter was replaced; otherwise correct the reading"),
    "first_reading_starts_count": ("每块表的第一个读数只作为起点，不计入用量：{lines}",
        "the first reading of each meter only starts the count and is not loaded as usage: {lines}"),
    "fix_first_reading": ("无需处理；如要导入第一个时段的用量，请一并提供该时段之前的读数",
        "nothing to do; include the reading before the period to load its first interval too"),
    "usage_above_usual": ("超过该表平时用量的 {factor} 倍（可能是单位错误、倍率重复或累计读数）",
        "more than {factor} times this meter's usual usage (a unit error, a multiplier applied twice, or a running total?)"),
    "check_value_and_unit": ("请检查数值及单位（kWh / MWh，m3 / L）；确认无误后接受",
        "check the value and its unit (kWh / MWh, m3 / L); accept it if it is right"),
    "more_gaps": ("另有 {n} 处数据缺口",
        "{n} more gaps"),
    "see_lines_above": ("见上面各行",
        "see the lines above"),
    "interval_gap": ("{meter} 的分时数据有缺口：{start} 至 {end} 之间没有数据（约 {n} 个时段）",
        "gap in the interval data of {meter}: nothing from {start} to {end} (about {n} intervals)"),
    "fix_interval_gap": ("如该表当时停用，请确认接受；否则请补上缺少的行",
        "accept if the meter was off; otherwise add the missing rows"),
    # one row's values that cannot all be true (etl/ingest/consistency.py)
    "fuel_amount_differs": ("{litres} 升 × {price} 元/升 = {expected} 元，但金额为 {amount} 元（相差 {share}，加油卡优惠一般不超过 {tolerance}）：可能是升数与金额填反、小数点错位、单价按吨计，或退款/优惠混在金额里",
        "{litres} L × {price} yuan/L = {expected} yuan, but the amount is {amount} yuan ({share} off; a card discount explains at most {tolerance}): litres and amount swapped? a decimal point moved? a price per tonne? a refund or discount inside the amount?"),
    "fuel_amount_short": ("金额与升数 × 单价相差过大",
        "amount far from litres × unit price"),
    "fix_fuel_amount_differs": ("请对照加油小票或油卡流水核对升数、单价和金额；确认无误后接受",
        "check the litres, unit price and amount against the receipt or the card statement; accept it if it is right"),
    "charge_above_battery": ("{plate} 一次充电 {value} {unit}，超过其电池容量 {capacity} {unit} 从空到满所能充入的上限 {limit} {unit}：可能是两次充电合成一单、电量单位为 Wh 而非 kWh、车牌记错，或车辆登记表里的电池容量有误",
        "{plate} drew {value} {unit} in one session, more than its {capacity} {unit} battery can take from empty to full (at most {limit} {unit}): two sessions in one order? Wh rather than kWh? the wrong plate? the battery size in the vehicle registry?"),
    "charge_above_battery_short": ("一次充电量超过电池容量",
        "one charging session larger than the car's battery"),
    "fix_charge_above_battery": ("请对照充电运营商的订单核对充电量和车牌，并核对车辆登记表里的电池容量；确认无误后接受",
        "check the energy and the plate against the operator's order, and the battery size in the vehicle registry; accept it if it is right"),
    # grid bills with one row per time band (etl/ingest/bands.py)
    "band_not_recognised": ("无法识别的时段（应为尖、峰、平、谷或合计/总）",
        "time band not understood (it should be 尖, 峰, 平, 谷 or 合计/总)"),
    "write_band": ("时段请写成 尖峰、峰、平、谷，或整张账单的 合计/总",
        "write the band as 尖峰, 峰, 平 or 谷, or 合计/总 for the whole bill"),
    "band_repeated": ("同一户号、同一账期的“{band}”出现了不止一行（第 {lines} 行）",
        "the same account and period has more than one {band} row (lines {lines})"),
    "band_total_differs": ("合计行为 {want}，但各时段行相加为 {got}（{lines}）：可能漏了一行或多了一行",
        "the total row states {want} but its band rows add up to {got} ({lines}): a row is missing or extra"),
    "fix_band_total": ("请对照原始账单补上缺少的时段行，或更正合计行",
        "add the missing band row from the original bill, or correct the total row"),
    "band_rows_read_as_bills": ("按时段分行的账单：{rows} 行已合并为 {bills} 张账单（各时段电量存为尖/峰/平/谷分项，账单电量取合计行，无合计行时取各时段之和，不重复计算）",
        "bills written one row per time band: {rows} rows read as {bills} bills (each band's energy kept as the 尖/峰/平/谷 split; the bill's energy is the total row's, or the sum of its bands where there is none; never both)"),
    "band_sharp": ("尖峰", "尖峰 (sharp)"),
    "band_peak": ("峰", "峰 (peak)"),
    "band_flat": ("平", "平 (flat)"),
    "band_valley": ("谷", "谷 (valley)"),
    "band_total": ("合计", "合计 (total)"),
    # registered capacity (etl/ingest/capacity.py): 报装容量 (kVA) of an electricity meter, 口径 (DN) of a water meter
    "usage_above_capacity": ("{meter} 此行 {value} {unit} 超过该表登记容量所能计量的上限 {limit} {unit}（{basis}）：可能是单位错误（MWh 当成 kWh、升当成吨）、倍率重复计算，或是累计读数",
        "{meter}: {value} {unit} is above what the meter's registered capacity can pass, {limit} {unit} ({basis}): a unit error (MWh as kWh, 升 as 吨)? a multiplier applied twice? a running total?"),
    "usage_above_capacity_short": ("超过该表登记容量所能计量的上限",
        "above what the meter's registered capacity can pass"),
    "fix_usage_above_capacity": ("请检查数值及单位（kWh / MWh，吨 / 升）、倍率是否乘了两次、是否为累计读数；确认无误后接受（或在计量表台账中更正报装容量/口径）",
        "check the value and its unit (kWh / MWh, 吨 / 升), whether the multiplier was applied twice and whether it is a running total; accept it if it is right (or correct the capacity or caliber in the meter registry)"),
    "capacity_basis_kva": ("报装容量 {kva} kVA × 功率因数 {pf} × {hours} 小时 × 系数 {margin}",
        "registered capacity {kva} kVA × power factor {pf} × {hours} h × margin {margin}"),
    "capacity_basis_dn": ("口径 DN{dn} 过载流量 {q4} m³/h × {hours} 小时 × 系数 {margin}",
        "caliber DN{dn}, overload flow {q4} m³/h × {hours} h × margin {margin}"),
    "capacity_not_positive": ("报装容量必须大于 0",
        "the registered capacity must be above 0"),
    "caliber_not_understood": ("无法识别水表口径",
        "the meter caliber is not understood"),
    "write_caliber_dn": ("口径请写成公称直径（毫米），如 DN25 或 25",
        "write the caliber as the nominal diameter in mm, such as DN25 or 25"),
    "caliber_no_flow": ("data/water_meter_flow.csv 中没有该口径的流量（已有：{dns}），该表的用水量将不按口径检查",
        "data/water_meter_flow.csv has no flow for this caliber (it has {dns}); this meter's usage is not checked against its caliber"),
    "caliber_use_standard": ("请核对口径是否写错；如确为该口径，可接受，或在 data/water_meter_flow.csv 中补上它的常用流量 Q3 及出处",
        "check the caliber; if it is right, accept, or add its permanent flow Q3 with a source to data/water_meter_flow.csv"),
    # ---------------------------------------------------------------- PV, weather, vehicles, logs, registries
    "site_not_in_registry": ("光伏站点不在站点台账中",
        "PV site not in the site registry"),
    "add_site_to_registry": ("请先在光伏站点台账（kind: pv_sites）中登记该站点，或填写站点编号或准确名称",
        "add the site to the PV site registry (kind: pv_sites) or use its id or exact name"),
    "negative_generation": ("发电量为负数",
        "negative generation"),
    "negative_export": ("上网电量为负数",
        "negative export"),
    "export_above_generation": ("上网电量大于发电量",
        "export larger than generation"),
    # PV exports of inverter portals (etl/ingest/pv_portal.py)
    "nothing_to_do": ("无需处理",
        "nothing to do"),
    "pv_total_rows_skipped": ("已跳过合计行（第 {lines} 行）；上面各行之和须与合计一致",
        "total rows skipped (lines {lines}); the rows above are checked against them"),
    "pv_footer_skipped": ("已跳过表尾行（第 {lines} 行）",
        "footer lines skipped (lines {lines})"),
    "pv_total_differs": ("各行相加为 {rows} kWh，但文件的合计行为 {total} kWh",
        "the rows add up to {rows} kWh but the file's total row says {total} kWh"),
    "fix_pv_total_differs": ("有行缺失或被改动：请重新导出报表",
        "a row went missing or was changed: export the report again"),
    "no_site_column": ("没有电站名称列，标题行中也没有写明电站",
        "no site column (电站名称) and no site named in the title lines"),
    "add_site_column": ("请添加“电站名称”列，或在表头上方加一行“电站名称：<名称>”",
        "add a 电站名称 column, or a line 电站名称：<name> above the header"),
    "site_from_title": ("所有行都按标题行中写明的电站“{name}”导入",
        "every row is taken as site {name!r}, named in the title lines"),
    "site_matched_loosely": ("电站“{name}”按 {site} 导入（去掉县名或后缀后名称相同）",
        "site {name!r} taken as {site} (same name without the county or the suffix)"),
    "add_site_alias": ("请在光伏站点台账的“别名”中加上平台上的电站名称，使匹配准确",
        "add the portal's name to the site's aliases (别名) in the PV site registry to make it exact"),
    "add_site_or_alias": ("请先在光伏站点台账（kind: pv_sites）中登记该站点，或把平台上的电站名称加到它的“别名”中",
        "add the site to the PV site registry (kind: pv_sites), or the portal's name to its aliases (别名)"),
    "negative_counter": ("计数值或功率不能为负数",
        "a counter or power value cannot be negative"),
    "pv_value_conflict": ("同一电站、同一设备、同一时间有两个不同的值",
        "two different values for the same site, device and time"),
    "no_energy_column": ("没有电量列：发电量、当日发电量/日发电量、累计发电量/总发电量、功率都没有数值",
        "no energy column: none of 发电量, 当日发电量/日发电量, 累计发电量/总发电量 or 功率 has values"),
    "export_generation_or_counters": ("请导出含发电量（kWh）的报表，或含计数值或功率的设备历史数据",
        "export the report with generation (kWh) or the device history with its counters or power"),
    "power_only_daily": ("按日或按月的数据只有功率，无法得出电量",
        "daily or monthly rows with power only cannot give energy"),
    "export_generation": ("请导出含发电量（kWh）的报表",
        "export the report with generation (kWh)"),
    "day_counter_summed": ("列“{header}”是当日累计值（零点清零）：已按相邻读数之差计算，而不是直接相加（{done} kWh，而不是 {summed} kWh）",
        "column {header!r} runs as a day counter (restarts at midnight): it was differenced, not summed ({done} kWh instead of {summed} kWh)"),
    "lifetime_counter_summed": ("列“{header}”是累计发电量（不清零）：已按相邻读数之差计算，而不是直接相加（{done} kWh，而不是 {summed} kWh）",
        "column {header!r} runs as a lifetime counter: it was differenced, not summed ({done} kWh instead of {summed} kWh)"),
    "fix_counter_summed": ("如该列确为累计值，请确认接受；否则请检查文件",
        "accept if the column is a running total; otherwise check the file"),
    "day_counter_per_interval": ("当日累计值“{header}”已按相邻读数之差换算为每个时段的电量（零点清零）",
        "the day counter {header!r} was differenced into energy per interval (it restarts at midnight)"),
    "lifetime_counter_per_interval": ("累计发电量“{header}”已按相邻读数之差换算为每个时段的电量",
        "the lifetime counter {header!r} was differenced into energy per interval"),
    "lifetime_counter_per_day": ("累计发电量“{header}”已按相邻两日之差换算为每日电量",
        "the lifetime counter {header!r} was differenced into energy per day"),
    "lifetime_counter_per_month": ("累计发电量“{header}”已按相邻两月之差换算为每月电量",
        "the lifetime counter {header!r} was differenced into energy per month"),
    "daily_value_as_energy": ("“{header}”每天的值已作为当天的发电量",
        "each day's value of {header!r} was taken as that day's energy"),
    "day_counter_fell": ("当日累计值在白天变小（逆变器重启？）：已从 0 重新计算",
        "the day counter fell during the day (inverter restarted?): counted from 0 again"),
    "lifetime_counter_fell": ("累计发电量变小（逆变器更换或清零？）：已从 0 重新计算",
        "the lifetime counter fell (inverter replaced or reset?): counted from 0 again"),
    "fix_counter_fell": ("如逆变器确实重启或更换，请确认接受；否则请更正读数",
        "accept if the inverter was restarted or replaced; otherwise correct the reading"),
    "first_device_reading_starts_count": ("每台设备的第一个读数只作为起点：{lines}",
        "the first reading of each device only starts the count: {lines}"),
    "no_kwp": ("光伏站点台账中 {sites} 没有装机容量：未能做物理上限检查",
        "no kWp in the PV site registry for {sites}: the physical bounds were not checked"),
    "fill_kwp": ("请在光伏站点台账中填写该站点的装机容量",
        "fill in the site's kWp (装机容量) in the PV site registry"),
    "above_physical_bound": ("超出物理上限",
        "above the physical bound"),
    "above_bound_interval": ("{site} 在 {minutes} 分钟内发电 {value} kWh，超过该站能发出的上限：{bound} = {limit} kWh（可能原因：{reason}）",
        "{value} kWh in {minutes} min at {site} is more than the site can give: {bound} = {limit} kWh (likely cause: {reason})"),
    "above_bound_day": ("{site} 在 {day} 发电 {value} kWh，超过该站一天能发出的上限：{kwp} kWp × {bound} kWh/kWp = {limit} kWh（可能原因：{reason}）",
        "{value} kWh on {day} at {site} is more than the site can give in a day: {kwp} kWp x {bound} kWh/kWp = {limit} kWh (likely cause: {reason})"),
    "fix_above_bound": ("请更正文件中的单位或所用的列，或光伏站点台账中该站的装机容量",
        "correct the unit or the column in the file, or the site's kWp in the PV site registry"),
    "cause_kwh_under_mwh": ("表头写 MWh，数值却是 kWh",
        "kWh values under a MWh header"),
    "cause_wh_or_mwh": ("把 Wh 当成了 kWh，或把 MWh 当成了 kWh",
        "Wh read as kWh, or MWh as kWh"),
    "cause_running_total": ("把累计值（当日或累计发电量）当成了每个时段的电量相加",
        "a running total (day or lifetime counter) summed as if each row were an interval"),
    "cause_power_as_energy": ("把功率（kW）当成了电量（kWh）",
        "power (kW) read as energy (kWh)"),
    "cause_running_total_or_kwp": ("累计值（当日或累计发电量）被当成电量，或台账中该站的装机容量填小了",
        "a running total (day or lifetime counter), or the site's kWp in the registry is too small"),
    "irradiance_out_of_range": ("辐照度超出 0–1500 W/m2",
        "irradiance outside 0-1500 W/m2"),
    "check_irradiance_unit": ("请检查单位（应为 W/m2，不是 kWh/m2 或 MJ/m2）",
        "check the unit (W/m2, not kWh/m2 or MJ/m2)"),
    "no_fuel_column": ("没有加油数量列（数量/加油量）",
        "no fuel quantity column (数量/加油量)"),
    "add_litres_column": ("请添加加油升数列",
        "add the litres column"),
    "litres_missing_fuel_row": ("加油记录缺少升数",
        "litres missing on a fuel row"),
    "fill_litres": ("请填写升数",
        "fill in the litres"),
    "litres_must_positive": ("升数必须大于零",
        "litres must be positive"),
    "fix_refund_fill": ("退款不是加油：请删去该行",
        "a refund is not a fill: leave it out"),
    "card_belongs_no_vehicle": ("油卡不属于任何一辆车",
        "card belongs to no vehicle"),
    "vehicle_not_in_registry": ("车辆不在公务车辆台账中",
        "vehicle not in the vehicle registry"),
    "load_vehicle_registry": ("请先导入含该车牌的公务车辆台账（类型：vehicles），或更正车牌号",
        "load the vehicle registry (kind: vehicles) with this plate first, or correct the plate"),
    "negative_odometer_reading": ("里程表读数为负数",
        "negative odometer reading"),
    "odometer_back_below_out": ("回车里程小于出车里程",
        "odometer back (回车里程) is lower than odometer out (出车里程)"),
    "negative_amount": ("金额为负数",
        "negative amount"),
    "fix_refund_cost": ("退款不是费用，请删去该行",
        "a refund is not a cost: leave it out"),
    "check_both_dates": ("请检查这两个日期",
        "check both dates"),
    "add_card_to_registry": ("请在公务车辆台账中登记该卡号，或填写车牌号",
        "add the card number to the vehicle registry or give the plate"),
    "negative_energy": ("电量为负数",
        "negative energy"),
    "ends_before_starts": ("结束时间早于开始时间",
        "ends before it starts"),
    "returns_before_departs": ("返回时间早于出车时间",
        "returns before it departs"),
    "negative_distance": ("里程为负数",
        "negative distance"),
    "closed_before_reported": ("完成时间早于报修时间",
        "closed before it was reported"),
    "people_at_least_one": ("人数至少为 1",
        "number of people must be at least 1"),
    "area_not_positive": ("建筑面积必须大于零",
        "floor area must be positive"),
    "negative_people": ("人数不能为负数",
        "people counted cannot be negative"),
    "institution_not_in_registry": ("单位不在单位名录中",
        "institution not in the registry"),
    "load_institution_registry_kind": ("请先导入单位名录（kind: institutions），或更正单位编码",
        "load the institution registry (kind: institutions) first, or correct the code"),
    "load_institution_registry_or_code": ("请先导入单位名录，或更正单位编码",
        "load the institution registry first, or correct the code"),
    "latitude_out_of_range": ("纬度超出 -90 至 90",
        "latitude outside -90..90"),
    "longitude_out_of_range": ("经度超出 -180 至 180",
        "longitude outside -180..180"),
    "host_not_in_registry": ("所在单位不在单位名录中",
        "host institution not in the registry"),
    "load_institution_registry": ("请先导入单位名录",
        "load the institution registry first"),
    "row_repeated": ("此行与前面某行完全相同",
        "this row repeats an earlier row exactly"),
    "key_conflict": ("与前面某行的 {key} 相同，但数值不同",
        "same {key} as an earlier line with different values"),
    # ---------------------------------------------------------------- table shapes (etl/ingest/shapes.py)
    "sheet_chosen": ("读取的是工作表“{sheet}”：第一个工作表“{first}”中没有数据表",
        "read the sheet {sheet!r}: the first sheet ({first!r}) holds no table"),
    "header_two_rows": ("表头分两行（第 {first} 和第 {second} 行，如合并的分组单元格或单独的单位行），已合为一行",
        "the header spans two rows ({first} and {second}: merged group cells or a row of units); read as one"),
    "date_time_joined": ("日期和时间分在两列（“{date}”和“{time}”），已合并为一个时间",
        "date and time of day are in two columns ({date!r} and {time!r}); joined into one time"),
    "field_from_title": ("表格中没有“{key}”列：按标题第 {line} 行的“{key}：{value}”用于每一行",
        "no {key!r} column: {value!r} from the title (line {line}) is taken for every row"),
    "day_curve_melted": ("每行一天、{n} 个时间列（{span}）的曲线，已拆成每个时间一行；数值按{what}读取",
        "a curve with a day per row and {n} time columns ({span}) read as a row per time; values taken as {what}"),
    "day_curve_energy": ("每个时段的电量（kWh）", "energy per interval (kWh)"),
    "day_curve_power": ("平均功率（kW，乘以时段长度得电量）", "average power (kW, times the interval gives kWh)"),
    "day_curve_unit_unknown": ("每行一天、{n} 个时间列（{span}）的曲线，但文件没有说明数值是电量（kWh）还是负荷（kW）",
        "a curve with a day per row and {n} time columns ({span}), but the file does not say whether the values "
        "are energy (kWh) or load (kW)"),
    "fix_day_curve_unit_unknown": ("在标题行或表头中注明“电量(kWh)”或“负荷(kW)”（两者相差 4 倍，不作猜测）后重新导入",
        "write 电量(kWh) or 负荷(kW) in the title line or a header (they differ 4x on 15-minute data: no guess is made) "
        "and load it again"),
    "day_curve_no_date": ("每行一天、{n} 个时间列（{span}）的曲线，但找不到日期列",
        "a curve with a day per row and {n} time columns ({span}), but no column gives the day"),
    "fix_day_curve_no_date": ("添加“数据日期”列（如 2024-03-01）后重新导入",
        "add a 数据日期 column (e.g. 2024-03-01) and load it again"),
    "excel_text_unwrapped": ("按 =\"…\" 写出的文字（防止 Excel 去掉开头的 0）已取出引号内的内容",
        "values written as =\"…\" (to keep Excel from dropping leading zeros) read as the text inside"),
    # ---------------------------------------------------------------- exports as they come (etl/ingest/formats.py)
    "total_rows_skipped": ("已跳过 {n} 个合计/小计行，第 {shown} 行",
        "{n} total rows (合计/小计) skipped, lines {shown}"),
    "fix_total_rows_skipped": ("无需处理：合计行不导入，只用来核对各行之和",
        "nothing to do: totals are not loaded, they are checked against the rows"),
    "footer_lines_skipped": ("表格下方的 {n} 行说明（制表人/打印时间/备注）已跳过，第 {shown} 行",
        "{n} lines under the table skipped as notes (制表人/打印时间/备注), lines {shown}"),
    "total_differs": ("“{label}”行写的是 {want}，但它所合计的 {n} 行加起来是 {got}（相差 {diff}）",
        "the {label} row states {want} but the {n} rows it covers add up to {got} (difference {diff})"),
    "fix_total_differs": ("有行缺失、重复或被改动：请与原始导出文件核对",
        "a row is missing, repeated or changed: compare the file with the original export"),
    "id_scientific_repaired": ("该号码被 Excel 写成了科学计数法：按台账中唯一相符的号码 {target} 处理（第 {shown} 行）",
        "written by Excel in scientific notation: taken as {target}, the only number in the registry that reads so (rows {shown})"),
    "id_leading_zeros_repaired": ("该号码开头的 0 被 Excel 去掉了：按台账中的 {target} 处理（第 {shown} 行）",
        "the leading zeros were lost (Excel): taken as {target} of the registry (rows {shown})"),
    "id_15_digits_repaired": ("Excel 把第 15 位以后的数字改成了 0：按台账中唯一相符的号码 {target} 处理（第 {shown} 行）",
        "Excel set the digits after the 15th to 0: taken as {target}, the only number in the registry that fits (rows {shown})"),
    "id_trailing_zero_repaired": ("该号码被 Excel 加上了“.0”：按 {target} 处理（第 {shown} 行）",
        "written by Excel with a trailing .0: taken as {target} (rows {shown})"),
    "fix_id_repaired": ("如对应的户号正确，无需处理；否则请更正号码",
        "nothing to do if this is the right account; otherwise correct the number"),
    "id_not_in_registry_many": ("{thing}不在台账中：{reason}，台账中有 {n} 个号码都可能对得上",
        "{thing} not in the registry: {reason}, and {n} numbers of the registry fit"),
    "id_not_in_registry_none": ("{thing}不在台账中：{reason}，台账中没有对得上的号码",
        "{thing} not in the registry: {reason}, and no number of the registry fits"),
    "reason_scientific": ("Excel 把号码写成了科学计数法，后几位数字已丢失",
        "Excel wrote the number in scientific notation and its last digits are lost"),
    "reason_leading_zeros": ("Excel 去掉了号码开头的 0",
        "Excel removed the leading zeros"),
    "reason_15_digits": ("Excel 把第 15 位以后的数字改成了 0",
        "Excel set the digits after the 15th to 0"),
    "reason_trailing_zero": ("Excel 在号码后面加上了“.0”",
        "Excel added a trailing .0"),
    "fix_id_as_text": ("请在 Excel 中把该列设为“文本”格式（或使用未经 Excel 打开的原始导出文件）后重新导入",
        "format the column as text in Excel (or use the export before it was opened in Excel) and load it again"),
    "settled_from_read_plus_losses": ("文件没有结算电量列：结算电量按“抄见电量 + 损耗（变损/线损）”计算",
        "no 结算电量 column: the settled energy was taken as 抄见电量 + losses (变损/线损)"),
    "fix_settled_from_read": ("如账单没有其他调整，无需处理；否则请添加结算电量列",
        "nothing to do if the bill has no other adjustment; otherwise add the 结算电量 column"),
    "settled_energy_stored": ("结算电量作为该表的用电量保存；抄见电量、损耗电量和分时（尖/峰/平/谷）电量分列保存",
        "the settled energy (结算电量) is stored as the meter's energy; the read energy (抄见电量), losses and time-of-use splits are kept in their own columns"),
    "tou_splits_differ": ("分时电量（尖/峰/平/谷）之和与该行的电量不符",
        "the time-of-use splits (尖/峰/平/谷) do not add up to the energy of the line"),
    "fix_tou_splits": ("请检查分时电量和总电量；如账单只对部分电量分时，请确认接受",
        "check the splits and the total; accept if the bill splits only part of the energy"),
    "amount_from_parts": ("文件没有订单金额列：金额按“电费 + 服务费”计算",
        "no order total column: the amount was taken as 电费 + 服务费"),
    "amount_parts_differ": ("电费 + 服务费与订单金额不符",
        "电费 + 服务费 differs from the order amount"),
    "fix_amount_parts": ("请检查这三个金额；如运营商另收其他费用，请确认接受",
        "check the three amounts; accept if the operator adds other items"),
    "cylinder_size_no_kg": ("钢瓶规格中没有以 kg 标明的重量",
        "the cylinder size states no weight in kg"),
    "fix_cylinder_size": ("请写明每瓶重量，如 15kg 或 50kg",
        "write the size with its weight, e.g. 15kg or 50kg"),
    "lpg_from_cylinders": ("文件没有重量列：液化气用量按“瓶数 × 每瓶重量”计算",
        "no weight column: the LPG was taken as cylinders × the size of each cylinder"),
    "fix_lpg_from_cylinders": ("如钢瓶均为满瓶，无需处理",
        "nothing to do if the cylinders were full"),
    "lpg_weight_differs": ("重量与“瓶数 × 每瓶重量”不符",
        "the weight differs from cylinders × the size of each cylinder"),
    "fix_lpg_weight": ("请检查重量、瓶数和钢瓶规格",
        "check the weight, the number of cylinders and their size"),
    "lpg_quantity_missing": ("此行没有液化气用量",
        "no LPG quantity on this line"),
    "fix_lpg_quantity": ("请填写重量（kg），或填写瓶数和钢瓶规格（如 15kg）",
        "give the weight in kg, or the number of cylinders and their size (e.g. 15kg)"),
    "lpg_not_positive": ("液化气用量必须大于零",
        "the LPG quantity must be positive"),
    # ---------------------------------------------------------------- commit and undo refusals
    "refuse_has_errors": ("{file}：文件有错误，不能写入",
        "{file}: the file has errors and cannot be written"),
    "refuse_warnings_not_accepted": ("{file}：须先确认 {n} 条警告才能导入",
        "{file}: {n} warnings must be accepted before loading"),
    "refuse_no_user": ("每次写入都要记录操作人：缺少用户名",
        "every write records who did it: the user is missing"),
    "undo_no_batch": ("没有批次 {batch}",
        "there is no batch {batch}"),
    "undo_already_undone": ("批次 {batch} 已经撤销过了",
        "batch {batch} is already undone"),
    "undo_replaced_later": ("批次 {batch} 的部分数据已被批次 {later} 替换；请先撤销批次 {later}",
        "batch {batch} was partly replaced by batch {later}; undo batch {later} first"),
    "database_busy": ("数据库 {path} 正被其他程序使用（可能有导入仍在进行）。请等它结束后再试。",
        "The database {path} is in use by another program (probably a load that is still running). Wait until it finishes and try again."),
    # ---------------------------------------------------------------- settings edits refused (etl.store.reference)
    "edit_no_table": ("没有名为 {table} 的参考数据表",
        "there is no reference table {table}"),
    "edit_key_missing": ("要修改的行没有指明：缺少 {missing}",
        "the row to change is not named: {missing} is missing"),
    "edit_not_editable": ("此列不能在这里修改（可修改：{editable}）",
        "this column cannot be edited here (editable: {editable})"),
    "edit_not_number": ("必须填写数字，而不是“{value}”",
        "the value must be a number, not “{value}”"),
    "edit_not_whole_year": ("年份必须是整数，而不是“{value}”",
        "the year must be a whole year, not “{value}”"),
    "edit_source_required": ("必须填写出处（标准、文号或发布机关）",
        "a source is required (standard, document number or issuing body)"),
    "edit_years_order": ("起始年份不能晚于截止年份",
        "the first valid year must not be after the last"),
    "edit_years_overlap": ("{name}：{a0}–{a1} 年与 {b0}–{b1} 年重叠；同一年只能有一个值",
        "{name}: the years {a0}-{a1} and {b0}-{b1} overlap; a year must have one value"),
    "edit_no_row": ("找不到要修改的行（可能刚被他人修改）；请刷新页面后重试",
        "no row to change was found (someone may have just changed it); reload the page and try again"),
    "edit_nothing_to_change": ("新值与现值相同，没有需要修改的内容",
        "the new value is the value already there: nothing to change"),
    "edit_no_edit": ("没有编号为 {edit_id} 的修改记录",
        "there is no edit {edit_id}"),
    "edit_undone_already": ("修改 {edit_id} 已经撤销过了",
        "edit {edit_id} was undone already"),
    "edit_undo_later_first": ("修改 {later} 之后又改过同一行；请先撤销修改 {later}",
        "edit {later} changed the same row later; undo it first"),
    # ---------------------------------------------------------------- command line (python -m etl load --lang zh)
    "severity_error": ("错误",
        "error"),
    "severity_warning": ("警告",
        "warning"),
    "severity_info": ("说明",
        "info"),
    "cli_needs_accept": ("未导入：{path} 有警告；请检查后加上 --accept-warnings 重新运行以导入",
        "not loaded: {path} has warnings; check them and run again with --accept-warnings to load it"),
    "cli_loaded": ("已导入：{path}（{kind}，批次 {batch}，{rows} 行）",
        "loaded: {path} ({kind}, batch {batch}, {rows} rows)"),
    "cli_already_loaded": ("此前已导入：{path}（{kind}，批次 {batch}）",
        "already_loaded: {path} ({kind}, batch {batch})"),
    "cli_unchanged": ("无变化：{path}（{kind}，数据已在批次 {batch} 中）",
        "unchanged: {path} ({kind}, batch {batch})"),
    "identical_rows_all": ("{n} 行与已有数据完全相同，没有任何变化",
        "{n} identical rows, nothing changes"),
    "identical_rows_some": ("{n} 行与已有数据完全相同，保持不变；{rest} 行是新增或有改动的",
        "{n} identical rows are left as they are; {rest} rows are new or changed"),
    "cli_no_files": ("没有找到文件",
        "no files found"),

    # ---------------------------------------------------------------- target statuses: one wording for the KPI page,
    # the energy page, the KPI workbook and the Word draft (etl.metrics.kpi.STATUSES, kpi.status_text)
    "kpi_status_on_track": ("符合序时进度", "on track"),
    "kpi_status_at_risk": ("慢于序时进度", "behind the path"),
    "kpi_status_off_track": ("未下降", "no reduction"),
    "kpi_status_met": ("达标", "met"),
    "kpi_status_not_met": ("未达标", "not met"),
    # a figure without a target: its change against the reference (etl.metrics.headline.direction)
    "kpi_status_better": ("向好", "improving"),
    "kpi_status_worse": ("变差", "worse"),
    "kpi_status_unchanged": ("持平", "unchanged"),
    # ---------------------------------------------------------------- values that are words themselves
    "meter_kind_electricity": ("电", "electricity"),
    "meter_kind_water": ("水", "water"),
    "meter_kind_gas": ("燃气", "gas"),
    "thing_meter": ("计量表或户号", "meter"),
    "thing_card": ("油卡号", "card"),
    "at_line": ("{name}（第 {line} 行）", "{name} (line {line})"),
    "minutes": ("{n} 分钟", "{n} min"),
    "os_error": ("{error}", "{error}"),
    "limit_expands": (
        "{what}展开后有 {rows} 行 × {cols} 列（{cells} 个单元格）；上限是 {max_rows} 行、{max_columns} 列、{max_cells} 个单元格。"
        "请删除空行和空列（在 Excel 中选中后删除并保存），或按月拆分文件后重新上传",
        "{what} expands to {rows} rows × {cols} columns ({cells} cells); the limit is {max_rows} rows, "
        "{max_columns} columns and {max_cells} cells. Delete the empty rows and columns (select them in Excel, "
        "Delete, save), or split the file by month, and upload it again"),
    "limit_unzipped": (
        "工作簿解压后有 {mb} MB；上限是 {limit} MB。请只保存含数据的工作表（不含图片和空的格式区域）后重新上传",
        "the workbook unzips to {mb} MB; the limit is {limit} MB. Save only the sheet with the data "
        "(without images or empty formatted areas) and upload it again"),
    "what_the_file": ("文件", "the file"),
    "what_sheet": ("工作表 {name} ", "the sheet {name}"),
}

# codes whose value stands for a word of its own: meter kinds, the things an identifier names
_KIND_PARAMS = ("kind",)


def _kind_label(code: str, lang: str) -> str:
    """A kind's name in the language (its label in etl/ingest/kinds.py), the code beside it in Chinese."""
    if lang != "zh":
        return code
    from etl.ingest.kinds import KINDS

    spec = KINDS.get(code)
    return f"{spec.label_zh}（{code}）" if spec else code


def placeholders(template: str) -> set[str]:
    """The placeholder names of a template (`{name}`, `{name!r}` and `{name:,}` all give "name")."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


class UnknownCode(KeyError):
    """A code missing from CATALOGUE, or values that do not fit its placeholders (a programming error)."""


@dataclass(frozen=True)
class Msg:
    """A sentence of the catalogue: its code and the values of its placeholders."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise UnknownCode(f"no code {self.code!r} in the catalogue (etl/ingest/messages.py)")
        want, got = placeholders(CATALOGUE[self.code][1]), set(self.params)
        if want != got:
            raise UnknownCode(f"code {self.code!r} takes {sorted(want)}, given {sorted(got)}")

    def render(self, lang: str = "en") -> str:
        zh, en = CATALOGUE[self.code]
        if not self.params:
            return zh if lang == "zh" else en
        values = {k: _value(k, v, lang) for k, v in self.params.items()}
        return (zh if lang == "zh" else en).format_map(values)

    def __str__(self) -> str:
        return self.render("en")


def _value(name: str, value: object, lang: str) -> object:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_value(name, v, lang)) for v in value)
    if name in _KIND_PARAMS and isinstance(value, str):
        return _kind_label(value, lang)
    return value


def msg(code: str, **params: object) -> Msg:
    """The sentence `code` with its values; an unknown code or a missing value raises UnknownCode."""
    return Msg(code, params)


def as_msg(value: Msg | str) -> Msg:
    """A Msg as it is, or a code without values (never free text: an unknown code raises UnknownCode)."""
    return value if isinstance(value, Msg) else Msg(value)


def render(value: Msg | str, lang: str = "en") -> str:
    """`value` (a Msg or a code) in the language: "zh" or "en"."""
    return as_msg(value).render(lang)


def at_lines(pairs: Iterable[tuple[object, Any]], limit: int = 300) -> list[Msg]:
    """"name (line n)" items for a list in a sentence, as many as fit in `limit` characters of English."""
    out: list[Msg] = []
    size = 0
    for name, line in pairs:
        item = msg("at_line", name=name, line=int(line))
        size += len(item.render("en")) + 2
        if out and size > limit:
            break
        out.append(item)
    return out


def text_of(value: object, lang: str = "en") -> str:
    """A Msg, or an exception carrying one (ReadError, the loader's refusals, DatabaseBusy), in the language.

    Anything else (an exception no one foresaw) gives its own text: shown rather than hidden.
    """
    found = value if isinstance(value, Msg) else getattr(value, "msg", None)
    return found.render(lang) if isinstance(found, Msg) else str(value)


__all__ = ["CATALOGUE", "Msg", "UnknownCode", "msg", "as_msg", "at_lines", "render", "text_of", "placeholders"]
