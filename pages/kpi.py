"""Leadership KPIs: logistics next to energy, certification and fleet, year against year and targets.

Every figure comes from etl.kpi.kpi_report (the same definition as `python -m etl kpi` and the
reports). Readable on a projector (large numbers, few words) and on paper (print CSS below).
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from etl import site
from etl.metrics import certification, figures, headline, kpi
from etl.pv import project
from etl.reports import documents
from etl.store.db import connect
from ui import format as fmt
from ui.common import fmt_num, query
from ui.frame import inside_dashboard
from ui.i18n import lang, status_badge, t
from ui.site import county, is_demo
from ui.year_note import default_index, sentence

inside_dashboard()

# Print (A4, 12 mm margins): no sidebar, header, toolbar, banner or widgets; the content is as wide as the
# paper's printable width (186 mm), charts are zoomed to it (script below), cards and tables never split.
st.html("""<style>
@page { size: A4; margin: 12mm; }
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stDownloadButton"], [data-testid="stSelectbox"], .kpi-noprint, [data-testid="stAlert"] {
    display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"] { margin-left: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; width: 186mm !important;
    max-width: 186mm !important; min-width: 0 !important; }
  [data-testid="stMetric"], [data-testid="stPlotlyChart"], [data-testid="stVerticalBlockBorderWrapper"],
  [data-testid="stHorizontalBlock"], [data-testid="stTable"], table, .kpi-card, .kpi-top { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  .kpi-grid { grid-template-columns: repeat(3, 1fr) !important; }
  .kpi-value { font-size: 1.6rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.5rem !important; }
}
[data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMetricLabel"] p { white-space: normal !important; overflow-wrap: anywhere; }
/* the delta's "vs previous year" goes under the delta on a narrow card instead of one character a line */
[data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) { flex-wrap: wrap; }
[data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) > * { white-space: nowrap; }
.kpi-head { color: #31333f; font-size: 0.95rem; margin: -0.5rem 0 0.3rem 0; }
.kpi-demo { color: #b45309; font-weight: 600; }
.kpi-status { font-size: 1.05rem; margin: 0.2rem 0 0.6rem 0; }
.kpi-grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.6rem; }
.kpi-card { border: 1px solid #d6d6d9; border-radius: 0.5rem; padding: 0.55rem 0.8rem; min-width: 0; }
.kpi-label { font-size: 0.95rem; color: #31333f; }
.kpi-value { font-size: 2.1rem; font-weight: 600; line-height: 1.2; white-space: nowrap; }
.kpi-delta, .kpi-extra { font-size: 0.9rem; color: #555; }
.kpi-badge { display: inline-block; font-size: 0.85rem; border-radius: 0.4rem; padding: 0 0.4rem; margin-top: 0.2rem; }
.kpi-good { color: #1b5e20; } .kpi-bad { color: #b71c1c; } .kpi-risk { color: #e65100; } .kpi-neutral { color: #555; }
.kpi-badge.kpi-good { background: #e8f5e9; } .kpi-badge.kpi-bad { background: #ffebee; }
.kpi-badge.kpi-risk { background: #fff3e0; } .kpi-badge.kpi-neutral { background: #f0f2f6; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.2rem !important; }
  h1 { font-size: 1.7rem !important; }
  .kpi-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.4rem; }
  .kpi-card { padding: 0.35rem 0.5rem; }
  .kpi-value { font-size: 1.35rem; }
  .kpi-label, .kpi-delta, .kpi-badge { font-size: 0.78rem; }
  .kpi-extra { display: none; }  /* the target's wording: in the cards further down */
  .kpi-status, .kpi-head { font-size: 0.85rem; }
}
</style>""")
# Charts are drawn at the screen's width; printing zooms each one to the printable width so none is cut.
st.html("""<script>
(() => {
  if (window.__kpiPrintFit) return;
  window.__kpiPrintFit = true;
  const WIDTH = 186 * 96 / 25.4;  // A4 less two 12 mm margins, in CSS px
  const charts = () => document.querySelectorAll('[data-testid="stPlotlyChart"]');
  const fit = () => charts().forEach(el => {
    el.style.zoom = '';
    const svg = el.querySelector('svg.main-svg');
    const w = svg ? svg.getBoundingClientRect().width : el.getBoundingClientRect().width;
    if (w > WIDTH) el.style.zoom = String(Math.floor(1000 * WIDTH / w) / 1000);
  });
  const unfit = () => charts().forEach(el => { el.style.zoom = ''; });
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', unfit);
  window.matchMedia('print').addEventListener('change', e => (e.matches ? fit() : unfit()));
})();
</script>""", unsafe_allow_javascript=True)

years = query(figures.years)
if not years:
    st.title(t("kpi_title"))
    st.info(t("no_data"))
    st.stop()

if st.session_state.get("kpi_year") not in years:
    st.session_state["kpi_year"] = years[default_index(years)]  # the last complete year
# the title names the year; the year's picker sits beside it (the widget's state holds the choice)
top = st.columns([3, 1], vertical_alignment="bottom")
top[0].title(t("kpi_title_year", year=st.session_state["kpi_year"]))
year = top[1].selectbox(t("kpi_year"), years, key="kpi_year", label_visibility="collapsed")  # the title names it
# the first screen is drawn into this box once the report is known; the buttons and the fleet switch follow it
first_screen = st.container()
dl = st.columns([1.2, 1.2, 1.6, 2.0], vertical_alignment="center")
with_fleet = dl[2].toggle(t("mv_fleet_toggle"), value=True, key="kpi_fleet", help=t("mv_fleet_help"))
report = query(kpi.kpi_report, year, "dangliang", "guangxi", with_fleet)

# ------------------------------------------------------------------ the first screen
STATUS_CLASS = {"on_track": "kpi-good", "met": "kpi-good", "better": "kpi-good", "at_risk": "kpi-risk",
                "off_track": "kpi-bad", "not_met": "kpi-bad", "worse": "kpi-bad", "unchanged": "kpi-neutral"}
demo = is_demo()
stamp = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
head = t("kpi_head", county=html.escape(county()), year=year, date=stamp)
head += " · " + (f'<span class="kpi-demo">{t("kpi_data_demo")}</span>' if demo else t("kpi_data_real"))
alerts_n = len(query(project.alerts, year, ""))  # the same cache entry as the PV page
tally = headline.status_line(report, alerts_n)
status_html = t("kpi_status_line", n=tally["targets"], good=tally["good"], risk=tally["at_risk"], bad=tally["bad"])
status_html += " ｜ " + t("kpi_alerts_line", n=alerts_n, year=year)
incomplete = sentence(report["year_status"])  # on screen and on paper: an incomplete year is not judged
if incomplete:
    status_html = (f'<span class="kpi-bad">{html.escape(incomplete)}</span> ｜ '
                   + t("kpi_alerts_line", n=alerts_n, year=year))


def _card(item: dict) -> str:
    key = item["key"]
    if key == "jieyue_units_certified":
        task = (report["targets"].get("jieyue_units") or {}).get("target")
        value = f"{fmt.num(item['value'])} / {fmt.num(task)}" if task is not None else fmt.num(item["value"])
        extra = t("kpi_head_jieshui", value=fmt.num(report.get("jieshui_units_certified")),
                  total=fmt.num((report["targets"].get("jieshui_units") or {}).get("target")
                                or report.get("jieshui_units")))
    else:
        value = fmt.num(item["value"], item["digits"])
        extra = ""
    tg = item["target"]
    if tg and tg.get("kind") == "path":
        extra = t("kpi_target_path", target_year=tg["target_year"], target=f"{tg['target_change_pct']:+g}",
                  baseline_year=tg["baseline_year"], path=fmt.pct(tg["path_pct"]).rstrip("%"))
    elif tg and tg.get("kind") == "level" and key != "jieyue_units_certified":
        extra = t("kpi_target_level", comparison=tg["comparison"], target=f"{tg['target']:g}")
    change = item["change"]
    if key == "jieyue_units_certified":  # units certified since the year before, in units
        before = report["previous"].get(key)
        moved = None if before is None or item["value"] is None else item["value"] - before
        delta = (t("kpi_head_no_change", year=item["against"]) if moved is None else
                 t("kpi_vs_baseline", year=item["against"], change=fmt.delta(moved, 0, t("kpiu_jieyue_units"))))
        dclass = STATUS_CLASS.get(headline.direction(moved, "higher", 0) or "unchanged", "kpi-neutral")
    elif change is None:  # withheld for an incomplete year (or one after an incomplete year), else no figure
        delta = t("kpi_head_no_change", year=item["against"]) if report["comparable"] else t("yr_no_compare")
        dclass = "kpi-neutral"
    else:
        shown = fmt.pct(change) if item["change_unit"] == "%" else fmt.delta(change, unit=t("kpi_pp"))
        delta = t("kpi_vs_baseline", year=item["against"], change=shown)
        dclass = STATUS_CLASS.get(headline.direction(change, item["better"]) or "unchanged", "kpi-neutral")
    status = item["status"]
    badge = (f'<span class="kpi-badge {STATUS_CLASS[status]}">{status_badge(status)}</span>'
             if status else f'<span class="kpi-badge kpi-neutral">{t("yr_not_judged")}</span>'
             if tg and tg.get("not_judged") else "")
    name = fmt.label(t(f"kpi_{key}"), t(f"kpiu_{key}"), lang())
    return (f'<div class="kpi-card"><div class="kpi-label">{html.escape(name)}</div>'
            f'<div class="kpi-value">{value}</div><div class="kpi-delta {dclass}">{delta}</div>'
            f'{badge}<div class="kpi-extra">{html.escape(extra)}</div></div>')


cards = "".join(_card(item) for item in headline.headline(report))
first_screen.html(f'<div class="kpi-top"><div class="kpi-head">{head}</div><div class="kpi-status">{status_html}</div>'
                  f'<div class="kpi-grid">{cards}</div></div>')


def _docx() -> bytes:
    with connect() as con:
        return documents.summary_docx(con, year, report)


def _xlsx() -> bytes:
    with connect() as con:
        return documents.kpi_workbook(con, year, report)


dl[0].download_button(t("kpi_download_xlsx"), _xlsx, file_name=f"kpi-{year}.xlsx", on_click="ignore",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      icon=":material/table:", key="kpi_xlsx")
dl[1].download_button(t("kpi_download_docx"), _docx, file_name=f"summary-{year}.docx", on_click="ignore",
                      mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      icon=":material/description:", key="kpi_docx")
dl[3].html(f'<div class="kpi-noprint" style="color:#808495;font-size:0.875rem">{t("kpi_print_hint")}</div>')

# process order, from pale to dark green: later stages read as further along
STAGE_ORDER = tuple(certification.stages()["stage"])
STAGE_COLOR = dict(zip(STAGE_ORDER, ("#cfd8dc", "#b3e5fc", "#4fc3f7", "#0288d1", "#66bb6a", "#2e7d32", "#1b5e20",
                                     "#e57373"), strict=False))
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
        st.badge(status_badge(tg["status"]), color=STATUS_COLOR[tg["status"]])
    elif tg.get("not_judged"):
        st.badge(t("yr_not_judged"), color="gray")
    st.caption(text)


def card(col, key: str, value_text: str | None = None, extra: str | None = None) -> None:
    spec = kpi.BY_KEY[key]
    value = report.get(key)
    change, pp = report["change_pct"].get(key), report["change_pp"].get(key)
    delta = fmt.delta(change) if change is not None else fmt.delta(pp, unit=t("kpi_pp"))
    moved = change if change is not None else pp
    color = fmt.delta_color(moved, spec.better)  # green only when the change is good for this KPI
    with col.container(border=True):
        st.metric(fmt.label(t(f"kpi_{key}"), t(f"kpiu_{key}"), lang()),
                  value_text or (fmt_num(value, spec.digits) if value is not None else t("kpi_no_data")),
                  delta=delta, delta_color=color, delta_arrow=fmt.delta_arrow(moved),
                  delta_description=t("kpi_vs_prev") if delta else None)
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
    # a plain table (not a scrolling grid): it wraps on paper instead of being cut
    right.table(pd.DataFrame({
        t("kpi_building_group"): groups["building_group"],
        t("kpi_orders"): groups["repairs_total"].map(fmt.num),
        t("kpi_repairs_in_rule"): groups["repairs_within_rule"].map(fmt.num),
        t("kpi_cost_wan"): (groups["cost_yuan"] / 1e4).map(lambda v: fmt.num(v, 2))}).set_index(t("kpi_building_group")))

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
    # the task's figure (units at or past its stage), the same definition as the certification page
    tg = report["targets"].get(f"{program}_units_reached")
    if tg:
        card(col, f"{program}_units_reached", t("kpi_of_total", value=report[f"{program}_units_reached"],
                                                total=f"{tg['target']:g}"),
             t("cert_kpi_task", stage=t(f"stage_{tg['stage']}"), deadline=tg["deadline"]))
    else:
        card(col, f"{program}_units", fmt_num(report[f"{program}_units"]))
if report["jieyue_units"] or report["jieshui_units"]:
    fig = go.Figure()
    names = [t(f"kpi_program_{p}") for p in kpi.PROGRAMS]
    for stage in STAGE_ORDER:
        counts = [report[f"{p}_units_by_stage"].get(stage, 0) for p in kpi.PROGRAMS]
        if any(counts):
            fig.add_bar(y=names, x=counts, name=t(f"stage_{stage}"), orientation="h", text=counts,
                        textposition="inside", marker_color=STAGE_COLOR.get(stage))
    targets = [report["targets"].get(f"{p}_units_reached", {}).get("target") for p in kpi.PROGRAMS]
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

# the summary's documents name the county by its placeholder: show the configured name
county_zh = site.county_name("zh", demo)  # a document title stays Chinese in either language
sources = sorted({tg["source"].replace("XX县", county_zh) for tg in report["targets"].values() if tg.get("source")})
st.subheader(t("kpi_notes"))
st.caption(t("kpi_notes_text", sources="；".join(sources) if lang() == "zh" else "; ".join(sources)))
