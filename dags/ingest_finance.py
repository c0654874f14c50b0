"""
### ingest_finance

Picks up every new file of the finance sources, the registry's sources in `ingest/finance/`
(`landing/<source>/<region_id>/`), plus any new organisation extract they depend on, and writes the
raw layer:

- **ledger** as the ERP exports it (CSV, `;`, decimal comma, Windows-1252 or UTF-8) or as a **SIE 4**
  file (codepage 437); contracts in `docs/extracts/finance_ledger.md` and `finance_sie4.md`. Large
  files are streamed chunk by chunk: a year of a large region's postings never sits in memory.
- **budget**, **forecast** (per vintage) and **investments** (`docs/extracts/finance_*.md`).

Each file is checked against its extract contract (Great Expectations); a broken file goes to
`quarantine/` with a report naming file, line, column and rule (an unbalanced SIE voucher is named),
and nothing of it is loaded. A file delivered before is recorded as a duplicate.
When anything new was loaded the `raw_finance` asset is updated, which triggers `build_kpi_marts`;
otherwise the task is skipped.

Runs monthly (the books close monthly) and can be triggered by hand after a delivery.
The same step without Airflow: `regionkpi ingest --source finance_ledger --source finance_budget ...`.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import DEFAULT_ARGS, INGEST_POOL, RAW_FINANCE, START_DATE

log = logging.getLogger(__name__)

with DAG(
    dag_id="ingest_finance",
    schedule="@monthly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "finance"],
    doc_md=__doc__,
):

    @task(outlets=[RAW_FINANCE], pool=INGEST_POOL)
    def ingest_landing() -> dict[str, int]:
        """Ingest ledger, budget, forecast and investment files; skip downstream when nothing is new."""
        from regionkpi.jobs.orchestration import ingest_domain

        return ingest_domain("finance", log)

    ingest_landing()
