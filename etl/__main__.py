"""Command line: python -m etl {demo,load,batches,undo,template,users,model-pv,kpi,fleet,report,cert,export-parquet,refresh} [--db PATH]."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from etl.ingest import loader
from etl.ingest.kinds import LOAD_ORDER
from etl.store import db as store_db
from etl.store.db import DatabaseBusy, DatabaseDamaged, connect, db_path


def _cmd_demo(args: argparse.Namespace) -> int:
    from etl.demo import dataset

    target = db_path(args.db)
    try:
        dataset.demo_scale.check(args.scale)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if target.exists() and not args.force:
        print(f"{target} exists already; use --force to rebuild it from demo data", file=sys.stderr)
        return 1
    if target.exists():
        target.unlink()
        Path(str(target) + ".wal").unlink(missing_ok=True)

    def progress(frac: float, msg: str) -> None:
        print(f"[{frac:4.0%}] {msg}", file=sys.stderr)

    times = dataset.build(target, progress=progress, scale=args.scale)
    store_db.save_good_copy(target)
    print(f"demo database written to {target} (generated in {times['generate_s']:.1f} s, "
          f"loaded in {times['load_s']:.1f} s, PV model {times['model_s']:.1f} s)")
    return 0


def _default_user() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):
        return "cli"


def _sheet(value: str | None) -> str | int | None:
    """--sheet 2 is the second sheet; any other text is a sheet name."""
    if value is None:
        return None
    return int(value) - 1 if value.isdigit() else value


def _cmd_load(args: argparse.Namespace) -> int:
    from etl.ingest.messages import Msg, msg

    lang = args.lang
    colon = "：" if lang == "zh" else ": "

    def say(text: Msg, **kw) -> None:
        print(text.render(lang), **kw)

    with connect(args.db) as con:
        results = loader.load_paths(con, args.paths, args.kind, user=args.user,
                                    accept_warnings=args.accept_warnings, sheet=_sheet(args.sheet))
        from etl.pv import project

        if any(r.status == "loaded" and r.kind in project.MODEL_INPUT_KINDS for r in results):
            project.refresh_if_needed(con)  # the expected PV output follows the committed files
    if any(r.status == "loaded" for r in results):
        store_db.save_good_copy(args.db)  # what DatabaseDamaged points to if the file breaks later
    failed = 0
    for r in results:
        if r.status == "rejected":
            failed += 1
            for p in r.problems:
                if p.severity == "error":
                    print(p.format(lang), file=sys.stderr)
        elif r.status == "needs_accept":
            failed += 1
            for p in r.problems:
                print(f"{msg(f'severity_{p.severity}').render(lang)}{colon}{p.format(lang)}", file=sys.stderr)
            say(msg("cli_needs_accept", path=r.path), file=sys.stderr)
        else:
            for p in r.problems:
                print(f"{msg(f'severity_{p.severity}').render(lang)}{colon}{p.format(lang)}", file=sys.stderr)
            rows = {"rows": r.rows} if r.status == "loaded" else {}  # loaded / already_loaded / unchanged
            say(msg(f"cli_{r.status}", path=r.path, kind=r.kind, batch=r.batch_id, **rows))
    if not results:
        say(msg("cli_no_files"), file=sys.stderr)
    return 1 if failed else 0


def _cmd_batches(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        df = con.execute(
            "SELECT batch_id, kind, file_name, rows_loaded, rows_replaced, period_start::DATE AS period_start, "
            "period_end::DATE AS period_end, loaded_by, loaded_at::TIMESTAMP(0) AS loaded_at, status "
            "FROM load_batches ORDER BY batch_id").df()
    print(df.to_string(index=False) if len(df) else "no batches loaded")
    return 0


def _cmd_undo(args: argparse.Namespace) -> int:
    with connect(args.db) as con:
        try:
            loader.undo(con, args.batch_id, args.user)
        except ValueError as exc:
            print(f"cannot undo: {exc}", file=sys.stderr)
            return 1
    print(f"batch {args.batch_id} undone")
    return 0


def _cmd_users(args: argparse.Namespace) -> int:
    from etl.store import users

    with connect(args.db) as con:
        try:
            if args.action == "list":
                df = users.list_users(con)
                print(df.to_string(index=False) if len(df) else "no users yet")
                return 0
            if args.action in ("add", "set-password"):
                if args.password_stdin:
                    password = sys.stdin.readline().rstrip("\r\n")
                else:
                    password = getpass.getpass(f"password for {args.name}: ")
                    if getpass.getpass("again: ") != password:
                        print("the two passwords differ; nothing changed", file=sys.stderr)
                        return 1
                if args.action == "add":
                    users.add_user(con, args.name, args.role, password, created_by=_default_user())
                    print(f"user {args.name} added with role {args.role}")
                else:
                    users.set_password(con, args.name, password)
                    print(f"password of {args.name} changed")
            elif args.action == "disable":
                users.set_active(con, args.name, False, by=_default_user())
                print(f"user {args.name} disabled")
        except users.UserError as exc:
            print(f"cannot do that: {exc}", file=sys.stderr)
            return 1
    return 0


def _cmd_model_pv(args: argparse.Namespace) -> int:
    from etl.pv import project

    with connect(args.db) as con:
        try:
            r = project.run_model(con, args.weather, [args.year] if args.year else None)
        except ValueError as exc:
            print(f"cannot model: {exc}", file=sys.stderr)
            return 1
    print(f"expected PV output: {r['sites']} sites, {', '.join(map(str, r['years']))}, every {r['interval_min']} min, "
          f"{r['rows']:,} rows, weather {r['weather']} ({r['seconds']:.1f} s)")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    sys.stdout.write(loader.template_csv(args.kind))
    return 0


def _cmd_kpi(args: argparse.Namespace) -> int:
    import json

    from etl.metrics import kpi

    with connect(args.db) as con:
        report = kpi.kpi_report(con, args.year, include_fleet=not args.no_fleet)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(kpi.kpi_table(report, "en").drop(columns="area").to_string(index=False, float_format="{:,.2f}".format))
        for program in kpi.PROGRAMS:
            print(f"{program}_units_by_stage: {report[f'{program}_units_by_stage']}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from etl.reports import documents

    with connect(args.db) as con:
        data = (documents.summary_docx if args.format == "docx" else documents.kpi_workbook)(con, args.year)
    Path(args.out).write_bytes(data)
    print(f"{args.format} report for {args.year} written to {args.out}")
    return 0


def _cmd_cert(args: argparse.Namespace) -> int:
    import json

    from etl.metrics import certification as cert

    try:
        if args.action == "status":
            with connect(args.db) as con:
                out = cert.status(con, args.program, args.as_of)
            if args.format == "json":
                print(json.dumps(out, ensure_ascii=False, indent=2))
            else:
                tk = out["task"]
                if tk:
                    print(f"task {tk['year']}: {tk['units']} units at {tk['stage']} by {tk['deadline']}: "
                          f"{tk['units_reached']} reached, {tk['status']}")
                print("funnel: " + ", ".join(f"{k} {v}" for k, v in out["funnel"].items()))
                for u in out["units"]:
                    print(f"{u['institution_id']}\t{u['stage']}\tsince {u['stage_since']}\t"
                          f"{u['score']:g}/{u['pass_mark']:g}\tmissing {','.join(u['missing']) or '-'}")
            return 0
        with connect(args.db) as con:
            batch = cert.set_stage(con, args.institution, args.program, args.stage, args.date, args.note,
                                   args.user, "cli")
        print(f"{args.institution} {args.program}: {args.stage} on {args.date} recorded (batch {batch}; "
              f"undo with: python -m etl undo {batch})")
        return 0
    except cert.CertError as exc:
        print(f"cannot do that: {exc}", file=sys.stderr)
        return 1


def _cmd_fleet(args: argparse.Namespace) -> int:
    import json

    from etl.metrics import fleet

    with connect(args.db) as con:
        report = fleet.report(con, args.year)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        import pandas as pd

        print(pd.DataFrame(report["cars"]).to_string(index=False, float_format="{:,.2f}".format))
        for f in report["flags"]:
            print(f"{f['ts']}  {f['code']:<17} {f['plate']}  {json.dumps(f['evidence'], ensure_ascii=False)}"
                  + ("  (explained)" if f["explained"] else ""))
    return 0


def _cmd_export_parquet(args: argparse.Namespace) -> int:
    import os

    from etl.store import parquet_export

    county = args.county or os.environ.get("COUNTY_CODE") or "county"
    with connect(args.db) as con:
        try:
            m = parquet_export.export(con, args.dir, county)
        except ValueError as exc:
            print(f"cannot export: {exc}", file=sys.stderr)
            return 1
    rows = sum(t["rows"] for t in m["tables"].values())
    print(f"{rows:,} rows of {len(m['tables'])} tables written to {args.dir} as Parquet (county={county}/year=…), "
          "with manifest.json and the factors used")
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    """Fill what is kept per data version (an older database, or rows written past the loader)."""
    import time

    from etl.store import per_version

    t0 = time.perf_counter()
    with connect(args.db) as con:  # a writer: waits for the dashboard like a load
        done = per_version.refresh_all(con, force=args.force)
        state = per_version.current(con)
    for name, seconds in done.items():
        print(f"rebuilt {per_version.LABELS[name]} in {seconds:.1f} s")
    if not done:
        print("everything kept per data version was current already: nothing rebuilt (--force rebuilds it all)")
    print(f"refresh took {time.perf_counter() - t0:.1f} s")
    stale = [per_version.LABELS[n] for n, ok in state.items() if not ok]
    for label in stale:  # e.g. a setting the alerts need is missing: the pages compute (and say) it themselves
        print(f"still not current: {label}", file=sys.stderr)
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Energy dashboard data tools")
    parser.add_argument("--db", help="database file (default $ENERGY_DB or data/energy.duckdb)")
    sub = parser.add_subparsers(dest="cmd", required=True)

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--db", default=argparse.SUPPRESS, help="database file")
        return p

    p = add("demo", "write demo input files under data/demo/ and load them")
    p.add_argument("--force", action="store_true", help="replace an existing database")
    p.add_argument("--scale", type=int, default=1, metavar="N",
                   help="a county N times larger (N districts like the demo county; for measuring)")
    p.set_defaults(func=_cmd_demo)
    p = add("load", "load files or folders (a folder is an inbox: every file not loaded yet)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--kind", choices=LOAD_ORDER, help="kind of data (detected from the header when omitted)")
    p.add_argument("--user", default=_default_user(), help="name recorded with the load (default cli:LOGIN)")
    p.add_argument("--accept-warnings", action="store_true",
                   help="load files that have warnings (without it they are listed and not loaded)")
    p.add_argument("--sheet", help="XLSX sheet: its name, or its number (1 = first)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the problems printed (default en; zh = Chinese)")
    p.set_defaults(func=_cmd_load)
    p = add("batches", "list loaded files")
    p.set_defaults(func=_cmd_batches)
    p = add("undo", "undo a batch")
    p.add_argument("batch_id", type=int)
    p.add_argument("--user", default=_default_user())
    p.set_defaults(func=_cmd_undo)
    p = add("model-pv", "compute the expected output of every PV site and interval (pvlib) into the database")
    p.add_argument("--weather", choices=("synthetic", "clearsky", "measured"), default="auto",
                   help="weather: the synthetic typical year, clear sky, or uploaded measurements where they exist "
                        "(default: measured where uploaded, else synthetic)")
    p.add_argument("--year", type=int, help="year to model (default: the years with measured production)")
    p.set_defaults(func=_cmd_model_pv)
    p = add("template", "print a CSV template for a kind")
    p.add_argument("kind", choices=LOAD_ORDER)
    p.set_defaults(func=_cmd_template)
    p = add("users", "manage who may upload: users add NAME --role officer")
    p.add_argument("action", choices=("add", "list", "set-password", "disable"))
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=("officer", "admin"), default="officer")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(func=_cmd_users)
    p = add("kpi", "print the KPIs of a year (the KPI page's figures)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=("json", "table"), default="json")
    p.add_argument("--no-fleet", action="store_true",
                   help="leave official-vehicle fuel out of 综合能耗 (counted by default, as the statistics do)")
    p.set_defaults(func=_cmd_kpi)
    p = add("fleet", "official cars of a year: per car figures, totals and fuel-card flags")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=("json", "table"), default="json")
    p.set_defaults(func=_cmd_fleet)
    p = add("report", "write the KPI workbook (xlsx) or the Word draft of the annual summary (docx)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=("docx", "xlsx"), required=True)
    p.add_argument("--out", required=True, help="file to write")
    p.set_defaults(func=_cmd_report)
    p = add("cert", "certification tracker: cert status --program jieyue|jieshui --as-of DATE; "
                    "cert set-stage INSTITUTION PROGRAM STAGE --date DATE [--note TEXT]")
    cert_sub = p.add_subparsers(dest="action", required=True)
    q = cert_sub.add_parser("status", help="each unit's stage, score and computed items on a date, and the task")
    q.add_argument("--db", default=argparse.SUPPRESS, help="database file")
    q.add_argument("--program", choices=("jieyue", "jieshui"), required=True)
    q.add_argument("--as-of", required=True, help="YYYY-MM-DD")
    q.add_argument("--format", choices=("json", "table"), default="json")
    q = cert_sub.add_parser("set-stage", help="record a change of stage (one row of the history; undo with etl undo)")
    q.add_argument("--db", default=argparse.SUPPRESS, help="database file")
    q.add_argument("institution")
    q.add_argument("program", help="jieyue / jieshui (or 节约型机关 / 节水型单位)")
    q.add_argument("stage", help="a stage code or name of data/cert_stages.csv")
    q.add_argument("--date", required=True, help="YYYY-MM-DD")
    q.add_argument("--note")
    q.add_argument("--user", default=_default_user(), help="name recorded with the change (default cli:LOGIN)")
    p.set_defaults(func=_cmd_cert)
    p = add("export-parquet", "write the tables as Hive-partitioned Parquet (county=…/year=…) with a manifest")
    p.add_argument("dir")
    p.add_argument("--county", help="county code for the partition (default $COUNTY_CODE, else 'county')")
    p.set_defaults(func=_cmd_export_parquet)
    p = add("refresh", "rebuild what is kept per data version (stored views, anomaly findings, PV alerts) "
                       "where it is not current, e.g. on a database from an older version")
    p.add_argument("--force", action="store_true", help="rebuild everything, current or not")
    p.set_defaults(func=_cmd_refresh)
    args = parser.parse_args(argv)
    if getattr(args, "action", None) in ("add", "set-password", "disable") and not args.name:
        parser.error(f"users {args.action} needs a NAME")
    try:
        with store_db.command_line():
            return args.func(args)
    except DatabaseBusy as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseDamaged as exc:
        print(str(exc), file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
