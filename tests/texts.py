"""What a person reads on a page, collected from an AppTest run, and the patterns that must never be in it.

Used by tests/test_words.py (AppTest, every page in both languages) and tests/test_browser.py (the rendered
text). Plotly figures are checked by their titles, axis titles, trace names, hover templates and texts.
"""

from __future__ import annotations

import json
import re

import pandas as pd

# Internal text a user must never see: raw keys, missing values printed as words, negative zero,
# server paths, tracebacks, research notes about where a value was seen.
FORBIDDEN = [
    (re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"), "a raw key (snake_case)"),
    (re.compile(r"\b(?:jieyue|jieshui|dangliang|dengjia|guangxi|haydavies)\b"), "a raw key"),
    (re.compile(r"\bNone\b|\bNaN\b|\bnan\b|\bNaT\b|<NA>|\binf\b"), "a missing value printed as a word"),
    (re.compile(r"(?<![\w.])[-−]0(?:\.0+)?(?![\d.])%?"), "negative zero"),
    (re.compile(r"(?:/work/|/tmp/|/home/|/root/|\.duckdb\b|site-packages)"), "a server path"),
    (re.compile(r"Traceback|Error:|Exception"), "a traceback"),
    (re.compile(r"third.party|value seen|seen in|seen only", re.I), "a research note"),
    (re.compile(r"XX县|XX County"), "the placeholder county name on demo data"),
]
URL = re.compile(r"`[^`]*`|\S*\?\S*=\S*|https?://\S+")
# a file the officer edits or loaded (data/pv_settings.csv, work_orders.csv) is named, not a key
FILE = re.compile(r"[\w./-]+\.(?:csv|xlsx|xls|docx|json|geojson)\b")


def problems(texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        plain = URL.sub(" ", text)  # a shown link carries its parameters on purpose
        for pattern, what in FORBIDDEN:
            m = pattern.search(plain if what == "a server path" else FILE.sub(" ", plain))
            if m:
                out.append(f"{what}: {m.group(0)!r} in {text[:160]!r}")
    return out


def _figure_texts(spec: str) -> list[str]:  # noqa: C901 - to split (listed in the README)
    fig = json.loads(spec)
    out: list[str] = []
    layout = fig.get("layout", {})

    def title(obj) -> None:
        t = obj.get("title") if isinstance(obj, dict) else None
        if isinstance(t, dict):
            t = t.get("text")
        if t:
            out.append(str(t))

    title(layout)
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis", "coloraxis")) and isinstance(axis, dict):
            title(axis)
            title(axis.get("colorbar", {}))
            out += [str(x) for x in axis.get("ticktext", []) or []]
    title(layout.get("legend", {}))
    for ann in layout.get("annotations", []) or []:
        out.append(str(ann.get("text", "")))
    for tr in fig.get("data", []):
        if tr.get("name"):
            out.append(str(tr["name"]))
        for k in ("hovertemplate", "texttemplate"):
            if isinstance(tr.get(k), str):
                out.append(re.sub(r"%\{[^}]*\}", "", tr[k]))
        for k in ("text", "hovertext"):
            v = tr.get(k)
            if isinstance(v, list):
                out += [str(x) for x in v if isinstance(x, str)]
            elif isinstance(v, str):
                out.append(v)
        for k in ("x", "y") if tr.get("type") in ("bar",) else ():
            v = tr.get(k)
            if isinstance(v, list):
                out += [str(x) for x in v if isinstance(x, str)]
    return out


def page_texts(at) -> list[str]:  # noqa: C901 - to split (listed in the README)
    """Every text of the page an AppTest has run: markdown, captions, labels, metric values, table headers
    and cells, badges, options, and the words in its charts."""
    out: list[str] = []

    def walk(node) -> None:  # noqa: C901 - to split (listed in the README)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        kind = type(node).__name__
        proto = getattr(node, "proto", None)
        if kind in ("Markdown", "Caption", "Title", "Header", "Subheader", "Text", "Info", "Warning", "Success",
                    "Error", "Latex", "Code"):
            out.append(str(node.value))
        elif kind == "Metric":
            out.extend([str(node.label), str(node.value), str(getattr(proto, "delta", "") or "")])
        elif kind == "Dataframe":
            df = node.value
            if isinstance(df, pd.DataFrame):
                out.extend([str(c) for c in df.columns])
                if df.index.name:
                    out.append(str(df.index.name))
                for col in df.columns:
                    if df[col].isna().any():
                        out.append(f"None (a missing number in column {col}, shown as None by the grid)")
                    # pandas 3 keeps text as the "str" dtype, not object: check every non-number column
                    if not (pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_datetime64_any_dtype(df[col])):
                        out.extend([str(v) for v in df[col].dropna().astype(str).unique()[:200]])
        elif kind in ("Selectbox", "Radio", "Multiselect", "SelectSlider"):
            out.append(str(node.label))
            out.extend([str(o) for o in getattr(proto, "options", [])])
        elif kind == "Html":  # what it shows, not its style sheet or script
            body = re.sub(r"<(style|script)\b.*?</\1>", " ", str(proto.body), flags=re.S)
            out.append(re.sub(r"<[^>]+>", " ", body))
        elif kind == "Table":
            out.append(str(node.value))
        elif kind == "DownloadButton":
            out.append(str(proto.label))
        elif kind in ("Button", "Checkbox", "Toggle", "TextInput", "NumberInput", "DateInput"):
            out.append(str(getattr(node, "label", "")))
        elif kind == "Expander":
            out.append(str(getattr(proto, "label", "")))
        elif proto is not None and kind == "UnknownElement":
            name = getattr(node, "type", "")
            if name == "plotly_chart":
                out.extend(_figure_texts(proto.spec))
            elif name == "download_button":
                out.append(str(proto.label))
            elif name == "html":  # what it shows, not its style sheet or script
                body = re.sub(r"<(style|script)\b.*?</\1>", " ", str(proto.body), flags=re.S)
                out.append(re.sub(r"<[^>]+>", " ", body))
            elif name == "badge" or hasattr(proto, "body"):
                out.append(str(getattr(proto, "body", "")))
    walk(at._tree)
    return [x for x in out if x]
