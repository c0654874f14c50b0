"""Atomic publishing of the validated marts: readers see the old version or the new one, never a mix.

Layout under ``settings.published_dir``::

    <run_id>/marts.duckdb              every table of schema marts, copied from build.duckdb
    <run_id>/parquet/<table>.parquet   one file per mart, for tools that do not speak DuckDB
    <run_id>/manifest.json             run, time, code version, row counts, validation summary, columns
    current -> <run_id>                relative symlink, swapped with os.replace (atomic on POSIX)
    current.json                       {"run_id", "path", "published_at"}, replaced atomically too

A snapshot is assembled in ``.tmp-<run_id>``, fsynced, then renamed into place; only then does
``current`` move. Any failure before that removes what was built and leaves ``current`` (and
``current.json``) as they were; a ``.tmp-`` folder left by a publisher that was killed is removed by
the next publish. BI tools read a snapshot, never ``build.duckdb``: DuckDB allows one writer or
readers, and a reader holding the build file open would break the next dbt build.

Readers: a published snapshot never changes, and ``current`` moves in one step, but every path opened
through ``current/`` follows the link anew. DuckDB opens ``current/marts.duckdb`` once per connection:
one snapshot. Files read one by one through ``current/`` (the manifest, then two Parquet files) can come
from two snapshots when a publish lands in between, and so can a single Parquet file (pyarrow opens it
once for the schema and again for the rows). A Parquet reader resolves ``current`` once
(:func:`resolve_current`, or ``run_id`` from ``current.json``) and reads everything under
``<run_id>/``. Pruning leaves a replaced snapshot on disk for at least
``REGIONKPI_SNAPSHOT_GRACE_SECONDS`` (default an hour) so such a reader can finish.

Publishing also checks that what it copies is what the gate validated: the gate fingerprints every
table of schema marts, and the copy must have the same fingerprint.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import regionkpi
from expectations.gate import MARTS_SCHEMA, TABLE, GateResult, marts_fingerprint
from regionkpi.errors import RegionkpiError
from regionkpi.fsio import fsync_dir as _fsync_dir
from regionkpi.fsio import fsync_tree as _fsync_tree
from regionkpi.fsio import replace_atomically, write_json_atomically
from regionkpi.settings import ConfigurationError, Settings, env_number

log = logging.getLogger(__name__)

CURRENT = "current"
CURRENT_JSON = "current.json"
MANIFEST = "manifest.json"
MARTS_DB = "marts.duckdb"
PARQUET_DIR = "parquet"
TMP_PREFIX = ".tmp-"
LOCK_FILE = ".publish.lock"
KEEP_ENV = "REGIONKPI_KEEP_SNAPSHOTS"
DEFAULT_KEEP = 10
GRACE_ENV = "REGIONKPI_SNAPSHOT_GRACE_SECONDS"
DEFAULT_GRACE_SECONDS = 3600.0

# Airflow run ids look like "scheduled__2024-03-01T00:00:00+00:00": letters, digits and . _ : + -.
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PublishError(RegionkpiError, RuntimeError):
    """Publishing refused or failed; the previously published snapshot is still served."""


class NothingPublishedError(RegionkpiError, FileNotFoundError):
    """No snapshot has been published yet (or `current` points nowhere)."""


@dataclass(frozen=True)
class PublishedSnapshot:
    run_id: str
    path: Path
    manifest: dict[str, Any]
    pruned: list[str] = field(default_factory=list)

    @property
    def marts_db(self) -> Path:
        return self.path / MARTS_DB

    @property
    def parquet_dir(self) -> Path:
        return self.path / PARQUET_DIR

    def parquet(self, table: str) -> Path:
        """The Parquet file of ``table`` in this snapshot (a versioned path, never through ``current``)."""
        tables = self.manifest.get("tables") or self.manifest.get("row_counts") or {}
        if table not in tables or not _TABLE_NAME.match(table):
            raise KeyError(f"snapshot {self.run_id} has no table {table!r} (it has {', '.join(sorted(tables))})")
        return self.parquet_dir / f"{table}.parquet"


# Small helpers ------------------------------------------------------------------------------------


def _sql_string(value: str) -> str:
    """A SQL string literal (ATTACH and COPY take no bound parameters for paths)."""
    return "'" + value.replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_version(root: Path) -> tuple[str, str]:
    """(version, source): the git commit of ``root`` when it is a git work tree, else the package version."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        completed = None
    if completed is not None and completed.returncode == 0 and completed.stdout.strip():
        return completed.stdout.strip(), "git"
    return regionkpi.__version__, "package"


def keep_snapshots(env: dict[str, str] | None = None) -> int:
    """How many snapshots to keep (``REGIONKPI_KEEP_SNAPSHOTS``, default 10, at least 1)."""
    return int(env_number(os.environ if env is None else env, KEEP_ENV, DEFAULT_KEEP, minimum=1))


@contextmanager
def _publish_lock(published_dir: Path) -> Iterator[None]:
    """One publisher at a time (a second one waits), so temp dirs and `current` never race."""
    with open(published_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def snapshot_grace_seconds(env: dict[str, str] | None = None) -> float:
    """How long a replaced snapshot stays on disk at least (``REGIONKPI_SNAPSHOT_GRACE_SECONDS``,
    default 3600, 0 or more), whatever ``REGIONKPI_KEEP_SNAPSHOTS`` says: readers that resolved it
    just before a publish must be able to finish."""
    return float(env_number(os.environ if env is None else env, GRACE_ENV, DEFAULT_GRACE_SECONDS, whole=False))


def current_run_id(published_dir: Path) -> str | None:
    """The run id `current` points at, or None when nothing is published."""
    link = Path(published_dir) / CURRENT
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def resolve_current(published_dir: str | os.PathLike[str]) -> PublishedSnapshot:
    """The current snapshot, resolved once: its versioned directory ``<published_dir>/<run_id>`` and its
    manifest. Read every file of one read under the returned ``path``, never through ``current/`` again.

    Every open of ``current/<file>`` follows the link anew, so a reader that opens the manifest and then
    two Parquet files through ``current/`` can get files of two snapshots when a publish lands in
    between. A snapshot directory never changes once published and stays on disk at least
    ``REGIONKPI_SNAPSHOT_GRACE_SECONDS`` after it was replaced (:func:`prune_snapshots`), so files read
    under the resolved path all belong to the snapshot the manifest describes. The manifest's
    ``run_id`` must be the one `current` names (:class:`PublishError` otherwise).
    """
    published_dir = Path(published_dir)
    run_id = None
    for _ in range(3):  # a snapshot is pruned only once it is not current: then `current` has moved on
        run_id = current_run_id(published_dir)
        if run_id is None:
            break
        path = published_dir.resolve() / run_id
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except ValueError as error:
            raise PublishError(f"{path / MANIFEST} is not JSON ({error}): the snapshot is not intact") from error
        if not isinstance(manifest, dict) or manifest.get("run_id") != run_id:
            found = manifest.get("run_id") if isinstance(manifest, dict) else None
            raise PublishError(f"{path / MANIFEST} names run {found!r}, not {run_id!r}: the snapshot is not intact")
        return PublishedSnapshot(run_id=run_id, path=path, manifest=manifest)
    where = f"`current` points at {run_id}, which has no {MANIFEST}" if run_id else "nothing is published yet"
    raise NothingPublishedError(f"{where} in {published_dir}: run the build (dbt, the gate, then publish) first")


# Building a snapshot ------------------------------------------------------------------------------


def _copy_marts(build_db_path: Path, target_dir: Path) -> dict[str, Any]:
    """Copy every table of schema marts into ``target_dir/marts.duckdb`` (schema main) and one Parquet
    file per table; return the copy's fingerprint, row counts and columns."""
    if not build_db_path.exists():
        raise PublishError(f"no build database at {build_db_path}")
    parquet_dir = target_dir / PARQUET_DIR
    parquet_dir.mkdir()
    with closing(duckdb.connect(str(target_dir / MARTS_DB))) as con:
        try:
            con.execute(f"attach {_sql_string(str(build_db_path))} as build (read_only)")
        except duckdb.Error as error:
            raise PublishError(
                f"cannot open {build_db_path} read-only ({error}); is dbt (the only writer) still running?"
            ) from error
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'build' and table_schema = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if TABLE not in tables:
            raise PublishError(f"{MARTS_SCHEMA}.{TABLE} is missing from {build_db_path}")
        for name in tables:
            if not _TABLE_NAME.match(name):
                raise PublishError(f"refusing to publish a table with an unusual name: {name!r}")
            con.execute(
                f"create table main.{_quote(name)} as "  # noqa: S608 - names come from the catalog
                f"select * from build.{_quote(MARTS_SCHEMA)}.{_quote(name)}"
            )
        con.execute("detach build")
        catalog = con.execute("select current_database()").fetchone()[0]
        fingerprint = marts_fingerprint(con, catalog, "main")
        columns: dict[str, list[dict[str, str]]] = {}
        for name in tables:
            parquet = parquet_dir / f"{name}.parquet"
            con.execute(f"copy main.{_quote(name)} to {_sql_string(str(parquet))} (format parquet, compression zstd)")
            columns[name] = [
                {"name": column, "type": data_type}
                for column, data_type in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_catalog = ? and table_schema = 'main' and table_name = ? "
                    "order by ordinal_position",
                    [catalog, name],
                ).fetchall()
            ]
        con.execute("checkpoint")
    return {"fingerprint": fingerprint, "columns": columns}


def _check_fingerprint(gate_result: GateResult, copied: dict[str, dict[str, Any]]) -> None:
    validated = gate_result.marts_fingerprint
    if not validated:
        raise PublishError("the gate result records no fingerprint of what it validated; run the gate (validate_marts)")
    if validated != copied:
        changed = sorted(name for name in set(validated) | set(copied) if validated.get(name) != copied.get(name))
        raise PublishError(
            f"build.duckdb changed after the gate validated it (tables {', '.join(changed)} differ): "
            "run the gate again before publishing"
        )


def _manifest(
    settings: Settings, run_id: str, gate_result: GateResult, snapshot_dir: Path, copied: dict[str, Any]
) -> dict[str, Any]:
    version, version_source = code_version(settings.root)
    files = {
        str(path.relative_to(snapshot_dir)): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(snapshot_dir.rglob("*"))
        if path.is_file()
    }
    return {
        "run_id": run_id,
        "published_at": dt.datetime.now(dt.UTC).isoformat(),
        "code_version": version,
        "code_version_source": version_source,
        "row_counts": {name: entry["rows"] for name, entry in copied["fingerprint"].items()},
        "columns": {TABLE: copied["columns"][TABLE]},
        "tables": {
            name: {
                "rows": entry["rows"],
                "parquet": f"{PARQUET_DIR}/{name}.parquet",
                "columns": copied["columns"][name],
            }
            for name, entry in copied["fingerprint"].items()
        },
        "validation": {
            "success": gate_result.success,
            "run_id": gate_result.run_id,
            "checked_at": gate_result.checked_at,
            "rows": gate_result.rows,
            "statistics": gate_result.statistics,
            "failures": len(gate_result.failures),
            "data_docs_index": gate_result.data_docs_index,
            "marts_fingerprint": gate_result.marts_fingerprint,
        },
        "files": files,
    }


def build_snapshot(settings: Settings, run_id: str, gate_result: GateResult, target_dir: Path) -> dict:
    """Write marts.duckdb, the Parquet files and manifest.json into ``target_dir``; return the manifest."""
    copied = _copy_marts(settings.build_db_path, target_dir)
    _check_fingerprint(gate_result, copied["fingerprint"])
    from publish.kolada_export import snapshot_export  # the region's figures in Kolada's shape (docs/kolada.md)

    kolada_export = snapshot_export(target_dir)  # before the manifest, so its file list and sha256 include it
    manifest = _manifest(settings, run_id, gate_result, target_dir, copied)
    manifest["kolada_export"] = kolada_export
    _write_manifest(target_dir, manifest)
    return manifest


def _write_manifest(target_dir: Path, manifest: dict[str, Any]) -> None:
    with open(target_dir / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")


def _point_current(published_dir: Path, run_id: str | None) -> None:
    """Atomically make `current` point at ``run_id`` (relative link), or remove it when None."""
    link = published_dir / CURRENT
    if run_id is None:
        link.unlink(missing_ok=True)
    else:
        tmp_link = published_dir / f".{CURRENT}.tmp"
        tmp_link.unlink(missing_ok=True)
        os.symlink(run_id, tmp_link)
        os.replace(tmp_link, link)
    _fsync_dir(published_dir)


def _write_current_json(published_dir: Path, run_id: str, snapshot_dir: Path, published_at: str) -> None:
    write_json_atomically(
        published_dir / CURRENT_JSON,
        {"run_id": run_id, "path": str(snapshot_dir), "published_at": published_at},
    )


def _remove_stale_temp_dirs(published_dir: Path) -> None:
    """Temp dirs left by a publisher that died (we hold the lock, so none is in use)."""
    for path in published_dir.glob(f"{TMP_PREFIX}*"):
        if path.is_dir() and not path.is_symlink():
            log.warning("removing %s left by an interrupted publish", path)
            shutil.rmtree(path, ignore_errors=True)


# Entry points -------------------------------------------------------------------------------------


def publish(settings: Settings, run_id: str, gate_result: GateResult) -> PublishedSnapshot:
    """Publish the marts of ``settings.build_db_path`` as snapshot ``run_id`` and make it current.

    Refuses unless ``gate_result`` is a successful gate result for the same run whose fingerprint
    matches what is copied. Publishing a run id twice is an error. Afterwards prunes old snapshots
    (:func:`prune_snapshots`): keeps the newest ``REGIONKPI_KEEP_SNAPSHOTS`` (default 10), the current
    one, and every one replaced less than ``REGIONKPI_SNAPSHOT_GRACE_SECONDS`` (default 3600) ago.
    """
    if gate_result is None or not gate_result.success:
        failed = len(gate_result.failures) if gate_result is not None else "?"
        raise PublishError(
            f"refusing to publish run {run_id}: the gate did not pass ({failed} failed rules); "
            "the previously published snapshot stays current"
        )
    if gate_result.run_id != run_id:
        raise PublishError(f"refusing to publish run {run_id} with the gate result of run {gate_result.run_id}")
    if not _RUN_ID.match(run_id) or run_id in {CURRENT, CURRENT_JSON}:
        raise PublishError(
            f"run id {run_id!r} cannot name a snapshot directory "
            "(letters, digits and . _ : + - only, not starting with a dot)"
        )
    keep = keep_snapshots()
    grace = snapshot_grace_seconds()
    published_dir = settings.published_dir
    published_dir.mkdir(parents=True, exist_ok=True)

    with _publish_lock(published_dir):
        _remove_stale_temp_dirs(published_dir)
        _finish_switch(published_dir)
        final = published_dir / run_id
        if _never_current(published_dir, final):
            # a publisher killed between the rename and the switch: the snapshot never was current
            # and nobody can have resolved it; it is built again from the build and the gate result
            log.warning("%s: left by a publish that stopped before it became current; publishing again", final)
            shutil.rmtree(final)
        if final.exists() or final.is_symlink():
            raise PublishError(
                f"run {run_id} is already published at {final}; a published snapshot is never "
                "overwritten: publish under a new run id"
            )
        previous = current_run_id(published_dir)
        current_json = published_dir / CURRENT_JSON
        previous_json = current_json.read_bytes() if current_json.exists() else None
        tmp = published_dir / f"{TMP_PREFIX}{run_id}"
        renamed = switched = False
        try:
            tmp.mkdir()
            manifest = build_snapshot(settings, run_id, gate_result, tmp)
            _fsync_tree(tmp)
            os.rename(tmp, final)
            renamed = True
            _fsync_dir(published_dir)
            switched = True  # set first: a failure inside the swap must still restore `current`
            # current.json first, then the link: a kill between the two leaves both naming whole
            # snapshots, current.json the newer, and the next publish finishes the switch
            _write_current_json(published_dir, run_id, final, manifest["published_at"])
            _point_current(published_dir, run_id)
        except BaseException as error:
            _roll_back(published_dir, tmp, final if renamed else None, switched, previous, previous_json)
            if isinstance(error, PublishError) or not isinstance(error, Exception):
                raise
            raise PublishError(
                f"publishing run {run_id} failed ({type(error).__name__}: {error}); "
                f"current still serves {previous or 'nothing'}"
            ) from error

        try:
            pruned = prune_snapshots(settings, keep, grace)
        except OSError as error:  # the new snapshot is served; a failed clean-up must not undo that
            log.warning("could not prune old snapshots: %s", error)
            pruned = []
    log.info("published run %s at %s", run_id, final)
    return PublishedSnapshot(run_id=run_id, path=final, manifest=manifest, pruned=pruned)


def _roll_back(
    published_dir: Path,
    tmp: Path,
    final: Path | None,
    switched: bool,
    previous: str | None,
    previous_json: bytes | None,
) -> None:
    """Undo a failed publish: `current` and current.json as before, no temp or half-published dir."""
    if switched:
        try:
            _point_current(published_dir, previous)
            current_json = published_dir / CURRENT_JSON
            if previous_json is None:
                current_json.unlink(missing_ok=True)
            else:
                replace_atomically(current_json, lambda temporary: temporary.write_bytes(previous_json))
        except OSError:
            log.exception("could not restore %s to %s", published_dir / CURRENT, previous)
    if final is not None:
        shutil.rmtree(final, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)


def _json_run_id(published_dir: Path) -> str | None:
    try:
        return json.loads((published_dir / CURRENT_JSON).read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None


def _finish_switch(published_dir: Path) -> None:
    """A publish killed between writing current.json and moving the link left current.json naming
    the newer, whole snapshot: point the link there too."""
    named, linked = _json_run_id(published_dir), current_run_id(published_dir)
    if not named or named == linked or not (published_dir / named / MANIFEST).is_file():
        return
    if linked is None or _published_at(published_dir / named)[0] > _published_at(published_dir / linked)[0]:
        log.warning("current.json names %s but current points at %s: finishing that switch", named, linked)
        _point_current(published_dir, named)


def _never_current(published_dir: Path, snapshot: Path) -> bool:
    """Whether ``snapshot`` was renamed into place but never made current: neither the link nor
    current.json names it, and it is newer than the current one (a later publish replaces; an earlier
    one was replaced)."""
    if snapshot.is_symlink() or not snapshot.is_dir():
        return False
    current = current_run_id(published_dir)
    if snapshot.name in (current, _json_run_id(published_dir)):
        return False
    if current is None or not (published_dir / current).is_dir():
        return True
    return _published_at(snapshot)[0] > _published_at(published_dir / current)[0]


def _published_at(snapshot: Path) -> tuple[dt.datetime, float]:
    """Sort key: the manifest's publication time (microseconds), then the directory's mtime."""
    mtime = snapshot.stat().st_mtime
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(manifest["published_at"]), mtime
    except (OSError, ValueError, KeyError, TypeError):
        return dt.datetime.fromtimestamp(mtime, dt.UTC), mtime


def list_snapshots(settings: Settings) -> list[Path]:
    """Published snapshot directories, newest first."""
    published_dir = settings.published_dir
    if not published_dir.is_dir():
        return []
    snapshots = [
        path
        for path in published_dir.iterdir()
        if path.is_dir() and not path.is_symlink() and not path.name.startswith(".") and (path / MANIFEST).is_file()
    ]
    return sorted(snapshots, key=_published_at, reverse=True)


def prune_snapshots(
    settings: Settings, keep: int | None = None, grace_seconds: float | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Remove the snapshots beyond the ``keep`` newest that were replaced more than ``grace_seconds``
    ago (defaults from the environment), never the current one. Returns the run ids removed.

    A snapshot counts as replaced when the next newer one was published (its manifest's
    ``published_at``). The grace is what a reader that resolved a snapshot just before a publish can
    rely on (:func:`resolve_current`): its files stay readable for at least that long after the
    snapshot stopped being current, however many publishes follow (a backfill publishes many in a
    row). A reader with a removed snapshot's file open (DuckDB) keeps reading it in any case.
    """
    keep = keep_snapshots() if keep is None else keep
    grace_seconds = snapshot_grace_seconds() if grace_seconds is None else grace_seconds
    if keep < 1:
        raise ConfigurationError("at least one snapshot must be kept")
    if not grace_seconds >= 0:
        raise ConfigurationError("the grace period of a replaced snapshot cannot be negative")
    now = dt.datetime.now(dt.UTC) if now is None else now
    current = current_run_id(settings.published_dir)
    snapshots = [(path, _published_at(path)[0]) for path in list_snapshots(settings)]
    removed = []
    for index in range(keep, len(snapshots)):
        snapshot, replaced_at = snapshots[index][0], snapshots[index - 1][1]  # when the next newer came
        if snapshot.name == current or (now - replaced_at).total_seconds() < grace_seconds:
            continue
        shutil.rmtree(snapshot)
        removed.append(snapshot.name)
    if removed:
        log.info("pruned snapshots %s", ", ".join(removed))
    return removed
