"""Commit never raises: every corpus and demo file, mutated at random, is either refused in prepare() with
nothing written, or committed without an exception.

A seeded mutator (no extra dependency, the same mutants every run) changes cells, encodings, columns and
lines, and truncates bytes. Demo files are cut to their first lines so the test stays fast. `make test` tries 60
of the 231 mutants, drawn with a seed of their own; the deep tier (`make test-deep`) tries them all.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest

from etl.ingest.loader import commit, prepare
from etl.store.db import connect
from tests.corpus import cases

NOW = datetime(2025, 6, 1)
SEED = 20261126
MUTANTS_PER_FILE = 3
SAMPLE = 60  # mutants tried in make test, drawn with their own seed from all of them (the deep tier tries all)
DEMO_LINES = 40
CELLS = ["", " ", "abc", "-1", "0", "1e308", "-1e308", "9" * 20, "99999999999", "=1+1", "@SUM(A1)", "2099-13-45",
         "2024-02-30", "1999-12-31", "NaN", "inf", "１２３", "0x10", "1,234", "1.2.3", "'", '"', "\x00", "合计",
         "2024-06", "x" * 300, "2024/6/1 25:61", "是", "否", "电", "kWh", "null", "None", "#N/A", "—", "0450000001",
         "E-I001", "PV01", "2023-01", "2023-03-01 00:00", "1E+09", "4.5E+09", "0450000001.0"]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]


def _decode(data: bytes) -> tuple[str, str] | None:
    for enc in ("utf-8-sig", "utf-16", "gb18030"):
        if enc == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return None


def mutate(data: bytes, rng: random.Random) -> bytes:  # noqa: C901 - to split (listed in the README)
    """One to three random changes: a cell, the encoding, a column, a line, or the bytes cut short."""
    decoded = None if data.startswith(b"PK") else _decode(data)
    for _ in range(rng.randint(1, 3)):
        if decoded is None:
            # binary (xlsx) or undecodable: cut or flip bytes
            if rng.random() < 0.5 and len(data) > 2:
                data = data[: rng.randrange(1, len(data))]
            elif data:
                i = rng.randrange(len(data))
                data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
            continue
        text, enc = decoded
        lines = text.split("\n")
        delim = max((",", "\t", ";"), key=lambda d: text[:2000].count(d))
        op = rng.choice(["cell", "cell", "cell", "encoding", "drop_col", "dup_col", "rename_col", "dup_line",
                         "drop_line", "swap_lines", "truncate"])
        if op == "cell" and len(lines) > 1:
            i = rng.randrange(len(lines))
            cells = lines[i].split(delim)
            cells[rng.randrange(len(cells))] = rng.choice(CELLS)
            lines[i] = delim.join(cells)
        elif op == "encoding":
            enc = rng.choice(ENCODINGS)
        elif op in ("drop_col", "dup_col", "rename_col"):
            width = max(1, len(lines[0].split(delim)))
            j = rng.randrange(width)
            new = []
            for k, line in enumerate(lines):
                cells = line.split(delim)
                if j < len(cells):
                    if op == "drop_col":
                        del cells[j]
                    elif op == "dup_col":
                        cells.insert(j, cells[j])
                    elif k == 0 or rng.random() < 0.05:
                        cells[j] = rng.choice(["电量", "时间", "户号", "发电量(MWh)", "当日发电量", "功率(W)", "金额",
                                               "x", ""])
                new.append(delim.join(cells))
            lines = new
        elif op == "dup_line" and len(lines) > 1:
            i = rng.randrange(1, len(lines))
            lines.insert(i, lines[i])
        elif op == "drop_line" and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        elif op == "swap_lines" and len(lines) > 2:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: rng.randrange(len(text) + 1)].split("\n")
        text = "\n".join(lines)
        decoded = (text, enc)
    if decoded is None:
        return data
    text, enc = decoded
    out = text.encode(enc, errors="replace")
    if rng.random() < 0.1 and len(out) > 3:  # cut inside a multi-byte character now and then
        out = out[: rng.randrange(1, len(out))]
    return out


def _files(demo_files: Path) -> list[tuple[str, bytes]]:
    out = [(c.name, c.data) for c in cases()]
    out += [(p.name, p.read_bytes()) for p in sorted((Path(__file__).parent / "corpus_pv").iterdir())
            if p.suffix in (".csv", ".xlsx")]
    for p in sorted(demo_files.glob("*.csv")):
        head = p.read_bytes().split(b"\n")[:DEMO_LINES]
        out.append((p.name, b"\n".join(head) + b"\n"))
    return out


@pytest.fixture()
def county_db(tmp_path, demo_files) -> Path:
    """The demo's registries (institutions, meters, sites, vehicles) plus the tiny county of conftest."""
    db = tmp_path / "county.duckdb"
    with connect(db) as con:
        for name in ("institutions.csv", "meters.csv", "pv_sites.csv", "vehicles.csv"):
            prep = prepare(con, (demo_files / name).read_bytes(), name, now=NOW)
            assert prep.ok, prep.errors
            commit(con, prep, "test")
    return db


def _state(con) -> dict[str, tuple]:
    """Row count of every table, with a content checksum of the bookkeeping every write touches."""
    from etl.store.schema import TABLES

    names = [n for t in TABLES for n in (t, f"{t}__replaced")]
    sql = " UNION ALL ".join([f"SELECT '{n}', count(*), 0 FROM {n}" for n in names] + [
        f"SELECT '{n}', count(*), coalesce(sum(hash(x)), 0) FROM {n} x" for n in ("load_batches", "meta")])
    return {r[0]: r[1:] for r in con.execute(sql).fetchall()}


def mutants(demo_files: Path) -> list[tuple[str, str, bytes]]:
    """(file name, label, mutant) for every file, MUTANTS_PER_FILE each, always the same ones."""
    rng = random.Random(SEED)
    return [(name, f"{name} mutant {k}", mutate(data, rng))
            for name, data in _files(demo_files) for k in range(MUTANTS_PER_FILE)]


@pytest.mark.parametrize("sample", [pytest.param(SAMPLE, id="sample"),
                                    pytest.param(None, id="all", marks=pytest.mark.deep)])
def test_random_mutants_never_raise_and_rejected_ones_change_nothing(county_db, demo_files, sample):
    every = mutants(demo_files)
    tried = every if sample is None else [every[i] for i in sorted(random.Random(SEED + 1).sample(range(len(every)),
                                                                                                    sample))]
    seen = {"rejected": 0, "committed": 0}
    with connect(county_db) as con:
        for name, label, mutant in tried:
            before = _state(con)
            try:
                prep = prepare(con, mutant, name, now=NOW)
            except Exception as exc:  # noqa: BLE001 - the failure message carries the mutant
                pytest.fail(f"prepare raised on {label}: {exc!r}\n{mutant[:600]!r}")
            if not prep.ok or prep.rows is None or prep.already_loaded is not None:
                assert _state(con) == before, f"{label}: a refused file wrote something"
                assert all(p.line or p.message for p in prep.errors)
                seen["rejected"] += 1
                continue
            try:
                commit(con, prep, "test", accept_warnings=True)
            except Exception as exc:  # noqa: BLE001
                pytest.fail(f"commit raised on {label} that prepare accepted: {exc!r}\n{mutant[:600]!r}")
            seen["committed"] += 1
    # the mutants exercise both paths: over 30 each of all of them, as many in proportion of a sample
    assert min(seen.values()) > 30 * len(tried) // len(every), seen


def test_values_the_table_cannot_hold_are_refused_in_prepare(registry_db):
    """Found by the mutants: a count beyond 32 bits passed every check and then crashed the commit."""
    with connect(registry_db) as con:
        before = _state(con)
        prep = prepare(con, "批次号,来访日期,人数\nLF1,2023-03-02,5\nLF2,2023-03-03,1e12\n".encode(), "v.csv", now=NOW)
        assert [(e.line, e.message) for e in prep.errors] == \
            [(3, "value too large for this column (at most 2,147,483,647)")]
        assert _state(con) == before
        for data in (b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n\xe6\x88\xb7\xe5\x90"):  # a BOM and nothing, or cut short
            prep = prepare(con, data, "cut.csv", now=NOW)
            assert prep.errors and prep.errors[0].message.startswith("cannot read the file"), prep.problems


def test_reloading_identical_rows_writes_nothing(registry_db):
    bill = "户号,账期,抄见电量(kWh),电费(元)\n0450000001,2023-01,2400,1516.08\n0450000001,2023-02,2200,1389.74\n"
    shuffled = "电费(元),账期,户号,抄见电量(kWh)\n1516.08,2023-01,0450000001,2400\n1389.74,2023-02,0450000001,2200\n"
    changed = shuffled.replace("2200", "2250")
    with connect(registry_db) as con:
        first = commit(con, prepare(con, bill.encode(), "a.csv", now=NOW), "test")
        before = _state(con)
        again = prepare(con, shuffled.encode("gb18030"), "b.csv", now=NOW)
        assert again.ok and again.already_loaded is None and again.rows.empty
        assert [p.message for p in again.problems] == ["2 identical rows, nothing changes"]
        assert again.problems[0].text("zh")[0] == "2 行与已有数据完全相同，没有任何变化"
        assert commit(con, again, "test") == first
        assert _state(con) == before
        part = prepare(con, changed.encode(), "c.csv", now=NOW)
        assert "1 identical rows are left as they are; 1 rows are new or changed" in [p.message for p in part.problems]
        assert len(part.rows) == 1 and part.rows_replaced == 1
        second = commit(con, part, "test")
        assert con.execute("SELECT batch_id, energy_kwh FROM readings ORDER BY period_start").fetchall() == \
            [(first, 2400.0), (second, 2250.0)]


def test_cli_says_unchanged(registry_db, tmp_path):
    from etl.ingest.loader import load_paths

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("户号,账期,抄见电量(kWh)\n0450000001,2023-01,2400\n", encoding="utf-8")
    b.write_text("户号,账期,抄见电量(kWh)\n0450000001,2023-01,2400.0\n", encoding="utf-8")
    with connect(registry_db) as con:
        [ra] = load_paths(con, [a])
        [rb] = load_paths(con, [b])
    assert (ra.status, rb.status, rb.batch_id, rb.rows) == ("loaded", "unchanged", ra.batch_id, 0)
