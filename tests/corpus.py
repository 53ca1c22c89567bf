"""The bad-input corpus: broken and awkward files as they really arrive, each with its expected outcome.

Files are generated here at test time (the binary ones and the several-megabyte line would be
clumsy to commit). `python -m tests.corpus DIR` writes them all out, e.g. to try them in the app.
The database they are loaded into is the `registry_db` fixture: institutions I001, I002;
meters E-I001 (户号 0450000001), W-I001 (88000001), E-I002 (0450000002, 倍率 40), W-I002.

Outcome:
  loaded        prepare() finds no error and no warning; commit writes it
  needs_accept  no error, but warnings the officer must accept (then it loads)
  rejected      errors: nothing is written; `line` and `words` say what the first error must name
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    outcome: str
    kind: str | None = None
    line: int | None = None          # line of the first error (rejected) or of a warning (needs_accept)
    words: str = ""                  # words the first error / a warning must contain
    sheet: str | None = None


BILL = ("户号,户名,账期,抄表日期,上次示数,本次示数,倍率,抄见电量(kWh),电费(元)\n"
        "0450000001,县财政局,2023-01,2023-01-31,1000,3400,1,2400,\"1,516.08\"\n"
        "0450000001,县财政局,2023-02,2023-02-28,3400,5600,1,2200,1389.74\n")


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _interval(rows: list[tuple[str, str, object]], header: str = "户号,时间,电量(kWh)") -> bytes:
    return (header + "\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)).encode()


# 2.4 MB: over DuckDB's 2 MB line limit (etl/ingest/fastread.MAX_LINE_BYTES), so the old reader takes it; the
# deep tier also tries the 12 MB line this case had before (tests/test_corpus.py).
LONG_LINE_REPS = 400_000


def long_line(reps: int = LONG_LINE_REPS) -> Case:
    """A name of `reps` times 很长 (6 bytes each in UTF-8) on one line: refused, naming the line."""
    return Case("several_mb_line.csv", ("户号,户名,账期,抄见电量(kWh)\n0450000001," + "很长" * reps +
                                        ",2023-03,1\n").encode(), "rejected", line=2, words="longer than")


def cases() -> list[Case]:
    hours = [f"2023-03-01 {h:02d}:00" for h in range(24)]
    steady = [("0450000001", ts, 10) for ts in hours]
    rollover = [("0450000001", ts, (99_950 + 10 * i) % 100_000) for i, ts in enumerate(hours[:12])]
    replaced = [("0450000001", ts, 5_000 + 10 * i) for i, ts in enumerate(hours[:6])] + \
               [("0450000001", ts, 3 + 10 * i) for i, ts in enumerate(hours[6:12])]
    c = [
        Case("utf8_bill.csv", BILL.encode(), "loaded"),
        Case("bom_bill.csv", BILL.encode("utf-8-sig"), "loaded"),
        Case("declared_utf8_but_gbk.utf8.csv", BILL.encode("gb18030"), "loaded"),
        Case("utf16_tabs.csv", BILL.replace(",", "\t").replace('"1\t516.08"', "1516.08").encode("utf-16"), "loaded"),
        Case("semicolon_title_lines.csv", ("广西电网 电费清单\n导出时间 2023-03-05\n" +
                                           BILL.replace(",", ";").replace('"1;516.08"', "1516.08")).encode(),
             "loaded"),
        Case("shuffled_columns.csv", ("电费(元),抄见电量(kWh),账期,户号\n1516.08,2400,2023-01,0450000001\n"
                                      "1389.74,2200,2023-02,0450000001\n").encode(), "loaded"),
        Case("extra_columns.csv", ("户号,账期,抄见电量(kWh),备注,经办人\n0450000001,2023-01,2400,已核对,张三\n"
                                   ).encode(), "loaded"),
        Case("mwh_and_thousands.csv", "户号,账期,电量(MWh)\n0450000001,2023-04,\"1,234.5\"\n".encode(), "loaded"),
        Case("water_chinese_dates.csv", ("用户号,抄表日期,用水量(吨),水费(元)\n88000001,2023年1月25日,277,609.40\n"
                                         "88000001,2023年2月24日,\"1,002\",\"2,204.40\"\n").encode("gb18030"),
             "loaded"),
        Case("power_kw_15min.csv", _interval([("E-I002", f"2023/3/1 {h}:{m:02d}", 40) for h in range(3)
                                              for m in (0, 15, 30, 45)], "表号,时间,有功功率(kW)"), "loaded"),
        Case("xlsx_second_sheet.xlsx", _xlsx({"说明": [["本表由营销系统导出"]],
                                              "电费": [["户号", "账期", "抄见电量(kWh)"], ["0450000001", "2023-06", 1800]]}),
             "loaded", sheet="电费"),
        Case("formula_text_cells.csv", ("卡号,车牌号,交易时间,交易类型,数量(升),金额(元),加油站\n"
                                        "9030000012345678,桂B·A1234,2023-03-02 09:15,加油,38.5,302.23,"
                                        "\"=HYPERLINK(\"\"http://evil.example\"\",\"\"站\"\")\"\n").encode(),
             # the car is not in this county's vehicle registry: a warning naming the registry step
             "needs_accept", kind="fuel", line=2, words="vehicle not in the vehicle registry"),
        Case("sql_looking_text.csv", ("派车单号,出车时间,目的地,用车事由\n"
                                      "PC1,2023-03-02 08:30,\"'); DROP TABLE readings; --\",会议\n").encode(),
             "loaded"),
        # warnings the officer accepts
        Case("exact_duplicate_rows.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-01,100\n0450000001,2023-01,100\n"
             .encode(), "needs_accept", line=3, words="repeats an earlier row"),
        Case("register_rollover.csv", _interval(rollover, "户号,时间,电表示数(kWh)"), "needs_accept", line=7,
             words="rollover"),
        Case("register_meter_replaced.csv", _interval(replaced, "户号,时间,电表示数(kWh)"), "needs_accept", line=8,
             words="meter replacement"),
        Case("gap_in_intervals.csv", _interval(steady[:10] + steady[14:]), "needs_accept", line=12, words="gap"),
        Case("ten_times_usual.csv", _interval(steady[:12] + [("0450000001", hours[12], 900)] + steady[13:]),
             "needs_accept", line=14, words="10 times this meter's usual"),
        # rejected: nothing written
        Case("empty.csv", b"", "rejected", words="empty"),
        Case("binary.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "rejected", words="binary"),
        Case("damaged.xlsx", b"PK\x03\x04 this is not really a zip", "rejected", words="cannot be opened"),
        Case("header_only.csv", "户号,账期,抄见电量(kWh)\n".encode(), "rejected", words="no data"),
        Case("unknown_header.csv", b"foo,bar,baz\n1,2,3\n", "rejected", line=1, words="what kind"),
        Case("missing_required_column.csv", "单位编码,单位名称,单位类型\nI009,新单位,学校\n".encode(), "rejected",
             kind="institutions", line=1, words="required column missing"),
        Case("bad_dates.csv", "户号,时间,电量(kWh)\n0450000001,2023-01-05 08:00,1\n0450000001,2023-02-30 08:00,1\n"
             .encode(), "rejected", line=3, words="not a date"),
        Case("future_dates.csv", _interval([("0450000001", "2031-01-01 00:00", 1)]), "rejected", line=2,
             words="future"),
        Case("conflicting_duplicates.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-03,100\n0450000001,2023-03,120\n"
             .encode(), "rejected", line=3, words="different values"),
        Case("negative_usage.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-03,-5\n".encode(), "rejected", line=2,
             words="negative"),
        Case("negative_register.csv", _interval([("0450000001", hours[0], 5), ("0450000001", hours[1], -3)],
                                                "户号,时间,电表示数(kWh)"), "rejected", line=3, words="negative"),
        Case("text_in_numbers.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-03,约100度\n".encode(), "rejected",
             line=2, words="not a number"),
        Case("meter_not_in_registry.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-03,1\n0459999999,2023-03,1\n"
             .encode(), "rejected", line=3, words="registry"),
        Case("sql_looking_meter.csv", "户号,账期,抄见电量(kWh)\n\"0450000001' OR '1'='1\",2023-03,1\n".encode(),
             "rejected", line=2, words="registry"),
        Case("water_meter_in_power_file.csv", "户号,账期,抄见电量(kWh)\n88000001,2023-03,1\n".encode(), "rejected",
             kind="electricity", line=2, words="not a electricity meter"),
        Case("unquoted_thousands.csv", "户号,账期,抄见电量(kWh)\n0450000001,2023-03,1,516\n".encode(), "rejected",
             line=2, words="more values than the header"),
        long_line(),
        Case("xlsx_formula_without_value.xlsx", _xlsx({"Sheet1": [["户号", "账期", "抄见电量(kWh)"],
                                                                   ["0450000001", "2023-03", "=B2*2"]]}),
             "rejected", line=2, words="usage missing"),
        Case("xlsx_missing_sheet.xlsx", _xlsx({"Sheet1": [["户号", "账期", "抄见电量(kWh)"]]}), "rejected",
             sheet="电费", words="no sheet named"),
    ]
    return c


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases():
        (folder / case.name).write_bytes(case.data)
    print(f"{len(cases())} files written to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
