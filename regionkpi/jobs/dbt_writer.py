"""``regionkpi-dbt``: dbt, run while holding the build's writer lock.

The build DAG's dbt tasks (Cosmos) run this instead of ``dbt``. It takes an exclusive ``flock`` on
``<warehouse>/.building/dbt_writer.lock``, keeps it across ``exec`` and becomes dbt: whichever
task runs dbt (the producer's one ``dbt build``, or a node task that runs its own node on a retry or
when the producer left it no result), on whichever worker sharing the warehouse volume, only one dbt
writes ``build.duckdb`` at a time, and a second waits rather than fails on DuckDB's file lock. The
lock goes with the dbt process: nothing is left locked by a kill.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

LOCK_NAME = "dbt_writer.lock"


def lock_path() -> Path:
    from regionkpi.settings import load_settings

    return load_settings().build_next_path.parent / LOCK_NAME


def main() -> None:
    from regionkpi.jobs.pipeline import dbt_executable

    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # waits for another dbt writer to finish
    os.set_inheritable(fd, True)  # held by dbt itself after the exec, released when it exits
    executable = dbt_executable()
    os.execvp(executable, [executable, *sys.argv[1:]])  # noqa: S606 - becomes dbt itself, no shell, no user input in the path


if __name__ == "__main__":
    main()
