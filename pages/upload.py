"""Upload: drop files, see what would happen, accept warnings, commit. Officers and admins only."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from etl.ingest import loader, readers
from etl.ingest.kinds import KINDS, LOAD_ORDER
from etl.ingest.messages import text_of
from etl.pv import project
from etl.reports.exports import to_xlsx_bytes
from etl.store.db import connect
from ui import upload_preview
from ui.auth import require_role
from ui.common import fmt_num
from ui.frame import inside_dashboard
from ui.i18n import lang, t
from ui.safe import md
from ui.uploader import localise_uploader

inside_dashboard()
user = require_role("officer", "admin")

st.title(t("upload_title"))
st.caption(t("upload_intro"))


# labels computed now: a format_func must not read the session later (AppTest calls it outside the run)
KIND_LABELS = {k: s.label_en if lang() == "en" else s.label_zh for k, s in KINDS.items()}
KIND_LABELS[None] = t("kind_unknown")
kind_label = KIND_LABELS.get


# ------------------------------------------------------------------ templates and aliases
with st.expander(t("templates_title"), icon=":material/table_view:"):
    tkind = st.selectbox(t("template_kind"), LOAD_ORDER, format_func=kind_label, key="template_kind")
    spec = KINDS[tkind]
    aliases = pd.DataFrame([{
        # the template's own header names the field; an English header a file may carry is shown as typed
        t("alias_field"): c.aliases[0] if c.aliases else c.name,
        t("alias_names"): " / ".join(f"`{a}`" if a.isascii() else a for a in c.aliases),
        t("alias_required"): t("yes") if c.required else t("no"),
        t("alias_units"): ", ".join(c.units) if c.units else "",
    } for c in spec.columns])
    st.dataframe(aliases, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.download_button(t("template_download"), loader.template_csv(tkind).encode("utf-8-sig"),
                       file_name=f"template_{tkind}.csv", mime="text/csv", key="template_csv")
    templates = {k: pd.read_csv(io.StringIO(loader.template_csv(k)), dtype=str, keep_default_na=False)
                 for k in LOAD_ORDER}
    c2.download_button(t("template_all"), to_xlsx_bytes(templates), file_name="templates.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="template_xlsx")

# ------------------------------------------------------------------ files
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls"]
localise_uploader(UPLOAD_TYPES)
files = st.file_uploader(t("upload_files"), type=UPLOAD_TYPES, accept_multiple_files=True, key="upload_files")
cache: dict = st.session_state.setdefault("upload_prepared", {})
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DERIVED_QTY = ("energy_kwh", "water_m3")  # quantities with words of their own (ui/text_upload.py qty_*)


def prepared(data: bytes, name: str, kind: str | None, sheet: str | None) -> loader.Prepared:
    """Prepare once per (content, kind, sheet); reruns of the page reuse the result."""
    key = (loader.sha256(data), name, kind, sheet)
    if key not in cache:
        bar = st.progress(0.0, text=t("reading_file", name=name))
        with connect() as con:
            cache[key] = loader.prepare(con, data, name, kind, sheet=sheet,
                                        progress=lambda f, _s: bar.progress(f, text=t("reading_file", name=name)))
        bar.empty()
    return cache[key]


def problems_table(prep: loader.Prepared) -> pd.DataFrame:
    rows = sorted(prep.problems, key=lambda p: (SEVERITY_ORDER.get(p.severity, 3), p.line or 0))
    texts = [p.text(lang()) for p in rows]  # each problem's code rendered in the page's language (etl/ingest/messages.py)
    return pd.DataFrame({
        t("p_severity"): [t(f"sev_{p.severity}") for p in rows],
        t("p_line"): [p.line for p in rows],
        t("p_column"): [p.column for p in rows],
        t("p_value"): [p.value for p in rows],
        t("p_message"): [m for m, _ in texts],
        t("p_fix"): [f for _, f in texts],
    })


def show_file(i: int, f) -> None:
    data = f.getvalue()
    with st.container(border=True):
        st.subheader(md(f.name))
        sheets = readers.sheet_names(data)
        c1, c2 = st.columns(2)
        # None first: the loader picks the sheet that holds the table (a summary or notes sheet often comes first)
        sheet = c2.selectbox(t("file_sheet"), [None, *sheets], key=f"sheet_{i}_{f.name}",
                             format_func=lambda s: t("file_sheet_auto") if s is None else s) if len(sheets) > 1 else None
        detected = prepared(data, f.name, None, sheet).kind
        options = [None, *LOAD_ORDER]
        kind = c1.selectbox(t("file_kind"), options, index=options.index(detected),
                            format_func=kind_label,
                            key=f"kind_{i}_{f.name}")
        prep = prepared(data, f.name, kind, sheet) if kind != detected else prepared(data, f.name, None, sheet)
        if prep.encoding:
            st.caption(t("encoding", encoding=prep.encoding))
        if prep.already_loaded is not None:
            st.info(t("file_already", batch=prep.already_loaded), icon=":material/check_circle:")
            return
        info = loader.summary(prep)
        if prep.has_rows:
            m = st.columns([1, 1, 2.2, 1])  # the period needs room for two dates
            m[0].metric(t("preview_rows"), fmt_num(info["rows"]))
            m[1].metric(t("preview_entities"), fmt_num(info["entities"]) if info["entity"] else "—")
            start, end = info["period_start"], info["period_end"]
            m[2].metric(t("preview_period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if start else "—")
            m[3].metric(t("preview_replaced"), fmt_num(info["rows_replaced"]))
            if info["rows_replaced"]:
                st.warning(t("replace_rule", n=info["rows_replaced"]), icon=":material/swap_horiz:")
            if info["totals"]:
                # each quantity under the file's own header for it (结算电量(kWh)), not the column's code; a
                # quantity the loader derived (settled energy from 抄见 on a bill) under its own words
                named = {field: header for header, field in prep.header_map.items()}
                named = {c: named.get(c) or (t(f"qty_{c}") if c in DERIVED_QTY else c) for c in info["totals"]}
                totals = pd.DataFrame({t("preview_quantity"): [named[c] for c in info["totals"]],
                                       t("preview_total"): [round(v, 2) for v in info["totals"].values()]})
                st.caption(t("preview_totals"))
                st.dataframe(totals, hide_index=True, column_config={
                    t("preview_total"): st.column_config.NumberColumn(format="%,.2f")})
            upload_preview.draw(prep, i)  # the file against its history, resolutions, assumptions
            if prep.header_map:
                with st.expander(t("preview_columns")):
                    st.dataframe(pd.DataFrame({t("col_in_file"): list(prep.header_map),
                                               t("col_taken_as"): list(prep.header_map.values())}), hide_index=True)
        if prep.problems:
            st.caption(t("problems"))
            st.dataframe(problems_table(prep), hide_index=True, width="stretch", key=f"problems_{i}")
        if prep.errors:
            st.error(t("file_rejected", n=len(prep.errors)), icon=":material/block:")
            return
        if prep.row_count == 0:
            st.info(t("no_rows"))
            return
        accepted = True
        if prep.warnings:
            accepted = st.checkbox(t("accept_warnings", n=len(prep.warnings)), key=f"accept_{i}_{f.name}")
        # a callback, so the write happens once, before the rerun, whatever else reruns the page
        st.button(t("commit_button"), key=f"commit_{i}_{f.name}", type="primary", disabled=not accepted,
                  on_click=commit_file, args=(prep, accepted))


def commit_file(prep: loader.Prepared, accepted: bool) -> None:
    try:
        with connect() as con:
            batch = loader.commit(con, prep, user, accept_warnings=accepted)
            if prep.kind in project.MODEL_INPUT_KINDS:
                project.refresh_if_needed(con)  # the expected PV output follows at the commit, not a page view
    except Exception as exc:  # noqa: BLE001 - the user gets a sentence, the database is unchanged
        st.session_state["upload_error"] = getattr(exc, "msg", None) or str(exc)  # a code when the loader refused
        return
    cache.clear()  # every preview's "rows replaced" may have changed
    st.session_state.setdefault("upload_done", {})[prep.sha256] = (batch, prep.row_count)


failed = st.session_state.pop("upload_error", None)
if failed:
    st.error(t("commit_failed", error=md(text_of(failed, lang()))))
done = st.session_state.get("upload_done", {})
for i, f in enumerate(files or []):
    sha = loader.sha256(f.getvalue())
    if sha in done:
        batch, rows = done[sha]
        st.success(t("committed", batch=batch, rows=rows), icon=":material/task_alt:")
    show_file(i, f)
