"""ui.common.chart: a figure is built once per inputs and language and shared; other inputs build anew."""

from __future__ import annotations

import pandas as pd
import plotly.express as px

from ui import common, i18n


def test_a_figure_is_built_once_per_inputs_and_language(monkeypatch):
    calls: list[tuple] = []
    language = ["zh"]
    monkeypatch.setattr(i18n, "lang", lambda: language[0])
    monkeypatch.setattr(common, "_figures", type(common._figures)())

    def build(df: pd.DataFrame, title: str):
        calls.append((len(df), title))
        return px.bar(df, x="month", y="kwh", title=f"{title} {i18n.lang()}")

    df = pd.DataFrame({"month": ["2024-01", "2024-02"], "kwh": [10.0, 12.5]})
    first = common.chart(build, df, "a")
    assert common.chart(build, df.copy(), "a") is first  # equal values: the same figure, not built again
    assert len(calls) == 1

    changed = df.assign(kwh=[10.0, 12.6])
    other = common.chart(build, changed, "a")  # one value differs: built anew, with that value
    assert other is not first and list(other.data[0].y) == [10.0, 12.6]
    assert common.chart(build, df, "b") is not first  # another argument
    language[0] = "en"
    english = common.chart(build, df, "a")  # another language: its own figure
    assert english is not first and english.layout.title.text == "a en"
    assert len(calls) == 4


def test_the_kept_figures_are_bounded(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "zh")
    monkeypatch.setattr(common, "_figures", type(common._figures)())
    monkeypatch.setattr(common, "FIGURES_KEPT", 3)

    def build(n: int):
        return px.bar(x=[1], y=[n])

    for n in range(5):
        common.chart(build, n)
    assert len(common._figures) == 3
