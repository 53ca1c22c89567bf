"""The upload preview's history chart, resolution plan and assumptions (data from etl/ingest/preview.py)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from etl.ingest import preview
from etl.ingest.messages import render
from etl.store.db import connect
from ui.i18n import lang, t


def draw(prep, i: int) -> None:
    """One small chart per quantity (file against history), the plan of resolutions, the assumptions."""
    if not prep.has_rows:
        return
    if prep.identical_rows:
        st.info(t("identical_rows", n=prep.identical_rows), icon=":material/check_circle:")
    with connect() as con:
        series = preview.preview_series(con, prep)
        plan = preview.resolution_plan(con, prep)
    if not series.empty:
        st.caption(t("preview_history"))
        quantities = list(dict.fromkeys(series["quantity"]))
        cols = st.columns(len(quantities))
        names = {"file": t("series_file"), "stored": t("series_stored")}
        for col, q in zip(cols, quantities, strict=True):
            part = series[series["quantity"] == q].assign(source=lambda d: d["source"].map(names))
            fig = px.line(part, x="period", y="value", color="source", markers=True, height=240,
                          labels={"period": t("axis_period"), "value": t(f"q_{q}"), "source": ""})
            fig.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h", "y": -0.3})
            col.plotly_chart(fig, width="stretch", key=f"preview_chart_{i}_{q}")
    if not plan.empty:
        st.caption(t("plan_title"))
        res = {r: t(f"res_{r}") for r in ("interval", "day", "month", "bill")}
        st.dataframe(pd.DataFrame({
            t("plan_entity"): plan["entity"], t("plan_resolution"): plan["resolution"].map(res),
            t("plan_first"): pd.to_datetime(plan["first"]).dt.strftime("%Y-%m-%d"),
            t("plan_last"): pd.to_datetime(plan["last"]).dt.strftime("%Y-%m-%d"),
            t("plan_periods"): plan["periods"], t("plan_counted"): plan["counted"],
            t("plan_instead"): plan["instead"].map(lambda v: ", ".join(res.get(x.strip(), x) for x in v.split(",") if x)),
        }), hide_index=True, key=f"preview_plan_{i}")
    if prep.assumptions:
        st.caption(t("assumptions_title"))
        # sentences carry column names from the file: shown as table cells, never as markdown
        st.dataframe(pd.DataFrame({t("assumption"): [render(a, lang()) for a in prep.assumptions]}),
                     hide_index=True, width="stretch", key=f"preview_assumptions_{i}")
