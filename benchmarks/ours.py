"""Our pipeline's steps as measured steps: ingest (``regionkpi.jobs.pipeline.ingest``) and build (dbt).

Each benchmark gets a settings root of its own under the work directory (landing, warehouse,
quarantine, archive), so a run never touches the repository's warehouse. The functions that take
``root`` run in a measured child (:mod:`benchmarks.child`); :func:`land` runs in the parent.
Heavy imports stay inside the functions.
"""

from __future__ import annotations

import importlib
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.measure import DescendantPeak, vm_hwm_mb

if TYPE_CHECKING:
    from regionkpi.settings import Settings

REGION = "0006"
#: What the environment may still tell the settings; the folders always come from the root.
PASSED_THROUGH = {"REGIONKPI_DUCKDB_MEMORY_LIMIT", "REGIONKPI_INGEST_MEMORY_LIMIT", "REGIONKPI_DBT_THREADS"}
DEFAULT_DBT_THREADS = "4"  # dbt_project/profiles.yml


def settings(root: str | Path) -> Settings:
    from regionkpi.settings import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIONKPI_") or k in PASSED_THROUGH}
    env.update(REGIONKPI_ROOT=str(root), REGIONKPI_PSEUDONYM_KEY="bench-key")
    return load_settings(env)


def fresh_settings(root: str | Path) -> Settings:
    shutil.rmtree(root, ignore_errors=True)
    return settings(root)


def land(root: Path, source: str, files: list[Path]) -> None:
    """Deliver files into the root's landing folder as copies (ingest moves them away, the originals
    stay; landing refuses hard links, whose content could change through their other name)."""
    target_dir = root / "landing" / source / REGION
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, target_dir / path.name)  # keeps the mtime: landing ingests oldest first


def seed(settings: Settings) -> dict:
    """Load dbt's seeds (part of setting up a root, not measured); the build's memory settings."""
    import duckdb

    from regionkpi.jobs.pipeline import run_dbt

    run_dbt(settings, "seed")
    return {
        "dbt_memory_limit": settings.duckdb_memory_limit,
        "ingest_memory_limit": settings.ingest_memory_limit,
        "dbt_threads": os.environ.get("REGIONKPI_DBT_THREADS", DEFAULT_DBT_THREADS),
        "duckdb_version": duckdb.__version__,
    }


def _gx_timing() -> dict:
    """What ``ingest.gxcheck.TIMING`` recorded in this process: GX's import wait and validation."""
    from ingest.gxcheck import TIMING

    return {
        "import_wait_s": TIMING.import_wait_s,
        "validate_s": TIMING.validate_s,
        "total_s": TIMING.total_s,
        "files": TIMING.files,
    }


def ingest(root: str, source: str, expected_rows: int) -> dict:
    """Our ingest of every file waiting in landing for ``source``; stops unless every row is loaded."""
    started = time.perf_counter()
    importlib.import_module("ingest.landing")  # before the work clock starts, as in a running worker
    from regionkpi.jobs.pipeline import ingest as ingest_step

    imported = time.perf_counter()
    report = ingest_step(settings(root), sources=[source])
    work_s = time.perf_counter() - imported
    deliveries = [d for d in report.deliveries if d.source == source]
    rows = sum(d.rows or 0 for d in deliveries if d.status == "loaded")
    problems = [f"{d.file_name}: {d.status} ({d.reason})" for d in deliveries if d.status != "loaded"]
    if problems or rows != expected_rows:
        raise SystemExit(f"ingest loaded {rows:,} of {expected_rows:,} rows; " + "; ".join(problems[:5]))
    return {
        "import_s": imported - started,
        "work_s": work_s,
        "files": len(deliveries),
        "rows": rows,
        "gx": _gx_timing(),
    }


def build(root: str, select: str, command: str = "run", full_refresh: bool = False) -> dict:
    """Our build: ``dbt <command> --select <select>`` (dbt in a subprocess; its peak is the step's)."""
    from regionkpi.jobs.pipeline import run_dbt

    root_settings = settings(root)
    with DescendantPeak() as dbt:
        started = time.perf_counter()
        run_dbt(root_settings, command, "--select", select, *(["--full-refresh"] if full_refresh else []))
        done = time.perf_counter()
    # before dbt's process appears: run_dbt's own preparation (ensure_raw_schemas and what it imports)
    before_dbt_s = dbt.first_seen - started if dbt.first_seen is not None else None
    return {
        "work_s": done - started,
        "before_dbt_s": before_dbt_s,
        "dbt_s": done - dbt.first_seen if dbt.first_seen is not None else None,
        "peak_mb": dbt.peak_mb,
        "wrapper_peak_mb": vm_hwm_mb(),
    }


def dbt_command_line(select: str, command: str, full_refresh: bool = False) -> str:
    return f"dbt {command} --select {select}" + (" --full-refresh" if full_refresh else "")
