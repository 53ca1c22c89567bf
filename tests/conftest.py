"""Shared fixtures. Tests build their own databases in temporary folders and never touch data/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.pop("ENERGY_DB", None)  # a developer's setting must not leak into tests
os.environ["BCRYPT_ROUNDS"] = "4"  # bcrypt's minimum cost: hashing in tests takes milliseconds, not seconds
os.environ["ENERGY_APP_RAISE"] = "1"  # the app shows an error id and, in tests, raises too (at.exception)


_TEMPLATES: dict[str, Path] = {}


def copy_of(name: str, tmp_path: Path, build: Callable[[Path], object]) -> Path:
    """A fresh copy, in tmp_path, of a database `build(path)` makes once per test process.

    Building a small county through the loader takes one to a few seconds (the schema, then prepare and commit
    of each file); copying the closed file takes milliseconds, and each test still gets its own database."""
    template = _TEMPLATES.get(name)
    if template is None:
        import atexit
        import tempfile

        folder = tempfile.mkdtemp(prefix=f"template-{name}-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = Path(folder) / f"{name}.duckdb"
        build(template)
        assert not Path(f"{template}.wal").exists(), "a template must be closed (checkpointed) before it is copied"
        _TEMPLATES[name] = template
    db = tmp_path / template.name
    shutil.copyfile(template, db)
    return db


def _build_demo(root: Path) -> Path:
    """The demo's files and database in root (about 30-40 s of one core)."""
    from etl.demo import dataset

    dataset.build(root / "demo.duckdb", out_dir=root / "files")
    return root / "demo.duckdb"


def build_shared_demo(shared: Path) -> None:
    """Build the run's demo in `shared` unless done; the caller holds shared/build.lock (an flock)."""
    if (shared / "done").exists():
        return
    for item in shared.iterdir():  # what a build that died half way left behind
        if item.name not in ("build.lock", "started", "build.log"):
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    _build_demo(shared)
    assert not (shared / "demo.duckdb.wal").exists(), "the shared demo must be closed before it is copied"
    (shared / "done").touch()


_BUILDER: list = []  # the background build this worker started (see pytest_collection_modifyitems)


def _shared_demo_dir(config) -> Path:
    """The run's temporary folder common to its xdist workers (each worker's basetemp is a child of it)."""
    return config._tmp_path_factory.getbasetemp().parent / "demo-shared"


@pytest.hookimpl(trylast=True)  # after -m / -k have deselected
def pytest_collection_modifyitems(session, config, items) -> None:
    """Under xdist: test files that need no demo database run first, while one background process builds the
    demo for the whole run; the files that need it come after, so no worker sits idle waiting for the build.
    Within a file the order stays as written; every test still runs, in its own process as before."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    needs = {item.path for item in items if "demo_db" in item.fixturenames}
    items.sort(key=lambda item: item.path in needs)  # stable: each file's tests stay together and in order
    if not needs:
        return
    import fcntl
    import subprocess
    import sys

    shared = _shared_demo_dir(config)
    shared.mkdir(parents=True, exist_ok=True)
    try:  # both workers collect the same tests: the first here starts the build
        os.close(os.open(shared / "started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    with open(shared / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the child inherits the lock and holds it until it exits
        with open(shared / "build.log", "w") as log:
            _BUILDER.append(subprocess.Popen(
                [sys.executable, "-c", "import sys, pathlib; from tests.conftest import build_shared_demo; "
                 "build_shared_demo(pathlib.Path(sys.argv[1]))", str(shared)],
                cwd=Path(__file__).resolve().parent.parent, pass_fds=(lock.fileno(),), stdout=log,
                stderr=subprocess.STDOUT))


def pytest_sessionfinish(session, exitstatus) -> None:
    """The background build is waited for (the other worker may still be copying it), or ended on an abort."""
    for proc in _BUILDER:
        if session.shouldstop or session.shouldfail:
            proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, pytestconfig) -> Path:
    """The full demo database, built once per test run and copied into each test process.

    Under xdist a background process started at collection builds it in the run's shared temporary folder while
    holding a lock (or, should that process fail, the first worker that asks); the others wait and copy the closed
    file (the files under `files/` are only read, so they are shared). Each process gets its own database file:
    DuckDB lets one process at a time open a file for writing."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: build in place
        return _build_demo(tmp_path_factory.mktemp("demo"))
    import fcntl

    shared = _shared_demo_dir(pytestconfig)
    shared.mkdir(parents=True, exist_ok=True)
    with open(shared / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (also if this process dies)
        build_shared_demo(shared)
    own = tmp_path_factory.mktemp("demo")
    for item in shared.iterdir():  # the database and what the build keeps beside it (evidence/: certificates)
        if item.name == "files":
            (own / "files").symlink_to(item, target_is_directory=True)
        elif item.is_dir():
            shutil.copytree(item, own / item.name)
        elif item.suffix == ".duckdb":
            shutil.copyfile(item, own / item.name)
    return own / "demo.duckdb"


@pytest.fixture()
def demo_files(demo_db) -> Path:
    return demo_db.parent / "files"


@pytest.fixture()
def db(demo_db, tmp_path, monkeypatch) -> Path:
    """A copy of the demo database of this test's own, with ENERGY_DB pointing at it (for the pages and caches).
    A module with its own `db` fixture (another database, or ENERGY_DB left alone) overrides this one."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, copy)
    monkeypatch.setenv("ENERGY_DB", str(copy))
    return copy


def _build_empty(db: Path) -> None:
    from etl.store.db import connect

    with connect(db):
        pass


@pytest.fixture()
def empty_db(tmp_path) -> Path:
    return copy_of("t", tmp_path, _build_empty)


def build_registry(db: Path) -> None:
    """A tiny county: two institutions, their electricity and water meters."""
    from etl.ingest.loader import commit, prepare
    from etl.store.db import connect

    inst = ("单位编码,单位名称,单位类型,建筑面积(m2),用能人数\n"
            "I001,县财政局,党政机关,2000,50\nI002,城南二小,学校,8000,900\n").encode()
    meters = ("表号,单位编码,能源种类,户号,倍率\n"
              "E-I001,I001,电,0450000001,1\nW-I001,I001,水,88000001,1\n"
              "E-I002,I002,电,0450000002,40\nW-I002,I002,水,88000002,1\n").encode()
    with connect(db) as con:
        for name, data in (("institutions.csv", inst), ("meters.csv", meters)):
            prep = prepare(con, data, name)
            assert prep.ok, prep.problems
            commit(con, prep, "test")


@pytest.fixture()
def registry_db(tmp_path) -> Path:
    """A tiny county: two institutions, their electricity and water meters (a copy of one built per process)."""
    return copy_of("r", tmp_path, build_registry)


def table_state(db: Path) -> dict[str, tuple]:
    """Row count and a content checksum of every table: 'nothing changed' means equal states."""
    from etl.store.db import connect
    from etl.store.schema import TABLES

    state = {}
    with connect(db) as con:
        for t in [*TABLES, "load_batches", "meta"]:
            for name in (t, f"{t}__replaced") if t in TABLES else (t,):
                state[name] = con.execute(
                    f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {name} x").fetchall()[0]
    return state


@pytest.fixture()
def app_as():
    """The app as a role in a language: `app_as("officer", "en").run()` (tests/app_pages.app_as)."""
    from tests.app_pages import app_as as open_app

    return open_app


@pytest.fixture()
def every_year_complete(monkeypatch):
    """Treat every year as complete (etl/metrics/years.py). For the small hand-counted counties whose years hold a
    few months, so that their arithmetic of changes and target statuses is still checked; the rule that would
    withhold them for such years is tested on its own in tests/test_years.py and tests/test_years_pages.py."""
    from etl.metrics import years

    def whole(con, year):
        return {"year": year, "expected_meters": 0, "reporting_meters": 0, "new_meters": 0,
                "months_with_data": list(range(1, 13)), "covered_months": list(range(1, 13)), "complete": True,
                "last_month": 12, "from_january": True, "comparable": True}

    monkeypatch.setattr(years, "year_status", whole)
    monkeypatch.setattr(years, "is_complete", lambda con, year: True)
    monkeypatch.setattr(years, "comparable", lambda con, year: True)
    monkeypatch.setattr(years, "judgement", lambda con, year, baseline_year: {
        "status": whole(con, year), "complete": True, "comparable": True, "baseline": True})
