"""Ingest files from the landing area into the raw layer: the one public entry point of ``ingest``.

For every file in ``landing/<source>/<region_id>/`` (oldest delivery first, sources in dependency
order) this detects the encoding, checks the extract contract, writes one Parquet file per accepted
delivery and records the delivery in the ledger. A file that breaks its contract moves to
``quarantine/`` with a report and nothing of it is loaded; a file delivered before is recorded as a
duplicate. Processed files leave landing (to ``archive/``, kept apart from the warehouse because they
still hold personal identifiers), so a scan only sees new files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.contract import ContractViolation, Violation
from ingest.ledger import Delivery, Ledger
from ingest.sources import Checked, Delivered, Source, arrow_schema, raw_columns, registry
from ingest.textio import EncodingError, FileFacts, inspect_file
from regionkpi.settings import Settings

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

log = logging.getLogger(__name__)

REGION_FOLDER = re.compile(r"^\d{4}$")
MAX_REPORT_LINES = 500


@dataclass
class IngestReport:
    """What one scan did, per delivery; ``changed`` tells whether the raw layer changed."""

    deliveries: list[Delivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for d in self.deliveries if d.status == status)

    @property
    def changed(self) -> bool:
        return self.count("loaded") > 0

    def summary(self) -> str:
        return (
            f"{len(self.deliveries)} file(s): {self.count('loaded')} loaded, "
            f"{self.count('quarantined')} quarantined, {self.count('duplicate')} duplicate"
            + (f"; {len(self.skipped)} left in landing (see log)" if self.skipped else "")
        )


def pending_files(settings: Settings, sources: dict[str, Source]) -> list[tuple[Source, Path]]:
    """Files waiting in landing, sources in dependency order, each source's files oldest first."""
    pending: list[tuple[Source, Path]] = []
    for source in sources.values():
        folder = settings.landing_dir / source.name
        if not folder.is_dir():
            continue
        files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
        files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
        pending += [(source, p) for p in files]
    return pending


def ingest_landing(
    settings: Settings,
    *,
    source_names: list[str] | None = None,
    progress: Callable[[int, int, Delivery], None] | None = None,
) -> IngestReport:
    """Ingest every new file in landing (all sources, or ``source_names`` and what they depend on)."""
    known = registry()
    sources = known
    if source_names:
        unknown = sorted(set(source_names) - set(sources))
        if unknown:
            raise ValueError(f"unknown source(s) {unknown}; known: {sorted(sources)}")
        wanted = set(source_names)
        for name in source_names:
            wanted.update(sources[name].depends_on)
        sources = {name: s for name, s in sources.items() if name in wanted}
    report = IngestReport()
    if settings.landing_dir.is_dir():
        for folder in sorted(p for p in settings.landing_dir.iterdir() if p.is_dir()):
            if folder.name not in known and not folder.name.startswith((".", "_")):
                report.skipped.append(f"{folder}: not a known source folder ({', '.join(known)}); left as is")
                log.warning(report.skipped[-1])
    files = pending_files(settings, sources)
    if files:
        from ingest import gxcheck

        gxcheck.prefetch()  # GX imports while DuckDB reads the first file
    ledger = Ledger(settings.ledger_path)
    for index, (source, path) in enumerate(files, start=1):
        delivery = ingest_file(path, source, settings, ledger=ledger)
        report.deliveries.append(delivery)
        if progress:
            progress(index, len(files), delivery)
    return report


def ingest_file(path: Path, source: Source | str, settings: Settings, *, ledger: Ledger | None = None) -> Delivery:
    """Ingest one delivered file. The region comes from its folder: ``<source>/<region_id>/<file>``."""
    if isinstance(source, str):
        source = registry()[source]
    ledger = ledger or Ledger(settings.ledger_path)
    path = path.resolve()
    region_id = path.parent.name if REGION_FOLDER.match(path.parent.name) else "unknown"

    facts: FileFacts | None
    try:
        facts = inspect_file(path)
        encoding: str | None = facts.encoding
        sha256, size = facts.sha256, facts.size_bytes
        encoding_error: str | None = None
    except EncodingError as error:
        sha256, size = error.sha256, error.size_bytes
        facts, encoding, encoding_error = None, None, str(error)

    earlier = ledger.find(source.name, region_id, sha256)
    if earlier is not None and earlier.status != "loading":
        stored = _move(path, settings.archive_dir / source.name / region_id, f"duplicate-{uuid.uuid4().hex[:8]}")
        delivery = ledger.record_duplicate(original=earlier, path=path, stored_path=stored, size_bytes=size)
        log.info("%s: duplicate of delivery %s, nothing loaded", path.name, earlier.seq)
        return delivery
    delivery = earlier or ledger.begin(
        source=source.name, region_id=region_id, path=path, sha256=sha256, size_bytes=size, encoding=encoding
    )

    try:
        if region_id == "unknown":
            raise ContractViolation(
                path.name,
                [Violation(f"file must lie in landing/{source.name}/<region_id>/ (a 4-digit Kolada region id)")],
            )
        if encoding_error and not source.reads_own_encoding(path):
            raise ContractViolation(path.name, [Violation(encoding_error)])
        with _connect(settings, facts, encoding) as connection:
            delivered = Delivered(path, encoding or "utf-8", facts, region_id, settings, connection)
            checked = source.check(delivered)
            target, rows = write_raw(connection, checked, source, region_id, delivery, settings)
        periods, ignored = sorted(checked.periods), checked.ignored_headers
    except ContractViolation as violation:
        stored = _quarantine(path, source, region_id, delivery, violation.violations, settings)
        reason = f"{len(violation.violations)} violation(s); first: {violation.violations[0]}"
        log.warning("%s: quarantined (%s); report at %s.report.txt", path.name, reason, stored)
        return ledger.finish(delivery.seq, status="quarantined", stored_path=stored, reason=reason)

    stored = _move(path, settings.archive_dir / source.name / region_id, f"{delivery.seq:06d}")
    reason = f"ignored columns: {', '.join(ignored)}" if ignored else None
    log.info("%s: loaded %d rows for %s into %s", path.name, rows, region_id, target)
    return ledger.finish(delivery.seq, status="loaded", stored_path=stored, periods=periods, rows=rows, reason=reason)


_DATABASES: dict[tuple[str, str], duckdb.DuckDBPyConnection] = {}


def _connect(settings: Settings, facts: FileFacts | None, encoding: str | None) -> duckdb.DuckDBPyConnection:
    """A connection of its own for one delivery (its temporary tables vanish with it), to the process's
    one in-memory DuckDB: capped, spilling under the warehouse's tmp folder, and loading the pinned
    ``encodings`` extension once (loading it costs a second) when a Windows-1252 file needs it."""
    from ingest import duck
    from ingest.extract import duckdb_encoding

    key = (settings.ingest_memory_limit, str(settings.warehouse_dir))
    database = _DATABASES.get(key)
    if database is None:
        for other in _DATABASES.values():  # one database per process: the last warehouse's
            other.close()
        _DATABASES.clear()
        database = _DATABASES[key] = duck.connect(
            memory_limit=settings.ingest_memory_limit, temp_directory=settings.warehouse_dir / "tmp" / "duckdb"
        )
    if encoding and duckdb_encoding(facts, encoding) == "cp1252":
        duck.load(database, "encodings")
    return database.cursor()


def raw_path(settings: Settings, source: str, region_id: str, delivery: Delivery) -> Path:
    return settings.raw_dir / source / region_id / f"{delivery.seq:06d}_{delivery.sha256[:12]}.parquet"


def ensure_raw_schemas(settings: Settings) -> None:
    """Give every source an empty Parquet file with its schema, so dbt can read a source nobody has
    delivered yet (``raw/<source>/_schema/empty.parquet``: zero rows, matched by the sources' globs)."""
    for source in registry().values():
        write_empty_schema(settings.raw_dir / source.name / "_schema" / "empty.parquet", raw_schema(source))
    from ingest.kolada.load import ensure_kolada_schema  # Kolada is read from an API, not delivered

    ensure_kolada_schema(settings)


def write_empty_schema(target: Path, schema: pa.Schema) -> Path:
    """Write a zero-row Parquet file with ``schema`` at ``target`` (atomically), unless it is there."""
    import pyarrow.parquet as pq

    if target.exists() and pq.read_schema(target).equals(schema):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(schema.empty_table(), temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def raw_schema(source: Source) -> pa.Schema:
    """The source's raw table as an Arrow schema (region, its own columns, the delivery columns)."""
    return arrow_schema(raw_columns(source))


def write_raw(
    connection: duckdb.DuckDBPyConnection,
    checked: Checked,
    source: Source,
    region_id: str,
    delivery: Delivery,
    settings: Settings,
) -> tuple[Path, int]:
    """Write the delivery's rows as one Parquet file with DuckDB's ``COPY``, atomically.

    Rows go to a temporary file that is fsynced and renamed only when it is complete: a reader never
    sees a partial delivery, and a failure on the way leaves nothing behind. The delivery's own
    values (region, sequence, file name) reach the query as a one-row table, never as SQL text.
    """
    target = raw_path(settings, source.name, region_id, delivery)
    target.parent.mkdir(parents=True, exist_ok=True)
    ingested_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _delivery AS SELECT CAST(? AS VARCHAR) AS region_id, CAST(? AS BIGINT) AS seq, "
        "CAST(? AS VARCHAR) AS delivery_id, CAST(? AS VARCHAR) AS file_name, CAST(? AS TIMESTAMP) AS ingested_at",
        [region_id, delivery.seq, delivery.delivery_id, delivery.file_name, ingested_at],
    )
    columns = ", ".join(f"CAST(raw.{_quoted(c.name)} AS {c.type}) AS {_quoted(c.name)}" for c in source.schema)
    query = (
        f"SELECT _delivery.region_id, {columns}, CAST(raw.source_line AS INTEGER) AS source_line, "  # noqa: S608 - code-owned SQL; file values are bound parameters
        "_delivery.seq AS _delivery_seq, _delivery.delivery_id AS _delivery_id, _delivery.file_name AS _source_file, "
        f"_delivery.ingested_at AS _ingested_at FROM ({checked.select}) AS raw CROSS JOIN _delivery"
    )
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        rows = connection.execute(
            f"COPY ({query}) TO {_literal(temporary)} (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()[0]
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target, int(rows)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    """A path the code built itself (raw folder, sequence number, hex digest) as a SQL literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _quarantine(
    path: Path,
    source: Source,
    region_id: str,
    delivery: Delivery,
    violations: list[Violation],
    settings: Settings,
) -> Path:
    folder = settings.quarantine_dir / source.name / region_id
    stored = _move(path, folder, f"{delivery.seq:06d}")
    rules = sorted({v.rule for v in violations})
    lines = [
        f"File:     {path}",
        f"Stored:   {stored}",
        f"Source:   {source.name} (contract: {source.contract_doc})",
        f"Region:   {region_id}",
        f"Delivery: {delivery.seq} (sha256 {delivery.sha256})",
        "",
        "REJECTED: nothing of this file was loaded.",
        f"{len(violations)} violation(s) of {len(rules)} rule(s):",
        *[f"  - {rule}" for rule in rules],
        "",
        "Where (file, line, column, rule):",
        *[f"  {path.name}, {v}" for v in violations[:MAX_REPORT_LINES]],
    ]
    if len(violations) > MAX_REPORT_LINES:
        lines.append(f"  ... and {len(violations) - MAX_REPORT_LINES} more (all in the .report.json)")
    lines += [
        "",
        "Fix the file and deliver it again into landing; the corrected file is ingested as a new delivery.",
    ]
    stored.with_name(stored.name + ".report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stored.with_name(stored.name + ".report.json").write_text(
        json.dumps(
            {
                "file": str(path),
                "source": source.name,
                "region_id": region_id,
                "delivery_seq": delivery.seq,
                "sha256": delivery.sha256,
                "violations": [v.__dict__ for v in violations],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return stored


def _move(path: Path, folder: Path, prefix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{prefix}_{path.name}"
    shutil.move(path, target)
    return target
