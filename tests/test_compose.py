"""The production deployment (docker-compose.yml, Dockerfile, .env.example, regionkpi.envfile), checked
with Debian's ``docker-compose config``: it parses and interpolates the file exactly as ``up`` would,
without a Docker daemon (these machines have none). ``make test`` installs docker-compose."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from regionkpi import envfile

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
DATA_MOUNTS = {"/data/landing", "/data/warehouse", "/data/quarantine", "/data/archive"}


def _compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is missing: `make test` installs Debian's package (make compose-cli)"
    return subprocess.run(
        [executable, "-f", str(COMPOSE), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # nothing of the caller's environment leaks into the interpolation
    )


@pytest.fixture(scope="module")
def env_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compose") / ".env"
    assert envfile.main(["--output", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def config(env_file) -> dict:
    result = _compose(env_file, "config")
    assert result.returncode == 0, result.stderr
    print(result.stdout)
    return yaml.safe_load(result.stdout)


def test_the_services_of_airflows_celery_topology_and_their_commands(config):
    services = config["services"]
    assert set(services) == {"postgres", "redis", "airflow-init", *AIRFLOW_COMMANDS}
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] in (command, command.split()), name
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
        assert env["REGIONKPI_LEDGER_URL"].startswith("postgresql://regionkpi_owner:")
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in env
        assert {
            volume.split(":")[1] if isinstance(volume, str) else volume["target"]
            for volume in services[name]["volumes"]
        } >= DATA_MOUNTS
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale airflow-worker=N needs both absent"


def test_health_checks_and_start_order(config):
    services = config["services"]
    for name in ("postgres", "redis", *AIRFLOW_COMMANDS):
        assert services[name]["healthcheck"]["test"], name
    for name in AIRFLOW_COMMANDS:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    init = services["airflow-init"]
    assert init["environment"]["REGIONKPI_POSTGRES_ADMIN_URL"].startswith("postgresql://airflow:")
    script = (ROOT / "deploy" / "init.sh").read_text(encoding="utf-8")
    for step in (
        "airflow db migrate",
        "airflow pools import /opt/regionkpi/deploy/pools.json",
        "regionkpi serving setup",
        "regionkpi manifest",
    ):
        assert step in script
    assert "REGIONKPI_POSTGRES_ADMIN_URL" not in services["airflow-worker"]["environment"], (
        "the superuser stays in init"
    )


def test_the_secrets_come_from_the_env_file(config, env_file):
    values = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    env = config["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == values["AIRFLOW_FERNET_KEY"]
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == values["AIRFLOW_JWT_SECRET"]
    assert env["REGIONKPI_PSEUDONYM_KEY"] == values["REGIONKPI_PSEUDONYM_KEY"]
    assert env["REGIONKPI_BI_PASSWORD"] == values["REGIONKPI_BI_PASSWORD"]
    assert f":{values['REGIONKPI_OWNER_PASSWORD']}@" in env["REGIONKPI_SERVING_URL"]
    text = COMPOSE.read_text(encoding="utf-8")
    for value in values.values():
        assert len(value) < 20 or value not in text


@pytest.mark.parametrize("secret", sorted(envfile.SECRETS))
def test_every_secret_is_required(env_file, tmp_path, secret):
    lines = [line for line in env_file.read_text().splitlines() if not line.startswith(f"{secret}=")]
    without = tmp_path / ".env"
    without.write_text("\n".join(lines) + "\n")
    result = _compose(without, "config")
    assert result.returncode != 0 and secret in result.stderr, result.stderr
    empty = tmp_path / ".env.empty"
    empty.write_text("\n".join([*lines, f"{secret}="]) + "\n")
    assert _compose(empty, "config").returncode != 0, "an empty secret is refused too"


def test_the_example_env_has_every_variable_and_no_secret_value():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in envfile.SECRETS:
        assert re.search(rf"^{name}=$", example, re.M), name
    settings = "\n".join(
        line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )
    assert set(re.findall(r"\$\{([A-Z0-9_]+):\?", settings)) == set(envfile.SECRETS), "required = generated"


def test_the_env_file_is_fresh_private_and_never_overwritten(tmp_path, capsys):
    first, second = envfile.generate(), envfile.generate()
    assert all(first[name] != second[name] for name in envfile.SECRETS)
    assert all(re.fullmatch(r"[A-Za-z0-9_=-]{32,}", value) for value in first.values()), "URL-safe"
    path = tmp_path / ".env"
    assert envfile.main(["--output", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    assert envfile.main(["--output", str(path)]) == 1
    assert path.read_text() == before and "not overwritten" in capsys.readouterr().err


def test_the_image_installs_the_lock_file_and_nothing_at_run_time():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in dockerfile + COMPOSE.read_text(encoding="utf-8")
    assert re.search(r'^ENTRYPOINT \[.*"airflow"\]', dockerfile, re.M)
    assert re.search(r"^USER 50000$", dockerfile, re.M), "not root"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", "warehouse", "landing", "data"} <= set(ignored)
