"""What the Airflow DAG files share: assets, default arguments, the dbt writer pool, the Cosmos setup.

DAG files stay thin (schedule and wiring); task bodies call :mod:`regionkpi.pipeline`. Only this
module and ``dags/`` import Airflow; ``ingest``, ``expectations`` and ``publish`` never do.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

from airflow.sdk import Asset

from regionkpi.settings import Settings, load_settings

OWNER = "regionkpi"

#: One writer of build.duckdb at a time, across DAGs (the Cosmos dbt tasks run in this pool).
DBT_POOL = "dbt_duckdb_writer"
#: One ingest at a time, across the ingest DAGs: they share the delivery ledger and the organisation
#: extract every domain depends on.
INGEST_POOL = "regionkpi_ingest"

START_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    # Retries cover passing trouble (a locked file, a full disk being cleaned); the demo and tests set
    # REGIONKPI_TASK_RETRIES=0 so that a real failure fails at once instead of after the retry delays.
    "retries": int(os.environ.get("REGIONKPI_TASK_RETRIES", "2")),
    "retry_delay": dt.timedelta(minutes=5),
}


def _asset(name: str, relative: str) -> Asset:
    return Asset(name=name, uri=f"file:///regionkpi/warehouse/{relative}", group="regionkpi")


#: Updated when an ingest run loaded new rows into the raw layer for HR (sick leave or organisation).
RAW_HR = _asset("raw_hr", "raw/hr_sick_leave")
#: The landing folders the finance ingest DAG reads.
FINANCE_SOURCES = ("finance_ledger", "finance_budget", "finance_forecast", "finance_investments")
#: Updated when an ingest run loaded new finance rows (ledger, budget, forecast or investments).
RAW_FINANCE = _asset("raw_finance", "raw/finance_ledger")
#: The landing folders the ridership ingest DAG reads (GTFS first: the boardings contract checks against it).
RIDERSHIP_SOURCES = (
    "gtfs",
    "ridership_boardings",
    "ridership_service_trips",
    "ridership_production",
    "population",
)
#: Updated when an ingest run loaded new public-transport rows (boardings, service trips, production,
#: GTFS reference data or population).
RAW_RIDERSHIP = _asset("raw_ridership", "raw/ridership_boardings")
#: The landing folders the goal follow-up ingest DAG reads.
GOAL_SOURCES = ("goal_structure", "goal_targets", "goal_reported_values")
#: Updated when an ingest run loaded new targets, goal structures or reported values.
RAW_GOALS = _asset("raw_goals", "raw/goal_targets")
#: Updated when a Kolada fetch (DAG ingest_kolada) wrote new benchmark values (raw/kolada_values).
RAW_KOLADA = _asset("raw_kolada", "raw/kolada_values")
#: Updated when a validated snapshot of the marts has been published.
PUBLISHED_MARTS = _asset("published_marts", "published/current")


def settings() -> Settings:
    return load_settings()


def ingest_sources(sources: list[str], log: logging.Logger) -> dict[str, int]:
    """The body of an ingest DAG's task: ingest ``sources`` (and what they depend on) from landing.

    Returns the counts per status; raises ``AirflowSkipException`` when nothing new was loaded, so
    the task's asset is not updated and nothing downstream runs.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from regionkpi import pipeline

    report = pipeline.ingest(settings(), sources=sources, echo=log.info)
    counts = {status: report.count(status) for status in ("loaded", "quarantined", "duplicate")}
    if counts["quarantined"]:
        log.warning("%d file(s) quarantined: see quarantine/*/*.report.txt", counts["quarantined"])
    if not report.changed:
        raise AirflowSkipException(f"nothing new loaded ({report.summary()})")
    return counts


def cosmos_build_group(group_id: str = "dbt_build") -> Any:
    """The dbt project as an Airflow task group, rendered from the pre-built manifest (fast parse).

    Each node runs ``dbt build`` for itself in a subprocess (``TestBehavior.BUILD``: a model and its
    tests are one task), in the one-slot writer pool. Tests with several parents (relationships) run
    as their own task once all parents are built; inside a parent's ``dbt build`` they would fail on
    the parent that is not built yet. Run ``regionkpi manifest`` (``dbt parse``) to create or refresh
    the manifest after changing the dbt project.
    """
    from cosmos import (
        DbtTaskGroup,
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
        TestBehavior,
    )

    from regionkpi.pipeline import dbt_executable

    config = settings()
    manifest_path = config.dbt_target_dir / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest not found at {manifest_path}: run `regionkpi manifest` (dbt parse) before Airflow parses "
            "the build DAG"
        )
    # Cosmos runs each task in a temporary copy of the project and manages target/ and partial parsing
    # itself: a shared DBT_TARGET_PATH would hand every task a partial-parse file that points into the
    # first task's (deleted) copy.
    env = {
        **{k: v for k, v in config.dbt_env().items() if k not in {"DBT_TARGET_PATH", "DBT_LOG_PATH"}},
        "PATH": os.environ.get("PATH", ""),
    }
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=config.dbt_project_dir,
            manifest_path=manifest_path,
            install_dbt_deps=False,
            env_vars=env,
        ),
        profile_config=ProfileConfig(
            profile_name="regionkpi",
            target_name="dev",
            profiles_yml_filepath=config.dbt_project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt_executable(),
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            emit_datasets=False,
            enable_mock_profile=False,
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={"pool": DBT_POOL, "install_deps": False},
    )


def summary_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def repo_dags_folder() -> Path:
    return Path(__file__).resolve().parents[1] / "dags"
