"""
### ingest_ridership

Picks up every new file of the public-transport sources, the registry's sources in `ingest/ridership/`
(`landing/<source>/<region_id>/`), and writes the raw layer:

- **GTFS** static feeds (zip as published; the union of delivered feeds is the reference for lines,
  stops and trips), `docs/extracts/ridership_gtfs.md`;
- **boardings** from the ticketing system (one row per validation) or counters (one row per stop
  visit), `docs/extracts/ridership_boardings.md`. Large: about 22 million validations a year for a
  region like Jönköpings län, streamed chunk by chunk (a Windows-1252 file is transcoded per chunk,
  never read whole);
- **service trips** (serviceresor), **production** (vehicle-km) and **population**
  (`docs/extracts/ridership_*.md`, `population.md`).

A file names its period (a day, a month or a year) in its file name; daily and monthly deliveries
both work, and a later delivery of a period replaces it. Each file is checked against its extract
contract (Great Expectations: unknown line or stop against GTFS, negative counts, dates outside the
delivery's period, duplicates); a broken file goes to `quarantine/` with a report naming file, line,
column and rule, and nothing of it is loaded. A file delivered before is recorded as a duplicate.
When anything new was loaded the `raw_ridership` asset is updated, which triggers `build_kpi_marts`
(the boardings fact is incremental: only the delivered days are rebuilt); otherwise the task is skipped.

Runs daily (ticketing systems deliver every night) and can be triggered by hand after a delivery.
The same step without Airflow: `regionkpi ingest --source ridership_boardings ...`.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import DEFAULT_ARGS, INGEST_POOL, RAW_RIDERSHIP, START_DATE

log = logging.getLogger(__name__)

with DAG(
    dag_id="ingest_ridership",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "ridership"],
    doc_md=__doc__,
):

    @task(outlets=[RAW_RIDERSHIP], pool=INGEST_POOL)
    def ingest_landing() -> dict[str, int]:
        """Ingest GTFS, boardings, service trips, production and population; skip downstream when nothing is new."""
        from regionkpi.jobs.orchestration import ingest_domain

        return ingest_domain("ridership", log)

    ingest_landing()
