"""``python -m regionkpi.jobs.dag_test``: several DAGs through ``airflow dags test`` in one process.

Three tiny DAGs in a DAG folder of their own, with their own AIRFLOW_HOME and SQLite metadata: the
first succeeds, the second fails, the third must then not run. The DAGs' tasks record their process
id, which shows that the DAGs ran in the runner's one process.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regionkpi.jobs.dag_test import MARKER
from regionkpi.settings import TELEMETRY_OFF

pytestmark = pytest.mark.slow

DAG_FILE = '''\
"""Test DAGs for tests/test_dag_test.py (an airflow DAG file)."""

import datetime as dt
import os
from pathlib import Path

from airflow.sdk import DAG, task

OUT = Path({out!r})

for dag_id, fails in (("first_ok", False), ("second_fails", True), ("third_after", False)):
    with DAG(dag_id=dag_id, schedule=None, start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), catchup=False):

        @task(task_id="work", retries=0)
        def work(dag_id: str = dag_id, fails: bool = fails) -> None:
            (OUT / dag_id).write_text(str(os.getpid()), encoding="utf-8")
            if fails:
                raise RuntimeError(f"{{dag_id}} fails on purpose")

        work()
'''


def test_dags_run_in_one_process_and_stop_at_the_first_failure(tmp_path: Path) -> None:
    home, dags, out = tmp_path / "airflow_home", tmp_path / "dags", tmp_path / "out"
    for folder in (home, dags, out):
        folder.mkdir()
    (dags / "three_dags.py").write_text(DAG_FILE.format(out=str(out)), encoding="utf-8")
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=180)

    today = dt.datetime.now(dt.UTC).date().isoformat()
    command = [sys.executable, "-m", "regionkpi.jobs.dag_test", today, "first_ok", "second_fails", "third_after"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as runner:
        output, _ = runner.communicate(timeout=240)
    markers = [line.split()[1:3] for line in output.splitlines() if line.startswith(MARKER)]

    assert runner.returncode == 1, output[-3000:]
    assert markers == [["first_ok", "success"], ["second_fails", "failed"]], output[-3000:]
    assert not (out / "third_after").exists(), "a DAG after the failed one ran"
    pids = {(out / name).read_text(encoding="utf-8") for name in ("first_ok", "second_fails")}
    assert pids == {str(runner.pid)}, "the DAGs' tasks did not run in the runner's own process"
