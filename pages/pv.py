"""Rooftop PV: which roofs underperform, by how much, since when, and what the project saves."""

from __future__ import annotations

import html
import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from etl import geo
from etl.metrics import factors
from etl.pv import project
from etl.store.db import DatabaseBusy, connect
from ui.auth import can_write
from ui.common import chart, fmt_num, query
from ui.format import factor_text
from ui.frame import inside_dashboard
from ui.i18n import lang, t
from ui.safe import md
from ui.year_note import default_index, note

inside_dashboard()
st.title(t("pv_title"))

# ------------------------------------------------------------------ is the expected output current?
# A page view never writes: the model runs when a PV, weather, site or settings change is committed
# (the loader, `python -m etl model-pv`, a settings edit) or when an officer presses the button here.
def _run_model() -> None:
    try:
        with connect() as con:
            previous = project.last_run(con)
            result = project.run_model(con, previous["mode"] if previous else "auto",
                                       previous["years_requested"] if previous else None)
        st.session_state["pv_flash"] = ("pv_refreshed", {"rows": f"{result['rows']:,}",
                                                         "seconds": f"{result['seconds']:.1f}"})
    except DatabaseBusy:
        st.session_state["pv_flash"] = ("db_busy", {})
    except ValueError as exc:
        st.session_state["pv_flash"] = ("pv_refresh_failed", {"error": md(str(exc))})


flash = st.session_state.pop("pv_flash", None)
if flash:
    (st.toast if flash[0] == "pv_refreshed" else st.warning)(t(flash[0], **flash[1]))
if query(project.refresh_needed):
    st.warning(t("mv_pv_stale") + ("" if can_write() else " " + t("mv_pv_stale_visitor")), icon=":material/update:")
    if can_write():
        st.button(t("mv_pv_run"), on_click=_run_model, key="pv_run_model", icon=":material/refresh:")

years = query(project.years)
if not years:
    st.info(t("pv_no_data"))
    st.stop()
cfg = query(project.settings)
skey = ""  # the page cache is keyed on the data version, which a settings edit bumps
if "pv_year" not in st.session_state and str(st.query_params.get("year", "")).isdigit() \
        and int(st.query_params["year"]) in years:
    st.session_state["pv_year"] = int(st.query_params["year"])  # a link from an alert opens its year
year = st.selectbox(t("pv_year"), years, index=default_index(years), key="pv_year")  # the last complete year
note(year)
status_label = {s: t(f"pv_status_{s}") for s in ("planned", "under_construction", "commissioned", "total")}
kind_label = {k: t(f"pv_alert_{k}") for k in project.ALERT_KINDS}
link_lang = lang()

# ------------------------------------------------------------------ project status
as_of = f"{year}-12-31"
st.header(t("pv_status_head", date=as_of))
summary = query(project.status_summary, as_of).set_index("status")
sites = query(project.site_status, as_of)
c = st.columns(4)
c[0].metric(t("pv_sites_commissioned"), f"{summary.loc['commissioned', 'sites']:,.0f}",
            help=t("pv_of_total", n=f"{summary.loc['total', 'sites']:,.0f}"))
c[1].metric(f"{t('pv_kwp_commissioned')} (kWp)", fmt_num(summary.loc["commissioned", "dc_kwp"], 1),
            help=t("pv_of_total", n=fmt_num(summary.loc["total", "dc_kwp"], 1)))
c[2].metric(f"{t('pv_roof_total')} (m²)", fmt_num(summary.loc["total", "roof_area_m2"]))
c[3].metric(t("pv_modules_total"), fmt_num(summary.loc["total", "modules"]))

# the map: the county's outline and township seats (committed, offline; no tiles), the sites sized by kWp and
# coloured by status; names on hover so labels never overlap. Right: the county town, where most roofs are.
STATUS_COLOR = {"commissioned": "#2e7d32", "under_construction": "#f9a825", "planned": "#9e9e9e"}
kx, ky = geo.county_outline_xy()
towns = geo.townships()
HALF = 0.035  # deg: the county-town panel spans the seat ± this


def site_map(sites, kx, ky, towns):
    """The county and county-town panels (a function of its inputs and the language: built once, shared)."""
    seat = towns[towns["seat"] == 1].iloc[0]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.04,
                        subplot_titles=(t("pv_map_county"), t("pv_map_town", town=seat["name_en" if link_lang == "en"
                                                                                         else "name_zh"])))
    fig.add_scatter(x=kx, y=ky, mode="lines", line={"color": "#607d8b", "width": 1.5}, fill="toself",
                    fillcolor="rgba(236,239,241,0.6)", hoverinfo="skip", showlegend=False, row=1, col=1)
    fig.add_scatter(x=towns["longitude"], y=towns["latitude"], mode="markers+text",
                    text=towns["name_en" if link_lang == "en" else "name_zh"], textposition="bottom center",
                    textfont={"size": 11, "color": "#546e7a"}, marker={"symbol": "square", "size": 5, "color": "#90a4ae"},
                    hoverinfo="skip", showlegend=False, row=1, col=1)
    fig.add_shape(type="rect", x0=seat["longitude"] - HALF, x1=seat["longitude"] + HALF, y0=seat["latitude"] - HALF,
                  y1=seat["latitude"] + HALF, line={"color": "#455a64", "width": 1, "dash": "dot"}, row=1, col=1)
    size = 8 + 22 * (sites["dc_kwp"] / sites["dc_kwp"].max()) ** 0.5  # marker area ~ kWp
    hover = [f"<b>{html.escape(r.site_id)} {html.escape(str(r.name))}</b><br>{status_label[r.status]}<br>"
             f"{fmt_num(r.dc_kwp, 1)} kWp · {fmt_num(r.roof_area_m2)} m²"
             + (f"<br>{t('pv_col_commissioned')} {r.commissioned_on}" if pd.notna(r.commissioned_on) else "")
             for r in sites.itertuples()]
    for col in (1, 2):
        for status in ("commissioned", "under_construction", "planned"):
            mask = (sites["status"] == status).to_numpy()
            if not mask.any():
                continue
            fig.add_scatter(x=sites.loc[mask, "longitude"], y=sites.loc[mask, "latitude"], mode="markers",
                            marker={"size": size[mask], "color": STATUS_COLOR[status], "opacity": 0.8,
                                    "line": {"color": "white", "width": 1}},
                            hovertext=[h for h, m in zip(hover, mask, strict=True) if m], hoverinfo="text",
                            name=status_label[status], legendgroup=status, showlegend=col == 1, row=1, col=col)
    # equal distances look equal: one degree of longitude is cos(latitude) of a degree of latitude
    ratio = 1 / math.cos(math.radians(float(seat["latitude"])))
    fig.update_xaxes(title_text=t("pv_longitude"), showgrid=False, zeroline=False)
    fig.update_yaxes(title_text=t("pv_latitude"), showgrid=False, zeroline=False, row=1, col=1)
    fig.update_yaxes(scaleanchor="x", scaleratio=ratio, row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", scaleratio=ratio, row=1, col=2)
    fig.update_xaxes(range=[seat["longitude"] - HALF, seat["longitude"] + HALF], row=1, col=2)
    fig.update_yaxes(range=[seat["latitude"] - HALF, seat["latitude"] + HALF], row=1, col=2)
    fig.update_layout(height=560, legend={"orientation": "h", "y": -0.12, "title": {"text": t("pv_status")}},
                      margin={"t": 60, "l": 60, "r": 20, "b": 40}, plot_bgcolor="white", title=t("pv_map_title"))
    return fig


st.plotly_chart(chart(site_map, sites, kx, ky, towns), width="stretch")
st.caption(t("pv_map_note"))
if True:
    s = summary.reset_index()
    s["status"] = s["status"].map(status_label)
    st.dataframe(s.rename(columns={"status": t("pv_status"), "sites": t("pv_col_sites"), "dc_kwp": t("pv_col_kwp"),
                                   "roof_area_m2": t("pv_col_roof"), "modules": t("pv_col_modules")}),
                 hide_index=True, width="stretch",
                 column_config={t("pv_col_kwp"): st.column_config.NumberColumn(format="%,.1f"),
                                t("pv_col_sites"): st.column_config.NumberColumn(format="%d"),
                                t("pv_col_roof"): st.column_config.NumberColumn(format="%,.0f"),
                                t("pv_col_modules"): st.column_config.NumberColumn(format="%,.0f")})
with st.expander(t("pv_sites_table")):
    reg = sites.assign(status=sites["status"].map(status_label))[
        ["site_id", "name", "institution_id", "dc_kwp", "ac_kw", "roof_area_m2", "modules", "module_w", "tilt_deg",
         "azimuth_deg", "commissioned_on", "status"]]
    st.dataframe(reg.rename(columns={
        "site_id": t("pv_col_site"), "name": t("pv_col_name"), "institution_id": t("pv_col_host"), "dc_kwp": t("pv_col_kwp"),
        "ac_kw": t("pv_col_ac_kw"), "roof_area_m2": t("pv_col_roof"), "modules": t("pv_col_modules"),
        "module_w": t("pv_col_module_w"), "tilt_deg": t("pv_col_tilt"), "azimuth_deg": t("pv_col_azimuth"),
        "commissioned_on": t("pv_col_commissioned"), "status": t("pv_status")}), hide_index=True, width="stretch")

# ------------------------------------------------------------------ expected against measured
st.header(t("pv_perf_head", year=year))
run = query(project.last_run)
if run:
    st.caption(t("pv_model_note", transposition={"haydavies": "Hay-Davies", "isotropic": t("pv_isotropic")}.get(
                     cfg["transposition_model"], cfg["transposition_model"]), losses=fmt_num(cfg["losses_pct"], 2),
                 interval=run["interval_min"], computed=f"{run['computed_at']:%Y-%m-%d %H:%M}"))
for src in query(project.weather_sources, year).itertuples():
    st.caption(t(f"pv_weather_{src.weather_source}", n=f"{src.intervals:,}"))

ranked = query(project.site_year, year)
months = query(project.site_months, year)
PCT = ["ratio", "pr", "pr_temp", "pr_expected", "completeness"]
TABLE_COLS = {"site_id": "pv_col_site", "name": "pv_col_name", "dc_kwp": "pv_col_kwp", "expected_kwh": "pv_col_expected_kwh",
              "measured_kwh": "pv_col_measured_kwh", "ratio": "pv_col_ratio", "specific_yield_kwh_kwp": "pv_col_yield",
              "pr": "pv_col_pr", "pr_temp": "pv_col_pr_temp", "pr_expected": "pv_col_pr_expected",
              "completeness": "pv_col_completeness"}


def perf_table(df: pd.DataFrame) -> None:
    view = df[list(TABLE_COLS)].copy()
    view[PCT] = view[PCT] * 100
    view[["expected_kwh", "measured_kwh"]] = view[["expected_kwh", "measured_kwh"]].round(0)
    view = view.rename(columns={k: t(v) for k, v in TABLE_COLS.items()})
    fmt = {t("pv_col_expected_kwh"): "%,.0f", t("pv_col_measured_kwh"): "%,.0f", t("pv_col_kwp"): "%,.1f",
           t("pv_col_yield"): "%,.0f", **{t(TABLE_COLS[c]): "%.1f" for c in PCT}}
    config = {k: st.column_config.NumberColumn(format=v) for k, v in fmt.items()}
    config[t("pv_col_site")] = st.column_config.TextColumn(pinned=True)  # the site stays in view as it scrolls
    st.dataframe(view, hide_index=True, width="stretch", height=min(38 + 35 * len(view), 460), column_config=config)


WHOLE_YEAR = t("pv_whole_year")
month_options = [None, *sorted(months["month"].unique())] if not months.empty else [None]
pick = st.selectbox(t("pv_month_pick"), month_options, key="pv_month",
                    format_func=lambda m: WHOLE_YEAR if m is None else f"{pd.Timestamp(m):%Y-%m}")
st.subheader(t("pv_rank_head") if pick is None else f"{t('pv_rank_head')} · {pd.Timestamp(pick):%Y-%m}")
if pick is None:
    perf_table(ranked)
else:
    perf_table(months[months["month"] == pick].sort_values("ratio", na_position="first"))
st.caption(t("pv_pr_note"))
adjusted = query(project.site_months_adjusted, year, skey)
if not adjusted.empty:
    heat = adjusted.pivot(index="site_id", columns="month", values="ratio_adjusted") * 100
    heat = heat.reindex(ranked["site_id"])
    heat.columns = [f"{pd.Timestamp(c):%m}" for c in heat.columns]

    def heat_chart(heat):
        fig = px.imshow(heat, color_continuous_scale="RdYlGn", zmin=60, zmax=110, aspect="auto", text_auto=".0f",
                        labels={"x": t("pv_col_month"), "y": t("pv_col_site"), "color": "%"},
                        title=t("pv_heatmap_title"))
        fig.update_layout(height=max(420, 22 * len(heat) + 120))
        fig.update_traces(textfont_size=9)
        fig.update_xaxes(type="category")
        return fig

    st.plotly_chart(chart(heat_chart, heat), width="stretch")
    st.caption(t("pv_heatmap_note"))

# ------------------------------------------------------------------ alerts
alerts = query(project.alerts, year, skey)
st.header(t("pv_alerts_head", year=year, n=len(alerts)))


def describe(a) -> str:
    expected = fmt_num(a.expected_kwh)
    ratio = fmt_num(100 * a.ratio, 0) if pd.notna(a.ratio) else "—"
    intervals = fmt_num(a.intervals) if pd.notna(a.intervals) else "—"
    value = fmt_num(a.value, 2) if pd.notna(a.value) else "—"
    return t(f"pv_alert_what_{a.kind}", days=a.days, ratio=ratio, expected=expected, intervals=intervals, value=value)


selected_alert = None
if alerts.empty:
    st.success(t("pv_no_alerts"))
else:
    view = pd.DataFrame({
        "kind": alerts["kind"].map(kind_label), "site": alerts["site_id"], "name": alerts["name"],
        "start": alerts["start"].dt.date, "end": alerts["end"].dt.date, "days": alerts["days"],
        # text, so a check without an estimate reads "—", not the grid's "None"
        "lost": alerts["lost_kwh"].map(fmt_num), "what": [describe(a) for a in alerts.itertuples()],
        "link": [f"pv?site={a.site_id}&from={a.start:%Y-%m-%d}&to={a.end:%Y-%m-%d}&year={year}&lang={link_lang}"
                 for a in alerts.itertuples()],
    })
    labels = {"kind": t("pv_col_kind"), "site": t("pv_col_site"), "name": t("pv_col_name"), "start": t("pv_col_start"),
              "end": t("pv_col_end"), "days": t("pv_col_days"), "lost": t("pv_col_lost_kwh"), "what": t("pv_col_what"),
              "link": t("pv_col_link")}
    event = st.dataframe(
        view.rename(columns=labels), hide_index=True, width="stretch", key="pv_alert_table",
        on_select="rerun", selection_mode="single-row",
        column_config={t("pv_col_link"): st.column_config.LinkColumn(display_text=t("pv_open_chart")),
                       t("pv_col_lost_kwh"): st.column_config.TextColumn()})
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows:
        selected_alert = alerts.iloc[rows[0]]
    st.caption(t("pv_alerts_note"))

# ------------------------------------------------------------------ one site's daily chart
st.subheader(t("pv_daily_head"))
site_ids = ranked["site_id"].tolist()
names = dict(zip(sites["site_id"], sites["name"], strict=True))
params = st.query_params
period = None
if selected_alert is not None and st.session_state.get("_pv_alert_seen") != (selected_alert.site_id,
                                                                              str(selected_alert.start)):
    st.session_state["_pv_alert_seen"] = (selected_alert.site_id, str(selected_alert.start))
    st.session_state["pv_site"] = selected_alert.site_id
if "pv_site" not in st.session_state and params.get("site") in site_ids:
    st.session_state["pv_site"] = params.get("site")
if st.session_state.get("pv_site") not in site_ids and site_ids:
    st.session_state["pv_site"] = alerts["site_id"].iloc[0] if not alerts.empty else site_ids[0]
site = st.selectbox(t("pv_site_pick"), site_ids, key="pv_site", format_func=lambda s: f"{s} {names.get(s, '')}")
if selected_alert is not None and selected_alert.site_id == site:
    period = (selected_alert.start, selected_alert.end)
elif params.get("site") == site and params.get("from") and params.get("to"):
    period = (pd.Timestamp(params.get("from")), pd.Timestamp(params.get("to")))
elif not alerts.empty and (alerts["site_id"] == site).any():
    first = alerts[alerts["site_id"] == site].iloc[0]
    period = (first.start, first.end)

days = query(project.site_days, year, site, skey)
if not days.empty:
    fig = go.Figure()
    fig.add_bar(x=days["day"], y=days["measured_kwh"], name=t("pv_measured"), marker_color="#1565c0")
    fig.add_scatter(x=days["day"], y=days["expected_kwh"], name=t("pv_expected"), mode="lines",
                    line={"color": "#9e9e9e", "width": 1})
    fig.add_scatter(x=days["day"], y=days["expected_adjusted_kwh"], name=t("pv_expected_adjusted"), mode="lines",
                    line={"color": "#e65100", "width": 1.5, "dash": "dot"})
    if period is not None:
        fig.add_vrect(x0=pd.Timestamp(period[0]) - pd.Timedelta(hours=12),
                      x1=pd.Timestamp(period[1]) + pd.Timedelta(hours=12), fillcolor="#d32f2f", opacity=0.15,
                      line_width=0, annotation_text=t("pv_alert_period"), annotation_position="top left")
    fig.update_layout(title=t("pv_daily_title", site=site, name=names.get(site, ""), year=year), height=430,
                      xaxis_title=t("pv_day"), yaxis_title=t("pv_kwh_day"), legend={"orientation": "h", "y": -0.2},
                      bargap=0.1)
    st.plotly_chart(fig, width="stretch")
    mine = alerts[alerts["site_id"] == site] if not alerts.empty else alerts
    if not mine.empty:
        st.caption(t("pv_site_alerts") + ": " + md("; ".join(
            f"{kind_label[a.kind]} {a.start:%Y-%m-%d}–{a.end:%Y-%m-%d}: {describe(a)}" for a in mine.itertuples())))

# ------------------------------------------------------------------ savings
st.header(t("pv_savings_head", year=year))
c = st.columns(3)
coal = c[0].selectbox(t("pv_coal_factor"), ["dangliang", "dengjia"], key="pv_coal",
                      index=["dangliang", "dengjia"].index(cfg["coal_factor"]), format_func={k: t(f"pv_coal_{k}") for k in ("dangliang", "dengjia")}.get)
co2 = c[1].selectbox(t("pv_co2_factor"), ["guangxi", "south", "national"], key="pv_co2",
                     index=["guangxi", "south", "national"].index(cfg["co2_factor"]),
                     format_func={k: t(f"pv_co2_{k}") for k in ("guangxi", "south", "national")}.get)
basis = c[2].selectbox(t("pv_co2_basis"), ["self_use", "generation"], key="pv_basis",
                       index=["self_use", "generation"].index(cfg["co2_basis"]), format_func={k: t(f"pv_basis_{k}") for k in ("self_use", "generation")}.get)
sav = query(project.savings, year, coal, co2, basis)
c = st.columns(5)
c[0].metric(t("pv_saving_rate"), f"{sav['saving_rate_pct']:.1f}%" if sav["saving_rate_pct"] is not None else "—")
c[1].metric(f"{t('pv_self_use')} (kWh)", fmt_num(sav["pv_self_use_kwh"]))
c[2].metric(f"{t('pv_host_use')} (kWh)", fmt_num(sav["host_use_kwh"]))
c[3].metric(f"{t('pv_kgce_avoided')} (kgce)", fmt_num(sav["kgce_avoided"]))
c[4].metric(f"{t('pv_co2_avoided')} (tCO2)", fmt_num(sav["co2_t_avoided"], 1))
st.markdown(t("pv_rate_formula", self_use=fmt_num(sav["pv_self_use_kwh"]), use=fmt_num(sav["host_use_kwh"]),
              rate=f"{sav['saving_rate_pct']:.1f}" if sav["saving_rate_pct"] is not None else "—"))
st.caption(t("pv_factor_note", coal=factor_text(query(factors.factor_for_year, sav["coal_factor_id"], year), lang()),
             basis=t(f"pv_basis_{basis}"),
             co2=factor_text(query(factors.factor_for_year, sav["co2_factor_id"], year), lang())))

st.subheader(t("pv_settlement_head"))
c = st.columns(4)
billed = c[0].checkbox(t("pv_use_billed"), value=True, key="pv_billed")
tariff = c[1].number_input(t("pv_tariff"), min_value=0.0, max_value=5.0, value=float(cfg["tariff_yuan_kwh"]),
                           step=0.01, format="%.4f", key="pv_tariff", disabled=billed)
discount = c[2].number_input(t("pv_discount"), min_value=0.0, max_value=100.0, value=float(cfg["discount_pct"]),
                             step=1.0, key="pv_discount")
term = c[3].number_input(t("pv_term"), min_value=1, max_value=40, value=int(cfg["term_years"]), step=1, key="pv_term")
sett = query(project.settlement, None if billed else float(tariff), float(discount), int(term),
             str(cfg["contract_signed_on"]))
if sett.empty:
    st.info(t("pv_settlement_empty"))
else:
    view = sett.assign(tariff_source=sett["tariff_source"].map(lambda s: t(f"pv_tariff_from_{s}")))
    cols = {"year": "pv_col_year", "generation_kwh": "pv_col_generation", "export_kwh": "pv_col_export",
            "on_site_kwh": "pv_col_on_site", "tariff_yuan_kwh": "pv_col_tariff", "tariff_source": "pv_col_tariff_source",
            "host_pays_yuan": "pv_col_host_pays", "host_saves_yuan": "pv_col_host_saves"}
    money = ["generation_kwh", "export_kwh", "on_site_kwh", "host_pays_yuan", "host_saves_yuan"]
    view[money] = view[money].round(0)
    view = view[list(cols)].rename(columns={k: t(v) for k, v in cols.items()})
    st.dataframe(view, hide_index=True, width="stretch", column_config={
        t("pv_col_year"): st.column_config.NumberColumn(format="%d"),
        t("pv_col_tariff"): st.column_config.NumberColumn(format="%.4f"),
        **{t(cols[k]): st.column_config.NumberColumn(format="%,.0f")
           for k in ("generation_kwh", "export_kwh", "on_site_kwh", "host_pays_yuan", "host_saves_yuan")}})
    first = sett.iloc[0]
    st.caption(t("pv_settlement_note", start=first["contract_start"], end=first["contract_end"], term=int(term)))
    full = sett[sett["year"] > pd.Timestamp(first["contract_start"]).year]
    if not full.empty:
        last = full.iloc[-1]
        st.caption(t("pv_term_projection", year=int(last["year"]), total=fmt_num(last["host_saves_yuan"] * term)))

with st.expander(t("pv_settings_head")):
    # names and values in words (a choice shows its label, never its key); the sources stay in the file
    stt = query(project.settings_table)
    choice = {"dangliang": t("pv_coal_dangliang"), "dengjia": t("pv_coal_dengjia"), "guangxi": t("pv_co2_guangxi"),
              "south": t("pv_co2_south"), "national": t("pv_co2_national"), "self_use": t("pv_basis_self_use"),
              "generation": t("pv_basis_generation"), "haydavies": "Hay-Davies", "isotropic": t("pv_isotropic"),
              "": "—"}
    st.dataframe(pd.DataFrame({
        t("pv_set_group"): stt["group"].map(lambda g: t(f"pv_set_group_{g}")),
        t("pv_set_name"): stt["name_en" if lang() == "en" else "name_zh"],
        t("pv_set_value"): stt["value"].map(lambda v: choice.get(v, v)),
        t("pv_set_unit"): stt["unit"].replace({"-": "", "1/C": "1/°C"})}), hide_index=True, width="stretch")
    st.caption(t("pv_set_note"))
