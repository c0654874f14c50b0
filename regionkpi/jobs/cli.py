"""``regionkpi``: run every step of the main job without Airflow, and look at what was published.

regionkpi sample              write the sample extracts into landing/
regionkpi ingest [FILE ...]   ingest landing/ (or the given files) into the raw layer
regionkpi build               dbt build into warehouse/build.duckdb
regionkpi validate            GX gate on the marts
regionkpi publish             gate + atomic publish of the marts
regionkpi docs                dbt docs (one static HTML file)
regionkpi run                 ingest, build, validate, publish, docs
regionkpi show --region 0013  published KPIs for a region (organisation, period, window, ...)
regionkpi deliveries          the delivery ledger
regionkpi demo                the README demo: sample -> Airflow DAGs -> published KPIs
regionkpi kolada fetch --kpi N60030 [--municipality 0000 ...] [--year 2020 ...] [--from-date YYYY-MM-DD]
                              Kolada benchmark values (API v3) into the raw layer
regionkpi kolada load FILE    a saved Kolada API response (JSON) into the raw layer
regionkpi kolada export       the current snapshot's region figures as Kolada-shaped CSV
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from regionkpi.errors import RegionkpiError
from regionkpi.jobs import pipeline
from regionkpi.settings import TELEMETRY_OFF, ConfigurationError, Settings, load_settings


def _echo(line: str) -> None:
    print(line, flush=True)


def cmd_sample(settings: Settings, args: argparse.Namespace) -> int:
    from samples import write_sample

    landing = Path(args.landing) if args.landing else settings.landing_dir
    if args.full_scale_boardings:
        from samples.ridership.extracts import BOARDINGS, write_full_scale_boardings
        from samples.ridership.gtfs import write_gtfs_sample

        months = range(1, args.full_scale_boardings + 1)
        _echo(f"writing {len(months)} month(s) of Länstrafiken's 2019 validations (22 088 050 in the year)...")
        files = [*write_gtfs_sample(landing), *write_full_scale_boardings(landing, months=months)]
        rows = sum(1 for path in files[1:] for _ in path.open("rb")) - len(files[1:])
        _echo(f"wrote {len(files)} file(s), {rows:,} validations of {BOARDINGS[2019]:,} in 2019, into {landing}")
        return 0
    files = write_sample(landing)
    _echo(f"wrote {len(files)} sample extract(s) into {landing}")
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    if args.files:
        from ingest.landing import OutsideLanding, ingest_file
        from ingest.registry import registry

        sources = registry()
        failed = 0
        for name in args.files:
            path = Path(name).resolve()
            source_name = path.parent.parent.name
            if source_name not in sources:
                _echo(
                    f"{path}: cannot tell the source: put it in <landing>/<source>/<region_id>/ ({', '.join(sources)})"
                )
                failed += 1
                continue
            try:
                delivery = ingest_file(path, source_name, settings)
            except OutsideLanding as error:
                _echo(str(error))
                failed += 1
                continue
            _echo(f"{path.name}: {delivery.status}" + (f" ({delivery.reason})" if delivery.reason else ""))
            failed += delivery.status in ("quarantined", "refused")
        return 1 if failed else 0
    report = pipeline.ingest(settings, sources=args.source or None, echo=_echo)
    return 1 if (report.count("quarantined") or report.count("refused")) and args.strict else 0


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    pipeline.build(settings, echo=_echo)
    _echo(f"build: {settings.build_db_path}")
    return 0


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    from expectations.gate import GateFailed

    try:
        result = pipeline.validate(settings, args.run_id, echo=_echo)
    except GateFailed as failed:
        _echo(str(failed))
        return 1
    _echo(f"Data Docs: {result.data_docs_index}")
    return 0


def cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    if cmd_validate(settings, args):
        _echo("publish: not published; the previous version stays current")
        return 1
    pipeline.publish(settings, args.run_id, echo=_echo)
    return 0


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    path = pipeline.docs(settings, echo=_echo if args.verbose else None)
    _echo(f"dbt docs: {path}")
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    reports = pipeline.report(settings, echo=_echo)
    for path in reports:
        _echo(f"  {path}")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    pipeline.ingest(settings, echo=_echo)
    if cmd_build(settings, args) or cmd_publish(settings, args):
        return 1
    cmd_report(settings, args)
    return cmd_docs(settings, args)


def cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    from publish.query import format_kpi_table, published_kpis

    frame = published_kpis(
        settings,
        region_id=args.region,
        organisation=args.organisation,
        period=args.period,
        window=args.window,
        indicator=args.indicator,
        gender=args.gender,
        breakdown=None if args.breakdown == "all" else args.breakdown,
    )
    if frame.empty:
        _echo("no published KPI matches")
        return 1
    _echo(format_kpi_table(frame.head(args.limit)))
    if len(frame) > args.limit:
        _echo(f"... {len(frame) - args.limit} more row(s); narrow with --organisation/--period/--window/--indicator")
    return 0


def cmd_deliveries(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.ledger import open_ledger

    for d in open_ledger(settings).deliveries(args.source):
        periods = f"{d.periods[0]}..{d.periods[-1]}" if d.periods else "-"
        _echo(
            f"{d.seq:>5} {d.status:<11} {d.source:<24} {d.region_id} {d.file_name:<40} {periods:<17} "
            f"{d.rows if d.rows is not None else '-':>7}  {d.reason or ''}"
        )
    return 0


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> int:
    _echo(f"manifest: {pipeline.manifest(settings)}")
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from regionkpi.jobs.demo import run_demo

    return run_demo(settings, echo=_echo)


def cmd_kolada_fetch(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.kolada import DEFAULT_BASE_URL, KoladaClient, KoladaError, PageProgress
    from ingest.kolada.load import fetch_to_raw

    def progress(page: PageProgress) -> None:
        dropped = f", {page.deleted} deleted dropped" if page.deleted else ""
        _echo(f"[{page.request}/{page.requests}] page {page.page}: {page.records} value(s){dropped}")

    try:
        with KoladaClient(args.base_url or DEFAULT_BASE_URL, max_retries=args.retries, progress=progress) as client:
            load = fetch_to_raw(
                settings, args.kpi, args.municipality, args.year, from_date=args.from_date, client=client
            )
    except KoladaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _echo(f"kolada fetch: {load.summary()}")
    return 0


def cmd_kolada_load(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.kolada import KoladaError
    from ingest.kolada.load import SAMPLE_PATH, load_file

    path = SAMPLE_PATH if args.sample else Path(args.file) if args.file else None
    if path is None:
        print("error: give FILE or --sample", file=sys.stderr)
        return 2
    try:
        load = load_file(settings, path)
    except KoladaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _echo(f"kolada load: {load.summary()}")
    return 0


def cmd_kolada_export(settings: Settings, args: argparse.Namespace) -> int:
    from publish.kolada_export import KoladaExportError, export_kolada
    from publish.query import current_marts_db

    out = Path(args.out).resolve()
    try:
        rows = export_kolada(current_marts_db(settings), out)
    except KoladaExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _echo(f"kolada export: {rows} row(s) to {out}")
    return 0


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from error


def _add_kolada(commands: argparse._SubParsersAction) -> None:
    """``regionkpi kolada fetch|load|export``: Kolada (the national KPI database) benchmarks, docs/kolada.md."""
    help_text = "Kolada benchmarks: fetch (API v3) or load values into raw, export the region's figures"
    kolada = commands.add_parser("kolada", help=help_text, description=help_text)
    steps = kolada.add_subparsers(dest="kolada_command", required=True)

    fetch = steps.add_parser(
        "fetch",
        help="fetch Kolada values into the raw layer (needs the internet)",
        description="Fetch KPI values from Kolada's API v3 into warehouse/raw/kolada_values/ (one file per fetch).",
    )
    fetch.set_defaults(handler=cmd_kolada_fetch)
    fetch.add_argument("--kpi", action="append", required=True, help="Kolada KPI id, e.g. N60030 (repeat for more)")
    fetch.add_argument(
        "--municipality",
        action="append",
        help="Kolada municipality/region id, e.g. 0000 (Riket) or 0006 (repeat); default: 0000 and every region",
    )
    fetch.add_argument("--year", action="append", type=int, help="year (repeat); default: every year")
    fetch.add_argument("--from-date", type=_iso_date, help="only values changed since YYYY-MM-DD (incremental)")
    fetch.add_argument("--base-url", help="API base URL (default: https://api.kolada.se/v3)")
    fetch.add_argument("--retries", type=int, default=4, help="retries on 429, 5xx and connection errors (default 4)")

    load = steps.add_parser(
        "load",
        help="load a saved Kolada API response (JSON) into the raw layer",
        description="Load a saved Kolada API v3 response (one page, or a JSON list of pages) into the raw layer.",
    )
    load.set_defaults(handler=cmd_kolada_load)
    load.add_argument("file", nargs="?", help="the JSON file")
    load.add_argument("--sample", action="store_true", help="the bundled illustrative sample (Riket and 0006)")

    export = steps.add_parser(
        "export",
        help="the current snapshot's region figures as Kolada-shaped CSV",
        description="Write the region-level full-year values of every indicator with a Kolada id, as CSV.",
    )
    export.set_defaults(handler=cmd_kolada_export)
    export.add_argument("--out", default="kolada_export.csv", help="CSV file (default: ./kolada_export.csv)")


def cmd_serving_setup(settings: Settings, args: argparse.Namespace) -> int:
    from publish.serving import setup

    admin_url = os.environ.get("REGIONKPI_POSTGRES_ADMIN_URL")
    if not admin_url:
        raise ConfigurationError("REGIONKPI_POSTGRES_ADMIN_URL is not set (a superuser's postgresql:// URL)")
    for line in setup(settings, admin_url, airflow_db=args.airflow_db):
        _echo(f"serving setup: {line}")
    return 0


def cmd_serving_publish(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.serving_url:
        raise ConfigurationError("REGIONKPI_SERVING_URL is not set: PostgreSQL serving is off")
    pipeline.serve(settings, echo=_echo)
    return 0


def _add_serving(commands: argparse._SubParsersAction) -> None:
    """``regionkpi serving setup|publish``: the published marts in PostgreSQL for BI tools, docs/bi.md."""
    help_text = "PostgreSQL serving of the published marts: create roles and database, or load the current snapshot"
    serving = commands.add_parser("serving", help=help_text, description=help_text)
    steps = serving.add_subparsers(dest="serving_command", required=True)
    setup = steps.add_parser(
        "setup",
        help="create the serving database, its owner role and the read-only BI role (idempotent)",
        description="As REGIONKPI_POSTGRES_ADMIN_URL (a superuser): the database and owner of REGIONKPI_SERVING_URL, "
        "and the role REGIONKPI_BI_USER with REGIONKPI_BI_PASSWORD.",
    )
    setup.set_defaults(handler=cmd_serving_setup)
    setup.add_argument("--airflow-db", help="also revoke CONNECT on this database (Airflow's metadata) from PUBLIC")
    again = steps.add_parser("publish", help="load the current snapshot into PostgreSQL again")
    again.set_defaults(handler=cmd_serving_publish)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="regionkpi", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    top.add_argument("-v", "--verbose", action="store_true", help="show dbt's and the libraries' own log lines")
    commands = top.add_subparsers(dest="command", required=True)

    def add(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        return command

    sample = add("sample", cmd_sample, "write the deterministic sample extracts")
    sample.add_argument("--landing", help="landing folder (default: the configured one)")
    sample.add_argument(
        "--full-scale-boardings",
        type=int,
        metavar="MONTHS",
        choices=range(1, 13),
        help="instead: the GTFS feed and MONTHS (1-12) months of a full-scale year of validations (22 million "
        "rows in 12 months, Windows-1252), for benchmarks",
    )
    ingest = add("ingest", cmd_ingest, "ingest new files from landing (or the given files)")
    ingest.add_argument("files", nargs="*", help="files inside <landing>/<source>/<region_id>/")
    ingest.add_argument("--source", action="append", help="only this source (and what it depends on)")
    ingest.add_argument("--strict", action="store_true", help="exit 1 when a file was quarantined")
    add("build", cmd_build, "dbt build into warehouse/build.duckdb")
    for name, handler, text in (
        ("validate", cmd_validate, "run the GX gate on the marts"),
        ("publish", cmd_publish, "gate, then publish the marts atomically"),
        ("run", cmd_run, "ingest, build, validate, publish, the follow-up reports and docs"),
    ):
        add(name, handler, text).add_argument("--run-id", default=pipeline.new_run_id(), help="run id")
    add("report", cmd_report, "the follow-up reports (HTML) from the current published snapshot")
    add("docs", cmd_docs, "generate dbt docs")
    show = add("show", cmd_show, "show published KPIs")
    show.add_argument("--region", help="region id, e.g. 0013")
    show.add_argument("--organisation", help="organisation id or part of its name")
    show.add_argument("--period", help="YYYY-MM")
    show.add_argument("--window", choices=["month", "ytd", "r12", "year", "forecast_year"])
    show.add_argument("--indicator")
    show.add_argument("--gender", choices=["T", "K", "M"])
    show.add_argument(
        "--breakdown",
        default="total",
        help="total (default), report_line, account_group, report_section, uppdrag, resultatenhet, "
        "investment_project, traffic_area, service_kind, service_trip_type, or all",
    )
    show.add_argument("--limit", type=int, default=40)
    add("deliveries", cmd_deliveries, "list the delivery ledger").add_argument("--source")
    add("manifest", cmd_manifest, "dbt parse (the manifest the Airflow build DAG is rendered from)")
    add("demo", cmd_demo, "the README demo through Airflow")
    _add_kolada(commands)
    _add_serving(commands)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.update({k: v for k, v in TELEMETRY_OFF.items() if k not in os.environ})
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not args.verbose:
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        logging.getLogger("ingest").setLevel(logging.ERROR)  # the progress lines already say it
    try:
        return args.handler(load_settings(), args)
    except RegionkpiError as error:  # expected: a setting, a gate, nothing published, no browser, ...
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug: one line, and the traceback with -v
        if args.verbose:
            raise
        print(
            f"error: {type(error).__name__}: {error} (this is not an expected failure: rerun with -v for the "
            "traceback, and report it with that)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
