"""Certification tracker (etl/metrics/certification.py), its CLI and its page.

A small county is loaded through the loader; every computed item is compared with values worked out by hand
below. The demo database must give the 2023 summary's figures (25 past city review, 138 in county review).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.__main__ import main
from etl.ingest.loader import commit, prepare
from etl.metrics import certification as cert
from etl.metrics import kpi
from etl.store import users
from etl.store.db import connect
from tests.app_pages import app_as
from tests.conftest import copy_of, table_state


def _bills(account: str, unit_col: str, months: dict[str, float], estimated: set[str] = frozenset()) -> str:
    rows = [f"{account},{m},{v:g},{'是' if m in estimated else '否'}" for m, v in months.items()]
    return "\n".join(rows) + "\n"


def _year(y: int, v: float) -> dict[str, float]:
    return {f"{y}-{m:02d}": v for m in range(1, 13)}


W_I002_2023 = {**_year(2023, 150), "2023-08": 400}
del W_I002_2023["2023-11"]  # a month with no bill

FILES = {
    "institutions": "单位编码,单位名称,单位类型,建筑面积(m2),用能人数,所在乡镇\n"
                    "I001,县财政局,党政机关,2000,50,鹿寨镇\nI002,县教育局,党政机关,4000,100,鹿寨镇\n"
                    "I003,城南二小,学校,8000,900,鹿寨镇\n",
    "meters": "表号,单位编码,能源种类,户号,倍率\nE-I001,I001,电,0450000001,1\nW-I001,I001,水,88000001,1\n"
              "E-I002,I002,电,0450000002,1\nW-I002,I002,水,88000002,1\n",
    "electricity": "户号,账期,抄见电量(kWh),估抄\n"
                   + _bills("0450000001", "kWh", {**_year(2022, 1000), **_year(2023, 900)}, {"2023-03"})
                   + _bills("0450000002", "kWh", {**_year(2022, 2000), **_year(2023, 2000)}),
    "water": "户号,账期,用水量(吨),估抄\n"
             + _bills("88000001", "m3", {**_year(2022, 50), **_year(2023, 50)})
             + _bills("88000002", "m3", {**_year(2022, 150), **W_I002_2023}),
    "certifications": "单位编码,创建类型,阶段,阶段日期,备注\n"
                      "I001,节水型单位,创建中,2023-03-01,\nI001,节水型单位,自评完成,2023-06-01,\n"
                      "I001,节水型单位,材料收集审核中,2023-09-01,\nI001,节水型单位,已通过市级审核,2023-12-31,\n"
                      "I002,节水型单位,创建中,2023-04-01,\nI002,节水型单位,材料收集审核中,2023-10-01,\n"
                      "I003,节水型单位,创建中,2023-05-01,\nI003,节水型单位,自评完成,2023-05-01,同日\n"
                      "I001,节约型机关,创建中,2023-03-01,\n",
}


@pytest.fixture()
def small_db(tmp_path) -> Path:
    return copy_of("cert", tmp_path, _build_small)


def _build_small(db: Path) -> None:
    with connect(db) as con:
        for kind, text in FILES.items():
            prep = prepare(con, text.encode(), f"{kind}.csv", kind)
            assert prep.ok, (kind, [str(p) for p in prep.problems])
            commit(con, prep, "alice" if kind == "certifications" else "test")


@pytest.fixture()
def con(small_db):
    with connect(small_db) as c:
        yield c


# ------------------------------------------------------------------ stages and tasks


def test_state_on_past_dates_is_a_query_over_the_history(con):
    def stage_on(day):
        return dict(zip(*[cert.state(con, "jieshui", day)[c] for c in ("institution_id", "stage")], strict=True))

    assert stage_on("2023-02-28") == {}
    assert stage_on("2023-05-31") == {"I001": "creating", "I002": "creating", "I003": "self_assessed"}  # same day
    assert stage_on("2023-12-30") == {"I001": "county_review", "I002": "county_review", "I003": "self_assessed"}
    assert stage_on("2023-12-31")["I001"] == "city_passed"
    st = cert.state(con, "jieshui", "2024-01-10").set_index("institution_id")
    assert str(st.at["I002", "stage_since"])[:10] == "2023-10-01" and st.at["I002", "days_in_stage"] == 101
    assert cert.funnel(con, "jieshui", "2023-12-31") == {
        "creating": 0, "self_assessed": 1, "county_review": 1, "city_passed": 1, "submitted": 0, "certified": 0,
        "rechecked": 0, "not_passed": 0}
    hist = cert.history(con, "jieshui", "I001")
    assert len(hist) == 4 and set(hist["who"]) == {"alice"}  # who: the batch's loader


def _tasks(tmp_path, monkeypatch, units: int, stage: str, deadline: str) -> None:
    f = tmp_path / "tasks.csv"
    f.write_text(f"program,year,units,stage,deadline,confirmed,source\njieshui,2023,{units},{stage},{deadline},yes,"
                 "test\n", encoding="utf-8")
    monkeypatch.setattr(cert, "TASKS_CSV", f)


def test_task_met_and_not_met_at_the_boundary(con, tmp_path, monkeypatch):
    # I001 reaches city review on 2023-12-31 exactly; I002 stays in county review
    _tasks(tmp_path, monkeypatch, 1, "city_passed", "2023-12-31")
    assert cert.task_status(con, "jieshui", "2023-12-31")["status"] == "met"
    assert cert.task_status(con, "jieshui", "2023-12-30")["status"] == "open"
    _tasks(tmp_path, monkeypatch, 1, "city_passed", "2023-12-30")  # one day earlier: not reached in time
    late = cert.task_status(con, "jieshui", "2024-03-01")
    assert (late["units_reached"], late["status"], late["counted_on"]) == (0, "not_met", "2023-12-30")
    _tasks(tmp_path, monkeypatch, 2, "county_review", "2023-12-31")  # rank: city_passed counts as past county
    assert cert.task_status(con, "jieshui", "2023-12-31")["units_reached"] == 2
    _tasks(tmp_path, monkeypatch, 3, "county_review", "2023-12-31")
    assert cert.task_status(con, "jieshui", "2023-12-31")["status"] == "not_met"
    assert cert.task_status(con, "jieshui", "2023-11-01")["status"] == "open"


def test_set_stage_and_a_file_share_one_history_and_undo(small_db, capsys):
    assert main(["cert", "set-stage", "I002", "节水型单位", "已通过市级审核", "--date", "2024-02-01",
                 "--note", "市局审核通过", "--user", "bob", "--db", str(small_db)]) == 0
    with connect(small_db) as con:
        hist = cert.history(con, "jieshui", "I002")
        assert hist.iloc[-1][["stage", "who", "note"]].tolist() == ["city_passed", "bob", "市局审核通过"]
        assert cert.state(con, "jieshui", "2024-02-01").set_index("institution_id").at["I002", "stage"] == "city_passed"
        batch = int(hist.iloc[-1]["batch_id"])
        with pytest.raises(PermissionError):
            cert.undo_stage(con, batch, "eve", "visitor")
        cert.undo_stage(con, batch, "bob", "officer")
        assert cert.state(con, "jieshui", "2024-02-01").set_index("institution_id").at["I002", "stage"] == \
            "county_review"
    assert main(["cert", "set-stage", "I999", "jieshui", "certified", "--date", "2024-02-01",
                 "--db", str(small_db)]) == 1
    assert "institution not in the registry" in capsys.readouterr().err


# ------------------------------------------------------------------ computed items


def _computed(con, program):
    df = cert.computed_items(con, program, 2023)
    return {(r.institution_id, r.item_id): (r.value, r.threshold, r.verdict) for r in df.itertuples()}


def test_computed_items_against_hand_values(con):
    c = _computed(con, "jieshui")
    # T1 metering: I001 1 of 1 water meters with 12 months; I002 has 11 (November missing)
    assert c[("I001", "T1")] == (100.0, 100.0, "pass") and c[("I002", "T1")] == (0.0, 100.0, "fail")
    # T3 water per person: I001 600/50 = 12, I002 (10*150 + 400)/100 = 19; 党政机关 average (600+1900)/150
    avg = 2500 / 150
    assert c[("I001", "T3")][0] == pytest.approx(12.0) and c[("I001", "T3")][1] == pytest.approx(0.9 * avg)
    assert c[("I001", "T3")][2] == "pass"
    assert c[("I002", "T3")][0] == pytest.approx(19.0) and c[("I002", "T3")][2] == "fail"
    assert c[("I003", "T3")][2] == "no_data"  # no meters, no figure: not a zero
    # T4 leaks: August 2023 at I002 is 400 against 150 a year before and a median of 150
    assert c[("I002", "T4")][0] == 1.0 and c[("I002", "T4")][2] == "fail"
    assert c[("I001", "T4")] == (0.0, 0.0, "pass")
    # M2 water ledger: fewest clean months of any water meter
    assert c[("I001", "M2")][0] == 12 and c[("I002", "M2")] == (11.0, 12.0, "fail")
    # M6 water per person vs 2022: I001 12 -> 12 (0 %, not up: pass); I002 18 -> 19 (+5.56 %)
    assert c[("I001", "M6")][0] == pytest.approx(0.0) and c[("I001", "M6")][2] == "pass"
    assert c[("I002", "M6")][0] == pytest.approx(100 * (19 - 18) / 18) and c[("I002", "M6")][2] == "fail"

    j = _computed(con, "jieyue")
    # A1 all meters: I002 electricity full, water 11 months -> 50 %
    assert j[("I001", "A1")][0] == 100.0 and j[("I002", "A1")][0] == 50.0
    # A2 ledger: I001's electricity has an estimated March -> 11 clean months
    assert j[("I001", "A2")] == (11.0, 12.0, "fail")
    # A3 energy per m2 and per person: I001 12000 -> 10800 kWh (-10 %, same factor both years); I002 flat
    assert j[("I001", "A3")][0] == pytest.approx(-10.0) and j[("I001", "A3")][2] == "pass"
    assert j[("I002", "A3")][0] == pytest.approx(0.0) and j[("I002", "A3")][2] == "fail"


def test_score_missing_items_and_starred_first(con):
    cl = cert.checklist(con, "jieshui", 2023, ["I002"])
    sc = cert.scorecard(con, "jieshui", 2023, ["I002"], cl).iloc[0]
    # computed passes only: none for I002 (T1, T3, T4, M2, M6 all fail); manual items not marked
    assert sc["score"] == 0 and sc["failing"][:2] == ["M2", "T1"]  # starred first
    assert sc["missing"][0] == "T2" and not sc["passes"]
    cl1 = cert.checklist(con, "jieshui", 2023, ["I001"])
    assert cl1["effective_score"].sum() == 10 + 10 + 6 + 10 + 8  # T1, T3, T4, M2, M6


def test_override_needs_a_note_and_keeps_both_values(con):
    with pytest.raises(cert.CertError, match="needs a note"):
        cert.mark_item(con, "I002", "jieshui", "T4", 2023, "met", 6, "", "alice", "officer")
    mid = cert.mark_item(con, "I002", "jieshui", "T4", 2023, "met", 6, "冲洗消防管网，非漏水", "alice", "officer")
    row = cert.marks(con, "jieshui", 2023, "I002").set_index("item_id").loc["T4"]
    assert (row["score"], row["computed_score"], row["computed_value"]) == (6.0, 0.0, 1.0)
    cl = cert.checklist(con, "jieshui", 2023, ["I002"]).set_index("item_id")
    assert cl.at["T4", "effective_score"] == 6.0 and cl.at["T4", "computed_score"] == 0.0
    assert cl.at["T4", "verdict"] == "fail" and cl.at["T4", "overridden"]
    cert.undo_mark(con, mid, "alice", "officer")
    assert cert.checklist(con, "jieshui", 2023, ["I002"]).set_index("item_id").at["T4", "effective_score"] == 0.0
    assert len(cert.marks(con, "jieshui", 2023, "I002", include_undone=True)) == 1  # history kept


def test_status_json_has_the_issue_shape(small_db, capsys):
    assert main(["cert", "status", "--program", "jieshui", "--as-of", "2023-12-31", "--db", str(small_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"program", "as_of", "task", "funnel", "units"}
    u = {x["institution_id"]: x for x in out["units"]}
    assert set(u["I001"]) == {"institution_id", "stage", "stage_since", "score", "pass_mark", "missing", "computed"}
    assert u["I001"]["stage"] == "city_passed" and u["I001"]["stage_since"] == "2023-12-31"
    assert u["I002"]["computed"]["T3"]["verdict"] == "fail" and u["I001"]["pass_mark"] == 90
    assert out["task"]["units"] == 138 and out["task"]["units_reached"] == 2


# ------------------------------------------------------------------ evidence and roles


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_evidence_checked_by_content_and_size(con, tmp_path, monkeypatch):
    with pytest.raises(cert.CertError, match="not a PDF, JPG, PNG, XLSX or DOCX"):
        cert.add_evidence(con, "I001", "jieshui", "M1", "rules.pdf", b"MZ\x90\x00 an exe renamed", "alice", "officer")
    settings = tmp_path / "s.csv"
    settings.write_text("setting,value\nstuck_days,120\ndeadline_warn_days,60\nevidence_max_mb,0.0001\n")
    monkeypatch.setattr(cert, "SETTINGS_CSV", settings)
    with pytest.raises(cert.CertError, match="more than the"):
        cert.add_evidence(con, "I001", "jieshui", "M1", "big.pdf", PDF + b"0" * 200, "alice", "officer")
    assert con.execute("SELECT count(*) FROM cert_evidence").fetchall()[0][0] == 0
    folder = cert.evidence_dir(con)
    assert not folder.exists() or not any(folder.iterdir())  # nothing stored
    monkeypatch.undo()
    eid = cert.add_evidence(con, "I001", "jieshui", "M1", "rules.pdf", PDF, "alice", "officer")
    name, data = cert.evidence_bytes(con, eid)
    assert (name, data) == ("rules.pdf", PDF) and (folder / (__import__("hashlib").sha256(PDF).hexdigest()
                                                             + ".pdf")).exists()
    with pytest.raises(PermissionError):
        cert.add_evidence(con, "I001", "jieshui", "M1", "rules.pdf", PDF, "eve", "visitor")


def test_write_functions_refuse_visitors(con):
    for call in (lambda: cert.mark_item(con, "I001", "jieshui", "M1", 2023, "met", 10, "", None, "visitor"),
                 lambda: cert.set_stage(con, "I001", "jieshui", "certified", "2024-01-01", "", "eve", "visitor"),
                 lambda: cert.undo_mark(con, 1, "eve", "visitor")):
        with pytest.raises(PermissionError):
            call()
    assert con.execute("SELECT count(*) FROM cert_item_marks").fetchall()[0][0] == 0


def _page(db: Path, role: str | None, lang: str) -> AppTest:
    at = app_as(role, lang, user="alice")
    at.run()
    at.switch_page("pages/certification.py")
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_visitor_reads_and_cannot_write(small_db, monkeypatch, lang):
    monkeypatch.setenv("ENERGY_DB", str(small_db))
    before = table_state(small_db)
    at = _page(small_db, None, lang)
    assert not at.exception and not at.error
    at.session_state["cert_program"] = "jieshui"  # (set_value formats outside the run, always in Chinese)
    at.run()
    assert not at.exception
    assert len(at.dataframe) >= 3  # stuck list, units, checklist ...
    for frame in at.dataframe:  # a gap reads "—": the grid prints None/NaN as the word "None"
        cells = frame.value.astype(object)
        assert not cells.isna().any().any(), cells.columns[cells.isna().any()].tolist()
    assert not at.file_uploader and len(at.get("form")) == 1  # the login form only
    assert not {"cert_new_stage", "cert_mark_item", "cert_undo_pick"} & {w.key for w in at.selectbox}
    assert not [b for b in at.button if b.key == "cert_undo_button"]
    assert table_state(small_db) == before  # a page view never writes


def test_page_officer_records_a_stage(small_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(small_db))
    with connect(small_db) as con:
        users.add_user(con, "alice", "officer", "correct-horse")
    at = _page(small_db, "officer", "en")
    at.session_state["cert_program"] = "jieshui"
    at.run()
    at.session_state["cert_unit"] = "I002"
    at.run()
    at.selectbox(key="cert_new_stage").set_value("city_passed")
    at.date_input(key="cert_new_date").set_value("2024-01-05")
    at.button(key="FormSubmitter:cert_stage_form-Save the stage").click().run()
    assert not at.exception and at.success
    with connect(small_db) as con:
        assert cert.history(con, "jieshui", "I002").iloc[-1][["stage", "who"]].tolist() == ["city_passed", "alice"]
    # a computed item without a note is refused with a sentence, nothing stored
    at.selectbox(key="cert_mark_item").set_value("T3")
    at.button(key="FormSubmitter:cert_mark_form-Save the mark").click().run()
    assert at.error and "needs a note" in at.error[0].value
    with connect(small_db) as con:
        assert con.execute("SELECT count(*) FROM cert_item_marks").fetchall()[0][0] == 0


# ------------------------------------------------------------------ KPI cards and the demo


@pytest.mark.usefixtures("every_year_complete")  # the small county's 2023 is a few months (tests/test_years.py)
def test_kpi_cards_read_the_task_definition(small_db):
    with connect(small_db) as con:
        report = kpi.kpi_report(con, 2023)
        status = cert.task_status(con, "jieshui", "2023-12-31")
    assert report["jieshui_units_reached"] == status["units_reached"] == 2
    assert report["targets"]["jieshui_units_reached"]["status"] == "not_met"  # 2 of 138


def test_demo_2023_figures_and_2024_movement(demo_db, capsys):
    assert main(["cert", "status", "--program", "jieyue", "--as-of", "2023-12-31", "--db", str(demo_db)]) == 0
    jy = json.loads(capsys.readouterr().out)
    assert jy["funnel"]["city_passed"] == 25 and jy["task"]["units_reached"] == 25 and jy["task"]["status"] == "met"
    assert main(["cert", "status", "--program", "jieshui", "--as-of", "2023-12-31", "--db", str(demo_db)]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["funnel"]["county_review"] == 138 and sum(js["funnel"].values()) == 138
    with connect(demo_db) as con:
        f24 = cert.funnel(con, "jieyue", "2024-12-31")
        assert f24["certified"] > 0 and f24["not_passed"] == 1 and f24["city_passed"] + f24["submitted"] > 0
        failed = cert.state(con, "jieyue", "2024-12-31").query("stage == 'not_passed'")["institution_id"].iloc[0]
        sc = cert.scorecard(con, "jieyue", 2024, [failed]).iloc[0]
        assert sc["starred_zero"] and not sc["passes"]  # failed on a starred item
        assert cert.funnel(con, "jieshui", "2024-12-31")["county_review"] == 42
        assert len(cert.stuck_units(con, "jieshui", "2024-12-31")) >= 42
        report = kpi.kpi_report(con, 2024)
        assert report["targets"]["jieshui_units_reached"]["status"] == "not_met"  # not "138/138 met"


def test_page_evidence_refused_then_stored_then_undone(small_db, monkeypatch):
    monkeypatch.setenv("ENERGY_DB", str(small_db))
    at = _page(small_db, "officer", "en")
    at.session_state["cert_program"] = "jieshui"
    at.run()
    at.session_state["cert_unit"] = "I001"
    at.run()
    at.file_uploader(key="cert_file").set_value(("rules.pdf", b"PK\x03\x04 not really", "application/pdf"))
    at.button(key="FormSubmitter:cert_file_form-Store the file").click().run()
    assert not at.exception and at.error and "not a PDF, JPG, PNG, XLSX or DOCX" in at.error[0].value
    with connect(small_db) as con:
        assert con.execute("SELECT count(*) FROM cert_evidence").fetchall()[0][0] == 0
    at.file_uploader(key="cert_file").set_value(("rules.pdf", PDF, "application/pdf"))
    at.button(key="FormSubmitter:cert_file_form-Store the file").click().run()
    assert not at.exception and at.success
    with connect(small_db) as con:
        assert con.execute("SELECT count(*) FROM cert_evidence WHERE undone_at IS NULL").fetchall()[0][0] == 1
    at.selectbox(key="cert_undo_pick").set_value("evidence:1")
    at.checkbox(key="cert_undo_confirm").check()
    at.button(key="cert_undo_button").click().run()
    assert not at.exception
    with connect(small_db) as con:
        assert con.execute("SELECT undone_by FROM cert_evidence").fetchall() == [("alice",)]


def test_unit_view_undo_refuses_a_whole_file(con):
    batch = int(cert.history(con, "jieshui", "I001").iloc[0]["batch_id"])  # the file with every unit's rows
    with pytest.raises(cert.CertError, match="undo the whole file on the upload history page"):
        cert.undo(con, "stage", batch, "alice", "officer", "I001")
    assert len(cert.history(con, "jieshui")) == 8  # nothing undone
