"""Temporary files the ingest writes beside their target, and the sweep that removes those a kill left.

Every file ingest writes into the warehouse (a raw delivery's Parquet, an empty schema file, a Kolada
snapshot) is written under a temporary name in the target's folder, fsynced, and renamed into place:
a reader sees the whole file or none. A process killed on the way (SIGKILL, power loss) leaves its
temporary file behind. The name says who wrote it, ``.<target>.<host>.<pid>.<random>.tmp``, so
the next ingest removes exactly those whose writer is gone: written on this host by a process that
no longer runs, or older than :data:`STALE_AFTER_S` whatever wrote them (another host's, a name
from before this scheme, or a writer whose process id was reused). A file another running ingest
is writing is never touched.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

#: A temporary file whose writer cannot be asked (another host, an old name) is stale after this.
STALE_AFTER_S = 6 * 3600
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_TEMP = re.compile(r"^\..+\.tmp$")
_OWNED = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9-]{1,40})\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def temporary_for(target: Path) -> Path:
    """A temporary name in ``target``'s folder that names this host and process."""
    return target.with_name(f".{target.name}.{_HOST}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


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
