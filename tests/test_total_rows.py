"""One mechanism for total rows: a PV portal's loosely labelled total (合计（6月）) is checked like any 合计 row."""

from __future__ import annotations

from etl.ingest.loader import prepare
from etl.store.db import connect
from tests.test_pv_portal import NOW, pv_db  # noqa: F401 - the fixture

HEAD = "统计时间,电站名称,发电量(kWh)\n2024-06-01,城南二小屋顶光伏,1200.5\n2024-06-02,城南二小屋顶光伏,980.0\n"


def test_loose_pv_total_that_adds_up_is_skipped_with_the_common_note(pv_db):  # noqa: F811
    with connect(pv_db) as con:
        prep = prepare(con, (HEAD + "合计（6月）,,2180.5\n").encode(), "pv.csv", kind="pv", now=NOW)
    assert prep.ok, prep.errors
    assert prep.rows["generation_kwh"].sum() == 1200.5 + 980.0
    note = "1 total rows (合计/小计) skipped, lines 4"
    assert any(p.message == note and p.severity == "info" for p in prep.problems), prep.problems
    assert note in [a.render("en") for a in prep.assumptions]


def test_loose_pv_total_that_does_not_add_up_is_the_common_error(pv_db):  # noqa: F811
    with connect(pv_db) as con:
        prep = prepare(con, (HEAD + "合计（6月）,,2300.5\n").encode(), "pv.csv", kind="pv", now=NOW)
    assert [(p.line, p.value) for p in prep.errors] == [(4, "2300.5")]
    # the same sentence as for a 合计 row of any file (formats.check_totals): 2300.5 - 2180.5 = +120
    assert "row states 2300.5 but the 2 rows it covers add up to 2180.5 (difference +120)" in prep.errors[0].message
