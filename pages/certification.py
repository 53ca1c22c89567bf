"""节约型机关 / 节水型单位 创建: where every unit stands, what is missing, what the data already proves.

Everyone reads; officers and admins record stages, marks and evidence (the write functions check the role again).
All figures come from etl/metrics/certification.py; this page chooses, queries and draws.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from etl.metrics import certification as cert
from etl.reports.exports import to_xlsx_bytes
from etl.store.db import connect
from ui import format as fmt
from ui.auth import can_write, current_role, current_user
from ui.common import fmt_num, query
from ui.frame import inside_dashboard
from ui.i18n import lang, t
from ui.safe import md
from ui.year_note import note

inside_dashboard()
st.title(t("cert_title"))
flash = st.session_state.pop("cert_flash", None)
if flash:
    (st.success if flash[0] != "cert_refused" else st.error)(t(flash[0], **flash[1]))

zh = lang() == "zh"
stage_tbl = cert.stages()
STAGE_NAME = dict(zip(stage_tbl["stage"], stage_tbl["name_zh" if zh else "name_en"], strict=True))



def stage_name(code: str) -> str:
    return STAGE_NAME.get(code, code)


c = st.columns([2, 1, 3])
# labels fixed at run time (a format function must not depend on when it is called)
PROGRAM_LABEL = {p: t(f"cert_program_{p}") for p in cert.PROGRAMS}
STATE_LABEL = {s: t(f"cert_state_{s}") for s in cert.MARK_STATES}
program = c[0].radio(t("cert_program"), cert.PROGRAMS, horizontal=True, key="cert_program",
                     format_func=PROGRAM_LABEL.get)
as_of = c[1].date_input(t("cert_as_of"), value=query(cert.default_as_of), key="cert_as_of")
as_of_s = as_of.isoformat()

# ------------------------------------------------------------------ task and funnel
task = query(cert.task_status, program, as_of_s)
fun = query(cert.funnel, program, as_of_s)
if task:
    st.markdown("**" + md(t("cert_task_text", year=task["year"], units=task["units"], deadline=task["deadline"],
                              stage=stage_name(task["stage"]))) + "**")
    k = st.columns([1, 1, 2])
    k[0].metric(t("cert_reached"), f"{task['units_reached']} / {task['units']}")
    k[1].metric(t("cert_days_left"), task["days_left"])
    with k[2]:
        color = {"met": "green", "on_course": "green", "not_met": "red", "open": "orange"}[task["status"]]
        st.badge(t(f"cert_status_{task['status']}"), color=color)
        if not task["confirmed"]:
            st.badge(t("cert_to_confirm"), color="orange", icon=":material/help:")
        st.caption(md(task["source"]))
else:
    st.info(t("cert_no_task"))

if not sum(fun.values()):
    st.info(t("cert_no_units"))
else:
    names = [stage_name(s) for s in fun]
    fig = go.Figure(go.Bar(y=names, x=list(fun.values()), orientation="h", text=list(fun.values()),
                           textposition="auto", marker_color="#0288d1", name=t("cert_units")))
    if task:
        fig.add_scatter(y=[stage_name(task["stage"])], x=[task["units"]], mode="markers+text",
                        text=[f"{t('cert_target')} {task['units']}"], textposition="middle right",
                        marker={"symbol": "line-ns-open", "size": 28, "color": "black", "line": {"width": 3}},
                        name=t("cert_target"))
    top = max([*fun.values(), task["units"] if task else 0]) * 1.25
    fig.update_layout(title=t("cert_funnel", date=as_of_s), height=360, yaxis={"autorange": "reversed"},
                      xaxis={"range": [0, top]},
                      margin={"t": 60, "b": 30}, showlegend=False, xaxis_title=t("cert_units"))
    st.plotly_chart(fig, width="stretch")

# ------------------------------------------------------------------ stuck units and the table
table = query(cert.units_table, program, as_of_s)
days = int(cert.settings()["stuck_days"])
if table.empty:
    st.stop()
stuck = table[table["stuck"]]
with st.expander(f"{t('cert_stuck', days=days)}: {len(stuck)}", expanded=bool(len(stuck))):
    if stuck.empty:
        st.caption(t("cert_stuck_none"))
    else:
        st.dataframe(stuck[["institution_id", "name", "type", "township", "stage", "days_in_stage"]].assign(
            stage=stuck["stage"].map(stage_name)).rename(columns={
                "institution_id": t("cert_col_id"), "name": t("cert_col_name"), "type": t("cert_col_type"),
                "township": t("cert_col_township"), "stage": t("cert_col_stage"),
                "days_in_stage": t("cert_col_days")}), hide_index=True, width="stretch")

st.subheader(t("cert_table"))
f = st.columns(3)
anything = t("cert_all")
stage_f = f[0].multiselect(t("cert_filter_stage"), list(fun), format_func=STAGE_NAME.get, key="cert_f_stage",
                           placeholder=anything)
type_f = f[1].multiselect(t("cert_filter_type"), sorted(table["type"].dropna().unique()), key="cert_f_type",
                          placeholder=anything)
town_f = f[2].multiselect(t("cert_filter_township"), sorted(table["township"].dropna().unique()),
                          key="cert_f_town", placeholder=anything)
shown = table
if stage_f:
    shown = shown[shown["stage"].isin(stage_f)]
if type_f:
    shown = shown[shown["type"].isin(type_f)]
if town_f:
    shown = shown[shown["township"].isin(town_f)]
sheet = cert.items(program)
starred = set(sheet.loc[sheet["starred"], "item_id"])


def star(ids: list[str]) -> str:
    return ", ".join(f"★{i}" if i in starred else i for i in ids)


view = pd.DataFrame({
    t("cert_col_id"): shown["institution_id"], t("cert_col_name"): shown["name"], t("cert_col_type"): shown["type"],
    t("cert_col_township"): shown["township"], t("cert_col_stage"): shown["stage"].map(stage_name),
    t("cert_col_since"): pd.to_datetime(shown["stage_since"]).dt.date, t("cert_col_days"): shown["days_in_stage"],
    t("cert_col_stuck"): shown["stuck"],
    t("cert_col_score"): [f"{fmt_num(s)} / {fmt_num(p)}" for s, p in zip(shown["score"], shown["pass_mark"],
                                                                         strict=True)],
    t("cert_col_failing"): shown["failing"].map(star), t("cert_col_missing"): shown["missing"].map(star),
    t("cert_col_computed"): [f"{a} / {b} / {c_}" for a, b, c_ in zip(shown["computed_pass"], shown["computed_fail"],
                                                                     shown["computed_no_data"], strict=True)],
    t("cert_col_deadline"): shown["deadline_flag"].map(lambda x: t(f"cert_flag_{x}") if x else ""),
})
picked = st.dataframe(view, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key="cert_table")
rows_picked = list(picked.selection.rows) if picked is not None and hasattr(picked, "selection") else []
if rows_picked and rows_picked != st.session_state.get("cert_table_last"):  # a click on a row opens that unit
    st.session_state["cert_unit"] = shown["institution_id"].iloc[rows_picked[0]]
st.session_state["cert_table_last"] = rows_picked
st.download_button(t("cert_export_list"), lambda: to_xlsx_bytes({"units": query(
    cert.review_list, program, as_of_s, lang())}), file_name=f"{program}-units-{as_of_s}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
    icon=":material/download:", key="cert_list_xlsx")

# ------------------------------------------------------------------ one unit
ids = shown["institution_id"].tolist()
if not ids:
    st.stop()
unit_names = dict(zip(table["institution_id"], table["name"], strict=True))
if st.session_state.get("cert_unit") not in ids:
    st.session_state["cert_unit"] = ids[0]
iid = st.selectbox(t("cert_open_unit"), ids, key="cert_unit", format_func=lambda i: f"{unit_names.get(i)} ({i})")
row = table[table["institution_id"] == iid].iloc[0]
st.subheader(md(t("cert_unit", name=row["name"], id=iid)))
st.link_button(t("cert_energy_link"), f"/energy?inst={quote(iid)}", icon=":material/bolt:")
year = cert.scoring_year(as_of)
cl = query(cert.checklist, program, year, [iid])
cl = cl.sort_values(["starred", "item_id"], ascending=[False, True])
(st.success if row["passes"] else st.warning)(
    f"{t('cert_score_total', score=fmt_num(row['score']), pass_mark=fmt_num(row['pass_mark']))} · "
    f"{t('cert_passes') if row['passes'] else t('cert_fails')}")
st.markdown(f"**{t('cert_checklist', year=year)}**")
st.caption(t("cert_checklist_note"))
checklist = pd.DataFrame({
    t("cert_c_item"): cl["item_id"], t("cert_c_star"): cl["starred"].map({True: "★", False: ""}),
    t("cert_c_text"): cl["text_zh" if zh else "text_en"], t("cert_c_points"): cl["points"],
    t("cert_c_how"): cl["computed"].map({True: t("cert_how_computed"), False: t("cert_how_manual")}),
    t("cert_c_value"): cl["computed_value"], t("cert_c_limit"): cl["computed_threshold"],
    t("cert_c_verdict"): cl["verdict"].map(lambda v: t(f"cert_verdict_{v}") if isinstance(v, str) else ""),
    t("cert_c_figures"): cl["figures_zh" if zh else "figures"].fillna(""),
    t("cert_c_state"): cl["effective_state"].map(lambda s: t(f"cert_state_{s}")),
    t("cert_c_score"): cl["effective_score"], t("cert_c_override"): cl["overridden"],
    t("cert_c_note"): cl["note"], t("cert_c_evidence"): cl["evidence_files"], t("cert_c_by"): cl["marked_by"],
    t("cert_c_confirmed"): cl["confirmed"].map({True: "", False: "待核实" if zh else "to confirm"}),
})
# fmt.for_screen: a gap (no value, no note, no evidence yet) reads "—", not "None"; the columns that are
# blank on purpose (no star, confirmed) stay blank
shown_cl, config_cl = fmt.for_screen(checklist, {t("cert_c_value"): 2, t("cert_c_limit"): 2})
blank_ok = [t("cert_c_star"), t("cert_c_figures"), t("cert_c_confirmed")]
shown_cl[blank_ok] = checklist[blank_ok]
st.dataframe(shown_cl, hide_index=True, width="stretch", column_config=config_cl)
st.download_button(t("cert_export_sheet"), lambda: to_xlsx_bytes({"self-assessment": query(
    cert.self_assessment, program, iid, as_of_s, lang())}), file_name=f"{program}-{iid}-self-assessment.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
    icon=":material/download:", key="cert_sheet_xlsx")

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('cert_figures', year=year)}**")
    figs = query(cert.unit_figures, iid, year)
    if not note(year)["comparable"]:  # a part of a year against a whole one is no change
        figs = figs.assign(change_pct=float("nan"))
    shown_f, config_f = fmt.for_screen(pd.DataFrame({
        t("cert_f_metric"): figs["metric"].map(lambda m: t(f"cert_m_{m}")), t("cert_f_previous"): figs["previous"],
        t("cert_f_value"): figs["value"], t("cert_f_change"): figs["change_pct"]}),
        {t("cert_f_previous"): 2, t("cert_f_value"): 2, t("cert_f_change"): 1}, signed=(t("cert_f_change"),))
    st.dataframe(shown_f, hide_index=True, width="stretch", column_config=config_f)
with right:
    st.markdown(f"**{t('cert_evidence')}**")
    ev = query(cert.evidence, program, iid)
    if ev.empty:
        st.caption(t("cert_no_evidence"))
    for e in ev.itertuples():
        cols = st.columns([4, 1])
        cols[0].text(f"{e.item_id or ''} · {e.file_name} · {e.file_type} · {e.size_bytes / 1024:.0f} KB")

        def _bytes(eid=int(e.evidence_id)) -> bytes:
            with connect() as con:
                got = cert.evidence_bytes(con, eid)
            return got[1] if got else b""
        cols[1].download_button(t("cert_download"), _bytes, file_name=e.file_name, on_click="ignore",
                                key=f"cert_ev_{e.evidence_id}")

st.markdown(f"**{t('cert_history')}**")
hist = query(cert.unit_history, program, iid)
if len(hist):
    shown_h, config_h = fmt.for_screen(pd.DataFrame({
        t("cert_h_kind"): hist["kind"].map(lambda k_: t(f"cert_kind_{k_}")), t("cert_h_id"): hist["id"],
        t("cert_h_what"): hist["what"].map(lambda w: " ".join(stage_name(x) for x in str(w).split(" "))),
        t("cert_h_detail"): hist["detail"], t("cert_h_note"): hist["note"], t("cert_h_who"): hist["who"],
        t("cert_h_at"): hist["at"], t("cert_h_undone"): hist["undone"]}))
    st.dataframe(shown_h, hide_index=True, width="stretch", column_config=config_h)

# ------------------------------------------------------------------ officers: record and undo
if not can_write():
    st.stop()


def _do(action, ok_key: str) -> None:
    """Run one write (the function checks the role again); a refusal becomes a sentence, never a traceback."""
    try:
        with connect() as con:
            action(con, current_user(), current_role())
        st.session_state["cert_flash"] = (ok_key, {})
    except (cert.CertError, PermissionError) as exc:
        st.session_state["cert_flash"] = ("cert_refused", {"reason": str(exc)})


def save_stage() -> None:
    ss = st.session_state
    _do(lambda con, u, r: cert.set_stage(con, iid, program, ss["cert_new_stage"], ss["cert_new_date"],
                                         ss.get("cert_new_note"), u, r), "cert_saved")


def save_mark() -> None:
    ss = st.session_state
    score = ss.get("cert_mark_score")
    _do(lambda con, u, r: cert.mark_item(con, iid, program, ss["cert_mark_item"], year, ss["cert_mark_state"],
                                         None if score is None else float(score), ss.get("cert_mark_note"), u, r),
        "cert_saved")


def save_file() -> None:
    ss = st.session_state
    up = ss.get("cert_file")
    if up is None:
        return
    item = ss.get("cert_file_item") or None
    _do(lambda con, u, r: cert.add_evidence(con, iid, program, item, up.name, up.getvalue(), u, r), "cert_saved")


def undo_change() -> None:
    ss = st.session_state
    kind, id_ = ss["cert_undo_pick"].split(":")
    if ss.get("cert_undo_confirm"):
        _do(lambda con, u, r: cert.undo(con, kind, int(id_), u, r, iid), "cert_undone")


st.subheader(t("cert_edit"))
e1, e2 = st.columns(2)
with e1.form("cert_stage_form", border=True):
    st.markdown(f"**{t('cert_set_stage')}**")
    st.selectbox(t("cert_stage"), list(stage_tbl["stage"]), format_func=stage_name, key="cert_new_stage")
    st.date_input(t("cert_date"), value=as_of, key="cert_new_date")
    st.text_input(t("cert_note"), key="cert_new_note")
    st.form_submit_button(t("cert_save_stage"), on_click=save_stage)
with e2.form("cert_mark_form", border=True):
    st.markdown(f"**{t('cert_mark')}**")
    st.selectbox(t("cert_item"), sheet["item_id"].tolist(), key="cert_mark_item", format_func=lambda i: (
        f"{'★' if i in starred else ''}{i} " + sheet.set_index("item_id").at[i, "text_zh" if zh else "text_en"])[:60])
    st.selectbox(t("cert_state"), cert.MARK_STATES, key="cert_mark_state", format_func=STATE_LABEL.get)
    st.number_input(t("cert_score"), min_value=0.0, max_value=100.0, value=None, step=1.0, key="cert_mark_score")
    st.text_input(t("cert_note"), key="cert_mark_note")
    st.caption(t("cert_override_note"))
    st.form_submit_button(t("cert_save_mark"), on_click=save_mark)
e3, e4 = st.columns(2)
with e3.form("cert_file_form", border=True, clear_on_submit=True):
    st.file_uploader(t("cert_attach", mb=fmt_num(cert.settings()["evidence_max_mb"])),
                     type=["pdf", "jpg", "jpeg", "png", "xlsx", "docx"], key="cert_file")
    whole = t("cert_attach_none")
    st.selectbox(t("cert_attach_item"), ["", *sheet["item_id"]], key="cert_file_item",
                 format_func=lambda i: i or whole)
    st.form_submit_button(t("cert_save_file"), on_click=save_file)
with e4.container(border=True):
    st.markdown(f"**{t('cert_undo')}**")
    live = hist[~hist["undone"]] if len(hist) else hist
    if len(live):
        opts = [f"{k_}:{i_}" for k_, i_ in zip(live["kind"], live["id"], strict=True)]
        labels = dict(zip(opts, [f"{t(f'cert_kind_{k_}')} {i_} · {w}" for k_, i_, w in zip(
            live["kind"], live["id"], live["what"], strict=True)], strict=True))
        st.selectbox(t("cert_undo_pick"), opts, key="cert_undo_pick", format_func=lambda o: labels[o])
        st.checkbox(t("cert_undo_confirm"), key="cert_undo_confirm")
        st.button(t("cert_undo_button"), on_click=undo_change, key="cert_undo_button")
