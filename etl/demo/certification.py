"""Demo certification campaign: stage rows (a file loaded like an officer's) and checklist marks and evidence.

As of 2023-12-31 it gives the summary's figures: 25 agencies past city review (节约型机关) and 138 units with
materials in county review (节水型单位). 2024 moves a share forward: most agencies go to the region and 18 are
named, one is sent back on a starred item, a few wait; 96 water-saving units pass city review, 40 of them go on to
the region and 12 are named, while 42 stay in county review (stuck). Checklist marks and a few evidence files
cover a realistic subset. Nothing here is real: the database is marked as demo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo import registry as reg
from etl.metrics import certification as cert

JIEYUE_UNITS, JIESHUI_UNITS = 25, 138  # the 2023 tasks (data/cert_tasks.csv)
SEED_2024 = 20241231
FAILED_ITEM = "A4"  # the starred item the region found missing at the site inspection


def _day(rng: np.random.Generator, d0: str, d1: str) -> str:
    span = (pd.Timestamp(d1) - pd.Timestamp(d0)).days
    return (pd.Timestamp(d0) + pd.Timedelta(days=int(rng.integers(0, span + 1)))).strftime("%Y-%m-%d")


def stage_rows(rng: np.random.Generator, inst: pd.DataFrame) -> pd.DataFrame:
    """The certifications file. The 2023 part draws from the shared demo generator exactly as before (the rest
    of the demo data stays the same); 2024 draws from its own."""
    agencies = inst.loc[(inst["type"] == "党政机关") & ~inst["name"].isin(reg.CENTRE_BUILDINGS)]
    jieyue = agencies.sample(JIEYUE_UNITS, random_state=int(rng.integers(1 << 30)))["institution_id"].tolist()
    jieshui = inst.sample(JIESHUI_UNITS, random_state=int(rng.integers(1 << 30)))["institution_id"].tolist()
    rows = []

    def add(iid, program, stage, day, note=""):
        rows.append({"单位编码": iid, "创建类型": program, "阶段": stage, "阶段日期": day, "备注": note})

    for ids, program, steps in (
            (jieyue, "节约型机关", [("创建中", ("2023-03-01", "2023-03-20")), ("自评完成", ("2023-06-01", "2023-07-15")),
                                ("材料收集审核中", ("2023-08-01", "2023-09-10")),
                                ("已通过市级审核", ("2023-10-20", "2023-12-15"))]),
            (jieshui, "节水型单位", [("创建中", ("2023-04-01", "2023-05-31")), ("自评完成", ("2023-08-01", "2023-10-31")),
                                 ("材料收集审核中", ("2023-11-01", "2023-12-28"))])):
        for iid in ids:
            for stage, (d0, d1) in steps:
                add(iid, program, stage, _day(rng, d0, d1), "2023年度创建任务")
    r24 = np.random.default_rng(SEED_2024)
    # 节约型机关: 24 go to the region in January; 18 named in July, one sent back, 5 wait for the next batch;
    # one agency stays at city review (its materials are being redone)
    for k, iid in enumerate(jieyue[:24]):
        add(iid, "节约型机关", "已报自治区", "2024-01-18")
        if k < 18:
            add(iid, "节约型机关", "已命名", "2024-07-02", "自治区第一批")
        elif k == 18:
            add(iid, "节约型机关", "未通过", "2024-06-20", f"实地核查：星号项{FAILED_ITEM}（节约能源资源管理制度）未落实")
    # 节水型单位: 96 pass city review in spring, 40 of them reach the region in September, 12 named in December;
    # 42 stay in county review
    for k, iid in enumerate(jieshui[:96]):
        add(iid, "节水型单位", "已通过市级审核", _day(r24, "2024-04-10", "2024-06-20"))
        if k < 40:
            add(iid, "节水型单位", "已报自治区", _day(r24, "2024-09-10", "2024-09-30"))
        if k < 12:
            add(iid, "节水型单位", "已命名", "2024-12-18", "自治区2024年节水型单位名单")
    return pd.DataFrame(rows)


def _pdf(title: str) -> bytes:
    """A minimal one-page PDF (demo evidence; the text says it is a demo file)."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 14 Tf 40 780 Td (" + text + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def seed_records(con) -> None:
    """Checklist marks (2023 self-assessments) and a few evidence files, written as the demo officer."""
    rng = np.random.default_rng(SEED_2024 + 1)
    who, role = "demo", "admin"
    hist = cert.history(con)
    for program, n_units in (("jieyue", JIEYUE_UNITS), ("jieshui", 30)):
        sheet = cert.items(program)
        manual = sheet[~sheet["computed"]]
        ids = sorted(hist.loc[hist["program"] == program, "institution_id"].unique())
        failed = set(hist.loc[(hist["program"] == program) & (hist["stage"] == "not_passed"), "institution_id"])
        for iid in ids[:n_units]:
            for it in manual.itertuples():
                if program == "jieshui" and rng.random() < 0.15:
                    cert.mark_item(con, iid, program, it.item_id, 2023, "in_progress", None, "材料收集中", who, role)
                    continue
                score = float(it.points) if rng.random() < 0.8 else float(max(it.points - 2, 0))
                cert.mark_item(con, iid, program, it.item_id, 2023, "met", score, "自评材料齐全", who, role)
        for iid in sorted(failed):  # the region's site inspection in 2024 found the starred item missing
            cert.mark_item(con, iid, program, FAILED_ITEM, 2024, "not_met", 0.0,
                           "自治区实地核查：未见节约能源资源管理制度文件及能源管理员任命", who, role)
        # evidence: the rules document of a few units (demo PDFs)
        item = "A4" if program == "jieyue" else "M1"
        for iid in ids[:4]:
            cert.add_evidence(con, iid, program, item, f"{iid}_{item}_demo.pdf",
                              _pdf(f"DEMO evidence {program} {iid} item {item}"), who, role)
    # one computed item overridden with a note (both values kept)
    jieshui_ids = sorted(hist.loc[hist["program"] == "jieshui", "institution_id"].unique())
    cert.mark_item(con, jieshui_ids[0], "jieshui", "T4", 2023, "met", 6.0,
                   "8月疑似漏水为消防管网冲洗用水，已附漏损检测报告", who, role)
