"""Chinese for the loader's sentences: problems (message and fix), read errors, commit and undo refusals.

The loader writes its sentences in English (the command line and the tests read them). This catalogue
maps each English template to its Chinese template; `to_zh(text)` finds the template a sentence was
made from and fills the same values into the Chinese one:

    to_zh("date is in the future")                     -> "日期在未来"
    to_zh("required column missing: meter (户号/表号)")  -> "缺少必填列：meter (户号/表号)"

Placeholders are written `{name}`; `{name!r}` matches a value the loader wrote with `!r` (in quotes) and
gives it without them. A value whose placeholder is in NESTED is itself a sentence and is translated too
("cannot read the file: {error}"). A sentence matching no template comes back unchanged, so a new
message shows in English until it is added here (tests/test_messages.py checks they all are).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from string import Formatter

# English template -> (Chinese template, what it is: "message" / "fix" / "other"). Placeholders must be
# the same names in both. Written in the plain style of a county energy officer.
MESSAGES: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- shared by several checks
    "{n} more rows with the same problem ({message})": ("另有 {n} 行存在同样的问题（{message}）", "message"),
    "use one of: {choices}": ("请使用以下之一：{choices}", "fix"),
    "check the value": ("请检查该值", "fix"),
    "check both times": ("请检查这两个时间", "fix"),
    "check both columns": ("请检查这两列", "fix"),
    "check the year": ("请检查年份", "fix"),
    "the repeat is ignored": ("重复的行将被忽略", "fix"),
    "keep one of the two lines": ("请只保留其中一行", "fix"),
    # ---------------------------------------------------------------- kind, reading the file
    "unknown kind": ("未知的数据类型", "message"),
    "cannot read the file: {error}": ("无法读取文件：{error}", "message"),
    "fix the file and load it again": ("请修改文件后重新导入", "fix"),
    "the columns match several kinds: {kinds}": ("列名同时符合多种数据类型：{kinds}", "message"),
    "the header matches no kind of file": ("表头与任何一种数据类型都对不上", "message"),
    "cannot tell what kind of data this is ({reason})": ("无法判断这是哪类数据（{reason}）", "message"),
    "choose the kind (--kind KIND) or use the template's headers":
        ("请选择数据类型（命令行用 --kind 类型），或使用模板的表头", "fix"),
    "the file has a header but no data rows": ("文件只有表头，没有数据行", "message"),
    "add the data rows below the header": ("请在表头下方填写数据行", "fix"),
    "cannot open the file: {error}": ("无法打开文件：{error}", "message"),
    "check the path": ("请检查文件路径", "fix"),
    "No such file or directory": ("文件或文件夹不存在", "other"),
    "Permission denied": ("没有读取权限", "other"),
    "Is a directory": ("这是一个文件夹", "other"),
    # readers.ReadError (shown after "cannot read the file: ")
    "the file starts like UTF-16 but is not valid UTF-16; save it again as CSV UTF-8":
        ("文件开头像 UTF-16 编码，但内容不是有效的 UTF-16；请另存为“CSV UTF-8”格式", "other"),
    "this is not a text table (it contains binary data); export the data as CSV or XLSX":
        ("这不是文本表格（含有二进制数据）；请把数据导出为 CSV 或 XLSX", "other"),
    "the file is neither UTF-8 nor GBK/GB18030 text; open it in Excel and save as 'CSV UTF-8'":
        ("文件既不是 UTF-8 也不是 GBK/GB18030 文本；请用 Excel 打开，另存为“CSV UTF-8”格式", "other"),
    "the file is empty": ("文件是空的", "other"),
    "the file starts like UTF-8 but is not valid UTF-8; save it again as CSV UTF-8":
        ("文件开头像 UTF-8 编码，但内容不是有效的 UTF-8；请另存为“CSV UTF-8”格式", "other"),
    "the XLSX file cannot be opened (damaged or not Excel); save it again from Excel":
        ("XLSX 文件打不开（已损坏或不是 Excel 文件）；请用 Excel 重新保存", "other"),
    "the workbook has {n} sheets; there is no sheet {number}": ("工作簿只有 {n} 个工作表，没有第 {number} 个", "other"),
    "the workbook has no sheet named {sheet!r}; sheets are: {names}":
        ("工作簿中没有名为“{sheet}”的工作表；现有工作表：{names}", "other"),
    # ---------------------------------------------------------------- header
    "column {header!r} is not used for {kind}": ("列“{header}”不是{kind}所需的列，未使用", "message"),
    "nothing to do if it is not needed": ("如不需要此列，无需处理", "fix"),
    "columns {first!r} and {second!r} both mean {field}": ("列“{first}”和“{second}”含义相同（都是 {field}）", "message"),
    "delete or rename one of them": ("请删除其中一列，或给它改名", "fix"),
    "required column missing: {names}": ("缺少必填列：{names}", "message"),
    "add the column with one of the names shown (see the template)":
        ("请按模板添加该列，列名用括号中的任一名称（见模板）", "fix"),
    "unit {unit!r} in column {column!r} is not known": ("列“{column}”的单位“{unit}”无法识别", "message"),
    "this line has more values than the header's {width} columns": ("此行的值比表头的 {width} 列还多", "message"),
    "check for an unquoted delimiter (e.g. a comma inside a number or name)":
        ("请检查是否有没加引号的分隔符（如数字或名称里的逗号）", "fix"),
    "a value on this line is longer than {n} characters": ("此行有一个值超过 {n} 个字符", "message"),
    "the line is probably broken (an unclosed quote takes in the following lines): check the quotes on this line":
        ("此行很可能已损坏（有一个引号没有闭合，把后面的行都包了进去）：请检查此行的引号", "fix"),
    # ---------------------------------------------------------------- values
    "looks like a spreadsheet formula; stored as plain text": ("看起来像表格公式，已按普通文字保存", "message"),
    "nothing to do: exports mark it as text so it cannot run": ("无需处理：导出时会标记为文字，公式不会被执行", "fix"),
    "not a number": ("不是数字", "message"),
    "write a plain number such as 1234.5": ("请填写纯数字，如 1234.5", "fix"),
    "must be a whole number": ("必须是整数", "message"),
    "write a whole number": ("请填写整数", "fix"),
    "not a date": ("不是日期", "message"),
    "write dates as 2023-01-05 or 2023-01-05 08:00": ("日期请写成 2023-01-05 或 2023-01-05 08:00", "fix"),
    "date is in the future": ("日期在未来", "message"),
    "date is before 2000": ("日期早于 2000 年", "message"),
    "not a month": ("不是月份", "message"),
    "write the month as 2023-01": ("月份请写成 2023-01", "fix"),
    "not yes/no": ("不是“是/否”", "message"),
    "write 是 or 否": ("请填写“是”或“否”", "fix"),
    "value missing": ("缺少数值", "message"),
    "fill in the value": ("请填写该值", "fix"),
    "value not recognised": ("无法识别的值", "message"),
    "value too large for this column (at most {limit})": ("数值超出此列允许的范围（最大 {limit}）", "message"),
    "value cannot be stored in this column ({type})": ("此值无法存入该列（{type}）", "message"),
    # ---------------------------------------------------------------- meter readings
    "meter or account not in the registry": ("计量表或户号不在台账中", "message"),
    "add the meter to the meter registry (kind: meters) first, or correct the number":
        ("请先在计量表台账（kind: meters）中登记该表，或更正表号", "fix"),
    "this meter is not a {meter_kind} meter": ("此表不是{meter_kind}表", "message"),
    "load this file as kind {kind}": ("请按数据类型“{kind}”导入此文件", "fix"),
    "time missing": ("缺少时间", "message"),
    "fill in the time of the interval": ("请填写该时段的时间", "fix"),
    "fill in the time of the reading": ("请填写抄表时间", "fix"),
    "negative power": ("功率为负数", "message"),
    "a consumption meter cannot draw less than nothing: check the value": ("用电计量表的功率不可能小于零：请检查该值", "fix"),
    "power (kW) was turned into energy (kWh) as power x interval length ({steps}), taking each value as the "
    "average power over its interval":
        ("功率（kW）已按“功率 × 时段长度（{steps}）”换算为电量（kWh），即把每个值当作该时段的平均功率", "message"),
    "nothing to do if the values are interval averages; export energy (kWh) otherwise":
        ("如果这些值就是时段平均功率，无需处理；否则请导出电量（kWh）数据", "fix"),
    "no billing month (账期) or reading date (抄表日期) column, and no time column":
        ("没有账期列或抄表日期列，也没有时间列", "message"),
    "add a 账期 column such as 2023-01": ("请添加“账期”列，如 2023-01", "fix"),
    "billing month missing": ("缺少账期", "message"),
    "fill in the month, e.g. 2023-01": ("请填写月份，如 2023-01", "fix"),
    "usage differs from (current − previous register) × multiplier": ("用量与（本次示数 − 上次示数）× 倍率不一致", "message"),
    "check the registers and the multiplier": ("请检查示数和倍率", "fix"),
    "usage missing": ("缺少用量", "message"),
    "fill in the usage or both registers": ("请填写用量，或同时填写上次示数和本次示数", "fix"),
    "negative usage": ("用量为负数", "message"),
    "a meter cannot use less than nothing: check the value": ("计量表的用量不可能小于零：请检查该值", "fix"),
    "register reading missing": ("缺少表码示数", "message"),
    "fill in the reading": ("请填写示数", "fix"),
    "a register cannot be negative": ("表码示数不能为负数", "message"),
    "this reading repeats an earlier line exactly": ("此读数与前面某行完全相同", "message"),
    "two different readings for the same meter and time": ("同一块表、同一时间有两个不同的读数", "message"),
    "no multiplier (倍率) column: the meter registry's multiplier was used ({used})":
        ("文件中没有倍率列：已使用计量表台账中的倍率（{used}）", "message"),
    "add a 倍率 column if the file's readings differ": ("如文件中读数的倍率与台账不同，请添加“倍率”列", "fix"),
    "the register fell: taken as a rollover at {top} (usage {usage} x {multiplier} = {total})":
        ("示数变小：按表码满 {top} 归零处理（用量 {usage} × {multiplier} = {total}）", "message"),
    "accept if the meter's display wrapped round to zero; otherwise correct the reading":
        ("如电表读数确实走满归零，请确认接受；否则请更正读数", "fix"),
    "the register fell and this is not a rollover: taken as a meter replacement, the new meter counted from 0 "
    "(usage {usage} x {multiplier}, marked estimated)":
        ("示数变小且不是走满归零：按换表处理，新表从 0 起算（用量 {usage} × {multiplier}，标为估算）", "message"),
    "accept if the meter was replaced; otherwise correct the reading": ("如确已换表，请确认接受；否则请更正读数", "fix"),
    "the first reading of each meter only starts the count and is not loaded as usage: {lines}":
        ("每块表的第一个读数只作为起点，不计入用量：{lines}", "message"),
    "nothing to do; include the reading before the period to load its first interval too":
        ("无需处理；如要导入第一个时段的用量，请一并提供该时段之前的读数", "fix"),
    "more than ten times this meter's usual usage": ("超过该表平时用量的十倍", "message"),
    "check the value and its unit (kWh / MWh, m3 / L); accept it if it is right":
        ("请检查数值及单位（kWh / MWh，m3 / L）；确认无误后接受", "fix"),
    "{n} more gaps": ("另有 {n} 处数据缺口", "message"),
    "see the lines above": ("见上面各行", "fix"),
    "gap in the interval data of {meter}: nothing from {start} to {end} (about {n} intervals)":
        ("{meter} 的分时数据有缺口：{start} 至 {end} 之间没有数据（约 {n} 个时段）", "message"),
    "accept if the meter was off; otherwise add the missing rows": ("如该表当时停用，请确认接受；否则请补上缺少的行", "fix"),
    # ---------------------------------------------------------------- PV, weather, vehicles, logs, registries
    "PV site not in the site registry": ("光伏站点不在站点台账中", "message"),
    "add the site to the PV site registry (kind: pv_sites) or use its id or exact name":
        ("请先在光伏站点台账（kind: pv_sites）中登记该站点，或填写站点编号或准确名称", "fix"),
    "negative generation": ("发电量为负数", "message"),
    "negative export": ("上网电量为负数", "message"),
    "export larger than generation": ("上网电量大于发电量", "message"),
    # PV exports of inverter portals (etl/ingest/pv_portal.py)
    "nothing to do": ("无需处理", "fix"),
    "total rows skipped (lines {lines}); the rows above are checked against them":
        ("已跳过合计行（第 {lines} 行）；上面各行之和须与合计一致", "message"),
    "footer lines skipped (lines {lines})": ("已跳过表尾行（第 {lines} 行）", "message"),
    "the rows add up to {rows} kWh but the file's total row says {total} kWh":
        ("各行相加为 {rows} kWh，但文件的合计行为 {total} kWh", "message"),
    "a row went missing or was changed: export the report again": ("有行缺失或被改动：请重新导出报表", "fix"),
    "no site column (电站名称) and no site named in the title lines": ("没有电站名称列，标题行中也没有写明电站", "message"),
    "add a 电站名称 column, or a line 电站名称：<name> above the header":
        ("请添加“电站名称”列，或在表头上方加一行“电站名称：<名称>”", "fix"),
    "every row is taken as site {name!r}, named in the title lines": ("所有行都按标题行中写明的电站“{name}”导入", "message"),
    "site {name!r} taken as {site} (same name without the county or the suffix)":
        ("电站“{name}”按 {site} 导入（去掉县名或后缀后名称相同）", "message"),
    "add the portal's name to the site's aliases (别名) in the PV site registry to make it exact":
        ("请在光伏站点台账的“别名”中加上平台上的电站名称，使匹配准确", "fix"),
    "add the site to the PV site registry (kind: pv_sites), or the portal's name to its aliases (别名)":
        ("请先在光伏站点台账（kind: pv_sites）中登记该站点，或把平台上的电站名称加到它的“别名”中", "fix"),
    "a counter or power value cannot be negative": ("计数值或功率不能为负数", "message"),
    "two different values for the same site, device and time": ("同一电站、同一设备、同一时间有两个不同的值", "message"),
    "no energy column: none of 发电量, 当日发电量/日发电量, 累计发电量/总发电量 or 功率 has values":
        ("没有电量列：发电量、当日发电量/日发电量、累计发电量/总发电量、功率都没有数值", "message"),
    "export the report with generation (kWh) or the device history with its counters or power":
        ("请导出含发电量（kWh）的报表，或含计数值或功率的设备历史数据", "fix"),
    "daily or monthly rows with power only cannot give energy": ("按日或按月的数据只有功率，无法得出电量", "message"),
    "export the report with generation (kWh)": ("请导出含发电量（kWh）的报表", "fix"),
    "column {header!r} runs as a day counter (restarts at midnight): it was differenced, not summed "
    "({done} kWh instead of {summed} kWh)":
        ("列“{header}”是当日累计值（零点清零）：已按相邻读数之差计算，而不是直接相加（{done} kWh，而不是 {summed} kWh）",
         "message"),
    "column {header!r} runs as a lifetime counter: it was differenced, not summed ({done} kWh instead of "
    "{summed} kWh)":
        ("列“{header}”是累计发电量（不清零）：已按相邻读数之差计算，而不是直接相加（{done} kWh，而不是 {summed} kWh）",
         "message"),
    "accept if the column is a running total; otherwise check the file": ("如该列确为累计值，请确认接受；否则请检查文件", "fix"),
    "the day counter {header!r} was differenced into energy per interval (it restarts at midnight)":
        ("当日累计值“{header}”已按相邻读数之差换算为每个时段的电量（零点清零）", "message"),
    "the lifetime counter {header!r} was differenced into energy per interval":
        ("累计发电量“{header}”已按相邻读数之差换算为每个时段的电量", "message"),
    "the lifetime counter {header!r} was differenced into energy per day":
        ("累计发电量“{header}”已按相邻两日之差换算为每日电量", "message"),
    "the lifetime counter {header!r} was differenced into energy per month":
        ("累计发电量“{header}”已按相邻两月之差换算为每月电量", "message"),
    "each day's value of {header!r} was taken as that day's energy": ("“{header}”每天的值已作为当天的发电量", "message"),
    "the day counter fell during the day (inverter restarted?): counted from 0 again":
        ("当日累计值在白天变小（逆变器重启？）：已从 0 重新计算", "message"),
    "the lifetime counter fell (inverter replaced or reset?): counted from 0 again":
        ("累计发电量变小（逆变器更换或清零？）：已从 0 重新计算", "message"),
    "accept if the inverter was restarted or replaced; otherwise correct the reading":
        ("如逆变器确实重启或更换，请确认接受；否则请更正读数", "fix"),
    "the first reading of each device only starts the count: {lines}": ("每台设备的第一个读数只作为起点：{lines}", "message"),
    "no kWp in the PV site registry for {sites}: the physical bounds were not checked":
        ("光伏站点台账中 {sites} 没有装机容量：未能做物理上限检查", "message"),
    "fill in the site's kWp (装机容量) in the PV site registry": ("请在光伏站点台账中填写该站点的装机容量", "fix"),
    "above the physical bound": ("超出物理上限", "message"),
    "{value} kWh in {minutes} min at {site} is more than the site can give: {bound} = {limit} kWh "
    "(likely cause: {reason})":
        ("{site} 在 {minutes} 分钟内发电 {value} kWh，超过该站能发出的上限：{bound} = {limit} kWh（可能原因：{reason}）",
         "message"),
    "{value} kWh on {day} at {site} is more than the site can give in a day: {kwp} kWp x {bound} kWh/kWp = "
    "{limit} kWh (likely cause: {reason})":
        ("{site} 在 {day} 发电 {value} kWh，超过该站一天能发出的上限：{kwp} kWp × {bound} kWh/kWp = {limit} kWh"
         "（可能原因：{reason}）", "message"),
    "correct the unit or the column in the file, or the site's kWp in the PV site registry":
        ("请更正文件中的单位或所用的列，或光伏站点台账中该站的装机容量", "fix"),
    "kWh values under a MWh header": ("表头写 MWh，数值却是 kWh", "other"),
    "Wh read as kWh, or MWh as kWh": ("把 Wh 当成了 kWh，或把 MWh 当成了 kWh", "other"),
    "a running total (day or lifetime counter) summed as if each row were an interval":
        ("把累计值（当日或累计发电量）当成了每个时段的电量相加", "other"),
    "power (kW) read as energy (kWh)": ("把功率（kW）当成了电量（kWh）", "other"),
    "a running total (day or lifetime counter), or the site's kWp in the registry is too small":
        ("累计值（当日或累计发电量）被当成电量，或台账中该站的装机容量填小了", "other"),
    "irradiance outside 0-1500 W/m2": ("辐照度超出 0–1500 W/m2", "message"),
    "check the unit (W/m2, not kWh/m2 or MJ/m2)": ("请检查单位（应为 W/m2，不是 kWh/m2 或 MJ/m2）", "fix"),
    "no fuel quantity column (数量/加油量)": ("没有加油数量列（数量/加油量）", "message"),
    "add the litres column": ("请添加加油升数列", "fix"),
    "litres missing on a fuel row": ("加油记录缺少升数", "message"),
    "fill in the litres": ("请填写升数", "fix"),
    "litres must be positive": ("升数必须大于零", "message"),
    "a refund is not a fill: leave it out": ("退款不是加油：请删去该行", "fix"),
    "card belongs to no vehicle": ("油卡不属于任何一辆车", "message"),
    "vehicle not in the vehicle registry": ("车辆不在公务车辆台账中", "message"),
    "load the vehicle registry (kind: vehicles) with this plate first, or correct the plate":
        ("请先导入含该车牌的公务车辆台账（类型：vehicles），或更正车牌号", "fix"),
    "negative odometer reading": ("里程表读数为负数", "message"),
    "odometer back (回车里程) is lower than odometer out (出车里程)": ("回车里程小于出车里程", "message"),
    "negative amount": ("金额为负数", "message"),
    "a refund is not a cost: leave it out": ("退款不是费用，请删去该行", "fix"),
    "check both dates": ("请检查这两个日期", "fix"),
    "add the card number to the vehicle registry or give the plate": ("请在公务车辆台账中登记该卡号，或填写车牌号", "fix"),
    "negative energy": ("电量为负数", "message"),
    "ends before it starts": ("结束时间早于开始时间", "message"),
    "returns before it departs": ("返回时间早于出车时间", "message"),
    "negative distance": ("里程为负数", "message"),
    "closed before it was reported": ("完成时间早于报修时间", "message"),
    "number of people must be at least 1": ("人数至少为 1", "message"),
    "floor area must be positive": ("建筑面积必须大于零", "message"),
    "people counted cannot be negative": ("人数不能为负数", "message"),
    "institution not in the registry": ("单位不在单位名录中", "message"),
    "load the institution registry (kind: institutions) first, or correct the code":
        ("请先导入单位名录（kind: institutions），或更正单位编码", "fix"),
    "load the institution registry first, or correct the code": ("请先导入单位名录，或更正单位编码", "fix"),
    "latitude outside -90..90": ("纬度超出 -90 至 90", "message"),
    "longitude outside -180..180": ("经度超出 -180 至 180", "message"),
    "host institution not in the registry": ("所在单位不在单位名录中", "message"),
    "load the institution registry first": ("请先导入单位名录", "fix"),
    "this row repeats an earlier row exactly": ("此行与前面某行完全相同", "message"),
    "same {key} as an earlier line with different values": ("与前面某行的 {key} 相同，但数值不同", "message"),
    # ---------------------------------------------------------------- commit and undo refusals
    "{file}: the file has errors and cannot be written": ("{file}：文件有错误，不能写入", "other"),
    "{file}: {n} warnings must be accepted before loading": ("{file}：须先确认 {n} 条警告才能导入", "other"),
    "every write records who did it: the user is missing": ("每次写入都要记录操作人：缺少用户名", "other"),
    "there is no batch {batch}": ("没有批次 {batch}", "other"),
    "batch {batch} is already undone": ("批次 {batch} 已经撤销过了", "other"),
    "batch {batch} was partly replaced by batch {later}; undo batch {later} first":
        ("批次 {batch} 的部分数据已被批次 {later} 替换；请先撤销批次 {later}", "other"),
    "The database {path} is in use by another program (probably a load that is still running). Wait until it "
    "finishes and try again.": ("数据库 {path} 正被其他程序使用（可能有导入仍在进行）。请等它结束后再试。", "other"),
    # ---------------------------------------------------------------- command line (python -m etl load --lang zh)
    "error": ("错误", "other"),
    "warning": ("警告", "other"),
    "info": ("说明", "other"),
    "not loaded: {path} has warnings; check them and run again with --accept-warnings to load it":
        ("未导入：{path} 有警告；请检查后加上 --accept-warnings 重新运行以导入", "other"),
    "loaded: {path} ({kind}, batch {batch}, {rows} rows)": ("已导入：{path}（{kind}，批次 {batch}，{rows} 行）", "other"),
    "already_loaded: {path} ({kind}, batch {batch})": ("此前已导入：{path}（{kind}，批次 {batch}）", "other"),
    "unchanged: {path} ({kind}, batch {batch})": ("无变化：{path}（{kind}，数据已在批次 {batch} 中）", "other"),
    "{n} identical rows, nothing changes": ("{n} 行与已有数据完全相同，没有任何变化", "message"),
    "{n} identical rows are left as they are; {rest} rows are new or changed":
        ("{n} 行与已有数据完全相同，保持不变；{rest} 行是新增或有改动的", "message"),
    "no files found": ("没有找到文件", "other"),
}

# placeholders whose value is itself a loader sentence, translated in turn
NESTED = {"message", "error", "reason"}

_METER_KINDS = {"electricity": "电", "water": "水", "gas": "燃气"}


def _kind_label(code: str) -> str:
    from etl.ingest.kinds import KINDS

    spec = KINDS.get(code)
    return f"{spec.label_zh}（{code}）" if spec else code


# placeholders whose value reads better in Chinese after a small rewrite
CONVERT: dict[str, Callable[[str], str]] = {
    "meter_kind": lambda v: _METER_KINDS.get(v, v),
    "kind": _kind_label,
    "lines": lambda v: re.sub(r" \(line (\d+)\)", r"（第 \1 行）", v),
    "steps": lambda v: v.replace(" min", " 分钟"),
}

_FIELDS = re.compile(r"{(\w+)(![rs])?}")


def _pattern(template: str) -> re.Pattern:
    """A regex matching what the template renders to; {x!r} matches a quoted value."""
    out, pos, seen = [], 0, set()
    for m in _FIELDS.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name, conv = m.group(1), m.group(2)
        if name in seen:
            out.append(f"(?P={name})")
        elif conv == "!r":
            out.append(f"(?P<{name}>'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\")")
        else:
            out.append(f"(?P<{name}>.*?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


def _literal_length(template: str) -> int:
    return len(_FIELDS.sub("", template))


# templates with placeholders, most specific (longest fixed text) first, compiled once
_PATTERNS: list[tuple[str, re.Pattern]] = sorted(
    ((en, _pattern(en)) for en in MESSAGES if _FIELDS.search(en)),
    key=lambda p: -_literal_length(p[0]))


def match(text: str) -> tuple[str, dict[str, str]] | None:
    """The English template `text` was made from and its values, or None for an unknown sentence."""
    if text in MESSAGES:
        return text, {}
    for en, pattern in _PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            return en, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            return str(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            return value[1:-1]
    return value


def to_zh(text: str) -> str:
    """The Chinese of a loader sentence, with the same values; unknown text is returned unchanged."""
    found = match(text)
    if found is None:
        return text
    en, values = found
    zh = MESSAGES[en][0]
    if not values:
        return zh
    quoted = {m.group(1) for m in _FIELDS.finditer(en) if m.group(2) == "!r"}
    filled = {}
    for name, value in values.items():
        if name in quoted:
            value = _unquote(value)
        if name in NESTED:
            value = to_zh(value)
        filled[name] = CONVERT[name](value) if name in CONVERT else value
    return zh.format_map(filled)


def translate(text: str, lang: str) -> str:
    """`text` in the language: Chinese through the catalogue, English as the loader wrote it."""
    return to_zh(text) if lang == "zh" else text


def placeholders(template: str) -> set[str]:
    """The placeholder names of a template (for the catalogue's own consistency test)."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


__all__ = ["MESSAGES", "to_zh", "translate", "match", "placeholders"]
