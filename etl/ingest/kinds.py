"""The kinds of file the loader takes: columns, header aliases, units and value codes.

One alias table per kind. Aliases are written as they appear in real exports;
they are compared after `readers.normalise_header` (lower case, no spaces, no
unit in brackets), so '抄见电量(kWh)' and '抄见电量 （kWh）' both match '抄见电量'.
Units found in brackets convert to the canonical unit with `units`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from etl.ingest.readers import normalise_header


@dataclass(frozen=True)
class Col:
    name: str                       # canonical field name (English, unit in the name)
    aliases: tuple[str, ...]        # header names exporters write (Chinese first)
    type: str = "text"              # text / number / int / datetime / date / month / bool
    required: bool = False
    units: dict[str, float] = field(default_factory=dict)  # unit in header -> factor to canonical
    choices: dict[str, str] = field(default_factory=dict)  # value as written -> code stored
    example: str = ""
    in_template: bool = True        # alternative columns (power, register) are accepted but not in the template

    @property
    def template_header(self) -> str:
        return self.aliases[0]


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    label_zh: str
    label_en: str
    columns: tuple[Col, ...]
    signature: tuple[str, ...] = ()  # fields whose presence marks this kind in detection

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    def alias_map(self) -> dict[str, str]:
        """Normalised alias -> field name (computed once per kind: header detection asks for it often)."""
        cached = self.__dict__.get("_alias_map")
        if cached is not None:
            return cached
        out: dict[str, str] = {}
        for c in self.columns:
            for a in (*c.aliases, c.name):
                out.setdefault(normalise_header(a)[0], c.name)
        object.__setattr__(self, "_alias_map", out)  # frozen dataclass: a cache, not a field
        return out


KWH = {"kwh": 1.0, "千瓦时": 1.0, "度": 1.0, "mwh": 1000.0, "兆瓦时": 1000.0, "万kwh": 10000.0, "万千瓦时": 10000.0}
M3 = {"m3": 1.0, "吨": 1.0, "t": 1.0, "立方米": 1.0, "方": 1.0, "l": 0.001, "升": 0.001}
YUAN = {"元": 1.0, "yuan": 1.0, "rmb": 1.0, "万元": 10000.0}
LITRE = {"l": 1.0, "升": 1.0}
KW = {"kw": 1.0, "千瓦": 1.0, "mw": 1000.0}
KVA = {"kva": 1.0, "千伏安": 1.0, "mva": 1000.0, "kw": 1.0, "千瓦": 1.0}  # capacity: kW taken as kVA (power factor 1)
KWP = {"kwp": 1.0, "kw": 1.0, "mwp": 1000.0, "mw": 1000.0}
W_M2 = {"w/m2": 1.0, "wm2": 1.0, "w/㎡": 1.0, "w": 1.0}
M2 = {"m2": 1.0, "平方米": 1.0, "㎡": 1.0, "平米": 1.0}

INSTITUTION_TYPES = {
    "党政机关": "党政机关", "机关": "党政机关", "agency": "党政机关", "government": "党政机关",
    "学校": "学校", "school": "学校",
    "医院": "医院", "卫生院": "医院", "hospital": "医院",
    "其他": "其他", "其它": "其他", "other": "其他",
}
STAGES = {
    "创建中": "creating", "creating": "creating",
    "自评完成": "self_assessed", "自评": "self_assessed", "self_assessed": "self_assessed",
    "材料收集审核中": "county_review", "县级审核中": "county_review", "county_review": "county_review",
    "已通过市级审核": "city_passed", "市级审核通过": "city_passed", "city_passed": "city_passed",
    "已报自治区": "submitted", "已上报自治区": "submitted", "submitted": "submitted",
    "已命名": "certified", "已认定": "certified", "certified": "certified",
    "复核通过": "rechecked", "rechecked": "rechecked",
    "未通过": "not_passed", "审核未通过": "not_passed", "not_passed": "not_passed",  # data/cert_stages.csv
}
STAGE_ORDER = ("creating", "self_assessed", "county_review", "city_passed", "submitted", "certified", "rechecked")
# Fuel types as the registration certificate (行驶证) and dealers write them, with the short forms in use.
FUEL_TYPES = {
    "汽油": "petrol", "petrol": "petrol", "gasoline": "petrol",
    "柴油": "diesel", "diesel": "diesel",
    "纯电动": "electric", "纯电": "electric", "电动": "electric", "electric": "electric", "bev": "electric",
    "插电式混合动力": "phev", "插电混动": "phev", "插电式混动": "phev", "phev": "phev",
    "油电混合动力": "hybrid", "油电混合": "hybrid", "混动": "hybrid", "混合动力": "hybrid", "hybrid": "hybrid",
    "hev": "hybrid",
    "增程式": "erev", "增程式电动": "erev", "增程": "erev", "erev": "erev",
}
USE_MODES = {"统筹调度": "pooled", "统筹": "pooled", "平台调度": "pooled", "pooled": "pooled",
             "定向保障": "assigned", "定向": "assigned", "专用": "assigned", "assigned": "assigned"}
COST_CATEGORIES = {"维修": "repair", "repair": "repair", "保养": "service", "service": "service",
                   "保险": "insurance", "insurance": "insurance", "年检": "inspection", "年审": "inspection",
                   "inspection": "inspection", "其他": "other", "其它": "other", "other": "other"}
PROGRAMS = {"节约型机关": "jieyue", "jieyue": "jieyue", "节水型单位": "jieshui", "jieshui": "jieshui"}

_METER = Col("meter", ("户号", "表号", "用户号", "用户编号", "客户编号", "电表号", "水表号", "燃气户号", "燃气表号", "meter_id", "meter",
                       "account", "account_no"), required=True, example="0450012345")
# grid exports carry the metering point next to the account: a second way to find the meter, not a clash
_METER_POINT = Col("meter_point", ("计量点编号", "计量点号", "计量点", "meter_point"), in_template=False)
M3_GAS = {"m3": 1.0, "立方米": 1.0, "方": 1.0, "nm3": 1.0}
_MONTH = Col("month", ("账期", "电费年月", "水费年月", "抄表年月", "账单月份", "年月", "月份", "billing_month", "month", "period"),
             "month", example="2023-01")
_READ_DATE = Col("read_date", ("抄表日期", "抄表时间", "reading_date", "read_date"), "date", example="2023-01-25")
_TS = Col("ts", ("时间", "时间戳", "数据时间", "采集时间", "日期时间", "timestamp", "time", "datetime",
                 "interval_start"), "datetime", example="2023-01-05 08:00")
_MULT = Col("multiplier", ("倍率", "综合倍率", "multiplier", "ct_ratio"), "number", example="1")
_EST = Col("estimated", ("估抄", "是否估抄", "estimated"), "bool", example="否")

KINDS: dict[str, Kind] = {}


def _kind(k: Kind) -> None:
    KINDS[k.name] = k


_kind(Kind("institutions", "institutions", "单位名录", "Institutions", (
    Col("institution_id", ("单位编码", "单位代码", "机构编码", "institution_id", "code"), required=True, example="I001"),
    Col("name", ("单位名称", "机构名称", "名称", "name", "institution"), required=True, example="县财政局"),
    Col("type", ("单位类型", "机构类型", "类型", "type"), required=True, choices=INSTITUTION_TYPES, example="党政机关"),
    Col("floor_area_m2", ("建筑面积", "面积", "floor_area", "area"), "number", True, M2, example="5200"),
    Col("people", ("用能人数", "人数", "people", "headcount"), "int", True, example="120"),
    Col("township", ("所在乡镇", "乡镇", "township"), example="鹿寨镇"),
    Col("building_group", ("楼群", "片区", "building_group"), example="行政中心"),
), signature=("institution_id", "type", "floor_area_m2")))

_kind(Kind("meters", "meters", "计量表台账", "Meters", (
    Col("meter_id", ("表号", "计量表编号", "计量点编号", "meter_id", "meter"), required=True, example="E-I001"),
    Col("institution_id", ("单位编码", "单位代码", "institution_id"), required=True, example="I001"),
    Col("kind", ("能源种类", "表类型", "种类", "kind"), required=True,
        choices={"电": "electricity", "电力": "electricity", "electricity": "electricity",
                 "水": "water", "water": "water", "气": "gas", "天然气": "gas", "燃气": "gas", "gas": "gas"},
        example="电"),
    Col("unit", ("计量单位", "unit"), example="kWh"),
    Col("resolution", ("数据类型", "抄表方式", "resolution"),
        choices={"账单": "billing", "月度": "billing", "billing": "billing", "分时": "interval",
                 "区间": "interval", "interval": "interval", "": "billing"}, example="账单"),
    Col("measures", ("计量对象", "measures"),
        choices={"用电": "consumption", "消耗": "consumption", "consumption": "consumption", "": "consumption",
                 "下网": "import", "下网电量": "import", "import": "import", "上网": "export", "export": "export",
                 "发电": "generation", "generation": "generation"}, example="用电"),
    Col("account_no", ("户号", "用户号", "account_no", "account"), example="0450012345"),
    Col("multiplier", ("倍率", "multiplier"), "number", example="1"),
    # registered capacity bounds usage per interval (etl/ingest/capacity.py): electricity in kVA, water by caliber
    Col("capacity_kva", ("报装容量", "合同容量", "变压器容量", "受电容量", "运行容量", "capacity_kva", "capacity"), "number",
        units=KVA),  # blank in the template: optional, and the example row's bill would have to fit it
    Col("caliber_mm", ("口径", "水表口径", "表口径", "公称口径", "caliber_mm", "caliber", "dn")),  # water: DN25
), signature=("meter_id", "kind", "institution_id")))

_kind(Kind("electricity", "readings", "电费账单/电表数据", "Electricity bills / meter data", (
    _METER, _METER_POINT, Col("name", ("户名", "用户名称")), _MONTH, _READ_DATE, _TS,
    Col("prev_register", ("上次示数", "上月示数", "上次读数", "上期示数", "起码", "prev_register"), "number",
        example="10234"),
    Col("curr_register", ("本次示数", "本月示数", "本次读数", "本期示数", "止码", "curr_register"), "number",
        example="12634"),
    _MULT,
    # settled energy (结算电量 = 抄见 + losses ± adjustments) is what the institution buys: it is the
    # meter's energy; 抄见电量 (what the meter read) and the losses are kept in their own columns
    Col("energy_kwh", ("结算电量", "计费电量", "电量", "用电量", "有功电量", "总电量", "合计电量",
                       "本月电量", "本月用电量", "当月电量", "当月用电量", "本期电量", "本期用电量", "实际用电量",
                       "正向有功电量",  # what 计量自动化 / 用电信息采集 load-curve exports call a period's energy
                       "energy_kwh", "energy", "kwh"), "number", units=KWH, example="2400"),
    Col("read_kwh", ("抄见电量", "抄见总电量", "抄表电量", "抄见有功电量", "read_kwh"), "number", units=KWH,
        in_template=False),
    Col("transformer_loss_kwh", ("变损电量", "变损", "变压器损耗电量", "transformer_loss_kwh"), "number", units=KWH,
        in_template=False),
    Col("line_loss_kwh", ("线损电量", "线损", "线路损耗电量", "line_loss_kwh"), "number", units=KWH, in_template=False),
    Col("loss_kwh", ("损耗电量", "变线损电量", "损耗", "loss_kwh"), "number", units=KWH, in_template=False),
    Col("pf_adjust_yuan", ("力调电费", "力率调整电费", "功率因数调整电费", "力调", "pf_adjust_yuan"), "number",
        units=YUAN, in_template=False),
    Col("sharp_kwh", ("尖峰电量", "尖电量", "尖段电量", "尖峰", "尖", "sharp_kwh"), "number", units=KWH,
        in_template=False),
    Col("peak_kwh", ("峰电量", "高峰电量", "峰段电量", "峰时电量", "峰", "peak_kwh"), "number", units=KWH,
        in_template=False),
    Col("flat_kwh", ("平电量", "平段电量", "平时电量", "平", "flat_kwh"), "number", units=KWH, in_template=False),
    Col("valley_kwh", ("谷电量", "低谷电量", "谷段电量", "谷时电量", "谷", "valley_kwh"), "number", units=KWH,
        in_template=False),
    Col("amount_yuan", ("电费", "电费金额", "应缴电费", "应收电费", "电费合计", "本月电费", "当月电费", "本期电费", "金额",
                        "amount_yuan", "amount", "cost"),
        "number", units=YUAN, example="1560.00"),
    _EST,
    # bills written one row per time band (尖/峰/平/谷, and a 合计/总 row): read as one bill (etl/ingest/bands.py)
    Col("band", ("时段", "时段名称", "计费时段", "分时时段", "费率时段", "示数类型", "电量类型", "band"), in_template=False),
    # interval files may give average power per interval, or a cumulative register, instead of energy
    Col("power_kw", ("平均功率", "有功功率", "功率", "负荷", "power_kw", "power", "kw"), "number", units=KW,
        in_template=False),
    Col("register", ("电表示数", "示数", "表码", "累计电量", "正向有功总", "register", "register_kwh",
                     "cumulative_kwh"), "number", units=KWH, in_template=False),
), signature=("energy_kwh", "power_kw", "read_kwh")))

_kind(Kind("water", "readings", "水费账单/水表数据", "Water bills / meter data", (
    replace(_METER, example="88012345"), _METER_POINT, Col("name", ("户名", "用户名称")), _MONTH, _READ_DATE, _TS,
    Col("prev_register", ("上月读数", "上次读数", "上次示数", "上期读数", "起码", "prev_register"), "number",
        example="5321"),
    Col("curr_register", ("本月读数", "本次读数", "本次示数", "本期读数", "止码", "curr_register"), "number",
        example="5598"),
    _MULT,
    Col("water_m3", ("用水量", "水量", "实用水量", "本期水量", "本期用水量", "本月用水量", "当月用水量", "本月水量",
                     "抄见水量", "用量", "water_m3", "water",
                     "m3"), "number", units=M3,
        example="277"),
    Col("amount_yuan", ("水费", "水费金额", "应缴水费", "本期水费", "本月水费", "应缴金额", "金额", "amount_yuan", "amount"),
        "number",
        units=YUAN, example="609.40"),
    _EST,
    Col("register", ("水表读数", "读数", "表码", "累计水量", "register", "register_m3", "cumulative_m3"), "number",
        units=M3, in_template=False),
), signature=("water_m3",)))

# Inverter portals (FusionSolar, iSolarCloud, SEMS, Solis, Growatt) write energy per interval or day, power
# only, or running counters (当日发电量 restarts at midnight, 累计发电量 never does); etl/ingest/pv_portal.py
# turns each into energy per interval. A day counter is never an alias of generation: summing it is ~100x wrong.
PV_KWH = {**KWH, "wh": 0.001, "瓦时": 0.001}
PV_KW = {**KW, "w": 0.001, "瓦": 0.001}

_kind(Kind("gas", "readings", "燃气账单（管道天然气）", "Piped gas bills", (
    replace(_METER, example="30012345"), _METER_POINT, Col("name", ("户名", "用户名称")), _MONTH, _READ_DATE, _TS,
    Col("prev_register", ("上次读数", "上月读数", "上次示数", "上次表数", "上期读数", "起码", "prev_register"), "number",
        example="1200"),
    Col("curr_register", ("本次读数", "本月读数", "本次示数", "本次表数", "本期读数", "止码", "curr_register"), "number",
        example="1580"),
    _MULT,
    # stored as the meter's m3 (readings.water_m3): the meter registry's kind 'gas' makes it gas in the metric layer
    Col("water_m3", ("用气量", "气量", "实用气量", "燃气用量", "本期用气量", "本月用气量", "当月用气量", "gas_m3", "gas"),
        "number", units=M3_GAS, example="380"),
    Col("amount_yuan", ("燃气费", "气费", "应缴燃气费", "本期燃气费", "本月燃气费", "应缴金额", "金额", "amount_yuan",
                        "amount"), "number",
        units=YUAN, example="1193.20"),
    _EST,
    Col("register", ("燃气表读数", "表码", "累计气量", "register", "register_m3"), "number", units=M3_GAS,
        in_template=False),
), signature=("water_m3", "register")))

_kind(Kind("pv", "pv_production", "光伏发电数据", "PV production", (
    Col("site", ("电站名称", "电站编号", "电站", "站点", "电站名", "厂站名称", "site_id", "site", "plant",
                 "plant_name", "station_name"), example="PV01"),
    Col("ts", ("统计时间", "时间", "数据时间", "采集时间", "日期时间", "统计日期", "统计月份", "日期", "月份",
               "统计周期", "statistical period", "timestamp", "time", "date"), "datetime", True,
        example="2024-06-01 10:00"),
    Col("generation_kwh", ("发电量", "光伏发电量", "pv发电量", "发电", "产量", "generation_kwh", "generation",
                           "yield", "pv yield"), "number", units=PV_KWH, example="152.3"),
    Col("export_kwh", ("上网电量", "馈网电量", "上网", "并网电量", "export_kwh", "export", "feed_in"), "number",
        units=PV_KWH, example="12.1"),
    Col("self_use_kwh", ("自用电量", "self_use_kwh"), "number", units=PV_KWH, example="140.2"),
    Col("device", ("设备名称", "设备", "逆变器名称", "逆变器", "设备sn", "逆变器sn", "设备序列号", "序列号", "sn",
                   "device", "inverter", "inverter sn", "device sn"), in_template=False),
    Col("day_counter_kwh", ("当日发电量", "日发电量", "今日发电量", "当日发电", "日发电", "daily_yield", "e_today",
                            "eday", "daily generation", "today yield"), "number", units=PV_KWH, in_template=False),
    Col("total_counter_kwh", ("累计发电量", "总发电量", "累计发电", "总发电", "total_yield", "e_total", "etotal",
                              "total generation"),
        "number", units=PV_KWH, in_template=False),
    Col("power_kw", ("有功功率", "交流功率", "输出功率", "总有功功率", "交流输出总功率", "当前功率", "功率",
                     "power_kw", "power", "pac", "ac output total power", "active power"), "number", units=PV_KW,
        in_template=False),
    Col("equivalent_h", ("等效利用小时", "等效利用小时数", "等效小时数", "等效小时", "满发小时", "equivalent_hours"),
        "number", units={"h": 1.0, "小时": 1.0}, in_template=False),
), signature=("generation_kwh", "site", "day_counter_kwh", "total_counter_kwh")))

_kind(Kind("weather", "weather", "气象/辐照数据", "Weather / irradiance", (
    Col("station", ("气象站", "站点", "station"), example="县气象站"),
    Col("ts", ("时间", "数据时间", "观测时间", "timestamp", "time"), "datetime", True, example="2024-06-01 10:00"),
    Col("ghi_w_m2", ("水平总辐射", "总辐射", "辐照度", "ghi_w_m2", "ghi"), "number", True, W_M2, example="812"),
    Col("dni_w_m2", ("法向直射辐射", "直接辐射", "dni_w_m2", "dni"), "number", units=W_M2, example="640"),
    Col("dhi_w_m2", ("散射辐射", "dhi_w_m2", "dhi"), "number", units=W_M2, example="190"),
    Col("poa_w_m2", ("斜面辐射", "组件辐照度", "poa_w_m2", "poa"), "number", units=W_M2, example="850"),
    Col("temp_air_c", ("气温", "环境温度", "温度", "temp_air_c", "temp_air", "temperature"), "number",
        example="31.2"),
    Col("wind_m_s", ("风速", "wind_m_s", "wind_speed", "wind"), "number", example="1.8"),
), signature=("ghi_w_m2",)))

_kind(Kind("vehicles", "vehicles", "公务车辆台账", "Vehicles", (
    Col("plate", ("车牌号", "车牌", "plate"), required=True, example="桂B·A1234"),
    Col("model", ("车型", "品牌型号", "model"), example="比亚迪秦PLUS DM-i"),
    Col("fuel_type", ("能源类型", "燃料类型", "燃油类型", "fuel_type", "fuel"), required=True,
        choices=FUEL_TYPES, example="插电式混合动力"),
    Col("tank_l", ("油箱容积", "油箱", "tank_l", "tank"), "number", units=LITRE, example="48"),
    Col("battery_kwh", ("电池容量", "battery_kwh", "battery"), "number", units=KWH, example="18.3"),
    Col("fuel_card_no", ("油卡号", "加油卡号", "fuel_card_no", "fuel_card"), example="9030000012345678"),
    Col("l_per_100km", ("百公里油耗", "油耗", "l_per_100km"), "number", example="4.5"),
    Col("kwh_per_100km", ("百公里电耗", "电耗", "kwh_per_100km"), "number", example="14.0"),
    Col("acquired_on", ("购置日期", "登记日期", "acquired_on"), "date", example="2021-05-10"),
    Col("displacement_l", ("排量", "发动机排量", "displacement_l", "displacement"), "number",
        units={"l": 1.0, "升": 1.0, "ml": 0.001, "cc": 0.001, "毫升": 0.001}, example="1.5"),
    Col("power_kw", ("功率", "额定功率", "电机功率", "power_kw", "power"), "number", units=KW, example="81"),
    Col("registered_on", ("注册登记日期", "初次登记日期", "注册日期", "registered_on"), "date", example="2021-05-20"),
    Col("disposed_on", ("报废日期", "移交日期", "报废或移交日期", "处置日期", "disposed_on"), "date", example=""),
    Col("use_mode", ("使用方式", "车辆用途", "保障方式", "use_mode"), choices=USE_MODES, example="统筹调度"),
), signature=("plate", "fuel_type")))

_kind(Kind("fuel", "fuel_fills", "油卡流水", "Fuel-card statement", (
    Col("card_no", ("卡号", "油卡号", "加油卡号", "card_no", "card"), required=True, example="9030000012345678"),
    Col("plate", ("车牌号", "车牌", "plate"), example="桂B·A1234"),
    Col("ts", ("交易时间", "加油时间", "时间", "日期", "transaction_time", "time"), "datetime", True,
        example="2023-03-02 09:15"),
    Col("txn_type", ("交易类型", "业务类型", "txn_type", "type"),
        choices={"加油": "fuel", "消费": "fuel", "fuel": "fuel", "": "fuel", "圈存": "topup", "充值": "topup",
                 "topup": "topup"}, example="加油"),
    Col("product", ("油品", "油品名称", "商品名称", "商品", "product"), example="92#汽油"),
    Col("fuel_l", ("数量", "加油量", "升数", "油量", "fuel_l", "litres", "liters", "volume"), "number",
        units=LITRE, example="38.50"),
    Col("unit_price_yuan", ("单价", "unit_price_yuan", "price"), "number", example="7.85"),
    Col("amount_yuan", ("金额", "交易金额", "消费金额", "amount_yuan", "amount"), "number", units=YUAN,
        example="302.23"),
    Col("station", ("加油站", "网点", "加油站名称", "交易地点", "交易网点", "station"), example="中石化鹿寨城南站"),
    Col("odometer_km", ("里程表读数", "表显里程", "仪表里程", "加油时里程", "odometer_km", "odometer"), "number",
        units={"km": 1.0, "公里": 1.0}, example="86512"),
), signature=("card_no", "fuel_l")))

_kind(Kind("charging", "charging_sessions", "充电记录", "EV charging", (
    Col("plate", ("车牌号", "车牌", "车牌号码", "plate"), required=True, example="桂B·A1234"),
    Col("start_ts", ("开始时间", "充电开始时间", "开始充电时间", "起始时间", "start_ts", "start", "start_time"), "datetime",
        True, example="2023-03-02 12:30"),
    Col("end_ts", ("结束时间", "充电结束时间", "结束充电时间", "end_ts", "end", "end_time"), "datetime",
        example="2023-03-02 13:40"),
    Col("energy_kwh", ("充电量", "充电电量", "充电度数", "电量", "energy_kwh", "energy"), "number", True, KWH,
        example="16.2"),
    # operators (特来电, 星星充电, e充电) split the order into an energy fee and a service fee
    Col("energy_fee_yuan", ("电费", "充电电费", "电量电费", "电费金额", "energy_fee_yuan"), "number", units=YUAN,
        example="11.34"),
    Col("service_fee_yuan", ("服务费", "充电服务费", "服务费金额", "service_fee_yuan"), "number", units=YUAN,
        example="8.10"),
    Col("amount_yuan", ("订单金额", "总金额", "订单总金额", "订单总额", "充电费用", "总费用", "费用合计", "费用", "消费金额",
                        "金额", "amount_yuan", "amount"),
        "number", units=YUAN, example="19.44"),
    Col("paid_yuan", ("实付金额", "实收金额", "支付金额", "实际支付金额", "paid_yuan"), "number", units=YUAN,
        in_template=False),
    Col("station", ("充电站", "充电站名称", "场站名称", "充电桩", "station"), example="行政中心充电桩1"),
), signature=("start_ts", "energy_kwh", "plate")))

_kind(Kind("dispatches", "dispatches", "派车记录", "Vehicle dispatches", (
    Col("dispatch_id", ("派车单号", "单号", "dispatch_id", "id"), required=True, example="PC20230001"),
    Col("plate", ("车牌号", "车牌", "plate"), example="桂B·A1234"),
    Col("driver", ("驾驶员", "司机", "driver"), example="李师傅"),
    Col("depart_at", ("出车时间", "派车时间", "出发时间", "depart_at", "depart"), "datetime", True,
        example="2023-03-02 08:30"),
    Col("return_at", ("回车时间", "返回时间", "return_at", "return"), "datetime", example="2023-03-02 11:45"),
    Col("destination", ("目的地", "destination"), example="寨沙镇"),
    Col("purpose", ("用车事由", "事由", "purpose"), example="会议保障"),
    Col("requesting_unit", ("用车单位", "申请单位", "requesting_unit"), example="县政府办"),
    Col("distance_km", ("行驶里程", "里程", "公里数", "distance_km", "distance", "km"), "number",
        units={"km": 1.0, "公里": 1.0}, example="46"),
    Col("accident", ("事故", "是否事故", "accident"), "bool", example="否"),
    Col("odo_out_km", ("出车里程", "出车里程表", "出车码表", "出车表底", "odo_out_km", "odometer_out"), "number",
        units={"km": 1.0, "公里": 1.0}, example="86420"),
    Col("odo_back_km", ("回车里程", "回车里程表", "回车码表", "收车里程", "odo_back_km", "odometer_back"), "number",
        units={"km": 1.0, "公里": 1.0}, example="86466"),
), signature=("dispatch_id", "depart_at")))

_kind(Kind("vehicle_costs", "vehicle_costs", "车辆维修保养保险费用", "Vehicle costs (repair, service, insurance)", (
    Col("plate", ("车牌号", "车牌", "plate"), required=True, example="桂B·A1234"),
    Col("cost_date", ("费用日期", "发生日期", "日期", "cost_date", "date"), "date", True, example="2023-04-12"),
    Col("category", ("费用类别", "费用类型", "类别", "category"), required=True, choices=COST_CATEGORIES,
        example="保养"),
    Col("amount_yuan", ("金额", "费用", "费用金额", "amount_yuan", "amount"), "number", True, YUAN, example="860"),
    Col("note", ("备注", "摘要", "说明", "note"), example="更换机油机滤"),
), signature=("cost_date", "category", "plate")))

_kind(Kind("vehicle_secondments", "vehicle_secondments", "车辆及驾驶员借调", "Cars and drivers seconded", (
    Col("plate", ("车牌号", "车牌", "plate"), required=True, example="桂B·A1234"),
    Col("driver", ("驾驶员", "司机", "driver"), example="李师傅"),
    Col("start_on", ("借调开始日期", "开始日期", "start_on", "start"), "date", True, example="2023-03-30"),
    Col("end_on", ("借调结束日期", "结束日期", "end_on", "end"), "date", example="2023-06-28"),
    Col("seconded_to", ("借调单位", "保障对象", "seconded_to"), example="自治区党委第五巡视组"),
    Col("note", ("备注", "note"), example=""),
), signature=("start_on", "seconded_to", "plate")))

_kind(Kind("work_orders", "work_orders", "维修工单", "Repair work orders", (
    Col("order_id", ("工单号", "维修单号", "order_id", "id"), required=True, example="WX20230001"),
    Col("building_group", ("维修区域", "区域", "楼宇", "片区", "building_group", "building"), required=True,
        example="行政中心"),
    Col("location", ("具体位置", "地点", "位置", "location"), example="5楼东侧卫生间"),
    Col("category", ("维修类别", "大小修", "类别", "category"), required=True,
        choices={"小修": "minor", "minor": "minor", "大修": "major", "major": "major"}, example="小修"),
    Col("description", ("维修内容", "故障描述", "内容", "description"), example="水龙头漏水"),
    Col("reported_at", ("报修时间", "报修日期", "reported_at", "reported"), "datetime", True,
        example="2023-03-02 09:10"),
    Col("closed_at", ("办结时间", "完成时间", "完工时间", "closed_at", "closed"), "datetime",
        example="2023-03-02 15:40"),
    Col("cost_yuan", ("维修费用", "费用", "金额", "cost_yuan", "cost"), "number", units=YUAN, example="120"),
    Col("complaint", ("是否投诉", "投诉", "complaint"), "bool", example="否"),
), signature=("order_id", "reported_at")))

_kind(Kind("meetings", "meetings", "会务保障记录", "Meetings served", (
    Col("meeting_id", ("会议编号", "编号", "meeting_id", "id"), required=True, example="HY20230001"),
    Col("held_on", ("会议日期", "日期", "held_on", "date"), "date", True, example="2023-03-02"),
    Col("venue", ("会议室", "场地", "地点", "venue", "room"), example="行政中心九楼大会议室"),
    Col("title", ("会议名称", "名称", "title"), example="县政府常务会议"),
    Col("attendees", ("参会人数", "人数", "attendees"), "int", example="35"),
), signature=("meeting_id",)))

_kind(Kind("receptions", "receptions", "公务接待记录", "Official receptions", (
    Col("reception_id", ("接待编号", "编号", "reception_id", "id"), required=True, example="JD20230001"),
    Col("held_on", ("接待日期", "日期", "held_on", "date"), "date", True, example="2023-03-02"),
    Col("guest_unit", ("来宾单位", "来访单位", "接待对象", "guest_unit", "guest"), example="市财政局检查组"),
    Col("people", ("接待人数", "人数", "人次", "people"), "int", True, example="12"),
    Col("in_canteen", ("机关食堂", "是否食堂", "食堂", "in_canteen", "canteen"), "bool", True, example="是"),
), signature=("reception_id", "in_canteen")))

_kind(Kind("visitors", "visitor_groups", "来访群众登记", "Petition visitors", (
    Col("visit_id", ("批次号", "编号", "visit_id", "id"), required=True, example="LF20230001"),
    Col("visited_on", ("来访日期", "日期", "visited_on", "date"), "date", True, example="2023-03-02"),
    Col("people", ("人数", "人次", "来访人数", "people"), "int", True, example="25"),
    Col("topic", ("反映问题", "诉求", "事由", "topic"), example="征地补偿"),
), signature=("visit_id", "visited_on")))

_kind(Kind("pv_sites", "pv_sites", "光伏站点台账", "PV sites", (
    Col("site_id", ("电站编号", "站点编号", "site_id"), required=True, example="PV01"),
    Col("name", ("电站名称", "站点名称", "名称", "name"), required=True, example="城南二小屋顶光伏"),
    # names the inverter portal uses for the site, separated by ; or 、 (matched when a PV export is loaded)
    Col("aliases", ("别名", "门户名称", "平台电站名称", "aliases"), example="鹿寨城南二小光伏电站"),
    Col("institution_id", ("单位编码", "业主单位编码", "institution_id"), example="I001"),
    Col("latitude", ("纬度", "latitude", "lat"), "number", True, example="24.47"),
    Col("longitude", ("经度", "longitude", "lon", "lng"), "number", True, example="109.74"),
    Col("roof_area_m2", ("屋顶面积", "roof_area_m2", "roof_area"), "number", True, M2, example="1800"),
    Col("modules", ("组件数量", "组件块数", "组件数", "modules"), "int", True, example="410"),
    Col("module_w", ("组件功率", "单块功率", "module_w"), "number", True, {"w": 1.0, "wp": 1.0}, example="545"),
    Col("dc_kwp", ("装机容量", "直流容量", "dc_kwp", "kwp"), "number", units=KWP, example="223.45"),
    Col("tilt_deg", ("倾角", "tilt_deg", "tilt"), "number", True, example="15"),
    Col("azimuth_deg", ("方位角", "azimuth_deg", "azimuth"), "number", True, example="180"),
    Col("ac_kw", ("逆变器容量", "交流容量", "ac_kw"), "number", True, KW, example="200"),
    Col("construction_started_on", ("开工日期", "construction_started_on"), "date", example="2023-03-01"),
    Col("commissioned_on", ("并网日期", "投运日期", "commissioned_on"), "date", example="2023-05-20"),
    Col("status", ("建设状态", "状态", "status"), required=True,
        choices={"规划": "planned", "planned": "planned", "在建": "under_construction", "施工中": "under_construction",
                 "under_construction": "under_construction", "已并网": "commissioned", "投运": "commissioned",
                 "commissioned": "commissioned"}, example="已并网"),
), signature=("site_id", "roof_area_m2", "modules")))

_kind(Kind("certifications", "certifications", "节约型机关/节水型单位创建进度", "Certification progress", (
    Col("institution_id", ("单位编码", "institution_id"), required=True, example="I001"),
    Col("program", ("创建类型", "项目", "program"), required=True, choices=PROGRAMS, example="节约型机关"),
    Col("stage", ("阶段", "进度", "stage"), required=True, choices=STAGES, example="已通过市级审核"),
    Col("stage_date", ("阶段日期", "日期", "stage_date", "date"), "date", True, example="2023-11-20"),
    Col("note", ("备注", "note"), example=""),
), signature=("program", "stage")))

_kind(Kind("lpg", "lpg_purchases", "液化石油气购买记录", "LPG purchases", (
    Col("institution", ("单位编码", "单位名称", "用气单位", "购买单位", "用户名称", "客户名称", "institution_id",
                         "institution"), required=True,
        example="I001"),
    Col("purchased_on", ("购气日期", "送气日期", "配送日期", "购买日期", "日期", "purchased_on", "date"), "date", True,
        example="2023-03-02"),
    Col("lpg_kg", ("液化气重量", "充装重量", "充装量", "重量", "净重", "lpg_kg"), "number",
        units={"kg": 1.0, "公斤": 1.0, "千克": 1.0, "t": 1000.0, "吨": 1000.0}, example=""),
    Col("cylinders", ("瓶数", "钢瓶数", "罐数", "数量", "cylinders"), "number", units={"瓶": 1.0, "罐": 1.0},
        example="4"),
    # the size as written on the delivery note: 15, 15kg, 50公斤, YSP35.5(15kg)
    Col("cylinder_size", ("规格", "钢瓶规格", "每瓶重量", "瓶重", "cylinder_kg", "cylinder_size"), example="15kg"),
    Col("amount_yuan", ("金额", "费用", "合计金额", "amount_yuan", "amount"), "number", units=YUAN, example="480.00"),
    Col("supplier", ("供气单位", "供应商", "燃气公司", "supplier"), example="鹿寨县液化气站"),
), signature=("lpg_kg", "cylinders", "cylinder_size")))

# Registries are chosen by detection only when every column of their signature is present: a readings
# file that carries 户号 and 计量点编号 is still readings.
REGISTRY_KINDS = ("institutions", "meters", "vehicles", "pv_sites", "certifications")

# Registries first when a folder is loaded: facts refer to them.
LOAD_ORDER = ("institutions", "meters", "vehicles", "pv_sites", "certifications", "electricity", "water", "gas", "pv",
              "weather", "fuel", "lpg", "charging", "dispatches", "work_orders", "meetings", "receptions", "visitors",
              "vehicle_costs", "vehicle_secondments")
assert set(LOAD_ORDER) == set(KINDS)
