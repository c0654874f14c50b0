"""PostgreSQL serving: every publish also loads the published marts into PostgreSQL for BI tools.

Power BI, Excel (ODBC), Metabase, Superset and Tableau speak PostgreSQL; a read-only role sees the
marts and a manifest, nothing else (docs/bi.md). The file snapshot stays the source: PostgreSQL holds
a copy of the current snapshot, in the schema ``REGIONKPI_SERVING_SCHEMA`` (default ``marts``) of
the database ``REGIONKPI_SERVING_URL`` names, loaded as that URL's role (the schema's owner).

**Atomic.** The snapshot is loaded into ``<schema>__next`` (a copy a crash left there is dropped
first), with a hidden table ``_publish_manifest`` (run id, published at, table, rows) and a view
``manifest`` over it, and the BI role gets ``USAGE`` and ``SELECT`` on the new tables and the view.
Then one transaction locks the served schema's ``manifest`` view and then its tables (``ACCESS
EXCLUSIVE``), renames the served schema away, the new one into its place, and drops the old one. A
reader sees the old version or the new one, never a mix, if it reads the manifest first in its
transaction: a reader that holds the manifest finishes before the swap, and a reader that comes
later waits for the swap and then reads the new schema. A reader that reads a mart before the
manifest can deadlock with the swap; PostgreSQL then cancels one of the two, and the swap is retried.

**Mechanism: DuckDB's ``postgres_scanner`` extension** (pinned wheel, loaded by ``ingest/duck.py``):
the snapshot's ``marts.duckdb`` is attached read-only and every table is created in PostgreSQL with
``CREATE TABLE … AS SELECT``. DuckDB maps its own types to PostgreSQL's (DATE, DECIMAL(p,s), BOOLEAN,
TIMESTAMP, VARCHAR, DOUBLE, BIGINT) and writes with PostgreSQL's binary COPY, so no type mapping of
ours can drift from the marts' schema; psycopg ``COPY`` would need one. The swap, the grants and the
setup are plain SQL through psycopg, because they must run in one PostgreSQL transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ingest.ledger import mask_url
from publish.snapshot import _quote as _ident  # SQL identifiers and literals: one quoting rule
from publish.snapshot import _sql_string as _literal
from regionkpi.errors import RegionkpiError
from regionkpi.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from publish.snapshot import PublishedSnapshot

log = logging.getLogger(__name__)

MANIFEST_TABLE = "_publish_manifest"
MANIFEST_VIEW = "manifest"
#: How long the swap waits for readers holding the served tables, per attempt, and how often it tries.
LOCK_TIMEOUT_MS = 30_000
SWAP_ATTEMPTS = 4


class ServingError(RegionkpiError, RuntimeError):
    """Loading or swapping the marts into PostgreSQL failed; the served version is unchanged."""


@dataclass(frozen=True)
class Served:
    run_id: str
    schema: str
    tables: dict[str, int]
    seconds: float


def _connect(url: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=30)
    except psycopg.OperationalError as error:
        raise ServingError(f"cannot reach PostgreSQL at {mask_url(url)}: {_masked(error, url)}") from None


def _masked(error: BaseException, url: str) -> str:
    text = str(error)
    password = urlsplit(url).password
    return text.replace(unquote(password), "***") if password else text


def _serving_url(settings: Settings) -> str:
    if not settings.serving_url:
        raise ConfigurationError("REGIONKPI_SERVING_URL is not set: PostgreSQL serving is off")
    return settings.serving_url


# Loading ------------------------------------------------------------------------------------------


def publish_to_postgres(settings: Settings, snapshot: PublishedSnapshot) -> Served:
    """Load ``snapshot``'s marts into ``<schema>__next`` and swap it in; the served version is replaced
    whole or not at all (:class:`ServingError`)."""
    url = _serving_url(settings)
    schema = settings.serving_schema
    next_schema = f"{schema}__next"
    started = time.monotonic()
    tables = {name: int(entry["rows"]) for name, entry in snapshot.manifest["tables"].items()}
    published_at = snapshot.manifest["published_at"]
    with _connect(url) as connection:
        try:
            connection.execute(f"drop schema if exists {_ident(next_schema)} cascade")
            connection.execute(f"create schema {_ident(next_schema)}")
            _load_tables(url, snapshot.marts_db, next_schema, sorted(tables))
            _finish_next(connection, next_schema, snapshot.run_id, published_at, tables, settings.bi_user)
            _swap(connection, schema, next_schema, sorted(tables))
        except BaseException as error:
            try:
                connection.execute(f"drop schema if exists {_ident(next_schema)} cascade")
            except Exception:
                log.warning("could not drop %s after a failed load", next_schema)
            if isinstance(error, ServingError):
                raise
            if isinstance(error, Exception):
                raise ServingError(
                    f"loading snapshot {snapshot.run_id} into {mask_url(url)} schema {schema} failed: "
                    f"{_masked(error, url)}; the served version is unchanged (`regionkpi serving publish` "
                    "loads the current snapshot again)"
                ) from None
            raise
    served = Served(snapshot.run_id, schema, tables, time.monotonic() - started)
    log.info(
        "served %s in %s.%s (%d tables, %.1f s)", served.run_id, mask_url(url), schema, len(tables), served.seconds
    )
    return served


def _load_tables(url: str, marts_db: Path, next_schema: str, tables: list[str]) -> None:
    from ingest.duck import connect

    con = connect(extensions=["postgres_scanner"])
    try:
        con.execute(f"attach {_literal(str(marts_db))} as snap (read_only)")
        con.execute(f"attach {_literal(url)} as pg (type postgres)")
        for table in tables:
            con.execute(
                f"create table pg.{_ident(next_schema)}.{_ident(table)} as "  # noqa: S608 - catalog names
                f"select * from snap.main.{_ident(table)}"
            )
        con.execute("detach pg")
    finally:
        con.close()


def _finish_next(
    connection: Any, next_schema: str, run_id: str, published_at: str, tables: dict[str, int], bi_user: str
) -> None:
    schema, manifest = _ident(next_schema), f"{_ident(next_schema)}.{_ident(MANIFEST_TABLE)}"
    with connection.transaction():
        connection.execute(
            f"create table {manifest} (run_id text not null, published_at timestamptz not null, "
            "table_name text not null, row_count bigint not null)"
        )
        with connection.cursor().copy(f"copy {manifest} from stdin") as copy:
            for name, rows in tables.items():
                copy.write_row((run_id, published_at, name, rows))
        connection.execute(
            f"create view {schema}.{_ident(MANIFEST_VIEW)} as "  # noqa: S608 - our own names
            f"select run_id, published_at, table_name, row_count from {manifest}"
        )
        connection.execute(f"grant usage on schema {schema} to {_ident(bi_user)}")
        readable = [f"{schema}.{_ident(name)}" for name in [*tables, MANIFEST_VIEW]]
        connection.execute(f"grant select on {', '.join(readable)} to {_ident(bi_user)}")


def _swap(connection: Any, schema: str, next_schema: str, tables: list[str]) -> None:
    """One transaction: lock the served manifest, then its tables; served -> retiring, next -> served."""
    import psycopg

    retiring = f"{schema}__retiring"
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with connection.transaction():
                connection.execute(f"set local lock_timeout = {LOCK_TIMEOUT_MS}")
                served = connection.execute(
                    "select table_name from information_schema.tables where table_schema = %s", (schema,)
                ).fetchall()
                if served:
                    names = {name for (name,) in served}
                    order = [MANIFEST_VIEW] * (MANIFEST_VIEW in names) + sorted(names - {MANIFEST_VIEW})
                    locked = ", ".join(f"{_ident(schema)}.{_ident(name)}" for name in order)
                    connection.execute(f"lock table {locked} in access exclusive mode")
                    connection.execute(f"alter schema {_ident(schema)} rename to {_ident(retiring)}")
                connection.execute(f"alter schema {_ident(next_schema)} rename to {_ident(schema)}")
                if served:
                    connection.execute(f"drop schema {_ident(retiring)} cascade")
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as error:
            if attempt == SWAP_ATTEMPTS:
                raise ServingError(
                    f"could not swap in schema {schema}: readers held it through {SWAP_ATTEMPTS} attempts "
                    f"of {LOCK_TIMEOUT_MS / 1000:.0f} s ({type(error).__name__}); the served version is unchanged"
                ) from None
            log.warning("swap of %s: %s, attempt %d of %d", schema, type(error).__name__, attempt, SWAP_ATTEMPTS)
            time.sleep(0.2 * attempt)


def served_run_id(settings: Settings) -> str | None:
    """The run id PostgreSQL serves now (None before the first load)."""
    url = _serving_url(settings)
    with _connect(url) as connection:
        exists = connection.execute(
            "select to_regclass(%s)", (f"{_ident(settings.serving_schema)}.{_ident(MANIFEST_TABLE)}",)
        ).fetchone()[0]
        if not exists:
            return None
        row = connection.execute(
            f"select run_id from {_ident(settings.serving_schema)}.{_ident(MANIFEST_TABLE)} limit 1"  # noqa: S608
        ).fetchone()
    return row[0] if row else None


# Setup --------------------------------------------------------------------------------------------


def setup(settings: Settings, admin_url: str, *, airflow_db: str | None = None) -> list[str]:
    """Create (idempotently) the serving database, its owner role and the read-only BI role, with a
    superuser's ``admin_url``; return what was done, for the log. Passwords come from the settings."""
    url = urlsplit(_serving_url(settings))
    owner, owner_password = unquote(url.username or ""), unquote(url.password or "")
    database = url.path.lstrip("/")
    if not owner or not database:
        raise ConfigurationError(
            "REGIONKPI_SERVING_URL must name a user and a database: postgresql://owner:password@host/db"
        )
    if not owner_password:
        raise ConfigurationError("REGIONKPI_SERVING_URL carries no password for the owner role")
    if not settings.bi_password:
        raise ConfigurationError("REGIONKPI_BI_PASSWORD is not set: the BI role needs a password from the environment")
    bi = settings.bi_user
    done: list[str] = []
    with _connect(admin_url) as admin:
        for role, password in ((owner, owner_password), (bi, settings.bi_password)):
            exists = admin.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
            verb = "alter" if exists else "create"
            admin.execute(
                f"{verb} role {_ident(role)} with login nosuperuser nocreatedb nocreaterole "
                f"password {_literal(password)}"
            )
            done.append(f"role {role} ({'updated' if exists else 'created'})")
        if not admin.execute("select 1 from pg_database where datname = %s", (database,)).fetchone():
            admin.execute(f"create database {_ident(database)} owner {_ident(owner)}")
            done.append(f"database {database} (created)")
        admin.execute(f"revoke all on database {_ident(database)} from public")
        admin.execute(f"grant connect, temporary on database {_ident(database)} to {_ident(owner)}")
        admin.execute(f"grant create on database {_ident(database)} to {_ident(owner)}")
        admin.execute(f"grant connect on database {_ident(database)} to {_ident(bi)}")
        if airflow_db:
            admin.execute(f"revoke connect on database {_ident(airflow_db)} from public")
            done.append(f"database {airflow_db}: connect revoked from public")
    with _connect(urlunsplit_database(admin_url, database)) as admin_in_db:
        admin_in_db.execute("revoke create on schema public from public")
        admin_in_db.execute(f"revoke all on schema public from {_ident(bi)}")
    done.append(f"{bi}: connect on {database} only; select on its marts comes with every publish")
    return done


def urlunsplit_database(url: str, database: str) -> str:
    """``url`` with its database replaced by ``database``."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{database}").geturl()
