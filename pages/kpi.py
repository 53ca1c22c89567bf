"""Leadership KPIs: logistics next to energy, certification and fleet, year against year and targets.

Every figure comes from etl.kpi.kpi_report (the same definition as `python -m etl kpi` and the
reports). Readable on a projector (large numbers, few words) and on paper (print CSS below).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from etl.ingest.kinds import STAGE_ORDER
from etl.metrics import figures, kpi
from etl.reports import documents
from etl.store.db import connect
from ui.common import fmt_num, query
from ui.frame import inside_dashboard
from ui.i18n import lang, t

inside_dashboard()

# Print: no sidebar, header, toolbar, banner or widgets; cards flow on A4.
st.html("""<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stDownloadButton"], [data-testid="stSelectbox"], .kpi-noprint, [data-testid="stAlert"] {
    display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0.5rem 1rem !important; max-width: 100% !important; }
  [data-testid="stMetric"], .js-plotly-plot, [data-testid="stVerticalBlockBorderWrapper"] {
    break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
[data-testid="stMetricValue"] { font-size: 2.4rem; }
</style>""")

st.title(t("kpi_title"))
years = query(figures.years)
if not years:
    st.info(t("no_data"))
    st.stop()

top = st.columns([1, 1.3, 1.3, 2.4], vertical_alignment="bottom")
year = top[0].selectbox(t("kpi_year"), years, index=0, key="kpi_year")
with_fleet = top[3].toggle(t("mv_fleet_toggle"), value=True, key="kpi_fleet", help=t("mv_fleet_help"))
report = query(kpi.kpi_report, year, "dangliang", "guangxi", with_fleet)


def _docx() -> bytes:
    with connect() as con:
        return documents.summary_docx(con, year, report)


def _xlsx() -> bytes:
    with connect() as con:
        return documents.kpi_workbook(con, year, report)


top[1].download_button(t("kpi_download_xlsx"), _xlsx, file_name=f"kpi-{year}.xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table:", key="kpi_xlsx")
top[2].download_button(t("kpi_download_docx"), _docx, file_name=f"summary-{year}.docx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       icon=":material/description:", key="kpi_docx")
top[3].html(f'<div class="kpi-noprint" style="color:#808495;font-size:0.875rem">{t("kpi_print_hint")}</div>')

# process order, from pale to dark green: later stages read as further along
STAGE_COLOR = dict(zip(STAGE_ORDER, ("#cfd8dc", "#b3e5fc", "#4fc3f7", "#0288d1", "#66bb6a", "#2e7d32", "#1b5e20"),
                       strict=True))
STATUS_COLOR = {"on_track": "green", "met": "green", "at_risk": "orange", "off_track": "red", "not_met": "red"}


def _status(key: str) -> None:
    tg = report["targets"].get(key)
    if not tg:
        return
    if tg["kind"] == "level":
        text = t("kpi_target_level", comparison=tg["comparison"], target=f"{tg['target']:g}")
    else:
        text = t("kpi_target_path", target_year=tg["target_year"], target=f"{tg['target_change_pct']:+g}",
                 baseline_year=tg["baseline_year"], path=f"{tg['path_pct']:+.1f}")
    if tg["status"]:
        st.badge(t(f"kpi_status_{tg['status']}"), color=STATUS_COLOR[tg["status"]])
    st.caption(text)


def card(col, key: str, value_text: str | None = None, extra: str | None = None) -> None:
    spec = kpi.BY_KEY[key]
    value = report.get(key)
    change, pp = report["change_pct"].get(key), report["change_pp"].get(key)
    delta = (f"{change:+.1f}%" if change is not None else
             f"{pp:+.1f} {t('kpi_pp')}" if pp is not None else None)
    color = {"lower": "inverse", "higher": "normal"}.get(spec.better, "off")
    with col.container(border=True):
        st.metric(f"{t(f'kpi_{key}')}（{t(f'kpiu_{key}')}）" if lang() == "zh" else
                  f"{t(f'kpi_{key}')} ({t(f'kpiu_{key}')})",
                  value_text or (fmt_num(value, spec.digits) if value is not None else t("kpi_no_data")),
                  delta=delta, delta_color=color, delta_description=t("kpi_vs_prev") if delta else None)
        if extra:
            st.caption(extra)
        _status(key)


def grid(items: list[tuple], per_row: int = 4) -> None:
    for i in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, item in zip(cols, items[i:i + per_row], strict=False):
            card(col, *item)


# ------------------------------------------------------------------ logistics
st.header(t("kpi_area_logistics"))
since = report.get("fleet_days_since_accident_from")
since_text = (t("kpi_accident_since_last", date=report["fleet_last_accident_on"]) if since == "last_accident" else
              t("kpi_accident_since_start") if since == "records_start" else None)
grid([("repairs_total",), ("repairs_closed_pct",), ("repairs_within_rule_pct",), ("meetings_served",),
      ("reception_groups",), ("reception_people",), ("canteen_groups",), ("canteen_share_pct",),
      ("visitor_groups",), ("visitor_people",), ("dispatches",), ("fleet_accidents",),
      ("fleet_accident_free_days",), ("fleet_days_since_accident", None, since_text)])

groups = query(figures.repairs_by_group, year, year)
if not groups.empty:
    groups = groups.assign(late=groups["repairs_total"] - groups["repairs_within_rule"])
    fig = go.Figure([
        go.Bar(x=groups["building_group"], y=groups["repairs_within_rule"], name=t("kpi_repairs_in_rule"),
               marker_color="#2e7d32", text=groups["repairs_within_rule"], textposition="inside"),
        go.Bar(x=groups["building_group"], y=groups["late"], name=t("kpi_repairs_late"), marker_color="#ef6c00",
               text=[str(n) if n > 0 else "" for n in groups["late"]], textposition="outside",
               cliponaxis=False),
    ])
    fig.update_layout(barmode="stack", title=t("kpi_repairs_chart", year=year), height=360,
                      xaxis_title=t("kpi_building_group"), yaxis_title=t("kpi_orders"), font_size=16,
                      legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
                      margin={"t": 70, "b": 40})
    left, right = st.columns([3, 2])
    left.plotly_chart(fig, width="stretch")
    table = groups[["building_group", "repairs_total", "repairs_within_rule", "cost_yuan"]].assign(
        cost_yuan=lambda d: (d["cost_yuan"] / 1e4).round(2))
    right.dataframe(table.rename(columns={
        "building_group": t("kpi_building_group"), "repairs_total": t("kpi_orders"),
        "repairs_within_rule": t("kpi_repairs_in_rule"), "cost_yuan": t("kpi_cost_wan")}),
        hide_index=True, width="stretch")

# ------------------------------------------------------------------ energy and resources
st.header(t("kpi_area_energy"))
base = report["baseline_year"]
pv_sites = t("kpi_of_total", value=fmt_num(report["pv_sites_commissioned"]), total=fmt_num(report["pv_sites_total"]))
change_base = report["energy_kgce_change_vs_2020_pct"]


def vs_base(key: str) -> str | None:
    change = report.get(f"{key}_change_vs_2020_pct")
    return None if change is None else t("kpi_vs_baseline", year=base, change=f"{change:+.1f}%")


st.caption(t("mv_fleet_in") if with_fleet else t("mv_fleet_out"))
grid([("energy_kgce",), ("energy_fleet_share_pct",),
      ("energy_kgce_change_vs_2020_pct", f"{change_base:+.1f}%" if change_base is not None else None),
      ("energy_kgce_per_m2", None, vs_base("energy_kgce_per_m2")),
      ("energy_kgce_per_person", None, vs_base("energy_kgce_per_person")),
      ("water_m3_per_person", None, vs_base("water_m3_per_person")),
      ("co2_kg_per_m2", None, vs_base("co2_kg_per_m2")),
      ("pv_generation_kwh",), ("pv_saving_rate_pct",), ("pv_sites_commissioned", pv_sites)])

# ------------------------------------------------------------------ certification
st.header(t("kpi_area_certification"))
cert_cols = st.columns(4)
for col, program in zip(cert_cols[:2], kpi.PROGRAMS, strict=True):
    tg = report["targets"].get(f"{program}_units")
    value = report[f"{program}_units"]
    shown = t("kpi_of_total", value=value, total=f"{tg['target']:g}") if tg else fmt_num(value)
    card(col, f"{program}_units", shown)
if report["jieyue_units"] or report["jieshui_units"]:
    fig = go.Figure()
    names = [t(f"kpi_program_{p}") for p in kpi.PROGRAMS]
    for stage in STAGE_ORDER:
        counts = [report[f"{p}_units_by_stage"].get(stage, 0) for p in kpi.PROGRAMS]
        if any(counts):
            fig.add_bar(y=names, x=counts, name=t(f"stage_{stage}"), orientation="h", text=counts,
                        textposition="inside", marker_color=STAGE_COLOR[stage])
    targets = [report["targets"].get(f"{p}_units", {}).get("target") for p in kpi.PROGRAMS]
    if any(v is not None for v in targets):
        fig.add_scatter(y=names, x=targets, mode="markers+text", name=t("kpi_target"), text=targets,
                        textposition="middle right", marker={"symbol": "line-ns-open", "size": 30, "color": "black",
                                                             "line": {"width": 3}})
    fig.update_layout(barmode="stack", title=t("kpi_cert_chart", year=year), height=320, font_size=16,
                      xaxis_title=t("kpi_units"), margin={"t": 90, "b": 40},
                      legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"})
    st.plotly_chart(fig, width="stretch")
else:
    st.info(t("kpi_no_cert", year=year))

# ------------------------------------------------------------------ fleet
st.header(t("kpi_area_fleet"))
grid([("fleet_co2_t",), ("fleet_co2_kg_per_dispatch",), ("fleet_electric_share_pct",),
      ("fleet_ev_hybrid_share_pct",)])

sources = sorted({tg["source"] for tg in report["targets"].values() if tg.get("source")})
st.subheader(t("kpi_notes"))
st.caption(t("kpi_notes_text", sources="；".join(sources) if lang() == "zh" else "; ".join(sources)))
