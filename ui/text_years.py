"""Texts of complete and incomplete years (etl/metrics/years.py, ui/year_note.py): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # one sentence: "<year> 数据不完整：<months>，<meters>。<what the page does not do>"
    "yr_incomplete": ("{year} 年数据不完整：{months}，{meters}。{consequence}",
                      "{year} data are incomplete: {months}; {meters}. {consequence}"),
    "yr_months_upto": ("截至 {month} 月", "up to {month}"),
    "yr_months_only": ("仅 {months} 月有数据", "only {months} have data"),
    "yr_months_none": ("没有表计数据", "no meter data"),
    "yr_meters": ("{n}/{of} 块表有数据", "{n} of {of} meters reported"),
    "yr_meters_new": ("{n}/{of} 块表有数据（另有 {new} 块新表）", "{n} of {of} meters reported (and {new} new ones)"),
    "yr_consequence": ("不作同比，目标暂不评价。", "No year-on-year change and no target status for this year."),
    "yr_prev_incomplete": ("{prev} 年数据不完整，{year} 年不与之作同比。",
                           "{prev} data are incomplete: {year} is not compared with it."),
    "yr_no_compare": ("数据不完整，不作比较", "incomplete data: not compared"),
    "yr_year_incomplete": ("{year}（不完整）", "{year} (incomplete)"),
    "yr_fleet_incomplete": ("{year} 年公务用车记录不完整：{months}。不与上年比较。",
                            "{year} car records are incomplete: {months}. Not compared with the year before."),
    "yr_fleet_prev_incomplete": ("{prev} 年公务用车记录不完整，{year} 年不与之比较。",
                                 "{prev} car records are incomplete: {year} is not compared with it."),
    "yr_months_none_fleet": ("没有记录", "no records"),
    "yr_not_judged": ("数据不完整，暂不评价", "Not judged (partial)"),
    "yr_last_complete": ("最近的完整年份为 {year} 年。", "The last complete year is {year}."),
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
