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
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import TYPE_CHECKING

from ingest.contract import ContractViolation, NoDataRows, Violation
from ingest.ledger import Delivery, Ledger, open_ledger
from ingest.registry import registry
from ingest.sources import Checked, Delivered, Source, raw_schema, write_empty_schema
from ingest.textio import EncodingError, FileFacts, inspect_file
from regionkpi.errors import RegionkpiError
from regionkpi.fsio import sweep_stale_temporaries, written_atomically
from regionkpi.settings import Settings

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

REGION_FOLDER = re.compile(r"^\d{4}$")
MAX_REPORT_LINES = 500


@dataclass
class IngestReport:
    """What one scan did, per delivery; ``changed`` tells whether the raw layer changed."""

    deliveries: list[Delivery] = field(default_factory=list)
    #: What was left in landing (an upload in progress, an unknown folder), each with its reason.
    skipped: list[str] = field(default_factory=list)
    #: Files another ingest process took (it records them in the ledger).
    taken: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for d in self.deliveries if d.status == status)

    @property
    def changed(self) -> bool:
        return self.count("loaded") > 0

    def summary(self) -> str:
        others = ", ".join(f"{self.count(s)} {s}" for s in ("empty", "refused") if self.count(s))
        return (
            f"{len(self.deliveries)} file(s): {self.count('loaded')} loaded, "
            f"{self.count('quarantined')} quarantined, {self.count('duplicate')} duplicate"
            + (f", {others}" if others else "")
            + (f"; {len(self.skipped)} left in landing (see log)" if self.skipped else "")
            + (f"; {len(self.taken)} taken by another ingest" if self.taken else "")
        )


#: A dot-file in landing is an upload in progress (transfer tools write ``.name.part`` and rename it
#: when done): left alone, and refused into quarantine once it is older than this.
UPLOAD_STALE_AFTER_S = 24 * 3600
#: Stored names (archive, quarantine, and the reports beside them) stay within a file name's 255 bytes.
MAX_STORED_NAME_BYTES = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Landed:
    """Something found in a source's landing folder: a file to ingest, or what the landing rules
    refuse (``refusal``); a refused entry that is not a regular file of its own (a link, a device, a
    second name of a file) is removed from landing, never followed or moved (``remove``)."""

    source: Source
    path: Path
    refusal: str | None = None
    remove: bool = False


def scan_landing(settings: Settings, sources: dict[str, Source]) -> tuple[list[Landed], list[str]]:
    """What waits in landing, sources in dependency order, each source's files oldest first; and the
    notes on what is left alone (uploads in progress, folders that are links).

    Nothing is followed: a symbolic link, at any level, is refused and never resolved. See
    docs/reliability.md for the landing rules."""
    found: list[Landed] = []
    notes: list[str] = []
    now = dt.datetime.now(dt.UTC).timestamp()
    for source in sources.values():
        folder = settings.landing_dir / source.name
        if folder.is_symlink():
            notes.append(f"{folder}: a symbolic link; landing folders must be folders (not followed)")
            continue
        if not folder.is_dir():
            continue
        entries: list[tuple[int, str, Landed]] = []
        for path, stat in _walk(folder):
            entries.append((stat.st_mtime_ns, path.name, _classify(source, path, stat, now, notes)))
        entries.sort(key=lambda entry: entry[:2])
        found += [landed for _, _, landed in entries if landed is not None]
    return found, notes


def _walk(folder: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry below ``folder`` that is not a folder, with its own ``lstat`` (links not followed)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if S_ISDIR(stat.st_mode):
            if not entry.name.startswith("."):
                yield from _walk(path)
            continue
        yield path, stat


def _classify(source: Source, path: Path, stat: os.stat_result, now: float, notes: list[str]) -> Landed | None:
    name = path.name
    if S_ISLNK(stat.st_mode):
        target = os.readlink(path)
        return Landed(source, path, f"a symbolic link (to {target}): landing takes regular files only", remove=True)
    if not S_ISREG(stat.st_mode):
        return Landed(source, path, "not a regular file (a device, a pipe or a socket)", remove=True)
    if name.startswith("."):
        if now - stat.st_mtime < UPLOAD_STALE_AFTER_S:
            notes.append(f"{path}: a dot-file, taken as an upload in progress (left alone)")
            return None
        return Landed(source, path, "a dot-file (an upload in progress) unchanged for 24 hours: never renamed")
    if stat.st_nlink > 1:
        return Landed(
            source,
            path,
            f"a hard link ({stat.st_nlink} names): landing takes files with one name only, so that nothing "
            "outside landing changes with it",
            remove=True,
        )
    problem = file_name_problem(name)
    if problem:
        return Landed(source, path, problem)
    return Landed(source, path)


def file_name_problem(name: str) -> str | None:
    """Why a delivered file's name is refused (None: accepted): it must be UTF-8 without control
    characters; any length the file system allows (stored copies are shortened to fit)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not UTF-8"
    if _CONTROL.search(name):
        return "the file name holds a control character"
    return None


def ingest_landing(
    settings: Settings,
    *,
    source_names: list[str] | None = None,
    progress: Callable[[int, int, Delivery], None] | None = None,
) -> IngestReport:
    """Ingest every new file in landing (all sources, or ``source_names`` and what they depend on).

    First what a crash or a kill left is resolved (:func:`recover`)."""
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
    # An ingest of these sources waits for a file of theirs that another ingest holds (the HR and the
    # finance DAG both load the organisation first): its own files are checked against it.
    needed = {dependency for source in sources.values() for dependency in source.depends_on}
    ledger = open_ledger(settings)
    try:
        _ingest_found(settings, sources, known, needed, ledger, report, progress)
    finally:
        ledger.close()
    return report


def _ingest_found(
    settings: Settings,
    sources: dict[str, Source],
    known: dict[str, Source],
    needed: set[str],
    ledger: Ledger,
    report: IngestReport,
    progress: Callable[[int, int, Delivery], None] | None,
) -> None:
    recover(settings, ledger)
    if settings.landing_dir.is_dir():
        for folder in sorted(p for p in settings.landing_dir.iterdir() if p.is_dir()):
            if folder.name not in known and not folder.name.startswith((".", "_")):
                report.skipped.append(f"{folder}: not a known source folder ({', '.join(known)}); left as is")
                log.warning(report.skipped[-1])
    found, notes = scan_landing(settings, sources)
    for note in notes:
        report.skipped.append(note)
        log.warning(note)
    if any(landed.refusal is None for landed in found):
        from ingest import gxcheck

        gxcheck.prefetch()  # GX imports while DuckDB reads the first file
    # A folder (source and region) where another ingest holds a file is left to it whole: the files
    # of one folder get their sequence numbers in name order ("latest delivery wins" stays true when
    # two ingests of one source run at once).
    busy_folders: set[Path] = set()
    for index, landed in enumerate(found, start=1):
        if landed.refusal is not None:
            delivery = refuse(landed, settings, ledger)
        elif landed.path.parent in busy_folders:
            report.taken.append(f"{landed.path}: left to the ingest that is loading its folder")
            continue
        else:
            try:
                delivery = ingest_file(
                    landed.path, landed.source, settings, ledger=ledger, wait=landed.source.name in needed
                )
            except (FileBusy, FileNotFoundError) as busy:
                note = str(busy) if isinstance(busy, FileBusy) else f"{landed.path}: ingested by another process"
                if isinstance(busy, FileBusy):
                    busy_folders.add(landed.path.parent)
                report.taken.append(note)
                log.info(note)
                continue
        report.deliveries.append(delivery)
        if progress:
            progress(index, len(found), delivery)


class OutsideLanding(RegionkpiError, ValueError):
    """A file handed to ingest that does not lie in its source's landing folder: nothing is done."""


def _region_of(path: Path) -> str:
    return path.parent.name if REGION_FOLDER.match(path.parent.name) else "unknown"


def refuse(landed: Landed, settings: Settings, ledger: Ledger) -> Delivery:
    """Record what the landing rules refuse. A link, a device or a second name is removed from landing
    (its target, or the file's other name, is left untouched); a regular file goes to quarantine."""
    source, path, reason = landed.source, landed.path, landed.refusal or "refused"
    region_id = _region_of(path)
    stored = None
    if landed.remove:
        path.unlink(missing_ok=True)
        reason += "; removed from landing, nothing else touched"
    else:
        prefix = f"refused-{uuid.uuid4().hex[:8]}"
        stored = _move(path, _stored(settings.quarantine_dir, source, region_id, prefix, path.name))
    log.warning("%s: refused (%s)", path, reason)
    return ledger.record_refused(source=source.name, region_id=region_id, path=path, reason=reason, stored_path=stored)


class FileBusy(RuntimeError):
    """Another process is ingesting this file (it holds the file's lock): left to it."""


#: How long an ingest waits for a file of a source it depends on (the organisation) that another
#: ingest is loading, before it leaves that file to the other and goes on.
DEPENDENCY_WAIT_SECONDS = 600.0


@contextmanager
def _claimed(path: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the landing file's lock (``flock``, on the file itself, never through a link) while it is
    ingested: two ingests that scan the same folder (the HR and the finance DAG both ingest the
    organisation first) never take the same file. Raises :class:`FileBusy` when another process holds
    it, and ``FileNotFoundError`` when it is gone (another process ingested it). ``wait``: wait up to
    :data:`DEPENDENCY_WAIT_SECONDS` for the other process first (it then has moved the file away:
    ``FileNotFoundError``)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        deadline = time.monotonic() + (DEPENDENCY_WAIT_SECONDS if wait else 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FileBusy(f"{path}: being ingested by another process; left to it") from None
                time.sleep(0.2)
        if os.fstat(fd).st_ino != os.lstat(path).st_ino:  # taken (moved away) while we waited for it
            raise FileNotFoundError(path)
        yield
    finally:
        os.close(fd)


def ingest_file(
    path: Path, source: Source | str, settings: Settings, *, ledger: Ledger | None = None, wait: bool = False
) -> Delivery:
    """Ingest one delivered file. The region comes from its folder: ``<source>/<region_id>/<file>``.

    Whatever goes wrong with the file, it ends in the ledger as loaded, quarantined (with a report
    naming the broken rules, or the internal error), empty, duplicate or refused, and the next file
    goes on. The ledger is finished before the file leaves landing: a kill in between leaves the file
    where it was, and the next ingest finishes its move (nothing is loaded twice). ``wait``: when
    another process is ingesting this file, wait for it (then ``FileNotFoundError``) rather than
    raise :class:`FileBusy` at once."""
    if isinstance(source, str):
        source = registry()[source]
    if ledger is None:
        with closing(open_ledger(settings)) as own:
            return ingest_file(path, source, settings, ledger=own, wait=wait)
    path = Path(os.path.abspath(path))
    inside = Path(os.path.realpath(settings.landing_dir / source.name))
    if not Path(os.path.realpath(path.parent)).is_relative_to(inside):
        raise OutsideLanding(f"{path}: not in {settings.landing_dir / source.name}/<region_id>/; nothing done")
    stat = path.lstat()
    landed = _classify(source, path, stat, stat.st_mtime, [])
    if landed is not None and landed.refusal is not None:
        return refuse(landed, settings, ledger)
    with _claimed(path, wait=wait):
        return _ingest_claimed(path, source, settings, ledger)


def _ingest_claimed(path: Path, source: Source, settings: Settings, ledger: Ledger) -> Delivery:
    region_id = _region_of(path)

    facts: FileFacts | None
    try:
        facts = inspect_file(path)
        encoding: str | None = facts.encoding
        sha256, size = facts.sha256, facts.size_bytes
        encoding_error: str | None = None
    except EncodingError as error:
        sha256, size = error.sha256, error.size_bytes
        facts, encoding, encoding_error = None, None, str(error)
    with ledger.content_lock(source.name, region_id, sha256):  # the same content twice at once: one waits
        return _ingest_content(path, source, settings, ledger, region_id, facts, encoding, encoding_error, sha256, size)


def _ingest_content(
    path: Path,
    source: Source,
    settings: Settings,
    ledger: Ledger,
    region_id: str,
    facts: FileFacts | None,
    encoding: str | None,
    encoding_error: str | None,
    sha256: str,
    size: int,
) -> Delivery:
    unmoved = ledger.last_finished(str(path), sha256)
    if unmoved is not None and unmoved.stored_path and not Path(unmoved.stored_path).exists():
        _move(path, Path(unmoved.stored_path))  # killed after the ledger, before the move: finish it
        log.info(
            "%s: moved to %s (delivery %s was finished before a stop)", path.name, unmoved.stored_path, unmoved.seq
        )
        return unmoved
    earlier = ledger.find(source.name, region_id, sha256)
    if earlier is not None and earlier.status != "loading":
        stored = _stored(settings.archive_dir, source, region_id, f"duplicate-{uuid.uuid4().hex[:8]}", path.name)
        delivery = ledger.record_duplicate(original=earlier, path=path, stored_path=stored, size_bytes=size)
        _move(path, stored)
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
        return _quarantine(path, source, region_id, delivery, violation.violations, settings, ledger)
    except NoDataRows:
        _discard_raw(settings, delivery)
        stored = _stored(settings.archive_dir, source, region_id, f"{delivery.seq:06d}", path.name)
        reason = "a header and no data rows: nothing replaced"
        finished = ledger.finish(delivery.seq, status="empty", stored_path=stored, rows=0, reason=reason)
        _move(path, stored)
        log.warning("%s: empty (a header and no data rows); nothing loaded, nothing replaced", path.name)
        return finished
    except Exception as error:  # one file's failure, whatever it is, must not stop the others
        if _environmental(error):
            raise  # not the file's fault: it stays in landing (its delivery "loading"), retried next run
        log.exception("%s: internal error while ingesting; quarantined", path.name)
        where = traceback.extract_tb(error.__traceback__)[-1]
        violation = Violation(
            f"internal error, not a contract rule: {type(error).__name__}: {error} "
            f"(at {Path(where.filename).name}:{where.lineno}; the full traceback is in the ingest log). "
            "Report it to the warehouse team with this file; deliver it again once it is fixed"
        )
        return _quarantine(path, source, region_id, delivery, [violation], settings, ledger)

    stored = _stored(settings.archive_dir, source, region_id, f"{delivery.seq:06d}", path.name)
    reason = f"ignored columns: {', '.join(ignored)}" if ignored else None
    finished = ledger.finish(
        delivery.seq, status="loaded", stored_path=stored, periods=periods, rows=rows, reason=reason
    )
    _move(path, stored)
    log.info("%s: loaded %d rows for %s into %s", path.name, rows, region_id, target)
    return finished


#: Errors of the machine or its configuration, not of a file: they stop the run, and the file waits.
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EMFILE, errno.ENFILE}


def _environmental(error: BaseException) -> bool:
    from ingest.duck import ExtensionMissing
    from regionkpi.settings import ConfigurationError

    if isinstance(error, ConfigurationError | ExtensionMissing | MemoryError):
        return True
    if isinstance(error, OSError) and error.errno in _ENVIRONMENT_ERRNOS:
        return True
    text = str(error)
    return type(error).__name__ in ("OutOfMemoryException", "IOException") and (
        "No space left" in text or "memory" in text.lower() or "Permission denied" in text
    )


def recover(settings: Settings, ledger: Ledger) -> None:
    """Resolve what a crash or a kill left: temporary files whose writer is gone, deliveries still
    ``loading`` whose file is no longer in landing (``withdrawn``; one whose file is still there is
    simply ingested again under its own sequence number), and raw files of deliveries that were not
    loaded. Deliveries another process is ingesting right now are left alone."""
    for root in (settings.raw_dir, settings.archive_dir, settings.quarantine_dir, settings.warehouse_dir / "tmp"):
        sweep_stale_temporaries(root)
    for delivery in ledger.unfinished():
        if os.path.lexists(delivery.original_path):
            continue
        reason = "the file left landing before its ingest finished (a crash, a kill, or by hand); nothing loaded"
        if ledger.withdraw(delivery.seq, reason):
            log.warning("delivery %s (%s): withdrawn: %s", delivery.seq, delivery.file_name, reason)
            _discard_raw(settings, delivery)
    raw_files = {}
    if settings.raw_dir.is_dir():
        for path in settings.raw_dir.glob("*/*/*.parquet"):
            match = _RAW_NAME.match(path.name)
            if match:
                raw_files[path] = int(match["seq"])
    statuses = ledger.statuses(sorted(set(raw_files.values())))
    for path, seq in raw_files.items():
        if statuses.get(seq, "loaded") not in ("loaded", "loading"):
            path.unlink(missing_ok=True)
            log.warning("removed %s: raw rows of delivery %s, which is %s", path, seq, statuses[seq])


_RAW_NAME = re.compile(r"^(?P<seq>\d{6,})_[0-9a-f]{12}\.parquet$")


def _discard_raw(settings: Settings, delivery: Delivery) -> None:
    """Remove a raw file written for a delivery that did not load (written before a kill, say)."""
    raw_path(settings, delivery.source, delivery.region_id, delivery).unlink(missing_ok=True)


def _stored(root: Path, source: Source, region_id: str, prefix: str, name: str) -> Path:
    """Where a delivered file is kept under ``root`` (archive or quarantine): ``<source>/<region>/``
    and its :func:`stored_name`."""
    return root / source.name / region_id / stored_name(prefix, name)


def stored_name(prefix: str, name: str) -> str:
    """``<prefix>_<name>``, shortened when needed to :data:`MAX_STORED_NAME_BYTES` (the end of the
    name and its extension are kept, a short hash of the whole name marks the cut)."""
    full = f"{prefix}_{name}"
    if len(full.encode("utf-8", "surrogateescape")) <= MAX_STORED_NAME_BYTES:
        return full
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix}" if dot and len(suffix) <= 10 else ""
    budget = MAX_STORED_NAME_BYTES - len(prefix) - len(suffix) - len(digest) - 3
    head = (stem if suffix else name).encode("utf-8", "surrogateescape")[:budget].decode("utf-8", "ignore")
    return f"{prefix}_{head}~{digest}{suffix}"


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
    with written_atomically(target) as temporary:
        rows = connection.execute(
            f"COPY ({query}) TO {_literal(temporary)} (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()[0]
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
    ledger: Ledger,
) -> Delivery:
    """Reports first, then the ledger, then the file: a kill on the way leaves the file in landing."""
    _discard_raw(settings, delivery)
    stored = _stored(settings.quarantine_dir, source, region_id, f"{delivery.seq:06d}", path.name)
    stored.parent.mkdir(parents=True, exist_ok=True)
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
    reason = f"{len(violations)} violation(s); first: {violations[0]}"
    finished = ledger.finish(delivery.seq, status="quarantined", stored_path=stored, reason=reason)
    _move(path, stored)
    log.warning("%s: quarantined (%s); report at %s.report.txt", path.name, reason, stored)
    return finished


def _move(path: Path, target: Path) -> Path:
    """Move ``path`` (never a link: landing refuses them) to ``target``: a rename, or across file
    systems a copy under a temporary name, fsynced and renamed, before the original is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(path, target)
        return target
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    with written_atomically(target) as temporary:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as source, temporary.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        shutil.copystat(path, temporary, follow_symlinks=False)
    path.unlink()
    return target
