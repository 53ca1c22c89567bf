"""Overview: the year's energy, water, PV, dispatches and repairs against the year before."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from etl.metrics import factors, figures
from etl.metrics import years as years_rule
from ui import format as fmt
from ui.common import chart, fmt_num, fmt_pct, query
from ui.format import factor_text
from ui.frame import inside_dashboard
from ui.i18n import lang, t
from ui.year_note import default_index, note

inside_dashboard()
st.title(t("overview_title"))

years = query(figures.years)
if not years:
    st.info(t("no_data"))
    st.stop()

c = st.columns([1, 3], vertical_alignment="bottom")
year = c[0].selectbox(t("year"), years, index=default_index(years), key="overview_year")  # last complete year
with_fleet = c[1].toggle(t("mv_fleet_toggle"), value=True, key="overview_fleet", help=t("mv_fleet_help"))
overview = query(figures.overview, year, "dangliang", with_fleet).set_index("metric")
ystat = note(year)  # an incomplete year says so and is not compared with the year before

CARDS = [  # metric, unit key, which way is good (None: a count or a share, not judged)
    ("energy_kgce", "unit_kgce", "lower"), ("electricity_use_kwh", "unit_kwh", "lower"),
    ("grid_import_kwh", "unit_kwh", "lower"), ("water_m3", "unit_m3", "lower"),
    ("pv_generation_kwh", "unit_kwh", "higher"), ("dispatches", "unit_times", None),
    ("repairs_total", "unit_orders", None), ("fleet_share_pct", "unit_pct", None),
]
cols = st.columns(4)
for i, (metric, unit, better) in enumerate(CARDS):
    row = overview.loc[metric]
    delta = fmt_pct(row["change_pct"]) if ystat["comparable"] else None
    cols[i % 4].metric(
        f"{t(metric)} ({t(unit)})" if lang() == "en" else f"{t(metric)}（{t(unit)}）",
        fmt_num(row["value"], 1 if unit == "unit_pct" else 0),
        delta=f"{delta} {t('vs_prev')}" if delta else None,
        delta_color=fmt.delta_color(row["change_pct"], better), delta_arrow=fmt.delta_arrow(row["change_pct"]),
        help=None if delta else t("no_prev") if ystat["comparable"] else t("yr_no_compare"),
    )

coal = query(factors.factor_for_year, "elec_kgce_dangliang", year)
st.caption(t("energy_note", factor=factor_text(coal, lang()),
             fleet=t("mv_fleet_in") if with_fleet else t("mv_fleet_out")))



def monthly_chart(monthly, year: int):
    monthly = monthly.assign(type_label=monthly["type"].map(lambda k: t(f"type_{k}")))
    fig = px.bar(monthly, x="month", y="electricity_use_kwh", color="type_label",
                 labels={"month": t("month"), "electricity_use_kwh": f"{t('electricity_use_kwh')} (kWh)",
                         "type_label": t("institution_type")},
                 title=t("monthly_chart", year=year))
    fig.update_layout(legend_title_text=t("institution_type"), xaxis_tickformat="%Y-%m")
    # the whole year on the axis, a bar a month wide at most: a partial year shows its empty months as empty
    # (one month alone was drawn as one bar across the chart with repeated tick labels)
    fig.update_xaxes(range=[f"{year - 1}-12-16", f"{year}-12-16"], dtick="M1")
    fig.update_traces(width=20 * 24 * 3600 * 1000)  # 20 days, in the date axis's milliseconds
    return fig


monthly = query(figures.monthly_by_type, year)
if not monthly.empty:
    st.plotly_chart(chart(monthly_chart, monthly, year), width="stretch")  # built once, shared by the sessions

st.subheader(t("trend_table"))
first = min(years)
energy = query(figures.energy_by_year, first, max(years), "dangliang", with_fleet)
logistics = query(figures.logistics_by_year, first, max(years))
trend = energy.merge(logistics[["year", "dispatches", "repairs_total"]], on="year", how="outer")
trend = trend[["year", "energy_kgce", "electricity_use_kwh", "grid_import_kwh", "water_m3", "pv_generation_kwh",
               "dispatches", "repairs_total"]]
UNITS = {"energy_kgce": "kgce", "electricity_use_kwh": "kWh", "grid_import_kwh": "kWh", "water_m3": "m³",
         "pv_generation_kwh": "kWh", "dispatches": t("unit_times"), "repairs_total": t("unit_orders")}
trend = trend.set_index("year").round(0)
# a year that is not complete is named so in the table: its sums are a part of a year
done = query(years_rule.complete_years)
trend.index = [str(y) if y in done else t("yr_year_incomplete", year=y) for y in trend.index]
labels = {c: f"{t(c)} ({UNITS[c]})" for c in trend.columns}
# fmt.for_screen: a gap (no water figure in a partial year) reads "—", not "None"
shown, config = fmt.for_screen(trend.rename(columns=labels).rename_axis(t("col_year")).reset_index(),
                               dict.fromkeys(labels.values(), 0), pin=t("col_year"))
config[t("col_year")] = st.column_config.TextColumn(t("col_year"), pinned=True, width="small" if all(
    y.isdigit() for y in shown[t("col_year")]) else "medium")  # "2025（不完整）" is not cut
st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
