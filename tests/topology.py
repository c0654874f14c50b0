"""The deployment's Airflow topology, started natively from docker-compose.yml (for
tests/test_celery_topology.py).

The compose file is the configuration: its ``x-airflow-common`` environment and each service's
command are read from it, interpolated with fresh secrets (regionkpi.jobs.envfile), and only what must
differ on one machine is rewritten: the hosts ``postgres``, ``redis`` and ``airflow-apiserver``
become 127.0.0.1, the databases and roles get names of this test's own, the Redis database number is
the test's, and ``/data``, ``/opt/regionkpi`` and ``/opt/airflow`` become a temporary folder and the
repository. airflow-init's steps are those of deploy/init.sh.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regionkpi.jobs import envfile

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
PG_HOST = "127.0.0.1:5432"
SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}`` as compose reads them."""

    def replace(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    return _VARIABLE.sub(replace, value)


def compose_services(secrets: dict[str, str]) -> dict[str, Any]:
    """The compose file's services with ``${...}`` interpolated (YAML anchors merged by the loader)."""
    text = COMPOSE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return yaml.safe_load(interpolate("\n".join(lines), secrets))["services"]


def worker_hostname() -> str:
    """The host name a worker reports (``AIRFLOW__CORE__HOSTNAME_CALLABLE``): its own, as each
    container of the compose file has, though both run on this one machine."""
    return os.environ.get("REGIONKPI_TEST_HOSTNAME") or socket.getfqdn()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Topology:
    """One test's native deployment: its databases, roles, Redis number, folders and processes."""

    tmp: Path
    tag: str = field(default_factory=lambda: str(os.getpid()))
    #: Redis keeps 16 databases; this test's is chosen by its pid so that two runs never share a queue.
    redis_db: int = field(default_factory=lambda: 1 + os.getpid() % 15)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.secrets = envfile.generate()
        self.port = free_port()
        self.metadata_db = f"rk_topology_airflow_{self.tag}"
        self.warehouse_db = f"rk_topology_regionkpi_{self.tag}"
        self.owner = f"rk_topology_owner_{self.tag}"
        self.bi = f"rk_topology_bi_{self.tag}"
        self.services = compose_services({**self.secrets, "REGIONKPI_BI_USER": self.bi})
        self.env = self._native_env(self.services["airflow-scheduler"]["environment"])

    def _native_env(self, compose_env: dict[str, Any]) -> dict[str, str]:
        rewritten: dict[str, str] = {}
        for key, value in compose_env.items():
            text = str(value)
            text = re.sub(
                r"://airflow:[^@]*@postgres(:5432)?/airflow", f"://postgres@{PG_HOST}/{self.metadata_db}", text
            )
            text = re.sub(
                r"://regionkpi_owner:([^@]*)@postgres:5432/regionkpi",
                rf"://{self.owner}:\1@{PG_HOST}/{self.warehouse_db}",
                text,
            )
            text = text.replace("redis://:@redis:6379/0", f"redis://127.0.0.1:6379/{self.redis_db}")
            text = text.replace("http://airflow-apiserver:8080/", f"http://127.0.0.1:{self.port}/")
            text = text.replace("/opt/regionkpi", str(ROOT)).replace("/opt/airflow", str(self.tmp / "airflow"))
            text = re.sub(r"^/data/", f"{self.tmp}/data/", text)
            rewritten[key] = text
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "REGIONKPI_", "DBT_"))}
        return {
            **keep,
            **rewritten,
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            # fail at once instead of after the deployment's retry delays; scan and poll faster than a server
            "REGIONKPI_TASK_RETRIES": "0",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "false",
            "AIRFLOW__API__PORT": str(self.port),
        }

    # Set-up and tear-down -------------------------------------------------------------------

    def psql(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{PG_HOST}/{database}", autocommit=True) as connection:
            connection.execute(sql)

    def run(self, name: str, *command: str, extra: dict[str, str] | None = None) -> None:
        log = self.tmp / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as handle:
            done = subprocess.run(
                command,
                env={**self.env, **(extra or {})},
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=600,
                check=False,
            )
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{log.read_text()[-3000:]}")

    def init(self) -> None:
        """What airflow-init does (deploy/init.sh), natively."""
        self.psql(f'create database "{self.metadata_db}"')
        for folder in ("landing", "warehouse", "quarantine", "archive"):
            (self.tmp / "data" / folder).mkdir(parents=True, exist_ok=True)
        (self.tmp / "airflow").mkdir(parents=True, exist_ok=True)
        passwords = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        passwords.write_text(json.dumps({"admin": self.secrets["AIRFLOW_ADMIN_PASSWORD"]}))
        self.run("db_migrate", "airflow", "db", "migrate")
        self.run("pools", "airflow", "pools", "import", str(ROOT / "deploy" / "pools.json"))
        admin = {"REGIONKPI_POSTGRES_ADMIN_URL": f"postgresql://postgres@{PG_HOST}/postgres"}
        self.run("serving_setup", "regionkpi", "serving", "setup", "--airflow-db", self.metadata_db, extra=admin)
        self.run("manifest", "regionkpi", "manifest")

    def start(self, workers: int = 2, concurrency: int = 2) -> None:
        commands: dict[str, list[str]] = {}
        for service in SERVICES:
            command = self.services[service]["command"]
            commands[service] = ["airflow", *(command.split() if isinstance(command, str) else command)]
        commands["airflow-apiserver"] += ["--port", str(self.port)]
        worker = self.services["airflow-worker"]["command"]
        for number in range(1, workers + 1):
            commands[f"airflow-worker-{number}"] = [
                "airflow",
                *(worker.split() if isinstance(worker, str) else worker),
                "--celery-hostname",
                f"worker{number}@%h",
                "--concurrency",
                str(concurrency),
            ]
        for name, command in commands.items():
            log = self.tmp / "logs" / f"{name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            self.logs[name] = log
            env = dict(self.env)
            if name.startswith("airflow-worker-"):
                env.update(
                    REGIONKPI_TEST_HOSTNAME=name,
                    AIRFLOW__CORE__HOSTNAME_CALLABLE="tests.topology.worker_hostname",
                    PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
                )
            self.processes[name] = subprocess.Popen(
                command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        """Stop exactly the processes this topology started (their process groups), then its data."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            with contextlib.suppress(ProcessLookupError):  # children left in the group (task processes)
                os.killpg(process.pid, signal.SIGKILL)

    def drop(self) -> None:
        for database in (self.metadata_db, self.warehouse_db):
            self.psql(f'drop database if exists "{database}" with (force)')
        for role in (self.owner, self.bi):
            self.psql(f'drop role if exists "{role}"')
        import redis

        redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()

    def tails(self, lines: int = 40) -> str:
        out = []
        for name, log in self.logs.items():
            text = log.read_text(errors="replace").splitlines() if log.exists() else []
            out.append(f"--- {name} (exit {self.processes[name].poll()}) ---\n" + "\n".join(text[-lines:]))
        return "\n".join(out)
