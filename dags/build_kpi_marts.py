"""
### build_kpi_marts

Runs whenever an ingest DAG has loaded new raw data (the `raw_hr`, `raw_finance`, `raw_ridership`,
`raw_goals` or `raw_kolada` asset):

0. **prepare_build**: a copy of `warehouse/build.duckdb` for the build to write (what an unfinished
   earlier build left is discarded).
1. **dbt_build**: the dbt project (staging, dimensions, facts, KPI marts) rendered by Cosmos from the
   pre-built manifest; each node is a `dbt build` of that node (model + its tests) in a subprocess, in
   the one-slot pool `dbt_duckdb_writer`, because dbt is the only writer of `warehouse/build.duckdb`.
   **commit_build**: when every node succeeded, the copy replaces `build.duckdb` (one rename: the
   gate, publish and anyone else see the old database or the new one, never half a build).
2. **validate_marts**: the Great Expectations gate on the marts (read-only). A broken rule fails the
   run; nothing is published and the previous published version stays current.
3. **publish_marts**: an atomic, versioned snapshot in `warehouse/published/<run_id>/` and the
   `current` pointer BI tools read; updates the `published_marts` asset.
4. **render_reports**: the follow-up reports (uppföljningsrapporter), one self-contained HTML file per
   region × organisation × period (tertial, delår, år), from the snapshot just published, into
   `warehouse/reports/` (docs/report.md).
5. **generate_docs**: dbt docs as one static HTML file.

The same steps without Airflow: `regionkpi build && regionkpi publish && regionkpi report && regionkpi docs`.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, task

from regionkpi.jobs.orchestration import (
    DEFAULT_ARGS,
    PUBLISHED_MARTS,
    RAW_FINANCE,
    RAW_GOALS,
    RAW_HR,
    RAW_KOLADA,
    RAW_RIDERSHIP,
    START_DATE,
    cosmos_build_group,
)

log = logging.getLogger(__name__)

with DAG(
    dag_id="build_kpi_marts",
    schedule=(RAW_HR | RAW_FINANCE | RAW_RIDERSHIP | RAW_GOALS | RAW_KOLADA),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["build", "dbt", "gx", "publish"],
    doc_md=__doc__,
):

    @task(pool="dbt_duckdb_writer")
    def prepare_build() -> str:
        """Copy build.duckdb for the build to write (an earlier, unfinished build's copy is discarded)."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        return str(pipeline.prepare_build(settings()))

    @task(pool="dbt_duckdb_writer")
    def commit_build() -> str:
        """The whole build succeeded: its copy replaces build.duckdb (readers see the old or the new)."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        return str(pipeline.commit_build(settings()))

    dbt_build = cosmos_build_group()

    @task
    def validate_marts(run_id: str | None = None) -> str:
        """GX gate on the marts; raises (failing the run) when any rule is broken."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        result = pipeline.validate(settings(), run_id or "", echo=log.info)
        return str(result.data_docs_index)

    @task(outlets=[PUBLISHED_MARTS])
    def publish_marts(run_id: str | None = None) -> str:
        """Publish the validated marts atomically and move the `current` pointer."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        return str(pipeline.publish(settings(), run_id or "", echo=log.info).path)

    @task
    def render_reports() -> str:
        """The follow-up reports from the current published snapshot; returns the index page."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        return str(pipeline.report(settings(), echo=log.info).index)

    @task
    def generate_docs() -> str:
        """dbt docs (static HTML) for analysts."""
        from regionkpi.jobs import pipeline
        from regionkpi.jobs.orchestration import settings

        return str(pipeline.docs(settings()))

    built = prepare_build() >> dbt_build >> commit_build()
    built >> validate_marts() >> publish_marts() >> render_reports() >> generate_docs()
