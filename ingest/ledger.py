"""The delivery ledger: one row for every file that arrived, whatever became of it.

"Nothing is lost": a file is either loaded, quarantined with a reason, recorded as a duplicate of
an earlier delivery (same source, region and sha256), recorded as ``empty`` (a header and no data
rows: archived, nothing replaced), ``refused`` by the landing rules (a link, a device, a bad name:
docs/reliability.md), or ``withdrawn`` (its file left landing before its ingest finished). The
ledger is a SQLite file next to the raw layer so that several ingest processes can record deliveries
safely (SQLite locks; DuckDB would allow only one writer), and its sequence number orders
deliveries: the latest accepted delivery of a
period wins in staging.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
create table if not exists deliveries (
    seq           integer primary key autoincrement,
    delivery_id   text not null,
    source        text not null,
    region_id     text not null,
    file_name     text not null,
    original_path text not null,
    stored_path   text,
    sha256        text not null,
    size_bytes    integer not null,
    encoding      text,
    periods       text,
    rows          integer,
    status        text not null check (status in ({statuses})),
    reason        text,
    duplicate_of  integer references deliveries (seq),
    received_at   text not null,
    finished_at   text
);
"""
INDEX = "create index if not exists deliveries_by_sha on deliveries (source, region_id, sha256)"

STATUSES = ("loading", "loaded", "quarantined", "duplicate", "empty", "refused", "withdrawn")
#: The table as it is created (the statuses of :data:`STATUSES`).
CREATE_TABLE = SCHEMA.format(statuses=", ".join(f"'{status}'" for status in STATUSES))


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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Ledger:
    """Access to ``deliveries/ledger.sqlite``; every method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=60)) as connection:
            connection.execute("pragma journal_mode=wal")
            connection.execute(CREATE_TABLE)
            connection.execute(INDEX)
        self._migrate()

    def _migrate(self) -> None:
        """Widen an older ledger's status check to today's statuses (SQLite cannot alter a check:
        the table is copied into a new one, in one transaction, rows and sequence numbers kept)."""
        with self._connect() as connection:
            (table_sql,) = connection.execute(
                "select sql from sqlite_master where type = 'table' and name = 'deliveries'"
            ).fetchone()
            if all(f"'{status}'" in table_sql for status in STATUSES):
                return
            connection.execute("drop index if exists deliveries_by_sha")
            connection.execute("alter table deliveries rename to deliveries_before_migration")
            connection.execute(CREATE_TABLE)
            connection.execute("insert into deliveries select * from deliveries_before_migration")
            connection.execute("drop table deliveries_before_migration")
            connection.execute(INDEX)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=60, isolation_level=None)) as connection:
            connection.row_factory = sqlite3.Row
            connection.execute("pragma journal_mode=wal")
            connection.execute("begin immediate")
            try:
                yield connection
            except BaseException:
                connection.execute("rollback")
                raise
            connection.execute("commit")

    @staticmethod
    def _row(row: sqlite3.Row) -> Delivery:
        values = dict(row)
        values["periods"] = tuple(p for p in (values["periods"] or "").split(",") if p)
        return Delivery(**values)

    def find(self, source: str, region_id: str, sha256: str) -> Delivery | None:
        """The first delivery of this exact file (same source, region and content), if any."""
        with self._connect() as connection:
            row = connection.execute(
                "select * from deliveries where source = ? and region_id = ? and sha256 = ? "
                "and status != 'duplicate' order by seq limit 1",
                (source, region_id, sha256),
            ).fetchone()
        return self._row(row) if row else None

    def begin(
        self, *, source: str, region_id: str, path: Path, sha256: str, size_bytes: int, encoding: str | None
    ) -> Delivery:
        """Record a file as arriving (status ``loading``) and give it its sequence number."""
        with self._connect() as connection:
            cursor = connection.execute(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, sha256, "
                "size_bytes, encoding, status, received_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'loading', ?)",
                (sha256[:16], source, region_id, path.name, str(path), sha256, size_bytes, encoding, _now()),
            )
            row = connection.execute("select * from deliveries where seq = ?", (cursor.lastrowid,)).fetchone()
        return self._row(row)

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
        with self._connect() as connection:
            connection.execute(
                "update deliveries set status = ?, stored_path = ?, periods = ?, rows = ?, reason = ?, "
                "finished_at = ? where seq = ?",
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
            row = connection.execute("select * from deliveries where seq = ?", (seq,)).fetchone()
        return self._row(row)

    def record_duplicate(
        self, *, original: Delivery, path: Path, stored_path: Path | None, size_bytes: int
    ) -> Delivery:
        """A file whose content was delivered before: recorded, nothing loaded."""
        with self._connect() as connection:
            cursor = connection.execute(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, "
                "stored_path, sha256, size_bytes, encoding, periods, rows, status, reason, duplicate_of, "
                "received_at, finished_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'duplicate', ?, ?, ?, ?)",
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
            row = connection.execute("select * from deliveries where seq = ?", (cursor.lastrowid,)).fetchone()
        return self._row(row)

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
        with self._connect() as connection:
            cursor = connection.execute(
                "insert into deliveries (delivery_id, source, region_id, file_name, original_path, stored_path, "
                "sha256, size_bytes, status, reason, received_at, finished_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, 'refused', ?, ?, ?)",
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
            row = connection.execute("select * from deliveries where seq = ?", (cursor.lastrowid,)).fetchone()
        return self._row(row)

    def last_finished(self, original_path: str, sha256: str) -> Delivery | None:
        """The latest finished delivery of this very file (path and content): a kill between the ledger
        and the file's move leaves its file in landing, and the next ingest finishes the move."""
        with self._connect() as connection:
            row = connection.execute(
                "select * from deliveries where original_path = ? and sha256 = ? and status != 'loading' "
                "order by seq desc limit 1",
                (original_path, sha256),
            ).fetchone()
        return self._row(row) if row else None

    def withdraw(self, seq: int, reason: str) -> bool:
        """Finish a ``loading`` delivery whose file left landing unfinished; False if it was finished
        meanwhile (by the process ingesting it)."""
        with self._connect() as connection:
            cursor = connection.execute(
                "update deliveries set status = 'withdrawn', reason = ?, finished_at = ? "
                "where seq = ? and status = 'loading'",
                (reason, _now(), seq),
            )
        return cursor.rowcount == 1

    def unfinished(self) -> list[Delivery]:
        """Deliveries still ``loading``: being ingested now, or left so by a crash or a kill."""
        with self._connect() as connection:
            rows = connection.execute("select * from deliveries where status = 'loading' order by seq").fetchall()
        return [self._row(row) for row in rows]

    def statuses(self, seqs: list[int]) -> dict[int, str]:
        """The status of each of ``seqs`` that the ledger knows."""
        if not seqs:
            return {}
        with self._connect() as connection:
            found: dict[int, str] = {}
            for start in range(0, len(seqs), 500):
                chunk = seqs[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                found.update(
                    connection.execute(f"select seq, status from deliveries where seq in ({marks})", chunk).fetchall()  # noqa: S608 - placeholders only
                )
        return found

    def deliveries(self, source: str | None = None) -> list[Delivery]:
        with self._connect() as connection:
            if source is None:
                rows = connection.execute("select * from deliveries order by seq").fetchall()
            else:
                rows = connection.execute(
                    "select * from deliveries where source = ? order by seq", (source,)
                ).fetchall()
        return [self._row(row) for row in rows]

    def loaded_periods(self, source: str) -> dict[str, set[str]]:
        """Region id -> the months ('YYYY-MM') covered by loaded deliveries of ``source``."""
        covered: dict[str, set[str]] = {}
        for delivery in self.deliveries(source):
            if delivery.status == "loaded":
                covered.setdefault(delivery.region_id, set()).update(delivery.periods)
        return covered
