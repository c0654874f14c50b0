"""The README demo: sample extracts -> ingest DAG -> build DAG (through Airflow) -> published KPIs.

Airflow runs embedded: a SQLite metadata database under ``airflow_home/`` and ``airflow dags test``,
so no scheduler, webserver or external service is needed. Each DAG's full log goes to a file; the
terminal gets one line per step.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from regionkpi.jobs import pipeline
from regionkpi.jobs.pipeline import Echo, StepFailed
from regionkpi.settings import REPO_ROOT, Settings

#: Figures the regions printed in their own reports (shared/domain/published_figures.csv, domain hr).
SHOWCASE = [
    # region, organisation, indicator, period, window, gender, as the report printed it
    ("0013", "Regionkontoret", "sick_leave_rate", "2021-04", "r12", "T", "2,59 %"),
    ("0013", "Regionkontoret", "sick_leave_rate", "2020-04", "r12", "T", "2,48 %"),
    ("0013", "Regionkontoret", "staff_turnover_rate", "2021-04", "ytd", "T", "9,04 %"),
    ("0013", "Regionkontoret", "leavers", "2021-04", "ytd", "T", "11"),
    ("0017", "Regionledningskontoret", "sick_leave_rate", "2023-08", "ytd", "T", "2,8 %"),
    ("0017", "Regionledningskontoret", "sick_leave_rate", "2023-08", "ytd", "K", "3,2 %"),
    ("0017", "Regionledningskontoret", "sick_leave_rate", "2023-08", "ytd", "M", "2,4 %"),
    ("0017", "Region Värmland", "sick_leave_rate", "2023-08", "ytd", "T", "6,1 %"),
    ("0017", "Region Värmland", "sick_leave_rate", "2023-08", "ytd", "K", "6,7 %"),
    ("0017", "Region Värmland", "sick_leave_rate", "2023-08", "ytd", "M", "3,9 %"),
    ("0006", "Länstrafiken", "sick_leave_rate", "2020-12", "year", "T", "3 %"),
    ("0006", "Länstrafiken", "full_time_equivalents", "2020-12", "year", "T", "89,1"),
    ("0006", "Regionledningskontor med verksamhetsnära funktion", "sick_leave_rate", "2020-12", "year", "T", "3,3 %"),
    (
        "0006",
        "Regionledningskontor med verksamhetsnära funktion",
        "full_time_equivalents",
        "2020-12",
        "year",
        "T",
        "ca 410",
    ),
]

#: Finance figures the demo prints beside the reports (samples/finance/extracts.py maps every figure).
FINANCE_SHOWCASE = [
    # figure id, what the report calls it, unit and decimals the report prints, as printed
    ("F038", "Halland Regionkontoret, ack resultat jan-apr 2021", "tkr", 0, "-134 010 tkr"),
    ("F040", "Halland Regionkontoret, ack avvikelse jan-apr 2021", "tkr", 0, "20 694 tkr"),
    ("F022", "Halland Regionkontoret, prognos budgetavvikelse 2021", "tkr", 0, "10 550 tkr"),
    ("F061", "Halland Regionkontoret, kostnadsutveckling jan-apr", "%", 1, "18,3 %"),
    ("F074", "Halland Regionkontoret, investeringar avvikelse", "tkr", 0, "1 100 tkr"),
    ("F103", "Värmland Regionstyrelsen, nettokostnad ack aug 2023", "mnkr", 2, "1 074,76 mnkr"),
    ("F105", "Värmland Regionstyrelsen, avvikelse ack aug 2023", "mnkr", 3, "95,512 mnkr"),
    ("F107", "Länstrafiken, biljettintäkter 2020", "tkr", 0, "176 822"),
    ("F166", "Länstrafiken, budgetavvikelse 2020", "tkr", 0, "-22 235"),
    ("F175", "Regionledningskontoret (Jönköping), ekonomi i balans 2020", "tkr", 0, "47 582 tkr"),
]
#: Public-transport figures the demo prints beside Länstrafiken's report (samples/ridership/extracts.py).
RIDERSHIP_SHOWCASE = [
    ("F176", "Länstrafiken, resor allmän trafik 2020 (tusental)", "thousand", 0, "13 147"),
    ("F218", "Länstrafiken, resor förändring mot 2019", "%", 1, "-40,5 %"),
    ("F229", "Länstrafiken, resor exkl skolkort förändring", "%", 0, "-39 %"),
    ("F219", "Länstrafiken, serviceresor 2020 (tusental)", "thousand", 0, "508"),
    ("F228", "Länstrafiken, påstigande per mil 2020", "", 1, "5,1"),
    ("F230", "Länstrafiken, kostnad per resenär-km serviceresor", "kr", 2, "26,86 kr/km"),
    ("F206", "Länstrafiken, biljettintäkter 2020", "mnkr", 1, "171,4"),
    ("F211", "Länstrafiken, skattesubventionsgrad 2020", "%", 1, "69,2"),
]
_SCALE = {"tkr": 1_000, "mnkr": 1_000_000, "%": 1, "thousand": 1_000, "": 1, "kr": 1}

BANNER = """
************************************************************************************
*  DEMO MODE: REGIONKPI_PSEUDONYM_KEY is not set, so personal identifiers are      *
*  hashed with a built-in DEVELOPMENT key. Never use this with real payroll data:  *
*  set REGIONKPI_PSEUDONYM_KEY from your secret store.                             *
************************************************************************************
"""


def airflow_env(settings: Settings) -> dict[str, str]:
    """Embedded Airflow: SQLite metadata under airflow_home/, the repo's DAGs, no examples."""
    home = settings.root / "airflow_home"
    return {
        **os.environ,
        **settings.dbt_env(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # Cosmos' cache (partial parse) per Airflow home: two runs side by side never share it.
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos_cache"),
        "REGIONKPI_TASK_RETRIES": os.environ.get("REGIONKPI_TASK_RETRIES", "0"),
        "REGIONKPI_ROOT": str(settings.root),
        "REGIONKPI_LANDING_DIR": str(settings.landing_dir),
        "REGIONKPI_WAREHOUSE_DIR": str(settings.warehouse_dir),
        "REGIONKPI_QUARANTINE_DIR": str(settings.quarantine_dir),
    }


def airflow(settings: Settings, *args: str, log_name: str) -> str:
    """Run an ``airflow`` CLI command; its output goes to a log file, failures show its tail."""
    executable = Path(sys.executable).with_name("airflow")
    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}.log"
    env = airflow_env(settings)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log_file:
        completed = subprocess.run(
            [str(executable), *args], env=env, stdout=log_file, stderr=subprocess.STDOUT, check=False
        )
    output = log_path.read_text(encoding="utf-8", errors="replace")
    if completed.returncode != 0:
        raise StepFailed(
            f"`airflow {' '.join(args)}` failed (exit {completed.returncode}); full log: {log_path}\n"
            + "\n".join(output.splitlines()[-25:])
        )
    return output


def _dag_tests(settings: Settings, dag_ids: tuple[str, ...], logical_date: str, echo: Echo, log_name: str) -> None:
    """``airflow dags test`` of ``dag_ids`` one after the other in one process (:mod:`regionkpi.jobs.dag_test`).

    The process's output goes to ``<warehouse>/logs/<log_name>.log``; the terminal gets a line as each
    DAG finishes. A failed DAG stops the demo with the log's error lines.
    """
    from regionkpi.jobs.dag_test import MARKER

    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{log_name}.log"
    env = airflow_env(settings)
    command = [sys.executable, "-m", "regionkpi.jobs.dag_test", logical_date, *dag_ids]
    lines: list[str] = []
    succeeded: list[str] = []
    with (
        log_path.open("w", encoding="utf-8") as log_file,
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line)
            lines.append(line.rstrip("\n"))
            if line.startswith(MARKER):
                _, dag_id, state, seconds = line.split()
                if state == "success":
                    succeeded.append(dag_id)
                    echo(f"  {dag_id}: done in {float(seconds):.0f} s")
    if process.returncode != 0 or succeeded != list(dag_ids):
        failed = dag_ids[len(succeeded)] if len(succeeded) < len(dag_ids) else ", ".join(dag_ids)
        errors = "\n".join(line for line in lines if "ERROR" in line or "Traceback" in line)
        raise StepFailed(
            f"DAG {failed} failed (exit {process.returncode}); full log: {log_path}\n"
            + (errors[-3000:] or "\n".join(lines[-25:]))
        )


#: The Airflow pools the DAGs use (regionkpi.jobs.orchestration): one dbt writer, a few ingests at once.
#: The same file is imported by the deployment's airflow-init (docs/deployment.md).
POOLS_FILE = REPO_ROOT / "deploy" / "pools.json"


def import_pools(settings: Settings) -> None:
    """Create the pools of :data:`POOLS_FILE` in the embedded Airflow (its metadata database must be migrated)."""
    airflow(settings, "pools", "import", str(POOLS_FILE), log_name="airflow_pools")


def run_demo(settings: Settings, echo: Echo) -> int:
    """The main job on the sample, end to end in embedded Airflow, in five numbered steps."""
    started = time.monotonic()
    if not os.environ.get("REGIONKPI_PSEUDONYM_KEY"):
        echo(BANNER)
        os.environ["REGIONKPI_ALLOW_DEV_KEY"] = "1"
    logical_date = dt.datetime.now(dt.UTC).date().isoformat()
    _prepare(settings, echo)
    _ingest(settings, logical_date, echo)
    echo("4/5 airflow dags test build_kpi_marts (dbt build via Cosmos -> GX gate -> publish -> report -> docs)")
    _dag_tests(settings, ("build_kpi_marts",), logical_date, echo, log_name="dag_build_kpi_marts")
    echo("5/5 published KPIs (the figures the regions printed in their own reports)")
    _showcase(settings, echo)
    _where_to_look(settings, echo)
    echo(f"Demo finished in {time.monotonic() - started:.0f} s")
    return 0


def _prepare(settings: Settings, echo: Echo) -> None:
    """Steps 1 and 2: the sample into landing/, while Airflow's database and dbt's manifest get ready."""
    from samples import write_sample

    echo(f"1/5 writing sample extracts into {settings.landing_dir}")
    echo("2/5 preparing embedded Airflow (SQLite metadata) and the dbt manifest, meanwhile")
    # The metadata database and the manifest (dbt parse) are independent subprocesses: they run while
    # this process writes the sample, and the pools need only the migrated database.
    with ThreadPoolExecutor(max_workers=2) as pool:
        migrated = pool.submit(airflow, settings, "db", "migrate", log_name="airflow_db_migrate")
        parsed = pool.submit(pipeline.manifest, settings)
        files = write_sample(settings.landing_dir)
        echo(
            f"  {len(files)} file(s) for regions 0006, 0013, 0017: HR 2019-2023, finance 2016-2023 (CSV and SIE 4), "
            "public transport 2016-2021 (GTFS, boardings, service trips, production), goal targets 2019-2020, "
            "incl. late corrections and broken files"
        )
        migrated.result()
        import_pools(settings)
        parsed.result()


def _ingest(settings: Settings, logical_date: str, echo: Echo) -> None:
    """Step 3: the ingest DAGs, what the ledger says of each new delivery, and the Kolada sample."""
    from ingest.kolada.load import SAMPLE_PATH, load_file
    from ingest.ledger import open_ledger

    ledger = open_ledger(settings)
    seen = {d.seq for d in ledger.deliveries()}
    ingest_dags = ("ingest_hr_sick_leave", "ingest_finance", "ingest_ridership", "ingest_goals")
    echo(f"3/5 airflow dags test, one after the other in one process: {', '.join(ingest_dags)}")
    _dag_tests(settings, ingest_dags, logical_date, echo, log_name="dags_ingest")
    deliveries = [d for d in ledger.deliveries() if d.seq not in seen]
    if seen:
        echo(f"  (the ledger already held {len(seen)} deliveries: files delivered again are duplicates)")
    for status in ("loaded", "quarantined", "duplicate"):
        echo(f"  {status}: {sum(d.status == status for d in deliveries)}")
    for delivery in deliveries:
        if delivery.status == "quarantined":
            echo(f"  quarantined {delivery.file_name}: {delivery.reason}")
            echo(f"    report: {delivery.stored_path}.report.txt")
    loaded = load_file(settings, SAMPLE_PATH)
    echo(f"  Kolada benchmark (illustrative sample values, offline): {loaded.summary()}")


def _showcase(settings: Settings, echo: Echo) -> None:
    """Step 5: the published figures beside the ones the regions printed."""
    import pandas as pd

    from publish.query import format_kpi_table, published_kpis

    rows = []
    for region, organisation, indicator, period, window, gender, printed in SHOWCASE:
        frame = published_kpis(
            settings,
            region_id=region,
            organisation=organisation,
            period=period,
            window=window,
            indicator=indicator,
            gender=gender,
        )
        frame = frame[(frame["age_band"] == "all") & (frame["organisation_name"] == organisation)]
        rows.append(frame.assign(printed=printed))
    echo(format_kpi_table(pd.concat(rows, ignore_index=True), extra_columns=(("in the report", "printed"),)))
    echo("")
    echo(_figure_showcase(settings, "finance figure", "published (SEK, ledger sign)", FINANCE_SHOWCASE))
    echo("")
    echo(_figure_showcase(settings, "public-transport figure", "published", RIDERSHIP_SHOWCASE))


def _where_to_look(settings: Settings, echo: Echo) -> None:
    current = json.loads((settings.published_dir / "current.json").read_text(encoding="utf-8"))
    gate = json.loads((settings.gx_dir / "last_gate_result.json").read_text(encoding="utf-8"))
    echo("")
    echo(f"Published snapshot : {current['path']}  (BI tools read {settings.published_dir / 'current'})")
    echo(f"Kolada export      : {Path(current['path']) / 'kolada_export.csv'}")
    echo(f"Follow-up reports  : {settings.reports_dir / 'index.html'}")
    for path in sorted(settings.reports_dir.glob("*/*/*.html")):
        exports = [path.with_suffix(suffix).name for suffix in (".pdf", ".xlsx") if path.with_suffix(suffix).exists()]
        echo(f"  {path}" + (f"  (+ {', '.join(exports)})" if exports else ""))
    echo(f"dbt docs           : {settings.dbt_target_dir / 'static_index.html'}")
    echo(f"GX Data Docs       : {gate.get('data_docs_index')}")
    echo(f"Airflow logs       : {settings.warehouse_dir / 'logs'}")
    echo("Try                : .venv/bin/regionkpi show --region 0013 --organisation Regionkontoret --period 2021-04")


def _figure_showcase(settings: Settings, title: str, published: str, showcase: list[tuple]) -> str:
    """Published figures shown the way the reports print them (finance: SEK with the ledger sign)."""
    import duckdb

    from publish.query import current_marts_db, format_number
    from samples.finance.extracts import FINANCE_FIGURES
    from samples.ridership.extracts import RIDERSHIP_FIGURES

    figures = {**FINANCE_FIGURES, **RIDERSHIP_FIGURES}
    lines = [f"{title:<58} {published:>30} {'as printed':>16}  in the report"]
    with duckdb.connect(str(current_marts_db(settings)), read_only=True) as connection:
        for figure_id, label, unit, decimals, printed in showcase:
            ref = figures[figure_id]
            found = connection.execute(
                "select value from kpi_indicator_values where region_id = ? and organisation_id = ? "
                'and indicator_id = ? and period = ? and "window" = ? and breakdown = ? and breakdown_id = ?',
                [
                    ref.region_id,
                    ref.organisation_id,
                    ref.indicator_id,
                    ref.period,
                    ref.window,
                    ref.breakdown,
                    ref.breakdown_id,
                ],
            ).fetchone()
            if found is None:
                lines.append(f"{label:<58} {'(not published)':>30}")
                continue
            shown = (format_number(ref.sign * found[0] / _SCALE[unit], decimals) + f" {unit}").rstrip()
            lines.append(f"{label:<58} {format_number(found[0], 2):>30} {shown:>16}  {printed}")
    return "\n".join(lines)
