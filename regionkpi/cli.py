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
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from regionkpi import pipeline
from regionkpi.settings import TELEMETRY_OFF, ConfigurationError, Settings, load_settings


def _echo(line: str) -> None:
    print(line, flush=True)


def cmd_sample(settings: Settings, args: argparse.Namespace) -> int:
    from ingest.sample import write_sample

    landing = Path(args.landing) if args.landing else settings.landing_dir
    if args.full_scale_boardings:
        from ingest.ridership.sample import BOARDINGS, write_full_scale_boardings
        from ingest.ridership.sample_gtfs import write_gtfs_sample

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
        from ingest.landing import ingest_file
        from ingest.sources import registry

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
            delivery = ingest_file(path, source_name, settings)
            _echo(f"{path.name}: {delivery.status}" + (f" ({delivery.reason})" if delivery.reason else ""))
            failed += delivery.status == "quarantined"
        return 1 if failed else 0
    report = pipeline.ingest(settings, sources=args.source or None, echo=_echo)
    return 1 if report.count("quarantined") and args.strict else 0


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


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    pipeline.ingest(settings, echo=_echo)
    if cmd_build(settings, args) or cmd_publish(settings, args):
        return 1
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
    from ingest.ledger import Ledger

    for d in Ledger(settings.ledger_path).deliveries(args.source):
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
    from regionkpi.demo import run_demo

    return run_demo(settings, echo=_echo)


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
        ("run", cmd_run, "ingest, build, validate, publish and docs"),
    ):
        add(name, handler, text).add_argument("--run-id", default=pipeline.new_run_id(), help="run id")
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
    settings = load_settings()
    try:
        return args.handler(settings, args)
    except (ConfigurationError, pipeline.StepFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a clear one-line cause for the expected failures of each step
        from expectations.gate import GateError
        from publish.snapshot import PublishError

        if isinstance(error, (GateError, PublishError, FileNotFoundError)):
            print(f"error: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
