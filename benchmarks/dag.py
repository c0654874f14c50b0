"""The build DAG through Airflow beside one plain ``dbt build`` of the same project on the same data.

:func:`setup` prepares a root the way ``make demo`` does before its build (the sample extracts of
every source ingested, the Kolada sample loaded, the manifest parsed, an embedded Airflow with the
pools), but ingests through the pipeline rather than the ingest DAGs, which are not measured here.
:func:`plain_build` then times ``dbt build`` and :func:`airflow_build` times ``airflow dags test
build_kpi_marts``; both start from an empty ``build.duckdb``, so each builds every model in full.

The DAG's time is split by its task log: the dbt part (Cosmos' producer, which runs the one ``dbt
build``, and one watcher task per node) and the steps that follow it (GX gate, publish, reports,
dbt docs), which a plain ``dbt build`` does not do.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.measure import DescendantPeak, vm_hwm_mb
from benchmarks.ours import fresh_settings, settings

DAG_ID = "build_kpi_marts"
_TASK_EVENT = re.compile(r"^(\S+Z) .*\[DAG TEST\] (starting|end)(?: task)? task_id=(\S+)")


def setup(root: str) -> dict:
    """A root holding what the demo holds when its build DAG starts (not measured)."""
    from ingest.kolada.load import SAMPLE_PATH, load_file
    from regionkpi.jobs import demo, pipeline
    from samples import write_sample

    root_settings = fresh_settings(root)
    write_sample(root_settings.landing_dir)
    report = pipeline.ingest(root_settings)
    load_file(root_settings, SAMPLE_PATH)
    pipeline.manifest(root_settings)
    demo.airflow(root_settings, "db", "migrate", log_name="airflow_db_migrate")
    demo.import_pools(root_settings)
    loaded = [d for d in report.deliveries if d.status == "loaded"]
    return {"sample_files": len(report.deliveries), "sample_rows": sum(d.rows or 0 for d in loaded)}


def _empty_build(root: str) -> None:
    path = settings(root).build_db_path
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)


def plain_build(root: str) -> dict:
    """One ``dbt build`` of the whole project (seeds, models, tests), as a person would run it."""
    from regionkpi.jobs.pipeline import run_dbt

    _empty_build(root)
    with DescendantPeak() as dbt:
        started = time.perf_counter()
        run_dbt(settings(root), "build")
        done = time.perf_counter()
    return {"work_s": done - started, "peak_mb": dbt.peak_mb, "wrapper_peak_mb": vm_hwm_mb()}


def task_spans(log_text: str) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """task id -> (start, end) from the ``[DAG TEST]`` lines of an ``airflow dags test`` log."""
    starts: dict[str, dt.datetime] = {}
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for line in log_text.splitlines():
        found = _TASK_EVENT.match(line)
        if not found:
            continue
        stamp, event, task_id = found.groups()
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if event == "starting":
            starts[task_id] = moment
        elif task_id in starts:
            spans[task_id] = (starts[task_id], moment)
    return spans


def airflow_build(root: str) -> dict:
    """``airflow dags test build_kpi_marts``: the whole DAG, and its dbt part from the task log."""
    from regionkpi.jobs import demo

    _empty_build(root)
    root_settings = settings(root)
    log_path = root_settings.warehouse_dir / "logs" / "bench_build_dag.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    command = [str(Path(sys.executable).with_name("airflow")), "dags", "test", DAG_ID, today]
    with DescendantPeak() as process, log_path.open("w", encoding="utf-8") as log:
        started = time.perf_counter()
        env = {**demo.airflow_env(root_settings), "REGIONKPI_PSEUDONYM_KEY": root_settings.pseudonym_key or ""}
        completed = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
        done = time.perf_counter()
    text = log_path.read_text(encoding="utf-8", errors="replace")
    if completed.returncode != 0 or "state=failed" in text:
        raise SystemExit(f"the build DAG failed (exit {completed.returncode}); log {log_path}")
    spans = task_spans(text)
    dbt_tasks = [span for task_id, span in spans.items() if task_id.startswith("dbt_build.")]
    if not dbt_tasks:
        raise SystemExit(f"no dbt_build task in {log_path}")
    dbt_part = max(end for _, end in dbt_tasks) - min(start for start, _ in dbt_tasks)
    after = {
        task_id: round((end - start).total_seconds(), 2)
        for task_id, (start, end) in spans.items()
        if not task_id.startswith("dbt_build.")
    }
    return {
        "work_s": done - started,
        "dbt_part_s": dbt_part.total_seconds(),
        # the producer, its gate task (``..._done``) and one watcher task per dbt node
        "watcher_tasks": sum(
            1 for task_id in spans if task_id.startswith("dbt_build.") and "dbt_producer_watcher" not in task_id
        ),
        "other_tasks_s": after,
        "peak_mb": process.peak_mb,
    }
