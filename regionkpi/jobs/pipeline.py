"""The steps of the main job, each callable from an Airflow task or from the command line.

ingest -> build (dbt, the only writer of build.duckdb) -> validate (GX gate, read-only) -> publish
(atomic snapshot) -> report (the follow-up reports, from the published snapshot) -> docs. Each
function takes :class:`Settings` and returns something a caller can print or log; heavy imports stay
inside the functions so DAG files that import this module parse fast.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from regionkpi.errors import RegionkpiError
from regionkpi.settings import Settings

if TYPE_CHECKING:
    from expectations.gate import GateResult
    from ingest.landing import IngestReport
    from ingest.ledger import Delivery
    from publish.report import ReportSet
    from publish.snapshot import PublishedSnapshot

log = logging.getLogger(__name__)

Echo = Callable[[str], None]


class StepFailed(RegionkpiError, RuntimeError):
    """A pipeline step failed; the message says which and where to look."""


def new_run_id(prefix: str = "manual") -> str:
    """A run id that sorts by time and is safe as a folder name."""
    return f"{prefix}__{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


def safe_run_id(run_id: str) -> str:
    """Airflow run ids contain ':' and '+'; published folder names should not."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id).strip("_")


def ingest(settings: Settings, *, sources: list[str] | None = None, echo: Echo | None = None) -> IngestReport:
    from ingest.landing import ensure_raw_schemas, ingest_landing

    def progress(index: int, total: int, delivery: Delivery) -> None:
        if echo:
            d = delivery
            months = f", {d.periods[0]}..{d.periods[-1]}" if d.periods else ""
            detail = f"{d.rows} rows{months}" if d.rows else d.reason
            echo(f"[{index}/{total}] {d.source}/{d.region_id}/{d.file_name}: {d.status} ({detail})")

    report = ingest_landing(settings, source_names=sources, progress=progress)
    # dbt reads every source; one nobody has delivered yet reads as its empty schema file
    ensure_raw_schemas(settings)
    if echo:
        echo(f"ingest: {report.summary()}")
    return report


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def _die_with_parent() -> Callable[[], None] | None:
    """For the dbt child (Linux): a function run before exec that asks for SIGKILL when the process
    that started it dies, so a killed ``regionkpi build`` (or Airflow task) leaves no dbt writing on
    behind it. Resolved in the parent: the child only makes the one C call (nothing that could wait
    for a lock another thread held at the fork)."""
    if sys.platform != "linux":
        return None
    import ctypes
    import signal

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig, kill = 1, int(signal.SIGKILL)
    return lambda: prctl(pr_set_pdeathsig, kill)


def run_dbt(settings: Settings, *args: str, echo: Echo | None = None, database: Path | None = None) -> None:
    """Run a dbt command in a subprocess against the project, streaming its log lines to ``echo``.

    Every source gets its empty schema file first, so dbt can read a source nobody delivered yet.
    ``database``: the DuckDB file dbt writes (default ``build.duckdb`` itself).
    """
    from ingest.landing import ensure_raw_schemas

    ensure_raw_schemas(settings)
    command = [
        dbt_executable(),
        *([] if sys.stdout.isatty() else ["--no-use-colors"]),
        *args,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
    ]
    env = {**os.environ, **settings.dbt_env()}
    env.pop("REGIONKPI_BUILD_DB_PATH", None)
    if database is not None:
        env["REGIONKPI_BUILD_DB_PATH"] = str(database)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    log.info("running %s", " ".join(command))
    with subprocess.Popen(
        command,
        env=env,
        cwd=settings.dbt_project_dir,
        preexec_fn=_die_with_parent(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        tail: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            tail = [*tail[-40:], line]
            if echo:
                echo(line)
            else:
                log.info("dbt: %s", line)
    if process.returncode != 0:
        raise StepFailed(
            f"dbt {' '.join(args)} failed (exit {process.returncode}); last lines:\n" + "\n".join(tail[-15:])
        )


def build(settings: Settings, *, echo: Echo | None = None) -> Path:
    """dbt build: seeds, models, tests and unit tests into a copy of build.duckdb (the one writer),
    which replaces it only when the whole build succeeded (:func:`prepare_build`, :func:`commit_build`)."""
    next_db = prepare_build(settings)
    run_dbt(settings, "build", echo=echo, database=next_db)
    return commit_build(settings)


def prepare_build(settings: Settings) -> Path:
    """The copy a build writes: ``build.duckdb`` as it is (incremental models keep their rows),
    checkpointed first; what an earlier, failed or killed, build left there is discarded."""
    import shutil

    from ingest import duck

    live, next_db = settings.build_db_path, settings.build_next_path
    shutil.rmtree(next_db.parent, ignore_errors=True)
    next_db.parent.mkdir(parents=True)
    if live.exists():
        with duck.connect(live) as connection:  # a WAL left by a kill goes into the file first
            connection.execute("CHECKPOINT")
        shutil.copy2(live, next_db)
    return next_db


def commit_build(settings: Settings) -> Path:
    """Make a finished build current: checkpoint the copy, flush it, rename it over ``build.duckdb``."""
    import shutil

    from ingest import duck
    from regionkpi.fsio import move_into_place

    live, next_db = settings.build_db_path, settings.build_next_path
    if not next_db.exists():
        raise StepFailed(f"no finished build at {next_db}: run the build (dbt) before committing it")
    with duck.connect(next_db) as connection:
        connection.execute("CHECKPOINT")
    live.with_name(live.name + ".wal").unlink(missing_ok=True)  # checkpointed at prepare: nothing in it
    move_into_place(next_db, live)
    shutil.rmtree(next_db.parent, ignore_errors=True)
    return live


def manifest(settings: Settings, *, echo: Echo | None = None) -> Path:
    """dbt parse: the manifest Cosmos renders the build DAG from (no database needed)."""
    run_dbt(settings, "parse", echo=echo)
    return settings.dbt_target_dir / "manifest.json"


def validate(settings: Settings, run_id: str, *, echo: Echo | None = None) -> GateResult:
    """The GX gate on the marts; raises ``expectations.gate.GateFailed`` when a rule is broken."""
    from expectations.gate import validate_marts

    result = validate_marts(settings, safe_run_id(run_id))
    if echo:
        echo("validate: " + result.describe().splitlines()[0])
    return result


def publish(settings: Settings, run_id: str, *, echo: Echo | None = None) -> PublishedSnapshot:
    """Publish the validated marts (reads the gate result recorded for ``run_id``)."""
    from expectations.gate import load_gate_result
    from publish.snapshot import publish as publish_snapshot

    gate_result = load_gate_result(settings, safe_run_id(run_id))
    snapshot = publish_snapshot(settings, safe_run_id(run_id), gate_result)
    if echo:
        echo(f"publish: {snapshot.path} is now current")
    if settings.serving_url:  # PostgreSQL serving (docs/bi.md): raises, failing the step, when it fails
        serve(settings, snapshot, echo=echo)
    return snapshot


def serve(settings: Settings, snapshot: PublishedSnapshot | None = None, *, echo: Echo | None = None) -> None:
    """Load ``snapshot`` (default: the current one) into PostgreSQL and swap it in (publish/serving.py)."""
    from publish.serving import publish_to_postgres
    from publish.snapshot import resolve_current

    snapshot = snapshot or resolve_current(settings.published_dir)
    served = publish_to_postgres(settings, snapshot)
    if echo:
        echo(
            f"serve: {len(served.tables)} marts of {served.run_id} in PostgreSQL schema {served.schema} "
            f"({served.seconds:.1f} s)"
        )


def report(settings: Settings, *, echo: Echo | None = None) -> ReportSet:
    """The follow-up reports (one self-contained HTML file per region × organisation × period, and each
    as an A4 PDF and an Excel workbook unless ``report_exports`` is off) from the current published
    snapshot into ``settings.reports_dir``, replacing the previous set atomically."""
    from publish.excel import write_workbooks
    from publish.pdf import print_pdfs
    from publish.query import current_marts_db
    from publish.report import render_reports

    marts_db = current_marts_db(settings).resolve()

    def exports(paths: list[Path]) -> None:
        started = time.monotonic()
        print_pdfs(paths, chromium=settings.chromium)
        write_workbooks(marts_db, paths)
        if echo:
            echo(f"report: {len(paths)} PDF(s) and workbook(s) in {time.monotonic() - started:.1f} s")

    kinds = ("pdf", "xlsx") if settings.report_exports else ()
    reports = render_reports(
        marts_db, settings.reports_dir, exports=exports if settings.report_exports else None, export_kinds=kinds
    )
    if echo:
        echo(f"report: {len(reports)} follow-up report(s), index {reports.index}")
    return reports


def docs(settings: Settings, *, echo: Echo | None = None) -> Path:
    """dbt docs as one self-contained HTML file (opens from disk, no server needed)."""
    run_dbt(settings, "docs", "generate", "--static", echo=echo)
    return settings.dbt_target_dir / "static_index.html"
