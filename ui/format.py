"""One formatter for every card and table: thousands separators, fixed decimals per unit, the unit in
the header, and delta colours by whether the change is good for that metric.

Cards get strings (`num`, `pct`, `delta`); tables keep numbers (so they sort) and get a
`column_config` with a printf format per column (`table`), which Streamlit renders with thousands
separators ("%,.2f"). A column therefore never mixes precisions.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

# Decimals by unit: energy and money in whole units, intensities with two, rates with one.
DIGITS: dict[str, int] = {
    "kWh": 0, "MWh": 1, "kgce": 0, "tce": 1, "m³": 0, "m3": 0, "yuan": 0, "元": 0, "万元": 2,
    "kgce/m²": 2, "kgce/m2": 2, "kgce/人": 1, "kgce/person": 1, "m³/人": 2, "m³/person": 2,
    "kgCO2/m²": 2, "kgCO2/m2": 2, "tCO2": 1, "kgCO2": 0, "kgCO2/kWh": 4, "kgce/kWh": 4,
    "kWp": 1, "kW": 1, "m²": 0, "kWh/kWp": 0, "%": 1, "pp": 1, "个百分点": 1, "yuan/kWh": 4, "元/kWh": 4,
}
DASH = "—"


def digits_for(unit: str | None, default: int = 0) -> int:
    return DIGITS.get((unit or "").strip(), default)


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value, digits: int = 0, unit: str | None = None) -> str:
    """1234.5 -> "1,235"; None/NaN -> "—"; never "-0" (a value that rounds to zero is 0)."""
    if _missing(value):
        return DASH
    if unit is not None:
        digits = digits_for(unit, digits)
    x = float(value)
    if round(x, digits) == 0:
        x = 0.0
    return f"{x:,.{digits}f}"


def pct(value, digits: int = 1, sign: bool = True) -> str:
    """A percentage: "+1.2%" / "−3.4%" with sign, "0.0%" without one when it rounds to zero."""
    if _missing(value):
        return DASH
    x = float(value)
    if round(x, digits) == 0:
        return f"{0:.{digits}f}%"
    return f"{x:+,.{digits}f}%" if sign else f"{x:,.{digits}f}%"


def delta(value, digits: int = 1, unit: str = "%") -> str | None:
    """A card's delta text, or None when there is nothing to compare (Streamlit then draws no arrow).
    A change that rounds to zero reads "0.0%" and gets no arrow from `delta_arrow`."""
    if _missing(value):
        return None
    if unit == "%":
        return pct(value, digits)
    x = float(value)
    if round(x, digits) == 0:
        return f"{0:.{digits}f} {unit}"
    return f"{x:+,.{digits}f} {unit}"


def is_zero(value, digits: int = 1) -> bool:
    return _missing(value) or round(float(value), digits) == 0


def delta_arrow(value, digits: int = 1) -> str:
    """Streamlit's delta_arrow: no arrow on a change that rounds to zero."""
    return "off" if is_zero(value, digits) else "auto"


def delta_color(value, better: str | None, digits: int = 1) -> str:
    """Green when the change is good for this metric, red when bad, grey when neutral or zero.

    better: "higher" (more is good, e.g. PV generation), "lower" (less is good, e.g. energy, cost),
    anything else: the change is not judged."""
    if is_zero(value, digits) or better not in ("higher", "lower"):
        return "off"
    return "normal" if better == "higher" else "inverse"


def label(name: str, unit: str | None, lang: str = "zh") -> str:
    """"综合能耗（kgce）" / "Total energy (kgce)": the unit in the header."""
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def table(df: pd.DataFrame, columns: dict[str, tuple[str, str | None, int | None]], lang: str = "zh",
          pin: str | None = None) -> tuple[pd.DataFrame, dict]:
    """The table to show and its column_config.

    columns: source column -> (name, unit, digits or None for text/auto by unit). Columns are kept in
    this order and renamed "name (unit)"; numeric ones get "%,.<d>f" so every row of a column has the
    same decimals and thousands separators; `pin` keeps the key column visible while the rest scrolls."""
    out = df[list(columns)].copy()
    config: dict = {}
    names = {}
    for col, (name, unit, digits) in columns.items():
        head = label(name, unit, lang)
        names[col] = head
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            d = digits if digits is not None else digits_for(unit)
            values = out[col].astype("float64").round(d)
            out[col] = values.mask(values == 0, 0.0)  # no "-0.00"
            config[head] = st.column_config.NumberColumn(head, format=f"%,.{d}f", pinned=col == pin or None)
        elif col == pin:
            config[head] = st.column_config.TextColumn(head, pinned=True)
    return out.rename(columns=names), config




def escape_md(text: str) -> str:
    """Text from data or settings shown through markdown: the one escaping helper, ui.safe.md."""
    from ui.safe import md

    return md(text)


def is_finite(value) -> bool:
    return not _missing(value) and math.isfinite(float(value))


def citation(row: dict, lang: str = "zh") -> str:
    """A factor's (or setting's) source as a citation in the page's language, with a "待核实 / to be
    confirmed" badge when its status is not confirmed. Markdown: show with st.caption / st.markdown."""
    text = row.get("source_en") if lang == "en" and isinstance(row.get("source_en"), str) else row.get("source")
    text = escape_md(text) if isinstance(text, str) and text else ""
    if str(row.get("status", "confirmed")).strip() != "confirmed":
        text += " :orange-badge[" + ("to be confirmed" if lang == "en" else "待核实") + "]"
    return text


def factor_text(row: dict, lang: str = "zh") -> str:
    """"电力折标准煤系数（当量值） 0.1229 kgce/kWh（citation）": name, value, unit and citation."""
    name = row.get("name_en") if lang == "en" else row.get("name_zh")
    value = f"{float(row['value']):g} {row['unit']}"
    cite = citation(row, lang)
    return f"{escape_md(name)} {value}（{cite}）" if lang == "zh" else f"{escape_md(name)} {value} ({cite})"


def for_screen(df: pd.DataFrame, digits: dict[str, int] | None = None, pin: str | None = None,
               signed: tuple[str, ...] = (), dates: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict]:
    """A labelled table as st.dataframe should show it, and its column_config: a gap reads "—" (the grid
    would print "None"), numbers in `digits` have fixed decimals with thousands separators (a change in
    `signed` carries its sign), `dates` columns are written with their strftime pattern, and `pin` stays
    visible while a wide table scrolls. A numeric column without gaps stays a number (it sorts); one with
    gaps becomes right-aligned text written the same way. Downloads take the table before this step."""
    digits, dates = digits or {}, dates or {}
    out = df.copy()
    config: dict = {}
    for col in out.columns:
        s = out[col]
        if col in dates and pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime(dates[col]).fillna(DASH)
        elif pd.api.types.is_bool_dtype(s):
            continue
        elif pd.api.types.is_numeric_dtype(s):
            d = digits.get(col)
            if d is None:  # a count or a year: as it is, without separators
                if s.isna().any():
                    out[col] = s.map(lambda v: DASH if _missing(v) else f"{v:g}")
                    config[col] = st.column_config.TextColumn(col, alignment="right")
                continue
            pattern = ("%+.{d}f" if col in signed else "%,.{d}f").format(d=d)
            if s.isna().any():
                out[col] = s.map(lambda v, d=d, c=col: DASH if _missing(v) else (
                    pct(v, d).rstrip("%") if c in signed else num(v, d)))
                config[col] = st.column_config.TextColumn(col, alignment="right")
            else:
                values = s.astype("float64").round(d)
                out[col] = values.mask(values == 0, 0.0)  # no "-0.00"
                config[col] = st.column_config.NumberColumn(col, format=pattern)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.map(lambda v: DASH if _missing(v) else (
                f"{v:%Y-%m-%d}" if v == v.normalize() else f"{v:%Y-%m-%d %H:%M}"))
        else:
            out[col] = s.map(lambda v: DASH if _missing(v) or (isinstance(v, str) and not v.strip()) else v)
    if pin is not None and pin in out.columns:
        config[pin] = st.column_config.TextColumn(pin, pinned=True)
    return out, config


def number_columns(digits: dict[str, int], pin: str | None = None, signed: tuple[str, ...] = ()) -> dict:
    """column_config for a table already labelled: fixed decimals with thousands separators per column
    (a change in % with its sign), and the key column pinned so a wide table scrolls under it."""
    config: dict = {col: st.column_config.NumberColumn(col, format=("%+.{d}f" if col in signed else "%,.{d}f")
                                                        .format(d=d)) for col, d in digits.items()}
    if pin:
        config[pin] = st.column_config.TextColumn(pin, pinned=True)
    return config
