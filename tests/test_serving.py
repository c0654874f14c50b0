"""PostgreSQL serving (publish/serving.py) against the machine's real PostgreSQL (127.0.0.1:5432, trust
auth, user postgres; started on every machine and in CI). An unreachable server fails these tests.

The module makes one database, one owner role and one BI role of its own (names with the pid) with
``regionkpi serving setup``, and drops them at the end. Marts are built directly (no dbt, no GX) with
the types the real marts use: DATE, DECIMAL, BOOLEAN, TIMESTAMP, VARCHAR with Swedish text, NULLs.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pyarrow.parquet as pq
import pytest

from expectations.gate import GATE_RESULT_FILE, GateResult
from publish.serving import MANIFEST_TABLE, ServingError, served_run_id, setup
from regionkpi.jobs import pipeline
from regionkpi.jobs.cli import main as cli_main
from regionkpi.settings import Settings, load_settings
from tests.test_publish import gate_result

ADMIN = os.environ.get("REGIONKPI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TAG = f"{os.getpid()}"
DATABASE = f"regionkpi_serving_test_{TAG}"
AIRFLOW_DB = f"regionkpi_serving_airflow_{TAG}"
OWNER, OWNER_PASSWORD = f"rk_owner_{TAG}", "owner-pw-Ä1"
BI, BI_PASSWORD = f"rk_bi_{TAG}", "bi-pw-Ö2"
HOST = ADMIN.split("@", 1)[1].rsplit("/", 1)[0]
TABLES = ("kpi_indicator_values", "dim_region", "dim_period")


def _url(user: str, password: str, database: str = DATABASE) -> str:
    from urllib.parse import quote

    return f"postgresql://{user}:{quote(password)}@{HOST}/{database}"


def _admin(sql: str, database: str = "postgres") -> None:
    with psycopg.connect(ADMIN.rsplit("/", 1)[0] + f"/{database}", autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql)


@pytest.fixture(scope="module")
def roles() -> Iterator[None]:
    """The serving database and both roles, made by `regionkpi serving setup`; dropped at the end."""
    _admin(f'create database "{AIRFLOW_DB}"')
    _admin("create table task_instance (id int); insert into task_instance values (1)", AIRFLOW_DB)
    env = {
        "REGIONKPI_POSTGRES_ADMIN_URL": ADMIN,
        "REGIONKPI_SERVING_URL": _url(OWNER, OWNER_PASSWORD),
        "REGIONKPI_BI_USER": BI,
        "REGIONKPI_BI_PASSWORD": BI_PASSWORD,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        assert cli_main(["serving", "setup", "--airflow-db", AIRFLOW_DB]) == 0
        assert cli_main(["serving", "setup", "--airflow-db", AIRFLOW_DB]) == 0, "setup runs again unchanged"
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    try:
        yield
    finally:
        for database in (DATABASE, AIRFLOW_DB):
            _admin(f'drop database if exists "{database}" with (force)')
        for role in (OWNER, BI):
            _admin(f'drop role if exists "{role}"')


def make_settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "REGIONKPI_ROOT": str(tmp_path),
            "REGIONKPI_SERVING_URL": _url(OWNER, OWNER_PASSWORD),
            "REGIONKPI_BI_USER": BI,
            "REGIONKPI_BI_PASSWORD": BI_PASSWORD,
        }
    )


def build_marts(settings: Settings, run: int) -> None:
    """Marts of run ``run``: table t holds BASE + run rows, so counts name the run."""
    settings.build_db_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(duckdb.connect(str(settings.build_db_path))) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            f"""create or replace table marts.kpi_indicator_values as
            select 'run-{run:03d}' as snapshot_run, '0013' as region_id,
                   date '2024-01-01' + cast(i as integer) as period_date,
                   cast(i * 1.25 as decimal(18, 4)) as value,
                   case when i % 3 = 0 then null else 'Sjukfrånvaro, åldersgrupp ≥50 år' end as label_sv,
                   i % 2 = 0 as is_suppressed,
                   timestamp '2024-03-05 08:00:00' + to_minutes(cast(i as bigint)) as loaded_at,
                   cast(i as double) / 7 as ratio
            from range({10 + run}) as r(i)"""
        )
        con.execute(
            f"create or replace table marts.dim_region as select '001' || i as region_id, "
            f"'Region Västra Götaland ' || i as name from range({2 + run}) as r(i)"
        )
        con.execute(f"create or replace table marts.dim_period as select i as period_id from range({3 + run}) as r(i)")


def publish_run(settings: Settings, run: int) -> None:
    """The publish step as the build DAG runs it: gate result recorded, then pipeline.publish."""
    build_marts(settings, run)
    result: GateResult = gate_result(settings, f"run-{run:03d}")
    settings.gx_dir.mkdir(parents=True, exist_ok=True)
    import json

    (settings.gx_dir / GATE_RESULT_FILE).write_text(json.dumps(result.to_dict()), encoding="utf-8")
    pipeline.publish(settings, f"run-{run:03d}")


def _rows(cursor_rows: list[tuple]) -> list[tuple]:
    return sorted(cursor_rows, key=repr)


def test_published_marts_equal_the_parquet_snapshot_row_for_row(roles, tmp_path):
    settings = make_settings(tmp_path)
    publish_run(settings, 1)
    assert served_run_id(settings) == "run-001"
    snapshot = tmp_path / "warehouse" / "published" / "current" / "parquet"
    with psycopg.connect(_url(BI, BI_PASSWORD)) as bi:
        for table in TABLES:
            parquet = pq.read_table(snapshot / f"{table}.parquet")
            served = bi.execute(f"select * from marts.{table}").fetchall()
            columns = [d.name for d in bi.execute(f"select * from marts.{table} limit 0").description]
            assert columns == parquet.column_names
            expected = [tuple(row.values()) for row in parquet.to_pylist()]
            normalized = [tuple(v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in r) for r in served]
            assert _rows(normalized) == _rows(expected), table
        types = dict(
            bi.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'kpi_indicator_values'"
            ).fetchall()
        )
        assert types["period_date"] == "date" and types["value"] == "numeric" and types["is_suppressed"] == "boolean"
        assert types["loaded_at"].startswith("timestamp")
        assert bi.execute("select count(*) from marts.kpi_indicator_values where label_sv is null").fetchone()[0] == 4
        value = bi.execute("select value from marts.kpi_indicator_values where period_date = '2024-01-03'").fetchone()
        assert value == (Decimal("2.5000"),)
        manifest = bi.execute("select run_id, table_name, row_count from marts.manifest order by table_name").fetchall()
        assert manifest == [
            ("run-001", "dim_period", 4),
            ("run-001", "dim_region", 3),
            ("run-001", "kpi_indicator_values", 11),
        ]


DENIED = [
    ("the hidden manifest table", f"select * from marts.{MANIFEST_TABLE}"),
    ("the ledger", "select * from ledger.deliveries"),
    ("insert", "insert into marts.dim_period values (99)"),
    ("update", "update marts.dim_period set period_id = 0"),
    ("delete", "delete from marts.dim_period"),
    ("truncate", "truncate marts.dim_period"),
    ("drop", "drop table marts.dim_period"),
    ("create in marts", "create table marts.mine (x int)"),
    ("create in public", "create table public.mine (x int)"),
    ("create a schema", "create schema mine"),
    ("alter the view", "create or replace view marts.manifest as select 1 as run_id"),
    ("become the owner", f"set role {OWNER}"),
]


def _allowed(connection: psycopg.Connection, sql: str) -> bool:
    try:
        connection.execute(sql)
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def test_the_bi_role_reads_the_marts_and_the_manifest_and_nothing_else(roles, tmp_path):
    settings = make_settings(tmp_path)
    publish_run(settings, 2)
    with psycopg.connect(_url(OWNER, OWNER_PASSWORD), autocommit=True) as owner:
        owner.execute("create schema if not exists ledger")
        owner.execute("create table if not exists ledger.deliveries (seq int)")
    with psycopg.connect(_url(BI, BI_PASSWORD), autocommit=True) as bi:
        assert bi.execute("select count(*) from marts.dim_period").fetchone() == (5,)
        assert bi.execute("select distinct run_id from marts.manifest").fetchall() == [("run-002",)]
        allowed = [what for what, sql in DENIED if _allowed(bi, sql)]
        assert allowed == [], "each is refused for lack of privilege (any other error is raised)"
        assert bi.execute("select count(*) from marts.dim_period").fetchone() == (5,), "nothing changed"
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(_url(BI, BI_PASSWORD, AIRFLOW_DB)).close()


def test_a_failed_gate_or_a_failed_load_leaves_postgresql_as_it_was(roles, tmp_path, monkeypatch):
    settings = make_settings(tmp_path)
    publish_run(settings, 3)
    build_marts(settings, 4)
    import json

    failed = gate_result(settings, "run-004", success=False)
    (settings.gx_dir / GATE_RESULT_FILE).write_text(json.dumps(failed.to_dict()), encoding="utf-8")
    with pytest.raises(Exception, match="gate"):
        pipeline.publish(settings, "run-004")
    assert served_run_id(settings) == "run-003"

    def broken(*args, **kwargs):
        raise duckdb.IOException("disk full while loading")

    monkeypatch.setattr("publish.serving._load_tables", broken)
    with pytest.raises(ServingError, match="served version is unchanged") as raised:
        publish_run(settings, 5)
    assert OWNER_PASSWORD not in str(raised.value)
    assert served_run_id(settings) == "run-003"
    with psycopg.connect(_url(OWNER, OWNER_PASSWORD)) as owner:
        schemas = {s for (s,) in owner.execute("select nspname from pg_namespace where nspname like 'marts%'")}
    assert schemas == {"marts"}, "the half-loaded schema is gone"
    monkeypatch.undo()
    assert cli_main_env(settings, ["serving", "publish"]) == 0, "serving publish loads the current snapshot again"
    assert served_run_id(settings) == "run-005"


def cli_main_env(settings: Settings, argv: list[str]) -> int:
    env = {
        "REGIONKPI_ROOT": str(settings.root),
        "REGIONKPI_SERVING_URL": settings.serving_url or "",
        "REGIONKPI_BI_USER": BI,
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        return cli_main(argv)
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)


def test_passwords_never_reach_messages(roles, tmp_path):
    settings = load_settings(
        {"REGIONKPI_ROOT": str(tmp_path), "REGIONKPI_SERVING_URL": f"postgresql://{OWNER}:sekret-xyz@{HOST}:1/nowhere"}
    )
    with pytest.raises(ServingError) as raised:
        served_run_id(settings)
    assert "sekret-xyz" not in str(raised.value) and "***" in str(raised.value)
    assert "sekret" not in repr(settings)
    with pytest.raises(Exception, match="REGIONKPI_BI_PASSWORD"):
        setup(settings, ADMIN)


READERS = 8
MANIFEST_SQL = "select run_id, table_name, row_count from marts.manifest"
MARKERS_SQL = "select distinct snapshot_run from marts.kpi_indicator_values"
PUBLISHES = 10


def test_eight_bi_readers_during_ten_publishes_see_no_error_and_no_mixed_read(roles, tmp_path):
    """Each reader, as the BI role, in one transaction: the manifest first, then every mart's count.
    The counts must be the manifest's (and the manifest's those of its run): the run id read in the
    same transaction as the data always matches the data."""
    settings = make_settings(tmp_path)
    publish_run(settings, 10)
    stop = threading.Event()
    reads, errors, mixed, runs_seen = [0] * READERS, [], [], set()

    def reader(index: int) -> None:
        with psycopg.connect(_url(BI, BI_PASSWORD)) as connection:
            while not stop.is_set():
                try:
                    with connection.transaction():
                        manifest = connection.execute(
                            "select run_id, table_name, row_count from marts.manifest"
                        ).fetchall()
                        counts = {
                            table: connection.execute(f"select count(*) from marts.{table}").fetchone()[0]
                            for table in TABLES
                        }
                        markers = connection.execute(
                            "select distinct snapshot_run from marts.kpi_indicator_values"
                        ).fetchall()
                except psycopg.Error as error:
                    errors.append(f"reader {index}: {type(error).__name__}: {error}")
                    continue
                (run,) = {row[0] for row in manifest}
                number = int(run.removeprefix("run-"))
                expected = {"kpi_indicator_values": 10 + number, "dim_region": 2 + number, "dim_period": 3 + number}
                if counts != {row[1]: row[2] for row in manifest} or counts != expected or markers != [(run,)]:
                    mixed.append((run, counts, markers))
                runs_seen.add(run)
                reads[index] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    for run in range(11, 11 + PUBLISHES):
        publish_run(settings, run)
    seconds = time.monotonic() - started
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(30)
    print(
        f"{READERS} BI readers, {PUBLISHES} publishes in {seconds:.1f} s ({seconds / PUBLISHES:.2f} s each, "
        f"file snapshot + PostgreSQL): {sum(reads)} reads, {len(runs_seen)} runs seen, "
        f"{len(errors)} errors, {len(mixed)} mixed"
    )
    assert errors == [] and mixed == []
    assert min(reads) > 0 and len(runs_seen) >= 3, "the readers read across the publishes"
    assert served_run_id(settings) == f"run-{10 + PUBLISHES:03d}"
