"""An .xls sheet's declared size (BIFF DIMENSIONS) is checked before the sheet is read whole (data/upload_limits.csv)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import xlwt

from etl.ingest import limits, readers
from etl.ingest.loader import prepare
from etl.store.db import connect


def _xls(cells: dict[str, list[tuple[int, int, object]]]) -> bytes:
    book = xlwt.Workbook()
    for name, values in cells.items():
        ws = book.add_sheet(name)
        for r, c, v in values:
            ws.write(r, c, v)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_declared_sizes_read_from_the_file():
    small = _xls({"电费": [(0, 0, "户号"), (10, 5, 1.5)], "s2": [(3, 3, 1)]})
    assert limits.xls_declared_sizes(small) == [("电费", 11, 6), ("s2", 1, 1)]
    tall = _xls({"a": [(r, 0, r) for r in range(5000)]})  # a Workbook stream of regular sectors
    assert len(tall) > 4096
    assert limits.xls_declared_sizes(tall) == [("a", 5000, 1)]
    assert limits.xls_declared_sizes(b"not excel") == []
    limits.check_xls(readers.XLS_MAGIC + b"\x00" * 600)  # damaged: no refusal here, the reader speaks


def test_oversized_xls_is_refused_before_it_is_read(tmp_path, monkeypatch):
    max_cols = int(limits.limits()["max_columns"])
    assert max_cols < 255  # an .xls holds at most 256 columns
    wide = _xls({"电费": [(0, 0, "户号"), (2, max_cols + 10, "x")]})
    read_whole = []
    from python_calamine import CalamineWorkbook

    real = CalamineWorkbook.get_sheet_by_name
    monkeypatch.setattr(CalamineWorkbook, "get_sheet_by_name",
                        lambda self, name: read_whole.append(name) or real(self, name))
    with pytest.raises(readers.ReadError, match=f"{max_cols + 11:,} columns"):
        readers.read_raw(wide, "bill.xls")
    assert read_whole == []
    with connect(tmp_path / "x.duckdb") as con:
        prep = prepare(con, wide, "bill.xls", now=datetime(2025, 6, 1))
    assert not prep.ok and prep.rows is None
    assert "the sheet 电费 expands to 3 rows × 211 columns" in prep.errors[0].message.replace(
        str(max_cols + 11), "211")
    # a sheet within the limits is read as before
    ok = _xls({"电费": [(0, 0, "户号"), (1, 0, "0450000001")]})
    assert readers.read_raw(ok, "ok.xls")[0] == [["户号"], ["0450000001"]]
