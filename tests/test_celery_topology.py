"""The deployment's topology, natively: Airflow's api-server, scheduler, dag-processor, triggerer and two
Celery workers, started from docker-compose.yml's own settings (tests/topology.py) against a
PostgreSQL metadata database and Redis, with the delivery ledger and the served marts in PostgreSQL.

The ingest DAGs are triggered through the REST API; the build DAG follows on their assets and
publishes. The task instances' times and hosts then show ingests of different sources running at
once on both workers, and the dbt writer (the pool ``dbt_duckdb_writer``) never twice at once. Every
process started is stopped by its process group, and the databases and the Redis number dropped.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from samples import write_sample
from tests.topology import Topology

pytestmark = [pytest.mark.slow, pytest.mark.topology]

INGEST_DAGS = ("ingest_hr_sick_leave", "ingest_finance", "ingest_ridership", "ingest_goals")
BUILD_DAG = "build_kpi_marts"
TIMEOUT_S = 900


def _wait(what: str, check, topology: Topology, timeout: float = 120, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        for name, process in topology.processes.items():
            assert process.poll() is None, f"{name} exited while waiting for {what}:\n{topology.tails()}"
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{topology.tails()}")


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/api/v2/version").status_code in (200, 401, 403)
    except httpx.TransportError:
        return False


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _overlap(a: dict, b: dict) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


@pytest.fixture
def topology(tmp_path):
    """The started processes are stopped and the databases dropped also when pytest itself is told to
    stop (SIGTERM, a CI timeout): the signal becomes KeyboardInterrupt, and teardown runs."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    top = Topology(tmp_path)
    try:
        top.init()
        yield top
    finally:
        try:
            top.stop()
            top.drop()
        finally:
            signal.signal(signal.SIGTERM, previous)


def test_the_celery_topology_ingests_in_parallel_on_two_workers_and_builds_with_one_writer(topology):
    started = time.monotonic()
    landing = Path(topology.env["REGIONKPI_LANDING_DIR"])
    scratch = topology.tmp / "sample"
    write_sample(scratch)
    shutil.copytree(scratch, landing, dirs_exist_ok=True)
    topology.start(workers=2, concurrency=2)
    client = httpx.Client(base_url=f"http://127.0.0.1:{topology.port}", timeout=30)
    _wait("the api-server", lambda: _ready(client), topology, timeout=180)
    token = client.post(
        "/auth/token", json={"username": "admin", "password": topology.secrets["AIRFLOW_ADMIN_PASSWORD"]}
    )
    assert token.status_code == 201, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def parsed() -> bool:
        dags = client.get("/api/v2/dags", params={"limit": 100}).json().get("dags", [])
        return {*INGEST_DAGS, BUILD_DAG} <= {dag["dag_id"] for dag in dags}

    _wait("the DAGs parsed", parsed, topology, timeout=240, every=2)

    def unpause(dag_id: str) -> None:
        response = client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False})
        assert response.status_code == 200, response.text

    for dag_id in (*INGEST_DAGS, BUILD_DAG):  # the build DAG only queues asset events while unpaused
        unpause(dag_id)
    now = dt.datetime.now(dt.UTC).isoformat()
    for dag_id in INGEST_DAGS:
        response = client.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": now, "conf": {}})
        assert response.status_code == 200, response.text

    def runs(dag_id: str) -> list[dict]:
        return client.get(f"/api/v2/dags/{dag_id}/dagRuns").json().get("dag_runs", [])

    def ingests_done() -> bool:
        # Unpausing also starts each DAG's latest scheduled run (catchup is off): it finds nothing new
        # once the triggered run has loaded the files, and skips.
        states = {dag_id: [run["state"] for run in runs(dag_id)] for dag_id in INGEST_DAGS}
        assert not any("failed" in s for s in states.values()), f"an ingest DAG failed: {states}\n{topology.tails()}"
        return all(s and set(s) == {"success"} for s in states.values())

    _wait("the ingest DAGs", ingests_done, topology, timeout=TIMEOUT_S, every=3)

    def built() -> dict | None:
        """The build runs on the ingests' assets: after the first ingest, and once more for the events
        of the ingests that finished meanwhile (one run at a time). The first published run is enough
        here (waiting for the second doubles the test's time); a later one is stopped with the rest."""
        build_runs = runs(BUILD_DAG)
        assert all(run["state"] != "failed" for run in build_runs), f"the build failed\n{topology.tails()}"
        return next((run for run in build_runs if run["state"] == "success"), None)

    build_run = _wait("the build DAG's publish", built, topology, timeout=TIMEOUT_S, every=3)
    wall = time.monotonic() - started
    current = Path(topology.env["REGIONKPI_WAREHOUSE_DIR"]) / "published" / "current.json"
    assert current.exists()

    tasks: list[dict] = []
    for dag_id in (*INGEST_DAGS, BUILD_DAG):
        for run in runs(dag_id):
            instances = client.get(
                f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances", params={"limit": 1000}
            ).json()["task_instances"]
            for ti in instances:
                if ti["start_date"] and ti["end_date"] and ti["state"] == "success":
                    tasks.append(
                        {
                            "dag": dag_id,
                            "task": ti["task_id"],
                            "host": ti["hostname"],
                            "pool": ti["pool"],
                            "start": _parse(ti["start_date"]),
                            "end": _parse(ti["end_date"]),
                        }
                    )
    tasks.sort(key=lambda t: t["start"])
    origin = tasks[0]["start"]
    print(f"\nnative Celery run: {wall:.0f} s wall, {len(tasks)} task instances; build run {build_run['dag_run_id']}")
    for t in tasks:
        if t["dag"] != BUILD_DAG or not t["task"].startswith("dbt_build.") or t["task"].endswith("watcher"):
            print(
                f"  {(t['start'] - origin).total_seconds():6.1f} s -> {(t['end'] - origin).total_seconds():6.1f} s  "
                f"{t['host']:<28} {t['pool']:<20} {t['dag']}.{t['task']}"
            )
    ingests = [t for t in tasks if t["dag"] in INGEST_DAGS]
    assert {t["dag"] for t in ingests} == set(INGEST_DAGS), "each ingest DAG loaded its files"
    assert any(_overlap(a, b) for i, a in enumerate(ingests) for b in ingests[i + 1 :]), "ingests ran at once"
    assert {t["host"] for t in ingests} == {"airflow-worker-1", "airflow-worker-2"}, "ingests ran on both workers"
    writers = [t for t in tasks if t["pool"] == "dbt_duckdb_writer"]
    assert writers, "the build's dbt tasks ran in the writer pool"
    clashes = [(a["task"], b["task"]) for i, a in enumerate(writers) for b in writers[i + 1 :] if _overlap(a, b)]
    assert clashes == [], "the dbt writer never ran twice at once"

    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:5432/{topology.warehouse_db}"
    ) as connection:  # the ledger and the served marts are in PostgreSQL
        statuses = dict(connection.execute("select status, count(*) from ledger.deliveries group by status").fetchall())
        served = connection.execute("select distinct run_id from marts.manifest").fetchall()
    print(f"  ledger in PostgreSQL: {statuses}; served run {served}")
    assert statuses.get("loaded", 0) > 0 and "loading" not in statuses
    assert len(served) == 1
