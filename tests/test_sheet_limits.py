"""Excel sheets are held to data/upload_limits.csv (read through etl/ingest/limits.py), with one message code.

The caps are set small here (the real ones need sheets of millions of cells); each limit is tried with a
sheet exactly at it (read) and one just over it (refused before or while it is read, nothing written).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest

from etl.ingest import limits, readers
from etl.ingest.loader import prepare
from etl.store.db import connect

SMALL = {"max_rows": 20.0, "max_columns": 10.0, "max_cells": 150.0, "max_xlsx_unzipped_mb": 500.0}


@pytest.fixture()
def small_caps(monkeypatch):
    monkeypatch.setattr(limits, "limits", lambda: SMALL)


def _grid(rows: int, cols: int) -> list[list[object]]:
    head = ["户号", "账期", "电量(kWh)"] + [f"备注{j}" for j in range(3, cols)]
    body = [["0450000001", f"2023-{1 + i % 12:02d}", 100 + i] + ["x"] * (cols - 3) for i in range(rows - 1)]
    return [head[:cols]] + [r[:cols] for r in body]


def _xlsx(rows: int, cols: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "电费"
    for r in _grid(rows, cols):
        ws.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xls(rows: int, cols: int) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("电费")
    for i, r in enumerate(_grid(rows, cols)):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _undeclared(xlsx: bytes) -> bytes:
    """The same workbook with its sheet declaring a single cell (<dimension ref="A1"/>): it says nothing true."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            z.writestr(info, data)
    return out.getvalue()


CASES = [  # (rows, columns) at a limit, and just over it
    ("rows", (20, 3), (21, 3)),
    ("columns", (5, 10), (5, 11)),
    ("cells", (15, 10), (16, 10)),  # 150 cells, then 160
]


@pytest.mark.parametrize("make", [_xlsx, _xls, lambda r, c: _undeclared(_xlsx(r, c))],
                         ids=["xlsx", "xls", "xlsx_undeclared"])
@pytest.mark.parametrize("what,at,over", CASES, ids=[c[0] for c in CASES])
def test_each_limit_at_and_just_over(small_caps, make, what, at, over):
    rows, _enc, _d = readers.read_raw(make(*at), "bill." + ("xls" if make is _xls else "xlsx"))
    assert len(rows) == at[0] and len(rows[0]) == at[1]
    with pytest.raises(readers.ReadError) as exc:
        readers.read_raw(make(*over), "bill." + ("xls" if make is _xls else "xlsx"))
    m = exc.value.msg
    assert m.code == "limit_expands"  # one code for every size refusal, CSV and Excel alike
    assert m.params["rows"] == f"{over[0]:,}" and m.params["cols"] == f"{over[1]:,}"
    assert m.params["max_rows"] == "20" and m.params["max_columns"] == "10" and m.params["max_cells"] == "150"
    assert "电费" in m.render("zh") and "the sheet 电费" in m.render("en")


def test_an_xls_that_declares_nothing_is_counted_while_read(small_caps, monkeypatch):
    monkeypatch.setattr(limits, "xls_declared_sizes", lambda data: [])  # as if the DIMENSIONS record were absent
    with pytest.raises(readers.ReadError) as exc:
        readers.read_raw(_xls(21, 3), "bill.xls")
    assert exc.value.msg.code == "limit_expands" and exc.value.msg.params["rows"] == "21"


def test_refused_sheet_writes_nothing_and_says_so(tmp_path, small_caps):
    with connect(tmp_path / "x.duckdb") as con:
        prep = prepare(con, _xlsx(21, 3), "bill.xlsx", now=datetime(2025, 6, 1))
        assert not prep.ok and prep.rows is None
        assert prep.errors[0].code == "cannot_read_file"
        assert "21 rows × 3 columns" in prep.errors[0].message and "the limit is 20 rows" in prep.errors[0].message
        assert con.execute("SELECT count(*) FROM load_batches").fetchall() == [(0,)]


def test_no_size_is_written_in_the_reader():
    """The caps live in data/upload_limits.csv only."""
    import inspect

    src = inspect.getsource(readers)
    assert "MAX_SHEET" not in src and "sheet_too_large" not in src
    assert set(limits.limits()) >= {"max_rows", "max_columns", "max_cells"}
