"""Table shapes real exports add around the data, turned into one header row and plain cells before parsing.

Pure functions over the rows of a file (lists of text cells), called by loader._prepare on the old path
(small files; loader._stage leaves a file to that path when `needs_reshape` says so):

    best_sheet()        a workbook whose first sheet is a summary or a note: the sheet that holds the table
    merge_subheader()   a header over two rows: units in a row of their own (",,kWh,元"), or group cells
                        merged over sub-headers (电量（kWh） over 峰/平/谷, 充电时间 over 开始/结束)
    join_date_time()    date and time of day in two columns (日期 2024-03-01 | 时间 08:15)
    title_fields()      an identifier only in a title line (卡号：9030…, one card's statement)

Each returns what it did, so the loader can say so in a note; none guesses where the shape is unclear.
"""

from __future__ import annotations

import re

from etl.ingest.kinds import KINDS, Kind
from etl.ingest.readers import normalise_header

# a cell that is a number, a date or a time: a data row, never a sub-header
_VALUE = re.compile(r"^[\s\d.,，:：/\-+年月日时分秒]+$")
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_DATE_ONLY = re.compile(r"^(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8}|\d{5})$")
_KEY_VALUE = re.compile(r"^\s*([^:：]{1,12})\s*[:：]\s*(\S.*?)\s*$")
_BRACKETS = re.compile(r"^[\(（\[【](.*)[\)）\]】]$")


def _units() -> set[str]:
    out = {"kwh", "元", "m3", "吨", "度", "l", "升", "kg", "kw", "h", "小时", "%", "km", "公里", "瓶"}
    for kind in KINDS.values():
        for col in kind.columns:
            out |= {u.replace(" ", "") for u in col.units}
    return out


UNITS = _units()


def _unit_of(cell: str) -> str | None:
    """'kWh', '(元)', 'm³' -> the unit as a header writes it in brackets; None when the cell is no unit."""
    text = cell.strip()
    m = _BRACKETS.match(text)
    if m:
        text = m.group(1).strip()
    key = text.lower().replace("³", "3").replace(" ", "")
    return text if text and key in UNITS else None


def fields(kind: Kind, header: list[str]) -> set[str]:
    amap = kind.alias_map()
    return {amap[n] for n in (normalise_header(h)[0] for h in header if h) if n in amap}


def _score(header: list[str], kind: str | None) -> int:
    kinds = [KINDS[kind]] if kind else list(KINDS.values())
    return max(len(fields(k, header)) for k in kinds)


def _maps(name: str, kind: str | None) -> bool:
    kinds = [KINDS[kind]] if kind else list(KINDS.values())
    norm = normalise_header(name)[0]
    return any(norm in k.alias_map() for k in kinds)


def merge_subheader(rows: list[list[str]], hi: int, kind: str | None) -> tuple[list[str], int] | None:
    """(merged header, index of the row it replaces) when the row under the header completes it; else None.

    The row under the header completes it when none of its cells is a value (number, date, time) and either
    every filled cell is a unit, or it fills cells the header leaves blank (a merged group cell spans them).
    Each column is named by its sub-header where that is a known name, else group + sub-header or
    sub-header + group (充电时间 + 开始 -> 开始充电时间); a group's unit carries to its columns.
    """
    if hi + 1 >= len(rows):
        return None
    head = [str(c).strip() for c in rows[hi]]
    sub = [str(c).strip() for c in rows[hi + 1]]
    width = max(len(head), len(sub))
    head += [""] * (width - len(head))
    sub += [""] * (width - len(sub))
    filled = [j for j in range(width) if sub[j]]
    if not filled or any(_VALUE.match(sub[j]) for j in filled):
        return None
    units_only = all(_unit_of(sub[j]) for j in filled)
    if not units_only and not any(not head[j] for j in filled):
        return None
    merged = []
    group, group_unit = "", ""
    for j in range(width):
        if head[j]:
            group = _UNIT_RE.sub("", head[j]).strip()
            found = _UNIT_RE.search(head[j])
            group_unit = found.group(0) if found else ""
        child = sub[j]
        if not child:
            merged.append(head[j])
            continue
        unit = _unit_of(child)
        if unit:
            merged.append(f"{head[j] or group}({unit})" if not _UNIT_RE.search(head[j] or group) else head[j])
            continue
        names = [child, group + child, child + group]
        name = next((n for n in names if _maps(n, kind)), child)
        merged.append(name + ("" if _UNIT_RE.search(name) else group_unit))
    if _score(merged, kind) < _score(head, kind) or not units_only and _score(merged, kind) == _score(head, kind):
        return None  # a row of units only names no new column; group cells must name more
    return merged, hi + 1


_UNIT_RE = re.compile(r"[\(（\[【][^\)）\]】]*[\)）\]】]")


def join_date_time(header: list[str], body: list[list[str]]) -> tuple[int, list[int]] | None:
    """(date column, time columns) when a file gives the date and the time of day apart (日期 | 开始时间 | 结束时间)."""
    norm = [normalise_header(h)[0] for h in header]
    dates = [j for j, n in enumerate(norm) if "日期" in n or n == "date"]
    times = [j for j, n in enumerate(norm) if ("时间" in n or "时刻" in n or n == "time") and "日期" not in n]
    if not dates or not times:
        return None

    def share(j: int, pattern: re.Pattern) -> bool:
        vals = [r[j].strip() for r in body[:200] if j < len(r) and r[j].strip()]
        return bool(vals) and sum(bool(pattern.match(v)) for v in vals) >= 0.9 * len(vals)

    ts = [j for j in times if share(j, _TIME_OF_DAY)]
    d = next((j for j in dates if share(j, _DATE_ONLY)), None)
    if not ts or d is None:
        return None
    return d, ts


def apply_date_time(rows: list[list[str]], hi: int, d: int, ts: list[int]) -> None:
    """Write 'date time' into each time column of every body row that has both; the date column's header goes."""
    for r in rows[hi + 1:]:
        for t in ts:
            if max(d, t) < len(r) and r[d].strip() and _TIME_OF_DAY.match(r[t].strip()):
                r[t] = f"{r[d].strip()} {r[t].strip()}"
    rows[hi][d] = ""


def title_fields(rows: list[list[str]], hi: int, kind: Kind) -> dict[str, tuple[str, str, int]]:
    """field -> (key as written, value, line) for identifiers the title lines give and the header lacks."""
    present = fields(kind, rows[hi])
    amap = kind.alias_map()
    out: dict[str, tuple[str, str, int]] = {}
    for i, row in enumerate(rows[:hi]):
        for cell in row:
            m = _KEY_VALUE.match(str(cell))
            if not m:
                continue
            name = amap.get(normalise_header(m.group(1))[0])
            if name and name not in present and name not in out and kind.col(name).type == "text" \
                    and kind.col(name).required:
                out[name] = (m.group(1).strip(), m.group(2), i + 1)
    return out


def apply_title_fields(rows: list[list[str]], hi: int, found: dict[str, tuple[str, str, int]]) -> None:
    """One more column per field found in the title, its value on every non-blank body row."""
    for _name, (key, value, _line) in found.items():
        rows[hi].append(key)
        for r in rows[hi + 1:]:
            r.append(value if any(str(c).strip() for c in r) else "")


def needs_reshape(rows: list[list[str]], hi: int, kind: str | None) -> bool:
    """Whether the file's head shows one of the shapes above (the old path then reads the file)."""
    if merge_subheader(rows, hi, kind) is not None or day_curve_columns([str(c) for c in rows[hi]]):
        return True
    header = [str(c) for c in rows[hi]]
    if join_date_time(header, rows[hi + 1:hi + 201]) is not None:
        return True
    return bool(kind and kind in KINDS and title_fields(rows, hi, KINDS[kind]))


def best_sheet(sheets: list[tuple[str, list[list[str]]]], kind: str | None) -> int:
    """Index of the sheet whose best header row (first 15 rows) names the most columns of a kind (first wins)."""
    best_i, best_n = 0, -1
    for i, (_name, rows) in enumerate(sheets):
        n = max((_score([str(c) for c in row], kind) for row in rows[:15]), default=0)
        if n > best_n:
            best_i, best_n = i, n
    return best_i


# ------------------------------------------------------------------ a day per row (计量自动化 load curves)

_SLOT = re.compile(r"^(\d{1,2}):(\d{2})(?:\s*[-~～至]\s*(\d{1,2}):(\d{2}))?$")
_ENERGY_WORDS = re.compile(r"电量|kwh|千瓦时|度", re.IGNORECASE)
_POWER_WORDS = re.compile(r"负荷|功率|(?<![a-z])kw(?!h)", re.IGNORECASE)
MIN_SLOTS = 24


def day_curve_columns(header: list[str]) -> dict[int, int] | None:
    """column -> minute of the day its values start at, when the header holds a day's curve (>= 24 time columns).

    Labels 00:15 … 24:00 are interval ends (the first label equals the step); 00:00 … 23:45 and 00:00-00:15
    are starts.
    """
    slots: dict[int, tuple[int, bool]] = {}
    for j, h in enumerate(header):
        m = _SLOT.match(str(h).strip())
        if m:
            slots[j] = (int(m.group(1)) * 60 + int(m.group(2)), m.group(3) is not None)
    if len(slots) < MIN_SLOTS:
        return None
    minutes = sorted(v for v, _ in slots.values())
    step = min(b - a for a, b in zip(minutes, minutes[1:], strict=False) if b > a) if len(minutes) > 1 else 0
    ranged = any(r for _, r in slots.values())
    ends = not ranged and minutes[0] == step and step > 0
    return {j: v - step if ends else v for j, (v, _) in slots.items()}


def day_curve_quantity(rows: list[list[str]], hi: int, slots: dict[int, int]) -> str | None:
    """'energy' (kWh per interval) or 'power' (kW) as the title or the other headers say; None if unsaid or both."""
    words = " ".join(str(c) for r in rows[:hi] for c in r)
    words += " " + " ".join(str(h) for j, h in enumerate(rows[hi]) if j not in slots)
    energy, power = bool(_ENERGY_WORDS.search(words)), bool(_POWER_WORDS.search(words))
    if energy == power:
        return None
    return "energy" if energy else "power"


def melt_day_curve(rows: list[list[str]], hi: int, slots: dict[int, int], date_col: int, quantity: str
                   ) -> tuple[list[list[str]], list[int]]:
    """One row per time from one row per day: [other columns…, 时间, value]; and each row's file line.

    A row whose date cell is no date (a 合计 or a footer) stays one row, its cells before the curve kept.
    Empty points give no row (the gap check then sees them).
    """
    header = rows[hi]
    keep = [j for j in range(len(header)) if j not in slots and j != date_col]
    value_header = "电量(kWh)" if quantity == "energy" else "有功功率(kW)"
    out = [[str(header[j]) for j in keep] + ["时间", value_header]]
    lines = [hi + 1]
    from datetime import datetime, timedelta

    for i, r in enumerate(rows[hi + 1:], start=hi + 2):
        cells = [str(c).strip() for c in r] + [""] * (len(header) - len(r))
        day = cells[date_col]
        parsed = None
        if _DATE_ONLY.match(day) and len(day) != 5:
            text = re.sub(r"[年月/.]", "-", day).rstrip("日")
            try:
                parsed = datetime.strptime(text, "%Y%m%d" if len(text) == 8 and text.isdigit() else "%Y-%m-%d")
            except ValueError:
                parsed = None
        if parsed is None:
            out.append([cells[j] for j in keep] + [day, ""])  # 合计 / 制表人 land where the checks see them
            lines.append(i)
            continue
        base = [cells[j] for j in keep]
        for j, minute in slots.items():
            if cells[j] == "":
                continue
            stamp = parsed + timedelta(minutes=minute)
            out.append(base + [stamp.strftime("%Y-%m-%d %H:%M"), cells[j]])
            lines.append(i)
    return out, lines


def day_curve_date_column(rows: list[list[str]], hi: int, slots: dict[int, int]) -> int | None:
    """The column holding each row's day (its header says 日期/date, or its values are dates)."""
    header = rows[hi]
    body = rows[hi + 1:hi + 201]
    for j, h in enumerate(header):
        if j in slots:
            continue
        vals = [str(r[j]).strip() for r in body if j < len(r) and str(r[j]).strip()]
        named = "日期" in str(h) or normalise_header(str(h))[0] in ("date", "day", "数据日期", "日期")
        dated = bool(vals) and sum(bool(_DATE_ONLY.match(v)) for v in vals) >= 0.5 * len(vals)
        if named and (dated or not vals) or dated:
            return j
    return None
