"""The delivery ledger: one row for every file that arrived, whatever became of it.

"Nothing is lost": a file is either loaded, quarantined with a reason, recorded as a duplicate of
an earlier delivery (same source, region and sha256), recorded as ``empty`` (a header and no data
rows: archived, nothing replaced), ``refused`` by the landing rules (a link, a device, a bad name:
docs/reliability.md), or ``withdrawn`` (its file left landing before its ingest finished). Its
sequence number orders deliveries: the latest accepted delivery of a period wins in staging.

Two backends behind one interface (:class:`Ledger`), chosen by :func:`open_ledger`:

- :class:`SqliteLedger`, the embedded default: ``warehouse/deliveries/ledger.sqlite``. SQLite locks
  the file, so several ingest processes of one machine record deliveries safely (DuckDB would allow
  one writer only).
- :class:`PostgresLedger`, when ``REGIONKPI_LEDGER_URL`` names a PostgreSQL database: the table
  ``ledger.deliveries``, for ingests on several machines (the Celery deployment, docs/deployment.md).

Every method is one short transaction. :meth:`Ledger.content_lock` serialises the ingests of one
content (same source, region and sha256): held from the duplicate lookup until the delivery is
finished, so the same file delivered twice at once is loaded once and recorded twice, never loaded
twice and never lost. Different contents are ingested in parallel.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionkpi.errors import RegionkpiError

if TYPE_CHECKING:
    from regionkpi.settings import Settings

STATUSES = ("loading", "loaded", "quarantined", "duplicate", "empty", "refused", "withdrawn")
_STATUS_LIST = ", ".join(f"'{status}'" for status in STATUSES)

_COLUMNS = """
    delivery_id   text not null,
    source        text not null,
    region_id     text not null,
    file_name     text not null,
    original_path text not null,
    stored_path   text,
    sha256        text not null,
    size_bytes    bigint not null,
    encoding      text,
    periods       text,
    rows          bigint,
    status        text not null {check},
    reason        text,
    duplicate_of  bigint references {table} (seq),
    received_at   text not null,
    finished_at   text
"""
#: The SQLite table as it is created (the statuses of :data:`STATUSES`).
CREATE_TABLE = (
    "create table if not exists deliveries (\n    seq integer primary key autoincrement,"
    + _COLUMNS.format(check=f"check (status in ({_STATUS_LIST}))", table="deliveries")
    + ")"
)
INDEX = "create index if not exists deliveries_by_sha on deliveries (source, region_id, sha256)"


class LedgerMissing(RegionkpiError, FileNotFoundError):
    """No ledger where the settings say it is (and the caller asked not to create one)."""


@dataclass(frozen=True)
class Delivery:
    seq: int
    delivery_id: str
    source: str
    region_id: str
    file_name: str
    original_path: str
    stored_path: str | None
    sha256: str
    size_bytes: int
    encoding: str | None
    periods: tuple[str, ...]
    rows: int | None
    status: str
    reason: str | None
    duplicate_of: int | None
    received_at: str
    finished_at: str | None


def backend_errors() -> tuple[type[Exception], ...]:
    """What either backend raises when the ledger is there but cannot be read or written."""
    errors: tuple[type[Exception], ...] = (sqlite3.Error, ConnectionError)
    try:
        import psycopg
    except ImportError:  # the embedded default needs no PostgreSQL driver
        return errors
    return (*errors, psycopg.Error)


def open_ledger(settings: Settings, *, create: bool = True) -> Ledger:
    """The ledger the settings name: PostgreSQL when ``settings.ledger_url`` is set, else the SQLite
    file ``settings.ledger_path``. ``create=False``: raise :class:`LedgerMissing` rather than create
    an empty one (the gate reads the ledger and must not invent it)."""
    if settings.ledger_url:
        return PostgresLedger(settings.ledger_url, create=create)
    if not create and not settings.ledger_path.exists():
        raise LedgerMissing(f"no delivery ledger at {settings.ledger_path}")
    return SqliteLedger(settings.ledger_path, create=create)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class _Tx:
    """One transaction of a backend: ``one``/``all``/``rowcount`` take SQL with ``?`` placeholders."""

    def __init__(self, execute: Any) -> None:
        self._execute = execute

    def one(self, sql: str, params: tuple = ()) -> dict[str, Any] | None:
        row = self._execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._execute(sql, params).fetchall()]

    def rowcount(self, sql: str, params: tuple = ()) -> int:
        return self._execute(sql, params).rowcount


class Ledger:
    """The ledger's operations, written once for both backends (their SQL is the common subset:
    ``?`` placeholders, ``returning *``); a backend supplies :meth:`_transaction` and
    :meth:`content_lock`."""

    #: Where the ledger is, for messages (a path, or a URL without its password).
    where: str

    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def content_lock(self, source: str, region_id: str, sha256: str) -> Iterator[None]:
        """Held while one content (source, region, sha256) is looked up, loaded and finished: a second
        ingest of the same content waits, then finds it finished (a duplicate)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def close(self) -> None:
        """Release what the backend holds open (nothing for SQLite)."""

    @staticmethod
    def _delivery(row: dict[str, Any]) -> Delivery:
        row["periods"] = tuple(p for p in (row["periods"] or "").split(",") if p)
        return Delivery(**row)

    def find(self, source: str, region_id: str, sha256: str) -> Delivery | None:
        """The delivery that took this exact content (same source, region and sha256): the first one
        ``loaded``, ``empty`` or still ``loading``, if any. A quarantined, refused or withdrawn attempt
        took nothing, so the same content delivered again is checked again (after its cause was fixed:
        the organisation or an indicator arrived), never recorded as its duplicate."""
        with self._transaction() as tx:
            row = tx.one(
                "select * from deliveries where source = ? and region_id = ? and sha256 = ? "
                "and status in ('loading', 'loaded', 'empty') order by seq limit 1",
                (source, region_id, sha256),
            )
        return self._delivery(row) if row else None

    def begin(
        self, *, source: str, region_id: str, path: Path, sha256: str, size_bytes: int, encoding: str | None
    ) -> Delivery:
        """Record a file as arriving (status ``loading``) and give it its sequence number."""
        with self._transaction() as tx:
            row = tx.one(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, sha256, "
                "size_bytes, encoding, status, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'loading', ?) "
                "returning *",
                (sha256[:16], source, region_id, path.name, str(path), sha256, size_bytes, encoding, _now()),
            )
        assert row is not None
        return self._delivery(row)

    def finish(
        self,
        seq: int,
        *,
        status: str,
        stored_path: Path | None = None,
        periods: list[str] | tuple[str, ...] = (),
        rows: int | None = None,
        reason: str | None = None,
    ) -> Delivery:
        if status not in STATUSES or status == "loading":
            raise ValueError(f"cannot finish a delivery with status {status!r}")
        with self._transaction() as tx:
            row = tx.one(
                "update deliveries set status = ?, stored_path = ?, periods = ?, rows = ?, reason = ?, "
                "finished_at = ? where seq = ? returning *",
                (
                    status,
                    str(stored_path) if stored_path else None,
                    ",".join(sorted(periods)),
                    rows,
                    reason,
                    _now(),
                    seq,
                ),
            )
        if row is None:
            raise KeyError(f"the ledger {self.where} has no delivery {seq}")
        return self._delivery(row)

    def record_duplicate(
        self, *, original: Delivery, path: Path, stored_path: Path | None, size_bytes: int
    ) -> Delivery:
        """A file whose content was delivered before: recorded, nothing loaded."""
        with self._transaction() as tx:
            row = tx.one(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, "
                "stored_path, sha256, size_bytes, encoding, periods, rows, status, reason, duplicate_of, "
                "received_at, finished_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'duplicate', ?, ?, ?, ?) "
                "returning *",
                (
                    original.delivery_id,
                    original.source,
                    original.region_id,
                    path.name,
                    str(path),
                    str(stored_path) if stored_path else None,
                    original.sha256,
                    size_bytes,
                    original.encoding,
                    ",".join(original.periods),
                    f"same content as delivery {original.seq} ({original.file_name}, {original.status})",
                    original.seq,
                    _now(),
                    _now(),
                ),
            )
        assert row is not None
        return self._delivery(row)

    def record_refused(
        self,
        *,
        source: str,
        region_id: str,
        path: Path,
        reason: str,
        stored_path: Path | None = None,
        sha256: str = "",
        size_bytes: int = 0,
    ) -> Delivery:
        """Something in landing the landing rules refuse (a link, a device, a bad name): one finished
        row, whose ``sha256`` is empty when the content was never read."""
        with self._transaction() as tx:
            row = tx.one(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, stored_path, "
                "sha256, size_bytes, status, reason, received_at, finished_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, 'refused', ?, ?, ?) returning *",
                (
                    sha256[:16] or "refused",
                    source,
                    region_id,
                    path.name,
                    str(path),
                    str(stored_path) if stored_path else None,
                    sha256,
                    size_bytes,
                    reason,
                    _now(),
                    _now(),
                ),
            )
        assert row is not None
        return self._delivery(row)

    def last_finished(self, original_path: str, sha256: str) -> Delivery | None:
        """The latest finished delivery of this very file (path and content): a kill between the ledger
        and the file's move leaves its file in landing, and the next ingest finishes the move."""
        with self._transaction() as tx:
            row = tx.one(
                "select * from deliveries where original_path = ? and sha256 = ? and status != 'loading' "
                "order by seq desc limit 1",
                (original_path, sha256),
            )
        return self._delivery(row) if row else None

    def withdraw(self, seq: int, reason: str) -> bool:
        """Finish a ``loading`` delivery whose file left landing unfinished; False if it was finished
        meanwhile (by the process ingesting it)."""
        with self._transaction() as tx:
            changed = tx.rowcount(
                "update deliveries set status = 'withdrawn', reason = ?, finished_at = ? "
                "where seq = ? and status = 'loading'",
                (reason, _now(), seq),
            )
        return changed == 1

    def unfinished(self) -> list[Delivery]:
        """Deliveries still ``loading``: being ingested now, or left so by a crash or a kill."""
        with self._transaction() as tx:
            rows = tx.all("select * from deliveries where status = 'loading' order by seq")
        return [self._delivery(row) for row in rows]

    def statuses(self, seqs: list[int]) -> dict[int, str]:
        """The status of each of ``seqs`` that the ledger knows."""
        found: dict[int, str] = {}
        with self._transaction() as tx:
            for start in range(0, len(seqs), 500):
                chunk = tuple(seqs[start : start + 500])
                marks = ", ".join("?" * len(chunk))
                rows = tx.all(f"select seq, status from deliveries where seq in ({marks})", chunk)  # noqa: S608 - placeholders only
                found.update((row["seq"], row["status"]) for row in rows)
        return found

    def deliveries(self, source: str | None = None) -> list[Delivery]:
        with self._transaction() as tx:
            if source is None:
                rows = tx.all("select * from deliveries order by seq")
            else:
                rows = tx.all("select * from deliveries where source = ? order by seq", (source,))
        return [self._delivery(row) for row in rows]

    def loaded_periods(self, source: str) -> dict[str, set[str]]:
        """Region id -> the months ('YYYY-MM') covered by loaded deliveries of ``source``."""
        covered: dict[str, set[str]] = {}
        for region_id, period in self.periods(source, "loaded"):
            covered.setdefault(region_id, set()).add(period)
        return covered

    def periods(self, source: str, status: str) -> set[tuple[str, str]]:
        """(region_id, 'YYYY-MM') of every delivery of ``source`` with ``status``."""
        with self._transaction() as tx:
            rows = tx.all("select region_id, periods from deliveries where source = ? and status = ?", (source, status))
        return {
            (str(row["region_id"]), period.strip())
            for row in rows
            for period in (row["periods"] or "").split(",")
            if period.strip()
        }


#: Content locks of the SQLite ledger: this many lock files, a content's lock chosen by its hash (two
#: contents that share a file only wait for each other; they never mix).
LOCK_STRIPES = 256


class SqliteLedger(Ledger):
    """The embedded ledger: ``deliveries/ledger.sqlite``, one machine (SQLite's write lock and
    ``flock`` need a local file system)."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        """``create=False``: a reader's ledger; neither created nor migrated."""
        self.path = Path(path)
        self.where = str(self.path)
        if not create:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=60)) as connection:
            connection.execute("pragma journal_mode=wal")
            connection.execute(CREATE_TABLE)
            connection.execute(INDEX)
        self._migrate()

    def _migrate(self) -> None:
        """Widen an older ledger's status check to today's statuses (SQLite cannot alter a check:
        the table is copied into a new one, in one transaction, rows and sequence numbers kept)."""
        with self._transaction() as tx:
            table = tx.one("select sql from sqlite_master where type = 'table' and name = 'deliveries'")
            assert table is not None
            if all(f"'{status}'" in table["sql"] for status in STATUSES):
                return
            for statement in (
                "drop index if exists deliveries_by_sha",
                "alter table deliveries rename to deliveries_before_migration",
                CREATE_TABLE,
                "insert into deliveries select * from deliveries_before_migration",
                "drop table deliveries_before_migration",
                INDEX,
            ):
                tx.rowcount(statement)

    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        with closing(sqlite3.connect(self.path, timeout=60, isolation_level=None)) as connection:
            connection.row_factory = sqlite3.Row
            connection.execute("pragma journal_mode=wal")
            connection.execute("begin immediate")
            try:
                yield _Tx(connection.execute)
            except BaseException:
                connection.execute("rollback")
                raise
            connection.execute("commit")

    @contextmanager
    def content_lock(self, source: str, region_id: str, sha256: str) -> Iterator[None]:
        stripe = int.from_bytes(hashlib.sha256(f"{source}/{region_id}/{sha256}".encode()).digest()[:4]) % LOCK_STRIPES
        folder = self.path.parent / "locks"
        folder.mkdir(exist_ok=True)
        fd = os.open(folder / f"{stripe:03d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


#: The PostgreSQL ledger's schema; the serving role's BI users never get a grant on it.
PG_SCHEMA = "ledger"


def mask_url(url: str) -> str:
    """A database URL fit for a message: its password replaced by ``***``."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


class PostgresLedger(Ledger):
    """The ledger in PostgreSQL (table ``ledger.deliveries``), for ingests on several machines.

    One connection per ledger object, each method a transaction on it. The content lock is a session
    advisory lock on a second connection: released when the ingest ends, or by PostgreSQL when its
    process dies (nothing is left locked by a kill)."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        import psycopg

        self.url = url
        self.where = mask_url(url)
        try:
            self._connection = psycopg.connect(url, autocommit=True, connect_timeout=30)
        except psycopg.OperationalError as error:
            raise ConnectionError(f"cannot reach the delivery ledger at {self.where}: {error}") from None
        self._locks: Any = None
        if create:
            self._create()
        elif not self._connection.execute("select to_regclass('ledger.deliveries')").fetchone()[0]:
            self.close()
            raise LedgerMissing(f"no delivery ledger (table {PG_SCHEMA}.deliveries) in {self.where}")

    def _create(self) -> None:
        columns = _COLUMNS.format(
            check=f"constraint deliveries_status check (status in ({_STATUS_LIST}))", table=f"{PG_SCHEMA}.deliveries"
        )
        with self._connection.transaction():
            # Two first ingests at once: one creates, the other waits here and finds it made.
            self._connection.execute("select pg_advisory_xact_lock(hashtextextended('regionkpi.ledger.create', 0))")
            self._connection.execute(f"create schema if not exists {PG_SCHEMA}")
            self._connection.execute(
                f"create table if not exists {PG_SCHEMA}.deliveries "
                f"(seq bigint generated by default as identity primary key,{columns})"
            )
            self._connection.execute(
                f"create index if not exists deliveries_by_sha on {PG_SCHEMA}.deliveries (source, region_id, sha256)"
            )

    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        from psycopg.rows import dict_row

        with self._connection.transaction(), self._connection.cursor(row_factory=dict_row) as cursor:
            cursor.execute(f"set local search_path = {PG_SCHEMA}")

            def execute(sql: str, params: tuple) -> Any:
                return cursor.execute(sql.replace("?", "%s"), params)  # no '?' in the ledger's literals

            yield _Tx(execute)

    @contextmanager
    def content_lock(self, source: str, region_id: str, sha256: str) -> Iterator[None]:
        import psycopg

        if self._locks is None:
            self._locks = psycopg.connect(self.url, autocommit=True, connect_timeout=30)
        key = int.from_bytes(hashlib.sha256(f"{source}/{region_id}/{sha256}".encode()).digest()[:8], signed=True)
        self._locks.execute("select pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            self._locks.execute("select pg_advisory_unlock(%s)", (key,))

    def close(self) -> None:
        for connection in (self._connection, self._locks):
            if connection is not None:
                connection.close()
        self._locks = None
