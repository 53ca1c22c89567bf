"""Settings: factors, targets, national averages, KPI targets, PV and anomaly settings. Admins only.

An edit changes one value (or its source or valid years) of one row; it is kept with who and when and
can be undone. The edit bumps the data version, so every page shows the new value at once.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from etl.ingest.messages import text_of
from etl.pv import project
from etl.store import reference
from etl.store.db import DatabaseBusy, connect
from ui import format as fmt
from ui.auth import require_role
from ui.frame import inside_dashboard
from ui.i18n import TEXT, lang, t

inside_dashboard()
me = require_role("admin")

st.title(t("mv_settings_title"))
st.caption(t("mv_settings_intro"))
flash = st.session_state.pop("settings_message", None)
if flash:
    (st.success if flash[0] != "mv_refused" else st.error)(t(flash[0], **flash[1]))

with connect() as con:
    tables = {name: reference.table(con, name) for name in reference.REF_TABLES}
    history = reference.edits(con)


EN = lang() == "en"


def _word(key: str, default) -> str:
    return t(key) if key in TEXT else default


def _name(name: str, row) -> str:
    """What a row is called, in the page's language: the row's own name, else the catalogue's."""
    own = row.get("name_en" if EN else "name_zh")
    if isinstance(own, str) and own.strip():
        return own
    if name == "ref_settings":
        return _word(f"sn_{row['scope']}_{row['key']}", row["key"])
    if name == "ref_national_averages":
        return _word(str(row["metric"]), row["metric"])
    return " · ".join(str(row[k]) for k in reference.REF_TABLES[name].key)


def _label(name: str, row) -> str:
    """The row as the row picker names it: its name, with its years or area where several rows share it."""
    text = _name(name, row)
    if name == "ref_factors":
        return f"{text} · {row['valid_from']}–{row['valid_to']}"
    if name == "ref_kpi_targets":
        return f"{text} · {row['year_from']}–{row['year_to']}"
    if name == "ref_national_averages":
        return f"{text} · {row['year']}"
    if name == "ref_settings":
        return f"{_word('scope_' + str(row['scope']), row['scope'])} · {text}"
    return text


def _value(v) -> str:
    """A setting's value; a code an admin types (dangliang, self_use …) shows its name beside it."""
    if not isinstance(v, str) or not v.strip():
        return fmt.DASH
    # the code in backticks: what to type, literally
    return t("set_typed_code", name=t(f"sv_{v}"), code=f"`{v}`") if f"sv_{v}" in TEXT else v


def _status(v) -> str:
    return _word(f"st_{v}", v) if isinstance(v, str) and v.strip() else fmt.DASH


def _view(name: str, df: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A reference table in words: names instead of keys, coded values named, the team's notes left out."""
    names = [_name(name, r) for _, r in df.iterrows()]
    col = {c: t(f"rc_{c}") for c in ("name", "value", "unit", "valid_from", "valid_to", "source", "source_en",
                                     "status", "year", "baseline_year", "target_year", "change_pct",
                                     "comparison", "target", "year_from", "year_to", "scope", "grp", "help")}
    if name == "ref_factors":
        # a factor as entered (0.1229, 0.84, 1.4571): rows carry different units, so no common decimals
        out = pd.DataFrame({col["name"]: names, col["value"]: df["value"].map(lambda v: f"{v:g}"),
                            col["unit"]: df["unit"], col["status"]: df["status"].map(_status),
                            col["valid_from"]: df["valid_from"], col["valid_to"]: df["valid_to"],
                            # the citation in the page's language (both stay editable below)
                            **({col["source_en"]: df["source_en"]} if EN else {col["source"]: df["source"]})})
        digits = {}
    elif name == "ref_targets":
        out = pd.DataFrame({col["name"]: names, col["baseline_year"]: df["baseline_year"],
                            col["target_year"]: df["target_year"], col["change_pct"]: df["change_pct"],
                            **({col["source_en"]: df["source_en"]} if EN else {col["source"]: df["source"]})})
        digits = {col["change_pct"]: 1}
    elif name == "ref_national_averages":
        out = pd.DataFrame({col["name"]: names, col["year"]: df["year"], col["value"]: df["value"],
                            col["unit"]: df["unit"], col["source"]: df["source"]})
        digits = {col["value"]: 2}
    elif name == "ref_kpi_targets":
        cmp = {">=": t("cmp_ge"), "<=": t("cmp_le")}
        out = pd.DataFrame({col["name"]: names, col["comparison"]: df["comparison"].map(lambda c: cmp.get(c, c)),
                            col["target"]: df["target"], col["unit"]: df["unit"],
                            col["year_from"]: df["year_from"], col["year_to"]: df["year_to"],
                            col["source"]: df["source"]})
        digits = {col["target"]: 1}
    else:
        out = pd.DataFrame({col["scope"]: df["scope"].map(lambda v: _word(f"scope_{v}", v)), col["name"]: names,
                            col["value"]: df["value"].map(_value), col["unit"]: df["unit"],
                            col["help"]: df["help_en" if EN else "help_zh"], col["source"]: df["source"],
                            col["valid_from"]: df["valid_from"], col["valid_to"]: df["valid_to"]})
        digits = {}
    shown, config = fmt.for_screen(out, digits=digits, pin=col["name"])
    if name in ("ref_factors", "ref_settings"):  # values as entered, right-aligned like numbers
        config[col["value"]] = st.column_config.TextColumn(col["value"], alignment="right")
    return shown, config


def _history(history: pd.DataFrame) -> pd.DataFrame:
    """The edits in words: which table and row, what each changed column was before and after."""
    def row_name(tbl: str, row_key: str) -> str:
        key, df = json.loads(row_key), tables.get(tbl)
        if df is not None:
            hit = df
            for k, v in key.items():
                hit = hit[hit[k].astype(str) == str(v)]
            if not hit.empty:
                return _label(tbl, hit.iloc[0])
        return " · ".join(str(v) for v in key.values())

    def changes(text: str) -> str:
        return "；".join(f"{_word('mv_col_' + c, c)}: {fmt.DASH if v is None else v}"
                        for c, v in json.loads(text).items())

    out = pd.DataFrame({t("rc_edit_id"): history["edit_id"],
                        t("rc_tbl"): history["tbl"].map(lambda n: _word(f"mv_tab_{n}", n)),
                        t("rc_row_key"): [row_name(a, b) for a, b in zip(history["tbl"], history["row_key"],
                                                                           strict=True)],
                        t("rc_before"): history["before"].map(changes), t("rc_after"): history["after"].map(changes),
                        t("rc_edited_by"): history["edited_by"], t("rc_edited_at"): history["edited_at"],
                        t("rc_undone_by"): history["undone_by"], t("rc_undone_at"): history["undone_at"]})
    return fmt.for_screen(out)[0]


def _save(name: str) -> None:
    ss = st.session_state
    spec = reference.REF_TABLES[name]
    row = tables[name].iloc[ss[f"set_row_{name}"]]
    key = {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in spec.key}
    column = ss[f"set_col_{name}"]
    try:
        with connect() as con:
            edit_id = reference.edit(con, name, key, {column: ss[f"set_val_{name}"]}, by=me)
            if name == "ref_settings" and key.get("scope") == "pv" and project.refresh_needed(con):
                project.run_model(con)  # a model setting changed: the expected output follows now
        ss["settings_message"] = ("mv_saved", {"edit_id": edit_id})
    except reference.EditError as exc:
        ss["settings_message"] = ("mv_refused", {"reason": text_of(exc, lang())})
    except DatabaseBusy:
        ss["settings_message"] = ("mv_refused", {"reason": t("db_busy")})


def _undo() -> None:
    ss = st.session_state
    edit_id = ss.get("set_undo")
    if edit_id is None:
        return
    try:
        with connect() as con:
            reference.undo(con, int(edit_id), by=me)
        ss["settings_message"] = ("mv_undone", {"edit_id": edit_id})
    except reference.EditError as exc:
        ss["settings_message"] = ("mv_refused", {"reason": text_of(exc, lang())})
    except DatabaseBusy:
        ss["settings_message"] = ("mv_refused", {"reason": t("db_busy")})


names = list(reference.REF_TABLES)
for tab, name in zip(st.tabs([t(f"mv_tab_{n}") for n in names]), names, strict=True):
    with tab:
        df = tables[name]
        shown, config = _view(name, df)
        st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
        spec = reference.REF_TABLES[name]
        with st.form(f"set_form_{name}", border=True):
            st.subheader(t("mv_edit_head"))
            c = st.columns([2, 1, 2])
            labels = [_label(name, r) for _, r in df.iterrows()]
            c[0].selectbox(t("mv_row"), range(len(df)), key=f"set_row_{name}", format_func=labels.__getitem__)
            # labels looked up now: format_func may run outside the script, where the language is unknown
            col_labels = {col: t(f"mv_col_{col}") for col in spec.editable}
            c[1].selectbox(t("mv_column"), spec.editable, key=f"set_col_{name}", format_func=col_labels.__getitem__)
            c[2].text_input(t("mv_new_value"), key=f"set_val_{name}")
            st.form_submit_button(t("mv_save"), on_click=_save, args=(name,))

st.subheader(t("mv_history"))
if history.empty:
    st.info(t("mv_no_edits"))
else:
    st.dataframe(_history(history), hide_index=True, width="stretch")
    live = history.loc[history["undone_at"].isna(), "edit_id"].tolist()
    if live:
        with st.form("set_undo_form", border=False):
            st.selectbox(t("mv_undo_pick"), live, key="set_undo")
            st.form_submit_button(t("mv_undo"), on_click=_undo)
