"""``python -m regionkpi.jobs.dag_test LOGICAL_DATE DAG_ID...``: ``airflow dags test`` of several DAGs in one process.

Each DAG runs exactly as ``airflow dags test DAG_ID LOGICAL_DATE`` runs it (Airflow's own CLI parser
and command; its tasks run in this process, one at a time), one DAG after the other. What one
``airflow`` process per DAG would pay each time is paid once: Airflow's import, its in-process
execution API, and GX's import in the first task that validates. The demo runs its four ingest
DAGs so (about 20 s less than four processes on 2 cores).

After each DAG a line ``regionkpi-dag-test: <dag_id> <success|failed> <seconds>`` goes to stdout, so
a caller can follow progress in the log stream. The first failed DAG ends the run with exit status 1;
the DAGs after it do not run.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback

MARKER = "regionkpi-dag-test:"


def run(logical_date: str, dag_ids: list[str]) -> int:
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()
    parser = cli_parser.get_parser()
    for dag_id in dag_ids:
        started = time.monotonic()
        args = parser.parse_args(["dags", "test", dag_id, logical_date])
        state = "success"
        try:
            args.func(args)
        except SystemExit as stop:  # `airflow dags test` exits with "DagRun failed"
            if stop.code not in (None, 0):
                print(f"{dag_id}: {stop.code}", file=sys.stderr, flush=True)
                state = "failed"
        except Exception:  # reported with its traceback, then the run stops
            traceback.print_exc()
            state = "failed"
        print(f"{MARKER} {dag_id} {state} {time.monotonic() - started:.1f}", flush=True)
        if state != "success":
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regionkpi.jobs.dag_test", description=__doc__.split("\n\n")[0])
    parser.add_argument("logical_date", help="the DAG runs' logical date (YYYY-MM-DD)")
    parser.add_argument("dag_ids", nargs="+", metavar="DAG_ID", help="DAGs to run, in this order")
    args = parser.parse_args(argv)
    return run(args.logical_date, args.dag_ids)


if __name__ == "__main__":
    sys.exit(main())
