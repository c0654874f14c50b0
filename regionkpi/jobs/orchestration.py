"""What the Airflow DAG files share: assets, default arguments, the dbt writer pool, the Cosmos setup.

DAG files stay thin (schedule and wiring); task bodies call :mod:`regionkpi.jobs.pipeline`. Only this
module and ``dags/`` import Airflow; ``ingest``, ``expectations`` and ``publish`` never do.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from airflow.sdk import Asset

from regionkpi.settings import REPO_ROOT, Settings, load_settings

OWNER = "regionkpi"

#: One writer of build.duckdb at a time, across DAGs: prepare_build, Cosmos' producer (the one
#: ``dbt build``) and commit_build run in this one-slot pool.
DBT_POOL = "dbt_duckdb_writer"
#: Cosmos' node tasks: they read the producer's outcome of their node and run no dbt, so several run
#: at once; when one does run dbt (a retry), ``regionkpi-dbt`` holds the writer lock (dbt_writer.py).
DBT_WATCHER_POOL = "dbt_watchers"
#: The ingest tasks of every DAG, capped (deploy/pools.json: about 1 GB each). Ingests of different
#: sources run in parallel, on one worker or several: each landing file is claimed by one ingest, the
#: same content by one ingest at a time, and an ingest waits for the organisation file another one
#: is loading before it checks its own files against it (ingest/landing.py).
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
#: Updated when an ingest run loaded new finance rows (ledger, budget, forecast or investments).
RAW_FINANCE = _asset("raw_finance", "raw/finance_ledger")
#: Updated when an ingest run loaded new public-transport rows (boardings, service trips, production,
#: GTFS reference data or population).
RAW_RIDERSHIP = _asset("raw_ridership", "raw/ridership_boardings")
#: Updated when an ingest run loaded new targets, goal structures or reported values.
RAW_GOALS = _asset("raw_goals", "raw/goal_targets")
#: Updated when a Kolada fetch (DAG ingest_kolada) wrote new benchmark values (raw/kolada_values).
RAW_KOLADA = _asset("raw_kolada", "raw/kolada_values")
#: Updated when a validated snapshot of the marts has been published.
PUBLISHED_MARTS = _asset("published_marts", "published/current")


def settings() -> Settings:
    return load_settings()


def ingest_domain(domain: str, log: logging.Logger) -> dict[str, int]:
    """The body of an ingest DAG's task: ingest the sources of ``domain`` (the registry's sources whose
    package is ``ingest/<domain>/``, :func:`ingest.registry.domain_sources`) and what they depend on.

    Returns the counts per status; raises ``AirflowSkipException`` when nothing new was loaded, so
    the task's asset is not updated and nothing downstream runs.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from ingest.registry import domain_sources
    from regionkpi.jobs import pipeline

    report = pipeline.ingest(settings(), sources=domain_sources(domain), echo=log.info)
    counts = {status: report.count(status) for status in ("loaded", "quarantined", "duplicate")}
    if counts["quarantined"]:
        log.warning("%d file(s) quarantined: see quarantine/*/*.report.txt", counts["quarantined"])
    if not report.changed:
        raise AirflowSkipException(f"nothing new loaded ({report.summary()})")
    return counts


#: The Cosmos producer's task id in the build group (one ``dbt build`` of the whole project).
PRODUCER_TASK = "dbt_producer_watcher"


def cosmos_build_group(
    group_id: str = "dbt_build",
    *,
    project_dir: Path | None = None,
    manifest_path: Path | None = None,
    profiles_yml: Path | None = None,
) -> Any:
    """The dbt project as an Airflow task group: one ``dbt build`` process, one Airflow task per node.

    Cosmos' ``ExecutionMode.WATCHER``: the producer task runs a single ``dbt build`` of the whole
    project (dbt's own threads, models and their tests interleaved as dbt orders them) and reports
    every node's outcome through XCom; each model, seed and test group keeps a task of its own that
    reads that outcome (lineage, the Airflow UI, retries). Rendered from the pre-built manifest (run
    ``regionkpi manifest`` after changing the dbt project). ``project_dir``, ``manifest_path`` and
    ``profiles_yml`` default to the settings' dbt project, ``<dbt target dir>/manifest.json`` and the
    project's ``profiles.yml`` (profile ``regionkpi``, target ``dev``); tests pass a fixture project.

    Retries (docs/orchestration.md): the producer has no Airflow retries of its own. A retried producer
    only skips (Cosmos never runs a second ``dbt build`` in one run), and while it waits *up for retry*
    its consumers' retries pass without running dbt (astronomer-cosmos #3001). With ``retries=0`` it is
    *failed* at once, so a consumer's retry (or a clear from the UI) runs ``dbt run``/``dbt test`` of
    its own node: a model fixed in the meantime is rebuilt on the retry. Every task of the group is in
    the one-slot writer pool, so dbt stays the one writer of ``build.duckdb`` (the producer, or one
    node's retry at a time), and every consumer waits for the producer to finish: its outcome is
    final when it is read, in ``airflow dags test`` as under a scheduler.
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

    config = settings()
    project_dir = project_dir or config.dbt_project_dir
    manifest_path = manifest_path or config.dbt_target_dir / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest not found at {manifest_path}: run `regionkpi manifest` (dbt parse) before Airflow parses "
            "the build DAG"
        )
    # Cosmos runs dbt in a temporary copy of the project and manages target/ and partial parsing
    # itself: a shared DBT_TARGET_PATH would hand a task a partial-parse file that points into another
    # task's (deleted) copy, and the producer would overwrite the manifest and partial-parse file that
    # `regionkpi manifest` and the docs task use. Cosmos' operators pass the worker's own environment
    # on (append_env), where the settings' DBT_TARGET_PATH may be set, so the paths are set back to
    # the copy's own, relative to it.
    env = {
        **config.dbt_env(),
        # the build writes the copy that `prepare_build` made; `commit_build` makes it current
        "REGIONKPI_BUILD_DB_PATH": str(config.build_next_path),
        "DBT_TARGET_PATH": "target",
        "DBT_LOG_PATH": "logs",
        "PATH": os.environ.get("PATH", ""),
    }
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=project_dir,
            manifest_path=manifest_path,
            install_dbt_deps=False,
            env_vars=env,
        ),
        profile_config=ProfileConfig(
            profile_name="regionkpi",
            target_name="dev",
            profiles_yml_filepath=profiles_yml or project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=dbt_writer_executable(),
            setup_operator_args={"retries": 0},
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            emit_datasets=False,
            enable_mock_profile=False,
        ),
        operator_args={"pool": DBT_WATCHER_POOL, "install_deps": False},
    )
    _consumers_after_producer(group, f"{group_id}.{PRODUCER_TASK}")
    return group


def _consumers_after_producer(group: Any, producer_id: str) -> None:
    """Every consumer of the group starts once the producer has finished, whatever its outcome.

    Cosmos links the producer to the first consumers only in a ``DbtDag``; in a task group they would
    start beside it and, in ``airflow dags test`` (one task at a time), could wait for a producer that
    never gets its turn. ``all_done`` waits for the producer whatever its outcome, so a failed producer
    does not mark them *upstream failed*: each reads its own node's outcome (and on a retry runs its node
    itself). Not ``always``: that rule ignores the upstream altogether, and in ``airflow dags test`` a
    consumer then started first and poked for a producer that could never run.
    """
    tasks = list(group.iter_tasks())
    producer = next(task for task in tasks if task.task_id == producer_id)
    producer.pool = DBT_POOL  # the one dbt build: the writer
    for task in tasks:
        if task is not producer:
            task.pool = DBT_WATCHER_POOL  # also Cosmos' own gate task, which gets no operator_args
        if task.task_id == f"{producer_id}_done":
            # Cosmos gives its gate ``none_failed``: a failed producer would leave it (a leaf of the
            # group) upstream failed, and the gate, publish and reports would never run even after
            # every model task recovered on its retry. The model tasks themselves gate what follows.
            task.trigger_rule = "all_done"
        if getattr(task, "producer_task_id", None) and task is not producer and not task.upstream_list:
            producer >> task
            task.trigger_rule = "all_done"
        if hasattr(task, "deferrable"):
            task.deferrable = False  # the outcome is there when the consumer starts: nothing to wait for
            task.poke_interval = 1


def dbt_writer_executable() -> str:
    """``regionkpi-dbt`` beside this Python (dbt under the build's writer lock), or on PATH."""
    candidate = Path(sys.executable).with_name("regionkpi-dbt")
    return str(candidate) if candidate.exists() else "regionkpi-dbt"


def summary_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def repo_dags_folder() -> Path:
    return REPO_ROOT / "dags"
