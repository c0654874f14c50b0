"""
### ingest_goals

Picks up every new file of the goal follow-up's sources, the registry's sources in `ingest/goals/`
(`landing/<source>/<region_id>/`), plus any new organisation extract they depend on. Among them
(all of them, in the order to deliver them: `docs/onboarding.md`):

- the region's **own indicators** (mätetal: name, unit, decimals, direction, kind, frequency), loaded
  before the files that name them, `docs/extracts/goal_indicators.md`;
- **targets** (målvärden) per unit, indicator and year, with the comparison (at most, at least,
  increase by x %, ...) and the region's tolerance band for "delvis uppfyllt",
  `docs/extracts/goal_targets.md`;
- the **goal structure** (perspektiv / mål / framgångsfaktor with the indicators under each goal and
  the unit that reports them), `docs/extracts/goal_structure.md`;
- **reported values**: indicator values no source system computes (surveys such as NKI, Öppna
  jämförelser, counts units report), `docs/extracts/goal_reported_values.md`.

Each file is checked against its contract (Great Expectations); a broken file goes to `quarantine/`
with a report naming file, line, column and rule. When anything new was loaded the `raw_goals` asset
is updated, which triggers `build_kpi_marts` (goal fulfilment is judged there, after the KPIs).

Runs monthly and can be triggered by hand after a delivery.
The same step without Airflow: `regionkpi ingest --source goal_targets ...`.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import DEFAULT_ARGS, INGEST_POOL, RAW_GOALS, START_DATE

log = logging.getLogger(__name__)

with DAG(
    dag_id="ingest_goals",
    schedule="@monthly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "goals"],
    doc_md=__doc__,
):

    @task(outlets=[RAW_GOALS], pool=INGEST_POOL)
    def ingest_landing() -> dict[str, int]:
        """Ingest targets, goal structures and reported values; skip downstream when nothing is new."""
        from regionkpi.jobs.orchestration import ingest_domain

        return ingest_domain("goals", log)

    ingest_landing()
