"""The production deployment (docker-compose.yml, Dockerfile, deploy/init.sh, .env.example and
``regionkpi.jobs.envfile``), checked with Debian's ``docker-compose config``: it parses, merges the anchors
and interpolates ``${...}`` exactly as ``up`` would, without a Docker daemon (these machines have none).
``make test`` installs docker-compose (``make docker-compose``); without it these tests fail, they do
not skip: a deployment check that silently never runs proves nothing."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from regionkpi.jobs import envfile

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
INIT = ROOT / "deploy" / "init.sh"
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
AIRFLOW_SERVICES = (*AIRFLOW_COMMANDS, "airflow-init")
DATA_MOUNTS = {"/data/landing", "/data/warehouse", "/data/quarantine", "/data/archive", "/opt/airflow/logs"}
#: What only some services add to x-airflow-common's environment.
OWN_SETTINGS = {
    "airflow-worker": {"DUMB_INIT_SETSID", "AIRFLOW__CELERY__WORKER_CONCURRENCY"},
    "airflow-init": {"REGIONKPI_POSTGRES_ADMIN_URL", "AIRFLOW_ADMIN_PASSWORD"},
}


def _compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("docker-compose")
    assert executable, "docker-compose is missing: `make test` installs Debian's package (make docker-compose)"
    return subprocess.run(
        [executable, "-f", str(COMPOSE), "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # nothing of the caller's environment leaks into the interpolation
    )


def _values(env_file: Path) -> dict[str, str]:
    lines = env_file.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _targets(service: dict) -> set[str]:
    return {volume.split(":")[1] if isinstance(volume, str) else volume["target"] for volume in service["volumes"]}


@pytest.fixture(scope="module")
def env_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compose") / ".env"
    assert envfile.main(["--output", str(path)]) == 0
    with path.open("a", encoding="utf-8") as handle:  # a setting, to see it reach the file
        handle.write("REGIONKPI_PG_PORT=15432\nREGIONKPI_DATA_DIR=/srv/regionkpi\n")
    return path


@pytest.fixture(scope="module")
def config(env_file) -> dict:
    result = _compose(env_file, "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_services_of_airflows_celery_topology_and_their_commands(config):
    services = config["services"]
    assert set(services) == {"postgres", "redis", *AIRFLOW_SERVICES}
    for name, command in AIRFLOW_COMMANDS.items():
        service = services[name]
        # the plain airflow sub-command, run by the image's entrypoint (the native test relies on both)
        assert service["command"] in (command, command.split()), name
        assert "entrypoint" not in service, name
        assert service["image"] == services["airflow-init"]["image"] == "regionkpi:latest"
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:@redis:6379/0"
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
        assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/regionkpi/dags"
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith(".simple_auth_manager.SimpleAuthManager")
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
        assert env["REGIONKPI_WAREHOUSE_DIR"] == "/data/warehouse" and env["REGIONKPI_ROOT"] == "/opt/regionkpi"
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale airflow-worker=N needs both absent"
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0"
    assert services["airflow-apiserver"]["ports"] in (["8080:8080"], [{"published": 8080, "target": 8080}])
    assert services["postgres"]["ports"] == [{"published": 15432, "target": 5432}], "REGIONKPI_PG_PORT"


def test_every_airflow_service_has_the_common_settings_and_only_its_own_on_top(config):
    """All settings live in x-airflow-common: what the native test reads from the scheduler is what
    every container gets (the worker and airflow-init add only the few named here)."""
    services = config["services"]
    common = services["airflow-scheduler"]["environment"]
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert {k: v for k, v in env.items() if k in common} == common, name
        assert set(env) - set(common) == OWN_SETTINGS.get(name, set()), name
    # the superuser and the admin's password stay in airflow-init
    assert services["airflow-init"]["environment"]["REGIONKPI_POSTGRES_ADMIN_URL"].startswith("postgresql://airflow:")
    # settings only the image could hide: the Dockerfile sets none of Airflow's or regionkpi's
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert not re.search(r"^ENV\b[^\n]*(AIRFLOW__|REGIONKPI_)", dockerfile, re.M)


def test_health_checks_and_start_order(config):
    services = config["services"]
    checks = {
        name: " ".join(services[name]["healthcheck"]["test"]) for name in ("postgres", "redis", *AIRFLOW_COMMANDS)
    }
    assert "pg_isready" in checks["postgres"] and "redis-cli ping" in checks["redis"]
    assert "http://localhost:8080/api/v2/version" in checks["airflow-apiserver"]
    # each worker pings itself by its own host name (`config` prints `$$`, a literal `$` for the shell)
    assert re.search(r'inspect ping -d "celery@\$\$\{HOSTNAME\}"', checks["airflow-worker"])
    for name in AIRFLOW_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert "airflow-init" not in services["airflow-init"]["depends_on"]


def test_airflow_init_runs_the_set_up_steps_in_order():
    script = INIT.read_text(encoding="utf-8")
    steps = [
        "airflow db migrate",
        "airflow pools import /opt/regionkpi/deploy/pools.json",
        "regionkpi serving setup",
        "regionkpi manifest",
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    assert (ROOT / "deploy" / "pools.json").exists()
    assert subprocess.run(["bash", "-n", str(INIT)], capture_output=True, check=False).returncode == 0
    # the manifest the image parsed is the one init copies into the warehouse
    image_manifest = re.search(r"^image_manifest=(\S+)$", script, re.M).group(1)
    assert image_manifest in DOCKERFILE.read_text(encoding="utf-8")


def test_the_admin_password_file_is_on_a_volume_the_api_server_shares_with_init(config):
    """airflow-init writes it; the api-server must read that very file (a file in init's own container
    would be lost, and SimpleAuthManager would make up a password of its own)."""
    services = config["services"]
    path = services["airflow-apiserver"]["environment"]["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]

    def volume_holding(service: dict) -> str:
        mounts = [v.split(":")[:2] for v in service["volumes"]]
        source, target = max(
            ((s, t) for s, t in mounts if path.startswith(t.rstrip("/") + "/")), key=lambda mount: len(mount[1])
        )
        return f"{source}:{target}"

    shared = volume_holding(services["airflow-init"])
    assert volume_holding(services["airflow-apiserver"]) == shared
    assert shared.split(":")[0] in config["volumes"], "a named volume"


def test_the_data_folders_are_mounted_in_every_airflow_service(config):
    for name in AIRFLOW_SERVICES:
        volumes = config["services"][name]["volumes"]
        assert _targets(config["services"][name]) >= DATA_MOUNTS, name
        assert "/srv/regionkpi/landing:/data/landing:rw" in volumes, "REGIONKPI_DATA_DIR is the host folder"


def test_the_secrets_come_from_the_env_file(config, env_file):
    values = _values(env_file)
    env = config["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == values["AIRFLOW_FERNET_KEY"]
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == values["AIRFLOW_JWT_SECRET"]
    assert env["REGIONKPI_PSEUDONYM_KEY"] == values["REGIONKPI_PSEUDONYM_KEY"]
    assert env["REGIONKPI_BI_PASSWORD"] == values["REGIONKPI_BI_PASSWORD"]
    password = values["POSTGRES_PASSWORD"]
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"postgresql+psycopg2://airflow:{password}@postgres/airflow"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == f"db+postgresql://airflow:{password}@postgres/airflow"
    owner = f"postgresql://regionkpi_owner:{values['REGIONKPI_OWNER_PASSWORD']}@postgres:5432/regionkpi"
    assert env["REGIONKPI_SERVING_URL"] == env["REGIONKPI_LEDGER_URL"] == owner
    assert config["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == password
    assert (
        config["services"]["airflow-init"]["environment"]["AIRFLOW_ADMIN_PASSWORD"] == values["AIRFLOW_ADMIN_PASSWORD"]
    )


@pytest.mark.parametrize("secret", sorted(envfile.SECRETS))
def test_every_secret_is_required(env_file, tmp_path, secret):
    lines = [line for line in env_file.read_text().splitlines() if not line.startswith(f"{secret}=")]
    without = tmp_path / ".env"
    without.write_text("\n".join(lines) + "\n")
    result = _compose(without, "config")
    assert result.returncode != 0 and secret in result.stderr, result.stderr


def test_an_empty_secret_is_refused_too(env_file, tmp_path):
    # `${NAME:?}` refuses an empty value as well as a missing one (`${NAME?}` would take "")
    secret = "REGIONKPI_PSEUDONYM_KEY"
    lines = [line for line in env_file.read_text().splitlines() if not line.startswith(f"{secret}=")]
    empty = tmp_path / ".env"
    empty.write_text("\n".join([*lines, f"{secret}="]) + "\n")
    result = _compose(empty, "config")
    assert result.returncode != 0 and secret in result.stderr, result.stderr


def test_no_secret_has_a_value_or_a_default_in_the_repository():
    compose = COMPOSE.read_text(encoding="utf-8")
    code = "\n".join(line for line in compose.splitlines() if not line.lstrip().startswith("#"))
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", code))
    assert required == set(envfile.SECRETS), "what compose requires is what envfile generates"
    for name in envfile.SECRETS:
        assert not re.search(rf"\$\{{{name}(:?-|\}})", code), f"{name} used without `:?`"
    # every value of a secret-looking setting is interpolated, never written out
    no_secret = {"redis://:@redis:6379/0", "http://airflow-apiserver:8080/execution/"}
    raw = yaml.safe_load(compose)  # anchors merged
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|FERNET|PSEUDONYM|_URL$|SQL_ALCHEMY_CONN|RESULT_BACKEND", key) and not (
                key.endswith("_FILE")
            ):
                assert "${" in str(value) or value in no_secret, f"{name}: {key} = {value}"
    others = [ROOT / ".env.example", DOCKERFILE, INIT]
    for path in others:
        for name in envfile.SECRETS:
            assert not re.search(rf"^\s*(ENV\s+|export\s+)?{name}=\S", path.read_text(encoding="utf-8"), re.M), path


def test_the_example_env_lists_every_variable_and_no_secret_value():
    example = _values(ROOT / ".env.example")
    code = "\n".join(
        line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", code))  # `$${X}` is the container's, not compose's
    assert interpolated == set(example)
    assert set(example) == set(envfile.SECRETS) | set(envfile.SETTINGS)
    assert all(example[name] == "" for name in envfile.SECRETS)
    for name, (default, _comment) in envfile.SETTINGS.items():
        assert example[name] == default, name
        if name != "AIRFLOW_UID":
            assert f"${{{name}:-{default}}}" in code, f"compose's default for {name} is the example's"


def test_envfile_prints_a_complete_env_with_fresh_url_safe_secrets():
    printed = subprocess.run(
        [sys.executable, "-m", "regionkpi.jobs.envfile"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    values = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line and not line.startswith("#"))
    assert set(values) == set(envfile.SECRETS) | set(envfile.SETTINGS)
    assert all(values[name] for name in values)
    Fernet(values["AIRFLOW_FERNET_KEY"].encode())  # a valid Fernet key
    for name in envfile.SECRETS:
        assert re.fullmatch(r"[A-Za-z0-9_=-]{32,}", values[name]), f"{name} is URL-safe (it sits inside URLs)"
    again = envfile.generate()
    assert all(again[name] != values[name] for name in envfile.SECRETS), "fresh every time"


def test_envfile_output_is_private_and_never_overwritten(tmp_path, capsys):
    path = tmp_path / ".env"
    assert envfile.main(["--output", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()
    assert set(_values(path)) == set(envfile.SECRETS) | set(envfile.SETTINGS)
    assert envfile.main(["--output", str(path)]) == 1
    assert path.read_text() == before and "not overwritten" in capsys.readouterr().err
    cli = subprocess.run(
        [sys.executable, "-m", "regionkpi.jobs.envfile", "--output", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert cli.returncode == 1 and str(path) in cli.stderr and path.read_text() == before


def test_the_image_installs_the_lock_file_with_hashes_and_nothing_at_run_time():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    instructions = re.sub(
        r"\\\n\s*", " ", "\n".join(line for line in dockerfile.splitlines() if not line.lstrip().startswith("#"))
    )
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", instructions, re.M)
    assert "pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock" in instructions
    assert re.search(r"pip install [^\n]*--no-deps --no-build-isolation [^\n]*\.", instructions)
    assert re.search(r"^RUN [^\n]*regionkpi manifest", instructions, re.M), "the dbt manifest is built into the image"
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in dockerfile
    for path in (COMPOSE, INIT):  # nothing is installed when a container starts
        text = path.read_text(encoding="utf-8")
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in text, path
        assert not re.search(r"pip install|dbt deps|apt-get", text), path
    assert re.search(r'^ENTRYPOINT \["airflow"\]$', instructions, re.M)
    assert re.search(r"^USER 50000$", instructions, re.M), "not root"
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".env", ".venv", "warehouse", "landing", "quarantine", "archive", "airflow_home", "data"} <= ignored
