"""Any shape of data, no traceback (issue 14): pages in both languages, `etl kpi` and both reports,
over databases cut from the demo (tests/robust_data.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.__main__ import main as etl_main
from etl.metrics import figures
from etl.reports import documents
from etl.store.db import connect
from tests.app_pages import ALL_PAGES, app_as
from tests.robust_data import cases

PAGES = ALL_PAGES


@pytest.fixture(scope="module")
def shapes(demo_db, tmp_path_factory):
    return cases(demo_db, tmp_path_factory.mktemp("shapes"))


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def render_all(db, lang: str, monkeypatch) -> AppTest:
    """Every page, as an admin (who sees them all), in one session; no exception, no error box."""
    monkeypatch.setenv("ENERGY_DB", str(db))
    at = app_as("admin", lang)
    at.run()
    assert not at.exception, at.exception
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not _errors(at), (page, _errors(at))
        assert at.title, page
    return at


CASES = ["registry_only", "one_year_no_pv_no_fleet", "gaps_empty_logs", "demo_plus_jan_2025"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders(shapes, case, lang, monkeypatch):
    render_all(shapes[case], lang, monkeypatch)


@pytest.mark.parametrize("case", CASES)
def test_reports_and_kpi_for_every_year(shapes, case, tmp_path, capsys):
    db = shapes[case]
    with connect(db) as con:
        years = figures.years(con) or [2024]
        # the first year (at or before the baseline), the last (partial: January only in one case) and one
        # between: the shapes that broke the reports (a year without its baseline, a year with one month)
        for year in sorted({years[0], years[len(years) // 2], years[-1]}):
            assert documents.summary_docx(con, year)[:2] == b"PK"
            assert documents.kpi_workbook(con, year)[:2] == b"PK"
    for year in years[:2]:
        assert etl_main(["--db", str(db), "kpi", "--year", str(year), "--format", "table"]) == 0
        for fmt in ("docx", "xlsx"):
            out = tmp_path / f"r{year}.{fmt}"
            assert etl_main(["--db", str(db), "report", "--year", str(year), "--format", fmt, "--out", str(out)]) == 0
            assert out.stat().st_size > 1000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_energy_page_institution_without_baseline(shapes, lang, monkeypatch):
    """I002 has no 2020 bills in this case (no baseline): its drill-down and meter views render."""
    at = render_all(shapes["gaps_empty_logs"], lang, monkeypatch)
    at.switch_page("pages/energy.py").run()
    at.selectbox(key="en_type").set_value("党政机关").run()  # I002's type
    at.selectbox(key="en_inst").set_value("I002").run()
    assert not at.exception and not _errors(at), at.exception or _errors(at)
    meters = [m for m in at.selectbox(key="en_meter").options if m]
    for year in at.selectbox(key="en_year").options[:3]:
        at.selectbox(key="en_year").set_value(year).run()
        assert not at.exception and not _errors(at), (year, at.exception or _errors(at))
    if meters:
        at.selectbox(key="en_meter").set_value(at.selectbox(key="en_meter").options[-1]).run()
        assert not at.exception and not _errors(at), at.exception or _errors(at)
