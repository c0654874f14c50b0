"""A model that fails in the Cosmos producer's ``dbt build`` is rebuilt by its own task's Airflow retry.

The build DAG's dbt group (``regionkpi.jobs.orchestration.cosmos_build_group``, ``ExecutionMode.WATCHER``)
rendered for a three-model fixture project (tests/fixtures/dbt_retry) and run with ``airflow dags
test`` in a subprocess with its own AIRFLOW_HOME and SQLite metadata database:

1. ``stg_readings`` reads ``readings.csv`` from the warehouse directory; the file is missing, so the
   producer's single ``dbt build`` fails on it (and dbt skips ``kpi_readings``, which depends on it).
2. As soon as the producer has failed, the test delivers the file (the "fix").
3. ``stg_readings``' task fails on try 1 (it reads the failure from XCom), retries after 2 seconds and
   runs ``dbt run`` for that one node; ``kpi_readings`` does the same; ``stg_regions`` is not run again.

docs/orchestration.md explains the design (producer ``retries=0``, astronomer-cosmos #3001).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regionkpi.jobs.orchestration import DBT_POOL, PRODUCER_TASK
from regionkpi.settings import TELEMETRY_OFF

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dbt_retry"
BIN = Path(sys.executable).parent
DAG_ID = "cosmos_retry_fixture"
GROUP = "dbt_build"
PRODUCER = f"{GROUP}.{PRODUCER_TASK}"
PRODUCER_DONE = f"{PRODUCER}_done"  # Cosmos' gate task behind the producer in a DbtTaskGroup
FAILING = "model.retry_fixture.stg_readings"
DOWNSTREAM = "model.retry_fixture.kpi_readings"
UNAFFECTED = "model.retry_fixture.stg_regions"
READINGS_CSV = "region_id,reading\n0013,5\n0013,7\n0017,4\n"
#: Upper bound for the whole ``airflow dags test`` run (it takes about 40 s).
DAG_TIMEOUT_S = 240

DAG_FILE = '''\
"""Test DAG for tests/test_cosmos_retry.py (an airflow DAG): the build DAG's dbt group on the fixture."""

import datetime as dt
from pathlib import Path

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import cosmos_build_group

with DAG(
    dag_id={dag_id!r},
    schedule=None,
    start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    default_args={{"owner": "regionkpi", "retries": 1, "retry_delay": dt.timedelta(seconds=2)}},
):
    dbt_build = cosmos_build_group(
        {group!r},
        project_dir=Path({project_dir!r}),
        manifest_path=Path({manifest_path!r}),
        profiles_yml=Path({profiles_yml!r}),
    )

    @task
    def after_dbt_build() -> str:
        """Stands for validate_marts in build_kpi_marts: it runs once the dbt group is done."""
        return "ok"

    dbt_build >> after_dbt_build()
'''


@dataclasses.dataclass
class RetryRun:
    returncode: int
    log: str
    log_path: Path
    fixed_at: dt.datetime
    wall_s: float
    dag_test_s: float
    dag_run_state: str
    #: task_id -> (state, try_number) of the latest try
    tasks: dict[str, tuple[str, int]]
    #: task_id -> [(try_number, state)] of the earlier tries (task_instance_history)
    earlier_tries: dict[str, list[tuple[int, str]]]
    warehouse: Path

    def dbt_commands(self) -> list[list[str]]:
        """Every dbt command line Cosmos ran, in order (its ``Running command: [...]`` log lines)."""
        return [ast.literal_eval(m) for m in re.findall(r"Running command: (\[[^\]]*\])", self.log)]

    def logged_at(self, text: str) -> dt.datetime:
        """When the first log line containing ``text`` was written (the line's own timestamp)."""
        for line in self.log.splitlines():
            if text in line:
                return dt.datetime.fromisoformat(line.split(" ", 1)[0].replace("Z", "+00:00"))
        raise AssertionError(f"not in the log ({self.log_path}): {text}")


def _stop(process: subprocess.Popen) -> None:
    """Stop a process we started (and its children: it leads its own session) by its pid."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _run(command: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("w", encoding="utf-8") as out:
        completed = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=120, cwd=log.parent
        )
    assert completed.returncode == 0, f"{' '.join(command)} failed:\n{log.read_text(encoding='utf-8')[-3000:]}"


@pytest.fixture(scope="module")
def retry_run(tmp_path_factory) -> RetryRun:
    started = time.monotonic()
    root = tmp_path_factory.mktemp("cosmos_retry")
    home, dags, warehouse, target, tmp = (root / n for n in ("airflow_home", "dags", "warehouse", "target", "tmp"))
    for folder in (home, dags, warehouse, tmp):
        folder.mkdir()
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "PYTHONUNBUFFERED": "1",  # the log file is watched while the DAG runs
        "TMPDIR": str(tmp),  # Cosmos' copies of the dbt project
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos_cache"),  # partial parse, not shared with other runs
        "REGIONKPI_ROOT": str(root),
        "REGIONKPI_WAREHOUSE_DIR": str(warehouse),  # the fixture's profile and stg_readings read it
        "DBT_LOG_PATH": str(root / "dbt_logs"),
    }
    processes: list[subprocess.Popen] = []
    try:
        # The manifest (dbt parse) and the metadata database are independent: prepare them side by side.
        parse_command = [str(BIN / "dbt"), "parse", "--project-dir", str(FIXTURE), "--profiles-dir", str(FIXTURE)]
        with (root / "dbt_parse.log").open("w", encoding="utf-8") as parse_log:
            parse = subprocess.Popen(
                [*parse_command, "--target-path", str(target)],
                env=env,
                stdout=parse_log,
                stderr=subprocess.STDOUT,
                cwd=root,
                start_new_session=True,
            )
        processes.append(parse)
        _run([str(BIN / "airflow"), "db", "migrate"], env, root / "airflow_db_migrate.log")
        _run(
            [str(BIN / "airflow"), "pools", "set", DBT_POOL, "1", "one writer of build.duckdb"],
            env,
            root / "airflow_pools.log",
        )
        assert parse.wait(timeout=120) == 0, (root / "dbt_parse.log").read_text(encoding="utf-8")
        (dags / "cosmos_retry_fixture.py").write_text(
            DAG_FILE.format(
                dag_id=DAG_ID,
                group=GROUP,
                project_dir=str(FIXTURE),
                manifest_path=str(target / "manifest.json"),
                profiles_yml=str(FIXTURE / "profiles.yml"),
            ),
            encoding="utf-8",
        )

        log_path = root / "dag_test.log"
        dag_started = time.monotonic()
        with log_path.open("w", encoding="utf-8") as log_file:
            dag_test = subprocess.Popen(
                [str(BIN / "airflow"), "dags", "test", DAG_ID],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=root,
                start_new_session=True,
            )
            processes.append(dag_test)
            deadline = time.monotonic() + DAG_TIMEOUT_S
            # The producer's `dbt build` fails on the missing file; deliver it as soon as the producer
            # has finished, so the retries (2 s later at the earliest) find it.
            producer_done = f"[DAG TEST] end task task_id={PRODUCER} "
            while producer_done not in log_path.read_text(encoding="utf-8", errors="replace"):
                assert dag_test.poll() is None, f"airflow dags test ended before the producer did: {log_path}"
                assert time.monotonic() < deadline, f"the producer did not finish in {DAG_TIMEOUT_S} s: {log_path}"
                time.sleep(0.05)
            (warehouse / "readings.csv").write_text(READINGS_CSV, encoding="utf-8")
            fixed_at = dt.datetime.now(dt.UTC)
            returncode = dag_test.wait(timeout=max(1.0, deadline - time.monotonic()))
        dag_test_s = time.monotonic() - dag_started
    finally:
        for process in processes:
            _stop(process)

    with sqlite3.connect(home / "airflow.db") as db:
        ((run_id, dag_run_state),) = db.execute("select run_id, state from dag_run where dag_id = ?", [DAG_ID])
        tasks = {
            task_id: (state, try_number)
            for task_id, state, try_number in db.execute(
                "select task_id, state, try_number from task_instance where run_id = ?", [run_id]
            )
        }
        earlier: dict[str, list[tuple[int, str]]] = {}
        for task_id, try_number, state in db.execute(
            "select task_id, try_number, state from task_instance_history where run_id = ? order by try_number",
            [run_id],
        ):
            earlier.setdefault(task_id, []).append((try_number, state))
    run = RetryRun(
        returncode=returncode,
        log=log_path.read_text(encoding="utf-8", errors="replace"),
        log_path=log_path,
        fixed_at=fixed_at,
        wall_s=time.monotonic() - started,
        dag_test_s=dag_test_s,
        dag_run_state=dag_run_state,
        tasks=tasks,
        earlier_tries=earlier,
        warehouse=warehouse,
    )
    print(
        f"\ncosmos retry: fixture run {run.wall_s:.1f} s (airflow dags test {run.dag_test_s:.1f} s), "
        f"DAG run {run.dag_run_state}, tasks {run.tasks}, earlier tries {run.earlier_tries}, log {log_path}"
    )
    return run


def _task(node: str) -> str:
    return f"{GROUP}.{node.rsplit('.', 1)[1]}_run"


def test_failed_model_is_rebuilt_by_its_task_retry(retry_run):
    run = retry_run
    # The producer ran the one `dbt build` and failed once; Airflow did not retry it (retries=0).
    assert run.tasks[PRODUCER] == ("failed", 1)
    assert PRODUCER not in run.earlier_tries
    assert "IO Error: No files found that match the pattern" in run.log
    producer_failed = run.logged_at(f"[DAG TEST] end task task_id={PRODUCER} ")
    assert producer_failed <= run.fixed_at

    # The failing model's task: try 1 failed on the status the producer reported (no dbt of its own),
    # try 2 (after the fix) ran `dbt run` for that node alone and succeeded.
    assert run.earlier_tries[_task(FAILING)] == [(1, "failed")]
    assert run.tasks[_task(FAILING)] == ("success", 2)
    assert f"Model '{FAILING}' finished with status 'error'" in run.log
    retried = run.logged_at(f"Retry attempt #1 – Running model '{FAILING}'")
    assert run.fixed_at < retried, "the retry started before the file was delivered"
    assert f"dbt run completed successfully on retry for model '{FAILING}'" in run.log

    # dbt skipped the downstream model in the failed build: its task fails on try 1 too (the producer
    # reported it failed) and its retry builds it.
    assert run.earlier_tries[_task(DOWNSTREAM)] == [(1, "failed")]
    assert run.tasks[_task(DOWNSTREAM)] == ("success", 2)
    assert f"dbt run completed successfully on retry for model '{DOWNSTREAM}'" in run.log

    # The model that succeeded in the build was not run again: one try, no dbt command selects it.
    assert run.tasks[_task(UNAFFECTED)] == ("success", 1)
    assert _task(UNAFFECTED) not in run.earlier_tries
    commands = [command[1:] for command in run.dbt_commands()]
    assert [command[0] for command in commands] == ["build", "run", "run"], commands
    assert "--select" not in commands[0]
    selected = [command[command.index("--select") + 1] for command in commands[1:]]
    assert selected == ["fqn:retry_fixture.stg_readings", "fqn:retry_fixture.kpi_readings"]

    # The tables hold the delivered data.
    import duckdb

    with duckdb.connect(str(run.warehouse / "build.duckdb"), read_only=True) as db:
        assert db.execute("select region_id, reading from stg_readings order by all").fetchall() == [
            ("0013", 5),
            ("0013", 7),
            ("0017", 4),
        ]
        assert db.execute("select region_id, region_name, total_reading from kpi_readings order by all").fetchall() == [
            ("0013", "Halland", 12),
            ("0017", "Värmland", 4),
        ]
        assert db.execute("select count(*) from stg_regions").fetchone() == (2,)


def test_dag_run_succeeds_once_every_model_is_rebuilt(retry_run):
    """Every model task recovered, so the run and what follows the dbt group succeed.

    The failed producer stays failed, but Cosmos' gate task ``dbt_producer_watcher_done`` waits for it
    with ``all_done`` (regionkpi.jobs.orchestration): the model tasks, not the producer, gate what follows.
    """
    run = retry_run
    model_tasks = {task: state for task, (state, _) in run.tasks.items() if task.endswith("_run")}
    assert set(model_tasks.values()) == {"success"}, model_tasks
    not_successful = {task: state for task, (state, _) in run.tasks.items() if state != "success"}
    assert not_successful == {PRODUCER: "failed"}
    assert run.tasks[PRODUCER_DONE] == ("success", 1)
    assert run.tasks["after_dbt_build"] == ("success", 1)
    assert run.dag_run_state == "success"
    assert run.returncode == 0
