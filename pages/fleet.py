"""公务用车 / Fleet: what the fleet burns and emits, which cars should go first, which fills need a question.

Choose, query (etl.metrics.fleet through ui.common.query), draw. The only write is the officer's
"explained" mark, on a button, through fleet.explain_flag (which checks the role again).
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from etl.metrics import figures, fleet
from etl.store.db import connect
from ui import format as fmt
from ui.auth import can_write, current_user
from ui.common import fmt_num, query
from ui.downloads import download_buttons
from ui.frame import inside_dashboard
from ui.i18n import TEXT, lang, t
from ui.safe import md
from ui.year_note import default_index, fleet_note

inside_dashboard()

st.title(t("fl_title"))
st.caption(t("fl_intro"))
years = query(figures.years)
if not years:
    st.info(t("fl_no_data"))
    st.stop()
year = st.selectbox(t("fl_year"), years, index=default_index(years), key="fl_year")  # the last complete year
totals = query(fleet.totals, year)
if not totals["cars"]:
    st.info(t("fl_no_data"))
    st.stop()
# the cars' own records decide whether the year can be compared: a part of a year is not -100 %
prev = (totals["previous"] or {}) if fleet_note(year)["comparable"] else {}


def _labels(df: pd.DataFrame) -> pd.DataFrame:
    """Column names in the page's language (the downloads carry the same)."""
    out = df.copy()
    for col, key in (("fuel_type", "fuel_"), ("use_mode", "use_")):
        if col in out.columns:
            out[col] = out[col].map(lambda v, k=key: t(f"{k}{v}") if f"{k}{v}" in TEXT else v)
    return out.rename(columns={c: t(f"fc_{c}") for c in out.columns if f"fc_{c}" in TEXT})


# decimals per column (by code); counts and years are shown as they are
DIGITS = {"km": 0, "fuel_l": 1, "charge_kwh": 0, "l_per_100km": 1, "kwh_per_100km": 1, "co2_kg": 0,
          "co2_kg_per_km": 3, "fuel_yuan": 0, "charge_yuan": 0, "maintenance_yuan": 0, "cost_yuan": 0,
          "cost_per_km_yuan": 2, "quantity": 1, "amount_yuan": 2, "new_kwh": 0, "new_co2_kg": 0,
          "new_energy_yuan": 0, "saved_co2_kg": 0, "saved_yuan": 0}
DATES = {"month": "%Y-%m", "start_on": "%Y-%m-%d", "end_on": "%Y-%m-%d"}


def _show(df: pd.DataFrame, pin: str | None = None, **kwargs) -> pd.DataFrame:
    """Show a table of fleet codes in words through the one formatter; returns the labelled table (numbers
    kept as numbers, gaps empty) for the downloads."""
    labelled = _labels(df)
    names = {c: t(f"fc_{c}") for c in df.columns if f"fc_{c}" in TEXT}
    shown, config = fmt.for_screen(labelled, digits={names[c]: d for c, d in DIGITS.items() if c in names},
                                   dates={names[c]: p for c, p in DATES.items() if c in names},
                                   pin=names.get(pin, pin))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **kwargs)
    return labelled



def _evidence(text: str) -> str:
    ev = json.loads(text)
    return " · ".join(t(f"fe_{k}", v="—" if v is None else (f"{v[0]}–{v[1]}" if isinstance(v, list) else v))
                      for k, v in ev.items())


# whether a rise is good: less fuel, CO2 and cost is better; km and charging are not judged
BETTER = {"fuel_l": "lower", "co2_t": "lower", "cost_yuan": "lower"}


def _card(col, label: str, key: str, digits: int = 0, scale: float = 1.0) -> None:
    now = totals.get(key)
    before = prev.get(key)
    change = 100 * (now - before) / before if before and now is not None else None
    col.metric(label, fmt_num(None if now is None else now / scale, digits), fmt.delta(change),
               delta_color=fmt.delta_color(change, BETTER.get(key)), delta_arrow=fmt.delta_arrow(change),
               help=t("fl_vs_prev"))


# ------------------------------------------------------------------ fleet cards against last year
cards = st.columns(7)
_card(cards[0], t("fl_km"), "km")
_card(cards[1], t("fl_fuel_l"), "fuel_l")
_card(cards[2], t("fl_charge_kwh"), "charge_kwh")
_card(cards[3], t("fl_co2_t"), "co2_t", 1)
_card(cards[4], t("fl_cost_yuan"), "cost_yuan")
share = totals["electrified_km_share_pct"]
moved = (share - prev["electrified_km_share_pct"]
         if prev.get("electrified_km_share_pct") is not None and share is not None else None)
cards[5].metric(t("fl_ev_share"), fmt.pct(share, sign=False), fmt.delta(moved, unit=t("kpi_pp")),
                delta_color=fmt.delta_color(moved, "higher"), delta_arrow=fmt.delta_arrow(moved))
cards[6].metric(t("fl_open_flags"), str(totals["flags_open"]), help=t("fl_flags_explained", n=totals["flags_explained"]))
st.caption(t("fl_per_km", co2=fmt_num(totals["co2_kg_per_km"], 3), cost=fmt_num(totals["cost_per_km_yuan"], 2),
             per_dispatch=fmt_num(totals["co2_kg_per_dispatch"], 2)) + " · "
           + t("fl_ev_only_share", pct=fmt.pct(totals["electric_km_share_pct"], sign=False)))

# ------------------------------------------------------------------ cars ranked, and one car's view
st.header(t("fl_cars"))
# labels are looked up now (format_func may run outside the script, where the language is unknown)
RANK = {k: t(f"fl_rank_{k}") for k in ("co2_kg", "cost_per_km_yuan")}
BY = {k: t(f"fl_by_{k}") for k in ("month", "purpose", "destination", "unit")}
rank = st.radio(t("fl_rank_by"), tuple(RANK), horizontal=True, key="fl_rank", format_func=RANK.__getitem__)
cars = query(fleet.cars, year).sort_values([rank, "plate"], ascending=[False, True], na_position="last")
shown = cars[["plate", "model", "fuel_type", "registration_year", "use_mode", "km", "dispatches", "days_used",
              "fuel_l", "charge_kwh", "l_per_100km", "kwh_per_100km", "co2_kg", "co2_kg_per_km", "fuel_yuan",
              "charge_yuan", "maintenance_yuan", "cost_yuan", "cost_per_km_yuan"]]
table = _show(shown, pin="plate")
st.caption(t("fl_dash_note"))
download_buttons(table, f"fleet-cars-{year}", "fl_cars_dl")

plate = st.selectbox(t("fl_car_pick"), cars["plate"].tolist(), key="fl_plate")
if plate:
    st.subheader(t("fl_car_view", plate=md(plate)))
    m = query(fleet.monthly, year, plate)
    fig = go.Figure()
    fig.add_bar(x=m["month"], y=m["km"], name=t("fc_km"))
    fig.add_scatter(x=m["month"], y=m["l_per_100km"], name=t("fc_l_per_100km"), yaxis="y2", mode="lines+markers")
    fig.add_scatter(x=m["month"], y=m["kwh_per_100km"], name=t("fc_kwh_per_100km"), yaxis="y2",
                    mode="lines+markers")
    fig.update_layout(title=t("fl_car_monthly"), height=360, margin={"t": 40, "b": 20},
                      yaxis_title=t("fc_km"), xaxis={"tickformat": "%Y-%m", "dtick": "M1"},
                      yaxis2={"overlaying": "y", "side": "right", "title": t("fl_axis_consumption"),
                              "rangemode": "tozero", "tickformat": ",.1f", "showgrid": False},
                      legend={"orientation": "h"})
    st.plotly_chart(fig, key="fl_car_chart")
    monthly = _labels(m[["month", "km", "dispatches", "days_used", "fuel_l", "charge_kwh", "l_per_100km",
                         "kwh_per_100km", "co2_kg", "cost_yuan", "cost_per_km_yuan"]])
    download_buttons(monthly, f"fleet-car-monthly-{year}", "fl_car_monthly_dl")
    tl = query(fleet.car_timeline, plate, year)
    tl_fig = go.Figure()
    for event, g in tl.groupby("event"):
        tl_fig.add_scatter(x=g["ts"], y=[t(f"fl_event_{event}")] * len(g), mode="markers", name=t(f"fl_event_{event}"),
                           text=[t(f"fl_event_{event}") if pd.isna(q) else f"{fmt.num(q, 1)} {u}"
                                 for q, u in zip(g["quantity"], g["unit"], strict=True)], hoverinfo="x+text")
    tl_fig.update_layout(title=t("fl_car_timeline"), height=260, margin={"t": 40, "b": 20}, showlegend=False)
    st.plotly_chart(tl_fig, key="fl_car_timeline")
    tl_table = _labels(tl.assign(event=tl["event"].map(lambda e: t(f"fl_event_{e}"))))
    with st.expander(t("fl_car_timeline")):
        _show(tl.assign(event=tl["event"].map(lambda e: t(f"fl_event_{e}"))))
    download_buttons(tl_table, f"fleet-car-timeline-{year}", "fl_car_tl_dl")
    st.markdown(f"**{t('fl_car_flags')}**")
    all_flags = query(fleet.flags, year)
    car_flags = all_flags[all_flags["plate"] == plate]
    if car_flags.empty:
        st.caption(t("fl_car_no_flags"))
    else:
        _show(car_flags.assign(code=car_flags["code"].map(lambda c: t(f"chk_{c}")),
                               evidence=car_flags["evidence"].map(_evidence))[["ts", "code", "evidence", "note"]])

# ------------------------------------------------------------------ age against cost per km
st.header(t("fl_age"))
age = query(fleet.age_cost, year)
age_fig = go.Figure(go.Bar(x=age["registration_year"].astype(str), y=age["cost_per_km_yuan"],
                           text=[t("fl_cars_unit_one" if n == 1 else "fl_cars_unit", n=n) for n in age["cars"]], name=t("fc_cost_per_km_yuan")))
age_fig.update_layout(height=360, margin={"t": 20, "b": 20}, yaxis_title=t("fc_cost_per_km_yuan"),
                      xaxis_title=t("fc_registration_year"))
st.plotly_chart(age_fig, key="fl_age_chart")
st.caption(t("fl_age_note"))
age_table = _labels(age[["registration_year", "age_years", "cars", "km", "maintenance_yuan", "cost_yuan",
                         "cost_per_km_yuan", "co2_kg_per_km"]])
download_buttons(age_table, f"fleet-age-{year}", "fl_age_dl")

# ------------------------------------------------------------------ fuel-card checks
st.header(t("fl_checks"))
flags = query(fleet.flags, year)
with st.expander(t("fl_checks_rules")):
    st.dataframe(pd.DataFrame({t("fc_code"): [t(f"chk_{c}") for c in fleet.CHECK_CODES],
                               t("fc_detail"): [t(f"chkh_{c}") for c in fleet.CHECK_CODES]}),
                 hide_index=True, width="stretch")
    rules = query(fleet.settings_table)
    _show(pd.DataFrame({t("rc_name"): [t(f"sn_fleet_{k}") if f"sn_fleet_{k}" in TEXT else k for k in rules["setting"]],
                        t("rc_value"): rules["value"], t("rc_unit"): rules["unit"],
                        t("rc_help"): rules["help_en" if lang() == "en" else "help_zh"],
                        t("rc_source"): rules["source"]}))
if flags.empty:
    st.success(t("fl_checks_none"))
else:
    view = flags.assign(code=flags["code"].map(lambda c: t(f"chk_{c}")), evidence=flags["evidence"].map(_evidence),
                        status=flags["explained"].map(lambda e: t("fl_status_explained" if e else "fl_status_open")))
    checks_table = _show(view[["ts", "code", "plate", "card_no", "evidence", "status", "note", "explained_by",
                               "explained_at"]])
    download_buttons(checks_table, f"fleet-checks-{year}", "fl_checks_dl")
    if can_write():
        with st.container(border=True):
            st.markdown(f"**{t('fl_explain')}**")
            if st.session_state.pop("fl_explained", False):
                st.success(t("fl_explained_ok"))
            names = [" · ".join((str(r.ts), t(f"chk_{r.code}"), r.plate)) for r in flags.itertuples()]
            pick = st.selectbox(t("fl_explain_pick"), range(len(flags)), key="fl_explain_pick",
                                format_func=names.__getitem__)
            note = st.text_area(t("fl_explain_note"), key="fl_explain_note", max_chars=2000)
            if st.button(t("fl_explain_button"), key="fl_explain_save"):
                f = flags.iloc[pick]
                try:
                    with connect() as con:
                        fleet.explain_flag(con, f["code"], f["plate"], f["ts"], note, current_user() or "")
                    st.session_state["fl_explained"] = True
                    st.rerun()  # the tables above show the mark at once
                except fleet.NotAllowed:
                    st.error(t("fl_err_not_allowed"))
                except fleet.FlagError as exc:
                    st.error(t(f"fl_err_{exc.reason}"))
    else:
        st.caption(t("fl_visitor_note"))

# ------------------------------------------------------------------ dispatches, safety, secondments
st.header(t("fl_dispatches"))
by = st.radio(t("fl_by"), tuple(BY), horizontal=True, key="fl_by", format_func=BY.__getitem__)
d = query(fleet.dispatch_breakdown, year, by)
if by == "month":
    d = d.assign(key=pd.to_datetime(d["key"]).dt.strftime("%Y-%m"))
d = d.assign(key=d["key"].map(lambda k: fmt.DASH if pd.isna(k) or not str(k).strip() else str(k)))
st.plotly_chart(go.Figure(go.Bar(x=d["key"], y=d["dispatches"])).update_layout(
    height=280, margin={"t": 20, "b": 20}, yaxis_title=t("fc_dispatches"), xaxis_title=t(f"fl_by_{by}"),
    xaxis={"type": "category"}), key="fl_disp_chart")
disp_table = _labels(d).rename(columns={t("fc_key"): t(f"fl_by_{by}")})
download_buttons(disp_table, f"fleet-dispatches-{by}-{year}", "fl_disp_dl")

st.subheader(t("fl_safety"))
safety = query(figures.fleet_safety, year)
s1, s2, s3 = st.columns(3)
s1.metric(t("fl_accident_free_days"), fmt_num(safety["accident_free_days"]))
s2.metric(t("fl_accidents"), fmt_num(safety["accidents"]))
s3.metric(t("fl_days_since"), fmt_num(safety["days_since_accident"]))

st.subheader(t("fl_seconded"))
period = st.date_input(t("fl_period"), (date(year, 1, 1), date(year, 12, 31)), key="fl_period")
if isinstance(period, tuple | list) and len(period) == 2:
    sec = query(fleet.secondments, str(period[0]), str(period[1]))
    if sec.empty:
        st.caption(t("fl_seconded_none"))
    else:
        sec_table = _show(sec[["plate", "model", "driver", "start_on", "end_on", "seconded_to", "dispatches"]])
        download_buttons(sec_table, f"fleet-seconded-{year}", "fl_sec_dl")

# ------------------------------------------------------------------ replacement scenario
st.header(t("fl_scenario"))
st.caption(t("fl_scenario_note"))
defaults = query(fleet.settings)
c1, c2, c3, c4, c5 = st.columns(5)
n = c1.number_input(t("fl_sc_n"), 0, 50, 3, key="fl_sc_n")
sc_rank = c2.selectbox(t("fl_sc_rank"), tuple(RANK), key="fl_sc_rank", format_func=RANK.__getitem__)
kwh = c3.number_input(t("fl_sc_kwh"), 5.0, 40.0, float(defaults["scenario_ev_kwh_per_100km"]), step=0.5,
                      format="%.1f", key="fl_sc_kwh")
price = c4.number_input(t("fl_sc_price"), 0.0, 5.0, float(defaults["scenario_price_yuan_kwh"]), step=0.05,
                        format="%.2f", key="fl_sc_price")
purchase = c5.number_input(t("fl_sc_purchase"), 0.0, 1_000_000.0, float(defaults["scenario_purchase_yuan"]),
                           step=10_000.0, format="%.0f", key="fl_sc_purchase")
sc = query(fleet.scenario, year, int(n), sc_rank, float(kwh), float(price), float(purchase))
r1, r2, r3 = st.columns(3)
r1.metric(t("fl_sc_saved_t"), fmt_num(sc["saved_co2_t"], 1))
r2.metric(t("fl_sc_saved_yuan"), fmt_num(sc["saved_yuan_per_year"]))
r3.metric(t("fl_sc_payback"), fmt_num(sc["payback_years"], 1) if sc["payback_years"] else t("fl_sc_never"))
st.caption(t("fl_sc_grid", factor=fmt.num(sc["grid_co2_kg_per_kwh"], unit="kgCO2/kWh"), year=year))
sc_table = _show(sc["cars"], pin="plate")
download_buttons(sc_table, f"fleet-scenario-{year}", "fl_sc_dl")
