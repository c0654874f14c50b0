"""
### ingest_hr_sick_leave

Picks up every new file in `landing/organisation/<region_id>/` and `landing/hr_sick_leave/<region_id>/`
(payroll sick-leave extracts, contract in `docs/extracts/hr_sick_leave.md`), checks each against its
extract contract (Great Expectations), pseudonymises personal identifiers and writes the raw layer.

- A file that breaks its contract goes to `quarantine/` with a report (file, line, column, rule).
- A file delivered before is recorded as a duplicate and changes nothing.
- When anything new was loaded the `raw_hr` asset is updated, which triggers `build_kpi_marts`;
  otherwise the task is skipped and nothing downstream runs.

Runs monthly (payroll closes monthly) and can be triggered by hand after a delivery.
The same step without Airflow: `regionkpi ingest --source hr_sick_leave`.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import DEFAULT_ARGS, INGEST_POOL, RAW_HR, START_DATE

log = logging.getLogger(__name__)

with DAG(
    dag_id="ingest_hr_sick_leave",
    schedule="@monthly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "hr"],
    doc_md=__doc__,
):

    @task(outlets=[RAW_HR], pool=INGEST_POOL)
    def ingest_landing() -> dict[str, int]:
        """Ingest organisation and sick-leave files from landing; skip downstream when nothing is new."""
        from regionkpi.jobs.orchestration import ingest_domain

        return ingest_domain("hr", log)

    ingest_landing()
