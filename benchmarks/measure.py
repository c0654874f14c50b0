"""Measuring one step in a process of its own: wall time, peak resident memory, and what it reports.

Every measurement is a fresh interpreter (``python -m benchmarks.child``) started from a parent that
imports nothing heavy, so its peak RSS is its own: the child's high-water mark ``VmHWM`` read from
``/proc`` before it exits (``ru_maxrss`` from ``os.wait4`` where ``/proc`` is missing; on Linux that also
counts the parent's peak at the fork, because exec keeps the mark). A step that runs a program of its
own (our build runs dbt) polls its descendants' ``VmHWM`` with :class:`DescendantPeak` and reports the
highest one as the step's peak.

This module imports only the standard library: the parent and every child import it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
TELEMETRY_OFF = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "false"}
MIB = 1024 * 1024


class StepFailed(RuntimeError):
    """A measured step exited with an error; the message ends with the tail of its log.

    ``reason`` is the log's last line naming an error (dbt's or Python's), for a one-line report.
    """

    def __init__(self, message: str, reason: str, wall_s: float) -> None:
        super().__init__(message)
        self.reason = reason
        self.wall_s = wall_s


@dataclass
class Measured:
    """One step: wall time of its whole process, its peak RSS, and what the step itself reported."""

    wall_s: float
    peak_mb: float
    data: dict = field(default_factory=dict)

    @property
    def work_s(self) -> float | None:
        """The step's own work, timed inside the process after its imports (None when not reported)."""
        return self.data.get("work_s")


def total(*steps: Measured) -> Measured:
    """Steps run one after the other: their wall times add up, the peak is the highest of them."""
    works = [step.work_s for step in steps]
    work = sum(w for w in works if w is not None) if all(w is not None for w in works) else None
    return Measured(sum(s.wall_s for s in steps), max(s.peak_mb for s in steps), {"work_s": work})


def duckdb_settings(connection: duckdb.DuckDBPyConnection) -> dict:
    """What a DuckDB connection runs with (``memory_limit``, ``threads``): DuckDB alone's defaults."""
    memory_limit, threads = connection.execute(
        "select current_setting('memory_limit'), current_setting('threads')"
    ).fetchall()[0]
    return {"memory_limit": memory_limit, "threads": threads}


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident set (``VmHWM``) in MiB, or None where ``/proc`` cannot tell."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry.name)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class DescendantPeak(threading.Thread):
    """Polls the ``VmHWM`` of this process's descendants while it runs; the highest is their peak.

    The high-water mark only grows, so a poll every few tens of milliseconds misses at most what a
    process adds just before it exits. Use as a context manager around the step; ``peak_mb`` after.
    """

    def __init__(self, interval_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peak_mb: float | None = None
        #: ``time.perf_counter()`` when a descendant was first seen (None: never)
        self.first_seen: float | None = None
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval_s):
            descendants = _descendants(os.getpid())
            if descendants and self.first_seen is None:
                self.first_seen = time.perf_counter()
            for pid in descendants:
                peak = vm_hwm_mb(pid)
                if peak is not None and (self.peak_mb is None or peak > self.peak_mb):
                    self.peak_mb = peak

    def __enter__(self) -> DescendantPeak:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self.join()


class Runner:
    """Starts measured steps, each in a fresh interpreter, with its output in a log file of its own."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.count = 0
        log_dir.mkdir(parents=True, exist_ok=True)

    def run(self, target: str, **kwargs: object) -> Measured:
        """Run ``module:function`` (in ``benchmarks``) with JSON-able ``kwargs`` in a child process.

        The function returns a dict; ``work_s`` in it is the work timed after the imports and
        ``peak_mb`` (optional) the peak of a program it ran, which then stands for the step's peak.
        """
        self.count += 1
        name = f"{self.count:03d}-{target.replace(':', '.')}"
        log_path = self.log_dir / f"{name}.log"
        result_path = self.log_dir / f"{name}.json"
        result_path.unlink(missing_ok=True)
        command = [sys.executable, "-m", "benchmarks.child", target, str(result_path), json.dumps(kwargs)]
        env = {**os.environ, **TELEMETRY_OFF, "PYTHONPATH": str(REPO_ROOT)}
        with log_path.open("wb") as log:
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
            _, status, usage = os.wait4(process.pid, 0)
            wall_s = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code or not result_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
            errors = [line.strip() for line in tail if "Error" in line and "Traceback" not in line]
            reason = errors[-1] if errors else f"exit {code}"
            message = f"{target} failed (exit {code}); log {log_path}, last lines:\n" + "\n".join(tail)
            raise StepFailed(message, reason, wall_s)
        data = json.loads(result_path.read_text())
        own = data.pop("own_peak_mb", None)
        peak = data.pop("peak_mb", None)
        if peak is None:
            peak = own if own is not None else usage.ru_maxrss / 1024  # KiB on Linux
        return Measured(wall_s=wall_s, peak_mb=peak, data=data)
