"""The incomplete-year sentence of every page that shows a year (the rule: etl/metrics/years.py)."""

from __future__ import annotations

import streamlit as st

from etl.metrics import years as yr
from ui.common import query
from ui.i18n import lang, t
from ui.text_years import MONTHS_EN


def _month(m: int) -> str:
    return MONTHS_EN[m - 1] if lang() == "en" else str(m)


def _months(months: list[int]) -> str:
    runs = yr.month_ranges(months)
    sep = ", " if lang() == "en" else "、"
    return sep.join(_month(a) if a == b else f"{_month(a)}–{_month(b)}" for a, b in runs)


def sentence(status: dict) -> str | None:
    """One sentence naming an incomplete year: its months and its meters; None for a complete year."""
    if status["complete"]:
        return None
    months = status["months_with_data"]
    if not months:
        month_text = t("yr_months_none")
    elif status["from_january"]:
        month_text = t("yr_months_upto", month=_month(status["last_month"]))
    else:
        month_text = t("yr_months_only", months=_months(months))
    n, of, new = status["reporting_meters"], status["expected_meters"], status["new_meters"]
    meters = t("yr_meters_new", n=n, of=of, new=new) if new else t("yr_meters", n=n, of=of)
    return t("yr_incomplete", year=status["year"], months=month_text, meters=meters,
             consequence=t("yr_consequence"))


def status(year: int) -> dict:
    """The year's completeness (cached per data version), with `comparable`: it and the year before are
    complete, so a change against the year before may be shown (etl.metrics.years.year_status)."""
    return query(yr.year_status, year)


def note(year: int, container=st) -> dict:
    """Say on the page when the year is incomplete (a warning) and return its status."""
    s = status(year)
    text = sentence(s)
    if text:
        container.warning(text, icon=":material/calendar_month:")
    return s


def default_index(choices: list[int]) -> int:
    """Where a year picker starts: the last complete year (etl.metrics.years.default_year)."""
    return yr.default_index(list(choices), query(yr.last_complete_year))


def fleet_note(year: int) -> dict:
    """The cars' records of the year (etl.metrics.years.fleet_status): a warning when they do not cover the
    year, a caption when the year before is not complete; returns the status."""
    s = query(yr.fleet_status, year)
    months = s["months"]
    if not s["complete"]:
        if not months:
            text = t("yr_months_none_fleet")
        elif months == list(range(1, max(months) + 1)):
            text = t("yr_months_upto", month=_month(max(months)))
        else:
            text = t("yr_months_only", months=_months(months))
        st.warning(t("yr_fleet_incomplete", year=year, months=text), icon=":material/calendar_month:")
    elif not s["comparable"]:
        st.caption(t("yr_fleet_prev_incomplete", prev=year - 1, year=year))
    return s
