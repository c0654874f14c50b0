"""Durable file writes, the one owner of "temporary file, fsync, rename": what a reader sees is the
old file or the whole new one, and what was renamed into place is on disk.

Every file the product writes into the warehouse (a raw delivery's Parquet, an empty schema file, a
Kolada snapshot, the gate's result, a snapshot's manifest, a report's PDF and workbook, the Kolada
export) goes through :func:`written_atomically` or :func:`replace_atomically`: it is written under a
temporary name in the target's folder, fsynced, renamed into place, and the folder fsynced. Whole
directories (a snapshot, a report set) are flushed with :func:`fsync_tree` before their rename.

A process killed on the way (SIGKILL, power loss) leaves its temporary file behind. The name says
who wrote it, ``.<target>.<host>.<pid>.<random>.tmp``, so the next ingest removes exactly those whose
writer is gone: written on this host by a process that no longer runs, or older than
:data:`STALE_AFTER_S` whatever wrote them (another host's, a name from before this scheme, or a
writer whose process id was reused). A file another running ingest is writing is never touched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

#: A temporary file whose writer cannot be asked (another host, an old name) is stale after this.
STALE_AFTER_S = 6 * 3600
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_TEMP = re.compile(r"^\..+\.tmp$")
_OWNED = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]{1,40})\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def temporary_for(target: Path) -> Path:
    """A temporary name in ``target``'s folder that names this host and process."""
    return target.with_name(f".{target.name}.{_HOST}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


T = TypeVar("T")


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (a rename inside it is durable only after this)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and directory under ``root`` (before the tree is renamed into place)."""
    for directory, _, files in os.walk(root):
        for name in files:
            fsync_file(Path(directory) / name)
        fsync_dir(Path(directory))


def move_into_place(written: Path, target: Path) -> None:
    """Rename a finished file over ``target`` durably: the file's bytes, then the rename."""
    fsync_file(written)
    os.replace(written, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def written_atomically(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write; on a clean exit it is moved into place durably.

    The writer may remove the temporary file to write nothing (``target`` is then left as it was).
    On any failure the temporary file is removed and ``target`` is untouched; a kill leaves a
    temporary file that names its writer, which :func:`sweep_stale_temporaries` removes later.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_for(target)
    try:
        yield temporary
        if temporary.exists():
            move_into_place(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def replace_atomically(path: Path, write: Callable[[Path], T]) -> T:
    """``write`` a temporary file beside ``path`` and move it over ``path`` (:func:`written_atomically`)."""
    with written_atomically(path) as temporary:
        return write(temporary)


def write_text_atomically(path: Path, text: str) -> None:
    replace_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8", newline="\n"))


def write_json_atomically(path: Path, data: Any) -> None:
    """``data`` as indented UTF-8 JSON (non-JSON values by ``str``), atomically."""
    write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def is_stale(path: Path, *, now: float | None = None) -> bool:
    """Whether ``path`` (a temporary file by its name) was left by a writer that is gone."""
    if not _TEMP.match(path.name):
        return False
    try:
        age = (now or time.time()) - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    owned = _OWNED.match(path.name)
    if owned and owned["host"] == _HOST and int(owned["pid"]) != os.getpid() and not _alive(int(owned["pid"])):
        return True
    return age > STALE_AFTER_S  # another host's, an old name's, or a reused process id's


def sweep_stale_temporaries(root: Path) -> list[Path]:
    """Remove the stale temporary files under ``root`` (never following links); the removed paths."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for directory, _, files in os.walk(root, followlinks=False):
        for name in files:
            path = Path(directory) / name
            if is_stale(path):
                try:
                    path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(path)
                log.warning("removed %s: a temporary file whose writer is gone (a crash or a kill)", path)
    return removed
