"""DAG integrity: every DAG file imports without error, fast, with owner, retries, tags, tasks and edges."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from regionkpi.jobs import pipeline
from regionkpi.jobs.orchestration import PRODUCER_TASK
from regionkpi.settings import load_settings

DAGS = Path(__file__).resolve().parents[1] / "dags"

#: Tasks that must not retry, each with the reason (every other task retries at least once).
NO_RETRIES = {
    f"dbt_build.{PRODUCER_TASK}": (
        "a retried Cosmos producer only skips, and while it waits up for retry its consumers' retries run out "
        "without running dbt (astronomer-cosmos #3001); failing at once lets each model task's retry run its node"
    ),
}


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    """Parse dags/ the way Airflow does, with a fresh dbt manifest in a temporary warehouse."""
    root = tmp_path_factory.mktemp("dagbag")
    env = {
        "REGIONKPI_ROOT": str(root),
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow.db'}",
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos_cache"),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    pipeline.manifest(load_settings())
    from airflow.dag_processing.dagbag import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=str(DAGS))
    bag.parse_seconds = time.monotonic() - started
    yield bag
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_every_dag_file_imports(dagbag):
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dag_ids) == sorted(p.stem for p in DAGS.glob("*.py"))
    print(f"parsed {len(dagbag.dag_ids)} DAG files in {dagbag.parse_seconds:.2f} s")


@pytest.mark.parametrize(
    "dag_id",
    ["ingest_hr_sick_leave", "ingest_finance", "ingest_ridership", "ingest_goals", "ingest_kolada", "build_kpi_marts"],
)
def test_dag_conventions(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.doc_md, "doc_md=__doc__ tells the UI what the DAG does"
    assert dag.tags
    assert dag.max_active_runs == 1
    assert not dag.catchup
    for task in dag.tasks:
        assert task.owner == "regionkpi", task.task_id
        if task.task_id in NO_RETRIES:
            assert task.retries == 0, f"{task.task_id}: {NO_RETRIES[task.task_id]}"
        else:
            assert task.retries >= 1, task.task_id


@pytest.mark.parametrize(
    ("dag_id", "asset", "cron"),
    [
        ("ingest_hr_sick_leave", "raw_hr", "0 0 1 * *"),  # @monthly: payroll closes monthly
        ("ingest_finance", "raw_finance", "0 0 1 * *"),
        ("ingest_ridership", "raw_ridership", "0 0 * * *"),  # @daily: ticketing systems deliver nightly
        ("ingest_goals", "raw_goals", "0 0 1 * *"),
    ],
)
def test_ingest_dag_emits_the_raw_asset(dagbag, dag_id, asset, cron):
    dag = dagbag.dags[dag_id]
    assert [t.task_id for t in dag.tasks] == ["ingest_landing"]
    task = dag.get_task("ingest_landing")
    assert [a.name for a in task.outlets] == [asset]
    assert task.pool == "regionkpi_ingest", "ingests share a capped pool (deploy/pools.json)"
    timetable = dag.timetable
    assert (getattr(timetable, "expression", None) or timetable._expression) == cron


def test_kolada_dag_is_triggered_by_hand_and_emits_raw_kolada(dagbag):
    dag = dagbag.dags["ingest_kolada"]
    assert type(dag.timetable).__name__ == "NullTimetable", "Kolada needs the internet: triggered by hand only"
    assert [t.task_id for t in dag.tasks] == ["fetch_kolada"]
    assert [a.name for a in dag.get_task("fetch_kolada").outlets] == ["raw_kolada"]
    assert {"kpis", "municipalities", "years", "from_date"} <= set(dag.params)
    assert "N60030" in dag.params["kpis"] and dag.params["from_date"] is None


def test_build_dag_runs_dbt_then_gate_then_publish_then_docs(dagbag):
    dag = dagbag.dags["build_kpi_marts"]
    condition = str(dag.timetable.asset_condition)
    assert "raw_hr" in condition
    assert "raw_finance" in condition
    assert "raw_ridership" in condition
    assert "raw_goals" in condition
    assert "raw_kolada" in condition, "a fetched benchmark is built and published too"
    assert "AssetAny" in condition, "either domain's new data rebuilds the marts"
    ids = {t.task_id for t in dag.tasks}
    assert {"validate_marts", "publish_marts", "render_reports", "generate_docs"} <= ids
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt_build.")]
    assert len(dbt_tasks) >= 5, "every dbt node is its own task"
    producer = next(t for t in dbt_tasks if t.task_id == "dbt_build.dbt_producer_watcher")
    assert producer.pool == "dbt_duckdb_writer", "one writer of build.duckdb at a time"
    assert {t.pool for t in dbt_tasks if t is not producer} == {"dbt_watchers"}, "node tasks only read its outcome"
    assert {t.dbt_executable_path for t in dbt_tasks if hasattr(t, "dbt_executable_path")} == {
        str(Path(sys.executable).with_name("regionkpi-dbt"))
    }, "any dbt a node task runs (a retry) holds the writer lock"
    assert any("kpi_indicator_values" in t.task_id for t in dbt_tasks)
    # the build writes a copy that replaces build.duckdb only when every dbt node succeeded
    commit = dag.get_task("commit_build")
    assert {t.task_id for t in commit.upstream_list} <= {t.task_id for t in dbt_tasks}
    assert commit.upstream_list, "the copy is committed after dbt"
    assert commit.trigger_rule == "all_success" and commit.pool == "dbt_duckdb_writer"
    prepare = dag.get_task("prepare_build")
    assert prepare.upstream_list == [] and prepare.pool == "dbt_duckdb_writer"
    assert f"dbt_build.{PRODUCER_TASK}" in prepare.downstream_task_ids, "dbt writes the prepared copy"
    validate = dag.get_task("validate_marts")
    assert validate.upstream_task_ids == {"commit_build"}, "the gate reads the committed build"
    assert dag.get_task("publish_marts").upstream_task_ids == {"validate_marts"}
    assert dag.get_task("render_reports").upstream_task_ids == {"publish_marts"}, "reports read the snapshot"
    assert dag.get_task("generate_docs").upstream_task_ids == {"render_reports"}
    assert [a.name for a in dag.get_task("publish_marts").outlets] == ["published_marts"]


def test_dag_files_do_no_heavy_work_at_import():
    """Heavy libraries are imported inside tasks: a DAG file must not pull in GX, dbt or pandas itself."""
    for path in DAGS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for module in ("great_expectations", "pandas", "duckdb", "dbt.", "ingest.", "publish."):
            assert f"import {module}" not in text.split("@task")[0], f"{path.name} imports {module} at top level"


def test_regionkpi_dbt_holds_the_writer_lock_while_dbt_runs(tmp_path):
    """Two dbt writers at once: the second waits for the first's lock (held by dbt itself, after exec)."""
    import fcntl
    import subprocess

    env = {**os.environ, "REGIONKPI_ROOT": str(tmp_path), "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    env.pop("REGIONKPI_WAREHOUSE_DIR", None)
    fake_dbt = tmp_path / "dbt"  # stands in for dbt: sleeps, so the lock is held for a while
    fake_dbt.write_text('#!/bin/sh\nsleep 1.5\necho ran "$@"\n')
    fake_dbt.chmod(0o755)
    env["REGIONKPI_TEST_DBT"] = str(fake_dbt)
    writer = str(Path(sys.executable).with_name("regionkpi-dbt"))
    code = (
        "import regionkpi.jobs.pipeline as p, os; p.dbt_executable = lambda: os.environ['REGIONKPI_TEST_DBT']; "
        "from regionkpi.jobs.dbt_writer import main; main()"
    )
    assert Path(writer).exists()
    started = time.monotonic()
    first = subprocess.Popen([sys.executable, "-c", code, "build"], env=env, stdout=subprocess.PIPE, text=True)
    time.sleep(0.8)
    lock = tmp_path / "warehouse" / ".building" / "dbt_writer.lock"
    with lock.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = False
        except BlockingIOError:
            held = True
    second = subprocess.run([sys.executable, "-c", code, "test"], env=env, capture_output=True, text=True, timeout=30)
    assert held, "dbt holds the lock while it runs"
    assert first.communicate(timeout=30)[0].strip() == "ran build" and second.stdout.strip() == "ran test"
    assert time.monotonic() - started >= 3.0, "the second dbt waited for the first"


def test_every_source_is_read_by_an_ingest_dag():
    """The ingest DAGs take their sources from the registry by domain: a new source in ingest/<domain>/
    is picked up without a DAG change, and none is left without a DAG (organisation comes first as
    what the others depend on)."""
    from ingest.registry import domain_sources, registry

    sources = registry()
    read = {name for domain in ("hr", "finance", "ridership", "goals") for name in domain_sources(domain)}
    needed = {dependency for name in read for dependency in sources[name].depends_on}
    assert set(sources) == read | needed
    assert domain_sources("goals")[-1] == "goal_activities" and "organisation" not in read
    with pytest.raises(ValueError, match="no source in ingest/nowhere/"):
        domain_sources("nowhere")
