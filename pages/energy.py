"""Energy and water savings: coal equivalent, intensities, 2025 targets, ranking, PV, fleet, anomalies.

Drill-down county → type → institution → meter. The selection and the settings live in the URL
(?year=&coal=&grid=&fleet=&type=&inst=&meter=&lang=), so a link reproduces the view.
Choose, query (etl.metrics.energy / etl.metrics.anomalies through ui.common.query), draw.
"""

from __future__ import annotations

from urllib.parse import unquote, urlencode

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from etl.metrics import anomalies, anomaly_store, energy, factors, figures, fuels
from etl.metrics import years as yrs
from etl.metrics.factors import ELECTRICITY_COAL, GRID_CO2
from ui import format as fmt
from ui.common import chart, fmt_num, fmt_pct, query
from ui.downloads import download_buttons
from ui.format import citation
from ui.frame import inside_dashboard
from ui.i18n import TEXT, lang, status_badge, t
from ui.page_settings import setting
from ui.safe import md
from ui.year_note import default_index, note

inside_dashboard()
st.title(t("en_title"))

span = query(energy.data_years)
if span is None:
    st.info(t("no_data"))
    st.stop()
FIRST, LAST = span
YEARS = list(range(LAST, FIRST - 1, -1))
COALS = tuple(ELECTRICITY_COAL)
GRIDS = ("guangxi", "south", "national")
LANG = lang()  # looked up once: a session-state read per row cost ~35 µs at 1,670 rows
EN = LANG == "en"

# ------------------------------------------------------------------ state from the URL, once per visit
qp = st.query_params


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


types = query(energy.institution_types)
all_inst = query(energy.institutions)
all_meters = query(energy.meters)
# lists, not the columns themselves: iterating an Arrow-backed column in Python costs ~1 µs a value
inst_ids = all_inst["institution_id"].tolist()
inst_type = dict(zip(inst_ids, all_inst["type"].tolist(), strict=True))
inst_name = dict(zip(inst_ids, all_inst["name"].tolist(), strict=True))
meter_inst = dict(zip(all_meters["meter_id"].tolist(), all_meters["institution_id"].tolist(), strict=True))
TYPE_LABEL = {k: t(f"type_{k}") for k in types}  # translated once per type, not once per row

if "en_year" not in st.session_state:  # first run of this page in the session: read the link
    url_year = qp.get("year", "")
    # no year in the link: the last complete year (etl/metrics/years.py), not one meter's January
    _init("en_year", int(url_year) if url_year.isdigit() and int(url_year) in YEARS
          else YEARS[default_index(YEARS)])
    _init("en_coal", qp.get("coal") if qp.get("coal") in COALS else "dangliang")
    _init("en_grid", qp.get("grid") if qp.get("grid") in GRIDS else "guangxi")
    _init("en_fleet", qp.get("fleet") != "0")  # counted by default (the statistics do); ?fleet=0 leaves it out
    m = qp.get("meter") if qp.get("meter") in meter_inst else None
    i = qp.get("inst") if qp.get("inst") in inst_type else (meter_inst.get(m) if m else None)
    if m and meter_inst[m] != i:
        m = None
    ty = inst_type[i] if i else (qp.get("type") if qp.get("type") in types else None)
    _init("en_type", ty or "*")
    _init("en_inst", i or "*")
    _init("en_meter", m or "*")


def _reset_below_type() -> None:
    st.session_state["en_inst"] = "*"
    st.session_state["en_meter"] = "*"


def _reset_below_inst() -> None:
    st.session_state["en_meter"] = "*"


# ------------------------------------------------------------------ settings and drill-down selectors
# labels are looked up now (format_func may run outside the script, where the language is unknown)
ALL = t("en_all")
ANY = "*"  # the "all" choice of a selector (None would show as an empty selector)
LABEL = {**{k: t(f"en_coal_{k}") for k in COALS}, **{k: t(f"en_grid_{k}") for k in GRIDS},
         **{k: t(f"type_{k}") for k in types}, **{k: t(k) for k in energy.INTENSITIES},
         **{f"m_{k}": t(f"m_{k}") for k in ("energy_kgce", "electricity_use_kwh", "water_m3", "co2_t")},
         **{k: f"{inst_name[k]} ({k})" for k in inst_name}, ANY: ALL}
c = st.columns([1, 1.2, 1.6, 2.4])
year = c[0].selectbox(t("en_year"), YEARS, key="en_year")
coal = c[1].radio(t("en_coal"), COALS, key="en_coal", horizontal=True, format_func=LABEL.__getitem__)
grid = c[2].selectbox(t("en_grid"), GRIDS, key="en_grid", format_func=LABEL.__getitem__)
include_fleet = c[3].toggle(t("en_fleet_toggle"), key="en_fleet", help=t("en_fleet_help"))

c = st.columns(3)
type_ = c[0].selectbox(t("en_type"), [ANY, *types], key="en_type", on_change=_reset_below_type,
                       format_func=LABEL.__getitem__)
type_ = None if type_ == ANY else type_
inst_opts = [ANY, *all_inst.loc[all_inst["type"] == type_, "institution_id"]] if type_ else [ANY]
if st.session_state.get("en_inst") not in inst_opts:
    st.session_state["en_inst"] = ANY
inst = c[1].selectbox(t("en_institution"), inst_opts, key="en_inst", on_change=_reset_below_inst,
                      disabled=not type_, format_func=LABEL.__getitem__)
inst = None if inst == ANY else inst
meter_opts = [ANY, *all_meters.loc[all_meters["institution_id"] == inst, "meter_id"]] if inst else [ANY]
if st.session_state.get("en_meter") not in meter_opts:
    st.session_state["en_meter"] = ANY
meter = c[2].selectbox(t("en_meter"), meter_opts, key="en_meter", disabled=not inst,
                       format_func=lambda k: ALL if k == ANY else k)
meter = None if meter == ANY else meter
level = energy.level_of(type_, inst, meter)
fleet_on = include_fleet and level == "county"


def view_params(**over) -> dict[str, str]:
    """The URL parameters of the current view, with some replaced (None removes one)."""
    p = {"year": str(year), "coal": coal, "grid": grid, "fleet": None if include_fleet else "0",
         "type": type_, "inst": inst, "meter": meter, "lang": LANG}
    p.update(over)
    return {k: v for k, v in p.items() if v not in (None, "")}


def link(**over) -> str:
    return "energy?" + urlencode(view_params(**over))


st.query_params.from_dict(view_params())
crumbs = [t("en_county")] + ([t(f"type_{type_}")] if type_ else []) + \
    ([inst_name[inst]] if inst else []) + ([meter] if meter else [])
st.markdown(" › ".join(f"**{md(x)}**" for x in crumbs))
st.caption(f"{t('en_link')} `energy?{unquote(urlencode(view_params()))}`")
ystat = note(year)  # an incomplete year says so, and is neither compared nor judged below
COMPARE, JUDGE = ystat["comparable"], ystat["complete"]

# which factors this view uses, said on the page
coal_f = query(factors.factor_for_year, ELECTRICITY_COAL[coal], year)
grid_f = query(factors.factor_for_year, GRID_CO2[grid], year)
st.caption(t(
    "en_method", coal_name=t(f"en_coal_{coal}"), coal_value=coal_f["value"], coal_year=year,
    coal_source=citation(coal_f, lang()),
    grid_name=t(f"en_grid_{grid}"), grid_value=grid_f["value"], grid_year=year,
    grid_source=citation(grid_f, lang()),
    fleet=t("en_fleet_in") if fleet_on else t("en_fleet_out")))

findings = query(anomaly_store.findings)  # stored per data version by the writers
KIND = {"electricity": t("kind_electricity"), "water": t("kind_water"), "gas": t("kind_gas")}


def anomaly_table(f: pd.DataFrame, key: str) -> None:
    """Findings with their evidence, each row linking to the meter's chart."""
    st.subheader(t("en_anomalies"))
    if f.empty:
        st.success(t("en_anomalies_none"))
        return
    st.caption(t("en_anomaly_count", n=len(f)))
    period = [ps.strftime("%Y-%m") if (pe - ps).days > 20 else f"{ps:%Y-%m-%d}…{pe:%m-%d}"
              for ps, pe in zip(f["period_start"], f["period_end"], strict=True)]
    table = pd.DataFrame({
        t("col_rule"): f["rule"].map({r: t(f"rule_{r}") for r in f["rule"].unique()}),
        t("col_name"): f["name"], t("col_meter"): f["meter_id"], t("col_kind"): f["kind"].map(KIND),
        t("col_period"): period,
        t("col_value_found"): pd.to_numeric(f["value"], errors="coerce").round(2),
        t("col_reference"): pd.to_numeric(f["reference"], errors="coerce").round(2),
        t("col_ratio"): pd.to_numeric(f["ratio"], errors="coerce").round(2),
        t("col_unit"): f["unit"],
        t("col_open"): [link(type=inst_type.get(i), inst=i, meter=m, year=str(ps.year))
                        for i, m, ps in zip(f["institution_id"], f["meter_id"], f["period_start"], strict=True)],
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        t("col_open"): st.column_config.LinkColumn(display_text=t("col_open"))})
    download_buttons(table.drop(columns=t("col_open")), f"anomalies_{year}", key)
    with st.expander(t("en_anomaly_settings")):
        s = query(anomalies.settings_table)
        # the setting's name from the catalogue (ui/text_words.py), its key when a new one has none yet
        st.dataframe(pd.DataFrame({t("col_setting"): [t(f"sn_anomaly_{k}") if f"sn_anomaly_{k}" in TEXT else k
                                                     for k in s["setting"]],
                                   t("col_value"): s["value"].astype(str),
                                   t("col_unit"): s["unit"].fillna(""),
                                   t("col_help"): s["help_en" if EN else "help_zh"]}),
                     hide_index=True, width="stretch")


# ------------------------------------------------------------------ meter level
if level == "meter":
    info = all_meters.set_index("meter_id").loc[meter]
    st.subheader(t("en_meter_title", meter=md(meter), name=md(info["name"]), kind=KIND.get(info["kind"], info["kind"]),
                   measures=t(f"measures_{info['measures']}")))
    mm = query(energy.meter_monthly, meter, coal, grid)
    mine = anomalies.for_scope(findings, meter_id=meter)
    unit = "m³" if info["kind"] == "water" else "kWh"
    if not mm.empty:
        fig = go.Figure()
        fig.add_bar(x=mm["month"], y=mm["value"], name=t("en_series_value"))
        fig.add_scatter(x=mm["month"], y=mm["same_month_last_year"], name=t("en_series_last_year"),
                        mode="lines", line={"dash": "dot"})
        monthly_hits = mine[(mine["period_end"] - mine["period_start"]).dt.days > 20]
        hit = mm[mm["month"].isin(monthly_hits["period_start"])]
        if not hit.empty:
            fig.add_scatter(x=hit["month"], y=hit["value"], mode="markers", name=t("en_series_anomaly"),
                            marker={"color": "red", "size": 12, "symbol": "x"})
        fig.update_layout(title=t("en_meter_monthly"), yaxis_title=unit, xaxis_title=t("en_month"),
                          legend={"orientation": "h"})
        st.plotly_chart(fig, width="stretch")
    if bool(info["has_intervals"]):
        hp = query(energy.hourly_profile, meter, year)
        if hp.empty:
            st.info(t("en_no_data_year"))
        else:
            grid_df = hp.pivot(index="hour", columns="day", values="value")
            heat = px.imshow(grid_df, aspect="auto", origin="lower", color_continuous_scale="YlOrRd",
                             labels={"x": t("en_day"), "y": t("en_hour"), "color": unit},
                             title=t("en_heatmap", year=year, unit=unit))
            st.plotly_chart(heat, width="stretch")
            if info["measures"] == "import":
                st.caption(t("en_heatmap_note"))
    else:
        st.caption(t("en_no_intervals"))
    anomaly_table(mine, "dl_meter_anom")
    if not mm.empty:
        table = pd.DataFrame({
            t("col_month"): mm["month"].dt.strftime("%Y-%m"), t("col_value_found"): mm["value"],
            t("col_unit"): mm["unit"], t("col_last_year"): mm["same_month_last_year"],
            t("col_source_kind"): mm["source"].map(lambda s: t(f"src_{s}")),
            t("col_estimated"): mm["estimated"], t("col_energy_kgce"): mm["energy_kgce"].round(1),
            t("col_co2_t"): mm["co2_t"].round(3)})
        st.dataframe(table, hide_index=True, width="stretch")
        download_buttons(table, f"meter_{meter}", "dl_meter")
    st.stop()

# ------------------------------------------------------------------ county / type / institution
per_year = query(energy.scope_by_year, FIRST, LAST, coal, grid, type_, inst, fleet_on)
cur = per_year[per_year["year"] == year]
prev = per_year[per_year["year"] == year - 1]


def _val(frame: pd.DataFrame, col: str) -> float | None:
    return None if frame.empty or pd.isna(frame[col].iloc[0]) else float(frame[col].iloc[0])


if cur.empty:
    st.info(t("en_no_data_year"))
else:
    cards = [("en_energy_tce", "energy_kgce", 1 / 1000, "tce", 1), ("en_electricity", "electricity_use_kwh", 1,
             "kWh", 0), ("en_water", "water_m3", 1, "m³", 0), ("en_co2", "co2_t", 1, "t", 1)]
    cols = st.columns(4)
    for col, (label, metric, scale, unit, digits) in zip(cols, cards, strict=True):
        v, p = _val(cur, metric), _val(prev, metric)
        ch = fmt_pct(figures.change_pct(v, p)) if COMPARE else None
        col.metric(f"{t(label)} ({unit})", fmt_num(v * scale if v is not None else None, digits),
                   delta=f"{ch} {t('en_vs_prev')}" if ch else None, delta_color="inverse")
    if level == "county":  # the fleet's share of 综合能耗 is shown whether it is counted or not
        share = _val(cur, "fleet_share_pct")
        st.caption(t("mv_fleet_share", share=fmt_num(share, 1), fuel=fmt_num((_val(cur, "fleet_fuel_kgce") or 0) / 1000, 1),
                     state=t("en_fleet_in") if fleet_on else t("en_fleet_out")))

# targets
st.subheader(t("en_targets"))
tp = energy.targets_from(per_year[per_year["year"] <= year], year, query(factors.targets))
if not JUDGE:  # a part of a year against the 2020 baseline is no progress: no change, no status
    tp = tp.assign(change_pct=float("nan"), status=None)
cols = st.columns(4)
COLOR = {"on_track": "green", "at_risk": "orange", "off_track": "red"}
for col, r in zip(cols, tp.itertuples(), strict=False):
    status = r.status if isinstance(r.status, str) else None
    change = fmt_pct(r.change_pct)
    col.metric(t(r.metric), fmt_num(r.value, 2), delta=f"{change} {t('en_vs_2020')}" if change else None,
               delta_color=COLOR.get(status, "off"), delta_arrow="off", border=True)
    badge = status_badge(status) if JUDGE else t("yr_not_judged")
    col.markdown(f":{COLOR.get(status, 'gray')}-badge[{badge}] "
                 + t("en_target_delta", target=f"{r.target_change_pct:g}", path=f"{r.path_pct:.1f}"))
st.caption(t("en_targets_note"))
# numbers, NaN where a year has no data for a metric (None in an object column otherwise)
nums = tp[["baseline", "value", "change_pct", "path_pct", "target_change_pct"]].apply(pd.to_numeric, errors="coerce")
ttable = pd.DataFrame({
    t("col_target"): [t(m) for m in tp["metric"]], t("col_baseline"): nums["baseline"].round(3),
    t("col_value"): nums["value"].round(3), t("col_change_pct"): nums["change_pct"].round(2),
    t("col_path_pct"): nums["path_pct"].round(2), t("col_target_pct"): nums["target_change_pct"],
    t("col_status"): [status_badge(s if isinstance(s, str) else None) if JUDGE else t("yr_not_judged")
                      for s in tp["status"]],
    # the citation in the page's language (the Chinese one where no English one is given)
    t("col_source"): [en if EN and isinstance(en, str) and en else zh for zh, en in zip(
        tp["source"], tp.get("source_en", tp["source"]), strict=True)]})
# fmt.for_screen: a gap reads "—" (the grid printed "None" where a year has no water data)
shown, config = fmt.for_screen(
    ttable, {t("col_baseline"): 2, t("col_value"): 2, t("col_change_pct"): 1, t("col_path_pct"): 1,
             t("col_target_pct"): 0},
    pin=t("col_target"), signed=(t("col_change_pct"), t("col_path_pct"), t("col_target_pct")))
st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
download_buttons(ttable, f"targets_{year}", "dl_targets")

# intensity trend with the target path and the national average
st.subheader(t("en_trend"))
metric = st.selectbox(t("en_trend_metric"), list(energy.INTENSITIES), key="en_trend_metric",
                      format_func=LABEL.__getitem__)
row = tp.set_index("metric").loc[metric]
nat = query(energy.national_reference, year).get(metric)


def trend_chart(per_year, row, nat, metric):
    fig = go.Figure()
    fig.add_scatter(x=per_year["year"], y=per_year[metric], name=t("en_series_actual"), mode="lines+markers")
    if pd.notna(row["baseline"]):
        b, y0, y1 = row["baseline"], int(row["baseline_year"]), int(row["target_year"])
        fig.add_scatter(x=[y0, y1], y=[b, b * (1 + row["target_change_pct"] / 100)], name=t("en_series_path"),
                        mode="lines+markers", line={"dash": "dash", "color": "green"})
    # the axis fits the county's own values and its path; a national average far away is named, not drawn
    shown = [v for trace in fig.data for v in trace.y if v is not None and pd.notna(v)]
    lo, hi = (min(shown), max(shown)) if shown else (0.0, 1.0)
    pad = max((hi - lo) * 0.15, abs(hi) * 0.03, 1e-9)
    y_range = [max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad]
    if nat is not None and y_range[0] <= nat <= y_range[1]:
        fig.add_hline(y=nat, line_dash="dot", line_color="grey", annotation_text=f"{t('en_series_national')} {nat:g}")
    elif nat is not None:
        fig.add_annotation(xref="paper", yref="paper", x=1, y=1.08, showarrow=False, xanchor="right",
                           font={"color": "grey"}, text=t("en_series_national_off", value=f"{nat:g}",
                                                          where=t("en_off_above" if nat > hi else "en_off_below")))
    # the legend above the plot, at its left: below it, it covered the first year's label
    fig.update_layout(yaxis_title=t(metric), xaxis={"dtick": 1, "title": t("en_year")},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
                      height=380, yaxis_range=y_range)
    return fig


# the trend draws complete years only: one meter's January is not a fall of 99 %
done = query(yrs.complete_years) | ({year} if JUDGE else set())
fig = chart(trend_chart, per_year.loc[per_year["year"].isin(done), ["year", metric]], row, nat, metric)
st.plotly_chart(fig, width="stretch")

# monthly stacked bars by type
MEASURES = ("energy_kgce", "electricity_use_kwh", "water_m3", "co2_t")
measure = st.radio(t("en_measure"), MEASURES, key="en_measure", horizontal=True,
                   format_func=lambda k: LABEL[f"m_{k}"])
mon = query(energy.monthly, year - 1, year, coal, grid, type_, inst)
if not mon.empty:

    def monthly_chart(mon, measure):
        mon = mon.assign(type_label=mon["type"].map(lambda k: t(f"type_{k}")))
        fig = px.bar(mon, x="month", y=measure, color="type_label",
                     labels={"month": t("en_month"), measure: t(f"m_{measure}"), "type_label": t("en_type")},
                     title=t("en_monthly", measure=t(f"m_{measure}")))
        fig.update_layout(xaxis_tickformat="%Y-%m", legend_title_text=t("en_type"))
        return fig

    st.plotly_chart(chart(monthly_chart, mon[["month", "type", measure]], measure), width="stretch")

# one level down, each row a link one level deeper
st.subheader(t("en_breakdown"))
bd = query(energy.breakdown, year, coal, grid, type_, inst)
if not COMPARE:  # no change against the year before from a part of a year (nor from a part of the one before)
    bd = bd.assign(energy_kgce_change_pct=float("nan"))
if not JUDGE:
    bd = bd.assign(energy_kgce_vs_base_pct=float("nan"))
if not bd.empty:
    if level == "institution":
        table = pd.DataFrame({
            t("col_meter"): bd["key"], t("col_kind"): bd["kind"].map(KIND),
            t("col_measures"): bd["measures"].map(lambda k: t(f"measures_{k}")),
            t("col_energy_kwh"): bd["energy_kwh"].round(0), t("col_water_m3"): bd["water_m3"].round(0),
            t("col_energy_kgce"): bd["energy_kgce"].round(0), t("col_co2_t"): bd["co2_t"].round(2),
            t("col_energy_change"): bd["energy_kgce_change_pct"].round(1),
            t("col_months"): bd["months"], t("col_estimated_months"): bd["estimated_months"],
            t("col_open"): [link(meter=k) for k in bd["key"]]})
    else:
        name_col = bd["label"].map(TYPE_LABEL) if level == "county" else bd["label"]
        links = [link(type=k) if level == "county" else link(inst=k) for k in bd["key"]]
        table = pd.DataFrame({
            t("col_name"): name_col, t("col_energy_kgce"): bd["energy_kgce"].round(0),
            t("col_electricity_use_kwh"): bd["electricity_use_kwh"].round(0),
            t("col_water_m3"): bd["water_m3"].round(0), t("col_co2_t"): bd["co2_t"].round(2),
            t("col_floor_area_m2"): bd["floor_area_m2"], t("col_people"): bd["people"],
            # 综合能耗 by kind: gas and bottled LPG only where the scope has any
            **{t(f"col_{k}"): bd[k].round(0) for k in ("electricity_kgce", "gas_kgce", "lpg_kgce")
               if k == "electricity_kgce" or bd[k].fillna(0).gt(0).any()},
            **{t(m): bd[m].round(3) for m in energy.INTENSITIES},
            t("col_energy_change"): bd["energy_kgce_change_pct"].round(1),
            t("col_energy_vs_base"): bd["energy_kgce_vs_base_pct"].round(1),
            t("col_open"): links})
    total = bd["energy_kgce"].sum()
    if not fleet_on:
        st.caption(t("en_breakdown_total", total=f"{fmt_num(total)} kgce"))
    # fixed decimals per unit in every column, the name pinned while the wide table scrolls
    if level == "institution":  # bottled LPG has no meter: say what the institution bought
        lpg = query(fuels.gas_lpg_by_year, year, year)
        lpg = lpg[(lpg["institution_id"] == inst) & (lpg["lpg_kg"] > 0)]
        if not lpg.empty:
            st.caption(t("en_lpg_bought", kg=fmt_num(lpg["lpg_kg"].sum()), kgce=fmt_num(lpg["lpg_kgce"].sum())))
    digits = {t("col_energy_kgce"): 0, t("col_energy_kwh"): 0, t("col_electricity_kgce"): 0, t("col_gas_kgce"): 0,
              t("col_lpg_kgce"): 0, t("col_electricity_use_kwh"): 0, t("col_water_m3"): 0,
              t("col_co2_t"): 2, t("col_floor_area_m2"): 0, t("col_people"): 0, t("col_months"): 0,
              t("col_estimated_months"): 0, t("col_energy_change"): 1, t("col_energy_vs_base"): 1,
              **{t(m): 2 for m in energy.INTENSITIES}}
    key_col = table.columns[0]
    # fmt.for_screen: a gap (no water meter, no change for an incomplete year) reads "—", not "None"
    shown_bd, config_bd = fmt.for_screen(table, {c: d for c, d in digits.items() if c in table.columns}, pin=key_col,
                                         signed=(t("col_energy_change"), t("col_energy_vs_base")))
    st.dataframe(shown_bd, hide_index=True, width="stretch", column_config={
        **config_bd, t("col_open"): st.column_config.LinkColumn(display_text=t("col_open"))})
    download_buttons(table.drop(columns=t("col_open")), f"breakdown_{level}_{year}", "dl_breakdown")

# ranking within type, worst first, with the national average as a reference line
if level in ("county", "type"):
    st.subheader(t("en_ranking"))
    rmetric = st.selectbox(t("en_trend_metric"), list(energy.INTENSITIES), key="en_rank_metric",
                           format_func=LABEL.__getitem__)
    rk = query(energy.ranking, year, rmetric, coal, grid, type_)
    if not COMPARE:
        rk = rk.assign(change_pct=float("nan"))
    if not rk.empty:
        # the chart and, unless "show all" is on, the table: the highest of each type (at ten times the county
        # 1,670 rows with a link each were half the page's time); the downloads always hold every row
        top_n = int(setting("energy", "ranking_top_per_type"))
        top = rk.groupby("type").head(top_n).copy()
        top["label"] = top["name"] + " (" + top["institution_id"] + ")"
        top["type_label"] = top["type"].map(TYPE_LABEL)
        st.caption(t("en_ranking_top", n=top_n))

        def ranking_chart(top, nat, rmetric):
            fig = px.bar(top, x="value", y="label", color="type_label", orientation="h",
                         labels={"value": t(rmetric), "label": "", "type_label": t("en_type")},
                         height=max(320, 24 * len(top) + 120))
            fig.update_yaxes(categoryorder="array", categoryarray=top["label"].tolist()[::-1])
            if not nat.empty:
                fig.add_vline(x=float(nat.iloc[0]), line_dash="dot", line_color="grey",
                              annotation_text=f"{t('en_series_national')} {float(nat.iloc[0]):g}")
            return fig

        st.plotly_chart(chart(ranking_chart, top[["value", "label", "type_label"]], rk["national"].dropna(), rmetric),
                        width="stretch")
        table = pd.DataFrame({
            t("col_type"): rk["type"].map(TYPE_LABEL), t("col_rank"): rk["rank_in_type"],
            t("col_of"): rk["of_in_type"], t("col_name"): rk["name"], t("col_intensity"): rk["value"].round(3),
            t("col_type_value"): rk["type_value"].round(3), t("col_national"): rk["national"],
            t("col_previous"): rk["previous"].round(3), t("col_change_prev"): rk["change_pct"].round(1)})
        show_all = len(top) == len(rk) or st.toggle(t("en_rank_all", n=f"{len(rk):,}"), key="en_rank_all")
        shown = rk if show_all else top
        view = table.loc[shown.index].assign(**{t("col_open"): [
            link(type=ty, inst=i) for ty, i in zip(shown["type"], shown["institution_id"], strict=True)]})
        if not show_all:
            st.caption(t("en_rank_shown", top=top_n, n=f"{len(rk):,}"))
        shown_rk, config_rk = fmt.for_screen(view, {t("col_intensity"): 3, t("col_type_value"): 3,
                                                    t("col_previous"): 3, t("col_change_prev"): 1},
                                             signed=(t("col_change_prev"),))
        st.dataframe(shown_rk, hide_index=True, width="stretch", height=320, column_config={
            **config_rk, t("col_open"): st.column_config.LinkColumn(display_text=t("col_open"))})
        download_buttons(table, f"ranking_{rmetric}_{year}", "dl_ranking")

# PV and fleet: county level
if level == "county":
    st.subheader(t("en_pv"))
    pv = query(energy.pv_contribution, FIRST, LAST, coal, grid)
    if not pv.empty:
        table = pd.DataFrame({t("en_year"): pv["year"],
                              **{t(f"col_{c}"): pv[c].round(1) for c in (
                                  "pv_generation_kwh", "pv_export_kwh", "pv_self_use_kwh", "avoided_kgce",
                                  "avoided_co2_t", "saving_rate_pct", "county_share_pct")}})
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(t("en_pv_note"))
        download_buttons(table, "pv_contribution", "dl_pv")
    st.subheader(t("en_fleet"))
    fl = query(energy.fleet, FIRST, LAST, grid)
    table = pd.DataFrame({t("en_year"): fl["year"], **{t(f"col_{c}"): fl[c].round(1) for c in (
        "petrol_l", "diesel_l", "fuel_kgce", "fuel_co2_t", "charging_kwh", "fleet_co2_t", "dispatches",
        "distance_km")}})
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("en_fleet_in") if fleet_on else t("en_fleet_out"))
    download_buttons(table, "fleet_fuel", "dl_fleet")

anomaly_table(anomalies.for_scope(findings, year, type_, inst), "dl_anom")
